"""An annotation file's bytes, read only when it is safe to: a regular file, not larger than the
memory it must fit in.

The readers hold a whole file in memory and hand it to native parsers, so what they are given
matters more than where it came from. The file type is checked on the path before anything is
opened (a FIFO would block the open, `/dev/zero` would never end), then again on the open
descriptor (opened non-blocking: a FIFO swapped in between cannot block), and the size that
descriptor reports is checked against the limit before a byte is read; exactly that many bytes
are read, so a file that grows meanwhile cannot make the read unbounded either.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from guidelines_tool.errors import DataError


def memory_limit() -> int | None:
    """The largest file read: this machine's physical memory (a file that does not fit can
    only fail later, less clearly), or None where the platform cannot tell."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def read_bytes(path: Path, *, limit: int | None = -1) -> bytes:
    """The bytes of the regular file `path`, or DataError saying why it cannot be read.

    `limit` is the largest size read (-1: `memory_limit()`; None: none)."""
    what = "the limit"
    if limit == -1:
        limit, what = memory_limit(), "this machine's memory"
    _check_kind(path, _stat(path))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise DataError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        _check_kind(path, info)  # the file opened is the file checked
        if limit is not None and info.st_size > limit:
            raise DataError(
                f"{path}: {_size(info.st_size)}, more than {what} ({_size(limit)}): an "
                "annotation file is read whole; split it into several files (each is read "
                "and released in turn) or run on a larger machine")
        return _read_exactly(fd, info.st_size)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def _stat(path: Path) -> os.stat_result:
    """The file's status, following links; a missing file, a dangling link or a loop of links
    is a DataError that says which."""
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataError(f"{path}: a symbolic link that loops (it leads back to itself); "
                            "not read") from exc
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            if os.path.islink(path):
                raise DataError(f"{path}: a symbolic link to {os.readlink(path)!r}, which does "
                                "not exist") from exc
            raise DataError(f"{path}: no such file") from exc
        raise DataError(f"{path}: cannot be read: {exc.strerror or exc}") from exc


def _check_kind(path: Path, info: os.stat_result) -> None:
    """Only regular files: anything else is a DataError naming what it is."""
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return
    link = f" (a link to {os.path.realpath(path)})" if os.path.islink(path) else ""
    if stat.S_ISDIR(mode):
        what = "a directory, not a file"
    elif stat.S_ISFIFO(mode):
        what = ("a named pipe (FIFO), not a file: a pipe may never end or never deliver; "
                "save the data to a file and pass that")
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = ("a device, not a file: a device can deliver data without end; save the data "
                "to a file and pass that")
    elif stat.S_ISSOCK(mode):
        what = "a socket, not a file"
    else:
        what = "not a regular file"
    raise DataError(f"{path}{link}: {what}; not read")


def _read_exactly(fd: int, size: int) -> bytes:
    """At most `size` bytes from `fd` (fewer if the file shrank meanwhile); one read, and no
    copy, when the system delivers them at once (it does up to 2 GB on Linux)."""
    first = os.read(fd, size) if size else b""
    if len(first) == size or not first:
        return first
    parts, done = [first], len(first)
    while done < size:
        part = os.read(fd, size - done)
        if not part:
            break
        parts.append(part)
        done += len(part)
    return b"".join(parts)


def not_utf8(data: bytes) -> str | None:
    """Where `data` stops being UTF-8 ("line 3, byte 0xe9 at column 7"), or None when it is
    (UTF-16 with its byte-order mark counts as text: the CSV reader converts it)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = max(data.rfind(b"\n", 0, exc.start), data.rfind(b"\r", 0, exc.start)) + 1
        return (f"line {line_number(data, exc.start)}, byte 0x{data[exc.start]:02x} at column "
                f"{exc.start - line_start + 1}")
    return None


def line_number(data: bytes, position: int) -> int:
    """The 1-based line of byte `position`, lines ending at LF, CR LF or a lone CR."""
    return (data.count(b"\n", 0, position) + data.count(b"\r", 0, position)
            - data.count(b"\r\n", 0, position) + 1)


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
