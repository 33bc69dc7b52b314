"""Where each key and value of a guideline file sits in its text: the spans editor features need.

This reads parser *events* (ruamel's C parser, the one `loading/reader.py` drives) and records, for
every pointer (the key/index path `model.Source` uses), the span of its value and of its key.
It builds no data: `loading/` stays the one place that turns YAML into records. A document
that breaks part-way gives the nodes read before the break, which is what completion needs while
the user is typing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from ruamel.yaml import YAML
from ruamel.yaml import events as ev

from guidelines_tool.loading import MAX_FILE_BYTES

Mark = tuple[int, int]  # (line, column), 0-based, as the parser counts (see text.py)
NodeKind = Literal["scalar", "mapping", "sequence", "alias"]


@dataclass(frozen=True)
class Node:
    """One key or value: where it starts and ends, and for scalars the text as read."""

    pointer: tuple
    kind: NodeKind
    start: Mark
    end: Mark
    text: str = ""  # a scalar's value (no type resolution: `true` stays "true")
    style: str = ""  # "" plain, "'" or '"' quoted, "|" or ">" block
    flow: bool = False  # a collection written [..] or {..}
    is_key: bool = False

    @property
    def quoted(self) -> bool:
        return self.style in ("'", '"')

    def contains(self, mark: Mark) -> bool:
        return self.start <= mark <= self.end


@dataclass
class Outline:
    """Every node of one document by pointer, keys apart from values."""

    values: dict[tuple, Node] = field(default_factory=dict)
    keys: dict[tuple, Node] = field(default_factory=dict)  # pointer of the value → its key
    broken_at: Mark | None = None  # where the parser stopped, when the document is not valid YAML

    def at(self, mark: Mark) -> Node | None:
        """The innermost node (a key or a value) that contains `mark`."""
        best: Node | None = None
        for node in (*self.keys.values(), *self.values.values()):
            if node.contains(mark) and (best is None or _inside(node, best)):
                best = node
        return best

    def starting_at(self, mark: Mark) -> list[Node]:
        """Nodes that start exactly at `mark`, scalars first."""
        found = [n for n in (*self.keys.values(), *self.values.values()) if n.start == mark]
        return sorted(found, key=lambda node: (node.kind != "scalar", node.kind))


def _inside(node: Node, other: Node) -> bool:
    """Is `node` a tighter fit than `other` (scalars beat the collections around them)?"""
    if (node.start, node.end) == (other.start, other.end):
        return node.kind == "scalar" and other.kind != "scalar"
    return node.start >= other.start and node.end <= other.end


class _Frame:
    __slots__ = ("pointer", "mapping", "index", "key", "key_node", "node_start", "flow")

    def __init__(self, pointer: tuple | None, mapping: bool, start: Mark, flow: bool) -> None:
        self.pointer = pointer  # None: inside a complex key, not addressable
        self.mapping = mapping
        self.index = 0
        self.key: object = _NO_KEY
        self.key_node: Node | None = None
        self.node_start = start
        self.flow = flow


_NO_KEY = object()
_COMPLEX_KEY = object()


def _mark(mark) -> Mark:
    return (mark.line, mark.column)


@lru_cache(maxsize=4096)
def outline(text: str) -> Outline:
    """The outline of one YAML text (cached by text: files repeat between requests)."""
    found = Outline()
    body = text[1:] if text.startswith("\ufeff") else text
    if len(body) > MAX_FILE_BYTES:
        found.broken_at = (0, 0)
        return found
    stack: list[_Frame] = []
    try:
        for event in YAML(typ="safe").parse(body):
            _step(found, stack, event)
    except Exception as exc:  # a broken document: keep what was read before the break
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        found.broken_at = _mark(mark) if mark is not None else (0, 0)
    return found


def _step(found: Outline, stack: list[_Frame], event: ev.Event) -> None:
    kind = type(event)
    if kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
        frame = stack.pop()
        if frame.pointer is not None and frame.pointer in found.values:
            node = found.values[frame.pointer]
            found.values[frame.pointer] = Node(node.pointer, node.kind, node.start, _mark(event.end_mark), flow=node.flow)
        return
    if kind not in (ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent, ev.AliasEvent):
        return
    start, end = _mark(event.start_mark), _mark(event.end_mark)
    pointer: tuple | None = ()
    if stack:
        frame = stack[-1]
        if frame.mapping and frame.key is _NO_KEY:  # this node is a key
            if kind is ev.ScalarEvent and frame.pointer is not None:
                frame.key = event.value
                frame.key_node = Node(frame.pointer + (event.value,), "scalar", start, end, event.value,
                                      _style(event), is_key=True)
                return
            frame.key = _COMPLEX_KEY
            pointer = None
        elif frame.mapping:
            pointer = None if frame.pointer is None or frame.key is _COMPLEX_KEY else frame.pointer + (frame.key,)
            if pointer is not None and frame.key_node is not None:
                found.keys[pointer] = frame.key_node
            frame.key, frame.key_node = _NO_KEY, None
        else:
            pointer = None if frame.pointer is None else frame.pointer + (frame.index,)
            frame.index += 1
    if kind is ev.ScalarEvent:
        if pointer is not None:
            found.values[pointer] = Node(pointer, "scalar", start, end, event.value, _style(event))
        return
    if kind is ev.AliasEvent:
        if pointer is not None:
            found.values[pointer] = Node(pointer, "alias", start, end, str(event.anchor))
        return
    flow = bool(getattr(event, "flow_style", False))
    mapping = kind is ev.MappingStartEvent
    if pointer is not None:
        found.values[pointer] = Node(pointer, "mapping" if mapping else "sequence", start, end, flow=flow)
    stack.append(_Frame(pointer, mapping, start, flow))


def _style(event: ev.ScalarEvent) -> str:
    return event.style or ""
