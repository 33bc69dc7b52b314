"""Quizzes on disk: the project (at a release) and the baseline release it is compared with, the
files `quiz build` writes for labeling tools, and the answers and key `quiz score` reads.

What the files hold, so any labeling tool can run the quiz:
- `quiz.csv`: item, input, task (and media, when a question shows a picture or a recording);
- `quiz-gold.csv`: item, label, rule, task, kind, change — the key (`read_gold` reads it; a
  multi-label answer is `;`-joined, as in annotation CSVs);
- `label-studio-tasks.json`: the same items as Label Studio tasks (`data.item` is the item id, so
  an export of the quiz project reads back as answers; `data.text` the input, `data.image` ... a
  picture or recording), and `label-studio-config.xml`, the labeling config `publish label-studio`
  writes (the same builder, `integrations.label_studio.labeling`): one `<Choices>` control named
  after the task, storing label ids, with the same hotkeys and hints. So a quiz project takes a
  later push of the task like any project (the control is rewritten in place, not doubled), and
  `pull label-studio` / `quiz score` read its exports by the task's name.
Answers are read with the annotation readers (`read_annotations`): CSV, JSON Lines, Parquet,
Label Studio exports (JSON, JSON-MIN, CSV) and Prodigy.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
import xml.etree.ElementTree as ET
from typing import Any, Iterable, Mapping

from guidelines_tool.errors import DataError, GuidelinesError, HistoryError
from guidelines_tool.model import Label, Project, Task
from guidelines_tool.quiz import Answer, Baseline, KeyItem, Quiz, QuizError, build_quiz

QUIZ_FILE, GOLD_FILE = "quiz.csv", "quiz-gold.csv"
LS_TASKS_FILE, LS_CONFIG_FILE = "label-studio-tasks.json", "label-studio-config.xml"
# the keys of a task's data, as the integration's config names its objects (`config.DATA_TYPES`)
LS_TEXT_KEY = "text"
LS_MEDIA_KEYS = {"image": "image", "audio": "audio", "video": "video"}


# --- the project and its baseline release -----------------------------------------------------


@dataclass
class QuizSource:
    """The project to build from (the work tree, or a release) and what it is compared with."""

    project: Project
    history: Any = None
    built_index: int | None = None  # the release's commit on the line (None: the work tree)
    notes: list[str] = field(default_factory=list)


def quiz_source(root: Path, *, rev: str | None = None, need_history: bool = False) -> QuizSource:
    """The project at `root` (or at release `rev`) and, when git has it, its history."""
    from guidelines_tool.history import read_history
    from guidelines_tool.project import load_project

    project = load_project(root)
    source = QuizSource(project)
    try:
        source.history = read_history(root, branch=project.config.branch)
    except HistoryError as exc:
        if rev is not None or need_history:
            raise
        source.notes.append(f"no history, so no question is marked as changed: {exc}")
        return source
    if rev is not None:
        from guidelines_tool.releases import project_at

        commit = source.history.resolve(rev)
        if commit is None:
            raise HistoryError(source.history.unresolved(rev))
        source.project, _ = project_at(project, source.history, rev)
        source.built_index = source.history.index_of(commit.sha)
    return source


def baseline_for(source: QuizSource, task_id: str, since: str | None = None) -> Baseline | None:
    """The release questions are compared with: `since` when given; else the newest release
    (before the one being built) whose rules of the task differ from the built ones."""
    history = source.history
    if history is None:
        return None
    if since is not None:
        commit = history.resolve(since)
        if commit is None:
            raise HistoryError(history.unresolved(since))
        name = since if since in history.tags else next(
            (tag for tag, _version, c in history.releases() if c.sha == commit.sha), since)
        return Baseline(name, history.rules_at(commit.sha))
    current = _content(source.project.rules, task_id)
    for tag, _version, commit in reversed(history.releases()):
        index = history.index_of(commit.sha)
        if source.built_index is not None and index >= source.built_index:
            continue
        rules = history.rules_at(commit.sha)
        if _content(rules.values(), task_id) != current:
            return Baseline(tag, rules)
    return None


def _content(rules: Iterable, task_id: str) -> dict[str, Any]:
    return {rule.id: rule.content() for rule in rules if rule.task == task_id}


@dataclass(frozen=True)
class BuiltQuiz:
    quiz: Quiz
    media: dict[str, str]  # item → project-relative path or URL of its picture / recording
    notes: tuple[str, ...] = ()
    task: Task | None = None  # the task as built (label definitions become the config's hints)
    hotkeys: Mapping[str, str] = field(default_factory=dict)  # the task's last push (publish log)


@dataclass(frozen=True)
class QuizBuild:
    quizzes: list[BuiltQuiz]
    notes: list[str]  # about the whole build (no history, tasks left out)


def build_quizzes(root: Path, *, task: str | None = None, rev: str | None = None, since: str | None = None,
                  size: int | None = None, seed: int = 0) -> QuizBuild:
    """One quiz per task (or for `task`), from the work tree or release `rev`; with `since`, a
    refresher of what changed since that release."""
    source = quiz_source(root, rev=rev, need_history=since is not None)
    project = source.project
    if task is not None and task not in project.tasks:
        known = ", ".join(sorted(project.tasks)) or "none"
        raise QuizError(f"no task {task!r} in the project{' at ' + rev if rev else ''} (tasks: {known})")
    task_ids = [task] if task is not None else sorted(project.tasks)
    if not task_ids:
        raise QuizError("the project has no tasks")
    built, notes = [], list(source.notes)
    pushed, log_problems = _publish_log(root)
    notes += [f"{p.path}:{p.line}: {p.message}" for p in log_problems]
    for task_id in task_ids:
        baseline = baseline_for(source, task_id, since)
        try:
            quiz = build_quiz(project, task_id, size=size, seed=seed, baseline=baseline, refresher=since is not None)
        except QuizError as exc:
            if task is not None or len(task_ids) == 1:
                raise
            notes.append(f"{task_id} left out: {exc}")  # a task with nothing to ask among several
            continue
        media, media_notes = _locate_media(root, quiz, read_at=_reader(root, source))
        built.append(BuiltQuiz(quiz, media, quiz.notes + tuple(media_notes), task=project.tasks[task_id],
                               hotkeys=pushed(task_id)))
    if not built:
        raise QuizError("no task has questions to ask: " + "; ".join(notes[len(source.notes):]))
    return QuizBuild(built, notes)


def _publish_log(root: Path):
    """task → the hotkeys of its last push (so the quiz gives annotators the keys of their
    work project), and the log's bad lines."""
    from guidelines_tool.integrations.publish_log import latest_hotkeys, read_log

    entries, problems = read_log(root)
    return (lambda task_id: latest_hotkeys(entries, task_id)), problems


