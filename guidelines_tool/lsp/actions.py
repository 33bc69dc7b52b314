"""Code actions for the findings that have a fix, the schema modeline, and formatting (`fmt`).

Fixes: a did-you-mean id, key or value (unknown label, rule, task, kind, key or choice: the
close matches among what the project or the schema allows, as the finding's own hint finds
them); a deprecated rule without `replaced_by` (the rules that override it, or decide between
the same labels, as candidates); `replaced_by` on a rule that is not deprecated (set the status).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from guidelines_tool.lsp import schemas
from guidelines_tool.lsp.documents import Doc, scalar_span
from guidelines_tool.lsp.syntax import Node, outline
from guidelines_tool.model import Project, Rule
from guidelines_tool.schema import schema_file_name, schema_texts

MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=", re.MULTILINE)
ADD_MODELINE = "source.addSchemaModeline"
KINDS = ("project", "task", "rule")


def code_actions(doc: Doc, params: types.CodeActionParams, *, resource_create: bool) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    model = doc.state.model()
    for diagnostic in params.context.diagnostics:
        if diagnostic.source not in (None, "guidelines"):
            continue
        actions += _fixes(doc, model, diagnostic)
    modeline = add_modeline(doc, resource_create=resource_create)
    if modeline is not None:
        actions.append(modeline)
    only = params.context.only
    if only:
        actions = [a for a in actions if any(str(a.kind).startswith(str(kind)) for kind in only)]
    return actions


def _fixes(doc: Doc, model: Project, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    node = _node_at(doc, diagnostic.range.start)
    if node is None:
        return []
    code = str(diagnostic.code)
    rule = _rule_around(doc, model, node.pointer)
    if code == "GL301" and rule is not None:
        return _set_replaced_by(doc, model, rule, diagnostic)
    if code == "GL305" and rule is not None:
        return _set_deprecated(doc, rule, diagnostic)
    candidates = _candidates(doc, model, code, node, rule)
    if not candidates or node.kind != "scalar" or node.style in ("|", ">"):
        return []
    close = difflib.get_close_matches(node.text, candidates, n=3)
    start, end = scalar_span(node, doc.index)
    return [
        _action(f"Change to {choice!r}", doc, [types.TextEdit(range=doc.range(start, end), new_text=choice)],
                diagnostic, preferred=index == 0)
        for index, choice in enumerate(close)
    ]


def _candidates(doc: Doc, model: Project, code: str, node: Node, rule: Rule | None) -> list[str]:
    if code == "GL206" and rule is not None and rule.task in model.tasks:
        return list(model.tasks[rule.task].label_ids)
    if code == "GL208":
        return sorted(model.rules_by_id)
    if code == "GL204":
        return sorted(model.tasks)
    if code == "GL201":
        return list(KINDS)
    if code == "GL101" and node.is_key:
        return list(schemas.keys_of(doc.kind, node.pointer[:-1]))
    if code == "GL103" and not node.is_key:
        return [str(c) for c in schemas.choices(doc.kind, schemas.node_at(doc.kind, node.pointer)) if isinstance(c, str)]
    return []


def _node_at(doc: Doc, position: types.Position) -> Node | None:
    mark = doc.index.mark_of_offset(doc.offset(position))
    nodes = outline(doc.text).starting_at(mark)
    return nodes[0] if nodes else None


def _rule_around(doc: Doc, model: Project, pointer: tuple) -> Rule | None:
    """The rule of this file whose mapping holds `pointer` (the newest parse, else the last good)."""
    parsed = doc.state.parsed(doc.rel)
    for rule in parsed.rules if parsed is not None else ():
        if pointer[: len(rule.source.pointer)] == rule.source.pointer:
            return rule
    return None


def _set_replaced_by(doc: Doc, model: Project, rule: Rule, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    successors = [r.id for r in model.rules if rule.id in r.overrides and r.status != "deprecated"]
    successors += [r.id for r in model.rules if r.task == rule.task and r.id != rule.id and r.status == "active"
                   and set(r.labels) == set(rule.labels) and r.id not in successors]
    return [
        _action(f"Set replaced_by: {successor}", doc, edits, diagnostic, preferred=index == 0)
        for index, successor in enumerate(successors[:3])
        if (edits := _set_field(doc, rule, "replaced_by", successor))
    ]


def _set_deprecated(doc: Doc, rule: Rule, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    edits = _set_field(doc, rule, "status", "deprecated")
    return [_action("Set status: deprecated", doc, edits, diagnostic, preferred=True)] if edits else []


def _set_field(doc: Doc, rule: Rule, key: str, value: str) -> list[types.TextEdit]:
    """Replace a field's value, or add `key: value` on a line of its own below `status`/`id`."""
    view = outline(doc.text)
    root = rule.source.pointer
    node = view.values.get(root + (key,))
    if node is not None and node.kind == "scalar":
        start, end = scalar_span(node, doc.index)
        if start == end and start > 0 and doc.text[start - 1] == ":":
            value = " " + value
        return [types.TextEdit(range=doc.range(start, end), new_text=value)]
    if node is not None:
        return []
    mapping = view.values.get(root)
    anchor = next((view.keys[root + (k,)] for k in ("status", "id") if root + (k,) in view.keys), None)
    if mapping is None or mapping.flow or anchor is None:
        return []
    after = view.values.get(root + (anchor.text,))
    if after is None or after.kind != "scalar" or after.style in ("|", ">"):
        return []
    line_end = doc.index.offset_of_mark(*after.end)
    while line_end < len(doc.text) and doc.text[line_end] not in "\r\n":
        line_end += 1
    newline = "\r\n" if "\r\n" in doc.text else "\n"
    return [types.TextEdit(range=doc.range(line_end, line_end), new_text=f"{newline}{' ' * anchor.start[1]}{key}: {value}")]


