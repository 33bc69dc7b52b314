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
    rules = project.rules_by_id
    for component in _cyclic_components(rules):
        for start in sorted(component):
            cycle = _cycle_from(start, rules, component)
            rule = rules[start]
            index = rule.overrides.index(cycle[1] if len(cycle) > 1 else start)
            path = " → ".join([*cycle, start])
            yield Problem(rule.source.child("overrides", index), f"overrides form a cycle: {path}", at_value=True)


def _cyclic_components(rules: dict[str, Rule]) -> list[set[str]]:
    """Strongly connected components of the override graph that hold a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    for root in rules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = [other for other in rules[node].overrides if other in rules]
            if position < len(targets):
                work.append((node, position + 1))
                other = targets[position]
                if other not in index:
                    work.append((other, 0))
                elif other in on_stack:
                    low[node] = min(low[node], index[other])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in rules[node].overrides:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _cycle_from(start: str, rules: dict[str, Rule], component: set[str]) -> list[str]:
    """The shortest override path from `start` back to itself, inside its component (BFS)."""
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
                if other in component and other not in parents:
                    parents[other] = current
                    following.append(other)
        frontier = following
    return [start]
