"""JSON values as record rows, shared by the readers of JSON formats (JSON Lines, Label Studio,
Prodigy): JSON Lines parsed line by line with each bad line reported, a value as a record cell,
and record dicts as an Arrow table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import OPTIONAL, REQUIRED, Chunk, finding


def _json_lines(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _parse_json_lines(path: Path, lines: list[tuple[int, str]]) -> tuple[list, Chunk]:
    chunk = Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64))
    records = []
    for n, line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            chunk.problems.append(finding(str(path), n, "malformed-record",
                                          f"not valid JSON ({exc.msg}); line skipped"))
            chunk.rejected["malformed-record"] += 1
            continue
        except RecursionError:  # hostile input: thousands of nested brackets
            chunk.problems.append(finding(str(path), n, "malformed-record",
                                          "JSON nested too deeply; line skipped"))
            chunk.rejected["malformed-record"] += 1
            continue
        if not isinstance(record, dict):
            chunk.problems.append(finding(str(path), n, "malformed-record",
                                          "not a JSON object; line skipped"))
            chunk.rejected["malformed-record"] += 1
            continue
        records.append((n, record))
    return records, chunk


def _cell(value: object) -> object:
    """A JSON value as a record cell: lists of strings stay lists, scalars become strings."""
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict,)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _records_table(rows: list[dict]) -> pa.Table:
    """Arrow table of the record columns from dicts; only columns some record has."""
    present = [c for c in (*REQUIRED, *OPTIONAL) if any(c in r for r in rows)]
    data = {}
    for name in present:
        values = [_cell(r.get(name)) for r in rows]
        if any(isinstance(v, list) for v in values):
            values = [v if isinstance(v, list) or v is None else [v] for v in values]
            data[name] = pa.array(values, type=pa.list_(pa.string()))
        else:
            data[name] = pa.array(values, type=pa.string())
    return pa.table(data) if data else pa.table({"_empty": pa.array([None] * len(rows))})
