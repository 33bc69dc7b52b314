"""An experiment's `task` and `rules` must name a task and rules of the project, and each rule
must belong to that task: an analysis of an unknown rule's items reads nothing.

Passing::

    kind: experiment
    id: pps-wording
    task: pps                       # a task of the project
    rules: [PPS-001]                # a rule of task pps

Failing::

    kind: experiment
    id: pps-wording
    task: pps
    rules: [PPS-010]                # GL213: unknown rule PPS-010
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL213"
NAME = "experiment-unknown-reference"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    tasks = sorted(project.tasks)
    rules = {rule.id: rule for rule in project.rules}
    for experiment in project.experiments:
        if experiment.task and experiment.task not in project.tasks:
            close = difflib.get_close_matches(experiment.task, tasks, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (tasks: {', '.join(tasks) or 'none'})"
            yield Problem(experiment.source.child("task"),
                          f"experiment {experiment.id} names unknown task {experiment.task!r}{hint}", at_value=True)
            continue
        for index, rule_id in enumerate(experiment.rules):
            rule = rules.get(rule_id)
            where = experiment.source.child("rules", index)
            if rule is None:
                close = difflib.get_close_matches(rule_id, sorted(rules), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield Problem(where, f"experiment {experiment.id} names unknown rule {rule_id}{hint}", at_value=True)
            elif rule.task != experiment.task:
                yield Problem(where, f"experiment {experiment.id}: rule {rule_id} belongs to task {rule.task!r}, "
                                     f"not {experiment.task!r}", at_value=True)
