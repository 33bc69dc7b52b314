"""`annotated_at` values as datetime64[us] UTC: typed timestamps, ISO 8601 text, Unix times."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import Chunk, finding, shown
from guidelines_tool.annotations.encoding import _code, _numpy, _text, pc
from guidelines_tool.model import Finding


def _chunk_times(chunk: Chunk, problems: list[Finding]) -> np.ndarray:
    """A file's annotated_at column as datetime64[us] UTC; unparsable values reported."""
    n = chunk.table.num_rows
    if "annotated_at" not in chunk.table.column_names:
        return np.broadcast_to(np.datetime64("NaT", "us"), n)
    column = chunk.table.column("annotated_at").combine_chunks()
    if pa.types.is_timestamp(column.type):  # typed already (Parquet, JSON): naive means UTC
        # nanoseconds (pandas' default) truncated: sub-microsecond digits mean nothing here
        column = column.cast(pa.timestamp("us", tz=column.type.tz), safe=False)
        return _numpy(pc.cast(column, pa.int64()), fill=np.iinfo(np.int64).min) \
            .view("datetime64[us]")
    return _timestamps(_text(column), lambda r, v: problems.append(finding(
        chunk.path, int(chunk.lines[r]), "bad-timestamp",
        f"annotated_at {shown(v)} is not an ISO 8601 or Unix time; kept without a time")))


def _timestamps(arr: pa.Array, report) -> np.ndarray:
    """ISO 8601 strings → datetime64[us] UTC (naive times read as UTC); bad ones reported."""
    if arr.null_count == len(arr):
        return np.broadcast_to(np.datetime64("NaT", "us"), len(arr))
    try:
        cast = pc.cast(arr, pa.timestamp("us", tz="UTC")).cast(pa.int64())
        if not cast.null_count:
            return _numpy(cast).view("datetime64[us]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    coded, _ = _code(arr)
    codes, values = coded.codes, coded.values
    parsed = []
    for v in values:
        try:
            t = datetime.fromisoformat(v)
            t = t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
            parsed.append(np.datetime64(t.replace(tzinfo=None), "us"))
        except ValueError:
            parsed.append(_epoch(v))
    lookup = np.array(parsed + [np.datetime64("NaT")], dtype="datetime64[us]")
    out = lookup[np.where(codes >= 0, codes, len(values))]
    for r in np.flatnonzero((codes >= 0) & np.isnat(out)):
        report(r, arr[r].as_py())
    return out


def _epoch(value: str) -> np.datetime64:
    """A Unix time (as Prodigy's `_timestamp` and many exports write): seconds, or
    milliseconds when the number is too large to be seconds (after the year 5138); NaT when
    the value is no number."""
    try:
        number = float(value)
    except ValueError:
        return np.datetime64("NaT")
    if not math.isfinite(number) or number < 0 or number >= 1e14:
        return np.datetime64("NaT")
    seconds = number / 1000 if number >= 1e11 else number
    return np.datetime64(round(seconds * 1_000_000), "us")
