"""Label Studio exports (JSON, JSON-MIN, CSV) in the shapes the tool writes them, and the
control that holds the task's answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from guidelines_tool.annotations import read_annotations


def test_label_studio_export(annotation_data: Path, codes: Callable) -> None:
    t = read_annotations([annotation_data / "labelstudio.json"])
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


def test_label_studio_problems_name_the_record(annotation_data: Path) -> None:
    t = read_annotations([annotation_data / "labelstudio_bad.json"], duplicates="first")
    assert [(p.line, p.code) for p in t.problems] == [(0, "ANN004"), (0, "ANN008")]
    assert all(p.message.startswith("record 1: ") for p in t.problems)
    assert t.problems[1].message.endswith("labelstudio_bad.json record 1")


def test_a_plain_json_array_of_records(tmp_path: Path, codes: Callable) -> None:
    path = tmp_path / "records.json"
    path.write_text('[{"item": 1, "annotator": "a", "label": "x"},'
                    ' {"item": 1, "annotator": "", "label": "x"}]')
    t = read_annotations([path])
    assert codes(t, "item") == ["1"]
    assert [(p.line, p.message) for p in t.problems] == [(0, "record 2: empty annotator; row rejected")]


LS_MIN_HINT = "Label Studio JSON-MIN or CSV export"


def test_labelstudio_json_min_export_is_named_in_the_error(tmp_path):
    # JSON-MIN flattens each annotation to {id, <control name>: choice, annotator, ...}; with one
    # record, no task and no project nothing tells `text` from `sentiment`: the finding names
    # the export (the JSON-MIN tests below have the cases where something does tell)
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


def test_labelstudio_json_min_one_record_per_annotation(annotation_data: Path,
                                                        rows: Callable) -> None:
    t = read_annotations([annotation_data / "labelstudio_min.json"])
    # `sentiment` differs between two annotators of task 12; `text` (task data) never does
    assert rows(t) == [("11", "alice@example.com", "Positive"), ("11", "bob@example.com", "Positive"),
                       ("12", "alice@example.com", "Negative"), ("12", "bob@example.com", "Neutral")]
    assert str(t.annotated_at[0]) == "2024-03-09T21:52:49.513742"
    assert t.summary.read == 5 and t.summary.used == 4
    assert t.summary.rejected == {"skipped (no annotation)": 1}  # task 13: nobody annotated it
    assert [p.message for p in t.problems] == ["record 5: task 13 has no annotation"]


def test_labelstudio_csv_export_with_multi_choice_json_and_quoted_newlines(annotation_data: Path,
                                                                           rows: Callable) -> None:
    t = read_annotations([annotation_data / "labelstudio_export.csv"])
    assert t.multi_label  # a multi-choice answer is JSON text: {"choices": [...]}
    assert rows(t) == [("21", "alice@example.com", "billing;shipping"),
                       ("21", "bob@example.com", "billing"),
                       ("22", "alice@example.com", "shipping"), ("22", "bob@example.com", "shipping")]
    assert t.line.tolist() == [2, 4, 6, 8]  # the text spans two lines in task 21's rows
    assert t.summary.rejected == {"skipped (cancelled or empty)": 1}
    assert [(p.line, p.name) for p in t.problems] == [(7, "skipped")]


def test_json_min_answer_column_chosen_by_the_task_name_or_its_labels(tmp_path: Path,
                                                                      make_project: Callable,
                                                                      codes: Callable) -> None:
    # one annotation per task and a second free-text control: nothing in the data says which
    # column is the answer; the task name (or its labels) does
    records = [{"id": k, "text": f"t{k}", "sentiment": lab, "comment": "ok", "annotator": "a",
                "annotation_id": k} for k, lab in enumerate(["pos", "neg"], start=1)]
    path = tmp_path / "min.json"
    path.write_text(json.dumps(records))
    ambiguous = read_annotations([path])
    assert ambiguous.summary.used == 0 and ambiguous.summary.rejected == {"missing-column": 2}
    assert "'text', 'sentiment', 'comment'" in ambiguous.problems[0].message
    assert "--task" in ambiguous.problems[0].message
    assert codes(read_annotations([path], task="sentiment"), "label") == ["pos", "neg"]
    (tmp_path / "p").mkdir()
    project = make_project(tmp_path / "p", {"polarity": (["pos", "neg"], "nominal", False)})
    assert codes(read_annotations([path], project=project), "label") == ["pos", "neg"]


def test_labelstudio_legacy_completions_skipped_and_user_objects(annotation_data: Path,
                                                                 codes: Callable,
                                                                 rows: Callable) -> None:
    t = read_annotations([annotation_data / "labelstudio_legacy.json"])
    assert rows(t) == [("31", "7", "Negative"), ("31", "9", "Negative")]  # id of the user object
    assert str(t.annotated_at[0]) == "2024-03-09T16:00:00.000000"  # Unix seconds
    assert codes(t, "batch") == ["b1", "b1"]
    assert t.summary.rejected == {"skipped (cancelled or empty)": 1}


def test_labelstudio_several_controls_need_a_choice_and_drafts_are_no_judgements(
        annotation_data: Path, codes: Callable, rows: Callable) -> None:
    path = annotation_data / "labelstudio_controls.json"
    t = read_annotations([path], task="topic")
    assert rows(t) == [("41", "1", "Travel"), ("41", "2", "Travel")]  # taxonomy: the leaf
    assert codes(t, "guideline_rev") == ["v1.2.0", "v1.2.0"]  # task meta
    assert t.summary.rejected == {"other-control": 2}
    assert "control(s) quality set aside" in t.problems[0].message
    q = read_annotations([path], task="quality")
    assert codes(q, "label") == ["4", "3"]  # a rating is a number
    with pytest.raises(Exception, match=r"several tasks \(quality, topic\)"):
        read_annotations([path])


def test_labelstudio_control_chosen_by_the_project_tasks_labels(tmp_path: Path,
                                                                annotation_data: Path,
                                                                make_project: Callable,
                                                                rows: Callable) -> None:
    # the project's task is not named like either control: its labels pick `topic`
    project = make_project(tmp_path, {"subject": (["Travel", "Sport"], "nominal", False)})
    t = read_annotations([annotation_data / "labelstudio_controls.json"], project=project)
    assert t.task_id == "subject"
    assert rows(t) == [("41", "1", "Travel"), ("41", "2", "Travel")]
    assert t.summary.rejected == {"other-control": 2}


def test_json_min_with_full_agreement_takes_the_only_column_repeating_across_tasks(
        tmp_path: Path, codes: Callable) -> None:
    records = [{"id": k, "text": f"review number {k}", "sentiment": "pos" if k % 2 else "neg",
                "annotator": who, "annotation_id": 10 * k + n}
               for k in range(1, 5) for n, who in enumerate(["a@x", "b@x"])]
    path = tmp_path / "min.json"
    path.write_text(json.dumps(records))
    t = read_annotations([path])
    assert codes(t, "label") == ["pos", "pos", "neg", "neg", "pos", "pos", "neg", "neg"]
    for r in records:  # a second repeating column: no guess
        r["source"] = "shop"
    path.write_text(json.dumps(records))
    assert read_annotations([path]).summary.rejected == {"missing-column": 8}
