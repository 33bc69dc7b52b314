"""`guidelines fmt`: rewrite guideline files into one canonical form, keeping every comment.

The canonical form (what `fmt` does, and what it deliberately leaves alone):

- **Key order**: the order DESIGN.md lists the fields of each kind (`KEY_ORDER`), recursively for
  labels, agreement policies, inline rules, examples and ambiguous cases. Keys the tool does not
  know are kept, after the known ones, in the order they were written.
- **Indentation**: 2 spaces for mappings; sequences indented under their key (`key:\\n  - item`).
- **Multi-line strings** (in any field: `when`, `description`, `rationale` are the usual ones) become
  literal blocks (`|`), the readable form for Markdown. Strings a literal block cannot hold exactly
  (trailing spaces on a line, control characters) stay quoted; the emitter chooses.
- **Quoting is kept as written.** A quote is often load-bearing for other YAML readers: `no`, `on`,
  `1e3` or `2026-01-02` mean different things unquoted to a YAML 1.1 reader such as PyYAML.
- **Flow or block**: short flow collections (`labels: [a, b]`, `- {input: ..., label: ...}`) keep
  the style they were written in; a document, a task's labels and inline rules are always block.
  A flow collection with a comment inside (`[a, # why\\n b]`) becomes block style, each comment
  at the end of the line of the item it follows: ruamel cannot write a comment inside brackets.
- **Comments** move with the key they precede (a comment line above `when:` stays above `when:`
  wherever `when` goes); header comments, the `# yaml-language-server: $schema=` modeline first
  among them, stay at the top. Lines are never wrapped.
- **Kept as written**: an opening `---`, everything above it (comments, `%YAML` directives), and
  line endings (LF or CRLF). **Dropped**: a byte-order mark (`validate` reports one as GL005; this
  is its fix), a closing `...`, a missing final newline is added. A tab that only separates
  tokens (`id:\\tR`, a trailing tab) becomes a space, and a one-line plain value holding a tab is
  double-quoted: YAML allows both, ruamel's parser does not read them. None of these is content.
- **Keys** are compared as YAML 1.2 compares them (tag and value): `1:` and `true:` are two keys
  (Python alone would take them for one), `0o17:` and `15:`, or `~:` and `null:`, are a duplicate.

Safety: a file is only rewritten when the result loads to exactly the same data (types included),
holds every comment line of the original, and formats to itself again. Otherwise it is reported,
with the line and column of what could not be kept, and left untouched (so are files that do not
parse, are not UTF-8, hold several documents, use a `%TAG` directive or define an anchor twice).
Writes are atomic: a temporary file in the same folder, then `os.replace`, with the original
permissions.
"""

from __future__ import annotations

import bisect
import difflib
import io
import json
import os
import re
import stat
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from ruamel.yaml.error import CommentMark, MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

try:  # libyaml (ruamel.yaml.clib): reads tabs YAML allows where ruamel's own parser stops
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - without the C extension such files are refused, with their line
    _CParser = None

from guidelines_tool.config import CONFIG_NAME, find_root, read_config
from guidelines_tool.errors import ConfigError
from guidelines_tool.loading import (
    MAX_FILE_BYTES,
    KeyAwareConstructor,
    YamlKey,
    guideline_files,
    relative_path,
    safe_yaml,
)

_RULE = (
    "kind", "id", "task", "title", "status", "labels", "decision", "when", "unless", "rationale",
    "examples", "counterexamples", "ambiguous_cases", "overrides", "see_also", "replaced_by", "tags",
)  # fmt: skip
_POLICY = ("metric", "confidence", "bootstrap", "min_items", "target")

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
}
# Nested kinds whose mappings are always written in block style (they hold prose).
ALWAYS_BLOCK = frozenset({"project", "task", "rule", "label"})
DOCUMENT_KINDS = ("project", "task", "rule")
_STR_TAG = "tag:yaml.org,2002:str"


