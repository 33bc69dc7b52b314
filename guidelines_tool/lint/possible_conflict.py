"""Two active rules of one task that decide between the same labels but assign different labels,
with neither overriding the other, may contradict each other: say which one wins (`overrides`).

Passing::

    PPS-001: labels [product, person], decision product
    PPS-002: labels [product, person], decision person, overrides [PPS-001]

Failing::

    PPS-001: labels [product, person], decision product
    PPS-002: labels [product, person], decision person   # GL304: may conflict with PPS-001
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project, Rule

CODE = "GL304"
NAME = "possible-conflict"
SEVERITY = "warning"


def check(project: Project) -> Iterator[Problem]:
    scopes: dict[tuple, list[Rule]] = defaultdict(list)
    for rule in project.rules:
        if rule.status == "active" and rule.decision and rule.labels:
            scopes[(rule.task, frozenset(rule.labels))].append(rule)
    for rules in scopes.values():
        by_decision: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            by_decision[rule.decision].append(rule)
        if len(by_decision) < 2:
            continue
        for index, rule in enumerate(rules):
            for earlier in rules[:index]:
                if earlier.decision != rule.decision and not _ordered(rule, earlier):
                    yield Problem(
                        rule.source.child("decision"),
                        f"rule {rule.id} ({rule.decision}) may conflict with {earlier.id} ({earlier.decision}): "
                        f"same labels, different decisions, and neither overrides the other",
                        at_value=True,
                    )


def _ordered(one: Rule, other: Rule) -> bool:
    return other.id in one.overrides or one.id in other.overrides
