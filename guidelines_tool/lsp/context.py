"""What the cursor is on: a key or a value, at which pointer — also while the text is half typed.

For completion the document is usually broken (`labels: [prod`, a key without its colon yet).
The word at the cursor is replaced by a marker and the text parsed again; where the marker lands
(`syntax.outline`) says where the cursor is. If that does not parse, the marker is tried as a key
(`marker: `), then with the rest of the document cut off after the cursor's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from guidelines_tool.lsp.syntax import Node, Outline, outline
from guidelines_tool.lsp.text import TextIndex

MARKER = "GuidelinesCursor7f3a"
_STOP = " \t\r\n,[]{}:#'\"\x85\u2028\u2029"


@dataclass(frozen=True)
class Place:
    """Where completion happens: the pointer of the value (for a key: the pointer it would have)."""

    pointer: tuple
    role: Literal["key", "value"]
    prefix: str  # what is typed of the word so far
    start: int  # offsets of the word the completion replaces
    end: int
    column: int  # column (characters) where the word starts on its line
    line_start: bool  # the word is the first thing on its line (after indentation and `- `)
    present: frozenset = frozenset()  # keys the enclosing mapping already has (role "key")
    after_colon: bool = False  # the cursor sits right after `key:` with no space yet


def word_bounds(text: str, offset: int) -> tuple[int, int]:
    start = offset
    while start > 0 and text[start - 1] not in _STOP:
        start -= 1
    end = offset
    while end < len(text) and text[end] not in _STOP:
        end += 1
    return start, end


def place_at(text: str, offset: int) -> Place | None:
    """The completion place at `offset`, or None where nothing can be said."""
    offset = max(0, min(offset, len(text)))
    start, end = word_bounds(text, offset)
    after_colon = start > 0 and text[start - 1] == ":"
    head, tail = text[:start] + (" " if after_colon else ""), text[end:]
    line_end = _line_end(text, end)
    for probe in (head + MARKER + tail, head + MARKER + ": " + tail,
                  head + MARKER + text[end:line_end], head + MARKER + ": " + text[end:line_end]):
        found = _find_marker(outline(probe), TextIndex(probe).mark_of_offset(len(head))[0])
        if found is not None:
            node, view = found
            return _place(text, node, view, start, end, offset, after_colon)
    return None


def _find_marker(view: Outline, line: int) -> tuple[Node, Outline] | None:
    for node in (*view.keys.values(), *view.values.values()):
        if node.kind == "scalar" and MARKER in node.text and (node.text.strip() == MARKER or node.start[0] == line):
            return node, view
    return None


def _place(text: str, node: Node, view: Outline, start: int, end: int, offset: int, after_colon: bool) -> Place:
    line_begin = text.rfind("\n", 0, start) + 1
    before = text[line_begin:start].strip()
    line_start = before in ("", "-") or set(before) <= {"-", " "}
    if node.is_key:
        mapping = node.pointer[:-1]
        present = frozenset(p[-1] for p in view.keys if p[:-1] == mapping and p[-1] != MARKER and isinstance(p[-1], str))
        return Place(mapping, "key", text[start:offset], start, end, start - line_begin, line_start, present, after_colon)
    return Place(node.pointer, "value", text[start:offset], start, end, start - line_begin, line_start, after_colon=after_colon)


def _line_end(text: str, offset: int) -> int:
    for index in range(offset, len(text)):
        if text[index] in "\r\n":
            return index
    return len(text)


def node_at(text: str, offset: int) -> Node | None:
    """The key or value under the cursor in a text that parses (up to the cursor, at least)."""
    index = TextIndex(text)
    mark = index.mark_of_offset(offset)
    return outline(text).at(mark)
