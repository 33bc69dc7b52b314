"""Go to definition, find references, document and workspace symbols, rename.

Each works on the `Index` of the project model: the id under the cursor is a `Ref` found by
its pointer; its definition and mentions are the other refs of the same entity.
"""

from __future__ import annotations

import re

from lsprotocol import types

from guidelines_tool.lsp.context import node_at
from guidelines_tool.lsp.documents import Doc, Projects, scalar_span, to_range
from guidelines_tool.lsp.index import Index, Ref
from guidelines_tool.lsp.state import ProjectState
from guidelines_tool.lsp.syntax import outline
from guidelines_tool.lsp.text import TextIndex

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")  # schemas/rule.schema.json, $defs.ruleId
LABEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # schemas/task.schema.json, label id
WORKSPACE_SYMBOL_LIMIT = 500


class RenameRefused(Exception):
    """The new name cannot be used; the message says why."""


def index_of(state: ProjectState) -> Index:
    """The index of the project model, rebuilt only after a change."""
    model = state.model()
    return state.memo("index", lambda: Index(model))


def ref_at(doc: Doc, position: types.Position) -> Ref | None:
    """The id under the cursor, as a ref of the index (None on anything else)."""
    node = node_at(doc.text, doc.offset(position))
    if node is None or node.is_key or node.kind != "scalar":
        return None
    return index_of(doc.state).at(doc.rel, node.pointer)


def definition(projects: Projects, doc: Doc, position: types.Position) -> list[types.Location]:
    ref = ref_at(doc, position)
    if ref is None:
        return []
    places = [projects.location(doc.state, d.source) for d in index_of(doc.state).definitions(ref.entity)]
    return [place for place in places if place is not None]


def references(projects: Projects, doc: Doc, position: types.Position, include_declaration: bool) -> list[types.Location]:
    ref = ref_at(doc, position)
    if ref is None:
        return []
    refs = [r for r in index_of(doc.state).mentions(ref.entity) if include_declaration or not r.definition]
    places = [projects.location(doc.state, r.source) for r in refs]
    return [place for place in places if place is not None]


# --- symbols ------------------------------------------------------------------------------------


def document_symbols(doc: Doc) -> list[types.DocumentSymbol]:
    """A task file: the task, its labels and inline rules; a rule file: the rule."""
    parsed = doc.state.parsed(doc.rel)
    if parsed is None:
        return []
    view = outline(doc.text)
    symbols = []
    for task in parsed.tasks:
        children = [_symbol(doc, view, label.source.pointer, label.id, label.name, types.SymbolKind.EnumMember)
                    for label in task.labels]
        children += [_symbol(doc, view, rule.source.pointer, rule.id, rule.title, types.SymbolKind.Class)
                     for rule in parsed.rules]
        symbols.append(_symbol(doc, view, task.source.pointer, task.id, task.title, types.SymbolKind.Module,
                               [c for c in children if c is not None]))
    if not parsed.tasks:
        symbols += [_symbol(doc, view, rule.source.pointer, rule.id, rule.title, types.SymbolKind.Class)
                    for rule in parsed.rules]
    return [symbol for symbol in symbols if symbol is not None]


def _symbol(doc: Doc, view, pointer: tuple, name: str, detail: str, kind: types.SymbolKind,
            children: list | None = None) -> types.DocumentSymbol | None:
    whole = view.values.get(pointer)
    ident = view.values.get(pointer + ("id",))
    if whole is None or ident is None:
        return None
    start = doc.index.offset_of_mark(*whole.start)
    end = max(doc.index.offset_of_mark(*whole.end), start)
    end = start + len(doc.text[start:end].rstrip())
    selection = scalar_span(ident, doc.index)
    start, end = min(start, selection[0]), max(end, selection[1])
    return types.DocumentSymbol(name=name, detail=detail, kind=kind, range=doc.range(start, end),
                                selection_range=doc.range(*selection), children=children or None)


