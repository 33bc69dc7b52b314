"""A blob (one version of a guideline file) → its records, read by `loading.parse_yaml`.

Each distinct blob is parsed once, by loading.py's reader (the only YAML reader). A new
version of a file mostly repeats its previous one: `VersionMemo` makes an unchanged rule
the very same `RuleVersion` (the replay then has nothing to classify) and an unchanged task
the very same Task, and lets a changed rule share its unchanged values with the last
version (they compare by identity first, and the cache pickles each once).
"""

from __future__ import annotations

from typing import Any, Iterable

from guidelines_tool.history.records import ParsedBlob, RuleVersion, rule_field, same_data
from guidelines_tool.loading import (
    FILE_TOO_LARGE,
    UNREADABLE,
    build_task,
    parse_file_text,
    parse_yaml,
    problem,
    syntax_finding,
)
from guidelines_tool.model import Finding, Source, Task

MAX_BLOB_BYTES = 10 * 1024 * 1024  # the same limit as loading.MAX_FILE_BYTES
_ABSENT = object()


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
        rule_id = rule_field("id", data.get("id"))
        if rule_id:
            rules.append(memo.rule(rule_id, path, data))
    elif kind == "task":
        task = memo.task(data, path)
        if task:
            tasks.append(task)
        items = data.get("rules")
        default_task = rule_field("id", data.get("id"))
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict):
                rule_id = rule_field("id", item.get("id"))
                if rule_id:
                    rules.append(memo.rule(rule_id, path, item, ("rules", index), default_task))
    return ParsedBlob(path, tuple(rules), tuple(tasks), tuple(findings))


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
            if last.id == rule_id and last.default_task == default_task and same_data(last.data, data):
                return last
            known = last.data
            data = {name: old if (old := known.get(name, _ABSENT)) is not _ABSENT and same_data(old, value) else value
                    for name, value in data.items()}
        version = self.rules[key] = RuleVersion(rule_id, path, data, pointer, default_task)
        return version

    def task(self, data: dict[str, Any], path: str) -> Task | None:
        own = {key: value for key, value in data.items() if key != "rules"}
        last = self.tasks.get(path)
        if last is not None and same_data(last[0], own):
            return last[1]
        task = build_task(data, Source(path))
        self.tasks[path] = (own, task)
        return task


def _configured_folder(data: bytes) -> str | None:
    """The `guidelines:` folder one version of the config names; None when that version does
    not parse (it names nothing: like any broken version, it is skipped)."""
    parsed = parse_file_text(data.decode("utf-8", errors="replace"), "guidelines.yaml")
    return parsed.project.guidelines if parsed.project is not None else None


