"""JSON Lines: one annotation record per line.

pyarrow's JSON reader first; a file it rejects (a malformed line, a field whose type changes
between lines) is read line by line so that each bad line can be reported. Prodigy exports are
recognised by their keys and handed to prodigy.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import OPTIONAL, REQUIRED, Chunk
from guidelines_tool.annotations.csv import _one_record_per_line
from guidelines_tool.annotations.json_records import _json_lines, _parse_json_lines, _records_table
from guidelines_tool.annotations.prodigy import _PRODIGY_IDS, _PRODIGY_KEYS, _prodigy_chunk


def _read_jsonl(path: Path) -> Chunk:
    """JSON Lines; Prodigy exports (`_input_hash` / `answer` keys) are recognised by content.

    pyarrow's JSON reader first; a file it rejects (a malformed line, a field whose type
    changes between lines) is read line by line so that each bad line can be reported.
    """
    fast = _read_jsonl_arrow(path)
    if fast is not None:
        return fast
    lines = _json_lines(path)
    records, chunk = _parse_json_lines(path, lines)
    if records and any(any(k in r for k in _PRODIGY_IDS) for _, r in records[:50]):
        return _prodigy_chunk(path, records, chunk)
    rows = [dict(r, _line=n) for n, r in records]
    chunk.table = _records_table(rows)
    chunk.lines = np.array([n for n, _ in records], dtype=np.int64)
    chunk.read = len(lines)
    return chunk


def _read_jsonl_arrow(path: Path) -> Chunk | None:
    """The whole file through pyarrow.json, or None when it needs the line-by-line reader."""
    import pyarrow.json as pajson

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return None  # a byte-order mark: leave it to the text reader
    try:
        table = pajson.read_json(pa.BufferReader(data))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    names = table.column_names
    if any(key in names for key in _PRODIGY_KEYS) or any(
            pa.types.is_struct(table.schema.field(c).type) for c in REQUIRED if c in names):
        return None
    keep = [c for c in (*REQUIRED, *OPTIONAL) if c in names]
    if any(pa.types.is_floating(table.schema.field(c).type) for c in keep
           if c != "annotated_at"):
        # pyarrow reads integers beyond int64 as doubles: 12345678901234567890123 and ...124
        # would become one id; Python's json keeps them exact
        return None
    table = table.select(keep) if keep else pa.table({"_empty": pa.nulls(table.num_rows)})
    if _one_record_per_line(data, table.num_rows - 1):
        lines = np.arange(1, table.num_rows + 1, dtype=np.int32)
    else:  # blank lines: number the non-blank ones
        lines = np.array([n for n, _ in _json_lines(path)], dtype=np.int64)
        if lines.size != table.num_rows:
            return None
    chunk = Chunk(str(path), table, lines)
    chunk.read = table.num_rows
    return chunk
