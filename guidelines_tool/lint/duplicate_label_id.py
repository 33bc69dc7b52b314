"""Label ids are unique within their task.

Passing::

    labels:
      - {id: product}
      - {id: person}

Failing::

    labels:
      - {id: product}
      - {id: product}     # GL205: label 'product' is listed twice in task product-photo-subject
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL205"
NAME = "duplicate-label-id"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    for task in project.all_tasks:
        seen: set[str] = set()
        for label in task.labels:
            if label.id in seen:
                yield Problem(label.source.child("id"), f"label {label.id!r} is listed twice in task {task.id}", at_value=True)
            seen.add(label.id)
