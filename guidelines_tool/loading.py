"""YAML → model records, with source pointers. The only module that reads YAML.

Parsing is split in two so the common path stays fast:

* `parse_yaml()` turns text into plain data. It drives ruamel.yaml's C parser (libyaml, YAML 1.2
  as ruamel resolves it) event by event and builds dicts and lists itself: ruamel's Python
  constructor and resolver are where a safe load spends ~90 % of its time, and almost every
  scalar in a guideline file is a plain string that needs no resolving. Scalars that could be
  something else (numbers, booleans, null, dates) go through ruamel's own resolver and
  constructor, so the result is what `YAML(typ="safe").load()` gives; documents with explicit
  tags, merge keys or a `%YAML` directive are handed to that loader whole. The same pass finds
  duplicate keys, alias bombs and over-deep nesting, and never raises for bad input.
* `locate()` turns a `Source` pointer into line:column by re-reading the file's events with
  positions, only for the few files that have findings.
"""

from __future__ import annotations

import datetime as _dt
import re
import errno
import gc
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import events as ev
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from guidelines_tool.model import (
    AgreementPolicy,
    AmbiguousCase,
    DocsConfig,
    Example,
    Experiment,
    ExperimentArm,
    ExperimentConclusion,
    Finding,
    Label,
    Location,
    ProjectConfig,
    QuizConfig,
    Rule,
    Source,
    Task,
)

try:  # libyaml through ruamel.yaml.clib; without it the pure parser gives the same events
    from _ruamel_yaml import CParser as _Parser
except ImportError:  # pragma: no cover - exercised only where the C extension is missing
    _Parser = None

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_EXPANDED_NODES = 2_000_000  # nodes after alias expansion: far above any real guideline file
MAX_DEPTH = 64
KINDS = ("project", "task", "rule", "experiment")

# Loading problems: code, name. Lint and schema codes live in lint/ and schema.py.
YAML_SYNTAX = ("GL001", "yaml-syntax")
EMPTY_FILE = ("GL002", "empty-file")
DUPLICATE_KEY = ("GL003", "duplicate-key")
TAB_INDENT = ("GL004", "tab-indent")
BYTE_ORDER_MARK = ("GL005", "byte-order-mark")
NOT_UTF8 = ("GL006", "not-utf8")
ALIAS_BOMB = ("GL007", "alias-bomb")
FILE_TOO_LARGE = ("GL008", "file-too-large")
UNREADABLE = ("GL009", "unreadable-file")
TOO_DEEP = ("GL010", "too-deep")
MULTIPLE_DOCUMENTS = ("GL011", "multiple-documents")
LOADING_CODES: dict[str, str] = {code: name for code, name in (
    YAML_SYNTAX, EMPTY_FILE, DUPLICATE_KEY, TAB_INDENT, BYTE_ORDER_MARK, NOT_UTF8, ALIAS_BOMB,
    FILE_TOO_LARGE, UNREADABLE, TOO_DEEP, MULTIPLE_DOCUMENTS,
)}
# Loading problems that leave the file read in full: a warning, not an error. YAML allows a
# leading BOM and editors show the file clean, so failing CI on it would make the two disagree.
LOADING_WARNINGS: frozenset[str] = frozenset((BYTE_ORDER_MARK[0],))


