"""JSON Lines: label lists, blank and malformed lines, integer ids beyond float precision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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


GOOD_LINES = ('{"item": "p1", "annotator": "a", "label": "x"}\n'
              '{"item": "p1", "annotator": "b", "label": "x"}\n')


@pytest.mark.parametrize("nesting", [
    '"label": "x", "x": ' + "[" * 20_000 + "]" * 20_000,  # arrays: pyarrow crashed (SIGSEGV)
    '"label": "x", "x": ' + '{"a": ' * 20_000 + "1" + "}" * 20_000,  # objects too
])
def test_a_line_nested_20000_deep_is_a_finding_not_a_crash(tmp_path: Path, read_in_child,
                                                           nesting: str) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(GOOD_LINES + '{"item": "p2", "annotator": "a", ' + nesting + "}\n")
    out = read_in_child(path)
    assert out["rows"] == [["p1", "a", "x"], ["p1", "b", "x"]] and out["lines"] == [1, 2]
    assert [p[:2] for p in out["problems"]] == [[3, "ANN009"]]
    assert "nested too deeply" in out["problems"][0][2]


@pytest.mark.parametrize("line", ["null", "  null", "nullx", 'null {"item": "p2"}'])
def test_a_line_starting_with_null_is_a_finding_not_a_crash(tmp_path: Path, read_in_child,
                                                            line: str) -> None:
    # found by fuzzing: pyarrow's JSON reader crashes (SIGSEGV) on a block whose first value
    # is null, whatever follows; the first line always starts a block
    path = tmp_path / "null.jsonl"
    path.write_text(line + "\n" + GOOD_LINES)
    out = read_in_child(path)
    assert out["rows"] == [["p1", "a", "x"], ["p1", "b", "x"]] and out["lines"] == [2, 3]
    assert [p[:2] for p in out["problems"]] == [[1, "ANN009"]]


def test_thousands_of_distinct_keys_do_not_make_the_read_quadratic(tmp_path: Path,
                                                                   read_in_child) -> None:
    # pyarrow infers a column per key: 20,000 lines with one new key each took over 3 minutes
    path = tmp_path / "keys.jsonl"
    path.write_text("".join(f'{{"item": "p{i // 2}", "annotator": "a{i % 2}", "label": "x", '
                            f'"extra_{i}": 1}}\n' for i in range(20_000)))
    out = read_in_child(path, timeout=90)
    assert out["summary"]["used"] == 20_000 and out["lines"][-1] == 20_000


def test_a_5000_digit_number_is_kept_as_its_digits_with_a_warning(tmp_path: Path,
                                                                  rows: Callable) -> None:
    path = tmp_path / "long.jsonl"
    digits = "7" * 5000
    path.write_text(GOOD_LINES + f'{{"item": {digits}, "annotator": "a", "label": "x"}}\n')
    t = read_annotations([path])
    assert rows(t)[-1] == (digits, "a", "x")
    assert [(p.line, p.code) for p in t.problems] == [(3, "ANN016")]
    assert "5,000 digits" in t.problems[0].message
    prodigy = tmp_path / "prodigy.jsonl"
    prodigy.write_text(f'{{"text": "t", "label": "X", "answer": "accept", "_input_hash": {digits},'
                       f' "_session_id": "s-a", "_timestamp": {digits}}}\n')
    p = read_annotations([prodigy])
    assert rows(p) == [(digits, "s-a", "accept")]
    assert [(f.line, f.code) for f in p.problems] == [(1, "ANN010"), (1, "ANN016")]


def test_lines_end_at_lf_crlf_or_a_lone_cr_and_u2028_ends_none(tmp_path: Path,
                                                                rows: Callable) -> None:
    path = tmp_path / "endings.jsonl"
    path.write_bytes(b'{"item": "p1", "annotator": "a", "label": "x"}\r'
                     b'{"item": "p1", "annotator": "b", "label": "x"}\r\n\r'
                     + '{"item": "p2", "annotator": "a", "label": "x\u2028y"}\n'.encode())
    t = read_annotations([path])
    assert rows(t) == [("p1", "a", "x"), ("p1", "b", "x"), ("p2", "a", "x\u2028y")]
    assert t.line.tolist() == [1, 2, 4] and not t.problems


def test_a_lone_surrogate_rejects_its_record(tmp_path: Path, rows: Callable) -> None:
    path = tmp_path / "surrogate.jsonl"
    path.write_text(GOOD_LINES + '{"item": "p\\ud800", "annotator": "a", "label": "x"}\n')
    t = read_annotations([path])
    assert rows(t) == [("p1", "a", "x"), ("p1", "b", "x")]
    assert [(p.line, p.code) for p in t.problems] == [(3, "ANN009")]
    assert "lone UTF-16 surrogate" in t.problems[0].message
    assert t.summary.read == 3 and t.summary.rejected == {"malformed-record": 1}


def test_a_line_that_is_not_utf8_is_a_finding_and_the_rest_is_read(tmp_path: Path,
                                                                     rows: Callable) -> None:
    # found by fuzzing: pyarrow's JSON reader lets invalid UTF-8 through, and the first use of
    # the value failed with UnicodeDecodeError
    path = tmp_path / "latin.jsonl"
    path.write_bytes(GOOD_LINES.encode() + '{"item": "p2", "annotator": "José", "label": "x"}\n'
                     .encode("latin-1"))
    t = read_annotations([path])
    assert rows(t) == [("p1", "a", "x"), ("p1", "b", "x")]
    assert [(p.line, p.code, p.message) for p in t.problems] == [
        (3, "ANN009", "not UTF-8 text (byte 0xe9 at column 33); line skipped")]
