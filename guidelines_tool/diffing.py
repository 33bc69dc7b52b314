"""Semantic diff between two sets of rules and tasks, and the version bump it implies.

Pure functions over model records: no git, no files. `history.py` uses `classify_rule` and
`classify_task` for each commit; `diff_rules` compares two whole states (two revisions, a
revision and the working tree, two release tags).

Levels follow DESIGN.md ("Semantic version of a guideline release"):

- major: a label removed or renamed, a rule's `decision` changed, a rule deleted without
  being deprecated first, a task's scale (or multi-label mode) changed, a task removed;
- minor: a rule or label added, a rule's `when` / `unless` / `labels` / `overrides` changed,
  a rule deprecated (or its status otherwise changed), a rule moved to another task,
  a deprecated rule deleted, a label's numeric `value` changed;
- patch: wording only: titles, rationale, examples, counterexamples, ambiguous cases,
  see_also, tags, replaced_by, label names and definitions, task title and description;
- none: nothing an annotator would notice: a move to another file, a `fmt` re-layout.

A label *rename* is a label id that disappears while a new id with the same name or the same
definition appears in the same task: annotations written with the old id no longer match.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable, Literal

from guidelines_tool.model import RULE_FIELDS, Rule, Task

Level = Literal["major", "minor", "patch", "none"]
Change = Literal["added", "changed", "moved", "deprecated", "removed", "re-added"]

LEVELS: tuple[str, ...] = ("none", "patch", "minor", "major")

RULE_FIELD_LEVEL: dict[str, Level] = {
    "decision": "major",
    "when": "minor",
    "unless": "minor",
    "labels": "minor",
    "overrides": "minor",
    "status": "minor",
    "task": "minor",
    "title": "patch",
    "rationale": "patch",
    "examples": "patch",
    "counterexamples": "patch",
    "ambiguous_cases": "patch",
    "see_also": "patch",
    "replaced_by": "patch",
    "tags": "patch",
}

TASK_FIELD_LEVEL: dict[str, Level] = {
    "scale": "major",
    "multi_label": "major",
    "title": "patch",
    "description": "patch",
    "agreement": "patch",
}

# Rule fields written in Markdown: shown as a word diff rather than old → new.
MARKDOWN_FIELDS: frozenset[str] = frozenset({"when", "rationale", "description", "definition"})


def max_level(levels: Iterable[str]) -> Level:
    """The highest of some levels ("none" when there are none)."""
    return max(levels, key=LEVELS.index, default="none")  # type: ignore[return-value]


@dataclass(frozen=True)
class RuleChange:
    """How one rule differs between two states."""

    rule_id: str
    change: Change
    level: Level
    fields: tuple[str, ...]
    old: Rule | None
    new: Rule | None

    @property
    def path(self) -> str:
        rule = self.new or self.old
        return rule.source.path if rule else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "task": (self.new or self.old).task if (self.new or self.old) else "",
            "change": self.change,
            "level": self.level,
            "fields": list(self.fields),
            "path": self.path,
            "old_path": self.old.source.path if self.old else None,
        }


@dataclass(frozen=True)
class TaskChange:
    """How one task (its label set and settings) differs between two states."""

    task_id: str
    change: Literal["added", "changed", "removed"]
    level: Level
    fields: tuple[str, ...]
    labels_added: tuple[str, ...] = ()
    labels_removed: tuple[str, ...] = ()
    labels_renamed: tuple[tuple[str, str], ...] = ()
    labels_changed: tuple[str, ...] = ()
    old: Task | None = None
    new: Task | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task_id,
            "change": self.change,
            "level": self.level,
            "fields": list(self.fields),
            "labels_added": list(self.labels_added),
            "labels_removed": list(self.labels_removed),
            "labels_renamed": [list(pair) for pair in self.labels_renamed],
            "labels_changed": list(self.labels_changed),
        }


@dataclass(frozen=True)
class RuleDiff:
    """Every rule and task that differs between two states, sorted by id, and the bump."""

    rules: tuple[RuleChange, ...] = ()
    tasks: tuple[TaskChange, ...] = ()
    unchanged: int = 0  # rules present and identical on both sides

    @property
    def bump(self) -> Level:
        return max_level([c.level for c in self.rules] + [c.level for c in self.tasks])

    def __bool__(self) -> bool:
        return bool(self.rules or self.tasks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bump": self.bump,
            "rules": [c.to_dict() for c in self.rules],
            "tasks": [c.to_dict() for c in self.tasks],
            "unchanged": self.unchanged,
        }


COMPARED_RULE_FIELDS = tuple(name for name in RULE_FIELDS if name != "id")


def changed_fields(old: Rule, new: Rule) -> tuple[str, ...]:
    """Names of the rule fields whose content differs (in RULE_FIELDS order)."""
    before, after = old.__dict__, new.__dict__  # plain dict reads: history compares thousands
    return tuple(name for name in COMPARED_RULE_FIELDS if before[name] != after[name])


def classify_rule(
    old: Rule | None, new: Rule | None, *, existed_before: bool = False,
    fields: tuple[str, ...] | None = None,
) -> tuple[Change, Level, tuple[str, ...]] | None:
    """Classify one rule's change between two versions; None when nothing changed.

    `existed_before` marks an addition as "re-added" (the id was deleted earlier in history).
    Same content in another file is "moved" (level none); same content in the same file is
    no change at all, whatever the bytes say (a `fmt` re-layout). `fields` are the changed
    fields when the caller knows them (history compares unbuilt versions entry by entry);
    then `old` and `new` need only `status` and `source`.
    """
    if old is None and new is None:
        return None
    if old is None:
        return ("re-added" if existed_before else "added"), "minor", ()
    if new is None:
        return "removed", ("minor" if old.status == "deprecated" else "major"), ()
    fields_ = changed_fields(old, new) if fields is None else fields
    if not fields_:
        if old.source.path != new.source.path:
            return "moved", "none", ()
        return None
    level = max_level(RULE_FIELD_LEVEL.get(name, "patch") for name in fields_)
    if "status" in fields_ and new.status == "deprecated":
        return "deprecated", level, fields_
    return "changed", level, fields_


def classify_task(old: Task | None, new: Task | None) -> TaskChange | None:
    """Classify one task's change (labels added / removed / renamed, scale, wording)."""
    if old is None and new is None:
        return None
    task_id = (new or old).id  # type: ignore[union-attr]
    if old is None:
        return TaskChange(task_id, "added", "minor", (), labels_added=new.label_ids, new=new)
    if new is None:
        return TaskChange(task_id, "removed", "major", (), labels_removed=old.label_ids, old=old)
    if old == new:  # records compare by content (sources are excluded): the common case
        return None
    before, after = old.content(), new.content()
    fields_ = tuple(name for name in before if name != "id" and before[name] != after[name])
    if not fields_:
        return None
    old_labels = {label.id: label for label in old.labels}
    new_labels = {label.id: label for label in new.labels}
    gone = [i for i in old_labels if i not in new_labels]
    came = [i for i in new_labels if i not in old_labels]
    renamed = []
    for old_id in list(gone):
        match = next(
            (
                new_id
                for new_id in came
                if new_labels[new_id].name == old_labels[old_id].name
                or (old_labels[old_id].definition and new_labels[new_id].definition == old_labels[old_id].definition)
            ),
            None,
        )
        if match:
            renamed.append((old_id, match))
            gone.remove(old_id)
            came.remove(match)
    kept = [i for i in old_labels if i in new_labels]
    reworded = [i for i in kept if old_labels[i] != new_labels[i]]
    levels: list[str] = [TASK_FIELD_LEVEL.get(name, "patch") for name in fields_ if name != "labels"]
    if gone or renamed:
        levels.append("major")
    if came or any(old_labels[i].value != new_labels[i].value for i in reworded):
        levels.append("minor")
    if reworded or [i for i in old_labels if i in new_labels] != [i for i in new_labels if i in old_labels]:
        levels.append("patch")  # wording, or only the order the labels are listed in
    return TaskChange(
        task_id,
        "changed",
        max_level(levels),
        fields_,
        labels_added=tuple(came),
        labels_removed=tuple(gone),
        labels_renamed=tuple(renamed),
        labels_changed=tuple(reworded),
        old=old,
        new=new,
    )


