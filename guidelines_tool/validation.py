"""`guidelines validate`: read the whole project, check schema and semantics, return findings.

Files named on the command line (as pre-commit passes them) do not narrow what is *read*: the
whole project is always loaded, so cross-file checks (duplicate ids, unknown rules, override
cycles) see every file. They narrow what is *reported*: only findings located in the named files
(or under named folders). A named YAML file outside the project's guideline folder (and not
`guidelines.yaml`) is not a guideline file; it is listed in `skipped`, never checked as one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guidelines_tool.lint import resolve_code, run_checks
from guidelines_tool.loading import Locator, ParsedFile, relative_path
from guidelines_tool.model import Finding, Project, Source
from guidelines_tool.project import CONFIG_NAME, read_project
from guidelines_tool.schema import DOCUMENT_KINDS, INVALID_VALUE, check_document


@dataclass
class ValidationResult:
    """Sorted findings plus what was checked."""

    findings: list[Finding]
    files: int
    rules: int
    skipped: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "warning")

    def exit_code(self, *, strict: bool = False) -> int:
        """0 clean, 1 errors (or, with `strict`, warnings)."""
        return 1 if self.errors or (strict and self.warnings) else 0

    def summary(self) -> dict[str, int]:
        return {"files": self.files, "rules": self.rules, "errors": self.errors, "warnings": self.warnings}

    def to_dict(self) -> dict[str, Any]:
        return {"findings": [finding.to_dict() for finding in self.findings], "summary": self.summary()}


def validate(root: Path, paths: list[Path] | None = None, *, overlay: Mapping[str, str] | None = None) -> ValidationResult:
    """Validate the project at `root`; report on `paths` only when given (files or folders).

    `overlay` (path → text) stands in for files on disk: an editor's unsaved buffers.
    """
    parsed, project = read_project(root, overlay=overlay)
    locate = Locator(root, {item.path: item.text for item in parsed if item.text is not None})
    findings = project_findings(root, parsed, project, locate)
    wanted, skipped = _wanted(root, project, paths)
    if wanted is not None:
        findings = [finding for finding in findings if finding.path in wanted]
    files = len(wanted) if wanted is not None else len(project.files)
    return ValidationResult(sorted(set(findings)), files, len(project.rules), skipped)


def project_findings(
    root: Path,
    parsed: list[ParsedFile],
    project: Project,
    locate: Locator,
    *,
    file_findings: Callable[[ParsedFile, Locator], list[Finding]] | None = None,
    lint: Callable[..., list[Finding]] = run_checks,
) -> list[Finding]:
    """Every finding of the project (unsorted): loading, schema, lint settings and lint.

    The language server passes cached stand-ins for `file_findings` (default `schema_findings`)
    and `lint` (same signature as `run_checks`), so it re-checks only what a change can affect.
    """
    file_findings = file_findings or schema_findings
    findings = list(project.load_findings)
    for item in parsed:
        findings.extend(file_findings(item, locate))
    findings.extend(_missing_folder(root, project, locate))
    settings = _lint_settings(parsed[0])
    findings.extend(settings.problems(locate))
    findings.extend(lint(project, locate, disabled=settings.disabled, severities=settings.severity))
    return [settings.apply(finding) for finding in findings if finding.code not in settings.disabled]


def fast_paths() -> dict[str, bool]:
    """Which optional speed-ups are active here (benches print it): libyaml through
    ruamel.yaml.clib, and the jsonschema-rs validator. Both are declared dependencies where
    wheels exist; without them the same verdicts come, more slowly."""
    from guidelines_tool import loading
    from guidelines_tool.schema import _fast_validator

    return {"yaml-c-parser": loading.CParser is not None, "jsonschema-rs": _fast_validator("rule") is not None}


def schema_findings(item: ParsedFile, locate: Locator) -> list[Finding]:
    """Schema problems of one parsed file, pointing at the offending key or value."""
    data = item.data
    if data is None:
        return []
    if not isinstance(data, dict):
        where = locate(Source(item.path))
        message = f"a guideline file holds one mapping (`kind: ...` and its fields), not a {_type_name(data)}"
        return [Finding(item.path, where.line, where.column, *INVALID_VALUE, "error", message)]
    if data.get("kind") not in DOCUMENT_KINDS:
        return []  # lint's unknown-kind says so; no schema to check against
    findings = []
    for problem in check_document(data["kind"], data):
        where = locate(Source(item.path, problem.pointer), value=problem.at_value)
        findings.append(Finding(item.path, where.line, where.column, *problem.kind, "error", problem.message))
    return findings


def _missing_folder(root: Path, project: Project, locate: Locator) -> list[Finding]:
    """A guideline folder that is not there would make every check pass on nothing: say so."""
    folder = project.config.guidelines
    if (root / folder).is_dir():
        return []
    where = locate(Source(CONFIG_NAME, ("guidelines",)), value=True)
    message = f"guideline folder {folder!r} does not exist (no task or rule files were checked)"
    return [Finding(CONFIG_NAME, where.line, where.column, *INVALID_VALUE, "error", message)]


def _type_name(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), type(value).__name__)


def _wanted(root: Path, project: Project, paths: list[Path] | None) -> tuple[set[str] | None, list[str]]:
    """Project files the named paths cover, and named files that are not project files."""
    if not paths:
        return None, []
    known = set(project.files)
    wanted: set[str] = set()
    skipped: list[str] = []
    for path in paths:
        rel = relative_path(root, path)
        if Path(path).is_dir():
            prefix = "" if rel in (".", "") else rel.rstrip("/") + "/"
            wanted.update(name for name in known if name.startswith(prefix))
        elif rel in known:
            wanted.add(rel)
        else:
            skipped.append(rel)
    return wanted, skipped


@dataclass
class _LintSettings:
    """`lint:` in guidelines.yaml: checks disabled and severities changed, by code or name."""

    disabled: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    unknown: list[tuple[tuple, str]] = field(default_factory=list)  # (pointer, what was written)

    def apply(self, finding: Finding) -> Finding:
        severity = self.severity.get(finding.code)
        if severity is None or severity == finding.severity:
            return finding
        return Finding(finding.path, finding.line, finding.column, finding.code, finding.name, severity, finding.message)

    def problems(self, locate: Locator) -> list[Finding]:
        findings = []
        for pointer, written in self.unknown:
            where = locate(Source(CONFIG_NAME, pointer), value=True)
            findings.append(
                Finding(CONFIG_NAME, where.line, where.column, *INVALID_VALUE, "error", f"lint: unknown check {written!r} (use a code like GL304 or a name like possible-conflict)")
            )
        return findings


def _lint_settings(config_file: ParsedFile) -> _LintSettings:
    settings = _LintSettings()
    data = config_file.data if isinstance(config_file.data, dict) else {}
    lint = data.get("lint") if isinstance(data.get("lint"), dict) else {}
    disable = lint.get("disable") if isinstance(lint.get("disable"), list) else []
    for index, written in enumerate(disable):
        code = resolve_code(str(written))
        if code is None:
            settings.unknown.append((("lint", "disable", index), str(written)))
        else:
            settings.disabled.add(code)
    severity = lint.get("severity") if isinstance(lint.get("severity"), dict) else {}
    for written, level in severity.items():
        code = resolve_code(str(written))
        if code is None:
            settings.unknown.append((("lint", "severity", written), str(written)))
        elif level in ("error", "warning"):
            settings.severity[code] = level
    return settings
