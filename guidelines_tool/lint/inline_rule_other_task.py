"""A rule written inline in a task file belongs to that task: a `task:` naming another task is a
copy-paste slip (the rule would be listed under one task and apply to another).

Passing::

    kind: task
    id: pps
    rules:
      - {id: PPS-001, task: pps, ...}     # or no `task:` at all

Failing::

    kind: task
    id: pps
    rules:
      - {id: PPS-001, task: sti, ...}     # GL210: inline rule PPS-001 of task pps says task: sti
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL210"
NAME = "inline-rule-other-task"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    task_of_file = {task.source.path: task.id for task in project.all_tasks}
    for rule in project.rules:
        enclosing = task_of_file.get(rule.source.path)
        if enclosing and rule.source.pointer[:1] == ("rules",) and rule.task != enclosing:
            yield Problem(
                rule.source.child("task"),
                f"inline rule {rule.id} of task {enclosing} says task: {rule.task} (move it to a rule file of that task, or drop `task:`)",
                at_value=True,
            )
