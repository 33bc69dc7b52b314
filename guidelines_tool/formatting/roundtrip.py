"""Reading and writing YAML for `fmt`: ruamel's round-trip loader and emitter (comments kept),
the refusals they raise, and the checks that a rewrite kept the data and every comment."""

from __future__ import annotations

import io
import re
import warnings
from collections import Counter
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.tokens import CommentToken

try:  # libyaml (ruamel.yaml.clib): reads tabs YAML allows where ruamel's own parser stops
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - without the C extension such files are refused, with their line
    _CParser = None

from guidelines_tool.loading import (
    KeyAwareConstructor,
    YamlKey,
    safe_yaml,
)


class FormatProblem(Exception):
    """A file that cannot be formatted (does not parse, or would not round-trip safely)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class NotGuideline(Exception):
    """A YAML file that is not a guideline document (no known `kind`): left alone."""


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


_PROLOGUE = re.compile(r"\A((?:[ \t]*(?:#[^\n]*)?\n|%[^\n]*\n)*---(?:[ \t]+#[^\n]*)?[ \t]*\n)")


def split_prologue(text: str) -> tuple[str, str]:
    """(everything up to and including an opening bare `---` line, the document after it).

    ruamel drops the comments above `---` (often the `yaml-language-server` modeline) and the
    `%YAML 1.2` directive on output; cut off, they are kept exactly as written.
    """
    match = _PROLOGUE.match(text)
    return (match.group(1), text[match.end():]) if match else ("", text)


def load_round_trip(text: str, yaml: YAML) -> Any:
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
    except NotImplementedError:  # ruamel's round-trip parser: "overlap in comment"
        line, column = _comment_after_key(text)
        raise FormatProblem(
            "ruamel.yaml, which fmt writes with, cannot keep a comment written right after `key:` "
            "when the value continues on the lines below (move the comment above the key); "
            "left untouched",
            line,
            column,
        ) from None
    except TypeError:  # a sequence or mapping as a key: ruamel cannot hold it in its mapping
        line, column = _complex_key(text)
        raise FormatProblem(
            "complex key (a sequence or mapping used as a key): guideline files use plain keys; "
            "left untouched",
            line,
            column,
        ) from None
    except (YAMLError, RecursionError, ValueError) as exc:
        raise FormatProblem(f"does not parse: {exc}") from None


_KEY_THEN_COMMENT = re.compile(r"^[ \t]*(?:- +)?[^#\s][^#\n]*?:[ \t]+(#[^\n]*)$", re.M)


def _comment_after_key(text: str) -> tuple[int, int]:
    """1-based line and column of the first `key: # comment` whose value follows on more indented
    lines (the shape ruamel cannot round-trip); 1:1 when there is none."""
    lines = text.split("\n")
    for match in _KEY_THEN_COMMENT.finditer(text):
        line = text.count("\n", 0, match.start())
        indent = len(lines[line]) - len(lines[line].lstrip())
        below = next((other for other in lines[line + 1:] if other.strip()), "")
        if len(below) - len(below.lstrip()) > indent:
            return line + 1, match.start(1) - match.start() + 1
    return 1, 1


def _complex_key(text: str) -> tuple[int, int]:
    """1-based line and column of the first mapping key that is a sequence or a mapping."""
    expecting_key: list[bool | None] = []  # per open collection: a mapping's key next? (None: a sequence)
    try:
        for event in yaml_events(text):
            if isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent)):
                if expecting_key and expecting_key[-1] is not None:
                    if expecting_key[-1] and isinstance(event, CollectionStartEvent):
                        return event.start_mark.line + 1, event.start_mark.column + 1
                    expecting_key[-1] = not expecting_key[-1]
                if isinstance(event, CollectionStartEvent):
                    expecting_key.append(True if isinstance(event, MappingStartEvent) else None)
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                expecting_key.pop()
    except (YAMLError, ValueError):
        pass
    return 1, 1


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


def safe_load(text: str) -> Any:
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


def first_difference(a: Any, b: Any, path: tuple = (), seen: set | None = None) -> tuple:
    """The path (keys, indexes) to the first place where `a` and `b` differ (as `same_data` sees)."""
    seen = set() if seen is None else seen
    if (id(a), id(b)) in seen or type(a) is not type(b):
        return path
    seen.add((id(a), id(b)))
    if isinstance(a, dict):
        for key in a:
            if key not in b or not same_data(a[key], b[key]):
                return first_difference(a[key], b[key], (*path, key), seen) if key in b else (*path, key)
    elif isinstance(a, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            if not same_data(x, y):
                return first_difference(x, y, (*path, index), seen)
    return path


def node_position(text: str, path: tuple) -> tuple[int, int]:
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


def yaml_events(text: str) -> Iterator[Any]:
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
