"""A rule id names one rule in the whole project, across all files.

Passing: `PPS-001` defined once (in a rule file or inline in a task file).

Failing::

    # guidelines/pps/rules/a.yaml
    kind: rule
    id: PPS-001
    # guidelines/pps/rules/b.yaml
    kind: rule
    id: PPS-001        # GL202: rule id 'PPS-001' is defined more than once (also in guidelines/pps/rules/a.yaml)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL202"
NAME = "duplicate-rule-id"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    # every occurrence is reported (naming the others), so a check limited to one changed
    # file, as pre-commit runs it, still sees the clash
    places = defaultdict(list)
    for item in project.rules:
        places[item.id].append(item)
    for item_id, items in places.items():
        if len(items) < 2:
            continue
        for item in items:
            others = ", ".join(sorted({other.source.path for other in items if other is not item}))
            yield Problem(item.source.child("id"), f"rule id {item_id!r} is defined more than once (also in {others})", at_value=True)
