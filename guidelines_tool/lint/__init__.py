"""Semantic lint: one check per module, listed in one registry.

A check module has a docstring (what it enforces, a passing and a failing example), `CODE`
(stable, never reused), `NAME` (readable; configuration accepts either), `SEVERITY` and a
`check(project)` generator of `Problem`s. The runner, not the check, stamps code, name and
severity on each finding and turns pointers into line:column.

Code ranges: GL0xx reading YAML (loading/reader.py), GL1xx schema (schema.py), GL2xx lint errors,
GL3xx lint warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType

from guidelines_tool.lint import (
    cites_deprecated_rule,
    decision_not_in_labels,
    deprecated_without_replacement,
    duplicate_label_id,
    duplicate_rule_id,
    duplicate_task_id,
    example_media_missing,
    experiment_reference,
    inline_rule_other_task,
    override_cycle,
    possible_conflict,
    replaced_by_not_deprecated,
    rule_without_examples,
    template_text,
    unknown_kind,
    unknown_label,
    unknown_rule_reference,
    unknown_task,
)
from guidelines_tool.lint.problem import Problem
from guidelines_tool.loading import LOADING_CODES, LOADING_WARNINGS
from guidelines_tool.model import Finding, Location, Project, Source
from guidelines_tool.schema import SCHEMA_CODES

CHECKS: dict[str, ModuleType] = {
    "GL201": unknown_kind,
    "GL202": duplicate_rule_id,
    "GL203": duplicate_task_id,
    "GL204": unknown_task,
    "GL205": duplicate_label_id,
    "GL206": unknown_label,
    "GL207": decision_not_in_labels,
    "GL208": unknown_rule_reference,
    "GL209": override_cycle,
    "GL210": inline_rule_other_task,
    "GL211": example_media_missing,
    "GL212": template_text,
    "GL213": experiment_reference,
    "GL301": deprecated_without_replacement,
    "GL302": cites_deprecated_rule,
    "GL303": rule_without_examples,
    "GL304": possible_conflict,
    "GL305": replaced_by_not_deprecated,
}

Locate = Callable[..., Location]  # (source, *, value=False) -> Location


def code_table() -> dict[str, tuple[str, str, str]]:
    """Every code the tool reports → (name, default severity, one-line description)."""
    table = {
        code: (name, "warning" if code in LOADING_WARNINGS else "error", _LOADING_TEXT.get(name, name))
        for code, name in LOADING_CODES.items()
    }
    table.update({code: (name, "error", _SCHEMA_TEXT[name]) for code, name in SCHEMA_CODES.items()})
    for code, module in CHECKS.items():
        table[code] = (module.NAME, module.SEVERITY, _summary(module))
    return dict(sorted(table.items()))


def resolve_code(code_or_name: str) -> str | None:
    """A code (`GL304`) or name (`possible-conflict`) → its code, or None when unknown."""
    for code, (name, _severity, _text) in code_table().items():
        if code_or_name in (code, name):
            return code
    return None


def run_checks(
    project: Project,
    locate: Locate,
    *,
    disabled: Iterable[str] = (),
    severities: dict[str, str] | None = None,
) -> list[Finding]:
    """Run every enabled check over the project; findings carry code, name, severity, line:col."""
    return [
        locate_problem(locate, code, name, severity, problem)
        for code, name, severity, problem in find_problems(project, disabled=disabled, severities=severities)
    ]


def find_problems(
    project: Project, *, disabled: Iterable[str] = (), severities: dict[str, str] | None = None
) -> list[tuple[str, str, str, Problem]]:
    """(code, name, severity, problem) of every enabled check, not yet located (the language
    server keeps these and locates them again when only positions moved)."""
    disabled = set(disabled)
    severities = severities or {}
    found = []
    for code, module in CHECKS.items():
        if code in disabled:
            continue
        severity = severities.get(code, module.SEVERITY)
        found.extend((code, module.NAME, severity, problem) for problem in module.check(project))
    return found


def locate_problem(locate: Locate, code: str, name: str, severity: str, problem: Problem) -> Finding:
    """A check's problem as a finding at its line:column."""
    where = locate(problem.source, value=problem.at_value)
    return Finding(where.path, where.line, where.column, code, name, severity, problem.message)


def _summary(module: ModuleType) -> str:
    return (module.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


_LOADING_TEXT = {
    "yaml-syntax": "The file is not valid YAML.",
    "empty-file": "The file holds no YAML document.",
    "duplicate-key": "A mapping holds the same key twice.",
    "tab-indent": "A tab character is used where YAML expects spaces.",
    "byte-order-mark": "The file starts with a byte-order mark.",
    "not-utf8": "The file is not valid UTF-8.",
    "alias-bomb": "Aliases expand the document beyond a safe size, or refer to themselves.",
    "file-too-large": "The file is larger than a guideline file may be.",
    "unreadable-file": "The file cannot be read.",
    "too-deep": "Collections are nested deeper than a guideline file needs.",
    "multiple-documents": "The file holds more than one YAML document.",
}
_SCHEMA_TEXT = {
    "unknown-key": "A key the schema does not define (misspelt or misplaced).",
    "missing-key": "A required key is missing.",
    "invalid-value": "A value of the wrong type, pattern or choice.",
}

__all__ = ["CHECKS", "Problem", "Source", "code_table", "find_problems", "locate_problem", "resolve_code", "run_checks"]