def diff_rules(
    old: dict[str, Rule],
    new: dict[str, Rule],
    old_tasks: dict[str, Task] | None = None,
    new_tasks: dict[str, Task] | None = None,
    *,
    known_before: Iterable[str] = (),
) -> RuleDiff:
    """Rule-level diff between two states (id → rule), plus their tasks when given.

    `known_before`: rule ids that existed at some point before `old` (an addition of one of
    them is reported as "re-added"). Moves with no content change are listed with level none.
    """
    earlier = set(known_before)
    rule_changes = []
    unchanged = 0
    for rule_id in sorted(set(old) | set(new)):
        result = classify_rule(old.get(rule_id), new.get(rule_id), existed_before=rule_id in earlier)
        if result is None:
            unchanged += 1
            continue
        change, level, fields_ = result
        rule_changes.append(RuleChange(rule_id, change, level, fields_, old.get(rule_id), new.get(rule_id)))
    task_changes = []
    old_tasks, new_tasks = old_tasks or {}, new_tasks or {}
    for task_id in sorted(set(old_tasks) | set(new_tasks)):
        change = classify_task(old_tasks.get(task_id), new_tasks.get(task_id))
        if change is not None:
            task_changes.append(change)
    return RuleDiff(tuple(rule_changes), tuple(task_changes), unchanged)