class FormatProblem(Exception):
    """A file that cannot be formatted (does not parse, or would not round-trip safely)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class NotGuideline(Exception):
    """A YAML file that is not a guideline document (no known `kind`): left alone."""


Status = Literal["unchanged", "reformatted", "would-reformat", "skipped", "error"]


@dataclass(frozen=True)
class FileOutcome:
    """What `fmt` did (or would do) with one file."""

    path: str
    status: Status
    message: str = ""
    line: int = 1
    column: int = 1
    diff: str = ""  # unified diff of the change, when asked for


@dataclass(frozen=True)
class FmtReport:
    outcomes: tuple[FileOutcome, ...] = field(default_factory=tuple)
    check: bool = False

    @property
    def changed(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status in ("reformatted", "would-reformat"))

    @property
    def errors(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "error")

    @property
    def exit_code(self) -> int:
        """1 when a file failed, or (with --check) would change; else 0."""
        return 1 if self.errors or (self.check and self.changed) else 0


# --- text → text ------------------------------------------------------------------------------


class _Emitter(Emitter):
    """ruamel's emitter, with one fix: its "no newline" flag (set right after `- `) survived a
    comment that ended the line, so in `l:  # c\n  - {a: x}  # c\n  - b: y\n    c: z` the
    next block mapping lost a line break (`- b: y c: z`, which no longer parses), and after
    `x:  # c` a later item joined the line before it (`- yes   -`)."""

    def write_post_comment(self, event: Any) -> bool:
        written = super().write_post_comment(event)
        if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            self.no_newline = False
        return written

    def expect_block_sequence_item(self, first: bool = False) -> None:
        if not first and self.column != 0:  # the previous item ended on this line: break it
            self.no_newline = False
        super().expect_block_sequence_item(first)


class _Constructor(KeyAwareConstructor, RoundTripConstructor):
    """Round-trip constructor that tells `1:` from `true:` (one dict key to Python, two to YAML)."""


def round_trip_yaml() -> YAML:
    yaml = YAML()  # round-trip: comments, quotes and flow styles survive
    yaml.Emitter = _Emitter
    yaml.Constructor = _Constructor
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 1_000_000  # never wrap long lines: wrapping makes noisy diffs
    yaml.max_depth = 200
    # an explicit `null`: ruamel writes None as nothing, which it cannot read back after a comment
    yaml.representer.add_representer(type(None), _represent_null)
    yaml.representer.add_representer(YamlKey, _represent_key)
    return yaml


def _represent_key(representer: Any, key: YamlKey) -> Any:
    """A number, boolean or null key goes back exactly as it was written (`0o17`, `~`, `True`)."""
    return representer.represent_scalar(key.tag, str(key))


def _represent_null(representer: Any, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def format_text(text: str) -> str:
    """The canonical form of one guideline document (LF line endings, no BOM).

    What comes before an opening `---` (comments, blank lines, `%YAML`/`%TAG` directives) and
    the `---` line itself are kept as written; the document after it is formatted.

    Raises `FormatProblem` when the text does not parse or cannot be formatted without loss, and
    `NotGuideline` when it is not a project, task or rule document.
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
        data = _load(readable, round_trip_yaml())
        kind = data.get("kind") if isinstance(data, CommentedMap) else None
        if kind not in DOCUMENT_KINDS:
            raise NotGuideline("not a guideline document (no kind: project, task or rule)")
    except FormatProblem as problem:
        raise FormatProblem(problem.message, problem.line + offset, problem.column) from None
    # what the tool itself will read: tags the round-trip loader keeps (`!!python/...`) fail here
    _load(text, safe_yaml())
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
        for event in _events(text):
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
    _open_commented_flows(data, body)
    _canonical(data, kind, set(), in_sequence=False)
    return dump_yaml(data)


_PROLOGUE = re.compile(r"\A((?:[ \t]*(?:#[^\n]*)?\n|%[^\n]*\n)*---(?:[ \t]+#[^\n]*)?[ \t]*\n)")


def split_prologue(text: str) -> tuple[str, str]:
    """(everything up to and including an opening bare `---` line, the document after it).

    ruamel drops the comments above `---` (often the `yaml-language-server` modeline) and the
    `%YAML 1.2` directive on output; cut off, they are kept exactly as written.
    """
    match = _PROLOGUE.match(text)
    return (match.group(1), text[match.end():]) if match else ("", text)


