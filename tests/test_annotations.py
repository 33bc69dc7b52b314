"""Annotation readers: real small files of every format, good and malformed."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guidelines_tool.annotations import read_annotations, read_gold
from guidelines_tool.errors import DataError
from guidelines_tool.project import load_project

DATA = Path(__file__).parent / "data" / "annotations"

TASK_YAML = """\
kind: task
id: {id}
title: {id}
scale: {scale}
multi_label: {multi}
labels:
{labels}
"""


def make_project(root: Path, tasks: dict[str, tuple[list[str], str, bool]]):
    """A real guideline project on disk: guidelines.yaml and one task file per task."""
    (root / "guidelines.yaml").write_text("kind: project\nname: Test\n")
    for task_id, (labels, scale, multi) in tasks.items():
        folder = root / "guidelines" / task_id
        folder.mkdir(parents=True)
        body = "".join(f"  - {{id: {lab}, name: {lab}, value: {k}}}\n"
                       for k, lab in enumerate(labels, start=1))
        (folder / "task.yaml").write_text(TASK_YAML.format(
            id=task_id, scale=scale, multi=str(multi).lower(), labels=body))
    return load_project(root)


def codes(table, column: str) -> list:
    values = getattr(table, {"item": "items", "annotator": "annotators", "label": "labels",
                             "batch": "batches", "guideline_rev": "revisions"}[column])
    return [values[c] if c >= 0 else None for c in getattr(table, column)]


def test_good_csv_reads_every_column() -> None:
    t = read_annotations([DATA / "good.csv"])
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


def test_malformed_csv_reports_every_bad_row_with_its_line() -> None:
    t = read_annotations([DATA / "malformed.csv"])
    found = [(p.line, p.code, p.severity) for p in t.problems]
    assert found == [
        (3, "ANN003", "error"),  # empty item
        (4, "ANN004", "error"),  # empty annotator
        (5, "ANN005", "error"),  # empty label
        (6, "ANN009", "error"),  # too many fields
        (9, "ANN008", "error"),  # p1/alice again (first at line 2)
    ]
    assert "also at" in t.problems[-1].message and ":2" in t.problems[-1].message
    assert t.duplicate_error
    # the quoted value spanning lines 7-8 is one record, and the next row is line 9/10
    assert codes(t, "item") == ["p1", "p4", "p5"]
    assert t.line.tolist() == [2, 7, 10]
    assert t.summary.read == 8 and t.summary.used == 3  # 8 records on 9 lines
    assert t.summary.rejected == {"empty-item": 1, "empty-annotator": 1, "empty-label": 1,
                                  "malformed-record": 1, "duplicate": 1}


@pytest.mark.parametrize(("policy", "kept"), [("first", "product"), ("last", "person")])
def test_duplicate_policy_keeps_one_and_warns(policy: str, kept: str) -> None:
    t = read_annotations([DATA / "malformed.csv"], duplicates=policy)
    assert not t.duplicate_error
    assert codes(t, "label")[codes(t, "item").index("p1")] == kept
    dup = [p for p in t.problems if p.code == "ANN008"]
    assert len(dup) == 1 and dup[0].severity == "warning"


def test_missing_required_column_rejects_the_file_with_a_finding() -> None:
    t = read_annotations([DATA / "missing_column.csv", DATA / "good.csv"])
    assert t.problems[0].code == "ANN002" and "annotator" in t.problems[0].message
    assert t.summary.rejected == {"missing-column": 1}
    assert len(t) == 6


def test_jsonl_lists_are_multi_label_and_blank_lines_keep_numbering() -> None:
    t = read_annotations([DATA / "good.jsonl"])
    assert t.multi_label
    assert codes(t, "label") == ["ads;spam", "ads", "spam"]
    assert [t.label_sets[c] for c in t.label] == [("ads", "spam"), ("ads",), ("spam",)]
    assert t.line.tolist() == [1, 2, 5]  # the empty list on line 4 is an empty label
    assert [p.line for p in t.problems] == [4]
    assert t.rule_sets[t.rules[-1]] == ("R-1", "R-2")
    assert t.label_mask("ads").tolist() == [True, True, False]


def test_malformed_jsonl() -> None:
    t = read_annotations([DATA / "malformed.jsonl"])
    assert [(p.line, p.code) for p in t.problems] == [
        (2, "ANN009"), (3, "ANN009"), (4, "ANN004")]
    assert codes(t, "item") == ["1", "2"]  # numbers become ids
    assert t.summary.read == 5 and t.summary.used == 2


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


def test_input_format_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    shutil.copy(DATA / "good.csv", path)
    with pytest.raises(DataError, match="--input-format"):
        read_annotations([path])
    assert len(read_annotations([path], input_format="csv")) == 6


def test_label_studio_export() -> None:
    t = read_annotations([DATA / "labelstudio.json"])
    assert codes(t, "item") == ["11", "11", "review-12", "review-12"]
    assert codes(t, "annotator") == ["1", "2", "1", "2"]  # completed_by int or {id, email}
    assert codes(t, "label") == ["positive", "positive", "negative", "neutral"]
    assert not t.multi_label  # single choices arrive as one-element lists
    assert codes(t, "batch")[:2] == ["week-1", "week-1"]
    assert str(t.annotated_at[0]) == "2026-10-01T10:00:00.123456"
    skipped = [p.message for p in t.problems]
    assert any("cancelled" in m for m in skipped) and any("no `choices`" in m for m in skipped)
    assert t.summary.read == 6 and t.summary.used == 4
    assert sum(t.summary.rejected.values()) == 2


def test_prodigy_choice_and_binary() -> None:
    t = read_annotations([DATA / "prodigy_choice.jsonl"])
    assert codes(t, "item") == ["1001", "1001", "doc-7"]
    assert codes(t, "annotator") == ["news-alice", "news-bob", "news-alice"]
    assert codes(t, "label") == ["TRAVEL", "TRAVEL", "SPORTS"]
    assert str(t.annotated_at[0]).startswith("2026-09-21")
    assert [(p.line, p.code) for p in t.problems] == [(4, "ANN011"), (5, "ANN009")]
    b = read_annotations([DATA / "prodigy_binary.jsonl"], input_format="prodigy")
    assert codes(b, "label") == ["accept", "accept", "reject", "accept"]
    assert codes(b, "annotator") == ["ds-alice", "ds-bob", "ds-alice", "ds-bob"]


def test_project_labels_are_checked_and_task_chosen(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"pps": (["product", "person"], "nominal", False)})
    t = read_annotations([DATA / "malformed.csv"], project=project, duplicates="first")
    assert t.task_id == "pps"
    unknown = [p for p in t.problems if p.code == "ANN006"]
    assert [p.line for p in unknown] == [7] and "product, person" in unknown[0].message


def test_several_tasks_need_a_choice(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"a": (["x", "y"], "nominal", False),
                                      "b": (["u", "v"], "nominal", False)})
    path = tmp_path / "mixed.csv"
    path.write_text("item,annotator,label,task\n1,p,x,a\n1,q,y,a\n1,p,u,b\n2,p,z,c\n")
    with pytest.raises(DataError, match="--task"):
        read_annotations([path], project=project)
    t = read_annotations([path], project=project, task="b")
    assert codes(t, "label") == ["u"] and t.summary.other_task == 2
    assert [p.code for p in t.problems] == ["ANN007"]  # task c is not in the project
    with pytest.raises(DataError, match="unknown task"):
        read_annotations([path], project=project, task="nope")


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[{]")
    with pytest.raises(DataError, match="broken.json:1"):
        read_annotations([path])
    with pytest.raises(DataError, match="no such file"):
        read_annotations([tmp_path / "absent.csv"])


def test_gold_file() -> None:
    gold = read_gold(DATA / "gold.csv")
    assert gold.labels == {"p1": "product", "p2": "person", "p3": "person"}
    assert [(p.line, p.code) for p in gold.problems] == [(5, "ANN003")]


def test_parquet_dictionary_columns_with_differing_chunk_dictionaries(tmp_path: Path) -> None:
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


def test_whitespace_is_trimmed_and_merged(tmp_path: Path) -> None:
    path = tmp_path / "ws.csv"
    path.write_text("item,annotator,label\n p1 ,a,x\np1,b, x\u00a0\np2,a,é\n")
    t = read_annotations([path])
    assert codes(t, "item") == ["p1", "p1", "p2"] and codes(t, "label") == ["x", "x", "é"]


def test_jsonl_times_typed_or_text(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"item": 1, "annotator": "a", "label": "x", "annotated_at": "2026-10-01T09:00:00Z"}\n'
                    '{"item": 1, "annotator": "b", "label": "x", "annotated_at": "2026-10-01T11:00:00+02:00"}\n'
                    '{"item": 2, "annotator": "a", "label": "y", "annotated_at": "yesterday"}\n')
    t = read_annotations([path])
    assert [str(x) for x in t.annotated_at] == [
        "2026-10-01T09:00:00.000000", "2026-10-01T09:00:00.000000", "NaT"]
    assert [(p.line, p.code) for p in t.problems] == [(3, "ANN010")]


_ID = st.text(alphabet=st.sampled_from(list('ab1,"; \n')), min_size=1, max_size=6).filter(
    lambda s: s.strip() and ";" not in s)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(_ID, _ID, _ID), min_size=1, max_size=12,
                     unique_by=lambda r: (r[0].strip(), r[1].strip())))
def test_csv_round_trip_with_quotes_and_newlines(tmp_path_factory, rows) -> None:
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


def test_label_studio_problems_name_the_record() -> None:
    t = read_annotations([DATA / "labelstudio_bad.json"], duplicates="first")
    assert [(p.line, p.code) for p in t.problems] == [(0, "ANN004"), (0, "ANN008")]
    assert all(p.message.startswith("record 1: ") for p in t.problems)
    assert t.problems[1].message.endswith("labelstudio_bad.json record 1")


def test_a_plain_json_array_of_records(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text('[{"item": 1, "annotator": "a", "label": "x"},'
                    ' {"item": 1, "annotator": "", "label": "x"}]')
    t = read_annotations([path])
    assert codes(t, "item") == ["1"]
    assert [(p.line, p.message) for p in t.problems] == [(0, "record 2: empty annotator; row rejected")]


def test_corrupt_parquet_and_bad_encoding_are_clear_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match="broken.parquet: cannot read as parquet"):
        read_annotations([broken])
    latin = tmp_path / "latin.csv"
    latin.write_bytes("item,annotator,label\n1,a,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin.csv: cannot read as csv"):
        read_annotations([latin])


# --- hostile real-world inputs ---------------------------------------------------------------


def test_labels_differing_only_in_unicode_normalisation_are_one_label(tmp_path):
    # "café" typed on macOS (NFD: e + combining acute) and on Windows (NFC: é) is one label;
    # so is "naïve" whose non-ASCII letter sits in the middle of the string
    path = tmp_path / "nfd.csv"
    path.write_bytes("item,annotator,label\n"
                     "p1,a,caf\u00e9\np1,b,cafe\u0301\n"
                     "p2,a,na\u00efve\np2,b,nai\u0308ve\n".encode())
    table = read_annotations([path])
    assert sorted(table.labels) == ["caf\u00e9", "na\u00efve"]
    assert table.label.tolist()[0] == table.label.tolist()[1]
    assert table.label.tolist()[2] == table.label.tolist()[3]


def test_jsonl_integer_ids_beyond_float_precision_stay_distinct(tmp_path):
    # JSON numbers too large for int64 must not pass through a double: two items would merge
    path = tmp_path / "huge.jsonl"
    path.write_text(
        '{"item": 12345678901234567890123, "annotator": "a", "label": "x"}\n'
        '{"item": 12345678901234567890124, "annotator": "a", "label": "y"}\n'
        '{"item": 12345678901234567890123, "annotator": "b", "label": "x"}\n')
    table = read_annotations([path])
    assert not table.problems
    assert sorted(table.items) == ["12345678901234567890123", "12345678901234567890124"]


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


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_with_another_delimiter_is_read(tmp_path, delimiter):
    # Excel in many locales saves "CSV" with semicolons
    path = tmp_path / "semi.csv"
    path.write_text("\ufeff" + "\r\n".join(delimiter.join(r) for r in [
        ("item", "annotator", "label"), ("p1", "a", "x,y"), ("p1", "b", "x")]) + "\r\n")
    table = read_annotations([path])
    assert not table.problems
    assert len(table) == 2 and sorted(table.labels) == ["x", "x,y"]


def test_gold_csv_with_semicolons_is_read(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("item;label\np1;x\np2;y\n")
    assert read_gold(path).labels == {"p1": "x", "p2": "y"}


def test_parquet_nanosecond_times_are_truncated_not_fatal(tmp_path):
    # pandas writes timestamp[ns]; sub-microsecond digits are meaningless for annotation times
    path = tmp_path / "ns.parquet"
    pq.write_table(pa.table({
        "item": ["a", "a"], "annotator": ["x", "y"], "label": ["p", "p"],
        "annotated_at": pa.array([1_700_000_000_000_000_001, None], pa.timestamp("ns"))}), path)
    table = read_annotations([path])
    assert str(table.annotated_at[0]) == "2023-11-14T22:13:20.000000"
    assert np.isnat(table.annotated_at[1])


def test_parquet_struct_column_is_a_clear_error(tmp_path):
    path = tmp_path / "struct.parquet"
    pq.write_table(pa.table({"item": ["a"], "annotator": [{"id": 1}], "label": ["p"]}), path)
    with pytest.raises(DataError, match="annotator"):
        read_annotations([path])


def test_parquet_binary_strings_read_and_invalid_utf8_is_a_clear_error(tmp_path):
    good, bad = tmp_path / "good.parquet", tmp_path / "bad.parquet"
    pq.write_table(pa.table({"item": pa.array([b"a", b"a"], pa.binary()),
                             "annotator": [b"x", b"y"], "label": [b"p", b"q"]}), good)
    assert read_annotations([good]).labels == ("p", "q")
    pq.write_table(pa.table({"item": pa.array([b"a", b"a"], pa.binary()),
                             "annotator": [b"x", b"y"], "label": [b"p", b"\xff"]}), bad)
    with pytest.raises(DataError, match="UTF8"):
        read_annotations([bad])


def test_numeric_labels_written_as_floats_are_the_same_label(tmp_path):
    # a spreadsheet round trip turns the rating 1 into 1.0 for some rows only
    path = tmp_path / "ratings.csv"
    path.write_text("item,annotator,label\np1,a,1\np1,b,1.0\np2,a,2\np2,b,2.00\np3,a,0.5\n"
                    "p3,b,.5\n")
    table = read_annotations([path])
    assert table.label_order() == ("0.5", "1", "2")
    assert len(set(table.label.tolist())) == 3


def test_numeric_labels_map_to_the_tasks_numeric_ids(tmp_path):
    make_project(tmp_path, {"stars": (["1", "2", "3"], "ordinal", False)})
    path = tmp_path / "ratings.csv"
    path.write_text("item,annotator,label\np1,a,1.0\np1,b,1\np2,a,3.0\np2,b,2\n")
    table = read_annotations([path], project=load_project(tmp_path))
    assert not table.problems
    assert table.label_order() == ("1", "2", "3")


def test_text_labels_that_are_not_all_numbers_stay_as_written(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("item,annotator,label\np1,a,1\np1,b,1.0\np2,a,x\np2,b,x\n")
    assert sorted(read_annotations([path]).labels) == ["1", "1.0", "x"]


LS_MIN_HINT = "Label Studio JSON-MIN or CSV export"


def test_labelstudio_json_min_export_is_named_in_the_error(tmp_path):
    # JSON-MIN flattens each annotation to {id, <control name>: choice, annotator, ...}; with one
    # record, no task and no project nothing tells `text` from `sentiment`: the finding names
    # the export (tests/test_annotations_exports.py has the cases where something does tell)
    path = tmp_path / "export-min.json"
    path.write_text('[{"text": "a", "id": 1, "sentiment": "Positive", "annotator": "a@x.com", '
                    '"annotation_id": 1, "created_at": "2021-03-09T22:16:08Z", '
                    '"updated_at": "2021-03-09T22:16:08Z", "lead_time": 4.2}]')
    table = read_annotations([path], input_format="labelstudio")
    assert [p.name for p in table.problems] == ["missing-column"]
    assert LS_MIN_HINT in table.problems[0].message


def test_labelstudio_csv_export_is_named_in_the_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("annotation_id,annotator,created_at,id,lead_time,sentiment,text,updated_at\n"
                    "1,a@x.com,2021-03-09T22:16:08Z,1,4.2,Positive,a,2021-03-09T22:16:08Z\n")
    table = read_annotations([path])
    assert LS_MIN_HINT in table.problems[0].message


def test_csv_header_names_are_matched_without_case_or_padding(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(" Item , ANNOTATOR ,Label\np1,a,x\np1,b,x\n")
    table = read_annotations([path])
    assert not table.problems and len(table) == 2


def test_csv_with_a_repeated_column_is_a_clear_error(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("item,annotator,label,label\np1,a,x,y\np1,b,x,y\n")
    with pytest.raises(DataError, match="label"):
        read_annotations([path])


def test_excel_sep_line_sets_the_delimiter_and_keeps_line_numbers(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\r\nitem;annotator;label\r\np1;a;x\r\np1;b\r\np2;a;y\r\n")
    table = read_annotations([path])
    assert len(table) == 2
    assert [(p.line, p.name) for p in table.problems] == [(4, "malformed-record")]
    assert table.line.tolist() == [3, 5]


@pytest.mark.parametrize("name, fmt", [("deep.json", "labelstudio"), ("deep.jsonl", "jsonl"),
                                       ("deep.jsonl", "prodigy")])
def test_deeply_nested_json_is_reported_not_a_crash(tmp_path, name, fmt):
    path = tmp_path / name
    nested = "[" * 100_000 + "]" * 100_000
    if fmt == "labelstudio":
        path.write_text(nested)
        with pytest.raises(DataError, match="nested"):
            read_annotations([path], input_format=fmt)
        return
    first = ('{"_input_hash": 1, "_annotator_id": "a", "label": "x", "answer": "accept"}'
             if fmt == "prodigy" else '{"item": "p1", "annotator": "a", "label": "x"}')
    path.write_text(first + "\n" + nested + "\n")
    table = read_annotations([path], input_format=fmt)
    assert [(p.line, p.name) for p in table.problems] == [(2, "malformed-record")]
    assert "nested" in table.problems[0].message


def test_csv_value_longer_than_the_csv_modules_limit(tmp_path):
    # a quoted value spanning lines sends line numbering through the csv module, whose
    # default field limit (128 KiB) is smaller than a pasted document
    path = tmp_path / "big.csv"
    path.write_text('item,annotator,label,note\n"p\n1",a,x,\n"p\n1",b,x,"' + "y" * 200_000
                    + '"\n')
    table = read_annotations([path])
    assert table.line.tolist() == [2, 4] and not table.problems
