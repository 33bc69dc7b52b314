"""Prodigy JSONL: binary and choice answers, the empty choice, sessions, span records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from guidelines_tool.annotations import EMPTY_SET_LABEL, read_annotations


def test_prodigy_choice_and_binary(annotation_data: Path, codes: Callable) -> None:
    t = read_annotations([annotation_data / "prodigy_choice.jsonl"])
    assert codes(t, "item") == ["1001", "1001", "doc-7"]
    assert codes(t, "annotator") == ["news-alice", "news-bob", "news-alice"]
    assert codes(t, "label") == ["TRAVEL", "TRAVEL", "SPORTS"]
    assert str(t.annotated_at[0]).startswith("2026-09-21")
    assert [(p.line, p.code) for p in t.problems] == [(4, "ANN011"), (5, "ANN009")]
    b = read_annotations([annotation_data / "prodigy_binary.jsonl"], input_format="prodigy")
    assert codes(b, "label") == ["accept", "accept", "reject", "accept"]
    assert codes(b, "annotator") == ["ds-alice", "ds-bob", "ds-alice", "ds-bob"]


def test_prodigy_multi_choice_empty_accept_is_the_empty_set(annotation_data: Path,
                                                            rows: Callable) -> None:
    t = read_annotations([annotation_data / "prodigy_multi.jsonl"])
    assert t.multi_label
    assert rows(t) == [("-1290", "news-alice", "SPORTS;TRAVEL"), ("-1290", "news-bob", "TRAVEL"),
                       ("4410", "news-alice", EMPTY_SET_LABEL), ("772", "news-carol", EMPTY_SET_LABEL)]
    assert [(p.line, p.name) for p in t.problems] == [
        (4, "malformed-record"), (6, "skipped"), (7, "skipped")]
    assert t.summary.read == 7 and t.summary.used == 4  # the trailing blank lines are no records
    ratings = t.ratings()
    assert EMPTY_SET_LABEL in ratings.categories


def test_prodigy_empty_accept_in_a_single_label_task_is_rejected_with_its_reason(
        tmp_path, rows: Callable) -> None:
    lines = [{"text": "x", "accept": ["A"], "answer": "accept", "_input_hash": 1, "_session_id": "s-a"},
             {"text": "x", "accept": [], "answer": "accept", "_input_hash": 1, "_session_id": "s-b"}]
    path = tmp_path / "single.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    t = read_annotations([path])
    assert rows(t) == [("1", "s-a", "A")]
    assert t.summary.rejected == {"no-choice": 1}
    assert "none of these" in t.problems[0].message and t.problems[0].line == 2


def test_prodigy_recognised_by_session_ids_even_with_a_broken_line(tmp_path: Path,
                                                                   rows: Callable) -> None:
    path = tmp_path / "binary.jsonl"
    path.write_text(
        '{"text": "a", "label": "X", "answer": "accept", "_session_id": "d-alice", "_task_hash": 5}\n'
        '{"text": "a", "label": "X", "answer": "reject", "_session_id": "d-bob"\n'
        '{"text": "a", "label": "X", "answer": "reject", "_session_id": "d-bob", "_task_hash": 5}\n')
    t = read_annotations([path])
    assert rows(t) == [("5", "d-alice", "accept"), ("5", "d-bob", "reject")]
    assert [(p.line, p.code) for p in t.problems] == [(2, "ANN009")]


def test_prodigy_span_records_are_skipped_not_read_as_accept(tmp_path: Path,
                                                             rows: Callable) -> None:
    path = tmp_path / "ner.jsonl"
    path.write_text(
        '{"text": "Anna in Rome", "spans": [{"start": 0, "end": 4, "label": "PERSON"}], '
        '"answer": "accept", "_input_hash": 1, "_task_hash": 2, "_session_id": "ner-a"}\n'
        '{"text": "Anna in Rome", "label": "PERSON", "answer": "accept", "_input_hash": 1, '
        '"_session_id": "ner-b"}\n')
    t = read_annotations([path])
    assert rows(t) == [("1", "ner-b", "accept")]
    assert t.summary.rejected == {"skipped (not a classification)": 1}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_null_input_hash_and_a_list_label_are_findings_not_type_errors(tmp_path: Path,
                                                                         rows: Callable) -> None:
    base = {"text": "t", "answer": "accept", "_input_hash": None, "_task_hash": 7}
    path = _write(tmp_path / "odd.jsonl", [
        dict(base, label="X", _session_id="s-a"),
        dict(base, label=["X", "Y"], _session_id="s-b"),  # unhashable: TypeError before
        dict(base, label={"id": "X"}, _session_id="s-c"),
        dict(base, label="X", _session_id="s-d", _task_hash=None),  # no item id at all
        dict(base, accept={"X": True}, _session_id="s-e"),
    ])
    for input_format in ("prodigy", None):
        t = read_annotations([path], input_format=input_format)
        assert rows(t) == [("7", "s-a", "accept")]
        assert [(p.line, p.code) for p in t.problems] == [
            (2, "ANN009"), (3, "ANN009"), (4, "ANN003"), (5, "ANN009")]
        assert "`label` is ['X', 'Y']: a binary answer's label is one text" in \
            t.problems[0].message
        assert "no item id: `meta.id`, `id`, `_input_hash` and `_task_hash`" in \
            t.problems[2].message
        assert t.summary.read == 5 and t.summary.used == 1


def test_an_empty_accept_says_how_it_is_counted(tmp_path: Path, rows: Callable) -> None:
    # "accept with nothing chosen" is no label: in a single-label task it is left out of the
    # figures, counted under its own reason (not as an empty label)
    path = _write(tmp_path / "none.jsonl", [
        {"text": "x", "accept": ["A"], "answer": "accept", "_input_hash": 1, "_session_id": "s-a"},
        {"text": "x", "accept": [], "answer": "accept", "_input_hash": 1, "_session_id": "s-b"}])
    t = read_annotations([path])
    assert t.summary.rejected == {"no-choice": 1} and "empty-label" not in t.summary.rejected
    assert t.problems[0].message.endswith(
        "row left out of the figures, counted as no-choice in the read summary")


def test_a_line_nested_20000_deep_is_a_finding_and_the_rest_is_read(tmp_path: Path,
                                                                     read_in_child) -> None:
    good = {"_input_hash": 1, "_annotator_id": "s-a", "answer": "accept", "label": "X"}
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "_annotator_id": "s-b"})[:-1]
                    + ', "meta": ' + "[" * 20_000 + "]" * 20_000 + "}\n")
    out = read_in_child(path, "prodigy")
    assert out["rows"] == [["1", "s-a", "accept"]]
    assert [p[:2] for p in out["problems"]] == [[2, "ANN009"]]
    assert "nested too deeply" in out["problems"][0][2]
