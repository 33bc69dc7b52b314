"""`replaced_by` belongs on deprecated rules: on an active or draft rule it says the rule is both
in force and replaced.

Passing::

    status: deprecated
    replaced_by: PPS-010

Failing::

    status: active
    replaced_by: PPS-010    # GL305: rule PPS-003 has replaced_by but its status is active
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL305"
NAME = "replaced-by-not-deprecated"
SEVERITY = "warning"


def check(project: Project) -> Iterator[Problem]:
    for rule in project.rules:
        if rule.replaced_by and rule.status != "deprecated":
            yield Problem(
                rule.source.child("replaced_by"),
                f"rule {rule.id} has replaced_by but its status is {rule.status} (set status: deprecated)",
                at_value=True,
            )
