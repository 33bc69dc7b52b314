"""The canonical tree: key order per kind, block style for prose-holding mappings, literal
blocks for multi-line strings, comments moved with the key they precede."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import (
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

try:  # libyaml (ruamel.yaml.clib): reads tabs YAML allows where ruamel's own parser stops
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - without the C extension such files are refused, with their line
    _CParser = None



_RULE = (
    "kind", "id", "task", "title", "status", "labels", "decision", "when", "unless", "rationale",
    "examples", "counterexamples", "ambiguous_cases", "overrides", "see_also", "replaced_by", "tags",
)  # fmt: skip
_POLICY = ("metric", "confidence", "bootstrap", "min_items", "fdr", "target")

# kind → the order of its keys, and for nested fields the "kind" of their items (a mapping) or of
# each item of their list (a sequence of mappings).
KEY_ORDER: dict[str, tuple[str, ...]] = {
    "project": (
        "kind", "name", "guidelines", "annotations", "gold", "branch", "release_tag_prefix",
        "agreement", "docs", "quiz", "lint",
    ),
    "task": (
        "kind", "id", "title", "description", "scale", "multi_label", "labels", "agreement", "rules",
    ),
    "rule": _RULE,
    "label": ("id", "name", "definition", "include", "exclude", "value"),
    "policy": _POLICY,
    "example": ("input", "media", "label", "why", "quiz"),
    "ambiguous_case": ("case", "resolution", "label", "decided", "by", "quiz"),
    "docs": ("title",),
    "quiz": ("pass_mark", "results"),
    "lint": ("disable", "severity"),
    "experiment": (
        "kind", "id", "title", "task", "rules", "arms", "unit", "seed", "assignment", "sample", "measure",
        "decision", "power", "planned", "conclusion",
    ),
    "arms": ("A", "B"),
    "arm": ("commit", "ref"),
    "sample": ("items_per_arm", "per_item", "annotators"),
    "measure": ("coefficient", "scale", "items"),
    "decision": ("rule", "confidence", "min_items"),
    "power": ("effect", "alpha", "past_items", "per_item", "items_80", "items_90", "at_plan"),
    "conclusion": ("adopted", "verdict", "delta", "ci", "p_value", "method", "commits", "date"),
}  # fmt: skip
NESTED: dict[tuple[str, str], str] = {
    ("project", "agreement"): "policy",
    ("project", "docs"): "docs",
    ("project", "quiz"): "quiz",
    ("project", "lint"): "lint",
    ("task", "labels"): "label",
    ("task", "agreement"): "policy",
    ("task", "rules"): "rule",
    ("rule", "examples"): "example",
    ("rule", "counterexamples"): "example",
    ("rule", "ambiguous_cases"): "ambiguous_case",
    ("experiment", "arms"): "arms",
    ("arms", "A"): "arm",
    ("arms", "B"): "arm",
    ("experiment", "sample"): "sample",
    ("experiment", "measure"): "measure",
    ("experiment", "decision"): "decision",
    ("experiment", "power"): "power",
    ("experiment", "conclusion"): "conclusion",
}
# Nested kinds whose mappings are always written in block style (they hold prose).
ALWAYS_BLOCK = frozenset({"project", "task", "rule", "label", "experiment"})
DOCUMENT_KINDS = ("project", "task", "rule", "experiment")
_STR_TAG = "tag:yaml.org,2002:str"


def canonicalise(node: Any, kind: str | None, seen: set[int], *, in_sequence: bool) -> None:
    """Reorder keys, set block styles and literal blocks, in place, parent before children."""
    if id(node) in seen:  # a shared (aliased) node is formatted once
        return
    seen.add(id(node))
    if isinstance(node, CommentedMap):
        if kind in KEY_ORDER:
            _reorder(node, KEY_ORDER[kind], first_inline=in_sequence)
        if kind in ALWAYS_BLOCK:
            node.fa.set_block_style()
        for key in own_keys(node):
            value = node[key]
            child = NESTED.get((kind, key)) if kind else None
            if isinstance(value, CommentedSeq):
                for item in value:
                    canonicalise(item, child, seen, in_sequence=True)
                _literal_items(value)
            else:
                canonicalise(value, child, seen, in_sequence=False)
            node[key] = _literal(node[key])
    elif isinstance(node, CommentedSeq):
        for item in node:
            canonicalise(item, None, seen, in_sequence=True)
        _literal_items(node)


def _literal(value: Any) -> Any:
    """A multi-line string becomes a literal block (unless it is already a block scalar).

    A string with an explicit `!!str` tag becomes a quoted string, which says the same to every
    YAML reader (1.1 ones too, for `!!str yes`): ruamel writes that tag back as `!!%20str`,
    which nothing reads.
    """
    if isinstance(value, TaggedScalar) and str(value.tag) == _STR_TAG and not value.anchor.value:
        value = SingleQuotedScalarString(str(value.value))
    if (
        isinstance(value, str)
        and "\n" in value
        and not isinstance(value, (LiteralScalarString, FoldedScalarString))
        and not getattr(getattr(value, "anchor", None), "value", None)
    ):
        return LiteralScalarString(str(value))
    return value


def _literal_items(seq: CommentedSeq) -> None:
    for index, item in enumerate(seq):
        seq[index] = _literal(item)


def _reorder(node: CommentedMap, order: tuple[str, ...], *, first_inline: bool) -> None:
    """Put the keys in `order` (unknown keys after, as written); comments travel with their key.

    ruamel stores a comment line that precedes key B at the end of the comment token *after*
    the entry before B (possibly deep inside that entry's value). Those lines are cut off, the
    keys reordered, and each key's lines put back in front of it.
    """
    keys = own_keys(node)
    rank = {key: index for index, key in enumerate(order)}
    wanted = sorted(keys, key=lambda k: (rank.get(k, len(order)), keys.index(k)))
    if wanted == keys:
        return
    before = {key: _cut_following(node, prev) for prev, key in zip(keys, keys[1:])}
    footer = _cut_following(node, keys[-1])
    items = [(key, node[key], node.ca.items.pop(key, None)) for key in keys]
    for key in keys:
        del node[key]
    by_key = {key: (value, comment) for key, value, comment in items}
    for key in wanted:
        value, comment = by_key[key]
        node[key] = value
        if comment is not None:
            node.ca.items[key] = comment
    for position, key in enumerate(wanted):
        lines = before.get(key)
        if position == 0 and lines:
            lines = lines.lstrip("\n")  # a blank line opening the document (or a mapping) is not kept
        if not lines:
            continue
        if position == 0 and first_inline:
            _append_following(node, key, lines)  # `- key:` has no line above it to hold them
        else:
            slot = node.ca.items.setdefault(key, [None, None, None, None])
            slot[1] = [*(slot[1] or []), *_line_tokens(lines)]
    if footer:
        _append_following(node, wanted[-1], footer)
    _drop_leading_blank_lines(node, wanted[0])


def own_keys(node: CommentedMap) -> list[Any]:
    """The keys written in this mapping: those a merge key (`<<: *base`) brings in are not its
    own, and setting one would write it out as an explicit key."""
    return [key for key, _value in node.non_merged_items()]


def _drop_leading_blank_lines(node: CommentedMap, key: Any) -> None:
    """Blank lines ruamel kept in front of a key that now comes first would open the mapping."""
    slot = node.ca.items.get(key)
    tokens = list(slot[1] or []) if slot else []
    while tokens and not tokens[0].value.strip():
        tokens.pop(0)
    if tokens:
        tokens[0].value = tokens[0].value.lstrip("\n")
    if slot:
        slot[1] = tokens or None
        if not any(slot):
            del node.ca.items[key]


def trailing_slot(node: Any, key: Any) -> tuple[Any, Any, int]:
    """(container, key, index in its comment slot) of the comment that follows the entry `key`
    of `node`: ruamel keeps it on the last scalar of a block value, so descend into those."""
    value = node[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
        if isinstance(value, CommentedMap) and not own_keys(value):
            return node, key, 2 if isinstance(node, CommentedMap) else 0
        last = own_keys(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1
        return trailing_slot(value, last)
    return node, key, 2 if isinstance(node, CommentedMap) else 0


def _cut_following(node: Any, key: Any) -> str:
    """Remove and return the full lines (comments, blank lines) after the entry's own line."""
    container, where, index = trailing_slot(node, key)
    slot = container.ca.items.get(where)
    token = slot[index] if slot else None
    if not isinstance(token, CommentToken):
        return ""
    head, newline, rest = token.value.partition("\n")
    if not rest:
        return ""
    if head.strip():
        token.value = head + newline
    else:
        slot[index] = None
        if not any(slot):
            del container.ca.items[where]
    return rest


def _append_following(node: Any, key: Any, lines: str) -> None:
    container, where, index = trailing_slot(node, key)
    slot = container.ca.items.setdefault(where, [None, None, None, None])
    token = slot[index]
    if isinstance(token, CommentToken):
        token.value = token.value + lines
    else:
        slot[index] = comment_token("\n" + lines, 0)


def _line_tokens(lines: str) -> list[CommentToken]:
    """One token per line, indentation carried by the column: how the emitter writes pre-comments."""
    tokens = []
    for line in lines.splitlines(keepends=True):
        stripped = line.lstrip(" ")
        tokens.append(comment_token(stripped, len(line) - len(stripped) if stripped.strip() else 0))
    return tokens


def comment_token(value: str, column: int) -> CommentToken:
    return CommentToken(value, CommentMark(column))
