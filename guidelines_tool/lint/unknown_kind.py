"""A guideline file must declare a `kind` the tool knows: project, task, rule or experiment.

Passing::

    kind: rule
    id: PPS-001

Failing::

    kind: rules        # GL201: unknown kind 'rules' (did you mean 'rule'?)
    id: PPS-001
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project, Source

CODE = "GL201"
NAME = "unknown-kind"
SEVERITY = "error"
KINDS = ("project", "task", "rule", "experiment")


def check(project: Project) -> Iterator[Problem]:
    for path, kind in sorted(project.kinds.items()):
        if kind is None:
            yield Problem(Source(path), "file declares no `kind:` (one of project, task, rule, experiment)")
        elif kind not in KINDS:
            close = difflib.get_close_matches(str(kind), KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (one of project, task, rule, experiment)"
            yield Problem(Source(path, ("kind",)), f"unknown kind {kind!r}{hint}", at_value=True)
