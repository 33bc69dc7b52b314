"""The records history is made of: commits, file changes, rule versions and revisions, the History.

Records are frozen dataclasses, as model.py's are. A rule version is kept as its parsed data
(`RuleVersion`) and built into a `model.Rule` only when something reads it: history reads
every version of every rule file, and most are never shown (only `guidelines log`, diffs and
the docs site look inside a few). Two versions compare field by field on their data
(`fields_changed`), reading only the fields whose data differ.
"""

from __future__ import annotations

import bisect
import difflib
import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from guidelines_tool.diffing import COMPARED_RULE_FIELDS, Change, Level, classify_rule, parse_version
from guidelines_tool.errors import HistoryError
from guidelines_tool.loading import RULE_READERS, build_rule
from guidelines_tool.model import Finding, Rule, Source, Task

Progress = Callable[[int, int], None]  # progress(done, total), called while long work runs
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Commit:
    """One commit on the first-parent line. `date` is the committer date: when the change
    landed on the line (for a merge, when the branch was merged)."""

    sha: str
    date: datetime
    author: str
    message: str
    author_email: str = ""
    parents: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass(frozen=True)
class FileChange:
    """One line of `git log --raw`: status letter, paths and blob ids (None for the null blob)."""

    status: str
    old_path: str | None
    new_path: str | None
    old_blob: str | None
    new_blob: str | None
    new_mode: str = field(default="", compare=False)  # 120000: a symlink (its blob is the target's name)


@dataclass(frozen=True)
class LogEntry:
    commit: Commit
    changes: tuple[FileChange, ...]


@dataclass(frozen=True)
class RuleRevision:
    """One content version of a rule: what `commit` did to it.

    `rule` is the version after the commit (None when removed), `previous` the one before
    (None when added). `index` is the commit's position on the line (oldest = 0).
    The versions are kept as read (`version`, `previous_version`: RuleVersions, built into
    Rules when `rule` or `previous` is first read).
    """

    rule_id: str
    commit: Commit
    path: str
    version: RuleVersion | None
    previous_version: RuleVersion | None
    change: Change
    level: Level
    fields: tuple[str, ...]
    index: int = 0

    @property
    def rule(self) -> Rule | None:
        return _built(self.version)

    @property
    def previous(self) -> Rule | None:
        return _built(self.previous_version)

    @property
    def previous_path(self) -> str | None:
        return self.previous_version.path if self.previous_version else None

    @property
    def task(self) -> str:
        """The task of the rule's version after the commit, or before it when removed."""
        return (self.version or self.previous_version).task  # type: ignore[union-attr]

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit.sha,
            "date": self.commit.date.isoformat(),
            "author": self.commit.author,
            "message": self.commit.message,
            "path": self.path,
            "change": self.change,
            "level": self.level,
            "fields": list(self.fields),
        }


@dataclass(frozen=True)
class TaskRevision:
    """One content version of a task (its labels, scale, wording)."""

    task_id: str
    commit: Commit
    path: str
    task: Task | None
    previous: Task | None
    change: str
    level: Level
    fields: tuple[str, ...]
    index: int = 0