def _reader(root: Path, source: QuizSource):
    if source.built_index is None:
        return None
    from guidelines_tool.history import read_files_at

    sha = source.history.commits[source.built_index].sha
    return lambda paths: read_files_at(root, sha, paths)


def _locate_media(root: Path, quiz: Quiz, read_at=None) -> tuple[dict[str, str], list[str]]:
    """Item → the project-relative path (or URL) of its media file; a note per missing one."""
    from guidelines_tool.docs.assets import classify

    found, notes = {}, []
    wanted = {}
    for question in quiz.questions:
        if not question.media:
            continue
        asset = classify(question.media, question.source.path)
        if asset is None:
            notes.append(f"{question.source.path}: {question.rule}: media {question.media!r} is not a file or "
                         "http(s) URL the quiz can show; the question shows its text only")
        elif asset.url is not None:
            found[question.item] = asset.url
        else:
            wanted[question.item] = (question, asset)
    available = set(read_at([p for _, a in wanted.values() for p in a.candidates()])) if read_at else None
    for item, (question, asset) in wanted.items():
        for path in asset.candidates():
            if (path in available) if available is not None else (root / path).is_file():
                found[item] = path
                break
        else:
            notes.append(f"{question.source.path}: {question.rule}: media file {question.media!r} not found; "
                         "the question shows its text only")
    return found, notes


