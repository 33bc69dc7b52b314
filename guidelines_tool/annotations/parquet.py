"""Parquet files: the record columns as written (dictionary, list and large_string columns too).

Only the record columns are read (matched as the header of a CSV is: without case or padding):
a file's other columns, however many, cost nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import OPTIONAL, REQUIRED, Chunk
from guidelines_tool.errors import DataError


def _read_parquet(path: Path, data: bytes, extra: tuple[str, ...] = ()) -> Chunk:
    import pyarrow.parquet as pq

    source = pq.ParquetFile(pa.BufferReader(data))
    known = {*REQUIRED, *OPTIONAL, *extra}
    names = source.schema_arrow.names
    wanted = [n for n in names if n.strip().lower() in known] or names[:1]  # rows still counted
    twice = sorted({n for n in wanted if wanted.count(n) > 1})
    if twice:  # Parquet allows it; pyarrow cannot select them (KeyError), and which holds the data?
        raise DataError(f"{path}: column(s) {', '.join(twice)} appear more than once in the file")
    table = source.read(columns=wanted, use_threads=True)
    try:
        table.validate(full=True)  # text that is not UTF-8 fails here, not at its first use
        bad = _not_utf8(table, binary_only=True)  # binary columns are read as text
    except pa.ArrowInvalid:
        bad = _not_utf8(table, binary_only=False)
        if bad is None:
            raise
    if bad is not None:
        raise DataError(f"{path}: cannot read as parquet: {bad} is not UTF-8 text (Parquet "
                        "text must be: the writer stored other bytes, in a binary column?)")
    return Chunk(str(path), table, np.arange(1, table.num_rows + 1), read=table.num_rows)


def _not_utf8(table: pa.Table, *, binary_only: bool) -> str | None:
    """Where the first value that is not UTF-8 is ("column 'label', row 2 (byte 0xff at
    position 1)"), in the text columns, or only the binary ones; None when there is none. A
    Python pass, but only over a column that failed Arrow's check (binary ones: its cast)."""
    for name in table.column_names:
        kind = table.schema.field(name).type
        listed = pa.types.is_list(kind) or pa.types.is_large_list(kind)
        kind = kind.value_type if listed else kind
        kind = kind.value_type if pa.types.is_dictionary(kind) else kind
        binary = pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
        if not binary and (binary_only or not (pa.types.is_string(kind)
                                               or pa.types.is_large_string(kind))):
            continue
        arr = table.column(name).combine_chunks()
        rows = None
        if listed:
            rows, arr = np.asarray(_list_parents(arr)), arr.flatten()
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if binary and _casts_to_text(arr):
            continue
        for k, value in enumerate(arr.cast(pa.large_binary()).to_pylist()):
            try:
                (value or b"").decode("utf-8")
            except UnicodeDecodeError as exc:
                row = int(rows[k]) if rows is not None else k
                return (f"column {name!r}, row {row + 1} (byte 0x{value[exc.start]:02x} at "
                        f"position {exc.start + 1})")
    return None


def _casts_to_text(arr: pa.Array) -> bool:
    try:
        arr.cast(pa.string())
        return True
    except pa.ArrowInvalid:
        return False


def _list_parents(arr: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.list_parent_indices(arr)