def workspace_symbols(projects: Projects, query: str) -> list[types.SymbolInformation]:
    """Every rule (id and title) and task of the loaded projects that matches `query`."""
    words = query.lower().split()
    found = []
    for state in list(projects.states.values()):
        model = state.model()
        candidates = [(rule.id, rule.title, rule.source, types.SymbolKind.Class, rule.task) for rule in model.rules]
        candidates += [(task.id, task.title, task.source, types.SymbolKind.Module, "") for task in model.all_tasks]
        for ident, title, source, kind, container in candidates:
            text = f"{ident} {title}".lower()
            if all(word in text for word in words):
                found.append((state, ident, title, source, kind, container))
            if len(found) >= WORKSPACE_SYMBOL_LIMIT:
                break
    symbols = []
    for state, ident, title, source, kind, container in found:
        place = projects.location(state, source.child("id"))
        if place is not None:
            symbols.append(types.SymbolInformation(name=f"{ident} {title}", kind=kind, location=place,
                                                   container_name=container or None))
    return symbols


# --- rename -------------------------------------------------------------------------------------


def prepare_rename(doc: Doc, position: types.Position) -> types.PrepareRenamePlaceholder | None:
    ref = ref_at(doc, position)
    if ref is None or ref.kind not in ("rule", "label"):
        return None
    node = node_at(doc.text, doc.offset(position))
    start, end = scalar_span(node, doc.index)
    return types.PrepareRenamePlaceholder(range=doc.range(start, end), placeholder=ref.id)


def rename(projects: Projects, doc: Doc, position: types.Position, new_name: str,
           *, document_changes: bool = False) -> types.WorkspaceEdit | None:
    """Rename a rule id or a label id everywhere the project names it."""
    ref = ref_at(doc, position)
    if ref is None:
        return None
    if ref.kind == "task":
        raise RenameRefused("renaming a task id is not supported (rename rule ids and label ids)")
    new_name = new_name.strip()
    _check_name(doc.state, ref, new_name)
    edits: dict[str, list[types.TextEdit]] = {}
    for mention in index_of(doc.state).mentions(ref.entity):
        text = doc.state.text(mention.source.path)
        node = outline(text or "").values.get(mention.source.pointer)
        if text is None or node is None or node.kind != "scalar" or node.style in ("|", ">"):
            continue
        index = TextIndex(text, projects.encoding)
        start, end = scalar_span(node, index)
        if text[start:end] != ref.id:  # written another way (escapes, a folded line): leave it
            continue
        edits.setdefault(projects.uri(doc.state, mention.source.path), []).append(
            types.TextEdit(range=to_range(index, start, end), new_text=new_name))
    if not edits:
        return None
    if document_changes:
        return types.WorkspaceEdit(document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=list(changes),
            )
            for uri, changes in sorted(edits.items())
        ])
    return types.WorkspaceEdit(changes=dict(sorted(edits.items())))


def _check_name(state: ProjectState, ref: Ref, new_name: str) -> None:
    model = state.model()
    if ref.kind == "rule":
        if not RULE_ID.match(new_name):
            raise RenameRefused(f"{new_name!r} is not a valid rule id (upper-case letters and digits in "
                                "dash-separated parts, like PPS-004)")
        if new_name != ref.id and model.rule(new_name) is not None:
            rule = model.rule(new_name)
            raise RenameRefused(f"rule id {new_name} is taken ({rule.title}, {rule.source.path})")
    else:
        if not LABEL_ID.match(new_name):
            raise RenameRefused(f"{new_name!r} is not a valid label id (letters, digits, `_`, `.` and `-`, "
                                "starting with a letter or digit)")
        task = model.tasks.get(ref.scope)
        if task is None:
            raise RenameRefused(f"label {ref.id!r} belongs to task {ref.scope!r}, which the project does not define")
        if new_name != ref.id and new_name in task.label_ids:
            raise RenameRefused(f"task {task.id} already has a label {new_name!r}")
