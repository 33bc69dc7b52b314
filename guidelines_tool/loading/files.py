"""Guideline files from disk or an editor's buffer: reading bytes safely (regular files only,
the size checked before the read), parsing a file into its records, loading many at once."""

from __future__ import annotations

import errno
import gc
import os
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guidelines_tool.loading.reader import (
    BYTE_ORDER_MARK,
    EMPTY_FILE,
    FILE_TOO_LARGE,
    MAX_FILE_BYTES,
    NOT_UTF8,
    UNREADABLE,
    parse_yaml,
    problem,
)
from guidelines_tool.loading.records import (
    as_list,
    as_str,
    build_experiment,
    build_project,
    build_rule,
    build_task,
)
from guidelines_tool.model import Experiment, Finding, ProjectConfig, Rule, Source, Task


@dataclass
class ParsedFile:
    """What one guideline file holds, as records, plus the findings reading it produced."""

    path: str
    kind: str | None = None
    data: Any = None
    tasks: list[Task] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    project: ProjectConfig | None = None
    experiments: list[Experiment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    text: str | None = None  # kept so positions can be found without reading the file again
    # a file that could not be read: the ids it seems to define (see `ids_of_broken_file`)
    unread_ids: tuple[str, ...] = ()


class FileProblem(Exception):
    """A path that cannot be read as a guideline file, and what to say about it."""

    def __init__(self, kind: tuple[str, str], message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


def read_file_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most `limit` of them; anything else raises `FileProblem`.

    Opened without blocking and checked on the open descriptor before any read: a FIFO named
    like a rule file would block `read()` forever, and a link to `/dev/zero` reports size 0 but
    never ends. Dangling links and link loops say what they are, not just "no such file".
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise FileProblem(UNREADABLE, _open_failure(Path(path), exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(UNREADABLE, f"not a regular file but {_file_type(mode)}: a guideline file must be a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileProblem(FILE_TOO_LARGE, _too_large_message(os.fstat(fd).st_size))
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem(UNREADABLE, f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _open_failure(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link leads back to itself): cannot read file"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"symbolic link to {os.readlink(path)!r}, which does not exist"
    return f"cannot read file: {exc.strerror or exc}"


def _file_type(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def read_text(path: Path, rel: str) -> tuple[str | None, list[Finding]]:
    """Read a file as UTF-8 text; size, type and encoding problems become findings."""
    try:
        raw = read_file_bytes(path)
    except FileProblem as exc:
        return None, [problem(rel, 1, 1, exc.kind, exc.message)]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [problem(rel, line, column, NOT_UTF8, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (save the file as UTF-8)")]


def _too_large(rel: str, size: int) -> Finding:
    return problem(rel, 1, 1, FILE_TOO_LARGE, _too_large_message(size))


def _too_large_message(size: int) -> str:
    return f"file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a guideline file may have"


def buffer_text(text: str, rel: str) -> tuple[str | None, list[Finding]]:
    """An editor buffer's text as `read_text` would give the file: refused when too large."""
    if len(text) * 4 > MAX_FILE_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [_too_large(rel, len(text.encode("utf-8", "surrogatepass")))]
    return text, []


_ID_ENTRY = re.compile(r"""(?:^|[\s{,])id[ \t]*:[ \t]*["']?([A-Za-z0-9][A-Za-z0-9_.-]*)""", re.MULTILINE)


def ids_of_broken_file(path: str, text: str | None) -> tuple[str, ...]:
    """The ids a file that could not be read seems to define: each `id: X` in its text, and its
    own name (`PPS-004.yaml`, the only clue when the text cannot be decoded).

    Rules and tasks that exist but failed to parse are known ids: a reference to them is not
    also reported as unknown elsewhere (the file's own finding says what to fix).
    """
    found = dict.fromkeys(_ID_ENTRY.findall(text or ""))
    found[Path(path).stem] = None
    return tuple(found)


def parse_file_text(text: str, path: str) -> ParsedFile:
    """Parse a guideline file's text into records (used for the work tree and for git blobs)."""
    data, findings = parse_yaml(text, path)
    parsed = ParsedFile(path=path, data=data, findings=findings, text=text)
    if data is None:
        if any(f.severity == "error" for f in findings):
            parsed.unread_ids = ids_of_broken_file(path, text)
        if not any(f.code != BYTE_ORDER_MARK[0] for f in findings):
            what = _emptiness(text)
            parsed.findings.append(problem(path, 1, 1, EMPTY_FILE, what))
        return parsed
    if not isinstance(data, dict):
        return parsed
    parsed.kind = data.get("kind") if isinstance(data.get("kind"), str) else None
    root = Source(path)
    if parsed.kind == "task":
        task = build_task(data, root)
        if task:
            parsed.tasks.append(task)
        for index, item in enumerate(as_list(data.get("rules"))):
            rule = build_rule(item, root.child("rules", index), default_task=as_str(data.get("id")))
            if rule:
                parsed.rules.append(rule)
    elif parsed.kind == "rule":
        rule = build_rule(data, root)
        if rule:
            parsed.rules.append(rule)
    elif parsed.kind == "project":
        parsed.project = build_project(data, root)
    elif parsed.kind == "experiment":
        experiment = build_experiment(data, root)
        if experiment:
            parsed.experiments.append(experiment)
    return parsed


def _emptiness(text: str) -> str:
    """Say what an empty document is made of, so the finding is clear about what to fix."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    content = [line for line in lines if line and not line.startswith("#")]
    if not content:
        return "file is empty" if not any(lines) else "file holds only comments"
    if all(line in ("---", "...") for line in content):
        return "file holds only document markers, no content"
    return "file's document is null (no `kind:` mapping)"


def load_files(
    root: Path, paths: list[Path], texts: Mapping[str, str] | None = None, known: Mapping[str, ParsedFile] | None = None
) -> list[ParsedFile]:
    """Read and parse guideline files (paths absolute or relative to the cwd).

    `texts` (relative posix path → text) is read instead of the file on disk: unsaved buffers.
    `known` (relative posix path → an earlier parse) is reused when the text is the same.
    """
    parsed = []
    resolved_root = root.resolve()
    texts, known = texts or {}, known or {}
    with paused_gc():
        for path in paths:
            rel = relative_path(resolved_root, path)
            text, findings = buffer_text(texts[rel], rel) if rel in texts else read_text(path, rel)
            earlier = known.get(rel)
            if text is None:
                parsed.append(ParsedFile(path=rel, findings=findings, unread_ids=ids_of_broken_file(rel, None)))
            elif earlier is not None and earlier.text == text:
                parsed.append(earlier)
            else:
                parsed.append(parse_file_text(text, rel))
    return parsed


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading builds many acyclic objects.

    Every few hundred allocations the collector would walk all the data loaded so far; on a
    large project that is a third of the load time, for no garbage (plain dicts, lists, records).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def relative_path(root: Path, path: Path) -> str:
    """`path` relative to `root` as posix text (as given when it lies outside the root)."""
    path = Path(path)
    if path.is_absolute() and root.is_absolute():
        try:  # the common case (files found under the root): no file-system calls
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
