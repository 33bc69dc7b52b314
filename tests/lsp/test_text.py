"""TextIndex: parser marks, offsets and client positions (UTF-16 by default) agree."""

from __future__ import annotations

import pytest

from guidelines_tool.lsp.syntax import outline
from guidelines_tool.lsp.text import UTF8, UTF16, UTF32, Pos, TextIndex


def test_ascii_text_maps_one_to_one():
    index = TextIndex("a: 1\nbb: 2\n")
    assert index.offset_of_mark(1, 4) == 9
    assert index.position(9) == Pos(1, 4)
    assert index.offset(1, 4) == 9
    assert index.mark_of_offset(9) == (1, 4)


@pytest.mark.parametrize(("encoding", "units"), [(UTF16, 3), (UTF8, 6), (UTF32, 2)])
def test_columns_in_the_clients_code_units(encoding, units):
    index = TextIndex("x: 😀é\n", encoding)  # 😀 is 2 UTF-16 units, 4 UTF-8 bytes; é is 1 / 2
    assert index.position(5) == Pos(0, 3 + units)
    assert index.offset(0, 3 + units) == 5


def test_a_position_inside_a_surrogate_pair_or_past_the_line_end_clamps():
    index = TextIndex("😀a\nb\n")
    assert index.offset(0, 1) == 1  # within 😀: the next character boundary
    assert index.offset(0, 99) == 2  # past the end: the end of the line, not the next line
    assert index.offset(9, 0) == len(index.text)


def test_crlf_and_lone_cr_are_one_break_each():
    index = TextIndex("a: 1\r\nb: 2\rc: 3\n")
    assert index.position(index.offset_of_mark(2, 3)) == Pos(2, 3)
    assert index.line_text(0) == "a: 1"


def test_breaks_only_the_parser_counts():
    """U+2028 (and NEL, PS) break a line for the parser, not for the client."""
    text = "a: 'x\u2028y'\nb: 2\n"
    index = TextIndex(text)
    node = outline(text).values[("b",)]
    start = index.offset_of_mark(*node.start)
    assert text[start] == "2"
    assert index.position(start) == Pos(1, 3)


def test_a_byte_order_mark_is_skipped_by_the_parser_but_shown_by_the_client():
    text = "\ufeffkind: rule\nid: X\n"
    index = TextIndex(text)
    node = outline(text).values[("kind",)]
    assert text[index.offset_of_mark(*node.start):].startswith("rule")
    assert index.position(index.offset_of_mark(0, 0)) == Pos(0, 1)
