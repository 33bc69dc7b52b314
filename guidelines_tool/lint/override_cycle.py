"""`overrides` must not form a cycle: "A wins over B, B wins over A" decides nothing.

Passing::

    PPS-002: overrides [PPS-001]
    PPS-003: overrides [PPS-002]

Failing::

    PPS-001: overrides [PPS-002]
    PPS-002: overrides [PPS-001]   # GL209: overrides form a cycle: PPS-001 → PPS-002 → PPS-001

A cycle is reported at every rule on it (at the `overrides` entry that continues the cycle), so a
check of one changed file still shows it.
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project, Rule

CODE = "GL209"
NAME = "override-cycle"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    rules: dict[str, Rule] = {}
    for rule in project.rules:
        rules.setdefault(rule.id, rule)
    for start in sorted(rules):
        cycle = _cycle_from(start, rules)
        if cycle:
            rule = rules[start]
            index = rule.overrides.index(cycle[1] if len(cycle) > 1 else start)
            path = " → ".join([*cycle, start])
            yield Problem(rule.source.child("overrides", index), f"overrides form a cycle: {path}", at_value=True)


def _cycle_from(start: str, rules: dict[str, Rule]) -> list[str] | None:
    """The shortest override path from `start` back to itself (breadth-first), or None."""
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for current in frontier:
            for other in rules[current].overrides:
                if other == start:
                    path = [current]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return path[::-1]
                if other in rules and other not in parents:
                    parents[other] = current
                    following.append(other)
        frontier = following
    return None
