"""Annotation tools' own export files (Label Studio JSON / JSON-MIN / CSV, Prodigy JSONL), in
the shapes those tools write, read into the same table as long-format records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guidelines_tool.annotations import EMPTY_SET_LABEL, read_annotations
from tests.test_annotations import DATA, codes, make_project


def rows(table) -> list[tuple]:
    return list(zip(codes(table, "item"), codes(table, "annotator"), codes(table, "label")))


def test_labelstudio_json_min_one_record_per_annotation() -> None:
    t = read_annotations([DATA / "labelstudio_min.json"])
    # `sentiment` differs between two annotators of task 12; `text` (task data) never does
    assert rows(t) == [("11", "alice@example.com", "Positive"), ("11", "bob@example.com", "Positive"),
                       ("12", "alice@example.com", "Negative"), ("12", "bob@example.com", "Neutral")]
    assert str(t.annotated_at[0]) == "2024-03-09T21:52:49.513742"
    assert t.summary.read == 5 and t.summary.used == 4
    assert t.summary.rejected == {"skipped (no annotation)": 1}  # task 13: nobody annotated it
    assert [p.message for p in t.problems] == ["record 5: task 13 has no annotation"]


def test_labelstudio_csv_export_with_multi_choice_json_and_quoted_newlines() -> None:
    t = read_annotations([DATA / "labelstudio_export.csv"])
    assert t.multi_label  # a multi-choice answer is JSON text: {"choices": [...]}
    assert rows(t) == [("21", "alice@example.com", "billing;shipping"),
                       ("21", "bob@example.com", "billing"),
                       ("22", "alice@example.com", "shipping"), ("22", "bob@example.com", "shipping")]
    assert t.line.tolist() == [2, 4, 6, 8]  # the text spans two lines in task 21's rows
    assert t.summary.rejected == {"skipped (cancelled or empty)": 1}
    assert [(p.line, p.name) for p in t.problems] == [(7, "skipped")]


def test_json_min_answer_column_chosen_by_the_task_name_or_its_labels(tmp_path: Path) -> None:
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


def test_labelstudio_legacy_completions_skipped_and_user_objects() -> None:
    t = read_annotations([DATA / "labelstudio_legacy.json"])
    assert rows(t) == [("31", "7", "Negative"), ("31", "9", "Negative")]  # id of the user object
    assert str(t.annotated_at[0]) == "2024-03-09T16:00:00.000000"  # Unix seconds
    assert codes(t, "batch") == ["b1", "b1"]
    assert t.summary.rejected == {"skipped (cancelled or empty)": 1}


def test_labelstudio_several_controls_need_a_choice_and_drafts_are_no_judgements() -> None:
    path = DATA / "labelstudio_controls.json"
    t = read_annotations([path], task="topic")
    assert rows(t) == [("41", "1", "Travel"), ("41", "2", "Travel")]  # taxonomy: the leaf
    assert codes(t, "guideline_rev") == ["v1.2.0", "v1.2.0"]  # task meta
    assert t.summary.rejected == {"other-control": 2}
    assert "control(s) quality set aside" in t.problems[0].message
    q = read_annotations([path], task="quality")
    assert codes(q, "label") == ["4", "3"]  # a rating is a number
    with pytest.raises(Exception, match=r"several tasks \(quality, topic\)"):
        read_annotations([path])


def test_prodigy_multi_choice_empty_accept_is_the_empty_set() -> None:
    t = read_annotations([DATA / "prodigy_multi.jsonl"])
    assert t.multi_label
    assert rows(t) == [("-1290", "news-alice", "SPORTS;TRAVEL"), ("-1290", "news-bob", "TRAVEL"),
                       ("4410", "news-alice", EMPTY_SET_LABEL), ("772", "news-carol", EMPTY_SET_LABEL)]
    assert [(p.line, p.name) for p in t.problems] == [
        (4, "malformed-record"), (6, "skipped"), (7, "skipped")]
    assert t.summary.read == 7 and t.summary.used == 4  # the trailing blank lines are no records
    ratings = t.ratings()
    assert EMPTY_SET_LABEL in ratings.categories


def test_prodigy_empty_accept_in_a_single_label_task_is_rejected_with_its_reason(tmp_path) -> None:
    lines = [{"text": "x", "accept": ["A"], "answer": "accept", "_input_hash": 1, "_session_id": "s-a"},
             {"text": "x", "accept": [], "answer": "accept", "_input_hash": 1, "_session_id": "s-b"}]
    path = tmp_path / "single.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    t = read_annotations([path])
    assert rows(t) == [("1", "s-a", "A")]
    assert t.summary.rejected == {"no-choice": 1}
    assert "none of these" in t.problems[0].message and t.problems[0].line == 2


ROBUST = DATA / "robust"
CASES = json.loads((ROBUST / "cases.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_files_as_tools_and_spreadsheets_write_them(name: str) -> None:
    """BOM, CRLF, quoted newlines, Excel's `sep=` line, decimal commas, Parquet dictionary and
    large_string columns, JSONL with a bad line in the middle or trailing blank lines."""
    case = CASES[name]
    t = read_annotations([ROBUST / name])
    assert [list(r) for r in rows(t)] == case["rows"]
    assert t.line.tolist() == case["lines"]
    assert [[p.line, p.code] for p in t.problems] == case["problems"]
    assert (t.summary.read, t.summary.rejected) == (case["read"], case["rejected"])
    assert t.summary.read == t.summary.used + sum(t.summary.rejected.values())


def test_prodigy_recognised_by_session_ids_even_with_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "binary.jsonl"
    path.write_text(
        '{"text": "a", "label": "X", "answer": "accept", "_session_id": "d-alice", "_task_hash": 5}\n'
        '{"text": "a", "label": "X", "answer": "reject", "_session_id": "d-bob"\n'
        '{"text": "a", "label": "X", "answer": "reject", "_session_id": "d-bob", "_task_hash": 5}\n')
    t = read_annotations([path])
    assert rows(t) == [("5", "d-alice", "accept"), ("5", "d-bob", "reject")]
    assert [(p.line, p.code) for p in t.problems] == [(2, "ANN009")]


def test_labelstudio_control_chosen_by_the_project_tasks_labels(tmp_path: Path) -> None:
    # the project's task is not named like either control: its labels pick `topic`
    project = make_project(tmp_path, {"subject": (["Travel", "Sport"], "nominal", False)})
    t = read_annotations([DATA / "labelstudio_controls.json"], project=project)
    assert t.task_id == "subject"
    assert rows(t) == [("41", "1", "Travel"), ("41", "2", "Travel")]
    assert t.summary.rejected == {"other-control": 2}


@pytest.mark.parametrize("name, fmt, pairable", [("labelstudio_min.json", None, 2),
                                                 ("labelstudio_export.csv", "labelstudio", 2),
                                                 ("prodigy_multi.jsonl", "prodigy", 1)])
def test_agreement_runs_on_tool_exports(tmp_path: Path, monkeypatch, name: str, fmt,
                                        pairable: int) -> None:
    from click.testing import CliRunner

    from guidelines_tool.cli import cli

    monkeypatch.chdir(tmp_path)  # no project
    args = ["agreement", str(DATA / name), "--format", "json", "--bootstrap", "0"]
    result = CliRunner().invoke(cli, args + (["--input-format", fmt] if fmt else []))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["overall"]["n_pairable_items"] == pairable
    assert report["read"]["read"] == report["read"]["used"] + sum(report["read"]["rejected"].values())


def test_impact_window_counts_a_relabelling_annotator_once() -> None:
    import numpy as np

    from guidelines_tool.impact import TaskAnnotations, Window, window_ratings

    # item 0: annotator 0 said a (rev at position 1), then b (position 2); annotator 1 said b
    data = TaskAnnotations.build(
        np.array([0, 0, 0, 1, 1]), np.array([0, 1, 0, 0, 1]), np.array([0, 1, 1, 0, 0]),
        np.array([1, 1, 2, 1, 1]), ("a", "b"))
    ratings = window_ratings(data, data.rows(Window(0, 3)))
    assert ratings.n_ratings == 4
    pairs = sorted(zip(ratings.item.tolist(), ratings.annotator.tolist(), ratings.value.tolist()))
    assert pairs == [(0, 0, 1), (0, 1, 1), (1, 0, 0), (1, 1, 0)]


def test_json_min_with_full_agreement_takes_the_only_column_repeating_across_tasks(
        tmp_path: Path) -> None:
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


def test_hotspots_on_relabelled_data_use_the_latest_judgements(tmp_path: Path) -> None:
    from guidelines_tool.hotspots import hotspots

    lines = ["item,annotator,label,guideline_rev,rules"]
    for i in range(12):
        lines += [f"i{i},a,x,v1,R-1", f"i{i},b,{'x' if i % 3 else 'y'},v1,R-1"]
    lines += [f"i{i},a,y,v2,R-2" for i in range(0, 12, 3)]  # a agrees with b after the change
    path = tmp_path / "relabel.csv"
    path.write_text("\n".join(lines) + "\n")
    project = make_project(tmp_path, {"t": (["x", "y"], "nominal", False)})
    table = read_annotations([path], project=project)
    assert table.summary.relabelled == 4 and len(table) == 28
    pooled = table.pooled()
    assert len(pooled) == 24 and pooled.ratings().n_ratings == 24
    report = hotspots(project, table)
    assert report.alpha == pytest.approx(1.0)  # nobody disagrees once a's v1 labels are replaced


def test_prodigy_span_records_are_skipped_not_read_as_accept(tmp_path: Path) -> None:
    path = tmp_path / "ner.jsonl"
    path.write_text(
        '{"text": "Anna in Rome", "spans": [{"start": 0, "end": 4, "label": "PERSON"}], '
        '"answer": "accept", "_input_hash": 1, "_task_hash": 2, "_session_id": "ner-a"}\n'
        '{"text": "Anna in Rome", "label": "PERSON", "answer": "accept", "_input_hash": 1, '
        '"_session_id": "ner-b"}\n')
    t = read_annotations([path])
    assert rows(t) == [("1", "ner-b", "accept")]
    assert t.summary.rejected == {"skipped (not a classification)": 1}


def test_spreadsheet_encodings(tmp_path: Path) -> None:
    utf16 = tmp_path / "unicode.txt"
    utf16.write_text("item\tannotator\tlabel\r\ni1\tJosé\tx\r\ni1\tb\ty\r\n", encoding="utf-16")
    t = read_annotations([utf16], input_format="csv")
    assert rows(t) == [("i1", "José", "x"), ("i1", "b", "y")] and t.line.tolist() == [2, 3]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("item,annotator,label\ni1,José,x\n".encode("latin-1"))
    with pytest.raises(Exception, match='not UTF-8.*"CSV UTF-8"'):
        read_annotations([latin])


def test_impact_reads_a_judgement_repeated_at_another_time_as_a_relabel(tmp_path: Path) -> None:
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
