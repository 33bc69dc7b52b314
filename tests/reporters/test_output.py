"""`md_cell`: text from YAML and data files inside a Markdown table cell stays one cell of one row
and shows as written. Each character it escapes has a case that breaks without the escape,
rendered by Python-Markdown (MkDocs' renderer) with its `tables` extension."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import markdown
import pytest

from guidelines_tool.reporters import output
from guidelines_tool.reporters.output import md_cell

# character -> its escape, and a text in which the raw character would change the table
ESCAPES = {
    "|": ("\\|", "yes|no"),  # would end the cell
    "\\": ("\\\\", "C:\\|x"),  # would escape the next character: here the pipe's own escape
    "`": ("\\`", "`a|b`"),  # would open a code span
    "&": ("&amp;", "&lt;b&gt; is markup"),  # would start an entity
    "<": ("&lt;", "<b>bold</b>"),  # would open raw HTML
    ">": ("&gt;", "a <b> tag"),  # closes what `<` opened: escaped for the same reason
    "\r": (" ", "one\rtwo"),  # would end the row
    "\n": (" ", "one\ntwo"),  # would end the row
}


def cells(markdown_text: str) -> list[list[ET.Element]]:
    """The body rows of the one table Python-Markdown renders, as lists of <td> elements."""
    html = markdown.markdown(markdown_text, extensions=["tables"])
    table = ET.fromstring(f"<div>{html}</div>").find("table")
    assert table is not None, html
    return [list(row) for row in table.find("tbody")]


def rendered(cell: str) -> list[list[ET.Element]]:
    return cells(f"| text | next |\n|---|---|\n| {cell} | end |\n")


@pytest.mark.parametrize("char", ESCAPES, ids=[repr(c) for c in ESCAPES])
def test_each_character_has_its_escape(char):
    assert md_cell(char) == ESCAPES[char][0]


@pytest.mark.parametrize("char", ESCAPES, ids=[repr(c) for c in ESCAPES])
def test_the_text_shows_as_written_in_one_cell_of_one_row(char):
    text = ESCAPES[char][1]
    rows = rendered(md_cell(text))
    assert len(rows) == 1 and len(rows[0]) == 2
    cell = rows[0][0]
    assert len(cell) == 0, "no element (code, raw HTML) inside the cell"
    assert cell.text == text.replace("\r", " ").replace("\n", " ")
    assert rows[0][1].text == "end"


# `<` and `>` guard each other (a tag needs both), so they are left raw together
RAW = [("|",), ("\\",), ("`",), ("&",), ("<", ">"), ("\r",), ("\n",)]


@pytest.mark.parametrize("raw", RAW, ids=repr)
def test_without_the_escape_the_table_changes(raw):
    """The cases above are not vacuous: leaving a character raw changes what is shown."""
    text = ESCAPES[raw[0]][1]
    unescaped = text.translate({ord(c): e for c, (e, _) in ESCAPES.items() if c not in raw})
    try:
        rows = rendered(unescaped)
    except (AssertionError, ET.ParseError):
        return  # the table itself broke
    shown = rows[0][0] if rows and rows[0] else None
    assert (len(rows) != 1 or len(rows[0]) != 2 or len(shown) > 0
            or shown.text != text.replace("\r", " ").replace("\n", " "))


def test_plain_text_is_untouched_and_nothing_is_escaped_twice():
    assert md_cell("PPS-004: the product (not the box) wins — 90 %") == "PPS-004: the product (not the box) wins — 90 %"
    assert md_cell("&amp;") == "&amp;amp;"
    assert md_cell("\\|") == "\\\\\\|"


def test_md_cell_is_the_only_markdown_escaper():
    """Every reporter escapes table text through md_cell: no second set of rules."""
    for path in sorted(Path(output.__file__).parent.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        if path.name == "output.py":
            continue
        assert not re.search(r'html\.escape|replace\("\|"|replace\("<"', source), path.name