def _action(title: str, doc: Doc, edits: list[types.TextEdit], diagnostic: types.Diagnostic | None,
            *, preferred: bool = False) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic] if diagnostic else None,
        is_preferred=preferred or None,
        edit=types.WorkspaceEdit(changes={doc.uri: edits}),
    )


# --- the schema modeline ----------------------------------------------------------------------


def add_modeline(doc: Doc, *, resource_create: bool) -> types.CodeAction | None:
    """`# yaml-language-server: $schema=<relative path>` at the top, pointing at the project's
    copy of the schema (`schemas/<kind>.schema.json`, as `guidelines init` writes it)."""
    kind = doc.kind
    if kind not in KINDS or MODELINE.search(doc.text):
        return None
    schema = doc.state.root / "schemas" / schema_file_name(kind)
    here = (doc.state.root / doc.rel).parent
    relative = Path(os.path.relpath(schema, here)).as_posix()
    newline = "\r\n" if "\r\n" in doc.text else "\n"
    line = types.TextEdit(range=doc.range(0, 0), new_text=f"# yaml-language-server: $schema={relative}{newline}")
    title = f"Add the schema modeline ({relative})"
    if schema.is_file():
        return types.CodeAction(title=title, kind=ADD_MODELINE, edit=types.WorkspaceEdit(changes={doc.uri: [line]}))
    if not resource_create:
        return None
    schema_uri = from_fs_path(str(schema)) or ""
    text = schema_texts()[kind]
    changes: list = [
        types.CreateFile(uri=schema_uri, options=types.CreateFileOptions(ignore_if_exists=True)),
        types.TextDocumentEdit(text_document=types.OptionalVersionedTextDocumentIdentifier(uri=schema_uri, version=None),
                               edits=[types.TextEdit(range=types.Range(start=types.Position(line=0, character=0),
                                                                       end=types.Position(line=0, character=0)),
                                                     new_text=text if text.endswith("\n") else text + "\n")]),
        types.TextDocumentEdit(text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=None),
                               edits=[line]),
    ]
    return types.CodeAction(title=f"{title} and write schemas/{schema_file_name(kind)}", kind=ADD_MODELINE,
                            edit=types.WorkspaceEdit(document_changes=changes))


# --- formatting -------------------------------------------------------------------------------


class FormatRefused(Exception):
    """The buffer cannot be formatted safely; the message says why and where."""


def format_edits(doc: Doc) -> list[types.TextEdit]:
    """`guidelines fmt` on the buffer, as edits of the lines that change (comments kept)."""
    from guidelines_tool.formatting import FormatProblem, NotGuideline, format_text  # only when asked: it is big

    text = doc.text
    try:
        formatted = format_text(text)
    except NotGuideline:
        return []
    except FormatProblem as problem:
        raise FormatRefused(f"{doc.rel}:{problem.line}:{problem.column}: {problem.message}") from None
    if "\r\n" in text:  # as `fmt` writes files: CRLF stays CRLF
        formatted = formatted.replace("\n", "\r\n")
    if formatted == text:
        return []
    return list(_line_edits(doc, text, formatted))


def _line_edits(doc: Doc, before: str, after: str) -> Iterable[types.TextEdit]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            yield types.TextEdit(range=doc.range(starts[i1], starts[i2]), new_text="".join(new[j1:j2]))

