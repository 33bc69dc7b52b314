"""A blob (one version of a guideline file) → its records, read by `loading.parse_yaml`.

Each distinct blob is parsed once, by loading.py's reader (the only YAML reader). A new
version of a file mostly repeats its previous one: `VersionMemo` makes an unchanged rule
the very same `RuleVersion` (the replay then has nothing to classify) and an unchanged task
the very same Task, and lets a changed rule share its unchanged values with the last
version (they compare by identity first, and the cache pickles each once).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
import zlib
from sys import intern
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
        known = last.data if last is not None else {}
        shared, same = {}, len(known) == len(data)
        for name, value in data.items():
            old = known.get(name, _ABSENT)
            if old is not _ABSENT and same_data(old, value):
                value = old
            else:
                same = False
            shared[intern(name)] = value  # one key object for every version: pickled once
        if last is not None and same and last.id == rule_id and last.default_task == default_task:
            return last
        version = self.rules[key] = RuleVersion(rule_id, path, shared, pointer, default_task)
        return version

    def task(self, data: dict[str, Any], path: str) -> Task | None:
        own = {key: value for key, value in data.items() if key != "rules"}
        last = self.tasks.get(path)
        if last is not None and same_data(last[0], own):
            return last[1]
        task = build_task(data, Source(path))
        self.tasks[path] = (own, task)
        return task


def configured_folder(data: bytes) -> str | None:
    """The `guidelines:` folder one version of the config names; None when that version does
    not parse (it names nothing: like any broken version, it is skipped)."""
    parsed = parse_file_text(data.decode("utf-8", errors="replace"), "guidelines.yaml")
    return parsed.project.guidelines if parsed.project is not None else None


# --- two cores: a second process parses while this one reads git ------------------------------

SECOND_PROCESS = hasattr(os, "fork") and sys.platform != "darwin"  # macOS: fork without exec is unsafe
WORKER_AFTER = 256  # blobs parsed here (~40 ms) before a second process is worth its start
WORKER_SHARE = 10  # of 16 paths go to the worker: this process also reads git's output and replays
_FRAME = struct.Struct("!HHI")  # a blob handed to the worker: id, path and contents lengths


class BlobParser:
    """Parses blobs into `known` as git hands them over, using a second core where it can.

    A cold read of a long history spends most of its time in the YAML parser. On POSIX
    (`SECOND_PROCESS`), once WORKER_AFTER blobs show the read is a long one, a forked worker
    parses blobs while this one reads git's output and parses the rest. Files are shared out
    by path (a hash: WORKER_SHARE of 16 to the worker), so one file's versions are read by one
    process and share their unchanged values (`VersionMemo`: the replay then compares them by
    identity); a blob of the worker's share is parsed here when the worker's pipe is full at
    that moment, so neither process waits on the other. The worker sends its records back
    when it is done (`finish`), pickled. If it fails, its blobs are parsed here: never a lost
    blob.
    """

    def __init__(self, known: dict[str, ParsedBlob], memo: VersionMemo) -> None:
        self.known, self.memo = known, memo
        self.parsed_here = 0
        self.worker: _Worker | None = None
        self.may_fork = SECOND_PROCESS

    def add(self, blob: str, path: str, data: bytes) -> None:
        if self.worker is None and self.may_fork and self.parsed_here >= WORKER_AFTER:
            self.may_fork = False
            # Forked, a process has only the thread that forked: a lock another thread held
            # (a server's, a library's) would stay locked in the worker. Not with threads.
            self.worker = _Worker.start() if threading.active_count() == 1 else None
        if (self.worker is None or zlib.crc32(path.encode("utf-8", "surrogateescape")) % 16 >= WORKER_SHARE
                or not self.worker.take(blob, path, data)):
            self.known[blob] = parse_blob(data, path, self.memo)
            self.parsed_here += 1

    def finish(self) -> None:
        """Wait for the worker's records (parsing here whatever it could not deliver)."""
        worker, self.worker = self.worker, None
        if worker is not None:
            parsed, failed = worker.results()
            self.known.update(parsed)
            for blob, (path, data) in failed.items():
                self.known[blob] = parse_blob(data, path, self.memo)

    def __enter__(self) -> BlobParser:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.worker is not None:  # an error before finish(): stop the worker, parse nothing more
            self.worker.stop()
            self.worker = None


