"""Hover: a rule id shows the rule (title, decision, status) and its latest revisions with their
impact verdicts; a label id its definition and include/exclude lists; a task id the task; a key
what the schema says about it."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from guidelines_tool.lsp import schemas
from guidelines_tool.lsp.context import node_at
from guidelines_tool.lsp.documents import Doc
from guidelines_tool.lsp.navigation import index_of
from guidelines_tool.lsp.syntax import Node
from guidelines_tool.model import Project, Rule

Describe = Callable[[str], list[str]]  # rule id → impact lines (insight.Insight.describe)


def hover(doc: Doc, position: types.Position, impact: Describe | None, markdown: bool) -> types.Hover | None:
    node = node_at(doc.text, doc.offset(position))
    if node is None or node.kind != "scalar":
        return None
    lines = _about(doc, node, impact)
    if not lines:
        return None
    start, end = doc.index.offset_of_mark(*node.start), doc.index.offset_of_mark(*node.end)
    text = "\n".join(lines)
    contents = types.MarkupContent(kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText, value=text)
    return types.Hover(contents=contents, range=doc.range(start, end))


def _about(doc: Doc, node: Node, impact: Describe | None) -> list[str]:
    if node.is_key:
        return _key(doc, node)
    ref = index_of(doc.state).at(doc.rel, node.pointer)
    model = doc.state.model()
    if ref is not None and ref.kind == "rule":
        rule = model.rule(ref.id)
        return _rule(rule, impact) if rule else [f"**{ref.id}**: no rule of the project has this id."]
    if ref is not None and ref.kind == "label":
        return _label(model, ref.scope, ref.id)
    if ref is not None and ref.kind == "task":
        return _task(model, ref.id)
    schema = schemas.node_at(doc.kind, node.pointer)
    description = schemas.description(doc.kind, schema)
    return [description] if description and schemas.choices(doc.kind, schema) else []


def _key(doc: Doc, node: Node) -> list[str]:
    schema = schemas.node_at(doc.kind, node.pointer)
    description = schemas.description(doc.kind, schema)
    if not description:
        return []
    kind = schemas.type_text(doc.kind, schema)
    return [f"**{node.text}**" + (f" · {kind}" if kind else ""), "", description]


def _rule(rule: Rule, impact: Describe | None) -> list[str]:
    lines = [f"**{rule.id}** · {rule.title}", ""]
    facts = [f"status: {rule.status}", f"task: {rule.task}"]
    facts.append(f"decision: {rule.decision}" if rule.decision else "decision: none")
    if rule.labels:
        facts.append("labels: " + ", ".join(rule.labels))
    if rule.replaced_by:
        facts.append(f"replaced by {rule.replaced_by}")
    lines += [" · ".join(facts), ""]
    if rule.when:
        lines += [f"*When:* {rule.when.strip()}", ""]
    lines.append(f"`{rule.source.path}`")
    if impact is not None:
        lines += ["", *impact(rule.id)]
    return lines


def _label(model: Project, task_id: str, label_id: str) -> list[str]:
    task = model.tasks.get(task_id)
    label = next((item for item in task.labels if item.id == label_id), None) if task else None
    if label is None:
        return [f"**{label_id}**: not a label of task {task_id or '?'}."]
    lines = [f"**{label.id}** · {label.name} (task {task.id})", ""]
    if label.definition:
        lines += [label.definition, ""]
    if label.include:
        lines += ["*Include:*", *(f"- {text}" for text in label.include), ""]
    if label.exclude:
        lines += ["*Exclude:*", *(f"- {text}" for text in label.exclude), ""]
    return lines[:-1] if lines[-1] == "" else lines


def _task(model: Project, task_id: str) -> list[str]:
    task = model.tasks.get(task_id)
    if task is None:
        return [f"**{task_id}**: no task of the project has this id."]
    lines = [f"**{task.id}** · {task.title}", "", f"scale: {task.scale} · labels: {', '.join(task.label_ids)}"
             f" · {len(model.rules_of(task.id))} rules"]
    if task.description:
        lines += ["", task.description.strip()]
    return lines
