"""Normalisation: every rejected row reported with its line, duplicates and re-labels,
tasks and labels checked against the project, header names, numeric labels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from guidelines_tool.annotations import read_annotations
from guidelines_tool.errors import DataError
from guidelines_tool.project import load_project


def test_malformed_csv_reports_every_bad_row_with_its_line(annotation_data: Path,
                                                           codes: Callable) -> None:
    t = read_annotations([annotation_data / "malformed.csv"])
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
def test_duplicate_policy_keeps_one_and_warns(policy: str, kept: str, annotation_data: Path,
                                              codes: Callable) -> None:
    t = read_annotations([annotation_data / "malformed.csv"], duplicates=policy)
    assert not t.duplicate_error
    assert codes(t, "label")[codes(t, "item").index("p1")] == kept
    dup = [p for p in t.problems if p.code == "ANN008"]
    assert len(dup) == 1 and dup[0].severity == "warning"


def test_missing_required_column_rejects_the_file_with_a_finding(annotation_data: Path) -> None:
    t = read_annotations([annotation_data / "missing_column.csv", annotation_data / "good.csv"])
    assert t.problems[0].code == "ANN002" and "annotator" in t.problems[0].message
    assert t.summary.rejected == {"missing-column": 1}
    assert len(t) == 6


def test_project_labels_are_checked_and_task_chosen(tmp_path: Path, annotation_data: Path,
                                                    make_project: Callable) -> None:
    project = make_project(tmp_path, {"pps": (["product", "person"], "nominal", False)})
    t = read_annotations([annotation_data / "malformed.csv"], project=project, duplicates="first")
    assert t.task_id == "pps"
    unknown = [p for p in t.problems if p.code == "ANN006"]
    assert [p.line for p in unknown] == [7] and "product, person" in unknown[0].message


def test_several_tasks_need_a_choice(tmp_path: Path, make_project: Callable,
                                     codes: Callable) -> None:
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


def test_parquet_struct_column_is_a_clear_error(tmp_path):
    path = tmp_path / "struct.parquet"
    pq.write_table(pa.table({"item": ["a"], "annotator": [{"id": 1}], "label": ["p"]}), path)
    with pytest.raises(DataError, match="annotator"):
        read_annotations([path])


def test_numeric_labels_written_as_floats_are_the_same_label(tmp_path, rows):
    # a spreadsheet round trip turns the rating 1 into 1.0 for some rows only
    path = tmp_path / "ratings.csv"
    path.write_text("item,annotator,label\np1,a,1\np1,b,1.0\np2,a,2\np2,b,2.00\np3,a,0.5\n"
                    "p3,b,.5\n")
    table = read_annotations([path])
    assert table.label_order() == ("0.5", "1", "2")
    assert len(set(table.label.tolist())) == 3


def test_numeric_labels_map_to_the_tasks_numeric_ids(tmp_path, make_project):
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


def test_impact_reads_a_judgement_repeated_at_another_time_as_a_relabel(tmp_path: Path,
                                                                        codes: Callable) -> None:
    path = tmp_path / "times.csv"
    path.write_text("item,annotator,label,annotated_at\n"
                    "i1,a,x,2026-01-01T10:00:00Z\ni1,b,y,2026-01-01T10:00:00Z\n"
                    "i1,a,y,2026-03-01T10:00:00Z\n"   # after a rule change, say
                    "i1,b,y,2026-01-01T10:00:00Z\n")  # exported twice: a duplicate still
    plain = read_annotations([path], duplicates="first")
    assert plain.summary.rejected == {"duplicate": 2} and plain.summary.relabelled == 0
    timed = read_annotations([path], duplicates="first", relabel_by_time=True)
    assert timed.summary.rejected == {"duplicate": 1} and timed.summary.relabelled == 1
    assert timed.ratings().n_ratings == 2  # pooled: a's March judgement and b's
    assert codes(timed.pooled(), "label") == ["y", "y"]


def test_a_control_character_in_a_value_rejects_its_row(tmp_path: Path, rows: Callable) -> None:
    # a NUL inside an item id was read as a distinct id; an ESC reaches the terminal
    path = tmp_path / "nul.csv"
    path.write_bytes(b"item,annotator,label,batch\np1,a,x,b1\np\x001,b,x,b1\np1,c,x,b\x1b[31m\n"
                     b'p2,a,"multi\nline",b1\np2,b,tab\there,b1\n')
    t = read_annotations([path])
    assert rows(t) == [("p1", "a", "x"), ("p2", "a", "multi\nline"), ("p2", "b", "tab\there")]
    assert [(p.line, p.code, p.message) for p in t.problems] == [
        (3, "ANN015", "item 'p\\x001' holds the control character U+0000 (NUL); row rejected"),
        (4, "ANN015", "batch 'b\\x1b[31m' holds the control character U+001B (ESC); row "
                      "rejected")]
    assert t.summary.rejected == {"control-character": 2}
    jsonl = tmp_path / "nul.jsonl"
    jsonl.write_text('{"item": "p\\u0000", "annotator": "a", "label": "x"}\n'
                     '{"item": "p", "annotator": "a", "label": "x"}\n')
    assert [(p.line, p.code) for p in read_annotations([jsonl]).problems] == [(1, "ANN015")]
