"""CSV files: every column, quotes and newlines, other delimiters, Excel's variants."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from guidelines_tool.annotations import read_annotations
from guidelines_tool.errors import DataError


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
@example(rows=[("a", "b", "1,1")])  # a quoted "1,1" in a comma-separated file is text, not 1.1
@example(rows=[("a", "b", "1,1"), ("a", "a", "1")])
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


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_lone_cr_and_mixed_line_ends_keep_their_line_numbers(tmp_path: Path, rows: Callable,
                                                              ending: bytes) -> None:
    # old Mac exports end lines with a lone CR; pasted files mix all three
    path = tmp_path / "endings.csv"
    path.write_bytes(b"item,annotator,label" + ending + b"p1,a,x\rp1,b,x\r\n\n"
                     b'p2,a,"y\rz"\np2,b,y' + ending + b"p3,a\rp3,b,x" + ending)
    t = read_annotations([path])
    assert rows(t) == [("p1", "a", "x"), ("p1", "b", "x"), ("p2", "a", "y\rz"), ("p2", "b", "y"),
                       ("p3", "b", "x")]
    assert t.line.tolist() == [2, 3, 5, 7, 9]
    assert [(p.line, p.code) for p in t.problems] == [(8, "ANN009")]


def test_a_5_mb_value_is_read(tmp_path: Path) -> None:
    # longer than pyarrow's block: it failed with "straddling object ... increase block size"
    path = tmp_path / "long.csv"
    path.write_text("item,annotator,label,note\np1,a,x,short\np1,b,x," + "y" * 5_000_000 + "\n")
    t = read_annotations([path])
    assert len(t) == 2 and t.line.tolist() == [2, 3] and not t.problems


def test_a_header_of_100000_columns_is_read(tmp_path: Path, rows: Callable) -> None:
    # longer than a block ("Empty CSV file"), and minutes of conversion for columns nobody reads
    names = [f"c{i}" for i in range(100_000)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names + ["item", "annotator", "label"]) + "\n"
                    + ",".join(["v"] * 100_000 + ["p1", "a", "x"]) + "\n")
    assert rows(read_annotations([path])) == [("p1", "a", "x")]
    lacking = tmp_path / "lacking.csv"
    lacking.write_text(",".join(names) + "\n" + ",".join(["v"] * 100_000) + "\n")
    t = read_annotations([lacking])
    assert [p.code for p in t.problems] == ["ANN002"]
    assert "(the header has 'c0', 'c1', 'c2', 'c3', 'c4', 'c5' and 99,994 more)" in \
        t.problems[0].message


def test_binary_garbage_is_named_not_utf8_at_its_line_and_prints_nothing(tmp_path: Path,
                                                                       capfd) -> None:
    rng = np.random.default_rng(2)
    path = tmp_path / "garbage.bin"
    path.write_bytes(b"item,annotator,label\np1,a,x\n" + rng.integers(0, 256, 3000, dtype=np.uint8)
                     .tobytes().replace(b"\n", b"!").replace(b"\r", b"!") + b",1,2\n")
    with pytest.raises(DataError, match=r"garbage.bin: cannot read as csv: line 3, byte 0x.. at "
                                        r"column \d+; the file is not UTF-8"):
        read_annotations([path], input_format="csv")
    # pyarrow's row handler cannot decode such a row: its "Exception ignored" must not show
    assert capfd.readouterr().err == ""


def test_an_empty_file_is_said_to_be_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    t = read_annotations([path])
    assert [(p.line, p.code, p.severity, p.message) for p in t.problems] == [
        (0, "ANN014", "warning", "the file is empty")]
    header_only = tmp_path / "header.csv"
    header_only.write_text("item,annotator,label\n")
    t = read_annotations([header_only])
    assert [p.message for p in t.problems] == ["no annotation records in the file"]


def test_a_known_column_twice_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("item,annotator,label, Label\np1,a,x,y\n")
    with pytest.raises(DataError, match="column.s. label appear more than once"):
        read_annotations([path])


@pytest.mark.parametrize("delimiter, labels", [
    (";", ["0.5", "1", "1", "0.5"]),  # a spreadsheet in a decimal-comma locale: numbers
    ("\t", ["0.5", "1", "1", "0.5"]),
    (",", ["0,5", "1,0", "1", "0,5"]),  # quoted in a comma-separated file: the text written
])
def test_decimal_commas_are_numbers_only_where_the_comma_is_no_delimiter(
        tmp_path: Path, codes: Callable, delimiter: str, labels: list[str]) -> None:
    path = tmp_path / "ratings.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerows([("item", "annotator", "label"), ("i1", "a", "0,5"), ("i1", "b", "1,0"),
                          ("i2", "a", "1"), ("i2", "b", "0,5")])
    assert codes(read_annotations([path]), "label") == labels


def test_found_by_fuzzing_headers_and_messages_stay_readable(tmp_path: Path) -> None:
    # a header that is not UTF-8: named, not pyarrow's "Column ... does not exist"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("item,annotator,label,bemerkung_ü\np1,a,x,y\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin.csv: cannot read as csv: line 1 is not UTF-8"):
        read_annotations([latin])
    # a header cell longer than the csv module's 128 KiB field limit
    wide = tmp_path / "wide.csv"
    wide.write_text('item,annotator,label,"' + "n" * 200_000 + '"\np1,a,x,y\n')
    assert len(read_annotations([wide])) == 1
    # a message never quotes megabytes: several tasks with long names
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("item,annotator,label,task\n" + "".join(
        f"p1,a{k},x,{k}{'t' * 5000}\n" for k in range(12)))
    with pytest.raises(DataError) as error:
        read_annotations([tasks])
    assert "several tasks" in str(error.value) and "and 2 more" in str(error.value)
    assert len(str(error.value)) < 1000


def test_a_quote_left_open_to_the_end_of_the_file_rejects_its_row_and_says_what_it_swallowed(
        tmp_path: Path, rows: Callable) -> None:
    """pyarrow (and the csv module) read everything after an unclosed quote as one value: 96
    records vanished, and the summary said 'read 2 rows, rejected 0'."""
    path = tmp_path / "a.csv"
    path.write_text("item,annotator,label\ni1,a,x\ni1,b,\"y\n"
                    + "".join(f"i{k},{a},x\n" for k in range(2, 50) for a in "ab"))
    table = read_annotations([path])
    assert rows(table) == [("i1", "a", "x")]
    [problem] = table.problems
    assert (problem.line, problem.code) == (3, "ANN009")
    assert "never closed: lines 3-99 (the end of the file)" in problem.message
    assert "96 of which read as records of their own; row skipped" in problem.message
    assert table.summary.rejected == {"malformed-record": 1} and table.summary.read == 2


def test_a_quote_closed_many_records_later_is_a_warning_and_multi_line_text_is_not(
        tmp_path: Path, rows: Callable) -> None:
    swallowed = "".join(f"i{k},{a},x\n" for k in range(2, 5) for a in "ab")
    path = tmp_path / "a.csv"
    path.write_text("item,annotator,label\ni1,a,x\ni1,b,\"y\n" + swallowed + "i9,a,z\"\n"
                    "i9,b,\"a poem, in lines,\nthat span, as text does\nover three\"\n")
    table = read_annotations([path])
    assert [(p.line, p.code) for p in table.problems] == [(3, "ANN017")]
    assert "runs over lines 3-10, 7 of which read as records of their own: a quote left open?" \
        in table.problems[0].message
    assert [r[:2] for r in rows(table)] == [("i1", "a"), ("i1", "b"), ("i9", "b")]


def test_a_repeated_malformed_row_is_placed_at_each_of_its_lines(tmp_path: Path, rows: Callable
                                                                 ) -> None:
    """Where values span lines pyarrow gives a malformed row's text, not its line; the first
    match of that text gave both copies line 4, and shifted the next row's line (7 read as 6).
    A copy inside a longer line is no match either."""
    path = tmp_path / "a.csv"
    path.write_text('item,annotator,label\ni1,a,"multi\nline"\ni1,b,x,extra\ni2,a,x\n'
                    'zi1,b,x,extra,\ni1,b,x,extra\ni2,b,x\n')
    table = read_annotations([path])
    assert [(p.line, p.code) for p in table.problems] == [(4, "ANN009"), (6, "ANN009"), (7, "ANN009")]
    assert rows(table) == [("i1", "a", "multi\nline"), ("i2", "a", "x"), ("i2", "b", "x")]
    assert table.line.tolist() == [2, 5, 8]


def test_after_a_sep_line_messages_count_it_too(tmp_path: Path) -> None:
    """Line numbers were shifted past Excel's `sep=` line after reading, but a message's own
    line range was not (an open quote's 'lines 3-5' is lines 4-6 of the file)."""
    path = tmp_path / "excel.csv"
    path.write_text('sep=;\nitem;annotator;label\np1;a;x\np1;b;"y\np2;a;x\np2;b;x\n')
    table = read_annotations([path])
    [problem] = table.problems
    assert problem.line == 4 and "lines 4-6 (the end of the file)" in problem.message
    assert table.line.tolist() == [3]
