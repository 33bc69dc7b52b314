"""A rule id names one rule in the whole project, across all files.

Passing: `PPS-001` defined once (in a rule file or inline in a task file).

Failing::

    # guidelines/pps/rules/a.yaml
    kind: rule
    id: PPS-001
    # guidelines/pps/rules/b.yaml
    kind: rule
    id: PPS-001        # GL202: rule id 'PPS-001' is defined more than once (also in guidelines/pps/rules/a.yaml)
"""

from __future__ import annotations

from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem, duplicate_ids
from guidelines_tool.model import Project

CODE = "GL202"
NAME = "duplicate-rule-id"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    return duplicate_ids(project.rules, "rule")
