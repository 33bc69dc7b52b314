"""Parquet files: the columns as written (dictionary, list and large_string columns too)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from guidelines_tool.annotations.chunk import Chunk


def _read_parquet(path: Path) -> Chunk:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return Chunk(str(path), table, np.arange(1, table.num_rows + 1), read=table.num_rows)
