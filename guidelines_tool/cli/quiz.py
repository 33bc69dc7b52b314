"""`quiz build`, `quiz score`: practice and qualification quizzes built from the rules."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from guidelines_tool.cli.common import optional_project, project_root
from guidelines_tool.cli.options import duplicates_option, format_option, input_format_option, since_option, task_option
from guidelines_tool.errors import EXIT_CLEAN, DuplicateJudgementsError
from guidelines_tool.reporters.quiz import QUIZ_SCORE_REPORTERS


@click.group("quiz")
def quiz_group() -> None:
    """Practice and qualification quizzes built from the rules' examples and near misses."""


@quiz_group.command("build")
@task_option(help="Only this task (default: one quiz per task, each in DIR/<task>/).")
@click.option("--rev", help="Build from a release (tag, version or commit) instead of the work tree.")
@since_option(help="A refresher: only what changed since this release (tag or version).")
@click.option("--size", type=click.IntRange(min=1),
              help="Questions per quiz, covering every active rule (default: every question).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the draw: which questions (--size) and their order.")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path), default=Path("quiz"),
              show_default=True, help="Folder to write the quiz files into.")
def build_command(task_id: str | None, rev: str | None, since: str | None, size: int | None, seed: int,
                  output: Path) -> int:
    """Write a quiz from the rules' examples, near misses and labelled ambiguous cases.

    Files: quiz.csv (item, input, task) and quiz-gold.csv (item, label, rule, ...) for any
    labeling tool, label-studio-tasks.json and label-studio-config.xml for a Label Studio
    project. Questions whose rule changed its decision since the last release (or --since) are
    marked in quiz-gold.csv's `change` column.
    """
    from guidelines_tool.quiz import CHANGE_WORDS
    from guidelines_tool.quiz_files import GOLD_FILE, build_quizzes, write_quizzes

    built = build_quizzes(project_root(), task=task_id, rev=rev, since=since, size=size, seed=seed)
    for note in built.notes:
        click.echo(f"note: {note}", err=True)
    for one, folder in write_quizzes(built.quizzes, output):
        quiz = one.quiz
        for note in one.notes:
            click.echo(f"note: {quiz.task}: {note}", err=True)
        covered = len(quiz.rules_covered)
        total = covered + len(quiz.rules_without_questions)
        what = f"refresher since {quiz.baseline}" if quiz.refresher else "quiz"
        click.echo(f"{quiz.task}: {len(quiz.questions)} questions ({what}) covering {covered} of {total} "
                   f"active rules → {folder}/")
        if quiz.rules_without_questions:
            click.echo(f"  rules with nothing to ask: {', '.join(quiz.rules_without_questions)}", err=True)
        changed: dict[str, int] = {}
        for question in quiz.questions:
            if question.change:
                changed[question.change] = changed.get(question.change, 0) + 1
        if changed and quiz.baseline:
            parts = ", ".join(f"{n} {CHANGE_WORDS[c]}" for c, n in sorted(changed.items()))
            click.echo(f"  since {quiz.baseline}: {parts}")
        click.echo(f"  score: guidelines quiz score ANSWERS --gold {shlex.quote(str(folder / GOLD_FILE))}")
    return EXIT_CLEAN


@quiz_group.command("score")
@click.argument("answers", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--gold", type=click.Path(dir_okay=False, path_type=Path), default=Path("quiz-gold.csv"),
              show_default=True, help="The quiz key `quiz build` wrote.")
@task_option()
@click.option("--pass-mark", type=click.FloatRange(0, 1),
              help="Share of right answers to pass (default: the project's quiz.pass_mark, else 0.8).")
@input_format_option()
@format_option(QUIZ_SCORE_REPORTERS,
               help="text for a terminal, json for tools (and the site's quiz.results), md for a report.")
@duplicates_option()
def score_command(answers: tuple[Path, ...], gold: Path, task_id: str | None, pass_mark: float | None,
                  input_format: str | None, output_format: str, duplicates: str) -> int:
    """Score quiz ANSWERS (any annotation format: a Label Studio export of the quiz project too)
    per annotator and per rule, with Wilson intervals; list the rules most often missed."""
    from guidelines_tool.quiz import score_quiz
    from guidelines_tool.quiz_files import DUPLICATE_ANSWERS, read_scoring_input
    from guidelines_tool.reporters.agreement import problems_text

    project = optional_project()
    given = read_scoring_input(list(answers), gold, project=project, task=task_id, input_format=input_format,
                               duplicates=duplicates)
    click.echo(problems_text(given.problems, given.summary), err=True, nl=False)
    if given.duplicate_error:
        raise DuplicateJudgementsError(DUPLICATE_ANSWERS)
    mark = pass_mark if pass_mark is not None else (project.config.quiz.pass_mark if project else 0.8)
    titles = {rule.id: rule.title for rule in project.rules} if project else {}
    confidence = project.policy_for(given.task or "").confidence if project else 0.95
    score = score_quiz(given.answers, given.key, pass_mark=mark, titles=titles, task=given.task,
                       confidence=confidence)
    click.echo(QUIZ_SCORE_REPORTERS[output_format]().render(score), nl=False)
    return EXIT_CLEAN