class RuleVersion:
    """One version of a rule as parsed: the plain data of its mapping (a rule file's, or one
    item of a task file's `rules:`), built into a Rule only when something reads it.

    History reads every version of every rule file, and most are never shown: only
    `guidelines log`, diffs and the docs site look inside a few. Kept as parsed data, a
    version costs no field reading to make, and compares with the next version field by
    field on that data (`fields_changed`: a field whose data is the same is not read).
    `rule()` builds the Rule `loading.parse_file_text` gives for the same data.
    """

    def __init__(self, rule_id: str, path: str, data: dict[str, Any], pointer: tuple = (),
                 default_task: str = "") -> None:
        self.id = rule_id
        self.path = path
        self.data = data
        if pointer:  # an inline rule; a rule file's leaves these to the class (less to pickle)
            self.pointer, self.default_task = pointer, default_task

    pointer: tuple = ()  # ("rules", index) for a task file's inline rule
    default_task = ""  # the enclosing task's id, for an inline rule without `task:`

    def __reduce__(self) -> tuple:
        # What it is made of, not what was derived from it (the built Rule).
        return RuleVersion, (self.id, self.path, self.data, self.pointer, self.default_task)

    def moved(self, path: str) -> RuleVersion:
        """The same version in the file at `path` (a blob seen under another name)."""
        return RuleVersion(self.id, path, self.data, self.pointer, self.default_task)

    def __repr__(self) -> str:
        return f"RuleVersion({self.id!r}, {self.path!r}, {self.pointer!r})"

    @property
    def source(self) -> Source:
        return Source(self.path, self.pointer)

    @property
    def task(self) -> str:
        """`task:`, or the enclosing task's id for an inline rule without one (as build_rule has it)."""
        return rule_field("task", self.data.get("task")) or self.default_task

    @property
    def status(self) -> str:
        return rule_field("status", self.data.get("status"))

    def rule(self) -> Rule:
        built = self.__dict__.get("built")
        if built is None:
            built = self.built = build_rule(self.data, self.source, default_task=self.default_task)
        return built  # type: ignore[return-value]  (made only from a mapping with an id)


def _built(version: RuleVersion | None) -> Rule | None:
    return version.rule() if version is not None else None


@dataclass(frozen=True)
class ParsedBlob:
    """A guideline file's records as parsed from one blob (sources point at `path`).

    `rules` holds RuleVersions: built into Rules when read (see `parse_blob`).
    """

    path: str
    rules: tuple[RuleVersion, ...]
    tasks: tuple[Task, ...]
    findings: tuple[Finding, ...]
    ok: bool = True  # False: the YAML could not be read at all (this version is skipped)


