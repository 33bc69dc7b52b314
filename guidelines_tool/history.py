"""Rule versions along the configured branch's first-parent line. The only module that runs git.

How it reads history, and why (FACTS.md has the measurements):

- ONE `git log --first-parent --raw -z -M` pass lists every commit on the line with the blobs
  it changed (a merge shows its diff against its first parent: a merged branch's work appears
  as the merge's change). Walking commits and diffing trees through GitPython objects costs
  a process per commit.
- ONE `git cat-file --batch` process reads every blob that is needed; each distinct blob is
  parsed once, by `loading.parse_yaml` (the one YAML reader). Both
  git processes run while Python reads their pipes (`read_line`): a commit's blobs are asked
  for as soon as the commit is read, and parsed as they arrive, so on two cores git's work
  costs little wall time.
- A rule's versions are kept as their parsed data (a file's mapping, or a task-file item):
  a `RuleVersion`, built into a Rule only when something reads it. Two versions are
  compared field by field, reading only the fields whose data differ; a rule whose data did
  not change is the very same version (`VersionMemo`), neither rebuilt nor classified.
- The walk is replayed in Python: a rule's identity is its `id`, so a rule keeps one history
  when its file is renamed, when it moves to another file, or between a task file's inline
  `rules:` and a file of its own.
- Parsed blobs and the replayed walk are cached under `.git/guidelines-cache/`; a warm run
  reads only the commits added since. The cache is an optimisation: deleting it changes no
  output.

Parsers of git's output are pure functions (`parse_log`, `parse_raw_changes`, `parse_refs`)
with their own tests; the `Git` class holds the few calls that spawn git.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import dataclasses
import functools
import gc
import hashlib
import io
import operator
import os
import pickle
import posixpath
import selectors
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator

from guidelines_tool.diffing import (
    COMPARED_RULE_FIELDS,
    Change,
    Level,
    RuleDiff,
    classify_rule,
    classify_task,
    parse_version,
)
from guidelines_tool.errors import HistoryError
from guidelines_tool.loading import (
    FILE_TOO_LARGE,
    RULE_READERS,
    UNREADABLE,
    build_rule,
    build_task,
    parse_file_text,
    parse_yaml,
    problem,
    syntax_finding,
)
from guidelines_tool.model import Finding, ProjectConfig, Rule, Source, Task

Progress = Callable[[int, int], None]
CACHE_VERSION = 1
CACHE_DIR = "guidelines-cache"
YAML_SUFFIXES = (".yaml", ".yml")
SYMLINK_MODE = "120000"
MAX_BLOB_BYTES = 10 * 1024 * 1024  # the same limit as loading.MAX_FILE_BYTES
MAX_SYMLINK_HOPS = 8  # links followed to resolve one path (each hop costs two git calls; loops hit it)

# --- records ----------------------------------------------------------------------------------


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
    field on that data (`_changed_fields`: a field whose data is the same is not read).
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

    def moved(self, path: str) -> RuleVersion:
        """The same version in the file at `path` (a blob seen under another name)."""
        return RuleVersion(self.id, path, self.data, self.pointer, self.default_task)

    def __repr__(self) -> str:
        return f"RuleVersion({self.id!r}, {self.path!r}, {self.pointer!r})"

    @property
    def source(self) -> Source:
        return Source(self.path, self.pointer)

    @functools.cached_property
    def task(self) -> str:
        """`task:`, or the enclosing task's id for an inline rule without one (as build_rule has it)."""
        return _field("task", self.data.get("task")) or self.default_task

    @functools.cached_property
    def status(self) -> str:
        return _field("status", self.data.get("status"))

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


def _plain_record(cls: type) -> bool:
    """Can `_record` build `cls`: a dataclass with no __post_init__ and no slots."""
    return dataclasses.is_dataclass(cls) and not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")


def _record(cls: type, values: dict[str, Any]) -> Any:
    """`cls(**values)` for a frozen dataclass record, given every field, without its __init__.

    A frozen dataclass's __init__ sets each field through object.__setattr__: four times
    the cost of the rest of building one. History builds tens of thousands (log entries,
    rule versions, revisions), so the hot paths fill the instance dict directly, which is
    how pickle rebuilds the cached records too. A record type that gains a __post_init__
    or slots goes through its constructor.
    """
    if cls in _PLAIN:
        record = object.__new__(cls)
        record.__dict__.update(values)
        return record
    return cls(**values)


# --- the result -------------------------------------------------------------------------------


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


_PLAIN = {cls for cls in (Rule, Commit, FileChange, RuleRevision, ParsedBlob) if _plain_record(cls)}

# --- pure parsers of git output ---------------------------------------------------------------

LOG_FORMAT = "%x1e%H%x1f%P%x1f%cI%x1f%an%x1f%ae%x1f%B%x1f"
NULL_SHA = "0" * 40


def parse_log(text: str) -> list[LogEntry]:
    """Parse `git log -z --raw --no-abbrev --format=LOG_FORMAT` output into entries.

    Read token by token (NUL-separated), never by splitting on the record separator: a commit
    message may hold \x1e or \x1f itself, but never a NUL, so each header is one token, and
    the change records after it are consumed by count (a path may hold anything but NUL).
    """
    return _parse_log_tokens(text.split("\0"), final=True)[0]


def parse_log_prefix(text: str) -> tuple[list[LogEntry], str]:
    """The entries `text` (the start of `git log` output still being written) completes, and
    the text to keep: the last commit's header onwards, whose change list may go on.

    Joining the kept text with what git writes next and parsing again gives the entries
    `parse_log` gives for the whole output.
    """
    tokens = text.split("\0")
    entries, rest = _parse_log_tokens(tokens[:-1], final=False)  # the last token may be cut short
    return entries, "\0".join(tokens[rest:])


