"""`overrides`, `see_also` and `replaced_by` must name rules that exist in the project.

A rule whose file could not be read exists all the same: naming it is not reported here (the
file's own finding is), so one broken file does not make its citers look wrong.

Passing::

    overrides: [PPS-001]      # PPS-001 is defined somewhere in the project

Failing::

    see_also: [PPS-01]        # GL208: see_also names unknown rule 'PPS-01' (did you mean 'PPS-001'?)
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator

from guidelines_tool.lint.problem import Problem, rule_citations
from guidelines_tool.model import Project, Source

CODE = "GL208"
NAME = "unknown-rule-reference"
SEVERITY = "error"


def check(project: Project) -> Iterator[Problem]:
    known = project.rules_by_id
    unread = project.unread_ids
    for rule in project.rules:
        for source, field, other in rule_citations(rule):
            if other not in known and other not in unread:
                yield _problem(source, field, other, known)
        if rule.replaced_by and rule.replaced_by not in known and rule.replaced_by not in unread:
            yield _problem(rule.source.child("replaced_by"), "replaced_by", rule.replaced_by, known)


def _problem(source: Source, field: str, other: str, known: Collection[str]) -> Problem:
    close = difflib.get_close_matches(other, sorted(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return Problem(source, f"{field} names unknown rule {other!r}{hint}", at_value=True)