# --- the files for labeling tools --------------------------------------------------------------


def media_kind(value: str) -> str:
    from guidelines_tool.docs.assets import classify

    asset = classify(value, "")
    return asset.kind if asset is not None else "file"


def quiz_files(built: BuiltQuiz) -> dict[str, str]:
    """File name → text of every file `quiz build` writes for one quiz."""
    quiz, media = built.quiz, built.media
    with_media = any(q.item in media for q in quiz.questions)
    rows = [["item", "input", "task"] + (["media"] if with_media else [])]
    rows += [[q.item, q.input, q.task] + ([media.get(q.item, "")] if with_media else []) for q in quiz.questions]
    gold = [["item", "label", "rule", "task", "kind", "change"]]
    gold += [[q.item, ";".join(q.answer), q.rule, q.task, q.kind, q.change] for q in quiz.questions]
    kinds = sorted({LS_MEDIA_KEYS[media_kind(m)] for m in media.values() if media_kind(m) in LS_MEDIA_KEYS})
    tasks = []
    for q in quiz.questions:
        # Label Studio refuses an import whose tasks lack a key the config names: every task
        # carries every media key of the quiz, empty when its question shows no such file
        data = {"item": q.item, LS_TEXT_KEY: q.input, "task": q.task, **dict.fromkeys(kinds, "")}
        if q.item in media and media_kind(media[q.item]) in LS_MEDIA_KEYS:
            data[LS_MEDIA_KEYS[media_kind(media[q.item])]] = media[q.item]
        tasks.append({"data": data})
    return {
        QUIZ_FILE: _csv(rows),
        GOLD_FILE: _csv(gold),
        LS_TASKS_FILE: json.dumps(tasks, indent=2, ensure_ascii=False) + "\n",
        LS_CONFIG_FILE: label_studio_config(quiz, kinds, task=built.task, hotkeys=built.hotkeys),
    }


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def label_studio_config(quiz: Quiz, media_kinds: Iterable[str] = (), *, task: Task | None = None,
                        hotkeys: Mapping[str, str] | None = None) -> str:
    """The quiz project's labeling config: the quiz's layout (its title, the picture or
    recording, the input's text) with the task's control as `publish label-studio` writes it —
    named after the task, one choice per label shown by name and stored by id (`alias`), the
    same hotkeys and hints — labelling the text and placed after it."""
    from guidelines_tool.integrations.label_studio.config import DATA_TYPES
    from guidelines_tool.integrations.label_studio.labeling import labeling_config

    root = ET.Element("View")
    ET.SubElement(root, "Header", {"value": quiz.title})
    for kind in media_kinds:
        tag, name = DATA_TYPES[kind]
        ET.SubElement(root, tag, {"name": name, "value": f"${name}", **({"maxWidth": "640px"} if kind == "image" else {})})
    tag, name = DATA_TYPES["text"]
    ET.SubElement(root, tag, {"name": name, "value": f"${LS_TEXT_KEY}"})
    if task is None:  # a quiz built without its task: the options it asks, without definitions
        task = Task(quiz.task, quiz.title, multi_label=quiz.multi_label,
                    labels=tuple(Label(label_id, name) for label_id, name in quiz.labels))
    return labeling_config(ET.tostring(root, encoding="unicode"), task, hotkeys=hotkeys, to_name=name).config


