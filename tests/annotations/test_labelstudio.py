"""Label Studio exports (JSON, JSON-MIN, CSV) in the shapes the tool writes them, and the
control that holds the task's answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from guidelines_tool.annotations import read_annotations
from guidelines_tool.errors import DataError


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


def test_export_tasks_in_memory_read_as_the_export_file(annotation_data: Path) -> None:
    """`pull label-studio` reads the export a page at a time: the same rows, problems and
    exclusions as the file (the file's cancelled and empty annotations, counted alike)."""
    from guidelines_tool.annotations import labelstudio_export_rows

    path = annotation_data / "labelstudio.json"
    tasks = json.loads(path.read_text())
    rows, problems, excluded = labelstudio_export_rows(tasks, source=str(path))
    table = read_annotations([path])
    assert [(r["item"], r["annotator"], r["label"]) for r in rows] == [
        ("11", "1", ["positive"]), ("11", "2", ["positive"]), ("review-12", "1", ["negative"]),
        ("review-12", "2", ["neutral"])]
    assert [p.message for p in problems] == [p.message for p in table.problems]
    assert dict(excluded) == table.summary.rejected


REAL = Path(__file__).resolve().parents[1] / "data" / "annotations" / "labelstudio-1.23"


def _judgements(table) -> list[tuple[str, str, str]]:
    labels = [table.labels[c] for c in table.label]
    return sorted(zip([table.items[c] for c in table.item],
                      [table.annotators[c] for c in table.annotator], labels))


@pytest.mark.parametrize("project, task, expected", [
    ("sentiment", None, [("1", "1", "positive"), ("1", "2", "positive"), ("1", "3", "Neutral"),
                         ("2", "1", "Negative"), ("2", "2", "Negative"), ("3", "1", "Neutral"),
                         ("3", "2", "positive"), ("4", "1", "Neutral")]),
    ("topics", "topics", [("6", "1", "Delivery;Price"), ("6", "2", "Price"),
                          ("7", "1", "Delivery;Quality"), ("7", "3", "Delivery;Quality"),
                          ("8", "2", "Quality")]),
    ("topics", "quality", [("6", "1", "4"), ("6", "2", "4"), ("7", "1", "3"), ("7", "3", "2"),
                           ("8", "3", "5")]),
    ("kinds", None, [("msg-001", "1", "Delivery"), ("msg-001", "2", "Delivery"),
                     ("msg-002", "1", "Praise"), ("msg-002", "3", "Praise")]),
])
@pytest.mark.parametrize("export", [".json", ".all-tasks.json", ".min.json", ".csv", ".tsv"])
def test_real_label_studio_1_23_exports_give_the_same_judgements_in_every_format(
        project: str, task: str | None, expected: list, export: str) -> None:
    t = read_annotations([REAL / f"{project}{export}"], task=task, input_format="labelstudio")
    assert _judgements(t) == expected
    assert t.summary.read == t.summary.used + sum(t.summary.rejected.values())
    assert all(p.severity == "warning" for p in t.problems)


def test_real_exports_say_what_each_leaves_out() -> None:
    # only JSON has the cancelled annotation; JSON-MIN and CSV never saw it
    json_export = read_annotations([REAL / "sentiment.json"])
    assert json_export.summary.rejected == {"skipped (cancelled or empty)": 1}
    assert "task 3 annotation 3 was cancelled" in json_export.problems[0].message
    assert read_annotations([REAL / "sentiment.csv"]).summary.rejected == {}
    # a topic without a rating is no rating judgement: counted, and said
    quality = read_annotations([REAL / "topics.min.json"], task="quality")
    assert quality.summary.rejected == {"skipped (cancelled or empty)": 1}
    assert quality.problems[0].message == "record 6: no answer for 'quality'"


def test_a_5000_digit_number_in_an_export_is_kept_with_a_warning(tmp_path: Path) -> None:
    tasks = json.loads((REAL / "sentiment.json").read_text())
    tasks[0]["annotations"][0]["lead_time"] = 0  # replaced below by 5,000 digits
    text = json.dumps(tasks, indent=1).replace('"lead_time": 0', '"lead_time": ' + "9" * 5000, 1)
    path = tmp_path / "long.json"
    path.write_text(text)
    t = read_annotations([path])
    assert len(t) == 8
    long = [p for p in t.problems if p.code == "ANN016"]
    line = text[:text.index("9" * 5000)].count("\n") + 1
    assert [(p.line, p.message[:28]) for p in long] == [(line, "a number of 5,000 digits (mo")]


def test_a_json_object_that_is_no_export_is_named(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"foo": 1, "bar": [2]}')
    with pytest.raises(DataError, match=r"settings.json: holds one JSON object \(keys: 'foo', "
                                        r"'bar'\), not a list of tasks"):
        read_annotations([path])
    one_task = tmp_path / "task.json"
    one_task.write_text(json.dumps(json.loads((REAL / "sentiment.json").read_text())[1]))
    assert len(read_annotations([one_task])) == 2  # one task, as the API returns it


def test_an_export_without_annotations_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert [p.message for p in read_annotations([empty]).problems] == [
        "no annotation records in the file"]
    for text in ("", " \n", "\ufeff"):  # not "not valid JSON (Expecting value ...)"
        empty.write_text(text, encoding="utf-8")
        assert [p.message for p in read_annotations([empty]).problems] == ["the file is empty"]
    unannotated = tmp_path / "unannotated.json"
    unannotated.write_text(json.dumps([json.loads((REAL / "sentiment.all-tasks.json")
                                                  .read_text())[4]]))
    assert [p.message for p in read_annotations([unannotated]).problems] == [
        "1 task(s), none with an annotation: nothing to read (Label Studio exports unannotated "
        "tasks only when asked to)"]


def test_found_by_fuzzing_counts_stay_whole_and_odd_values_are_no_type_errors(
        tmp_path: Path) -> None:
    # an export whose answer column cannot be told, with a malformed row: every row counted
    # once (the CSV rows were counted again as missing their columns)
    path = tmp_path / "export.csv"
    path.write_text("annotation_id,annotator,id,sentiment,text\n1,a,1,pos,t1\n"
                    "2,a,2,neg,t2,EXTRA\n3,a,3,pos,t3\n")
    t = read_annotations([path])
    assert t.summary.rejected == {"malformed-record": 1, "missing-column": 2}
    assert t.summary.read == 3 and t.summary.used == 0
    # a result whose `type` is an object, and a record with a lone surrogate
    tasks = json.loads((REAL / "sentiment.json").read_text())
    tasks[0]["annotations"][0]["result"][0]["type"] = {"choices": 1}
    tasks[1]["annotations"][0]["result"][0]["value"]["choices"] = ["Neg\ud800"]
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(tasks))
    t = read_annotations([odd])
    assert len(t) == 6
    assert t.summary.read == t.summary.used + sum(t.summary.rejected.values())
    assert "lone UTF-16 surrogate" in " ".join(p.message for p in t.problems)


def test_a_column_repeated_in_an_export_is_named_alone(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    text = (REAL / "sentiment.csv").read_text()
    path.write_text(text.replace('"text"', '"lead_time"', 1))
    with pytest.raises(DataError, match=r"export.csv: column\(s\) lead_time appear more than "
                                        r"once in the header$"):
        read_annotations([path])


@pytest.mark.parametrize("nesting", ["[" * 30_000 + "]" * 30_000,
                                     '[{"id": 1, "data": ' + '{"a": ' * 30_000 + "1" + "}" * 30_001 + "]"])
def test_an_export_nested_30000_deep_is_a_clear_error_not_a_crash(tmp_path: Path, read_in_child,
                                                                  nesting: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nesting)
    out = read_in_child(path)
    assert out == {"error": f"{path}: JSON nested too deeply (more than about 1,000 levels) "
                            "to be an export"}