class _Worker:
    """The forked process of a BlobParser: frames in through one pipe, a pickle of
    {blob: ParsedBlob} out through another once its input ends."""

    def __init__(self, pid: int, to_worker: int, from_worker: int) -> None:
        self.pid, self.to_worker, self.from_worker = pid, to_worker, from_worker
        self.pending = b""  # the part of the last frame the pipe did not take yet
        self.given: dict[str, tuple[str, bytes]] = {}  # blob → (path, contents), until the records are back

    @classmethod
    def start(cls) -> _Worker | None:
        """Fork the worker (None when the system refuses: everything is then parsed here)."""
        inbound, to_worker = os.pipe()
        from_worker, outbound = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (inbound, to_worker, from_worker, outbound):
                os.close(fd)
            return None
        if pid == 0:  # the worker: it must never return into the caller's code
            status = 1
            try:
                _close_all_but(inbound, outbound)
                _serve(inbound, outbound)
                status = 0
            finally:
                os._exit(status)  # no atexit handlers, no flushing of the parent's buffers
        os.close(inbound)
        os.close(outbound)
        os.set_blocking(to_worker, False)
        return cls(pid, to_worker, from_worker)

    def take(self, blob: str, path: str, data: bytes) -> bool:
        """Hand the blob over if the pipe has room now; False: parse it in this process."""
        if self.pending and not self._flush():
            return False
        name, where = blob.encode(), path.encode("utf-8", "surrogateescape")
        frame = _FRAME.pack(len(name), len(where), len(data)) + name + where + data
        try:
            written = os.write(self.to_worker, frame)
        except BlockingIOError:
            return False
        except OSError:  # the worker is gone: results() says so
            written = len(frame)
        self.pending = frame[written:]
        self.given[blob] = (path, data)
        return True

    def _flush(self) -> bool:
        """Write what is left of the last frame; True once all of it is written."""
        try:
            written = os.write(self.to_worker, self.pending)
        except BlockingIOError:
            return False
        except OSError:
            written = len(self.pending)
        self.pending = self.pending[written:]
        return not self.pending

    def results(self) -> tuple[dict[str, ParsedBlob], dict[str, tuple[str, bytes]]]:
        """The worker's records, and the blobs it gave none for (it failed)."""
        try:
            os.set_blocking(self.to_worker, True)
            if self.pending:
                os.write(self.to_worker, self.pending)
        except OSError:
            pass
        os.close(self.to_worker)
        chunks = []
        while chunk := os.read(self.from_worker, 1 << 20):
            chunks.append(chunk)
        os.close(self.from_worker)
        _, status = os.waitpid(self.pid, 0)
        try:
            parsed = pickle.loads(b"".join(chunks)) if status == 0 else {}
        except Exception:  # a worker that died mid-write: its blobs are parsed here
            parsed = {}
        return parsed, {blob: given for blob, given in self.given.items() if blob not in parsed}

    def stop(self) -> None:
        for fd in (self.to_worker, self.from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def _close_all_but(*keep: int) -> None:
    """Close every file descriptor of this (forked) process but stdin, stdout, stderr and `keep`:
    a git pipe held open in the worker would keep git from seeing the end of its input."""
    try:
        open_fds = [int(name) for name in os.listdir("/proc/self/fd")]  # Linux: only the open ones
    except OSError:
        open_fds = list(range(3, min(os.sysconf("SC_OPEN_MAX"), 1 << 16)))
    for fd in open_fds:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _serve(inbound: int, outbound: int) -> None:
    """The worker's loop: parse each blob framed on `inbound`; at its end, pickle the records."""
    memo = VersionMemo()
    parsed: dict[str, ParsedBlob] = {}
    with open(inbound, "rb", buffering=1 << 20) as stream:
        while header := stream.read(_FRAME.size):
            name_size, path_size, data_size = _FRAME.unpack(header)
            blob = stream.read(name_size).decode()
            path = stream.read(path_size).decode("utf-8", "surrogateescape")
            parsed[blob] = parse_blob(stream.read(data_size), path, memo)
    with open(outbound, "wb") as out:
        pickle.dump(parsed, out, protocol=pickle.HIGHEST_PROTOCOL)
