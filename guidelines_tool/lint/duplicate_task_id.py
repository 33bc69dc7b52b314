"""A task id names one task in the project.

Passing: one `task.yaml` with `id: product-photo-subject`.

Failing: two task files both saying `id: product-photo-subject` (GL203 on both).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL203"
NAME = "duplicate-task-id"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    # every occurrence is reported (naming the others), so a check limited to one changed
    # file, as pre-commit runs it, still sees the clash
    places = defaultdict(list)
    for item in project.all_tasks:
        places[item.id].append(item)
    for item_id, items in places.items():
        if len(items) < 2:
            continue
        for item in items:
            others = ", ".join(sorted({other.source.path for other in items if other is not item}))
            yield Problem(item.source.child("id"), f"task id {item_id!r} is defined more than once (also in {others})", at_value=True)
