"""annotated_at: typed and text times, Unix seconds and milliseconds, nanoseconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from guidelines_tool.annotations import read_annotations


def test_jsonl_times_typed_or_text(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"item": 1, "annotator": "a", "label": "x", "annotated_at": "2026-10-01T09:00:00Z"}\n'
                    '{"item": 1, "annotator": "b", "label": "x", "annotated_at": "2026-10-01T11:00:00+02:00"}\n'
                    '{"item": 2, "annotator": "a", "label": "y", "annotated_at": "yesterday"}\n')
    t = read_annotations([path])
    assert [str(x) for x in t.annotated_at] == [
        "2026-10-01T09:00:00.000000", "2026-10-01T09:00:00.000000", "NaT"]
    assert [(p.line, p.code) for p in t.problems] == [(3, "ANN010")]


def test_epoch_seconds_and_milliseconds_are_times(tmp_path):
    # exports often carry Unix times; a date-only ISO value stays a date at midnight UTC
    path = tmp_path / "times.jsonl"
    path.write_text(
        '{"item": "1", "annotator": "a", "label": "x", "annotated_at": 1696150000}\n'
        '{"item": "1", "annotator": "b", "label": "x", "annotated_at": "1696150000.5"}\n'
        '{"item": "2", "annotator": "a", "label": "x", "annotated_at": 1696150000000}\n'
        '{"item": "2", "annotator": "b", "label": "x", "annotated_at": "2023-10-01"}\n')
    table = read_annotations([path])
    assert not table.problems
    assert [str(t) for t in table.annotated_at] == [
        "2023-10-01T08:46:40.000000", "2023-10-01T08:46:40.500000",
        "2023-10-01T08:46:40.000000", "2023-10-01T00:00:00.000000"]


def test_epoch_times_in_csv(tmp_path):
    path = tmp_path / "times.csv"
    path.write_text("item,annotator,label,annotated_at\n1,a,x,1696150000\n1,b,x,\n"
                    "2,a,x,01/10/2026\n")
    table = read_annotations([path])
    assert str(table.annotated_at[0]) == "2023-10-01T08:46:40.000000"
    assert np.isnat(table.annotated_at[1])
    assert [p.line for p in table.problems] == [4]  # 01/10/2026 is ambiguous: reported


def test_parquet_nanosecond_times_are_truncated_not_fatal(tmp_path):
    # pandas writes timestamp[ns]; sub-microsecond digits are meaningless for annotation times
    path = tmp_path / "ns.parquet"
    pq.write_table(pa.table({
        "item": ["a", "a"], "annotator": ["x", "y"], "label": ["p", "p"],
        "annotated_at": pa.array([1_700_000_000_000_000_001, None], pa.timestamp("ns"))}), path)
    table = read_annotations([path])
    assert str(table.annotated_at[0]) == "2023-11-14T22:13:20.000000"
    assert np.isnat(table.annotated_at[1])
