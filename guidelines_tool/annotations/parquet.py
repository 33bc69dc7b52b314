"""Parquet files: the record columns as written (dictionary, list and large_string columns too).

Only the record columns are read (matched as the header of a CSV is: without case or padding):
a file's other columns, however many, cost nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import OPTIONAL, REQUIRED, Chunk


def _read_parquet(path: Path, data: bytes, extra: tuple[str, ...] = ()) -> Chunk:
    import pyarrow.parquet as pq

    source = pq.ParquetFile(pa.BufferReader(data))
    known = {*REQUIRED, *OPTIONAL, *extra}
    names = source.schema_arrow.names
    wanted = [n for n in names if n.strip().lower() in known] or names[:1]  # rows still counted
    table = source.read(columns=wanted, use_threads=True)
    table.validate(full=True)  # text that is not UTF-8 fails here, not at its first use
    return Chunk(str(path), table, np.arange(1, table.num_rows + 1), read=table.num_rows)
