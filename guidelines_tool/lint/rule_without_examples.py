"""An active rule should show at least one example: a rule without one is read differently by
every annotator.

Passing::

    status: active
    examples:
      - {input: "Model holds a handbag, both sharp", label: product}

Failing::

    status: active          # GL303: active rule PPS-004 has no examples
    examples: []
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL303"
NAME = "rule-without-examples"
SEVERITY = "warning"


def check(project: Project) -> Iterator[Problem]:
    for rule in project.rules:
        if rule.status == "active" and not rule.examples:
            yield Problem(rule.source.child("id"), f"active rule {rule.id} has no examples")
