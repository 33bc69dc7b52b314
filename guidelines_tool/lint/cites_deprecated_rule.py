"""An active rule should not point (`overrides`, `see_also`) at a deprecated rule: annotators
follow the link to guidance that no longer holds.

Passing::

    PPS-004 (active): see_also [PPS-010]       # PPS-010 is active

Failing::

    PPS-004 (active): see_also [PPS-003]       # GL302: PPS-003 is deprecated (replaced by PPS-010)
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem, rule_citations
from guidelines_tool.model import Project

CODE = "GL302"
NAME = "cites-deprecated-rule"
SEVERITY = "warning"


def check(project: Project) -> Iterator[Problem]:
    rules = project.rules_by_id
    for rule in project.rules:
        if rule.status != "active":
            continue
        for source, field, other in rule_citations(rule):
            cited = rules.get(other)
            if cited is not None and cited.status == "deprecated":
                instead = f" (replaced by {cited.replaced_by})" if cited.replaced_by else ""
                yield Problem(source, f"{field} cites deprecated rule {other}{instead}", at_value=True)
