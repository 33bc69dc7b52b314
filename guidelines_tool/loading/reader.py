"""The YAML reader: text → plain data, and the findings reading it gives.

Parsing is split in two so the common path stays fast:

* `parse_yaml()` turns text into plain data. It drives ruamel.yaml's C parser (libyaml, YAML 1.2
  as ruamel resolves it) event by event and builds dicts and lists itself: ruamel's Python
  constructor and resolver are where a safe load spends ~90 % of its time, and almost every
  scalar in a guideline file is a plain string that needs no resolving. Scalars that could be
  something else (numbers, booleans, null, dates) go through ruamel's own resolver and
  constructor, so the result is what `YAML(typ="safe").load()` gives; documents with explicit
  tags, merge keys or a `%YAML` directive are handed to that loader whole. The same pass finds
  duplicate keys, alias bombs and over-deep nesting, and never raises for bad input.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import events as ev
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from guidelines_tool.model import Finding

try:  # libyaml through ruamel.yaml.clib; without it the pure parser gives the same events
    from _ruamel_yaml import CParser
except ImportError:  # pragma: no cover - exercised only where the C extension is missing
    CParser = None

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


def problem(path: str, line: int, column: int, kind: tuple[str, str], message: str) -> Finding:
    """A loading finding: an error (the file cannot be trusted as read) unless in LOADING_WARNINGS."""
    return Finding(path, line, column, kind[0], kind[1], "warning" if kind[0] in LOADING_WARNINGS else "error", message)


def syntax_finding(path: str, line: int, column: int, message: str) -> Finding:
    """A YAML syntax finding (GL001)."""
    return problem(path, line, column, YAML_SYNTAX, message)


class Stop(Exception):
    """A problem that ends the parse of one document (a finding, not a crash)."""

    def __init__(self, kind: tuple[str, str], mark: Any, message: str) -> None:
        super().__init__(message)
        self.kind, self.mark, self.message = kind, mark, message


class NeedsFullLoader(Exception):
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
        raise NeedsFullLoader  # a merge key: ruamel's constructor flattens it
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


class Composer:
    """Builds plain data from parser events; with `positions`, also records where each pointer is.

    `positions[pointer] = (key_line, key_col, value_line, value_col)`, 0-based; for list items
    the key position is the item's own. The loop is written for speed (locals, no per-event
    method calls for plain strings): it runs once per scalar of every file.
    """

    def __init__(self, text: str, positions: dict | None = None, *, pure: bool = False) -> None:
        self.parser = _PureEvents(text) if pure else CParser(text)
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
            raise NeedsFullLoader  # (positions alone do not depend on the directive)
        data = self.node(get(), ())
        get()  # DocumentEnd
        event = get()
        if type(event) is not _STREAM_END:
            raise Stop(MULTIPLE_DOCUMENTS, event.start_mark, "file holds more than one YAML document")
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
                        raise Stop(TOO_DEEP, event.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
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
                        raise Stop(DUPLICATE_KEY, event.start_mark, message)
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
            raise NeedsFullLoader
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
            except NeedsFullLoader:
                return value
        if event.ctag is not None:
            raise NeedsFullLoader
        if not event.style and (not value or value[0] in _MAYBE_SPECIAL):
            value = _resolve_plain(value)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        return value

    def alias(self, event: Any) -> Any:
        try:
            value, size = self.anchors[event.anchor]
        except KeyError:
            raise Stop(YAML_SYNTAX, event.start_mark, f"alias *{event.anchor} names no complete anchor above it") from None
        self.nodes += size
        if self.nodes > MAX_EXPANDED_NODES:
            raise Stop(
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
        if CParser is None:
            raise NeedsFullLoader
        try:
            data = Composer(text).document()
        except MarkedYAMLError:  # libyaml may refuse valid YAML 1.2: the pure parser decides
            data = Composer(text, pure=True).document()
    except NeedsFullLoader:
        data, more = _parse_full(text, path)
        return data, findings + more
    except Stop as stop:
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
    except Stop as stop:
        return None, [problem(path, 1, 1, stop.kind, stop.message)]


def _text_key(key: Any) -> str:
    return _key(_plain_scalar(key.value)) if isinstance(key, YamlKey) else _key(key)


def _plain_scalars(data: Any, active: set, budget: list | None = None) -> Any:
    """Copy ruamel's output into plain data (dates → ISO strings), refusing cycles and bombs."""
    budget = budget if budget is not None else [MAX_EXPANDED_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise Stop(ALIAS_BOMB, None, f"document expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases (an alias bomb?)")
    if isinstance(data, (dict, list)):
        if id(data) in active:
            raise Stop(ALIAS_BOMB, None, "document refers to itself through an alias")
        active.add(id(data))
        if isinstance(data, dict):
            result = {}
            written: dict[str, Any] = {}  # text key → the YAML key it came from
            for key, value in data.items():
                text = _text_key(key)
                if text in result:  # two YAML keys (`1` and `'1'`) that become one text key
                    shown = [str(k) if isinstance(k, YamlKey) else None for k in (written[text], key)]
                    raise Stop(DUPLICATE_KEY, None, _collision_message(text, *shown))
                written[text] = key
                result[text] = _plain_scalars(value, active, budget)
        else:
            result = [_plain_scalars(item, active, budget) for item in data]
        active.discard(id(data))
        return result
    return _plain_scalar(data)
