"""Documents as the features see them: which project a URI belongs to, its text, and ranges of
pointers in any file of the project (open or not)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from guidelines_tool.project import CONFIG_NAME
from guidelines_tool.loading import relative_path
from guidelines_tool.lsp.state import ProjectState
from guidelines_tool.lsp.syntax import Node, outline
from guidelines_tool.lsp.text import TextIndex
from guidelines_tool.model import Source


@dataclass
class Doc:
    """One project file with its current text (the buffer when open)."""

    state: ProjectState
    rel: str
    uri: str
    text: str
    index: TextIndex

    def offset(self, position: types.Position) -> int:
        return self.index.offset(position.line, position.character)

    def range(self, start: int, end: int) -> types.Range:
        return to_range(self.index, start, end)

    @property
    def kind(self) -> str | None:
        """The document's kind: as last parsed, else as written on its `kind:` line."""
        if self.rel == CONFIG_NAME:
            return "project"
        parsed = self.state.parsed(self.rel)
        if parsed is not None and parsed.kind:
            return parsed.kind
        node = outline(self.text).values.get(("kind",))
        return node.text if node is not None and node.kind == "scalar" else None


def to_range(index: TextIndex, start: int, end: int) -> types.Range:
    first, last = index.position(start), index.position(end)
    return types.Range(
        start=types.Position(line=first.line, character=first.character),
        end=types.Position(line=last.line, character=last.character),
    )


def scalar_span(node: Node, index: TextIndex) -> tuple[int, int]:
    """Offsets of a scalar's content (inside its quotes, when quoted)."""
    start = index.offset_of_mark(*node.start)
    end = index.offset_of_mark(*node.end)
    if node.quoted and end - start >= 2:
        return start + 1, end - 1
    return start, end


class Projects:
    """The guideline projects of the files the editor shows, found from each file's folder."""

    def __init__(self) -> None:
        self.states: dict[Path, ProjectState] = {}
        self._roots: dict[Path, Path | None] = {}
        self.encoding = "utf-16"
        self.defer_schema = False  # new projects: schema-check the open files first (the server)
        self.use_cache = False  # new projects: use the parse cache between sessions (the server)

    def root_of(self, folder: Path) -> Path | None:
        if folder not in self._roots:
            found = None
            for candidate in (folder, *folder.parents):
                if (candidate / CONFIG_NAME).is_file():
                    found = candidate
                    break
            self._roots[folder] = found
        return self._roots[folder]

    def forget_roots(self) -> None:
        """A guidelines.yaml appeared or went: look for roots again."""
        self._roots.clear()

    def project_of(self, uri: str) -> tuple[ProjectState, str] | None:
        """The project a URI belongs to and its path in it (None: not a guideline file)."""
        path_text = to_fs_path(uri) if uri.startswith("file:") else None
        if not path_text:
            return None
        path = Path(path_text)
        root = self.root_of(path.parent.resolve())
        if root is None:
            return None
        state = self.states.get(root)
        if state is None:
            state = self.states[root] = ProjectState(root, use_cache=self.use_cache)
            if self.defer_schema:
                state.defer_schema = set()
        rel = relative_path(state.root, path.resolve())
        if state.project is None:
            state.refresh()
        return (state, rel) if state.is_project_file(rel) else None

    def uri(self, state: ProjectState, rel: str) -> str:
        return from_fs_path(str(state.root / rel)) or ""

    def doc(self, uri: str, buffer: str | None = None) -> Doc | None:
        found = self.project_of(uri)
        if found is None:
            return None
        state, rel = found
        text = buffer if buffer is not None else state.text(rel)
        if text is None:
            return None
        return Doc(state, rel, uri, text, TextIndex(text, self.encoding))

    def location(self, state: ProjectState, source: Source) -> types.Location | None:
        """Where a pointer's scalar is, in whichever file of the project holds it."""
        text = state.text(source.path)
        if text is None:
            return None
        node = outline(text).values.get(source.pointer)
        if node is None or node.kind != "scalar":
            return None
        index = TextIndex(text, self.encoding)
        return types.Location(uri=self.uri(state, source.path), range=to_range(index, *scalar_span(node, index)))