class LogReader:
    """Parses `git log` output piece by piece, as the pipe delivers it (see `parse_log_prefix`).

    A commit's entry is complete only once the next header arrives: text without a header
    mark is just kept, so a huge commit is not parsed again for every piece of it.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self._pending: list[str] = []

    def feed(self, piece: bytes) -> list[LogEntry]:
        text = self._decoder.decode(piece)
        self._pending.append(text)
        if "\x1e" not in text:
            return []
        entries, rest = parse_log_prefix("".join(self._pending))
        self._pending = [rest]
        return entries

    def close(self) -> list[LogEntry]:
        """The entries left once git has written everything."""
        self._pending.append(self._decoder.decode(b"", final=True))
        entries = parse_log("".join(self._pending))
        self._pending = []
        return entries


def _parse_log_tokens(tokens: list[str], *, final: bool) -> tuple[list[LogEntry], int]:
    """Entries from the tokens, and the index of the first token not consumed. Unless `final`,
    the last commit (whose changes may continue past the tokens) is not consumed."""
    entries = []
    i = 0
    while i < len(tokens):
        header_index = i
        start = tokens[i].find("\x1e")  # past any text git's config puts before a commit
        header = tokens[i][start:]
        i += 1
        if start < 0:
            continue
        sha, parents, date, author, email, rest = header[1:].split("\x1f", 5)
        commit = _record(Commit, {
            "sha": sha,
            "date": datetime.fromisoformat(date),
            "author": _printable(author),
            "message": _printable(rest.removesuffix("\x1f").strip(" \t\r\n")),  # str.strip() eats \x1c-\x1f too
            "author_email": _printable(email),
            "parents": tuple(parents.split()),
        })
        try:
            changes, i = _read_changes(tokens, i, stop_at_other=True)
        except IndexError:  # a record's paths are not all here yet
            if final:
                raise
            return entries, header_index
        if not final and i >= len(tokens):
            return entries, header_index
        entries.append(LogEntry(commit, changes))
    return entries, len(tokens)


def _printable(text: str) -> str:
    """Text git gave as bytes that were not UTF-8 (decoded with surrogate escapes), with U+FFFD
    in their place: only paths keep the escapes, so they name the same files as os does."""
    if text.isascii():  # the common case, and escapes are never ASCII (a constant-time check)
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def parse_raw_changes(raw: str) -> tuple[FileChange, ...]:
    """Parse the NUL-separated `--raw -z` records: `:old new oldsha newsha S\\0path\\0[path\\0]`."""
    return _read_changes(raw.split("\0"), 0, stop_at_other=False)[0]


def _read_changes(tokens: list[str], i: int, *, stop_at_other: bool) -> tuple[tuple[FileChange, ...], int]:
    """The change records from `tokens[i]` on, and the index after them.

    With `stop_at_other`, the first token that is not a record's metadata ends the list (it is
    the next commit's header); paths are taken by count, so a path that looks like a header or
    like metadata is still read as a path.
    """
    changes = []
    while i < len(tokens):
        meta = tokens[i].strip()
        if not meta.startswith(":"):
            if stop_at_other and meta:
                break
            i += 1
            continue
        i += 1
        parts = meta[1:].split()
        if len(parts) < 5:
            continue
        old_blob, new_blob, status = parts[2], parts[3], parts[4][0]
        old_blob = None if old_blob == NULL_SHA else old_blob
        new_blob = None if new_blob == NULL_SHA else new_blob
        if status in "RC":
            old_path, new_path = tokens[i], tokens[i + 1]
            i += 2
        else:
            old_path = new_path = tokens[i]
            i += 1
        if status == "A":
            old_path = None
        if status == "D":
            new_path = None
        changes.append(_record(FileChange, {"status": status, "old_path": old_path, "new_path": new_path,
                                            "old_blob": old_blob, "new_blob": new_blob, "new_mode": parts[1]}))
    return tuple(changes), i


def parse_refs(text: str) -> dict[str, str]:
    """`git for-each-ref --format='%(refname:lstrip=2)%00%(objectname)%00%(*objectname)'` → name → commit.

    Annotated tags are peeled to the commit they point at. With the object types as two more
    fields (`TAG_FORMAT`), a tag is peeled to whatever it names: see `parse_tag_refs`.
    """
    return {name: sha for name, (sha, _) in parse_tag_refs(text).items()}


TAG_FORMAT = "%(refname:lstrip=2)%00%(objectname)%00%(*objectname)%00%(objecttype)%00%(*objecttype)"


def parse_tag_refs(text: str) -> dict[str, tuple[str, str]]:
    """`git for-each-ref --format=TAG_FORMAT` → tag name → (object, its type).

    The object is the one an annotated tag points at (one level peeled), its type "commit"
    for an ordinary release tag; a tag may name a tree or a blob too (`git tag v1 HEAD^{tree}`),
    or another tag (type "tag": `*` peels one level only, `Git.tags` peels the rest). Without
    the type fields (the older three-field format) the type is taken to be "commit".
    """
    refs = {}
    for line in text.splitlines():
        if not line:
            continue
        name, obj, peeled, kind, peeled_kind = (line.split("\0") + ["", "", "", ""])[:5]
        refs[name] = (peeled, peeled_kind or "commit") if peeled else (obj, kind or "commit")
    return refs


def parse_batch_output(data: bytes) -> dict[str, bytes]:
    """`git cat-file --batch` output → blob id → contents (missing objects are left out)."""
    reader = BatchReader()
    blobs = dict(reader.feed(data))
    reader.close()
    return blobs


class BatchReader:
    """Reads `git cat-file --batch` output piece by piece, as the pipe delivers it.

    `feed` takes the next bytes and returns the (blob id, contents) of every object they
    complete, in order; an object split across pieces waits for the rest. So blobs can be
    parsed while git is still writing the ones after them.
    """

    def __init__(self) -> None:
        self._data = b""
        self._position = 0

    def feed(self, piece: bytes) -> list[tuple[str, bytes]]:
        data = self._data[self._position:] + piece if self._position < len(self._data) else piece
        position, size_of_data = 0, len(data)
        found = []
        while position < size_of_data:
            end = data.find(b"\n", position)
            if end < 0:
                break
            header = data[position:end].split()
            if len(header) < 3 or header[1] == b"missing":
                position = end + 1
                continue
            size = int(header[2])
            stop = end + 1 + size
            if stop >= size_of_data:  # the contents (and the newline after them) are not all here
                break
            found.append((header[0].decode(), data[end + 1 : stop]))
            position = stop + 1  # contents end with a newline
        self._data, self._position = data, position
        return found

    def close(self) -> None:
        """Raise HistoryError when the output stopped in the middle of an object."""
        if self._position < len(self._data):
            raise HistoryError("git cat-file stopped in the middle of an object")


# --- git --------------------------------------------------------------------------------------


class Git:
    """The repository a project lives in, and the few git calls history needs.

    Every call is a plain `git` subprocess run at the top of the work tree: importing
    GitPython alone costs more than all of history's git processes on a warm run (FACTS:
    its object walks are too slow anyway), so it is not used here.
    """

    def __init__(self, root: Path) -> None:
        # One process answers discovery: bare?, shallow?, where .git is, where the top is.
        # (rev-parse prints the answers it could give before failing on --show-toplevel.)
        proc = _git(["rev-parse", "--is-bare-repository", "--is-shallow-repository",
                     "--git-common-dir", "--show-toplevel"], cwd=root)
        lines = proc.stdout.decode("utf-8", errors="replace").splitlines()
        if proc.returncode != 0 or len(lines) < 4:
            if lines[:1] == ["true"] or (lines and "work tree" in proc.stderr.decode(errors="replace")):
                raise HistoryError(f"{root} is a bare git repository: run from a checkout")
            raise HistoryError(
                f"{root} is not inside a git repository: rule history needs one (`git init`)"
            )
        if lines[0] == "true":
            raise HistoryError(f"{root} is a bare git repository: run from a checkout")
        self.shallow = lines[1] == "true"
        self.common_dir = (Path(root) / lines[2]).resolve()
        self.top = Path(lines[3]).resolve()
        try:
            self.prefix = Path(root).resolve().relative_to(self.top).as_posix()
        except ValueError:
            self.prefix = "."
        self.prefix = "" if self.prefix == "." else self.prefix

    def run(self, *args: str) -> str:
        proc = _git(list(args), cwd=self.top)
        if proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", errors="replace").strip()
            raise HistoryError(f"git {args[0]} failed: {detail or f'exit status {proc.returncode}'}")
        return proc.stdout.decode("utf-8", errors="replace")

    def rev_parse(self, rev: str) -> str | None:
        """The commit `rev` names, or None when it names none."""
        if not rev or rev.startswith("-"):  # never let user input reach git as an option
            return None
        proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=self.top)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", errors="replace").strip() or None

    def is_shallow(self) -> bool:
        return self.shallow

    def current_branch(self) -> str | None:
        """The branch HEAD is on, or None when HEAD is detached."""
        proc = _git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=self.top)
        name = proc.stdout.decode("utf-8", errors="replace").strip()
        return name if proc.returncode == 0 and name else None

    def check_history_readable(self) -> None:
        """Refuse shallow clones and empty repositories with the fix in the message."""
        if self.is_shallow():
            raise HistoryError(
                "this is a shallow clone, so rule history would be wrong (every file looks new in "
                "the oldest commit). Fetch the full history: `git fetch --unshallow`, or in GitHub "
                "Actions use `actions/checkout` with `fetch-depth: 0` (GitLab: `GIT_DEPTH: 0`)"
            )
        if self.rev_parse("HEAD") is None:
            raise HistoryError("the git repository has no commits yet: commit the guidelines first")

    @staticmethod
    def log_args(tip: str, exclude: str | None = None) -> list[str]:
        """`git log` arguments for the first-parent line up to `tip` with the blobs each commit
        changed (a merge: against its first parent), newest first: git then writes at once,
        where --reverse walks the whole line first."""
        args = ["log", "-z", "--first-parent", "--diff-merges=first-parent", "--raw", "-M", "--no-abbrev",
                "--no-color", "--no-ext-diff", "--no-show-signature", f"--format={LOG_FORMAT}", tip]
        args.insert(1, "--encoding=UTF-8")  # a user's i18n.logOutputEncoding would re-encode messages and names
        if exclude:
            args.append(f"^{exclude}")
        return args

    def log(self, tip: str, exclude: str | None = None) -> str:
        """The first-parent line up to `tip` (newest first) with the blobs each commit changed."""
        with _popen(self.log_args(tip, exclude), self.top, stdin=subprocess.DEVNULL) as proc:
            out = proc.stdout.read()  # one read: see read_blobs (git's errors are short)
            error = proc.stderr.read()
        if proc.returncode != 0:
            raise HistoryError(f"git log failed: {error.decode(errors='replace').strip()}")
        # Surrogate escapes, as os.fsdecode: a path that is not UTF-8 names the file on disk.
        return out.decode("utf-8", errors="surrogateescape")

    def read_blobs(self, blob_ids: Iterable[str]) -> dict[str, bytes]:
        """Contents of many blobs through one `git cat-file --batch` process."""
        return dict(self.stream_blobs(blob_ids))

    def stream_blobs(self, blob_ids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(blob id, contents) of many blobs, in request order, as `git cat-file --batch`
        writes them (missing objects are left out).

        A caller that parses each blob as it comes works while git reads the next ones
        (git is another process: on two cores the reading costs almost no wall time).
        """
        ids = list(blob_ids)
        if not ids:
            return
        request = ("\n".join(ids) + "\n").encode()
        with _popen(["cat-file", "--batch", "--buffer"], self.top, stdin=subprocess.PIPE) as proc:
            # Feed the ids from a thread: git stops reading them while its output waits.
            writer = threading.Thread(target=_feed, args=(proc.stdin, request), daemon=True)
            writer.start()
            stdout = proc.stdout.fileno()  # type: ignore[union-attr]
            _widen_pipe(stdout)
            reader = BatchReader()
            while True:
                # os.read returns what the pipe holds (up to the size), never waits for more.
                piece = os.read(stdout, PIPE_READ)
                if not piece:
                    break
                yield from reader.feed(piece)
            writer.join()
            reader.close()

    def tree_blobs(self, rev: str, folder: str, hops: int = 0) -> dict[str, str]:
        """path → blob id of every file under `folder` at `rev` (paths relative to the top)."""
        proc = _git(["ls-tree", "-r", "-z", "--full-tree", rev, "--", folder or "."], cwd=self.top)
        if proc.returncode != 0:
            raise HistoryError(f"git ls-tree failed: {proc.stderr.decode(errors='replace').strip()}")
        out = proc.stdout.decode("utf-8", errors="surrogateescape")  # paths as os names them (see log)
        files, links = {}, {}
        for record in out.split("\0"):
            meta, _, path = record.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                (links if parts[0] == SYMLINK_MODE else files)[path] = parts[2]
        # A symlink stands for its target's contents, as in the work tree (dangling: no file).
        names = self.read_blobs(set(links.values())) if links else {}
        for path, blob in links.items():
            target = symlink_target(path, names.get(blob, b""))
            # A chain of links is followed a few hops (the OS says ELOOP): a loop names no file.
            found = self.tree_blobs(rev, target, hops + 1) if target and hops < MAX_SYMLINK_HOPS else {}
            if target in found:
                files[path] = found[target]
        return files

    def tags(self) -> dict[str, str]:
        """Tag name → the object it names: a commit for every ordinary tag (see `tag_objects`)."""
        return {name: sha for name, (sha, _) in self.tag_objects().items()}

    def tag_objects(self) -> dict[str, tuple[str, str]]:
        """Tag name → (the object it names, peeled through annotated tags, and its type).

        `lstrip=2`, not `short`: a tag that shares its name with a branch is shortened to
        `tags/<name>` and would no longer read as a release. A tag of a tree or a blob keeps
        that object (the caller says it is ignored); a tag of a tag is peeled to the end by
        one `git cat-file --batch-check` for all of them (rare: git warns when creating one).
        """
        tags = parse_tag_refs(self.run("for-each-ref", "refs/tags", f"--format={TAG_FORMAT}"))
        nested = sorted(name for name, (_, kind) in tags.items() if kind == "tag")
        if nested:
            request = "".join(f"refs/tags/{name}^{{}}\n" for name in nested).encode()
            # No check: an answer git cannot give leaves that tag as it is.
            proc = subprocess.run(["git", "cat-file", "--batch-check"], cwd=self.top, input=request,
                                  capture_output=True, check=False)
            answers = proc.stdout.decode("utf-8", errors="replace").splitlines()
            for name, answer in zip(nested, answers):
                parts = answer.split()
                if len(parts) == 3 and parts[1] != "missing":
                    tags[name] = (parts[0], parts[1])
        return tags

    def cache_dir(self) -> Path:
        return self.common_dir / CACHE_DIR

    def is_dirty(self, folder: str) -> bool:
        """Uncommitted changes anywhere tracked, or untracked files in the guideline folder."""
        if self.run("status", "--porcelain", "--untracked-files=no").strip():
            return True
        return bool(self.run("ls-files", "--others", "--exclude-standard", "--", folder or ".").strip())