@dataclass
class History:
    """Every rule's content versions along one branch's first-parent line."""

    commits: list[Commit]
    revisions: dict[str, list[RuleRevision]]
    tags: dict[str, str] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    task_revisions: dict[str, list[TaskRevision]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    branch: str = ""
    tag_prefix: str = "v"
    tag_kinds: dict[str, str] = field(default_factory=dict)  # tag → "tree"/"blob" when it names no commit

    def __post_init__(self) -> None:
        self._index = {commit.sha: i for i, commit in enumerate(self.commits)}
        # A commit cannot take effect before the ones under it: commit_at bisects the running max.
        self._effective: list[datetime] = []
        for commit in self.commits:
            latest = self._effective[-1] if self._effective else commit.date
            self._effective.append(max(latest, commit.date))

    @property
    def tip(self) -> Commit | None:
        return self.commits[-1] if self.commits else None

    def index_of(self, sha: str) -> int | None:
        return self._index.get(sha)

    def rules_at(self, sha: str | None) -> dict[str, Rule]:
        """The rules as they stood after commit `sha` (None: before the first commit)."""
        return _state_at(self.revisions, self._rule_indexes, self._position(sha), "rule")

    def rules_changed(self, old: str | None, new: str | None) -> tuple[dict[str, Rule], dict[str, Rule], int]:
        """The rules at two commits of the line, less those that are the very same version at
        both (no revision between them: never built, only counted, returned last)."""
        before = _state_at(self.revisions, self._rule_indexes, self._position(old), "version")
        after = _state_at(self.revisions, self._rule_indexes, self._position(new), "version")
        same = {rule_id for rule_id, version in before.items() if after.get(rule_id) is version}
        return ({k: _built(v) for k, v in before.items() if k not in same},  # type: ignore[misc]
                {k: _built(v) for k, v in after.items() if k not in same}, len(same))

    def tasks_at(self, sha: str | None) -> dict[str, Task]:
        """The tasks as they stood after commit `sha` (None: before the first commit)."""
        return _state_at(self.task_revisions, self._task_indexes, self._position(sha), "task")

    @functools.cached_property
    def _rule_indexes(self) -> dict[str, list[int]]:
        return {key: [r.index for r in revs] for key, revs in self.revisions.items()}

    @functools.cached_property
    def _task_indexes(self) -> dict[str, list[int]]:
        return {key: [r.index for r in revs] for key, revs in self.task_revisions.items()}

    @functools.cached_property
    def _task_commit_indexes(self) -> dict[str, list[int]]:
        by_task: dict[str, set[int]] = {}
        for revisions in self.revisions.values():
            for revision in revisions:
                for version in (revision.version, revision.previous_version):
                    if version is not None:
                        by_task.setdefault(version.task, set()).add(revision.index)
        for task_id, revisions in self.task_revisions.items():
            by_task.setdefault(task_id, set()).update(r.index for r in revisions)
        return {task_id: sorted(indexes) for task_id, indexes in by_task.items()}

    def _position(self, sha: str | None) -> int:
        if sha is None:
            return -1
        index = self._index.get(sha)
        if index is None:
            raise HistoryError(f"commit {sha[:12]} is not on the first-parent line of {self.branch}")
        return index

    def resolve(self, rev: str) -> Commit | None:
        """A full or abbreviated sha on the line, a tag name, or a release version (`1.2.0`)."""
        # Annotation tables repeat the same few revisions on every row: remember the answers.
        cache = self.__dict__.setdefault("_resolved", {})
        if rev not in cache:
            cache[rev] = self._resolve(rev)
        return cache[rev]

    def unresolved(self, rev: str) -> str:
        """Why `resolve(rev)` found no commit, said for a user."""
        for name in (rev, self.tag_prefix + rev):
            if name in self.tag_kinds:
                return tag_of_no_commit(name, self.tags[name], self.tag_kinds[name])
        return f"unknown revision {rev!r} (not a tag, version or commit on the branch)"

    def _resolve(self, rev: str) -> Commit | None:
        rev = rev.strip()
        for name in (rev, self.tag_prefix + rev):
            if name in self.tags and self.tags[name] in self._index:
                return self.commits[self._index[self.tags[name]]]
        if rev in self.tags and rev.lower() not in self._index:
            # A tag off the line, or of a tree or blob: it names no commit here, even when
            # its name looks like the start of some commit's sha (git, too, reads a ref first).
            return None
        if len(rev) >= 4 and all(c in "0123456789abcdefABCDEF" for c in rev):
            rev = rev.lower()
            if rev in self._index:
                return self.commits[self._index[rev]]
            matches = [c for c in self.commits if c.sha.startswith(rev)]
            if len(matches) == 1:
                return matches[0]
        return None

    def commit_at(self, when: datetime) -> Commit | None:
        """The newest commit of the line at or before `when`; None before the first.

        A naive `when` is taken as UTC. Commit dates are committer dates, and a commit never
        counts as earlier than the commits under it (clock skew on a merged branch).
        """
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        position = bisect.bisect_right(self._effective, when)
        return self.commits[position - 1] if position else None

    def task_change_commits(self, task_id: str) -> list[Commit]:
        """Commits (oldest first) that changed any rule or label of the task."""
        return [self.commits[i] for i in self._task_commit_indexes.get(task_id, [])]

    def releases(self) -> list[tuple[str, tuple[int, int, int], Commit]]:
        """Release tags on the line (`<prefix>X.Y.Z`), oldest first."""
        found = []
        for name, sha in self.tags.items():
            version = parse_version(name, self.tag_prefix)
            if version is not None and sha in self._index:
                found.append((self._index[sha], version, name))
        return [(name, version, self.commits[i]) for i, version, name in sorted(found)]

    def known_before(self, sha: str | None) -> set[str]:
        """Rule ids that had appeared at or before commit `sha`."""
        position = self._position(sha)
        return {rule_id for rule_id, revs in self.revisions.items() if revs[0].index <= position}


def _state_at(revisions: dict[str, list], indexes: dict[str, list[int]], position: int, attr: str) -> dict[str, Any]:
    state = {}
    for key in sorted(revisions):
        revs = revisions[key]
        i = bisect.bisect_right(indexes[key], position)
        if i and getattr(revs[i - 1], attr) is not None:
            state[key] = getattr(revs[i - 1], attr)
    return state


def tag_of_no_commit(name: str, sha: str, kind: str) -> str:
    return f"tag {name} points at a {kind} ({sha[:7]}), not a commit, so it names no version of the guidelines"


def rule_revisions(history: History, rule_id: str) -> list[RuleRevision]:
    """The revisions of one rule (oldest first); HistoryError naming close ids when unknown."""
    if rule_id in history.revisions:
        return history.revisions[rule_id]
    close = difflib.get_close_matches(rule_id, list(history.revisions), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise HistoryError(f"no rule '{rule_id}' in the history of {history.branch}{hint}")


# --- comparing two versions on their data ------------------------------------------------------

_ROOT = Source("")
_ABSENT = object()
_FIELD_ORDER = {name: i for i, name in enumerate(COMPARED_RULE_FIELDS)}


def rule_field(name: str, value: Any) -> Any:
    """Rule field `name` as `loading.build_rule` reads it from the entry's value alone (None:
    no entry). Sources are not compared, so the value is read at the empty path."""
    return RULE_READERS[name](value, _ROOT, None)


def same_data(a: Any, b: Any) -> bool:
    """Are two parsed values the same data: equal, with the same types all the way down, and
    mappings' keys in the same order? (Python's == takes 1, 1.0 and True for one value; the rule
    fields read them as three.) The answer of `a == b and repr(a) == repr(b)`, without writing
    out the text of every list and mapping compared (that was a tenth of a cold read's parsing)."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is str or kind is int or kind is bool:
        return a == b
    if kind is list:
        return len(a) == len(b) and all(map(same_data, a, b))
    if kind is dict:
        return len(a) == len(b) and all(
            ka == kb and type(ka) is type(kb) and same_data(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    return a == b and repr(a) == repr(b)  # floats (-0.0 is not 0.0; nan is not nan), anything else


def fields_changed(old: RuleVersion, new: RuleVersion) -> tuple[str, ...]:
    """`diffing.changed_fields` of the two built rules, reading only the fields whose data differ.

    Versions read one after the other by one process share the values that did not change
    (`VersionMemo`): the entries to look at are those whose values are not the very same
    objects. A value found to be the same data here becomes the old version's object in the
    new version too (versions parsed by two processes share them from then on: the next
    comparison is an identity check, and the cache pickles the value once).
    """
    before, after = old.data, new.data
    if before is after and old.default_task == new.default_task:
        return ()
    changed = []
    for name, value in after.items():
        known = before.get(name, _ABSENT)
        if known is value:
            continue
        if known is not _ABSENT and same_data(known, value):
            after[name] = known
        elif name in _FIELD_ORDER and name != "task" and rule_field(name, None if known is _ABSENT else known) != rule_field(name, value):
            changed.append(name)
    changed += [name for name in before if name not in after and name in _FIELD_ORDER and name != "task"
                and rule_field(name, before[name]) != rule_field(name, None)]
    if ("task" in before or "task" in after or old.default_task != new.default_task) and old.task != new.task:
        changed.append("task")
    return tuple(sorted(changed, key=_FIELD_ORDER.__getitem__))


def classify_versions(old: RuleVersion | None, new: RuleVersion | None, *, existed_before: bool):
    """`diffing.classify_rule` of the two versions, without building them."""
    if old is not None and new is not None:
        return classify_rule(old, new, existed_before=existed_before, fields=fields_changed(old, new))  # type: ignore[arg-type]
    return classify_rule(old, new, existed_before=existed_before)  # type: ignore[arg-type]
