"""One document's text → its canonical text, refused (`FormatProblem`) unless the rewrite
keeps the data, every comment, and formats to itself again."""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    ScalarEvent,
)

try:  # libyaml (ruamel.yaml.clib): reads tabs YAML allows where ruamel's own parser stops
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - without the C extension such files are refused, with their line
    _CParser = None

from guidelines_tool.formatting.canonical import DOCUMENT_KINDS, canonicalise
from guidelines_tool.formatting.flow_comments import open_commented_flows
from guidelines_tool.formatting.roundtrip import (
    FormatProblem,
    NotGuideline,
    comment_lines,
    dump_yaml,
    first_difference,
    load_round_trip,
    node_position,
    round_trip_yaml,
    safe_load,
    same_data,
    split_prologue,
    yaml_events,
)
from guidelines_tool.loading import (
    safe_yaml,
)


def format_text(text: str) -> str:
    """The canonical form of one guideline document (LF line endings, no BOM).

    What comes before an opening `---` (comments, blank lines, `%YAML`/`%TAG` directives) and
    the `---` line itself are kept as written; the document after it is formatted.

    Raises `FormatProblem` when the text does not parse or cannot be formatted without loss, and
    `NotGuideline` when it is not a project, task, rule or experiment document.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    prologue, body = split_prologue(text)
    offset = prologue.count("\n")
    tag = re.search(r"^%TAG\b", prologue, re.M)
    if tag:  # the document is formatted on its own, where the handle would not be defined
        raise FormatProblem(
            "fmt cannot format a document that uses a %TAG directive; left untouched",
            prologue.count("\n", 0, tag.start()) + 1,
        )
    readable = _without_tab_separators(body)  # what ruamel's own (pure) parser can read
    try:
        data = load_round_trip(readable, round_trip_yaml())
        kind = data.get("kind") if isinstance(data, CommentedMap) else None
        if kind not in DOCUMENT_KINDS:
            raise NotGuideline("not a guideline document (no kind: project, task, rule or experiment)")
    except FormatProblem as problem:
        raise FormatProblem(problem.message, problem.line + offset, problem.column) from None
    # what the tool itself will read: tags the round-trip loader keeps (`!!python/...`) fail here
    load_round_trip(text, safe_yaml())
    try:
        out = prologue + _format_tree(data, kind, readable)
    except Exception as exc:  # a formatter bug must not cost the user a traceback or a file
        raise FormatProblem(f"cannot format this file safely ({type(exc).__name__}); left untouched") from None
    if out != text:  # an unchanged file is trivially safe: check only what would be written
        _check_lossless(text, out, comments_in=prologue + readable)
    return out


def _without_tab_separators(text: str) -> str:
    """The text with each tab that only separates tokens (`id:\tR`, `R\t# c`, a trailing tab)
    made a space, and each one-line plain scalar holding a tab (`a\tb`) double-quoted.

    YAML 1.2 allows both and libyaml (what `validate` reads with) does too, but ruamel's own
    parser, the only one that keeps comments, stops at such a tab. Neither change touches
    content; tabs in quoted and block scalars and in comments are left alone. Text libyaml
    cannot read either is returned as it is, for the parse error to point at.
    """
    if "\t" not in text or _CParser is None:
        return text
    scalars = []
    try:
        for event in yaml_events(text):
            if isinstance(event, ScalarEvent):
                scalars.append((event.start_mark.index, event.end_mark.index, event))
    except (YAMLError, ValueError):
        return text
    scalars.sort(key=lambda item: item[0])
    scalar_starts = [start for start, _end, _event in scalars]
    chars = list(text)
    quoted: dict[int, str] = {}  # start of a plain scalar to double-quote → its new text
    index = text.find("\t")
    while index >= 0:
        at = bisect.bisect_right(scalar_starts, index) - 1
        if at >= 0 and scalars[at][0] <= index < scalars[at][1]:
            start, end, event = scalars[at]
            if not event.style and text[start:end] == event.value and "\n" not in event.value:
                quoted[start] = json.dumps(event.value, ensure_ascii=False)
        elif not _in_comment(text, index, scalars, scalar_starts):
            chars[index] = " "
        index = text.find("\t", index + 1)
    for start in sorted(quoted, reverse=True):
        end = next(e for s, e, _event in scalars if s == start)
        chars[start:end] = quoted[start]
    return "".join(chars)


def _in_comment(text: str, index: int, scalars: list, scalar_starts: list[int]) -> bool:
    """Whether position `index` is inside a comment: a `#` after blank space, outside scalars."""
    line_start = text.rfind("\n", 0, index) + 1
    hash_at = text.find("#", line_start, index)
    while hash_at >= 0:
        at = bisect.bisect_right(scalar_starts, hash_at) - 1
        in_scalar = at >= 0 and scalars[at][0] <= hash_at < scalars[at][1]
        if not in_scalar and (hash_at == 0 or text[hash_at - 1] in " \t\n"):
            return True
        hash_at = text.find("#", hash_at + 1, index)
    return False


def _format_tree(data: Any, kind: str, body: str) -> str:
    open_commented_flows(data, body)
    canonicalise(data, kind, set(), in_sequence=False)
    return dump_yaml(data)


def _check_lossless(before: str, after: str, comments_in: str | None = None) -> None:
    """Refuse output that changes the data, drops a comment, or is not a fixed point.

    `comments_in` is the text to count the comments of, when `before` is one ruamel's scanner
    cannot read (tabs as separators)."""
    try:
        _verify(before, after, before if comments_in is None else comments_in)
    except FormatProblem:
        raise
    except Exception as exc:  # output that does not even load again: a formatter bug, not the user's
        raise FormatProblem(f"cannot format this file safely ({type(exc).__name__}); left untouched") from None


def _verify(before: str, after: str, comments_in: str) -> None:
    old, new = safe_load(before), safe_load(after)
    if not same_data(old, new):
        path = first_difference(old, new)
        line, column = node_position(comments_in, path)
        where = " at " + "/".join(str(part) for part in path) if path else ""
        raise FormatProblem(f"cannot format without changing the data{where}; left untouched", line, column)
    missing = comment_lines(comments_in) - comment_lines(after)
    if missing:
        comment = sorted(missing)[0]
        index = max(before.find(comment), 0)
        raise FormatProblem(
            f"cannot format without losing comment {comment!r} (move it to a line of its own); "
            "left untouched",
            before.count("\n", 0, index) + 1,
            index - (before.rfind("\n", 0, index) + 1) + 1,
        )
    prologue, body = split_prologue(after)
    again = round_trip_yaml().load(body)
    if prologue + _format_tree(again, again["kind"], body) != after:
        raise FormatProblem("formatting is not stable for this file; left untouched")
