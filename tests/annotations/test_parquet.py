"""Parquet: list labels, per-chunk dictionaries, binary strings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
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
    with pytest.raises(DataError, match=r"bad.parquet: .*column 'label', row 2 \(byte 0xff at "
                                        r"position 1\) is not UTF-8 text"):
        read_annotations([bad])


def test_parquet_text_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    # Parquet stores strings as bytes: a writer can put anything there
    path = tmp_path / "bad.parquet"
    bad = pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(np.array([0, 2], np.int32)),
                                                 pa.py_buffer(b"\xff\xfe")])
    pq.write_table(pa.table({"item": bad, "annotator": ["a"], "label": ["x"]}), path)
    with pytest.raises(DataError, match=r"bad.parquet: cannot read as parquet: column 'item', "
                                        r"row 1 \(byte 0xff at position 1\) is not UTF-8"):
        read_annotations([path])


@pytest.mark.parametrize("source", ["parquet list", "parquet large_list", "jsonl (pyarrow)",
                                    "jsonl (line reader)"])
def test_a_null_member_of_a_label_list_is_left_out_by_every_reader(tmp_path: Path, source: str
                                                                   ) -> None:
    """`["y", null]` is the set {y} whichever reader a file goes to (the JSON line reader always
    left the null out; Arrow's join made the whole list null, read as an "empty label"); a
    list that is null, or holds only nulls, is an empty label."""
    labels = [["x"], ["y", None], None, [None], ["x", None, "z"]]
    records = [{"item": "i", "annotator": f"a{k}", "label": v} for k, v in enumerate(labels)]
    if source.startswith("parquet"):
        path = tmp_path / "a.parquet"
        kind = pa.large_list(pa.large_string()) if "large" in source else pa.list_(pa.string())
        table = pa.Table.from_pylist(records, schema=pa.schema(
            [("item", pa.string()), ("annotator", pa.string()), ("label", kind)]))
        pq.write_table(table, path, row_group_size=2)  # chunks: the join works across them
    else:
        path = tmp_path / "a.jsonl"
        extra = "[1]\n" if "line reader" in source else ""  # a line pyarrow is not given
        path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra)
    table = read_annotations([path])
    assert table.multi_label
    kept = [(table.annotators[a], table.label_sets[l]) for a, l in zip(table.annotator, table.label)]
    assert kept == [("a0", ("x",)), ("a1", ("y",)), ("a4", ("x", "z"))]
    assert [p.code for p in table.problems] == ["ANN005", "ANN005"] + (
        ["ANN009"] if "line reader" in source else [])


@pytest.mark.parametrize("shape", ["list", "dictionary", "binary list"])
def test_text_that_is_not_utf8_is_named_by_column_and_row_in_any_column_shape(
        tmp_path: Path, shape: str) -> None:
    good, bad = (["x"], ["ok", "\udcc3"]) if "list" in shape else ("x", "\udcc3")
    values = [v.encode("utf-8", "surrogateescape") if isinstance(v, str) else
              [m.encode("utf-8", "surrogateescape") for m in v] for v in (good, bad, good)]
    label = pa.array(values)
    if shape == "dictionary":
        label = label.dictionary_encode()
    elif shape == "list":  # string members whose bytes are not UTF-8
        flat = label.flatten()
        label = pa.ListArray.from_arrays(label.offsets, pa.Array.from_buffers(
            pa.string(), len(flat), flat.buffers()))
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"item": ["i", "i", "i"], "annotator": ["a", "b", "c"],
                             "label": label}), path, row_group_size=1)
    with pytest.raises(DataError, match=r"column 'label', row 2 \(byte 0xc3 at position \d\)"):
        read_annotations([path])


def test_nan_is_an_absent_value_in_parquet_and_json(tmp_path: Path, rows) -> None:
    """pandas writes a missing value in a float column as NaN (Python's json too): it was read
    as the label "nan", a category of its own."""
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"item": ["i", "i", "j"], "annotator": ["a", "b", "a"],
                             "label": [1.5, float("nan"), None]}), path)
    table = read_annotations([path])
    assert rows(table) == [("i", "a", "1.5")]
    assert [(p.line, p.code) for p in table.problems] == [(2, "ANN005"), (3, "ANN005")]
    jsonl = tmp_path / "a.jsonl"  # NaN is no JSON for pyarrow: the line reader reads it
    jsonl.write_text('{"item": "i", "annotator": "a", "label": 1.5}\n'
                     '{"item": "i", "annotator": "b", "label": NaN}\n'
                     '{"item": "j", "annotator": "a", "label": [NaN, 2.0, true]}\n')
    table = read_annotations([jsonl])
    assert [(p.line, p.code) for p in table.problems] == [(2, "ANN005")]
    assert table.label_sets[table.label[-1]] == ("2", "true")


def test_a_column_twice_in_a_parquet_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["i"]), pa.array(["a"]), pa.array(["x"]),
                                         pa.array(["y"])],
                                        names=["item", "annotator", "label", "label"]), path)
    with pytest.raises(DataError, match=r"a.parquet: column\(s\) label appear more than once"):
        read_annotations([path])  # was: internal error, KeyError
