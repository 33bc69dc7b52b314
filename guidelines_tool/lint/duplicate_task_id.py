"""A task id names one task in the project.

Passing: one `task.yaml` with `id: product-photo-subject`.

Failing: two task files both saying `id: product-photo-subject` (GL203 on both).
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem, duplicate_ids
from guidelines_tool.model import Project

CODE = "GL203"
NAME = "duplicate-task-id"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    return duplicate_ids(project.all_tasks, "task")