def write_quizzes(built: list[BuiltQuiz], out: Path) -> list[tuple[BuiltQuiz, Path]]:
    """Write each quiz's files: into `out` for one quiz, into `out/<task>/` for several."""
    from guidelines_tool.docs.pagekit import page_name

    written = []
    for one in built:
        folder = out if len(built) == 1 else out / page_name(one.quiz.task)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in quiz_files(one).items():
                (folder / name).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise GuidelinesError(f"cannot write the quiz into {folder}: {exc.strerror or exc}") from exc
        written.append((one, folder))
    return written


# --- answers and the key ---------------------------------------------------------------------


DUPLICATE_ANSWERS = ("an annotator answered the same question twice; pass --duplicates first|last to keep "
                     "one (last: a retaken quiz)")


@dataclass(frozen=True)
class ScoringInput:
    answers: list[Answer]
    key: dict[str, KeyItem]
    task: str | None
    problems: list  # findings from reading the answers and the key
    summary: dict
    duplicate_error: bool = False  # repeated answers under `--duplicates error`: not scored


def read_key(path: Path, project: Project | None, task: str | None):
    """The quiz key (`quiz-gold.csv`, or any gold file with item and label; `rule` when present)."""
    from guidelines_tool.annotations import read_gold

    gold = read_gold(path, project=project, task=task, extra=("rule", "task"))
    rules, tasks = gold.extra.get("rule", {}), gold.extra.get("task", {})
    key = {item: KeyItem(tuple(sorted(label.split(";"))), rules.get(item, ""), tasks.get(item, task or ""))
           for item, label in gold.labels.items()}
    return key, gold.problems


def key_task(path: Path, task: str | None) -> str | None:
    """The task a key is for: `task`, else the key's only task (None when it names none)."""
    if task is not None:
        return task
    from guidelines_tool.annotations import read_gold

    tasks = set(read_gold(path, extra=("task",)).extra.get("task", {}).values())
    if len(tasks) > 1:
        raise QuizError(f"{path} holds the keys of several tasks ({', '.join(sorted(tasks))}): choose one with --task")
    return next(iter(tasks), None)


def read_scoring_input(files: list[Path], gold: Path, *, project: Project | None, task: str | None,
                       input_format: str | None = None, duplicates: str = "error") -> ScoringInput:
    """Answers (any annotation format) and the key, for one task."""
    from guidelines_tool.annotations import read_annotations

    if not gold.exists() and not gold.is_symlink():  # a FIFO, a dangling link: read_gold says
        raise DataError(f"{gold}: no such file (`guidelines quiz build` writes quiz-gold.csv; pass --gold)")
    task = key_task(gold, task)
    if project is not None and task is not None and task not in project.tasks:
        project = None  # a key for a task this project does not have: read without its labels
    key, problems = read_key(gold, project, task)
    table = read_annotations(files, input_format=input_format, project=project, task=task, duplicates=duplicates)
    if table.duplicate_error:
        return ScoringInput([], key, task or table.task_id, list(table.problems) + list(problems),
                            table.summary.to_dict(), duplicate_error=True)
    answers = []
    items = table.items
    for row in range(len(table)):
        members = table.label_sets[table.label[row]] if table.multi_label else (table.labels[table.label[row]],)
        answers.append(Answer(table.annotators[table.annotator[row]], str(items[table.item[row]]),
                              tuple(m for m in members)))
    return ScoringInput(answers, key, task or table.task_id, list(table.problems) + list(problems),
                        table.summary.to_dict())


# --- the results file the quality page shows --------------------------------------------------


def read_results(path: Path) -> dict:
    """A `quiz score --format json` file, checked for the fields the quality page shows."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no such file (write it with `guidelines quiz score ... --format json`)") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise DataError(f"{path}: not a quiz results file ({exc})") from exc
    results = data if isinstance(data, list) else [data]
    for one in results:
        if not (isinstance(one, dict) and isinstance(one.get("annotators"), list)
                and all(isinstance(a, dict) and "annotator" in a for a in one["annotators"])):
            raise DataError(f"{path}: not a quiz results file (`guidelines quiz score --format json` writes one)")
    return {"results": results}