@contextlib.contextmanager
def _popen(args: list[str], cwd: Path, *, stdin: Any) -> Iterator[subprocess.Popen]:
    """A streaming git process; killed if the reader stops early (an exception, ^C)."""
    try:
        proc = subprocess.Popen(["git", *args], cwd=cwd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise HistoryError("git is not installed (or not on PATH): rule history needs it") from None
    try:
        yield proc
    except BaseException:
        proc.kill()
        raise
    finally:
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        proc.wait()


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise HistoryError("git is not installed (or not on PATH): rule history needs it") from None
    except NotADirectoryError:
        raise HistoryError(f"{cwd} is not a folder") from None


# --- replaying the walk -----------------------------------------------------------------------


def _leave(records: Iterable[Any], path: str, ids: set[str], paths: dict[str, set[str]]) -> None:
    for record in records:
        ids.add(record.id)
        where = paths.get(record.id)
        if where:
            where.discard(path)


def _enter(records: Iterable[Any], path: str, ids: set[str], paths: dict[str, set[str]]) -> None:
    for record in records:
        ids.add(record.id)
        where = paths.get(record.id)
        if where is None:
            paths[record.id] = {path}
        else:
            where.add(path)


class Walk:
    """The state of the guideline files while the line is replayed commit by commit.

    Picklable: it is what the cache stores, so a warm run continues from the cached tip.
    """

    def __init__(self, folder: str, project_prefix: str) -> None:
        self.folder = folder  # guideline folder relative to the repository top ("" = all)
        self.project_prefix = project_prefix  # project root relative to the top
        self.tip: str | None = None
        self.commits: list[Commit] = []
        self.files: dict[str, ParsedBlob] = {}  # project-relative path → last good parse
        self.rule_paths: dict[str, set[str]] = {}
        self.task_paths: dict[str, set[str]] = {}
        self.rules: dict[str, RuleVersion] = {}
        self.tasks: dict[str, Task] = {}
        self.revisions: dict[str, list[RuleRevision]] = {}
        self.task_revisions: dict[str, list[TaskRevision]] = {}
        self.problems: list[Finding] = []
        self.links: dict[str, str] = {}  # symlink → the path it names, both top-relative

    # Pickled as columns: the commits' fields as lists, each revision as a plain tuple (its
    # commit is commits[index]). Records pickle one by one, with a dict of their fields each:
    # on 5,000 commits that was half the time a cold run spent writing the cache.
    _COMMIT_FIELDS = tuple(f.name for f in dataclasses.fields(Commit))
    _REVISION_FIELDS = tuple(f.name for f in dataclasses.fields(RuleRevision) if f.name not in ("rule_id", "commit"))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        commit_row = operator.itemgetter(*self._COMMIT_FIELDS)
        state["commits"] = list(zip(*[commit_row(c.__dict__) for c in self.commits])) or [()] * len(self._COMMIT_FIELDS)
        row = operator.itemgetter(*self._REVISION_FIELDS)
        state["revisions"] = {rule_id: [row(r.__dict__) for r in revisions]
                              for rule_id, revisions in self.revisions.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        names = self._COMMIT_FIELDS
        commits = [_record(Commit, dict(zip(names, values))) for values in zip(*state["commits"])]
        state["commits"] = commits
        state["revisions"] = {rule_id: [self._revision(rule_id, row, commits) for row in rows]
                              for rule_id, rows in state["revisions"].items()}
        self.__dict__.update(state)

    @classmethod
    def _revision(cls, rule_id: str, row: tuple, commits: list[Commit]) -> RuleRevision:
        values = dict(zip(cls._REVISION_FIELDS, row))
        # a dataclass's fields in order, as RuleRevision's own __init__ would set them
        return _record(RuleRevision, {"rule_id": rule_id, "commit": commits[values["index"]], **values})

    def wanted(self, path: str | None, folder: str | None = None) -> bool:
        """Is `path` (relative to the top) a YAML file in the guideline folder (default: the current)?"""
        if not path or not path.endswith(YAML_SUFFIXES):
            return False
        folder = self.folder if folder is None else folder
        return not folder or path.startswith(folder + "/")

    def project_path(self, path: str) -> str:
        """`path` (relative to the top) relative to the project folder, as loading names files
        (`../shared/r.yaml` for a guideline folder beside the project)."""
        prefix = self.project_prefix
        if not prefix:
            return path
        if path.startswith(prefix) and path[len(prefix):len(prefix) + 1] == "/":
            return path[len(prefix) + 1 :]
        return posixpath.relpath(path, prefix)

    def apply(self, entry: LogEntry, blobs: dict[str, ParsedBlob], folder: str | None = None) -> None:
        """Replay one commit: update the files it touched and record what changed per id.

        `folder` is the guideline folder from this commit on when the commit changed it: every
        file of the old folder leaves, and `entry.changes` then lists the new folder's files.
        """
        index = len(self.commits)
        self.commits.append(entry.commit)
        self.tip = entry.commit.sha
        touched: dict[str, ParsedBlob | None] = {}  # path → new parse (None: gone)
        if folder is not None and folder != self.folder:
            self.folder = folder
            touched = dict.fromkeys(self.files)
        files, wanted, project_path = self.files, self.wanted, self.project_path
        for change in entry.changes:
            old_path = project_path(change.old_path) if wanted(change.old_path) else None  # type: ignore[arg-type]
            new_path = project_path(change.new_path) if wanted(change.new_path) else None  # type: ignore[arg-type]
            previous = files.get(old_path) if old_path else None
            if old_path and change.status != "C":
                touched[old_path] = None
            if new_path:
                parsed = blobs.get(change.new_blob) if change.new_blob else None
                if parsed is not None and not parsed.ok:
                    self._problem(entry.commit, new_path, parsed)
                    # Skip the broken version: keep what the file held before.
                    previous = files.get(new_path) or previous
                    parsed = _repath(previous, new_path) if previous else None
                elif parsed is not None and parsed.path != new_path:
                    parsed = _repath(parsed, new_path)
                touched[new_path] = parsed
        if not touched:
            return
        rule_ids: set[str] = set()
        task_ids: set[str] = set()
        for path, parsed in touched.items():
            old = files.pop(path, None)
            if old is not None:
                _leave(old.rules, path, rule_ids, self.rule_paths)
                _leave(old.tasks, path, task_ids, self.task_paths)
            if parsed is not None:
                files[path] = parsed
                _enter(parsed.rules, path, rule_ids, self.rule_paths)
                _enter(parsed.tasks, path, task_ids, self.task_paths)
        for rule_id in sorted(rule_ids):
            self._update_rule(rule_id, entry.commit, index)
        for task_id in sorted(task_ids):
            self._update_task(task_id, entry.commit, index)

    def _current(self, record_id: str, paths: dict[str, set[str]], attr: str) -> Any:
        # A duplicated id (lint reports it) resolves to the first file in path order.
        where = paths.get(record_id, ())
        for path in where if len(where) < 2 else sorted(where):
            for record in getattr(self.files[path], attr):
                if record.id == record_id:
                    return record
        return None

    def _update_rule(self, rule_id: str, commit: Commit, index: int) -> None:
        old = self.rules.get(rule_id)
        new = self._current(rule_id, self.rule_paths, "rules")
        if new is old:  # an untouched inline rule of a touched task file: the very same record
            return
        result = _classify(old, new, existed_before=rule_id in self.revisions)
        if result is None:
            if new is not None:
                self.rules[rule_id] = new
            return
        change, level, fields_ = result
        version = new or old
        path = version.path  # type: ignore[union-attr]
        revision = _record(RuleRevision, {"rule_id": rule_id, "commit": commit, "path": path, "version": new,
                                          "previous_version": old, "change": change, "level": level, "fields": fields_,
                                          "index": index})
        self.revisions.setdefault(rule_id, []).append(revision)
        if new is None:
            self.rules.pop(rule_id, None)
        else:
            self.rules[rule_id] = new

    def _update_task(self, task_id: str, commit: Commit, index: int) -> None:
        old = self.tasks.get(task_id)
        new = self._current(task_id, self.task_paths, "tasks")
        result = classify_task(old, new)
        if new is None:
            self.tasks.pop(task_id, None)
        else:
            self.tasks[task_id] = new
        if result is None:
            return
        path = (new or old).source.path  # type: ignore[union-attr]
        self.task_revisions.setdefault(task_id, []).append(
            TaskRevision(task_id, commit, path, new, old, result.change, result.level, result.fields, index)
        )

    def _problem(self, commit: Commit, path: str, parsed: ParsedBlob) -> None:
        for finding in parsed.findings:
            self.problems.append(
                Finding(
                    path, finding.line, finding.column, finding.code, finding.name, "warning",
                    f"in commit {commit.short} ({commit.date.date().isoformat()}): {finding.message}; "
                    "this version is skipped in rule history",
                )
            )

    def history(self, branch: str, tags: dict[str, str], tag_prefix: str, notes: list[str]) -> History:
        return History(
            commits=list(self.commits),
            revisions={k: list(v) for k, v in sorted(self.revisions.items())},
            tags=dict(sorted(tags.items())),
            problems=list(self.problems),
            task_revisions={k: list(v) for k, v in sorted(self.task_revisions.items())},
            notes=list(notes),
            branch=branch,
            tag_prefix=tag_prefix,
        )


def _repath(parsed: ParsedBlob, path: str) -> ParsedBlob:
    """The same parse with every source pointing at `path` (a blob seen under another name)."""
    if parsed.path == path:
        return parsed
    return ParsedBlob(
        path,
        tuple(rule.moved(path) for rule in parsed.rules),
        tuple(_with_path(task, path) for task in parsed.tasks),
        parsed.findings,
    )


def _with_path(record: Any, path: str) -> Any:
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, Source):
            changes[f.name] = Source(path, value.pointer)
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            changes[f.name] = tuple(_with_path(item, path) for item in value)
    return dataclasses.replace(record, **changes) if changes else record


PIPE_READ = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Let git write ahead up to 1 MiB (Linux; the default 64 KiB makes it wait on every
    few dozen blobs). Best effort: elsewhere, or above the system's limit, nothing changes."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_READ)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass


def _feed(stream: Any, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:  # git exited early; its error shows on the read side
        pass


def parse_blob(data: bytes, path: str, memo: VersionMemo | None = None) -> ParsedBlob:
    """Parse one blob's bytes as the guideline file at `path` (`loading.parse_yaml`).

    Its rules are RuleVersions (built into Rules when read). With a `VersionMemo`, a rule
    whose data is the same as in the last version read at the same place is that very
    version, and a task whose own entries are the same is that very Task: nothing is built
    or classified again (see `VersionMemo`).
    """
    if len(data) > MAX_BLOB_BYTES:
        return _too_large(data, path)
    if data.startswith(LFS_POINTER):
        return _lfs_pointer(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        finding = syntax_finding(path, 1, 1, "file is not valid UTF-8")
        return ParsedBlob(path, (), (), (finding,), ok=False)
    value, findings = parse_yaml(text, path)
    if isinstance(value, dict):
        return records_from_data(value, path, findings, memo)
    # Not a mapping (broken, empty, a list): no records; the loader says what the file is.
    parsed = parse_file_text(text, path)
    readable = parsed.data is not None or not parsed.findings or _only_empty(parsed.findings)
    return ParsedBlob(path, (), (), tuple(parsed.findings), readable)


def _too_large(data: bytes, path: str) -> ParsedBlob:
    """The limit `validate` applies to a file on disk, applied to an old version: the blob is
    reported and skipped like an unparsable one, never handed to the YAML parser."""
    message = f"file is {len(data):,} bytes, more than the {MAX_BLOB_BYTES:,} a guideline file may have"
    return ParsedBlob(path, (), (), (problem(path, 1, 1, FILE_TOO_LARGE, message),), ok=False)


LFS_POINTER = b"version https://git-lfs.github.com/spec/"


def _lfs_pointer(path: str) -> ParsedBlob:
    """A Git LFS pointer in place of the file: git holds no contents to read. Parsed, it is a
    mapping without `kind`, and the file's rules would silently look removed."""
    message = "stored in Git LFS (git holds only a pointer): history cannot read this version; keep guideline files out of LFS"
    return ParsedBlob(path, (), (), (problem(path, 1, 1, UNREADABLE, message),), ok=False)


def _only_empty(findings: list[Finding]) -> bool:
    # An emptied file is readable: its rules are gone, as if it were deleted.
    return all(f.name == "empty-file" for f in findings)


def records_from_data(data: dict[str, Any], path: str, findings: Iterable[Finding] = (),
                      memo: VersionMemo | None = None) -> ParsedBlob:
    """Records of a parsed mapping, dispatched on `kind` as `loading.parse_file_text` does:
    a rule file's one rule, or a task file's task and inline rules (RuleVersions)."""
    memo = memo if memo is not None else VersionMemo()
    kind = data.get("kind")
    rules: list[RuleVersion] = []
    tasks: list[Task] = []
    if kind == "rule":
        rule_id = _field("id", data.get("id"))
        if rule_id:
            rules.append(memo.rule(rule_id, path, data))
    elif kind == "task":
        task = memo.task(data, path)
        if task:
            tasks.append(task)
        items = data.get("rules")
        default_task = _field("id", data.get("id"))
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict):
                rule_id = _field("id", item.get("id"))
                if rule_id:
                    rules.append(memo.rule(rule_id, path, item, ("rules", index), default_task))
    return _record(ParsedBlob, {"path": path, "rules": tuple(rules), "tasks": tuple(tasks),
                                "findings": tuple(findings), "ok": True})


# --- the per-entry memo: a version of a file is mostly its previous version ---------------------

_ROOT = Source("")
_ABSENT = object()


def _field(name: str, value: Any) -> Any:
    """Rule field `name` as `loading.build_rule` reads it from the entry's value alone (None:
    no entry). Sources are not compared, so the value is read at the empty path."""
    return RULE_READERS[name](value, _ROOT, None)


def _same(a: Any, b: Any) -> bool:
    """Are two parsed values the same data: equal, with the same types all the way down?
    (Python's == takes 1, 1.0 and True for one value; the rule fields read them as three.)"""
    return a is b or (a == b and (type(a) is str or repr(a) == repr(b)))


class VersionMemo:
    """The last rule version and task read at each place of each file, for one history read.

    A new version of a file mostly repeats its previous one. A rule (a rule file's, or one
    inline rule of a task file) whose data is the same as at the same place before is that
    very RuleVersion: the replay sees the same object and classifies nothing. A changed rule
    shares every value that did not change with its previous version, so versions compare
    by identity first and the cache pickles each value once. A task whose own entries (all
    but its inline `rules:`) did not change is that very Task, not built again.
    """

    def __init__(self) -> None:
        self.rules: dict[tuple[str, tuple], RuleVersion] = {}  # (path, pointer) → last version there
        self.tasks: dict[str, tuple[dict[str, Any], Task | None]] = {}  # path → own entries, task

    def rule(self, rule_id: str, path: str, data: dict[str, Any], pointer: tuple = (),
             default_task: str = "") -> RuleVersion:
        key = (path, pointer)
        last = self.rules.get(key)
        if last is not None:
            if last.id == rule_id and last.default_task == default_task and _same(last.data, data):
                return last
            known = last.data
            data = {name: old if (old := known.get(name, _ABSENT)) is not _ABSENT and _same(old, value) else value
                    for name, value in data.items()}
        version = self.rules[key] = RuleVersion(rule_id, path, data, pointer, default_task)
        return version

    def task(self, data: dict[str, Any], path: str) -> Task | None:
        own = {key: value for key, value in data.items() if key != "rules"}
        last = self.tasks.get(path)
        if last is not None and _same(last[0], own):
            return last[1]
        task = build_task(data, Source(path))
        self.tasks[path] = (own, task)
        return task


def _changed_fields(old: RuleVersion, new: RuleVersion) -> tuple[str, ...]:
    """`diffing.changed_fields` of the two built rules, reading only the fields whose data differ."""
    if old.data is new.data and old.default_task == new.default_task:
        return ()
    before, after = old.data, new.data
    changed = []
    for name in COMPARED_RULE_FIELDS:
        if name == "task":
            if old.task != new.task:
                changed.append(name)
            continue
        a, b = before.get(name), after.get(name)
        if not _same(a, b) and _field(name, a) != _field(name, b):
            changed.append(name)
    return tuple(changed)


def _classify(old: RuleVersion | None, new: RuleVersion | None, *, existed_before: bool):
    """`diffing.classify_rule` of the two versions, without building them."""
    if old is not None and new is not None:
        return classify_rule(old, new, existed_before=existed_before, fields=_changed_fields(old, new))  # type: ignore[arg-type]
    return classify_rule(old, new, existed_before=existed_before)  # type: ignore[arg-type]


# --- cache ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the code that turns blobs into records and revisions.

    Cached records are only as right as the loader that made them: when `loading.py`,
    `model.py`, `diffing.py` or this module change (an upgrade, a local edit), old cache
    files no longer match and are rebuilt.
    """
    digest = hashlib.sha1(f"{CACHE_VERSION}".encode())
    here = Path(__file__).parent
    for name in ("history.py", "loading.py", "model.py", "diffing.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()


class Cache:
    """The replayed walk and the parsed blobs (by blob id) of one guideline folder, under .git/.

    One file holds both, pickled by one pickler: a rule version is shared by the walk's
    revisions and by the blob it was parsed from, and is written once. The walk comes first,
    so a warm run that only needs the walk stops reading there.
    Any unreadable or stale file is ignored: the cache never changes an answer.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.fingerprint = code_fingerprint()
        self._reader: pickle.Unpickler | None = None

    def _path(self, name: str) -> Path | None:
        return self.folder / name if self.folder else None

    def load_walk(self, name: str) -> Walk | None:
        """The cached walk, or None (missing, stale or unreadable)."""
        path = self._path(name)
        self._reader = None
        if path is None or not path.is_file():
            return None
        try:
            reader = pickle.Unpickler(io.BytesIO(path.read_bytes()))
            if reader.load() != self.fingerprint:
                return None
            walk = reader.load()
        except Exception:  # a truncated or foreign file is just a cache miss
            return None
        self._reader = reader
        return walk if isinstance(walk, Walk) else None

    def load_blobs(self) -> dict[str, ParsedBlob]:
        """The parsed blobs stored after the walk `load_walk` read (empty when there is none)."""
        if self._reader is None:
            return {}
        try:
            blobs = self._reader.load()
        except Exception:
            return {}
        finally:
            self._reader = None
        return blobs if isinstance(blobs, dict) else {}

    def save(self, name: str, walk: Walk, blobs: dict[str, ParsedBlob]) -> None:
        path = self._path(name)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as handle:
                writer = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
                writer.dump(self.fingerprint)
                writer.dump(walk)
                writer.dump(blobs)
            os.replace(tmp, path)
            for old in path.parent.glob("*-*.pickle"):  # files of earlier versions' layout
                if old.name.startswith(("walk-", "blobs-")):
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only .git still gets correct (slower) answers


# --- entry points -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """Which first-parent line is read: the ref name shown to users and its tip commit."""

    name: str
    tip: str
    notes: tuple[str, ...] = ()


def resolve_line(git_: Git, branch: str) -> Line:
    """The configured branch, else its remote-tracking copy (CI), else HEAD with a note."""
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        sha = git_.rev_parse(ref)
        if sha:
            name = branch if ref.startswith("refs/heads/") else f"origin/{branch}"
            return Line(name, sha)
    head = git_.rev_parse("HEAD")
    if head is None:
        raise HistoryError("the git repository has no commits yet: commit the guidelines first")
    current = git_.current_branch()
    where = f"branch {current}" if current else f"detached HEAD at {head[:7]}"
    note = (
        f"branch '{branch}' (config `branch`) does not exist; reading the first-parent line of "
        f"{where} instead"
    )
    return Line("HEAD", head, (note,))


def read_history(
    root: Path,
    *,
    branch: str | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> History:
    """Every rule's revisions along the first-parent line of `branch` (default: the config's).

    Raises HistoryError for a folder outside git, a shallow clone, an empty repository.
    `progress(done, total)` is called while blobs are parsed and commits replayed.
    """
    from guidelines_tool.config import read_config

    config, _ = read_config(root)
    git_ = Git(root)
    git_.check_history_readable()
    line = resolve_line(git_, branch or config.branch)
    folder = guideline_folder(git_, config.guidelines)
    cache = Cache(git_.cache_dir() if use_cache else None)
    tag_objects = git_.tag_objects()
    with _gc_paused():
        walk = _walk_to(git_, line.tip, folder, cache, progress)
        # A tag of a tree or blob stays in `tags` (its name is taken: `release` must not reuse
        # it), but names no commit, so no release: the notes say so.
        tags = {name: sha for name, (sha, _) in tag_objects.items()}
        history = walk.history(line.name, tags, config.release_tag_prefix, list(line.notes))
    history.tag_kinds = {name: kind for name, (_, kind) in tag_objects.items() if kind != "commit"}
    history.notes.extend(release_tag_notes(history))
    history.notes.extend(odd_tag_notes(history))
    return history


def release_tag_notes(history: History) -> list[str]:
    """Notes for release tags (`<prefix>X.Y.Z`) that changelogs and releases leave out: those
    naming a tree or a blob instead of a commit, and those off the first-parent line."""
    notes = []
    for name, sha in history.tags.items():
        if not parse_version(name, history.tag_prefix) or history.index_of(sha) is not None:
            continue
        kind = history.tag_kinds.get(name, "commit")
        if kind != "commit":
            article = "an" if kind[:1] in "aeiou" else "a"
            notes.append(f"release tag {name} points at {article} {kind} ({sha[:7]}), not a commit: "
                         "ignored by changelog and release")
        else:
            notes.append(f"release tag {name} is not on the first-parent line of {history.branch}: "
                         "left out of changelogs and version numbering")
    return notes


def unknown_revision_message(git_: Git, rev: str, tag_prefix: str) -> str:
    """Why `rev` names no commit: a tag of a tree or a blob says so, anything else is unknown."""
    objects = git_.tag_objects()
    for name in (rev, tag_prefix + rev):
        sha, kind = objects.get(name, ("", "commit"))
        if kind != "commit":
            return tag_of_no_commit(name, sha, kind)
    return f"unknown revision '{rev}' (not a commit, branch, tag or release version)"


def tag_of_no_commit(name: str, sha: str, kind: str) -> str:
    return f"tag {name} points at a {kind} ({sha[:7]}), not a commit, so it names no version of the guidelines"


def odd_tag_notes(history: History) -> list[str]:
    """Notes for tags that look like release tags but are not `<prefix>X.Y.Z` (`v1.0`, `v2.0.0-rc1`):
    they are ignored by changelogs and releases, and a silent ignore would look like a bug."""
    notes = []
    prefix = history.tag_prefix
    for name in history.tags:
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest[:1].isdigit() and parse_version(name, prefix) is None:
            notes.append(f"tag {name} has the release prefix '{prefix}' but is not a version "
                         f"{prefix}MAJOR.MINOR.PATCH: ignored by changelog and release")
    return notes


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while records are built or unpickled.

    The walk makes hundreds of thousands of small acyclic objects; the collector's repeated
    passes over them cost more than the work itself (unpickling a warm cache: 1.3 s → 0.2 s).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # The records live as long as the History, and hold no reference cycles: freezing
        # them spares every later collection a pass over them (the first alone costs 0.2 s).
        gc.freeze()
        if enabled:
            gc.enable()


def guideline_folder(git_: Git, guidelines: str) -> str:
    """The project's guideline folder relative to the repository top ("" for the whole tree)."""
    return folder_in(git_.prefix, guidelines)


def folder_in(prefix: str, guidelines: str) -> str:
    """The guideline folder `guidelines` of a project at `prefix`, relative to the top
    (`proj` with `../shared`: `shared`, a folder beside the project, as validate reads it)."""
    folder = posixpath.normpath(posixpath.join(prefix or ".", guidelines.strip("/") or "."))
    return "" if folder == "." else folder


def _walk_to(git_: Git, tip: str, folder: str, cache: Cache, progress: Progress | None) -> Walk:
    key = hashlib.sha1(f"{folder}\0{git_.prefix}".encode()).hexdigest()[:16]
    name = f"history-{key}.pickle"
    walk = cache.load_walk(name)
    if walk is not None and walk.tip == tip:
        return walk
    entries: list[LogEntry] | None = None
    known = cache.load_blobs()
    memo = VersionMemo()
    if walk is not None:
        entries = read_line(git_, walk, tip, walk.tip, known, memo, progress)
        # Continue only when the cached tip is on the new line (no rewrite, no branch switch),
        # and no new commit deletes another project's config (it may turn a copy of that
        # project, before the cached tip, into the first half of a move).
        if (not entries or entries[0].commit.parents[:1] != (walk.tip,)
                or deletes_another_config(entries, walk.project_prefix)):
            walk, entries = None, None
    if walk is None:
        # A full replay: blobs parsed by earlier runs need not be parsed again.
        walk = Walk(folder, git_.prefix)
        entries = read_line(git_, walk, tip, None, known, memo, progress)
    linked = _follow_symlinks(git_, walk, entries)
    # The line's tip may hold the project elsewhere than the checkout (a branch that moves it).
    moves = relocate_project(git_.prefix, entries, git_.tree_blobs, start=project_prefix_at(git_, tip))
    folder = walk.folder
    folders = _folder_changes(git_, walk, entries, moves)
    if linked or moves or walk.folder != folder or any(f is not None for f in folders) or not READS_AHEAD:
        blobs = _parsed_blobs(git_, walk, entries, folders, known, memo, progress)
    else:  # read_line's guess was right: it read every blob these commits bring in
        blobs = known
    total = len(entries)
    for done, (entry, new_folder) in enumerate(zip(entries, folders), 1):
        walk.apply(entry, blobs, new_folder)
        if progress and (done % 100 == 0 or done == total):
            progress(done, total)
    cache.save(name, walk, known)
    return walk


READS_AHEAD = os.name != "nt"  # read_line parses blobs while git writes (select() takes no pipes on Windows)


def read_line(git_: Git, walk: Walk, tip: str, exclude: str | None, known: dict[str, ParsedBlob],
              memo: VersionMemo, progress: Progress | None = None) -> list[LogEntry]:
    """`parse_log(git_.log(tip, exclude))`, reading blobs ahead while git writes the log.

    Each blob a commit brings into the walk's guideline folder is asked of `git cat-file` as
    soon as the commit is read, and parsed into `known` as it arrives: the two git processes
    run beside Python (on two cores the log and the blobs cost almost no wall time), where
    reading the whole log first left Python waiting. What this reads ahead is a guess (the
    folder may change along the line, a symlink stands for another file): `_parsed_blobs`
    later reads whatever the replay needs and `known` lacks, so a wrong guess costs time only.

    No thread writes the requests: they go to git as its stdin can take them (`_Requests`).
    """
    if not READS_AHEAD:  # read the log first, the blobs later
        return parse_log(git_.log(tip, exclude))[::-1]
    parsed = 0
    asked: dict[str, str] = {}  # blob → the project path it is parsed as
    entries: list[LogEntry] = []
    log_reader, batch_reader = LogReader(), BatchReader()
    with _popen(git_.log_args(tip, exclude), git_.top, stdin=subprocess.DEVNULL) as log, \
            _popen(["cat-file", "--batch", "--buffer"], git_.top, stdin=subprocess.PIPE) as cat:
        try:
            log_fd, cat_fd = log.stdout.fileno(), cat.stdout.fileno()  # type: ignore[union-attr]
            requests = _Requests(cat.stdin)  # type: ignore[arg-type]
            _widen_pipe(log_fd)
            _widen_pipe(cat_fd)
            with selectors.DefaultSelector() as selector:
                selector.register(log_fd, selectors.EVENT_READ)
                selector.register(cat_fd, selectors.EVENT_READ)
                log_open = True
                while selector.get_map():
                    requests.watch(selector)
                    # The log first: every commit read gives git cat-file more to do.
                    ready = sorted((key.fd for key, _ in selector.select()), key=lambda fd: fd != log_fd)
                    for fd in ready:
                        if fd == requests.fd:
                            requests.write()
                            continue
                        piece = os.read(fd, PIPE_READ)
                        if not piece:
                            selector.unregister(fd)
                        if fd == cat_fd:
                            for blob, data in batch_reader.feed(piece):
                                known[blob] = parse_blob(data, asked[blob], memo)
                                parsed += 1
                                # Once the log is read the number of blobs is known: show it.
                                if progress and parsed % 100 == 0 and not log_open:
                                    progress(parsed, len(asked))
                            continue
                        new = log_reader.feed(piece) if piece else log_reader.close()
                        entries += new
                        wanted = []
                        for entry in new:
                            for change in entry.changes:
                                blob = change.new_blob
                                if (blob and blob not in asked and blob not in known
                                        and change.new_mode != SYMLINK_MODE and walk.wanted(change.new_path)):
                                    asked[blob] = walk.project_path(change.new_path)  # type: ignore[arg-type]
                                    wanted.append(blob)
                        if wanted:
                            requests.add("".join(f"{blob}\n" for blob in wanted).encode())
                        if not piece:
                            log_open = False
                            requests.finish()  # git cat-file ends once it has answered
        finally:
            requests.close()
        error = log.stderr.read()  # type: ignore[union-attr]
        log.wait()
    if log.returncode != 0:
        raise HistoryError(f"git log failed: {error.decode(errors='replace').strip()}")
    batch_reader.close()
    if progress and asked:
        progress(len(asked), len(asked))
    entries.reverse()  # read newest first (git's first bytes come at once): replayed oldest first
    return entries


class _Requests:
    """Blob ids on their way to `git cat-file`'s stdin, written as the pipe takes them.

    git blocks writing its answers while Python is busy parsing; a blocking write of more
    requests would then wait on git, and git on Python. Written only when the selector says
    the pipe has room, they never block, and no thread is needed.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.fd = stream.fileno()
        os.set_blocking(self.fd, False)
        self.pending = bytearray()
        self.done = False  # no more requests will come: close stdin once the pending are out
        self.registered = False

    def add(self, data: bytes) -> None:
        self.pending += data

    def finish(self) -> None:
        self.done = True

    def watch(self, selector: selectors.BaseSelector) -> None:
        """Ask the selector about room in the pipe exactly while something waits to be written."""
        if self.stream.closed:
            return
        if self.done and not self.pending:
            if self.registered:
                selector.unregister(self.fd)
                self.registered = False
            self.close()
        elif self.pending and not self.registered:
            selector.register(self.fd, selectors.EVENT_WRITE)
            self.registered = True
        elif not self.pending and self.registered:
            selector.unregister(self.fd)
            self.registered = False

    def write(self) -> None:
        try:
            written = os.write(self.fd, self.pending)
        except BlockingIOError:
            return
        except OSError:  # git exited early; its error shows on the read side
            self.pending.clear()
            self.done = True
            return
        del self.pending[:written]

    def close(self) -> None:
        if not self.stream.closed:
            try:
                self.stream.close()
            except OSError:
                pass


def symlink_target(link: str, name: bytes) -> str | None:
    """The top-relative path a symlink at `link` names (None when it leaves the repository)."""
    text = name.decode("utf-8", errors="surrogateescape")
    if not text or text.startswith("/"):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(link), text))
    return None if target == ".." or target.startswith("../") else target


def _follow_symlinks(git_: Git, walk: Walk, entries: list[LogEntry]) -> bool:
    """Rewrite, in place, the changes of YAML symlinks (and of their targets) into changes of
    the link's path carrying the target's blob: the work tree reads a link as its target.
    `walk.links` (link → target, top-relative) carries the state across cached runs.
    False when there is no link to follow (nothing was rewritten).
    """
    links = walk.links
    new_links = {c for e in entries for c in e.changes if c.new_mode == SYMLINK_MODE and c.new_path
                 and c.new_path.endswith(YAML_SUFFIXES) and c.new_blob}
    if not links and not new_links:
        return False
    names = git_.read_blobs({c.new_blob for c in new_links})  # type: ignore[misc]
    for i, entry in enumerate(entries):
        changes = []
        rewritten = False
        for change in entry.changes:
            if change.old_path in links and change.old_path != change.new_path or change.status == "D":
                links.pop(change.old_path, None)  # type: ignore[arg-type]
            if change in new_links:
                rewritten = True
                target = symlink_target(change.new_path, names.get(change.new_blob, b""))  # type: ignore[arg-type]
                blob = None
                if target:
                    links[change.new_path] = target  # type: ignore[index]
                    blob = git_.tree_blobs(entry.commit.sha, target).get(target)
                else:
                    links.pop(change.new_path, None)  # type: ignore[arg-type]
                status = "D" if blob is None else ("A" if change.old_path is None else "M")
                changes.append(FileChange(status, change.old_path, change.new_path if blob else None, None, blob))
                continue
            if change.new_path in links and change.new_mode != SYMLINK_MODE:
                links.pop(change.new_path)  # the link became a file
            changes.append(change)
        touched_links = {c.new_path for c in changes} | {c.old_path for c in changes}
        for change in entry.changes:
            for link, target in links.items():
                if link in touched_links:
                    continue
                if change.new_path == target and change.new_blob:
                    changes.append(FileChange("M", link, link, None, change.new_blob))
                    rewritten = True
                elif change.old_path == target and change.new_path != target:
                    changes.append(FileChange("D", link, None, None, None))  # dangles now
                    rewritten = True
        if rewritten:
            entries[i] = dataclasses.replace(entry, changes=tuple(changes))
    return True


def _folder_changes(git_: Git, walk: Walk, entries: list[LogEntry],
                    moves: dict[int, tuple[str, str]] | None = None) -> list[str | None]:
    """Per entry, the guideline folder it switches to (None: unchanged), following `guidelines:`
    in each version of the config along the line. Rewrites a switching entry's changes in
    place to list every file of the new folder at that commit (see Walk.apply).
    """
    config_path = str(PurePosixPath(git_.prefix or ".") / "guidelines.yaml").removeprefix("./")
    versions = {
        i: change.new_blob
        for i, entry in enumerate(entries)
        for change in entry.changes
        if change.new_path == config_path and change.new_blob
    }
    folders: list[str | None] = [None] * len(entries)
    if not versions:
        return folders
    texts = git_.read_blobs(set(versions.values()))
    current = walk.folder if walk.commits else None
    for i, blob in sorted(versions.items()):
        named = _configured_folder(texts.get(blob, b""))
        if named is None and current is not None:
            continue  # a broken version: the folder stays what the last readable one named
        folder = guideline_folder(git_, named or ProjectConfig().guidelines)
        if current is None:
            # A fresh replay: the folder of the first config applies from the first commit.
            walk.folder = current = folder
        elif folder != current:
            folders[i] = current = folder
            files = _tree_where_it_was(git_, entries[i].commit.sha, folder, (moves or {}).get(i))
            changes = tuple(FileChange("A", None, path, None, blob) for path, blob in sorted(files.items()))
            entries[i] = dataclasses.replace(entries[i], changes=changes)
    return folders


# --- a project that moved: its config in another folder earlier on the line ------------------
# Rule identity is the rule id, so history follows the project when its whole folder moves
# (the guidelines project moved from the repository top into `annotation/`). The config's
# location along the line is found by the same rename detection as everything else: walking
# back from the tip, a commit that renamed `X/guidelines.yaml` to the current config (or
# deleted one and added the other) moved the project from X. Changes of the commits before
# such a move are rewritten into the tip's layout (`X/<rel>` → `<tip prefix>/<rel>`; paths
# outside X were not part of the project then and are dropped), so the replay sees one project
# that always lived where it lives now, and a pure move of the whole project changes nothing.
# A move may also take two commits: the project copied to its new folder in one, the old copy
# deleted in a later one (see `_copied_from`).

CONFIG_FILE = "guidelines.yaml"


def _is_config(path: str | None) -> bool:
    """Is `path` (relative to the top) some folder's project config file?"""
    return path is not None and path.endswith(CONFIG_FILE) and posixpath.basename(path) == CONFIG_FILE


def _under(path: str | None, prefix: str) -> str | None:
    """`path` relative to `prefix` ("" = the top), or None when it lies outside."""
    if path is None or not prefix:
        return path
    return path[len(prefix) + 1:] if path.startswith(prefix + "/") else None


def _join(prefix: str, rel: str) -> str:
    return f"{prefix}/{rel}" if prefix else rel


def _config_source(change: FileChange, changes: tuple[FileChange, ...]) -> str | None:
    """The folder the config came from when `change` brought it to its place (None: nowhere)."""
    if change.status == "R" and _is_config(change.old_path):
        return posixpath.dirname(change.old_path)
    if change.status == "A":  # rename detection missed it (edited a lot on the way)
        gone = [c.old_path for c in changes if c.status == "D" and _is_config(c.old_path)]
        if len(gone) == 1:
            return posixpath.dirname(gone[0])
    return None


def relocate_project(
    tip_prefix: str, entries: list[LogEntry], list_tree: Callable[[str, str], dict[str, str]] | None = None,
    *, start: str | None = None,
) -> dict[int, tuple[str, str]]:
    """Rewrite, in place, the entries from before the project's folder moves into the tip's
    layout. Returns entry index → (project folder before, after) for every rewritten entry.

    Walking back from the last entry, a commit moved the project into the folder it is in
    after that commit when it brought the config there from folder X: a rename of
    `X/guidelines.yaml`, a delete of it plus an add in the same commit (`_config_source`), or,
    with `list_tree`, a copy whose original was deleted later on the line (`_copy_source`).

    With `list_tree(rev, folder) -> {path: blob}` (`Git.tree_blobs`), a move commit's changes
    become the project's YAML files before (removed) and after (added): a file left behind at
    the old place leaves the project, as it does on disk, instead of staying in it as a ghost.
    `start` is where the config is after the last entry when that is not `tip_prefix` (the
    layout everything is rewritten into: where the project is checked out).
    """
    current = tip_prefix if start is None else start
    located: dict[int, tuple[str, str]] = {}
    deleted_next: dict[str, bool] = {}  # folder → does the next add/rename/delete of its config delete it
    for i in range(len(entries) - 1, -1, -1):
        after = current
        config = _join(current, CONFIG_FILE)
        for change in entries[i].changes:
            if change.new_path == config and change.status in "RA":
                source = _config_source(change, entries[i].changes)
                if list_tree is not None:
                    source = _copy_source(entries[i], current, source, deleted_next, list_tree)
                if source is not None:
                    current = source
                break
        _note_config_changes(entries[i].changes, deleted_next)
        if (current, after) != (tip_prefix, tip_prefix):
            located[i] = (current, after)
    for i, (before, after) in located.items():
        changes = entries[i].changes
        parents = entries[i].commit.parents
        if before != after and list_tree is not None and parents:
            old_files = list_tree(parents[0], before)
            new_files = list_tree(entries[i].commit.sha, after)
            changes = tuple(
                [FileChange("D", path, None, blob, None) for path, blob in sorted(old_files.items())
                 if path.endswith(YAML_SUFFIXES)]
                + [FileChange("A", None, path, None, blob) for path, blob in sorted(new_files.items())
                   if path.endswith(YAML_SUFFIXES)]
            )
        entries[i] = dataclasses.replace(entries[i], changes=_relocated(changes, before, after, tip_prefix))
    return located


def _note_config_changes(changes: tuple[FileChange, ...], deleted_next: dict[str, bool]) -> None:
    """Record, for each folder whose config `changes` add, rename or delete, whether that was
    a delete. The walk goes backwards, so the map holds, per folder, whether the next such
    change after the current commit deletes its config. Edits are not counted (both copies may
    be edited before the old one goes); a rename away is no delete: the project lives on
    elsewhere (a copy kept, not a move)."""
    for change in changes:
        if change.status in "MT":  # most changes: decided without looking at the paths
            continue
        for path in (change.old_path, change.new_path):
            if _is_config(path):
                deleted_next[posixpath.dirname(path)] = change.status == "D"


def deletes_another_config(entries: list[LogEntry], prefix: str) -> bool:
    """Do `entries` delete a config outside the project folder `prefix`?

    For a warm run: when the commits added since the cached tip delete another folder's
    config, a copy of that folder into `prefix` before the cached tip may now be the first
    half of a move (`_copied_from`), which the cached walk did not know: replay in full
    (the parsed blobs stay cached) rather than continue it.
    """
    config = _join(prefix, CONFIG_FILE)
    return any(change.status == "D" and change.old_path != config
               and _is_config(change.old_path)
               for entry in entries for change in entry.changes)


def _copy_source(entry: LogEntry, folder: str, source: str | None, deleted_next: dict[str, bool],
                 list_tree: Callable[[str, str], dict[str, str]]) -> str | None:
    """Where the config `entry` brought to `folder` came from, given `source`, what the commit
    alone says (`_config_source`: a rename, or a delete + add; None: nowhere).

    Only when some other folder's config is deleted later on the line can it be a copy
    (`_copied_from`); then the folders the commit itself renamed or deleted a config from
    compete with those on the files the project shares with them (a config is a few lines
    two projects may share byte for byte, so git may pair it with the wrong one), and
    `source` stands when none shares enough. Otherwise `source` stands as it is, without
    reading any tree.
    """
    later = [other for other, deleted in deleted_next.items() if deleted and other != folder]
    if not later:
        return source
    now = [posixpath.dirname(c.old_path) for c in entry.changes if c.status in "DR" and _is_config(c.old_path)]
    copied = _copied_from(entry.commit, folder, sorted(set(later) | set(now)), list_tree)
    return copied if copied is not None else source


def _copied_from(commit: Commit, folder: str, candidates: list[str],
                 list_tree: Callable[[str, str], dict[str, str]]) -> str | None:
    """The folder `commit` copied the project in `folder` from, or None (a new project).

    A config added with no source in its commit is a copy, the first half of a move, when
    the parent tree holds a project config in a folder that is deleted later on the line
    (`candidates`, sorted: folders whose config is next added, renamed or deleted by a
    delete; edits of either copy in between do not matter), and more than half of the other
    YAML files (distinct blobs) under `folder` after the commit are byte for byte files of
    that folder before it. The config itself is left out of the count: a move often rewrites
    it, and two projects' configs may be the same few lines. The folder sharing the most
    wins, the first in path order on a tie. (`_copy_source` also lets the folders a commit
    renamed or deleted a config from compete here.)

    Not a move: a project created from scratch (nothing shared), a second project of a
    monorepo beside one retired later (at most a template task file shared), a copy whose
    original is kept or renamed away (no candidate), and a copy edited so heavily in the
    copying commit itself that most of its files differ (it reads as a new project).
    """
    if not candidates or not commit.parents:
        return None
    added = _guideline_blobs(list_tree(commit.sha, folder), folder)
    best, best_shared = None, 0
    for candidate in candidates:
        before = list_tree(commit.parents[0], candidate)
        if _join(candidate, CONFIG_FILE) not in before:
            continue
        shared = len(added & _guideline_blobs(before, candidate))
        if shared > best_shared:
            best, best_shared = candidate, shared
    return best if 2 * best_shared > len(added) else None


def _guideline_blobs(files: dict[str, str], folder: str) -> set[str]:
    """The distinct blobs of the YAML files in `files` (a `tree_blobs` of `folder`), bar its config."""
    config = _join(folder, CONFIG_FILE)
    return {blob for path, blob in files.items() if path.endswith(YAML_SUFFIXES) and path != config}


def _relocated(changes: tuple[FileChange, ...], before: str, after: str, tip: str) -> tuple[FileChange, ...]:
    """`changes` with old paths read under `before`, new paths under `after`, both moved under `tip`."""
    moved = []
    for change in changes:
        old_rel, new_rel = _under(change.old_path, before), _under(change.new_path, after)
        moved.append((change, None if old_rel is None else _join(tip, old_rel),
                      None if new_rel is None else _join(tip, new_rel)))
    written = {new for _, _, new in moved if new is not None}
    result = []
    for change, old, new in moved:
        if old is not None and old != new and old in written:
            old = None  # another change writes there: the file moved with the project
        if old is None and new is None:
            continue
        if (old, new) == (change.old_path, change.new_path):
            result.append(change)
            continue
        status = "D" if new is None else "A" if old is None else "M" if old == new else "R"
        result.append(FileChange(status, old, new, change.old_blob if old else None,
                                 change.new_blob if new else None, change.new_mode))
    return tuple(result)


def _tree_where_it_was(git_: Git, sha: str, folder: str, location: tuple[str, str] | None) -> dict[str, str]:
    """`tree_blobs` of `folder` (tip layout) at `sha`, read where the project was then."""
    if location is None or location[1] == git_.prefix:
        return git_.tree_blobs(sha, folder)
    rel = _under(folder, git_.prefix) if folder else ""
    if rel is None:
        return {}
    there = location[1]
    files = git_.tree_blobs(sha, _join(there, rel) if rel else there)
    moved = {}
    for path, blob in files.items():
        inside = _under(path, there)
        if inside is not None:
            moved[_join(git_.prefix, inside)] = blob
    return moved


def project_prefix_at(git_: Git, sha: str) -> str:
    """Where the project's config was at `sha`: the current place, else a project config
    (`kind: project`) named guidelines.yaml elsewhere in that tree (the project moved since).

    With several (a monorepo), the one whose other YAML files share the most blobs with the
    project as checked out (HEAD's tree at the current place) is taken, the first in path
    order on a tie; when none shares any, the current place (nothing is there: all reads new).
    """
    from guidelines_tool.loading import parse_file_text

    here = _join(git_.prefix, CONFIG_FILE)
    if git_.tree_blobs(sha, here).get(here):
        return git_.prefix
    configs = {path: blob for path, blob in git_.tree_blobs(sha, "").items()
               if _is_config(path)}
    texts = git_.read_blobs(set(configs.values()))
    projects = sorted(
        posixpath.dirname(path) for path, blob in configs.items()
        if parse_file_text(texts.get(blob, b"").decode("utf-8", errors="replace"), CONFIG_FILE).project is not None
    )
    if len(projects) == 1:
        return projects[0]
    return _most_alike(git_, sha, projects) if projects else git_.prefix


def _most_alike(git_: Git, sha: str, folders: list[str]) -> str:
    """Of project `folders` at `sha`, the one sharing the most YAML blobs with the checked-out
    project (its config left out: see `_guideline_blobs`); the current place when none shares any."""
    head = git_.rev_parse("HEAD")
    if head is None:
        return git_.prefix
    mine = _guideline_blobs(git_.tree_blobs(head, git_.prefix), git_.prefix)
    tree = git_.tree_blobs(sha, "")
    best, best_shared = git_.prefix, 0
    for folder in folders:  # sorted: the first wins a tie
        theirs = _guideline_blobs({p: b for p, b in tree.items() if _under(p, folder) is not None}, folder)
        shared = len(mine & theirs)
        if shared > best_shared:
            best, best_shared = folder, shared
    return best


def _configured_folder(data: bytes) -> str | None:
    """The `guidelines:` folder one version of the config names; None when that version does
    not parse (it names nothing: like any broken version, it is skipped)."""
    parsed = parse_file_text(data.decode("utf-8", errors="replace"), "guidelines.yaml")
    return parsed.project.guidelines if parsed.project is not None else None


def _parsed_blobs(
    git_: Git, walk: Walk, entries: list[LogEntry], folders: list[str | None],
    known: dict[str, ParsedBlob], memo: VersionMemo, progress: Progress | None,
) -> dict[str, ParsedBlob]:
    """Parse the blobs `entries` need that `known` lacks (adding them to it)."""
    paths = {}
    folder = walk.folder
    for entry, new_folder in zip(entries, folders):
        folder = folder if new_folder is None else new_folder
        for change in entry.changes:
            if change.new_blob and walk.wanted(change.new_path, folder):
                paths[change.new_blob] = walk.project_path(change.new_path)
    missing = [blob for blob in paths if blob not in known]
    if missing:
        # Each blob is parsed as git hands it over, while git reads the next ones.
        for done, (blob, data) in enumerate(git_.stream_blobs(missing), 1):
            known[blob] = parse_blob(data, paths[blob], memo)
            if progress and done % 100 == 0:
                progress(done, len(missing))
        if progress:
            progress(len(missing), len(missing))
    return {blob: known[blob] for blob in paths if blob in known}


def read_tree(root: Path, rev: str) -> tuple[dict[str, Rule], dict[str, Task], list[Finding]]:
    """The rules and tasks of the guideline folder at any revision git can name."""
    from guidelines_tool.config import read_config

    config, _ = read_config(root)
    git_ = Git(root)
    if git_.rev_parse("HEAD") is None:
        raise HistoryError("the git repository has no commits yet: commit the guidelines first")
    sha = git_.rev_parse(rev)
    if sha is None and parse_version(config.release_tag_prefix + rev, config.release_tag_prefix):
        sha = git_.rev_parse(f"refs/tags/{config.release_tag_prefix}{rev}")  # `1.2.0` for tag v1.2.0
    if sha is None:
        raise HistoryError(unknown_revision_message(git_, rev, config.release_tag_prefix))
    # Where the project was at that revision (it may have moved since), and the folder that
    # revision's own config names (the config may have changed it since).
    prefix = project_prefix_at(git_, sha)
    walk = Walk(folder_in(prefix, config.guidelines), prefix)
    config_path = _join(prefix, CONFIG_FILE)
    config_blob = git_.tree_blobs(sha, config_path).get(config_path)
    if config_blob:
        named = _configured_folder(git_.read_blobs([config_blob]).get(config_blob, b""))
        if named is not None:  # a version that does not parse names nothing: keep today's folder
            walk.folder = folder_in(prefix, named)
    files = {path: blob for path, blob in git_.tree_blobs(sha, walk.folder).items() if walk.wanted(path)}
    contents = git_.read_blobs(sorted(set(files.values())))
    rules: dict[str, Rule] = {}
    tasks: dict[str, Task] = {}
    problems: list[Finding] = []
    for path in sorted(files):
        parsed = parse_blob(contents.get(files[path], b""), walk.project_path(path))
        problems.extend(parsed.findings if not parsed.ok else ())
        for version in parsed.rules:
            if version.id not in rules:
                rules[version.id] = version.rule()
        for task in parsed.tasks:
            tasks.setdefault(task.id, task)
    return rules, tasks, problems



@dataclass(frozen=True)
class Comparison:
    """A rule-level diff between two revisions (or a revision and the working tree)."""

    old_label: str
    new_label: str
    diff: RuleDiff
    problems: tuple[Finding, ...] = ()


def compare(root: Path, old: str | None = None, new: str | None = None) -> Comparison:
    """Diff the rules at revision `old` (default HEAD) against `new` (default: the working tree).

    Reads only the two trees, so it works in shallow clones too.
    """
    from guidelines_tool.diffing import diff_rules
    from guidelines_tool.loading import LOADING_CODES, load_project

    old_rules, old_tasks, problems = read_tree(root, old or "HEAD")
    if new is None:
        project = load_project(root)
        new_rules: dict[str, Rule] = {}
        for rule in project.rules:
            new_rules.setdefault(rule.id, rule)
        new_tasks = dict(project.tasks)
        # Every file-level problem (not UTF-8, alias bomb, ... not only YAML syntax): a file
        # that could not be read makes its rules look removed, and this says why.
        new_problems = [f for f in project.load_findings if f.code in LOADING_CODES]
    else:
        new_rules, new_tasks, new_problems = read_tree(root, new)
    diff = diff_rules(old_rules, new_rules, old_tasks, new_tasks)
    # Both sides may hold the same broken file: say which one each warning is about.
    labelled = [dataclasses.replace(f, message=f"at {old or 'HEAD'}: {f.message}") for f in problems] + [
        dataclasses.replace(f, message=f"{f'at {new}' if new else 'in the working tree'}: {f.message}")
        for f in new_problems
    ]
    return Comparison(old or "HEAD", new or "working tree", diff, tuple(labelled))


def create_tag(root: Path, name: str, sha: str, message: str) -> None:
    """Create annotated tag `name` on `sha`; refuses on a dirty tree or when HEAD is elsewhere."""
    from guidelines_tool.config import read_config

    config, _ = read_config(root)
    git_ = Git(root)
    if git_.is_dirty(guideline_folder(git_, config.guidelines)):
        raise HistoryError(
            "the working tree has uncommitted changes: commit or stash them before releasing"
        )
    head = git_.rev_parse("HEAD")
    if head != sha:
        raise HistoryError(
            f"HEAD ({(head or '?')[:7]}) is not the tip of the release line ({sha[:7]}): "
            "check out the release branch first"
        )
    # verbatim: the message is Markdown, and git would strip its "#" headings as comments
    _repo(root).create_tag(name, ref=sha, message=message, cleanup="verbatim")


# --- writing: repositories the tool creates (demo, release tags) ------------------------------
# Writes are few and not on a hot path, so they go through GitPython's object API; the reads
# above use one batched `git log` and one `git cat-file` because GitPython's per-commit objects
# cost seconds on long histories (FACTS.md) and its import alone outweighs a warm run.


def _repo(root: Path):
    import git  # GitPython, imported only by the commands that write

    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise HistoryError(f"{root} is not inside a git repository") from None


def init_repository(root: Path, *, branch: str = "main") -> None:
    """A new, empty repository at `root` whose first branch is `branch`."""
    import git

    git.Repo.init(root, initial_branch=branch)


def commit_all(root: Path, message: str, *, author: str, email: str, when: datetime) -> str:
    """Stage every change under `root` (additions, edits, deletions) and commit it with a fixed
    author and date, so replayed histories are reproducible. Returns the new commit's sha."""
    import git

    repo = _repo(root)
    repo.git.add(A=True)
    actor = git.Actor(author, email)
    # git's internal "<epoch> <+hhmm>" form: GitPython parses it without guessing
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    stamp = f"{int(when.timestamp())} {when.strftime('%z')}"
    commit = repo.index.commit(
        message, author=actor, committer=actor, author_date=stamp, commit_date=stamp
    )
    return commit.hexsha


def tag_commit(root: Path, name: str, sha: str) -> None:
    """A lightweight tag `name` on `sha` (the demo's release markers)."""
    _repo(root).create_tag(name, ref=sha)


def rule_revisions(history: History, rule_id: str) -> list[RuleRevision]:
    """The revisions of one rule (oldest first); HistoryError naming close ids when unknown."""
    import difflib

    if rule_id in history.revisions:
        return history.revisions[rule_id]
    close = difflib.get_close_matches(rule_id, list(history.revisions), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise HistoryError(f"no rule '{rule_id}' in the history of {history.branch}{hint}")


def read_files_at(root: Path, sha: str, paths: Iterable[str]) -> dict[str, bytes]:
    """Contents of project files (paths relative to `root`, posix) as they stood at commit `sha`.

    For release builds of the docs site: an example's image is shown as it was in that release.
    Files absent at `sha` are left out; symlinks are followed inside the tree, as `tree_blobs` does."""
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    git_ = Git(root)
    tree = git_.tree_blobs(sha, git_.prefix)
    full = {path: f"{git_.prefix}/{path}" if git_.prefix else path for path in wanted}
    blobs = git_.read_blobs({tree[name] for name in full.values() if name in tree})
    return {path: blobs[tree[name]] for path, name in full.items() if name in tree and tree[name] in blobs}
