"""Source pointers → line:column: `locate()` re-reads a file's events with positions, only
for the few files that have findings."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from guidelines_tool.loading.files import FileProblem, read_file_bytes
from guidelines_tool.loading.reader import Composer, CParser, NeedsFullLoader, Stop
from guidelines_tool.model import Location, Source


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
    if CParser is None:
        return _round_trip_positions(text)
    try:
        Composer(text, found).document()
    except MarkedYAMLError:  # as parse_yaml does: what libyaml refuses, the pure parser may read
        found = {}
        try:
            Composer(text, found, pure=True).document()
        except (Stop, NeedsFullLoader, YAMLError, RecursionError, ValueError, TypeError):
            pass
    except (Stop, NeedsFullLoader, YAMLError, RecursionError, ValueError, TypeError):
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
