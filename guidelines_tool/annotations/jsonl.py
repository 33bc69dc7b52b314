"""JSON Lines: one annotation record per line.

pyarrow's JSON reader first; a file it rejects (a malformed line, a field whose type changes
between lines) is read line by line so that each bad line can be reported. Prodigy exports are
recognised by their keys and handed to prodigy.py.

pyarrow's reader is native code with two known failure shapes, both kept from it: a line
nested some 20,000 levels deep overflows its stack (a segmentation fault, no message), and
thousands of distinct keys make it quadratic (20,000 lines with one new key each: minutes).
Nesting is bounded from the bytes before the call (`_depth_bound`, one pass over the file in C
that also counts its lines); keys are bounded by giving pyarrow a schema of the record columns,
inferred from the first 64 KiB, and telling it to ignore every other key.
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
_SAMPLE = 1 << 16  # bytes the column types are inferred from
# the bytes `_depth_bound` looks at: brackets and line ends; everything else is deleted
_STRUCTURE = bytes(b for b in range(256) if b not in b"[]{}\n\r")
_STEP = np.zeros(256, dtype=np.int64)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def _read_jsonl(path: Path, data: bytes) -> Chunk:
    """JSON Lines; Prodigy exports (`_input_hash` / `answer` keys) are recognised by content.

    pyarrow's JSON reader first; a file it rejects (a malformed line, a field whose type
    changes between lines) is read line by line so that each bad line can be reported.
    """
    fast = _read_jsonl_arrow(path, data)
    if fast is not None:
        return fast
    lines = _json_lines(data)
    records, chunk = _parse_json_lines(path, lines)
    if any(any(k in r for k in _PRODIGY_IDS) for _, r in records):
        return _prodigy_chunk(path, records, chunk)
    _set_records(chunk, [r for _, r in records], [n for n, _ in records])
    chunk.read = len(lines)
    return chunk


def _depth_bound(data: bytes) -> tuple[int, int]:
    """An upper bound of any line's nesting depth (brackets inside strings count too, so it
    may exceed the truth, never fall short of it), and the number of line ends. One C pass
    keeps only brackets and line ends; the rest is numpy on what is left."""
    kept = np.frombuffer(data.translate(None, _STRUCTURE), dtype=np.uint8)
    line_ends = int(np.count_nonzero(kept == 10))
    if kept.size == line_ends:
        return 0, line_ends
    # the level after each bracket, and each one's line (a line end starts the next line);
    # a leading 0 is the first line's start
    level = np.r_[0, np.cumsum(_STEP[kept])]
    line = np.r_[0, np.cumsum((kept == 10) | (kept == 13))]
    # each line's running minimum, in one pass: lines are shifted apart so that every later
    # line lies below every earlier one and no minimum carries over
    span = int(level.max() - level.min()) + 1
    shifted = level - line * span
    return int((shifted - np.minimum.accumulate(shifted)).max()), line_ends


def _read_jsonl_arrow(path: Path, data: bytes) -> Chunk | None:
    """The whole file through pyarrow.json, or None when it needs the line-by-line reader."""
    import pyarrow.json as pajson

    if data.startswith(b"\xef\xbb\xbf"):
        return None  # a byte-order mark: leave it to the text reader
    depth, line_ends = _depth_bound(data)
    if depth > MAX_DEPTH:
        return None  # the line reader reports each line too deep, and reads the others
    schema = _record_schema(data)
    if schema is None:
        return None
    try:
        table = pajson.read_json(pa.BufferReader(data), parse_options=pajson.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    keep = [c for c in (*REQUIRED, *OPTIONAL)
            if c in table.column_names and table.column(c).null_count < table.num_rows]
    if any(pa.types.is_floating(table.schema.field(c).type) for c in keep
           if c != "annotated_at"):
        # pyarrow reads integers beyond int64 as doubles: 12345678901234567890123 and ...124
        # would become one id; Python's json keeps them exact
        return None
    n = table.num_rows
    table = table.select(keep) if keep else pa.table({"_empty": pa.nulls(n)})
    lines_by_lf = line_ends + (0 if data.endswith(b"\n") else 1)
    if lines_by_lf == n and (b"\r" not in data or data.count(b"\r") == line_ends):
        lines = np.arange(1, n + 1, dtype=np.int32)
    else:  # blank lines, or lone CRs ending lines: number the non-blank ones
        lines = np.array([k for k, _ in _json_lines(data)], dtype=np.int64)
        if lines.size != n:
            return None
    chunk = Chunk(str(path), table, lines)
    chunk.read = n
    return chunk


def _record_schema(data: bytes) -> pa.Schema | None:
    """The record columns' types, from the first 64 KiB (or None: leave the file to the line
    reader). Columns not seen there are read as text; a later line that disagrees fails the
    read, and the line reader takes over."""
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
    fields = [seen.field(c) if c in names else pa.field(c, pa.string())
              for c in (*REQUIRED, *OPTIONAL)]
    # Prodigy's keys appearing later: typed null, so that a value fails the read
    fields += [pa.field(k, pa.null()) for k in _PRODIGY_KEYS]
    return pa.schema(fields)
