"""`guidelines new-rule`: a rule skeleton with the next free id, ready for a lead to fill in.

The skeleton is `data/new-rule/rule.yaml` (a real YAML file with comments) with the id, task,
labels and title put in through the round-trip loader, so any title is quoted correctly, then
run through `fmt` so a new file is already in canonical form. It is a `draft` whose labels are the
task's own, so it validates before the lead has written a word.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath

from guidelines_tool.errors import GuidelinesError
from guidelines_tool.formatting import dump_yaml, format_text, round_trip_yaml
from guidelines_tool.project import load_project
from guidelines_tool.model import Project, Task

NUMBERED_ID = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9-]*?-?)(?P<number>[0-9]+)$")
DEFAULT_TITLE = "TODO a short title that states the decision"
SCHEMA_NAME = "rule.schema.json"


@dataclass(frozen=True)
class NewRule:
    """The rule `new-rule` wrote, where, and anything the user should know about it."""

    rule_id: str
    path: Path
    notes: tuple[str, ...] = field(default_factory=tuple)


def new_rule(root: Path, task_id: str, *, title: str | None = None, path: Path | None = None) -> NewRule:
    """Write a draft rule for `task_id` with the next free id; refuses to overwrite a file."""
    project = load_project(root)
    task = project.tasks.get(task_id)
    if task is None:
        known = ", ".join(sorted(project.tasks)) or "none"
        raise GuidelinesError(f"unknown task {task_id!r} (tasks in this project: {known})")
    retired, notes = ids_in_history(root)
    rule_id = next_rule_id(project, task_id, retired=retired)
    target = (path if path is not None else root / rules_folder(project, task_id) / f"{rule_id}.yaml").absolute()
    if target.exists():
        raise GuidelinesError(f"{target} already exists; nothing was written")
    schema, schema_notes = schema_reference(root, target.parent)
    notes += schema_notes
    guideline_folder = (root / project.config.guidelines).resolve()
    if not target.resolve().is_relative_to(guideline_folder):
        notes.append(f"{target} is outside the guideline folder {guideline_folder}: validate and docs will not read it")
    text = rule_text(task, rule_id, title or DEFAULT_TITLE, schema)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        raise GuidelinesError(f"{target} already exists; nothing was written") from None
    return NewRule(rule_id, target, tuple(notes))


def rules_folder(project: Project, task_id: str) -> Path:
    """Where the task's rule files live (the folder most of them share), else the convention
    `<guidelines>/<task>/rules` (relative to the project root)."""
    folders = Counter(
        PurePosixPath(rule.source.path).parent
        for rule in project.rules_of(task_id)
        if rule.source.pointer == () and rule.source.path
    )
    if folders:
        return Path(*max(sorted(folders), key=folders.__getitem__).parts)
    return Path(project.config.guidelines, task_id, "rules")


def ids_in_history(root: Path) -> tuple[set[str], list[str]]:
    """Every rule id the project's git history has seen: a deleted rule's id is not reused, or
    its history and the new rule's would run together as one rule."""
    from guidelines_tool.history import read_history

    try:
        return set(read_history(root).revisions), []
    except GuidelinesError as exc:
        return set(), [f"ids of rules deleted in git history were not checked: {exc}"]


def next_rule_id(project: Project, task_id: str, *, retired: set[str] | frozenset[str] = frozenset()) -> str:
    """The next free id: the task's own prefix (PPS-007 after PPS-006), else one from its id.

    `retired` ids (rules that existed once) count as taken.
    """
    taken = {rule.id for rule in project.rules} | set(retired)
    numbered = [m for m in (NUMBERED_ID.match(r.id) for r in project.rules_of(task_id)) if m]
    if numbered:
        counts = Counter(m["prefix"] for m in numbered)
        prefix = max(counts, key=lambda p: (counts[p], max(int(m["number"]) for m in numbered if m["prefix"] == p)))
        width = max(len(m["number"]) for m in numbered if m["prefix"] == prefix)
    else:
        prefix, width = derived_prefix(project, task_id) + "-", 3
    used = [int(m["number"]) for m in map(NUMBERED_ID.match, taken) if m and m["prefix"] == prefix]
    number = max(used, default=0) + 1
    while f"{prefix}{number:0{width}d}" in taken:  # ids like PPS-7 beside PPS-007
        number += 1
    return f"{prefix}{number:0{width}d}"


def derived_prefix(project: Project, task_id: str) -> str:
    """Initials of the task id (`review-sentiment` → RS), made unique among other tasks' prefixes."""
    parts = [part for part in re.split(r"[^A-Za-z0-9]+", task_id) if part]
    initials = "".join(part[0] for part in parts).upper()
    if len(parts) == 1:
        initials = parts[0][:3].upper()
    if not initials or not initials[0].isalpha():
        initials = "R" + initials
    others = {
        m["prefix"].rstrip("-")
        for rule in project.rules
        if rule.task != task_id and (m := NUMBERED_ID.match(rule.id))
    }
    longer = "".join(part[:2] for part in parts).upper()
    candidates = [initials, longer if longer[:1].isalpha() else "R" + longer]
    candidates += [f"{initials}{n}" for n in range(2, 100)]
    return next(c for c in candidates if c not in others)


def schema_reference(root: Path, folder: Path) -> tuple[str, list[str]]:
    """The modeline's path to rule.schema.json, relative to `folder` (where the rule file goes).

    `schemas/` is looked for in the project and the folders above it (a sample project inside the
    tool's repository uses the repository's schemas).
    """
    root = root.resolve()
    for base in (root, *root.parents):
        candidate = base / "schemas" / SCHEMA_NAME
        if candidate.is_file():
            return Path(os.path.relpath(candidate, folder.resolve())).as_posix(), []
    missing = root / "schemas" / SCHEMA_NAME
    note = f"{missing} does not exist: write the schemas with `guidelines schema -o {root / 'schemas'}`"
    return Path(os.path.relpath(missing, folder.resolve())).as_posix(), [note]


def rule_text(task: Task, rule_id: str, title: str, schema: str) -> str:
    """The skeleton, filled in for this task and id, in canonical form."""
    template = resources.files("guidelines_tool").joinpath("data", "new-rule", "rule.yaml")
    doc = round_trip_yaml().load(template.read_text(encoding="utf-8").replace("__SCHEMA__", schema))
    labels = list(task.label_ids[:2])
    doc["id"], doc["task"], doc["title"] = rule_id, task.id, title
    doc["labels"][:] = labels
    if labels:
        doc["decision"] = labels[0]
        doc["examples"][0]["label"] = labels[0]
    else:
        del doc["decision"], doc["examples"]
    if len(labels) > 1:
        doc["counterexamples"][0]["label"] = labels[1]
    else:
        del doc["counterexamples"]
    return format_text(dump_yaml(doc))
