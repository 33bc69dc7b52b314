"""JSON Lines: one annotation record per line.

pyarrow's JSON reader first; a file it rejects (a malformed line, a field whose type changes
between lines) is read line by line so that each bad line can be reported. Prodigy exports are
recognised by their keys and handed to prodigy.py.

pyarrow's reader is native code with two known failure shapes, both kept from it: a line
nested some 20,000 levels deep overflows its stack (a segmentation fault, no message), and
thousands of distinct keys make it quadratic (20,000 lines with one new key each: minutes).
A third was found by fuzzing: a block whose first value is `null` (a line `null`) crashes it
too. So pyarrow only gets files whose every non-blank line starts with `{` (checked on the line
starts, which the numbering needs anyway) and whose long lines, if any, are not nested deep
(`_depth_bound`); keys are bounded by giving pyarrow a schema of the record columns, inferred
from the first 64 KiB, and telling it to ignore every other key. Anything else goes to the line
reader, which reports each line it cannot read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import OPTIONAL, REQUIRED, Chunk
from guidelines_tool.annotations.json_records import _json_lines, _parse_json_lines, _set_records
from guidelines_tool.annotations.prodigy import _PRODIGY_IDS, _PRODIGY_KEYS, _prodigy_chunk

# nesting pyarrow is handed at most (it crashes near 20,000; Python's parser stops at ~1,000,
# so deeper lines are reported by the line reader either way)
MAX_DEPTH = 1000
# a line this short cannot nest deeper than pyarrow copes with (10,000 levels were fine)
_LONG_LINE = 4096
_SAMPLE = 1 << 16  # bytes the column types are inferred from
# the bytes `_depth_bound` looks at: brackets; everything else is deleted
_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = np.zeros(256, dtype=np.int32)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def _read_jsonl(path: Path, data: bytes, extra: tuple[str, ...] = ()) -> Chunk:
    """JSON Lines; Prodigy exports (`_input_hash` / `answer` keys) are recognised by content.

    pyarrow's JSON reader first; a file it rejects (a malformed line, a field whose type
    changes between lines) is read line by line so that each bad line can be reported.
    """
    fast = _read_jsonl_arrow(path, data, extra)
    if fast is not None:
        return fast
    lines = _json_lines(data)
    records, chunk = _parse_json_lines(path, lines)
    if any(any(k in r for k in _PRODIGY_IDS) for _, r in records):
        return _prodigy_chunk(path, records, chunk)
    _set_records(chunk, [r for _, r in records], [n for n, _ in records], extra)
    chunk.read = len(lines)
    return chunk


def _depth_bound(data: bytes) -> int:
    """An upper bound of the nesting depth of any stretch of `data`: the largest rise of the
    bracket level (brackets inside strings count too, and lines are not told apart, so it may
    exceed the truth, never fall short of it). One C pass keeps only the brackets."""
    kept = np.frombuffer(data.translate(None, _BRACKETS), dtype=np.uint8)
    if not kept.size:
        return 0
    level = np.cumsum(_STEP[kept], dtype=np.int32)
    return int(max((level - np.minimum(np.minimum.accumulate(level), 0)).max(), 0))


def _record_lines(data: bytes) -> np.ndarray | None:
    """The numbers of the lines pyarrow would read as records (the non-blank ones), or None
    when the file must go to the line reader instead: a line that does not start with `{`
    (pyarrow crashes on a block whose first value is `null`, and fails on other values), or
    a long line that may nest too deep. One numpy pass over the line ends, which the
    numbering needs anyway; the bracket pass only for files with lines over 4 KiB."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if not buf.size:
        return np.zeros(0, dtype=np.int64)
    ends = np.flatnonzero(buf == 10)
    starts = np.r_[0, ends + 1]
    if starts[-1] == buf.size:  # a final line end starts no line
        starts = starts[:-1]
    first = buf[starts]
    odd = np.flatnonzero(first != ord("{"))
    if odd.size:  # blank lines are fine anywhere; any other start is not
        at = starts[odd]
        after = buf[np.minimum(at + 1, buf.size - 1)]
        blank = (first[odd] == 10) | ((first[odd] == 13) & ((after == 10) | (at + 1 == buf.size)))
        if not blank.all():
            return None
    if _longest_line(ends, buf.size) > _LONG_LINE and _depth_bound(data) > MAX_DEPTH:
        return None
    if b"\r" in data:  # a lone CR ends a line for the line reader: number as it does
        crlf = int(np.count_nonzero(buf[ends[ends > 0] - 1] == 13))
        if data.count(b"\r") != crlf:
            return np.array([n for n, _ in _json_lines(data)], dtype=np.int64)
    if not odd.size:
        return np.arange(1, starts.size + 1, dtype=np.int64)
    keep = np.ones(starts.size, dtype=bool)
    keep[odd] = False
    return np.flatnonzero(keep) + 1


def _longest_line(ends: np.ndarray, size: int) -> int:
    """The longest line's length, from the positions of the line ends."""
    if not ends.size:
        return size
    inner = int(np.diff(ends).max()) - 1 if ends.size > 1 else 0
    return max(int(ends[0]), inner, size - int(ends[-1]) - 1)


def _read_jsonl_arrow(path: Path, data: bytes, extra: tuple[str, ...] = ()) -> Chunk | None:
    """The whole file through pyarrow.json, or None when it needs the line-by-line reader."""
    import pyarrow.json as pajson

    if data.startswith(b"\xef\xbb\xbf"):
        return None  # a byte-order mark: leave it to the text reader
    lines = _record_lines(data)
    if lines is None:
        return None  # the line reader reports each line it cannot read, and reads the others
    schema = _record_schema(data, extra)
    if schema is None:
        return None
    try:
        table = pajson.read_json(pa.BufferReader(data), parse_options=pajson.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    keep = [c for c in (*REQUIRED, *OPTIONAL, *extra)
            if c in table.column_names and table.column(c).null_count < table.num_rows]
    if any(pa.types.is_floating(table.schema.field(c).type) for c in keep
           if c != "annotated_at"):
        # pyarrow reads integers beyond int64 as doubles: 12345678901234567890123 and ...124
        # would become one id; Python's json keeps them exact
        return None
    n = table.num_rows
    if lines.size != n:  # two values on a line, say: the line reader tells which
        return None
    table = table.select(keep) if keep else pa.table({"_empty": pa.nulls(n)})
    try:
        table.validate(full=True)  # pyarrow's JSON reader lets invalid UTF-8 through
    except pa.ArrowInvalid:
        return None  # the line reader names each line that is not UTF-8
    chunk = Chunk(str(path), table, lines)
    chunk.read = n
    return chunk


def _record_schema(data: bytes, extra: tuple[str, ...] = ()) -> pa.Schema | None:
    """The record columns' types, from the first 64 KiB (or None: leave the file to the line
    reader). A later line that disagrees fails the read, and the line reader takes over."""
    import pyarrow.json as pajson

    cut = data.find(b"\n", _SAMPLE)
    sample = data if cut < 0 else data[:cut + 1]
    try:
        seen = pajson.read_json(pa.BufferReader(sample)).schema
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    names = set(seen.names)
    if names & set(_PRODIGY_KEYS) or any(pa.types.is_struct(seen.field(c).type)
                                         for c in REQUIRED if c in names):
        return None
    # a record column first seen later is typed null: a value there fails the read, and the
    # line reader takes over (typed text, each would cost a column of nulls)
    return pa.schema([seen.field(c) if c in names else pa.field(c, pa.null())
                      for c in dict.fromkeys((*REQUIRED, *OPTIONAL, *extra))])
