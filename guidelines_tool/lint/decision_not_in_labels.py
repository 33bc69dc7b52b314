"""A rule's `decision` must be one of the labels it decides between (its `labels`).

Passing::

    labels: [product, person]
    decision: product

Failing::

    labels: [product, person]
    decision: packaging     # GL207: decision 'packaging' is not among the rule's labels
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL207"
NAME = "decision-not-in-labels"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    for rule in project.rules:
        if rule.decision and rule.labels and rule.decision not in rule.labels:
            yield Problem(
                rule.source.child("decision"),
                f"decision {rule.decision!r} is not among the rule's labels ({', '.join(rule.labels)})",
                at_value=True,
            )
