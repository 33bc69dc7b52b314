"""CSV files: every column, quotes and newlines, other delimiters, Excel's variants."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guidelines_tool.annotations import read_annotations


def test_good_csv_reads_every_column(annotation_data: Path, codes: Callable) -> None:
    t = read_annotations([annotation_data / "good.csv"])
    assert codes(t, "item") == ["p1", "p1", "p2", "p2", "p3", "p3"]
    assert codes(t, "label") == ["product", "product", "person", "product", "person", "person"]
    assert codes(t, "batch") == ["b1"] * 4 + ["b2"] * 2
    assert codes(t, "guideline_rev")[-1] == "v1.1.0"
    assert t.line.tolist() == [2, 3, 4, 5, 6, 7]
    assert str(t.annotated_at[0]) == "2026-10-01T09:00:00.000000"
    assert str(t.annotated_at[1]) == "2026-10-01T07:05:00.000000"  # +02:00 → UTC
    assert np.isnat(t.annotated_at[3])
    assert t.rule_sets[t.rules[1]] == ("PPS-001", "PPS-004")
    assert t.rule_mask("PPS-004").tolist() == [False, True, False, False, False, False]
    assert t.summary.to_dict() == {"read": 6, "used": 6, "rejected": {}, "other_task": 0}
    assert not t.problems and not t.multi_label


_ID = st.text(alphabet=st.sampled_from(list('ab1,"; \n')), min_size=1, max_size=6).filter(
    lambda s: s.strip() and ";" not in s)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(_ID, _ID, _ID), min_size=1, max_size=12,
                     unique_by=lambda r: (r[0].strip(), r[1].strip())))
def test_csv_round_trip_with_quotes_and_newlines(tmp_path_factory, rows, codes: Callable) -> None:
    """Any values the csv module writes come back trimmed, each row with its first line."""
    path = tmp_path_factory.mktemp("rt") / "rt.csv"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["item", "annotator", "label"])
    starts = []
    for row in rows:
        starts.append(buf.getvalue().count("\n") + 1)
        writer.writerow(row)
    path.write_text(buf.getvalue())
    t = read_annotations([path])
    assert codes(t, "item") == [r[0].strip() for r in rows]
    assert codes(t, "annotator") == [r[1].strip() for r in rows]
    assert codes(t, "label") == [r[2].strip() for r in rows]
    assert t.line.tolist() == starts


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_with_another_delimiter_is_read(tmp_path, delimiter):
    # Excel in many locales saves "CSV" with semicolons
    path = tmp_path / "semi.csv"
    path.write_text("\ufeff" + "\r\n".join(delimiter.join(r) for r in [
        ("item", "annotator", "label"), ("p1", "a", "x,y"), ("p1", "b", "x")]) + "\r\n")
    table = read_annotations([path])
    assert not table.problems
    assert len(table) == 2 and sorted(table.labels) == ["x", "x,y"]


def test_excel_sep_line_sets_the_delimiter_and_keeps_line_numbers(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\r\nitem;annotator;label\r\np1;a;x\r\np1;b\r\np2;a;y\r\n")
    table = read_annotations([path])
    assert len(table) == 2
    assert [(p.line, p.name) for p in table.problems] == [(4, "malformed-record")]
    assert table.line.tolist() == [3, 5]


def test_csv_value_longer_than_the_csv_modules_limit(tmp_path):
    # a quoted value spanning lines sends line numbering through the csv module, whose
    # default field limit (128 KiB) is smaller than a pasted document
    path = tmp_path / "big.csv"
    path.write_text('item,annotator,label,note\n"p\n1",a,x,\n"p\n1",b,x,"' + "y" * 200_000
                    + '"\n')
    table = read_annotations([path])
    assert table.line.tolist() == [2, 4] and not table.problems


def test_spreadsheet_encodings(tmp_path: Path, rows: Callable) -> None:
    utf16 = tmp_path / "unicode.txt"
    utf16.write_text("item\tannotator\tlabel\r\ni1\tJosé\tx\r\ni1\tb\ty\r\n", encoding="utf-16")
    t = read_annotations([utf16], input_format="csv")
    assert rows(t) == [("i1", "José", "x"), ("i1", "b", "y")] and t.line.tolist() == [2, 3]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("item,annotator,label\ni1,José,x\n".encode("latin-1"))
    with pytest.raises(Exception, match='not UTF-8.*"CSV UTF-8"'):
        read_annotations([latin])
