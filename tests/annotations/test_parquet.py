"""Parquet: list labels, per-chunk dictionaries, binary strings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from guidelines_tool.annotations import read_annotations
from guidelines_tool.errors import DataError


def test_parquet_with_list_labels(tmp_path: Path) -> None:
    path = tmp_path / "batch.parquet"
    pq.write_table(pa.table({
        "item": ["a", "a", "b", "b"], "annotator": ["x", "y", "x", "y"],
        "label": [["k1"], ["k1", "k2"], ["k2"], None],
        "annotated_at": pa.array([0, 1, 2, 3], pa.timestamp("s", tz="UTC")),
    }), path)
    t = read_annotations([path])
    assert t.multi_label and len(t) == 3
    assert [(p.line, p.code) for p in t.problems] == [(4, "ANN005")]
    assert str(t.annotated_at[1]) == "1970-01-01T00:00:01.000000"


def test_parquet_dictionary_columns_with_differing_chunk_dictionaries(tmp_path: Path,
                                                                      codes: Callable) -> None:
    path = tmp_path / "dict.parquet"
    first = pa.table({"item": pa.array(["a", "b"]).dictionary_encode(),
                      "annotator": ["x", "x"], "label": pa.array(["k", "j"]).dictionary_encode()})
    second = pa.table({"item": pa.array(["b", "a"]).dictionary_encode(),
                       "annotator": ["y", "y"], "label": pa.array(["j", "j"]).dictionary_encode()})
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        writer.write_table(second)
    t = read_annotations([path])
    assert codes(t, "item") == ["a", "b", "b", "a"]
    assert codes(t, "label") == ["k", "j", "j", "j"]


def test_parquet_binary_strings_read_and_invalid_utf8_is_a_clear_error(tmp_path):
    good, bad = tmp_path / "good.parquet", tmp_path / "bad.parquet"
    pq.write_table(pa.table({"item": pa.array([b"a", b"a"], pa.binary()),
                             "annotator": [b"x", b"y"], "label": [b"p", b"q"]}), good)
    assert read_annotations([good]).labels == ("p", "q")
    pq.write_table(pa.table({"item": pa.array([b"a", b"a"], pa.binary()),
                             "annotator": [b"x", b"y"], "label": [b"p", b"\xff"]}), bad)
    with pytest.raises(DataError, match="UTF8"):
        read_annotations([bad])