# --- versions ---------------------------------------------------------------------------------

_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")  # semver: ASCII, no leading zeros
FIRST_VERSION = (1, 0, 0)


def parse_version(tag: str, prefix: str) -> tuple[int, int, int] | None:
    """`v1.2.3` with prefix `v` → (1, 2, 3); None for tags that are not release tags."""
    if not tag.startswith(prefix):
        return None
    match = _SEMVER.fullmatch(tag[len(prefix):])
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def next_version(current: tuple[int, int, int] | None, bump: str) -> tuple[int, int, int] | None:
    """The version after `current` for a bump level; the first release is 1.0.0.

    Why 1.0.0 and not 0.1.0: a first release is what annotators are trained on, and the
    major/minor/patch levels should mean the same thing from the start (under 0.x semver
    lets anything break in a minor). None when the bump is "none" (nothing to release).
    """
    if bump == "none":
        return None
    if current is None:
        return FIRST_VERSION
    major, minor, patch = current
    if bump == "major":
        return (major + 1, 0, 0)
    if bump == "minor":
        return (major, minor + 1, 0)
    return (major, minor, patch + 1)


def format_version(version: tuple[int, int, int]) -> str:
    return ".".join(str(part) for part in version)


# --- word diff --------------------------------------------------------------------------------

WordOp = Literal["equal", "delete", "insert"]


def word_diff(old: str, new: str) -> list[tuple[WordOp, str]]:
    """A word-level diff of two texts: runs of equal / deleted / inserted text (whitespace kept).

    Joining the "equal" and "delete" parts gives `old` back; "equal" and "insert" give `new`.
    """
    a, b = _words(old), _words(new)
    result: list[tuple[WordOp, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _append(result, "equal", "".join(a[i1:i2]))
        else:
            _append(result, "delete", "".join(a[i1:i2]))
            _append(result, "insert", "".join(b[j1:j2]))
    return result


def words_kept(old: str, new: str) -> float:
    """How much of the wording two texts share: 2·M / (words of old + words of new), M the words
    a word diff keeps (difflib's ratio over words, whitespace ignored). 1 for the same words, 0
    when none stayed; below 0.5 most words changed and a word diff reads as a jumble."""
    a, b = old.split(), new.split()
    if not a and not b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return 2 * sum(block.size for block in matcher.get_matching_blocks()) / (len(a) + len(b))


def _words(text: str) -> list[str]:
    return [token for token in re.split(r"(\s+)", text) if token]


def _append(result: list[tuple[WordOp, str]], op: WordOp, text: str) -> None:
    if not text:
        return
    if result and result[-1][0] == op:
        result[-1] = (op, result[-1][1] + text)
    else:
        result.append((op, text))
