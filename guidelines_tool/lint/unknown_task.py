"""A rule's `task` must name a task defined in the project.

Passing::

    kind: rule
    id: PPS-001
    task: product-photo-subject     # guidelines/product-photo-subject/task.yaml has this id

Failing::

    kind: rule
    id: PPS-001
    task: product-photo             # GL204: unknown task 'product-photo'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL204"
NAME = "unknown-task"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    known = sorted(project.tasks)
    for rule in project.rules:
        # a task whose file could not be read is known: that file's own finding says why
        if rule.task and rule.task not in project.tasks and rule.task not in project.unread_ids:
            close = difflib.get_close_matches(rule.task, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (tasks: {', '.join(known) or 'none'})"
            yield Problem(rule.source.child("task"), f"rule {rule.id} names unknown task {rule.task!r}{hint}", at_value=True)
