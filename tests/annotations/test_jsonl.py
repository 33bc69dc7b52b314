"""JSON Lines: label lists, blank and malformed lines, integer ids beyond float precision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from guidelines_tool.annotations import read_annotations


def test_jsonl_lists_are_multi_label_and_blank_lines_keep_numbering(annotation_data: Path,
                                                                    codes: Callable) -> None:
    t = read_annotations([annotation_data / "good.jsonl"])
    assert t.multi_label
    assert codes(t, "label") == ["ads;spam", "ads", "spam"]
    assert [t.label_sets[c] for c in t.label] == [("ads", "spam"), ("ads",), ("spam",)]
    assert t.line.tolist() == [1, 2, 5]  # the empty list on line 4 is an empty label
    assert [p.line for p in t.problems] == [4]
    assert t.rule_sets[t.rules[-1]] == ("R-1", "R-2")
    assert t.label_mask("ads").tolist() == [True, True, False]


def test_malformed_jsonl(annotation_data: Path, codes: Callable) -> None:
    t = read_annotations([annotation_data / "malformed.jsonl"])
    assert [(p.line, p.code) for p in t.problems] == [
        (2, "ANN009"), (3, "ANN009"), (4, "ANN004")]
    assert codes(t, "item") == ["1", "2"]  # numbers become ids
    assert t.summary.read == 5 and t.summary.used == 2


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
