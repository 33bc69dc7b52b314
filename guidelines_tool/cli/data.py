"""The commands that read annotation files: `agreement`, `impact`, `hotspots`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from guidelines_tool.cli.common import optional_project, project_root
from guidelines_tool.cli.options import (
    annotation_files_argument, bootstrap_option, duplicates_option, format_option, gold_option,
    input_format_option, seed_option, since_option, task_option,
)
from guidelines_tool.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, DuplicateJudgementsError, SeveralTasksError
from guidelines_tool.reporters.agreement import AGREEMENT_REPORTERS
from guidelines_tool.reporters.impact import HOTSPOTS_REPORTERS, IMPACT_REPORTERS

if TYPE_CHECKING:
    from guidelines_tool.annotations import AnnotationTable, Gold
    from guidelines_tool.model import Project

DUPLICATES_MESSAGE = ("duplicate (item, annotator) judgements; fix them or pass --duplicates first|last "
                      "to keep one")


def read_table(files: tuple[Path, ...], project: Project | None, task_id: str | None, duplicates: str, *,
               duplicate_exit: int, **options: Any) -> AnnotationTable:
    """Read annotation FILES; row problems and the read summary go to stderr, and unresolved
    duplicates raise DuplicateJudgementsError with `duplicate_exit`."""
    from guidelines_tool.annotations import read_annotations
    from guidelines_tool.reporters.agreement import problems_text

    table = read_annotations(files, project=project, task=task_id, duplicates=duplicates, **options)
    click.echo(problems_text(table.problems, table.summary.to_dict()), err=True, nl=False)
    if table.duplicate_error:
        raise DuplicateJudgementsError(DUPLICATES_MESSAGE, exit_code=duplicate_exit)
    return table


def read_gold_shown(gold: Path | None, project: Project | None, task_id: str | None) -> Gold | None:
    """The adjudicated labels of `--gold`, if given; their row problems on stderr."""
    if gold is None:
        return None
    from guidelines_tool.annotations import read_gold
    from guidelines_tool.reporters.agreement import problems_text

    gold_labels = read_gold(gold, project=project, task=task_id)
    if gold_labels.problems:
        click.echo(problems_text(gold_labels.problems, None), err=True, nl=False)
    return gold_labels


@click.command("agreement")
@annotation_files_argument()
@task_option()
@click.option("--scale", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]),
              help="Measurement scale: α's metric and the weights (default: the task's scale).")
@click.option("--by", "by", type=click.Choice(["batch", "revision", "label", "annotator"]),
              help="Break the figures down by batch, guideline revision, label or annotator.")
@gold_option()
@format_option(AGREEMENT_REPORTERS)
@seed_option()
@bootstrap_option(minimum=0)
@click.option("--min-agreement", type=float,
              help="CI gate: exit 1 when Krippendorff's α is below this value.")
@input_format_option()
@duplicates_option()
def agreement_command(files: tuple[Path, ...], task_id: str | None, scale: str | None, by: str | None,
                      gold: Path | None, output_format: str, seed: int, n_boot: int | None,
                      min_agreement: float | None, input_format: str | None, duplicates: str) -> int:
    """Inter-annotator agreement of annotation FILES, with bootstrap intervals."""
    from guidelines_tool.agreement.report import agreement_report

    project = optional_project()
    # duplicates are findings here (exit 1): the figures could be computed, they would be wrong
    table = read_table(files, project, task_id, duplicates, duplicate_exit=EXIT_FINDINGS, input_format=input_format)
    policy = project.policy_for(table.task_id or "") if project is not None else None
    report = agreement_report(
        table, project=project, scale=scale, by=by, gold=read_gold_shown(gold, project, table.task_id),
        n_boot=n_boot if n_boot is not None else (policy.bootstrap if policy else 2000),
        seed=seed, confidence=policy.confidence if policy else 0.95,
        min_agreement=min_agreement, **({"min_items": policy.min_items} if policy else {}),
    )
    click.echo(AGREEMENT_REPORTERS[output_format]().render(report), nl=False)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.gate is not None and not report.gate.passed:
        click.echo(f"agreement gate failed: {report.gate.reason}", err=True)
    return report.exit_code


def _annotation_table(files, project, task_id, duplicates="error") -> AnnotationTable:
    """Read annotation FILES for one task (impact, hotspots)."""
    # a judgement repeated at another time may fall under another revision: impact's windows
    # tell, so it is a re-label here, not a duplicate
    return read_table(files, project, task_id, duplicates, duplicate_exit=EXIT_USAGE, relabel_by_time=True)


def _annotation_tables(files, project, task_id, duplicates="error") -> list[AnnotationTable]:
    """One table per task: `impact` without --task analyses every task the files cover."""
    try:
        return [_annotation_table(files, project, task_id, duplicates)]
    except SeveralTasksError:
        if task_id is not None or project is None:
            raise
    tables = [_annotation_table(files, project, task, duplicates) for task in sorted(project.tasks)]
    return [table for table in tables if len(table)]


@click.command("impact")
@annotation_files_argument()
@click.option("--rule", "rule_id", help="Only this rule's revisions.")
@task_option()
@since_option(help="Only revisions at or after this commit, tag or release (a pull request's new commits: "
                   "what --fail-on-regression gates).")
@click.option("--window", type=click.Choice(["adjacent", "rule"]), default="adjacent", show_default=True,
              help="adjacent: the states just before and after the commit; rule: the rule's whole "
                   "previous version vs its new one (more data, other changes mixed in).")
@click.option("--annotators", type=click.Choice(["all", "shared"]), default="all", show_default=True,
              help="shared: compare only annotators who worked both before and after each commit.")
@click.option("--scope", "scope_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Item -> rule ids (columns item, scope): which rule governs which item, independently "
                   "of the labels. Preferred to citations (a `scope` column in FILES works too).")
@click.option("--fdr", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              help="False discovery rate of the verdicts (default: the agreement policy's fdr, 0.05).")
@click.option("--placebo", type=click.IntRange(min=0), default=0, show_default=True,
              help="Re-run the analysis at N positions where no rule changed: this project's false-"
                   "positive rate and null spread.")
@seed_option()
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=100), hidden=True,
              help="No longer used (impact's intervals are analytic, items and annotators random); "
                   "accepted so that existing scripts still run.")
@format_option(IMPACT_REPORTERS)
@click.option("--fail-on-regression", is_flag=True,
              help="Exit 1 when a revision at or after --since cut agreement (Holm over those revisions).")
@duplicates_option()
def impact_command(files: tuple[Path, ...], rule_id: str | None, task_id: str | None, since: str | None,
                   window: str, annotators: str, scope_file: Path | None, fdr: float | None, placebo: int,
                   seed: int, n_boot: int | None, output_format: str, fail_on_regression: bool,
                   duplicates: str) -> int:
    """Link each rule revision to the agreement change it caused, from annotation FILES."""
    from guidelines_tool.annotations import read_scope
    from guidelines_tool.history import read_history
    from guidelines_tool.impact import compute_impact
    from guidelines_tool.project import load_project

    root = project_root()
    project = load_project(root)
    tables = _annotation_tables(files, project, task_id, duplicates)
    scope = read_scope(scope_file) if scope_file else None
    history = read_history(root)
    report = compute_impact(project, history, tables, rule=rule_id, task=task_id, since=since,
                            seed=seed, window=window, bootstrap=n_boot, fdr=fdr, annotators=annotators,
                            scope=scope, placebo=placebo, gate=fail_on_regression)
    click.echo(IMPACT_REPORTERS[output_format]().render(report), nl=False)
    code = report.exit_code(fail_on_regression=fail_on_regression)
    if code != EXIT_CLEAN:
        names = ", ".join(f"{r.spec.rule}@{r.spec.commit[:7]}" for r in report.gate.failed)
        click.echo(f"agreement regressed after: {names} (Holm over {report.gate.revisions} revisions)", err=True)
    return code


@click.command("hotspots")
@annotation_files_argument()
@task_option()
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Rows per list.")
@gold_option()
@format_option(HOTSPOTS_REPORTERS)
@duplicates_option()
def hotspots_command(files: tuple[Path, ...], task_id: str | None, top: int, gold: Path | None,
                     output_format: str, duplicates: str) -> int:
    """Where annotators still disagree: confused labels, items, rules to clarify, annotators."""
    from guidelines_tool.hotspots import hotspots

    project = optional_project()
    table = _annotation_table(files, project, task_id, duplicates)
    report = hotspots(project, table, top=top, gold=read_gold_shown(gold, project, table.task_id))
    click.echo(HOTSPOTS_REPORTERS[output_format]().render(report), nl=False)
    return EXIT_CLEAN
