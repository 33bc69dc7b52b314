"""Completion: keys (with the schema's descriptions), the task's label ids where a label goes,
rule ids where a rule is named (title as detail), task ids, the schema's choices (`status`,
`scale`, ...), lint codes in guidelines.yaml, and snippets for a new example, counterexample or
ambiguous case.

The project model behind it is the last good one (`ProjectState.model`): a task file that does
not parse right now still lends its labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from guidelines_tool.lint import code_table
from guidelines_tool.lsp import schemas
from guidelines_tool.lsp.context import Place, place_at
from guidelines_tool.lsp.documents import Doc
from guidelines_tool.lsp.syntax import outline
from guidelines_tool.model import Project

LABEL_FIELDS = {("labels",), ("decision",), ("examples", "label"), ("counterexamples", "label")}
RULE_FIELDS = {("overrides",), ("see_also",), ("replaced_by",)}
ITEM_SNIPPETS = {  # list field → (what one item is called, its keys as snippet lines)
    "examples": ("example", ("input: ${1:text, or a path or URL to an asset}", "label: ${2:label}", "why: ${3:why it gets this label}")),
    "counterexamples": ("counterexample", ("input: ${1:a near miss}", "label: ${2:label}", "why: ${3:why it gets another label}")),
    "ambiguous_cases": ("ambiguous case", ("case: ${1:the hard case}", "resolution: ${2:how it is labelled}", "decided: ${3:$CURRENT_YEAR-$CURRENT_MONTH-$CURRENT_DATE}")),
}


@dataclass(frozen=True)
class Client:
    """What the client can take."""

    snippets: bool = False
    markdown: bool = False


def complete(doc: Doc, position: types.Position, client: Client) -> list[types.CompletionItem]:
    place = place_at(doc.text, doc.offset(position))
    if place is None:
        return []
    kind = doc.kind
    model = doc.state.model()
    if place.role == "value" and place.pointer == ():  # an empty document: its first key
        place = Place((), "key", place.prefix, place.start, place.end, place.column, True)
    if place.role == "key":
        return _keys(doc, place, kind, client)
    return _values(doc, place, kind, model, client)


# --- keys ---------------------------------------------------------------------------------------


def _keys(doc: Doc, place: Place, kind: str | None, client: Client) -> list[types.CompletionItem]:
    if kind == "project" and place.pointer == ("lint", "severity"):
        return [_item(doc, place, f"{code}: ", code, types.CompletionItemKind.Property, name, "", client)
                for code, (name, _severity, _text) in code_table().items()]
    keys = schemas.keys_of(kind, place.pointer) if kind else {"kind": {}}
    required = schemas.required_of(kind, place.pointer)
    items = []
    for order, (name, node) in enumerate(keys.items()):
        if name in place.present:
            continue
        detail = schemas.type_text(kind, node) + (" (required)" if name in required else "")
        items.append(_item(doc, place, f"{name}: ", name, types.CompletionItemKind.Property, detail,
                           schemas.description(kind, node), client, sort=f"{0 if name in required else 1}{order:03d}"))
    return items


# --- values -------------------------------------------------------------------------------------


def _values(doc: Doc, place: Place, kind: str | None, model: Project, client: Client) -> list[types.CompletionItem]:
    rule_root, within = _rule_part(kind, place.pointer)
    fields = tuple(part for part in within if isinstance(part, str))
    if rule_root is not None:
        if fields in LABEL_FIELDS:
            return _labels(doc, place, model, _task_of(doc, rule_root), client)
        if fields in RULE_FIELDS:
            return _rules(doc, place, model, _rule_id_at(doc, rule_root), client)
        if fields == ("task",):
            return [_item(doc, place, task.id, task.id, types.CompletionItemKind.Module, task.title, task.description, client)
                    for task in sorted(model.tasks.values(), key=lambda t: t.id)]
        if len(fields) == 1 and fields[0] in ITEM_SNIPPETS:
            return _snippets(doc, place, fields[0], len(within) == 2, client)
    if kind == "project" and place.pointer[:2] == ("lint", "disable"):
        return [_item(doc, place, code, code, types.CompletionItemKind.EnumMember, f"{name} ({severity})", text, client)
                for code, (name, severity, text) in code_table().items()]
    node = schemas.node_at(kind, place.pointer) if kind else None
    if kind is None and place.pointer == ("kind",):
        return [_item(doc, place, k, k, types.CompletionItemKind.EnumMember, "", "", client) for k in ("rule", "task", "project")]
    described = schemas.description(kind, node)
    return [_item(doc, place, _yaml_text(value), _yaml_text(value), types.CompletionItemKind.EnumMember, "", described, client)
            for value in schemas.choices(kind, node)]


def _rule_part(kind: str | None, pointer: tuple) -> tuple[tuple | None, tuple]:
    """(pointer of the rule mapping, pointer inside it) — or (None, pointer) outside a rule."""
    if kind == "rule":
        return (), pointer
    if kind == "task" and len(pointer) >= 2 and pointer[0] == "rules" and isinstance(pointer[1], int):
        return pointer[:2], pointer[2:]
    return None, pointer


def _task_of(doc: Doc, rule_root: tuple) -> str:
    """The task of the rule being edited: its `task:` as written, else the enclosing task."""
    view = outline(doc.text)
    node = view.values.get(rule_root + ("task",))
    if node is not None and node.kind == "scalar" and node.text:
        return node.text
    parsed = doc.state.parsed(doc.rel)
    if parsed is not None:
        for rule in parsed.rules:
            if rule.source.pointer == rule_root and rule.task:
                return rule.task
        if parsed.tasks:
            return parsed.tasks[0].id
    task_id = view.values.get(("id",))
    return task_id.text if rule_root and task_id is not None else ""


def _rule_id_at(doc: Doc, rule_root: tuple) -> str:
    node = outline(doc.text).values.get(rule_root + ("id",))
    return node.text if node is not None and node.kind == "scalar" else ""


def _labels(doc: Doc, place: Place, model: Project, task_id: str, client: Client) -> list[types.CompletionItem]:
    task = model.tasks.get(task_id)
    if task is None:
        return []
    items = []
    for order, label in enumerate(task.labels):
        lines = [label.definition] if label.definition else []
        lines += [f"- include: {text}" for text in label.include] + [f"- exclude: {text}" for text in label.exclude]
        items.append(_item(doc, place, label.id, label.id, types.CompletionItemKind.EnumMember,
                           f"{label.name} ({task.id})", "\n".join(lines), client, sort=f"{order:04d}"))
    return items


def _rules(doc: Doc, place: Place, model: Project, own_id: str, client: Client) -> list[types.CompletionItem]:
    items = []
    for rule in sorted(model.rules_by_id.values(), key=lambda r: r.id):
        if rule.id == own_id:
            continue
        text = f"{rule.status} · task {rule.task}" + (f" · decides {rule.decision}" if rule.decision else "")
        title = rule.title + (" (deprecated)" if rule.status == "deprecated" else "")
        items.append(_item(doc, place, rule.id, rule.id, types.CompletionItemKind.Reference, title, text, client))
    return items


def _snippets(doc: Doc, place: Place, field: str, as_item: bool, client: Client) -> list[types.CompletionItem]:
    """A new list item: the body (the cursor is after `- `) or the whole item with its dash."""
    name, lines = ITEM_SNIPPETS[field]
    if as_item:
        indent, head = " " * place.column, ""
    elif place.line_start:
        indent, head = " " * (place.column + 2), "- "
    else:  # on the key's line (`examples: |`): the item goes on the next line
        key_column = doc.text.rfind("\n", 0, place.start) + 1
        base = len(doc.text[key_column:place.start]) - len(doc.text[key_column:place.start].lstrip())
        indent, head = " " * (base + 4), "\n" + " " * (base + 2) + "- "
    body = head + ("\n" + indent).join(lines)
    plain = body.replace("${1:", "").replace("${2:", "").replace("${3:", "").replace("}", "")
    plain = plain.replace("$CURRENT_YEAR-$CURRENT_MONTH-$CURRENT_DATE", "")
    item = _item(doc, place, body if client.snippets else plain, f"new {name}", types.CompletionItemKind.Snippet,
                 f"a new item of {field}", "", client, sort="0")
    if client.snippets:
        item.insert_text_format = types.InsertTextFormat.Snippet
    return [item]


def _yaml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _item(doc: Doc, place: Place, new_text: str, label: str, kind: types.CompletionItemKind, detail: str,
          documentation: str, client: Client, *, sort: str | None = None) -> types.CompletionItem:
    if place.after_colon and not new_text.startswith("\n"):
        new_text = " " + new_text
    docs: str | types.MarkupContent | None = None
    if documentation:
        docs = types.MarkupContent(kind=types.MarkupKind.Markdown, value=documentation) if client.markdown else documentation
    return types.CompletionItem(
        label=label,
        kind=kind,
        detail=detail or None,
        documentation=docs,
        sort_text=sort,
        filter_text=label if not new_text.startswith(("\n", " ")) else None,
        text_edit=types.TextEdit(range=doc.range(place.start, place.end), new_text=new_text),
    )
