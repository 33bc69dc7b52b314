"""Every label a rule uses — in `labels`, `decision`, examples, counterexamples and the labels of
resolved ambiguous cases — must be one of its task's labels.

Passing (task labels: product, person)::

    labels: [product, person]
    decision: product
    examples: [{input: "...", label: product}]

Failing::

    labels: [product, persn]        # GL206: label 'persn' is not a label of task ... (did you mean 'person'?)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project, Rule, Source, Task

CODE = "GL206"
NAME = "unknown-label"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    for rule in project.rules:
        task = project.tasks.get(rule.task)
        if task is not None:
            yield from _check_rule(rule, task)


def _check_rule(rule: Rule, task: Task) -> Iterator[Problem]:
    known = set(task.label_ids)
    for index, label in enumerate(rule.labels):
        if label not in known:
            yield _problem(rule.source.child("labels", index), label, task)
    if rule.decision and rule.decision not in known:
        yield _problem(rule.source.child("decision"), rule.decision, task)
    for field in ("examples", "counterexamples"):
        for example in getattr(rule, field):
            for index, label in enumerate(example.labels):
                if label and label not in known:  # a missing label is the schema's finding
                    where = example.source.child("label", index) if isinstance(example.label, tuple) else example.source.child("label")
                    yield _problem(where, label, task)
    for case in rule.ambiguous_cases:
        for index, label in enumerate(case.labels):
            if label and label not in known:
                where = case.source.child("label", index) if isinstance(case.label, tuple) else case.source.child("label")
                yield _problem(where, label, task)


def _problem(source: Source, label: str, task: Task) -> Problem:
    close = difflib.get_close_matches(label, task.label_ids, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (labels: {', '.join(task.label_ids)})"
    return Problem(source, f"{label!r} is not a label of task {task.id}{hint}", at_value=True)
