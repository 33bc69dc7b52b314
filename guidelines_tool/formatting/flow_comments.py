"""Comments inside flow collections (`[a, # why\n b]`): ruamel cannot write a comment inside
brackets, so such a collection becomes block style with each comment on the line of the item
it follows."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from ruamel.yaml.tokens import CommentToken

from guidelines_tool.formatting.canonical import comment_token, own_keys, trailing_slot
from guidelines_tool.formatting.roundtrip import yaml_events

try:  # libyaml (ruamel.yaml.clib): reads tabs YAML allows where ruamel's own parser stops
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - without the C extension such files are refused, with their line
    _CParser = None



@dataclass
class _Flow:
    """A flow collection of the text: its character span and the comments written inside it."""

    start: int
    end: int
    # (line, column, text, alone on its line?), 0-based
    comments: list[tuple[int, int, str, bool]] = field(default_factory=list)


def open_commented_flows(data: Any, text: str) -> None:
    """Turn each flow collection that holds a comment (`[a, # why\\n b]`) into block style, with
    its flow parents, and put each comment back where `_attach` says.

    ruamel's emitter cannot write a comment inside brackets (it drops it, and its loader keeps
    none of those in `{...}`), while a block collection holds the same content and the comment.
    An empty `[]` stays as it is, its comment after it.
    """
    flows = _flows_with_comments(text)
    if not any(flow.comments for flow in flows):
        return
    starts = [0, *(index + 1 for index, char in enumerate(text) if char == "\n")]
    seen: set[int] = set()

    def walk(node: Any, flow_ancestors: list[Any], parent: Any, key: Any) -> None:
        if id(node) in seen or not isinstance(node, (CommentedMap, CommentedSeq)):
            return
        seen.add(id(node))
        flow = None
        if (node.fa.flow_style() or not len(node)) and node.lc.line is not None and node.lc.line < len(starts):
            flow = _innermost(flows, starts[node.lc.line] + (node.lc.col or 0))
        if flow is not None and flow.comments and (len(node) or parent is not None):
            # `[]` has no block form: its comment goes after it, at the end of its line
            opened = [*flow_ancestors, (node, parent, key)] if len(node) else flow_ancestors
            for block, its_parent, its_key in opened:
                block.fa.set_block_style()
                gaps.append((its_parent, its_key))
            todo.append((node, flow, parent, key))
        below = [*flow_ancestors, (node, parent, key)] if node.fa.flow_style() else []
        if isinstance(node, CommentedMap):
            for child_key in own_keys(node):
                walk(node[child_key], below, node, child_key)
        else:
            for index, child in enumerate(node):
                walk(child, below, node, index)

    todo: list[tuple[Any, _Flow, Any, Any]] = []
    gaps: list[tuple[Any, Any]] = []
    walk(data, [], None, None)
    _drop_comments_at(data, {(line, column) for _n, flow, _p, _k in todo for line, column, _t, _a in flow.comments})
    # once every style is known (a comment's place depends on it), in the order of the text
    comments = sorted((comment, index) for index, (_n, flow, _p, _k) in enumerate(todo) for comment in flow.comments)
    for comment, index in comments:
        node, _flow, parent, key = todo[index]
        _attach(node, comment, parent, key)
    for parent, key in gaps:  # last: it changes the marks `_drop_comments_at` goes by
        _close_gap(parent, key)




def _innermost(flows: list[_Flow], index: int) -> _Flow | None:
    containing = [f for f in flows if f.start <= index < f.end]
    return max(containing, key=lambda f: f.start) if containing else None


def _flows_with_comments(text: str) -> list[_Flow]:
    """Every flow collection of the text (by the parser's marks), each with the comments inside
    it that belong to it rather than to a flow collection nested in it (often none)."""
    flows: list[_Flow] = []
    stack: list[Any] = []
    scalars: list[tuple[int, int]] = []
    if "#" not in text:
        return []
    try:
        for event in yaml_events(text):
            if isinstance(event, CollectionStartEvent):
                stack.append(event if event.flow_style else None)
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                start = stack.pop() if stack else None
                if start is not None:
                    flows.append(_Flow(start.start_mark.index, event.end_mark.index))
            elif isinstance(event, (ScalarEvent, AliasEvent)):
                scalars.append((event.start_mark.index, event.end_mark.index))
    except (YAMLError, RecursionError, ValueError):
        return []
    if not flows:
        return []
    scalars.sort()
    scalar_starts = [start for start, _end in scalars]
    for flow in sorted(flows, key=lambda f: f.start):
        index = flow.start
        while True:
            index = text.find("#", index, flow.end)
            if index < 0:
                break
            at = bisect.bisect_right(scalar_starts, index) - 1
            if at >= 0 and scalars[at][0] <= index < scalars[at][1]:
                index = scalars[at][1]
                continue
            if index > 0 and text[index - 1] not in " \t\n":
                index += 1
                continue
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            owner = _innermost(flows, index)
            if owner is flow:
                line = text.count("\n", 0, index)
                column = index - (text.rfind("\n", 0, index) + 1)
                alone = not text[index - column : index].strip()
                flow.comments.append((line, column, text[index:end].rstrip(), alone))
            index = end
    return flows


def _drop_comments_at(data: Any, places: set[tuple[int, int]]) -> None:
    """Remove, wherever ruamel filed them (it files some twice: on a key and on the list after
    it), the comment lines that start at `places` (0-based line, column): `_attach` puts them
    back. Other lines of the same token (a comment line after `]`) are kept."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, (CommentedMap, CommentedSeq)):
            continue
        seen.add(id(node))
        slots = [*node.ca.items.values()]
        if isinstance(node.ca.comment, list):
            slots.append(node.ca.comment)
        for slot in slots:
            for index, token in enumerate(slot):
                if isinstance(token, list):
                    kept = [t for t in (_without_lines_at(t, places) for t in token) if t is not None]
                    slot[index] = kept or None
                else:
                    slot[index] = _without_lines_at(token, places)
        for where in [where for where, slot in node.ca.items.items() if not any(slot)]:
            del node.ca.items[where]
        stack.extend(node.values() if isinstance(node, CommentedMap) else node)


def _without_lines_at(token: Any, places: set[tuple[int, int]]) -> Any:
    """`token` without its lines that start at one of `places`; None when nothing is left."""
    mark = getattr(token, "start_mark", None)
    if not isinstance(token, CommentToken) or getattr(mark, "line", None) is None:
        return token  # not a comment read from the text (one this module made, or nothing)
    lines = token.value.split("\n")
    first = 1 if token.value.startswith("\n") else 0  # a leading "\n" ends the line before the mark
    kept = []
    for offset, line in enumerate(lines):
        column = mark.column if offset == first else len(line) - len(line.lstrip(" "))
        if not ((mark.line + offset - first, column) in places and line.strip().startswith("#")):
            kept.append(line)
    if len(kept) == len(lines):
        return token
    value = "\n".join(kept)
    if not value.strip():
        return None
    token.value = value
    return token


def _attach(node: Any, comment: tuple[int, int, str, bool], parent: Any, key: Any) -> None:
    """Put a comment of the flow `node` back: one on a line of its own above the item that
    follows it; one after an item at the end of that item's (last) line; one before the first
    item at the end of the key's line (`labels:  # first`) when `node` is the value of a key."""
    line, column, text, alone = comment
    if isinstance(node, CommentedMap):
        places = [(node.lc.key(where), where) for where in own_keys(node)]
    else:
        places = [(node.lc.item(index), index) for index in range(len(node))]
    places = [(tuple(position), where) for position, where in places if position is not None]
    key_slot = parent.ca.items.get(key) if isinstance(parent, CommentedMap) else None
    before = [where for position, where in places if position < (line, column)]
    after = [where for position, where in places if position > (line, column)]
    # a comment line of its own stays a line of its own, above its item (not above the first
    # item of a collection that is itself an item: `- - b` has no line to put it on)
    if alone and after and (after[0] != places[0][1] or isinstance(parent, CommentedMap)):
        slot = node.ca.items.setdefault(after[0], [None] * 4)
        slot[1] = [*(slot[1] or []), comment_token(text + "\n", column)]
    elif not before and isinstance(parent, CommentedMap) and (not places or not (key_slot and key_slot[2])):
        _add_comment(parent.ca.items.setdefault(key, [None] * 4), 2, text)
    elif not places:  # an empty collection that is a list item: the end of that item's line
        _add_comment(parent.ca.items.setdefault(key, [None] * 4), 0, text)
    else:  # after the item's last line: inside it, when the item is a block collection
        container, where, index = trailing_slot(node, before[-1] if before else places[0][1])
        _add_comment(container.ca.items.setdefault(where, [None] * 4), index, text)


def _close_gap(parent: Any, key: Any) -> None:
    """The comment after `]` now ends the key's line (`labels:  # why`): drop its old column,
    which would leave a wide gap. (ruamel holds this token twice: change it in place.)"""
    slot = parent.ca.items.get(key) if isinstance(parent, CommentedMap) else None
    if slot and isinstance(slot[2], CommentToken):
        slot[2].start_mark = CommentMark(0)


def _add_comment(slot: list, index: int, comment: str) -> None:
    """Put `comment` at the end of a line; a second one for the same line goes on the next line."""
    token = slot[index]
    if isinstance(token, CommentToken):
        token.value = token.value.rstrip("\n") + "\n" + comment + "\n"
    else:
        slot[index] = comment_token(comment + "\n", 0)