@dataclass
class ParsedFile:
    """What one guideline file holds, as records, plus the findings reading it produced."""

    path: str
    kind: str | None = None
    data: Any = None
    tasks: list[Task] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    project: ProjectConfig | None = None
    experiments: list[Experiment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    text: str | None = None  # kept so positions can be found without reading the file again
    # a file that could not be read: the ids it seems to define (see `ids_of_broken_file`)
    unread_ids: tuple[str, ...] = ()


def problem(path: str, line: int, column: int, kind: tuple[str, str], message: str) -> Finding:
    """A loading finding: an error (the file cannot be trusted as read) unless in LOADING_WARNINGS."""
    return Finding(path, line, column, kind[0], kind[1], "warning" if kind[0] in LOADING_WARNINGS else "error", message)


def syntax_finding(path: str, line: int, column: int, message: str) -> Finding:
    """A YAML syntax finding (GL001)."""
    return problem(path, line, column, YAML_SYNTAX, message)


class _Stop(Exception):
    """A problem that ends the parse of one document (a finding, not a crash)."""

    def __init__(self, kind: tuple[str, str], mark: Any, message: str) -> None:
        super().__init__(message)
        self.kind, self.mark, self.message = kind, mark, message


class _NeedsFullLoader(Exception):
    """The document uses a feature (tags, merge keys, %YAML) the fast path leaves to ruamel."""


_SAFE = YAML(typ="safe")
_STR_TAG = "tag:yaml.org,2002:str"
_MAYBE_SPECIAL = frozenset(k for k in _SAFE.resolver.versioned_resolver if k)
# words YAML 1.2 (core schema, as ruamel resolves it) reads as booleans or null: a plain scalar
# starting with one of these letters is a string unless it is one of these words
_WORD_STARTS = frozenset("tTfFnN")
_DIGITS = frozenset("0123456789")
_SPECIAL_WORDS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL"))
_SCALAR, _ALIAS = ev.ScalarEvent, ev.AliasEvent
_MAP_START, _MAP_END = ev.MappingStartEvent, ev.MappingEndEvent
_SEQ_START, _SEQ_END = ev.SequenceStartEvent, ev.SequenceEndEvent
_DOC_START, _DOC_END, _STREAM_END = ev.DocumentStartEvent, ev.DocumentEndEvent, ev.StreamEndEvent


def _resolve_plain(value: str) -> Any:
    """A plain scalar that may be a number, boolean, null or date, resolved the way ruamel does."""
    if value and value[0] in _WORD_STARTS and value not in _SPECIAL_WORDS:
        return value
    if value == "<<":
        raise _NeedsFullLoader  # a merge key: ruamel's constructor flattens it
    return _resolve_cached(value)


@lru_cache(maxsize=8192)
def _resolve_cached(value: str) -> Any:
    tag = _SAFE.resolver.resolve(ScalarNode, value, (True, False))
    if tag == _STR_TAG:
        return value
    node = ScalarNode(tag, value)
    try:
        return _plain_scalar(_SAFE.constructor.construct_object(node, deep=True))
    except (ValueError, OverflowError, YAMLError):  # e.g. 2026-13-45 looks like a date but is not one
        return value
    finally:  # the constructor remembers every node it built; this one is not part of a document
        _SAFE.constructor.constructed_objects.pop(node, None)


def _plain_scalar(value: Any) -> Any:
    """Dates and times become ISO strings: the schemas say `string` for them."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _key(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def key_identity(tag: str, value: Any) -> tuple:
    """What makes two YAML mapping keys the same key: their tag and value (YAML 1.2, 3.2.1.1).

    Python's `==` is not that: `1`, `1.0` and `true` are one dict key (1 == 1.0 == True), while
    in YAML they are three (int, float, bool). `0o17` and `15`, or `~` and `null`, are one.
    """
    if tag.endswith(":bool"):
        return (tag, bool(value))
    if tag.endswith(":int"):
        return (tag, int(value))
    if tag.endswith(":float"):  # by bits: 0.0 and -0.0 are two floats (Python says equal)
        return (tag, float(value).hex())
    if tag.endswith(":null"):
        return (tag, None)
    return (tag, value)


class YamlKey(str):
    """A mapping key YAML reads as something other than a string (`1`, `true`, `~`, `0o17`,
    `.inf`, a date), kept as the text it was written as, compared the way YAML compares keys.

    Built by `KeyAwareConstructor` so that `{1: a, true: b}` is two keys, as YAML says, and a
    round-trip dump writes the key back exactly as written (it is the plain scalar's text).
    """

    tag: str
    value: Any
    identity: tuple

    def __new__(cls, text: str, tag: str, value: Any) -> YamlKey:
        key = super().__new__(cls, text)
        key.tag, key.value, key.identity = tag, value, key_identity(tag, value)
        return key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, YamlKey) and self.identity == other.identity

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.identity)

    def __repr__(self) -> str:
        return f"YamlKey({str(self)!r}, {self.value!r})"


class KeyAwareConstructor:
    """Mixin for a ruamel constructor: scalar mapping keys that are not strings become `YamlKey`.

    Without it ruamel, like any Python dict, takes `1:` and `true:` in one mapping for a
    duplicate key (and a safe load of `{1: a, 1.0: b}` would silently keep one).
    """

    def construct_document(self, node: Any) -> Any:
        self._key_nodes = _scalar_key_nodes(node)
        try:
            return super().construct_document(node)  # type: ignore[misc]
        finally:
            self._key_nodes = set()

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        data = super().construct_object(node, deep=deep)  # type: ignore[misc]
        if id(node) in getattr(self, "_key_nodes", ()) and not isinstance(data, str):
            try:
                hash(key_identity(str(node.tag), data))
            except (TypeError, ValueError):
                return data
            return YamlKey(node.value, str(node.tag), data)
        return data


def _scalar_key_nodes(root: Any) -> set[int]:
    """ids of every scalar node used as a mapping key in the graph under `root` (iterative)."""
    found: set[int] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        value = getattr(node, "value", None)
        if isinstance(node, MappingNode):
            for key, item in value:
                if isinstance(key, ScalarNode) and not str(key.tag).endswith(":merge"):
                    found.add(id(key))
                stack.extend((key, item))
            stack.extend(pair for merged in getattr(node, "merge", None) or () for pair in merged)
        elif isinstance(node, SequenceNode):
            stack.extend(value)
    return found


class _KeyAwareSafeConstructor(KeyAwareConstructor, SafeConstructor):
    """ruamel's safe constructor with YAML's notion of equal keys."""


def safe_yaml(*, pure: bool = False) -> YAML:
    """ruamel's safe loader (C parser when present, unless `pure`) that compares keys as YAML does."""
    yaml = YAML(typ="safe", pure=pure)
    yaml.Constructor = _KeyAwareSafeConstructor
    return yaml


class _Composer:
    """Builds plain data from parser events; with `positions`, also records where each pointer is.

    `positions[pointer] = (key_line, key_col, value_line, value_col)`, 0-based; for list items
    the key position is the item's own. The loop is written for speed (locals, no per-event
    method calls for plain strings): it runs once per scalar of every file.
    """

    def __init__(self, text: str, positions: dict | None = None, *, pure: bool = False) -> None:
        self.parser = _PureEvents(text) if pure else _Parser(text)
        self.positions = positions
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0  # nodes after alias expansion, the measure of an alias bomb
        # (id of mapping, text key) → (YAML identity, text as written) of its non-string keys
        self.typed_keys: dict[tuple[int, str], tuple[tuple, str]] = {}

    def document(self) -> Any:
        """The single document of the stream (None when empty)."""
        get = self.parser.get_event
        get()  # StreamStart
        event = get()
        if type(event) is _STREAM_END:
            return None
        if self.positions is None and (getattr(event, "version", None) is not None or getattr(event, "tags", None)):
            raise _NeedsFullLoader  # (positions alone do not depend on the directive)
        data = self.node(get(), ())
        get()  # DocumentEnd
        event = get()
        if type(event) is not _STREAM_END:
            raise _Stop(MULTIPLE_DOCUMENTS, event.start_mark, "file holds more than one YAML document")
        return data

    def node(self, event: Any, pointer: tuple) -> Any:
        """One node and everything under it, built iteratively (depth bounded by MAX_DEPTH)."""
        positions = self.positions
        if positions is not None and pointer not in positions:
            mark = event.start_mark
            positions[pointer] = (mark.line, mark.column, mark.line, mark.column)
        kind = type(event)
        if kind is _SCALAR:
            return self.scalar(event)
        if kind is _ALIAS:
            return self.alias(event)
        get = self.parser.get_event
        special = _MAYBE_SPECIAL
        no_key = _NO_KEY
        # a frame: [container, is_mapping, pending key, key mark, anchor, nodes at start, pointer]
        root = self.open(event, pointer)
        stack = [root]
        frame = root
        container, is_mapping = root[0], root[1]
        while True:
            event = get()
            kind = type(event)
            if kind is _SCALAR:
                if event.ctag is not None or event.anchor is not None:
                    value = self.scalar(event)
                else:
                    self.nodes += 1
                    value = event.value
                    if not event.style and (not value or value[0] in special):
                        value = self.scalar(event, counted=True)
            elif kind is _MAP_END or kind is _SEQ_END:
                stack.pop()
                value = container
                if frame[4] is not None:
                    self.anchors[frame[4]] = (value, self.nodes - frame[5])
                if not stack:
                    return value
                frame = stack[-1]
                container, is_mapping = frame[0], frame[1]
                if is_mapping:
                    container[frame[2]] = value
                    frame[2] = no_key
                else:
                    container.append(value)
                continue
            elif kind is _ALIAS:
                value = self.alias(event)
            else:  # a collection starts: a key (complex, turned into a string) or a value
                if is_mapping and frame[2] is no_key:
                    value = self.node(event, (frame[6] or ()) + ("?",))
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise _Stop(TOO_DEEP, event.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
                    child = self.open(event, self.child_pointer(frame, event) if positions is not None else None)
                    stack.append(child)
                    frame = child
                    container, is_mapping = child[0], child[1]
                    continue
            if is_mapping:
                if frame[2] is no_key:  # this scalar is a key
                    if type(value) is str:
                        key = value
                        if value[:1] in _DIGITS and not event.style and key not in container:
                            self.date_key(container, key, event)  # `2026-01-02:` is not `'2026-01-02':`
                    else:
                        key = self.typed_key(container, value, event)
                    if key in container:
                        message = self.duplicate(container, key, value, event)
                        raise _Stop(DUPLICATE_KEY, event.start_mark, message)
                    frame[2] = key
                    frame[3] = event.start_mark
                    continue
                if positions is not None:
                    self.child_pointer(frame, event)
                container[frame[2]] = value
                frame[2] = no_key
            else:
                if positions is not None:
                    self.child_pointer(frame, event)
                container.append(value)

    def typed_key(self, container: dict, value: Any, event: Any) -> str:
        """The text key a number, boolean or null key is stored under; remembers what it was."""
        key = _key(value)
        if key not in container:  # the first of two keys that read alike is the one on record
            self.typed_keys[id(container), key] = (_value_identity(value), getattr(event, "value", key))
        return key

    def date_key(self, container: dict, key: str, event: Any) -> None:
        """Remember a plain key YAML reads as a date or time (stored as its ISO text)."""
        if str(_SAFE.resolver.resolve(ScalarNode, event.value, (True, False))).endswith(":timestamp"):
            self.typed_keys[id(container), key] = ((":timestamp", key), event.value)

    def duplicate(self, container: dict, key: str, value: Any, event: Any) -> str:
        """Say why `key` is refused: the same YAML key twice, or two YAML keys that read as one."""
        before = self.typed_keys.get((id(container), key), (_value_identity(key), None))
        now, written = _value_identity(value), None
        if type(value) is not str:
            written = getattr(event, "value", key)
        elif not getattr(event, "style", True) and str(event.value)[:1] in _DIGITS:
            resolved = str(_SAFE.resolver.resolve(ScalarNode, event.value, (True, False)))
            if resolved.endswith(":timestamp"):
                now, written = (":timestamp", key), event.value
        if before[0] == now:
            return f"duplicate key {key!r} in this mapping"
        return _collision_message(key, before[1], written)

    def child_pointer(self, frame: list, event: Any) -> tuple:
        """Record where the value about to be stored in `frame` is; return its pointer."""
        mark = event.start_mark
        if frame[1]:
            pointer = frame[6] + (frame[2],)
            key_mark = frame[3]
            self.positions[pointer] = (key_mark.line, key_mark.column, mark.line, mark.column)
        else:
            pointer = frame[6] + (len(frame[0]),)
            self.positions[pointer] = (mark.line, mark.column, mark.line, mark.column)
        return pointer

    def open(self, event: Any, pointer: tuple | None) -> list:
        if event.ctag is not None and self.positions is None:
            raise _NeedsFullLoader
        self.nodes += 1
        is_mapping = type(event) is _MAP_START
        return [{} if is_mapping else [], is_mapping, _NO_KEY, None, event.anchor, self.nodes, pointer]

    def scalar(self, event: Any, *, counted: bool = False) -> Any:
        if not counted:
            self.nodes += 1
        value = event.value
        if self.positions is not None:  # only positions wanted: tags and merge keys do not matter
            try:
                return _resolve_plain(value) if not event.style and not event.ctag else value
            except _NeedsFullLoader:
                return value
        if event.ctag is not None:
            raise _NeedsFullLoader
        if not event.style and (not value or value[0] in _MAYBE_SPECIAL):
            value = _resolve_plain(value)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        return value

    def alias(self, event: Any) -> Any:
        try:
            value, size = self.anchors[event.anchor]
        except KeyError:
            raise _Stop(YAML_SYNTAX, event.start_mark, f"alias *{event.anchor} names no complete anchor above it") from None
        self.nodes += size
        if self.nodes > MAX_EXPANDED_NODES:
            raise _Stop(
                ALIAS_BOMB, event.start_mark,
                f"document expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases (an alias bomb?)",
            )
        return value


class _PureEvents:
    """ruamel's pure-Python parser behind the C parser's `get_event()`.

    libyaml's scanner (YAML 1.1) refuses some valid YAML 1.2, a `:` inside a plain scalar in a
    flow collection above all (`{decided: 2026-01-15 10:00:00}`), which the editor and
    check-jsonschema accept. When the C parser fails, this one decides, so a file is valid here
    exactly when it is valid YAML 1.2; the C parser stays the fast path for every other file.
    """

    def __init__(self, text: str) -> None:
        self.get_event = YAML(typ="safe", pure=True).parse(text).__next__


def _value_identity(value: Any) -> tuple:
    """YAML's key identity of a value the fast path resolved (dates are already ISO strings)."""
    if type(value) is str:
        return ("str", value)
    if value is None:
        return key_identity(":null", None)
    return key_identity(":" + {bool: "bool", int: "int", float: "float"}.get(type(value), "other"), value)


def _collision_message(key: str, first: str | None, second: str | None) -> str:
    """Two different YAML keys (`1` and `'1'`, `.inf` and `inf`) that become one text key here."""
    shown = [f"`{text}`" if text is not None else f"the string {key!r}" for text in (first, second)]
    return (
        f"keys {shown[0]} and {shown[1]} are different YAML keys but both read as {key!r} "
        "(guideline keys are text): rename or quote one"
    )


_NO_KEY = object()
BOM_MESSAGE = (
    "file starts with a byte-order mark: YAML allows it and it is skipped here, but diffs and some "
    "tools show it as content; `guidelines fmt` removes it (or save the file as UTF-8 without BOM)"
)


def parse_yaml(text: str, path: str) -> tuple[Any, list[Finding]]:
    """Parse one YAML 1.2 document into plain data; problems become findings, never exceptions.

    A leading byte-order mark is reported and skipped, so the rest of the file is still checked.
    """
    findings = []
    if text.startswith("\ufeff"):
        findings.append(problem(path, 1, 1, BYTE_ORDER_MARK, BOM_MESSAGE))
        text = text[1:]
    try:
        if _Parser is None:
            raise _NeedsFullLoader
        try:
            data = _Composer(text).document()
        except MarkedYAMLError:  # libyaml may refuse valid YAML 1.2: the pure parser decides
            data = _Composer(text, pure=True).document()
    except _NeedsFullLoader:
        data, more = _parse_full(text, path)
        return data, findings + more
    except _Stop as stop:
        line, column = _mark(stop.mark)
        return None, findings + [problem(path, line, column, stop.kind, stop.message)]
    except MarkedYAMLError as exc:
        return None, findings + [_yaml_error_finding(text, path, exc)]
    except ReaderError as exc:
        return None, findings + [_reader_error_finding(text, path, exc)]
    except (YAMLError, RecursionError, ValueError, TypeError) as exc:
        return None, findings + [syntax_finding(path, 1, 1, f"invalid YAML: {exc}")]
    return data, findings


def _reader_error_finding(text: str, path: str, exc: ReaderError) -> Finding:
    """A character YAML does not allow (NUL, other control characters), at its place."""
    position = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = exc.character if isinstance(exc.character, int) else 0
    return syntax_finding(path, line, column, f"character U+{character:04X} is not allowed in YAML ({exc.reason})")


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _yaml_error_finding(text: str, path: str, exc: MarkedYAMLError) -> Finding:
    """A parser error as a finding; a tab where indentation is expected gets its own code."""
    mark = exc.problem_mark or exc.context_mark
    line, column = _mark(mark)
    message = " ".join(str(part) for part in (exc.problem, exc.context) if part) or "invalid YAML"
    if "duplicate key" in message:
        return problem(path, line, column, DUPLICATE_KEY, message.split("\n")[0])
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in here[: max(column, 1)] and not here[: column - 1].strip(" \t"):
        return problem(path, line, here.index("\t") + 1, TAB_INDENT, "tab character in indentation (YAML indents with spaces only)")
    if "\t" in here and "cannot start any token" in message:
        return problem(path, line, here.index("\t") + 1, TAB_INDENT, "tab character where YAML expects spaces")
    return syntax_finding(path, line, column, message)


def _parse_full(text: str, path: str) -> tuple[Any, list[Finding]]:
    """ruamel's own safe loader, for documents the fast path does not take."""
    yaml = safe_yaml()
    yaml.max_depth = MAX_DEPTH
    try:
        try:
            data = yaml.load(text)
        except MarkedYAMLError:  # libyaml may refuse valid YAML 1.2 (see _PureEvents)
            yaml = safe_yaml(pure=True)
            yaml.max_depth = MAX_DEPTH
            data = yaml.load(text)
    except MarkedYAMLError as exc:
        return None, [_yaml_error_finding(text, path, exc)]
    except ReaderError as exc:
        return None, [_reader_error_finding(text, path, exc)]
    except (YAMLError, RecursionError, ValueError, TypeError, AttributeError) as exc:
        return None, [syntax_finding(path, 1, 1, f"invalid YAML: {exc}")]
    try:
        return _plain_scalars(data, set()), []
    except _Stop as stop:
        return None, [problem(path, 1, 1, stop.kind, stop.message)]


def _text_key(key: Any) -> str:
    return _key(_plain_scalar(key.value)) if isinstance(key, YamlKey) else _key(key)


def _plain_scalars(data: Any, active: set, budget: list | None = None) -> Any:
    """Copy ruamel's output into plain data (dates → ISO strings), refusing cycles and bombs."""
    budget = budget if budget is not None else [MAX_EXPANDED_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise _Stop(ALIAS_BOMB, None, f"document expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases (an alias bomb?)")
    if isinstance(data, (dict, list)):
        if id(data) in active:
            raise _Stop(ALIAS_BOMB, None, "document refers to itself through an alias")
        active.add(id(data))
        if isinstance(data, dict):
            result = {}
            written: dict[str, Any] = {}  # text key → the YAML key it came from
            for key, value in data.items():
                text = _text_key(key)
                if text in result:  # two YAML keys (`1` and `'1'`) that become one text key
                    shown = [str(k) if isinstance(k, YamlKey) else None for k in (written[text], key)]
                    raise _Stop(DUPLICATE_KEY, None, _collision_message(text, *shown))
                written[text] = key
                result[text] = _plain_scalars(value, active, budget)
        else:
            result = [_plain_scalars(item, active, budget) for item in data]
        active.discard(id(data))
        return result
    return _plain_scalar(data)


class FileProblem(Exception):
    """A path that cannot be read as a guideline file, and what to say about it."""

    def __init__(self, kind: tuple[str, str], message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


def read_file_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most `limit` of them; anything else raises `FileProblem`.

    Opened without blocking and checked on the open descriptor before any read: a FIFO named
    like a rule file would block `read()` forever, and a link to `/dev/zero` reports size 0 but
    never ends. Dangling links and link loops say what they are, not just "no such file".
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise FileProblem(UNREADABLE, _open_failure(Path(path), exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(UNREADABLE, f"not a regular file but {_file_type(mode)}: a guideline file must be a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileProblem(FILE_TOO_LARGE, _too_large_message(os.fstat(fd).st_size))
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem(UNREADABLE, f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _open_failure(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link leads back to itself): cannot read file"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"symbolic link to {os.readlink(path)!r}, which does not exist"
    return f"cannot read file: {exc.strerror or exc}"


def _file_type(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def read_text(path: Path, rel: str) -> tuple[str | None, list[Finding]]:
    """Read a file as UTF-8 text; size, type and encoding problems become findings."""
    try:
        raw = read_file_bytes(path)
    except FileProblem as exc:
        return None, [problem(rel, 1, 1, exc.kind, exc.message)]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [problem(rel, line, column, NOT_UTF8, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (save the file as UTF-8)")]


def _too_large(rel: str, size: int) -> Finding:
    return problem(rel, 1, 1, FILE_TOO_LARGE, _too_large_message(size))


def _too_large_message(size: int) -> str:
    return f"file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a guideline file may have"


def buffer_text(text: str, rel: str) -> tuple[str | None, list[Finding]]:
    """An editor buffer's text as `read_text` would give the file: refused when too large."""
    if len(text) * 4 > MAX_FILE_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [_too_large(rel, len(text.encode("utf-8", "surrogatepass")))]
    return text, []


_ID_ENTRY = re.compile(r"""(?:^|[\s{,])id[ \t]*:[ \t]*["']?([A-Za-z0-9][A-Za-z0-9_.-]*)""", re.MULTILINE)


def ids_of_broken_file(path: str, text: str | None) -> tuple[str, ...]:
    """The ids a file that could not be read seems to define: each `id: X` in its text, and its
    own name (`PPS-004.yaml`, the only clue when the text cannot be decoded).

    Rules and tasks that exist but failed to parse are known ids: a reference to them is not
    also reported as unknown elsewhere (the file's own finding says what to fix).
    """
    found = dict.fromkeys(_ID_ENTRY.findall(text or ""))
    found[Path(path).stem] = None
    return tuple(found)


def parse_file_text(text: str, path: str) -> ParsedFile:
    """Parse a guideline file's text into records (used for the work tree and for git blobs)."""
    data, findings = parse_yaml(text, path)
    parsed = ParsedFile(path=path, data=data, findings=findings, text=text)
    if data is None:
        if any(f.severity == "error" for f in findings):
            parsed.unread_ids = ids_of_broken_file(path, text)
        if not any(f.code != BYTE_ORDER_MARK[0] for f in findings):
            what = _emptiness(text)
            parsed.findings.append(problem(path, 1, 1, EMPTY_FILE, what))
        return parsed
    if not isinstance(data, dict):
        return parsed
    parsed.kind = data.get("kind") if isinstance(data.get("kind"), str) else None
    root = Source(path)
    if parsed.kind == "task":
        task = build_task(data, root)
        if task:
            parsed.tasks.append(task)
        for index, item in enumerate(_list(data.get("rules"))):
            rule = build_rule(item, root.child("rules", index), default_task=_str(data.get("id")))
            if rule:
                parsed.rules.append(rule)
    elif parsed.kind == "rule":
        rule = build_rule(data, root)
        if rule:
            parsed.rules.append(rule)
    elif parsed.kind == "project":
        parsed.project = build_project(data, root)
    elif parsed.kind == "experiment":
        experiment = build_experiment(data, root)
        if experiment:
            parsed.experiments.append(experiment)
    return parsed


def _emptiness(text: str) -> str:
    """Say what an empty document is made of, so the finding is clear about what to fix."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    content = [line for line in lines if line and not line.startswith("#")]
    if not content:
        return "file is empty" if not any(lines) else "file holds only comments"
    if all(line in ("---", "...") for line in content):
        return "file holds only document markers, no content"
    return "file's document is null (no `kind:` mapping)"


def build_task(data: dict, source: Source) -> Task | None:
    """A task mapping → Task (None without an id); loose values fall back to defaults, schema reports them."""
    task_id = _str(data.get("id"))
    if not task_id:
        return None
    labels = []
    for index, item in enumerate(_list(data.get("labels"))):
        if isinstance(item, dict) and _str(item.get("id")):
            labels.append(
                Label(
                    id=_str(item.get("id")),
                    name=_str(item.get("name")) or _str(item.get("id")),
                    definition=_str(item.get("definition")),
                    include=_strs(item.get("include")),
                    exclude=_strs(item.get("exclude")),
                    value=_number(item.get("value")),
                    source=source.child("labels", index),
                )
            )
    scale = data.get("scale") if data.get("scale") in ("nominal", "ordinal", "interval", "ratio") else "nominal"
    return Task(
        id=task_id,
        title=_str(data.get("title")) or task_id,
        description=_str(data.get("description")),
        scale=scale,
        multi_label=bool(data.get("multi_label", False)),
        labels=tuple(labels),
        agreement=build_policy(data["agreement"]) if isinstance(data.get("agreement"), dict) else None,
        source=source,
    )


def build_rule(data: Any, source: Source, default_task: str = "", *, memo: dict | None = None) -> Rule | None:
    """A rule mapping → Rule (None without an id); inline rules take the enclosing task by default.

    `memo` (history's, shared by every version of every file) hands back the examples already
    built from the very same parsed list at the same place, so versions share them.
    """
    if not isinstance(data, dict) or not _str(data.get("id")):
        return None
    fields = {name: read(data.get(name), source, memo) for name, read in RULE_READERS.items()}
    fields["task"] = fields["task"] or default_task
    return Rule(**fields, source=source)


def _status(value: Any, source: Source, memo: dict | None) -> str:
    return value if value in ("draft", "active", "deprecated") else "active"


def _ambiguous_cases(value: Any, source: Source, memo: dict | None) -> tuple[AmbiguousCase, ...]:
    return tuple(
        AmbiguousCase(
            case=_str(item.get("case")),
            resolution=_str(item.get("resolution")),
            decided=_str(item.get("decided")),
            by=_str(item.get("by")),
            label=_label(item.get("label")),
            quiz=item.get("quiz") is not False,
            source=source.child("ambiguous_cases", index),
        )
        for index, item in enumerate(_list(value))
        if isinstance(item, dict)
    )


# Each rule field is read from the key of the same name alone (`value` is None when the key is
# absent), so a field's value depends on that one entry and the rule's source: history builds
# a new version of a rule from the fields of its unchanged entries and reads only the new ones.
RULE_READERS: dict[str, Any] = {
    "id": lambda value, source, memo: _str(value),
    "task": lambda value, source, memo: _str(value),  # build_rule falls back to the enclosing task
    "title": lambda value, source, memo: _str(value),
    "status": _status,
    "labels": lambda value, source, memo: _strs(value),
    "decision": lambda value, source, memo: _str(value) or None,
    "when": lambda value, source, memo: _str(value),
    "unless": lambda value, source, memo: _strs(value),
    "rationale": lambda value, source, memo: _str(value),
    "examples": lambda value, source, memo: _examples(value, source, "examples", memo),
    "counterexamples": lambda value, source, memo: _examples(value, source, "counterexamples", memo),
    "ambiguous_cases": _ambiguous_cases,
    "overrides": lambda value, source, memo: _strs(value),
    "see_also": lambda value, source, memo: _strs(value),
    "replaced_by": lambda value, source, memo: _str(value) or None,
    "tags": lambda value, source, memo: _strs(value),
}


def build_policy(data: dict) -> AgreementPolicy:
    """An `agreement:` mapping → AgreementPolicy: defaults for what is missing, and which fields it set
    (so a task's partial block overrides only those fields of the project's policy)."""
    default = AgreementPolicy()
    given = {
        "metric": _str(data.get("metric")) or None,
        "confidence": _number(data.get("confidence")),
        "bootstrap": None if _number(data.get("bootstrap")) is None else int(data["bootstrap"]),
        "min_items": None if _number(data.get("min_items")) is None else int(data["min_items"]),
        "fdr": _number(data.get("fdr")),
    }
    given = {name: value for name, value in given.items() if value is not None}
    if "target" in data:  # `target: null` is meaningful: no target
        given["target"] = _number(data.get("target"))
    return replace(default, **given, explicit=frozenset(given))


def build_project(data: dict, source: Source) -> ProjectConfig:
    """`guidelines.yaml` → ProjectConfig, defaults for what is missing."""
    default = ProjectConfig()
    docs = data.get("docs") if isinstance(data.get("docs"), dict) else {}
    return ProjectConfig(
        name=_str(data.get("name")) or default.name,
        guidelines=_str(data.get("guidelines")) or default.guidelines,
        annotations=_str(data.get("annotations")) or default.annotations,
        gold=_str(data.get("gold")) or default.gold,
        branch=_str(data.get("branch")) or default.branch,
        release_tag_prefix=_str(data.get("release_tag_prefix")) if "release_tag_prefix" in data else default.release_tag_prefix,
        agreement=build_policy(data["agreement"]) if isinstance(data.get("agreement"), dict) else default.agreement,
        docs=DocsConfig(title=_str(docs.get("title")) or _str(data.get("name")) or DocsConfig().title),
        quiz=_quiz_config(data.get("quiz")),
        source=source,
    )


def build_experiment(data: dict, source: Source) -> Experiment | None:
    """An experiment mapping → Experiment (None without an id); loose values fall back to
    defaults, the schema reports them."""
    experiment_id = _str(data.get("id"))
    if not experiment_id:
        return None
    arms_data = data.get("arms") if isinstance(data.get("arms"), dict) else {}
    arms = {}
    for name in ("A", "B"):
        arm = arms_data.get(name) if isinstance(arms_data.get(name), dict) else {}
        arms[name] = ExperimentArm(commit=_str(arm.get("commit")), ref=_str(arm.get("ref")))
    sample = _mapping(data.get("sample"))
    measure = _mapping(data.get("measure"))
    decision = _mapping(data.get("decision"))
    power = _mapping(data.get("power"))
    return Experiment(
        id=experiment_id,
        task=_str(data.get("task")),
        rules=_strs(data.get("rules")),
        arms=arms,
        unit=data.get("unit") if data.get("unit") in ("item", "annotator") else "item",
        seed=_int(data.get("seed"), 0),
        assignment=_str(data.get("assignment")),
        title=_str(data.get("title")),
        items_per_arm=_int(sample.get("items_per_arm"), 0),
        per_item=_int(sample.get("per_item"), 0),
        annotators=_int(sample.get("annotators"), 0),
        scale=_str(measure.get("scale")) or "nominal",
        items=measure.get("items") if measure.get("items") in ("governed", "all") else "governed",
        confidence=_fraction(decision.get("confidence"), 0.95),
        min_items=_int(decision.get("min_items"), 30),
        effect=_number(power.get("effect")) or 0.10,
        planned=_str(data.get("planned")),
        conclusion=_conclusion(data.get("conclusion"), source.child("conclusion")),
        source=source,
    )


def _conclusion(value: Any, source: Source) -> ExperimentConclusion | None:
    if not isinstance(value, dict) or value.get("adopted") not in ("A", "B"):
        return None
    ci = value.get("ci")
    pair = tuple(float(v) for v in ci) if isinstance(ci, list) and len(ci) == 2 and all(
        _number(v) is not None for v in ci) else None
    return ExperimentConclusion(
        adopted=value["adopted"], verdict=_str(value.get("verdict")), delta=_number(value.get("delta")),
        ci=pair, p_value=_number(value.get("p_value")), method=_str(value.get("method")),
        commits=_strs(value.get("commits")), date=_str(value.get("date")), source=source,
    )


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int) -> int:
    number = _number(value)
    return int(number) if number is not None and float(number).is_integer() else default


def _fraction(value: Any, default: float) -> float:
    number = _number(value)
    return float(number) if number is not None and 0 < number < 1 else default


def _quiz_config(value: Any) -> QuizConfig:
    data = value if isinstance(value, dict) else {}
    mark = _number(data.get("pass_mark"))
    return QuizConfig(pass_mark=float(mark) if mark is not None and 0 <= mark <= 1 else QuizConfig().pass_mark,
                      results=_str(data.get("results")) or None)


def locate(root: Path, source: Source, *, value: bool = False) -> Location:
    """Line and column (1-based) of the key (or, with `value`, the value) `source.pointer` names.

    Falls back to the deepest position that exists, so a finding always has a place.
    """
    try:
        text = read_file_bytes(root / source.path).decode("utf-8")
    except (FileProblem, UnicodeDecodeError):
        return Location(source.path)
    return locate_text(text, source, value=value)


def locate_text(text: str, source: Source, *, value: bool = False) -> Location:
    """Like `locate()`, for text already in hand (a git blob, a file read once)."""
    return Location(source.path, *position(positions(text), source.pointer, value=value))


def positions(text: str) -> dict[tuple, tuple[int, int, int, int]]:
    """Every pointer of the document → (key line, key col, value line, value col), 0-based.

    Read from the parser's events (fast, C); a broken document gives what was read before it broke.
    """
    found: dict[tuple, tuple[int, int, int, int]] = {}
    text = text[1:] if text.startswith("\ufeff") else text
    if _Parser is None:
        return _round_trip_positions(text)
    try:
        _Composer(text, found).document()
    except MarkedYAMLError:  # as parse_yaml does: what libyaml refuses, the pure parser may read
        found = {}
        try:
            _Composer(text, found, pure=True).document()
        except (_Stop, _NeedsFullLoader, YAMLError, RecursionError, ValueError, TypeError):
            pass
    except (_Stop, _NeedsFullLoader, YAMLError, RecursionError, ValueError, TypeError):
        pass
    return found


def _round_trip_positions(text: str) -> dict[tuple, tuple[int, int, int, int]]:
    """Positions from the round-trip loader (only where the C parser is missing)."""
    try:
        node = YAML().load(text)
    except (YAMLError, RecursionError, ValueError):
        return {}
    found: dict[tuple, tuple[int, int, int, int]] = {}
    todo = [((), node)]
    while todo:
        pointer, node = todo.pop()
        lc = getattr(node, "lc", None)
        if lc is None:
            continue
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(node, dict):
                (kl, kc), (vl, vc) = lc.key(key), lc.value(key)
            else:
                kl, kc = vl, vc = lc.item(key)
            found[pointer + (key,)] = (kl, kc, vl, vc)
            todo.append((pointer + (key,), child))
    return found


def position(found: dict, pointer: tuple, *, value: bool = False) -> tuple[int, int]:
    """1-based (line, column) of `pointer`, or of its deepest existing ancestor."""
    for end in range(len(pointer), -1, -1):
        spot = found.get(tuple(pointer[:end]))
        if spot is not None:
            line, column = (spot[2], spot[3]) if value and end == len(pointer) else (spot[0], spot[1])
            return line + 1, column + 1
    return 1, 1


class Locator:
    """Positions for many findings, each file's events read at most once per run."""

    def __init__(self, root: Path, texts: dict[str, str] | None = None) -> None:
        self.root = root
        self.texts = texts or {}
        self._cache: dict[str, dict] = {}

    def __call__(self, source: Source, *, value: bool = False) -> Location:
        found = self._cache.get(source.path)
        if found is None:
            text = self.texts.get(source.path)
            if text is None:
                try:
                    text = read_file_bytes(self.root / source.path).decode("utf-8")
                except (FileProblem, UnicodeDecodeError):
                    text = ""
            found = self._cache[source.path] = positions(text)
        return Location(source.path, *position(found, source.pointer, value=value))


def _examples(value: Any, parent: Source, field: str, memo: dict | None = None) -> tuple[Example, ...]:
    if memo is not None and type(value) is list:
        key = (id(value), parent.path, parent.pointer, field)
        known = memo.get(key)
        if known is not None and known[0] is value:
            return known[1]
        built = _examples(value, parent, field)
        memo[key] = (value, built)  # the list is kept alive with it: its id stays its own
        return built
    source = parent.child(field)
    result = []
    for index, item in enumerate(_list(value)):
        if isinstance(item, dict):
            result.append(
                Example(
                    input=_str(item.get("input")),
                    label=_label(item.get("label")),
                    why=_str(item.get("why")),
                    media=_str(item.get("media")),
                    quiz=item.get("quiz") is not False,
                    source=source.child(index),
                )
            )
    return tuple(result)


def _label(value: Any) -> str | tuple[str, ...]:
    """An example's `label`: one id, or a tuple of ids (multi-label tasks)."""
    return _strs(value) if isinstance(value, list) else _str(value)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if type(value) is list and all(type(item) is str and item for item in value):
        return tuple(value)
    return tuple(_str(item) for item in _list(value) if _str(item))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def load_files(
    root: Path, paths: list[Path], texts: Mapping[str, str] | None = None, known: Mapping[str, ParsedFile] | None = None
) -> list[ParsedFile]:
    """Read and parse guideline files (paths absolute or relative to the cwd).

    `texts` (relative posix path → text) is read instead of the file on disk: unsaved buffers.
    `known` (relative posix path → an earlier parse) is reused when the text is the same.
    """
    parsed = []
    resolved_root = root.resolve()
    texts, known = texts or {}, known or {}
    with paused_gc():
        for path in paths:
            rel = relative_path(resolved_root, path)
            text, findings = buffer_text(texts[rel], rel) if rel in texts else read_text(path, rel)
            earlier = known.get(rel)
            if text is None:
                parsed.append(ParsedFile(path=rel, findings=findings, unread_ids=ids_of_broken_file(rel, None)))
            elif earlier is not None and earlier.text == text:
                parsed.append(earlier)
            else:
                parsed.append(parse_file_text(text, rel))
    return parsed


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading builds many acyclic objects.

    Every few hundred allocations the collector would walk all the data loaded so far; on a
    large project that is a third of the load time, for no garbage (plain dicts, lists, records).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def relative_path(root: Path, path: Path) -> str:
    """`path` relative to `root` as posix text (as given when it lies outside the root)."""
    path = Path(path)
    if path.is_absolute() and root.is_absolute():
        try:  # the common case (files found under the root): no file-system calls
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