def _load(text: str, yaml: YAML) -> Any:
    try:
        with warnings.catch_warnings():  # ruamel warns on stderr before it raises: say it once
            warnings.simplefilter("ignore")
            return yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark or exc.context_mark
        key = re.search(r'duplicate key "(.*)" with value', str(exc.problem))
        raise FormatProblem(
            f"duplicate key {key.group(1) if key else ''} in this mapping (YAML 1.2: the same tag "
            "and value as a key above); left untouched",
            mark.line + 1 if mark else 1,
            mark.column + 1 if mark else 1,
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if mark and "'\\t'" in message:
            message = _tab_message(text, mark.line, mark.column)
        elif "found duplicate anchor" in message:
            message = (
                "an anchor is defined twice (YAML allows it, ruamel.yaml, which fmt writes with, "
                "does not): rename one; left untouched"
            )
        elif "expected a single document" in message:
            message = "file holds more than one YAML document (a guideline file holds one); left untouched"
        else:
            message = f"does not parse: {message or 'invalid YAML'}"
        raise FormatProblem(
            message,
            mark.line + 1 if mark else 1,
            mark.column + 1 if mark else 1,
        ) from None
    except ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        position = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
        character = exc.character if isinstance(exc.character, int) else 0
        raise FormatProblem(
            f"character U+{character:04X} is not allowed in YAML; left untouched",
            text.count("\n", 0, position) + 1,
            position - (text.rfind("\n", 0, position) + 1) + 1,
        ) from None
    except (YAMLError, RecursionError, ValueError) as exc:
        raise FormatProblem(f"does not parse: {exc}") from None


def _tab_message(text: str, line: int, column: int) -> str:
    """Say what is wrong with a tab the round-trip parser stopped at (0-based line, column)."""
    lines = text.split("\n")
    here = lines[line] if line < len(lines) else ""
    if not here[:column].strip(" \t-"):
        return "tab character in indentation (YAML indents with spaces only); left untouched"
    return (
        "tab character where fmt's YAML parser (ruamel.yaml) reads only spaces (a tab in a plain "
        "value that spans lines, say): quote the value or use spaces; left untouched"
    )


def dump_yaml(data: Any) -> str:
    stream = io.StringIO()
    round_trip_yaml().dump(data, stream)
    return stream.getvalue()


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
    old, new = _safe_load(before), _safe_load(after)
    if not same_data(old, new):
        path = _first_difference(old, new)
        line, column = _position(comments_in, path)
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


def _safe_load(text: str) -> Any:
    return safe_yaml().load(text)


def same_data(a: Any, b: Any, _seen: set | None = None) -> bool:
    """Deep equality that also compares types (`1` is not `1.0` nor `True`) and survives aliases."""
    seen = set() if _seen is None else _seen
    if (id(a), id(b)) in seen:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        seen.add((id(a), id(b)))
        return a.keys() == b.keys() and all(same_data(a[k], b[k], seen) for k in a)
    if isinstance(a, list):
        seen.add((id(a), id(b)))
        return len(a) == len(b) and all(same_data(x, y, seen) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b  # NaN
    return a == b


def _first_difference(a: Any, b: Any, path: tuple = (), seen: set | None = None) -> tuple:
    """The path (keys, indexes) to the first place where `a` and `b` differ (as `same_data` sees)."""
    seen = set() if seen is None else seen
    if (id(a), id(b)) in seen or type(a) is not type(b):
        return path
    seen.add((id(a), id(b)))
    if isinstance(a, dict):
        for key in a:
            if key not in b or not same_data(a[key], b[key]):
                return _first_difference(a[key], b[key], (*path, key), seen) if key in b else (*path, key)
    elif isinstance(a, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            if not same_data(x, y):
                return _first_difference(x, y, (*path, index), seen)
    return path


def _position(text: str, path: tuple) -> tuple[int, int]:
    """1-based line and column of the node at `path` in `text` (the file's own text), or 1:1."""
    prologue, body = split_prologue(text)
    try:
        node = round_trip_yaml().load(body)
        line, column = 0, 0
        for part in path:
            if isinstance(node, CommentedMap):
                line, column = node.lc.key(part)
            elif isinstance(node, CommentedSeq):
                line, column = node.lc.item(part)
            node = node[part]
    except Exception:  # a position is a courtesy: never let it hide the refusal itself
        return 1, 1
    return prologue.count("\n") + line + 1, column + 1


def comment_lines(text: str) -> Counter:
    """Every comment in a YAML text, one entry per comment line, stripped (a multiset)."""
    found: Counter = Counter()
    try:
        tokens = list(YAML().scan(text))
    except (YAMLError, RecursionError, ValueError):
        return found
    for token in tokens:
        for comment in _comment_tokens(getattr(token, "_comment", None)):
            for line in comment.value.splitlines():
                if line.strip():
                    found[line.strip()] += 1
    return found


def _comment_tokens(value: Any) -> Iterator[CommentToken]:
    if isinstance(value, CommentToken):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _comment_tokens(item)


# --- comments inside [...] and {...} ------------------------------------------------------------


@dataclass
class _Flow:
    """A flow collection of the text: its character span and the comments written inside it."""

    start: int
    end: int
    # (line, column, text, alone on its line?), 0-based
    comments: list[tuple[int, int, str, bool]] = field(default_factory=list)


def _open_commented_flows(data: Any, text: str) -> None:
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
            for child_key in _own_keys(node):
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


def _events(text: str) -> Iterator[Any]:
    """The parser events of `text`, with character positions: libyaml's when present (it reads
    every text ruamel's own parser reads, ~10x faster), else ruamel's."""
    if _CParser is None:
        yield from YAML().parse(text)
        return
    parser = _CParser(text)
    while True:
        event = parser.get_event()
        yield event
        if isinstance(event, StreamEndEvent):
            return


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
        for event in _events(text):
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
        places = [(node.lc.key(where), where) for where in _own_keys(node)]
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
        slot[1] = [*(slot[1] or []), _token(text + "\n", column)]
    elif not before and isinstance(parent, CommentedMap) and (not places or not (key_slot and key_slot[2])):
        _add_comment(parent.ca.items.setdefault(key, [None] * 4), 2, text)
    elif not places:  # an empty collection that is a list item: the end of that item's line
        _add_comment(parent.ca.items.setdefault(key, [None] * 4), 0, text)
    else:  # after the item's last line: inside it, when the item is a block collection
        container, where, index = _trailing(node, before[-1] if before else places[0][1])
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
        slot[index] = _token(comment + "\n", 0)


# --- the canonical tree -------------------------------------------------------------------------


def _canonical(node: Any, kind: str | None, seen: set[int], *, in_sequence: bool) -> None:
    """Reorder keys, set block styles and literal blocks, in place, parent before children."""
    if id(node) in seen:  # a shared (aliased) node is formatted once
        return
    seen.add(id(node))
    if isinstance(node, CommentedMap):
        if kind in KEY_ORDER:
            _reorder(node, KEY_ORDER[kind], first_inline=in_sequence)
        if kind in ALWAYS_BLOCK:
            node.fa.set_block_style()
        for key in _own_keys(node):
            value = node[key]
            child = NESTED.get((kind, key)) if kind else None
            if isinstance(value, CommentedSeq):
                for item in value:
                    _canonical(item, child, seen, in_sequence=True)
                _literal_items(value)
            else:
                _canonical(value, child, seen, in_sequence=False)
            node[key] = _literal(node[key])
    elif isinstance(node, CommentedSeq):
        for item in node:
            _canonical(item, None, seen, in_sequence=True)
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
    keys = _own_keys(node)
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


def _own_keys(node: CommentedMap) -> list[Any]:
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


def _trailing(node: Any, key: Any) -> tuple[Any, Any, int]:
    """(container, key, index in its comment slot) of the comment that follows the entry `key`
    of `node`: ruamel keeps it on the last scalar of a block value, so descend into those."""
    value = node[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
        if isinstance(value, CommentedMap) and not _own_keys(value):
            return node, key, 2 if isinstance(node, CommentedMap) else 0
        last = _own_keys(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1
        return _trailing(value, last)
    return node, key, 2 if isinstance(node, CommentedMap) else 0


def _cut_following(node: Any, key: Any) -> str:
    """Remove and return the full lines (comments, blank lines) after the entry's own line."""
    container, where, index = _trailing(node, key)
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
    container, where, index = _trailing(node, key)
    slot = container.ca.items.setdefault(where, [None, None, None, None])
    token = slot[index]
    if isinstance(token, CommentToken):
        token.value = token.value + lines
    else:
        slot[index] = _token("\n" + lines, 0)


def _line_tokens(lines: str) -> list[CommentToken]:
    """One token per line, indentation carried by the column: how the emitter writes pre-comments."""
    tokens = []
    for line in lines.splitlines(keepends=True):
        stripped = line.lstrip(" ")
        tokens.append(_token(stripped, len(line) - len(stripped) if stripped.strip() else 0))
    return tokens


def _token(value: str, column: int) -> CommentToken:
    return CommentToken(value, CommentMark(column))


# --- files ---------------------------------------------------------------------------------------


def default_paths(root: Path) -> list[Path]:
    """Every guideline file of the project, and `guidelines.yaml` first."""
    config, _findings = read_config(root)
    return [root / CONFIG_NAME, *guideline_files(root, config)]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders become the YAML files under them (sorted)."""
    result: list[Path] = []
    for path in paths:
        if path.is_dir():
            result.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            result.append(path)
    return result


def format_paths(
    paths: list[Path] | None = None, *, check: bool = False, diff: bool = False, start: Path | None = None
) -> FmtReport:
    """Format the given files (or every guideline file of the project at `start`).

    With `check` (or `diff`), nothing is written: changed files are reported as `would-reformat`,
    with `diff` carrying their unified diff.
    """
    check = check or diff
    if paths:
        try:
            root = find_root(start)
        except ConfigError:
            root = (start or Path.cwd()).resolve()
        files = expand_paths(paths)
    else:
        root = find_root(start)
        files = default_paths(root)
    outcomes = [format_file(path, relative_path(root, path), check=check, diff=diff) for path in files]
    return FmtReport(tuple(outcomes), check)


def format_file(path: Path, shown: str, *, check: bool = False, diff: bool = False) -> FileOutcome:
    """Format one file in place (atomically), or only say whether it would change."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return FileOutcome(shown, "error", f"cannot read file: {exc.strerror}")
    if len(raw) > MAX_FILE_BYTES:
        return FileOutcome(shown, "error", f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:  # Windows-1252 or Latin-1, often: say where, touch nothing
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        message = f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (save the file as UTF-8); left untouched"
        return FileOutcome(shown, "error", message, line, column)
    if not text.strip():
        return FileOutcome(shown, "skipped", "empty file")
    try:
        formatted = format_text(text)
    except FormatProblem as problem:
        return FileOutcome(shown, "error", problem.message, problem.line, problem.column)
    except NotGuideline as exc:
        return FileOutcome(shown, "skipped", str(exc))
    if "\r\n" in text:
        formatted = formatted.replace("\n", "\r\n")
    if formatted == text:
        return FileOutcome(shown, "unchanged")
    if check:
        return FileOutcome(shown, "would-reformat", diff=unified_diff(shown, text, formatted) if diff else "")
    try:
        write_atomic(path, formatted)
    except OSError as exc:
        return FileOutcome(shown, "error", f"cannot write file: {exc.strerror}")
    return FileOutcome(shown, "reformatted")


def unified_diff(shown: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{shown}", f"b/{shown}"
    )
    return "".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a crash leaves the old file or the new, never half.

    A symbolic link is followed: the file it points at is replaced, the link stays a link.
    """
    path = Path(os.path.realpath(path))
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
