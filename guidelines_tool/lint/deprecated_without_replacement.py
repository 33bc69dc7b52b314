"""A deprecated rule should say which rule replaces it (`replaced_by`), so annotators who learned
it know what to do now. (A warning: some rules are retired with no successor.)

Passing::

    status: deprecated
    replaced_by: PPS-010

Failing::

    status: deprecated      # GL301: deprecated rule PPS-003 has no replaced_by
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL301"
NAME = "deprecated-without-replacement"
SEVERITY = "warning"


def check(project: Project) -> Iterator[Problem]:
    for rule in project.rules:
        if rule.status == "deprecated" and not rule.replaced_by:
            yield Problem(rule.source.child("status"), f"deprecated rule {rule.id} has no replaced_by", at_value=True)
