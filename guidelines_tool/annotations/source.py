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


# files that are no text at all, by their first bytes: what each is, and what to do
_MAGIC = (
    (b"PAR1", "a Parquet file: name it .parquet, or pass --input-format parquet"),
    (b"PK\x03\x04", "a ZIP archive (an Excel workbook, .xlsx?): save the sheet as CSV UTF-8"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls): save the sheet as CSV UTF-8"),
    (b"\x1f\x8b", "gzip-compressed: decompress it first"),
    (b"BZh", "bzip2-compressed: decompress it first"),
    (b"\xfd7zXZ\x00", "xz-compressed: decompress it first"),
    (b"(\xb5/\xfd", "zstd-compressed: decompress it first"),
    (b"SQLite format 3\x00", "an SQLite database (Label Studio's own?): export the project instead"),
    (b"%PDF", "a PDF document"),
)
# byte-order marks of the Unicode encodings other than UTF-8 (UTF-32 LE's starts like UTF-16 LE's)
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def text_bytes(path: Path, data: bytes, fmt: str) -> bytes:
    """A text file's bytes as UTF-8, for the CSV and JSON readers: UTF-16 or UTF-32 with a
    byte-order mark (Excel's "Unicode text", PowerShell's Out-File) is converted, line ends
    kept, so line numbers hold. A file that is no text is a DataError naming what it is (a
    Parquet file named .csv, a workbook, a compressed file), and so is one whose first line
    holds NUL bytes (UTF-16 without its mark, or binary data): read as UTF-8 it would be one
    finding per line, none of them the reason."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).encode("utf-8")
            except UnicodeError as exc:
                raise DataError(f"{path}: starts with a {encoding.upper()} byte-order mark but is "
                                f"not {encoding.upper()} text ({exc.reason} at byte "
                                f"{getattr(exc, 'start', '?')})") from exc
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise DataError(f"{path}: cannot read as {fmt}: the file is {what}")
    first = data[:4096].split(b"\n", 1)[0]
    if b"\x00" in first:
        guess = ("UTF-16 text without its byte-order mark" if first.count(b"\x00") * 3 >= len(first)
                 else "binary data")
        raise DataError(f"{path}: cannot read as {fmt}: line 1 holds NUL bytes ({guess}?): save "
                        "the file as UTF-8, e.g. Excel's \"CSV UTF-8\"")
    return data
