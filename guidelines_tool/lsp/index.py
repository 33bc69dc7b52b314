"""Every place the project names a rule, a label or a task: definitions and uses, by pointer.

Built from the model records (their `Source` pointers), so it sees exactly what lint sees: a
rule's `labels`, `decision` and example labels belong to the rule's task; `overrides`,
`see_also` and `replaced_by` name rules; a rule's `task` names a task.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from guidelines_tool.model import Project, Rule, Source

EntityKind = Literal["rule", "label", "task"]


@dataclass(frozen=True)
class Ref:
    """One mention of an entity: a rule id, a label id (within a task) or a task id."""

    kind: EntityKind
    id: str
    scope: str  # a label's task; "" for rules and tasks
    source: Source  # the scalar that names it
    definition: bool = False

    @property
    def entity(self) -> tuple[str, str, str]:
        return (self.kind, self.scope, self.id)


class Index:
    """All refs of one project model, by place and by entity."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.by_place: dict[tuple[str, tuple], Ref] = {}
        self.by_entity: dict[tuple[str, str, str], list[Ref]] = defaultdict(list)
        for ref in _refs(project):
            self.by_place.setdefault((ref.source.path, ref.source.pointer), ref)
            self.by_entity[ref.entity].append(ref)

    def at(self, path: str, pointer: tuple) -> Ref | None:
        return self.by_place.get((path, pointer))

    def mentions(self, entity: tuple[str, str, str]) -> list[Ref]:
        return list(self.by_entity.get(entity, ()))

    def definitions(self, entity: tuple[str, str, str]) -> list[Ref]:
        return [ref for ref in self.by_entity.get(entity, ()) if ref.definition]


def _refs(project: Project) -> Iterator[Ref]:
    for task in project.all_tasks:
        yield Ref("task", task.id, "", task.source.child("id"), True)
        for label in task.labels:
            yield Ref("label", label.id, task.id, label.source.child("id"), True)
    for rule in project.rules:
        yield from _rule_refs(rule)


def _rule_refs(rule: Rule) -> Iterator[Ref]:
    yield Ref("rule", rule.id, "", rule.source.child("id"), True)
    if rule.task:
        yield Ref("task", rule.task, "", rule.source.child("task"))
    for field in ("overrides", "see_also"):
        for index, other in enumerate(getattr(rule, field)):
            yield Ref("rule", other, "", rule.source.child(field, index))
    if rule.replaced_by:
        yield Ref("rule", rule.replaced_by, "", rule.source.child("replaced_by"))
    for index, label in enumerate(rule.labels):
        yield Ref("label", label, rule.task, rule.source.child("labels", index))
    if rule.decision:
        yield Ref("label", rule.decision, rule.task, rule.source.child("decision"))
    for example in (*rule.examples, *rule.counterexamples):
        if isinstance(example.label, tuple):
            for index, label in enumerate(example.label):
                yield Ref("label", label, rule.task, example.source.child("label", index))
        elif example.label:
            yield Ref("label", example.label, rule.task, example.source.child("label"))
