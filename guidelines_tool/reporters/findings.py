"""Output formats of `validate`: text, json, github, sarif, junit, gitlab, markdown.

The CLI picks one by name from `VALIDATE_REPORTERS`, prints `render()` to stdout and `summary()` to
stderr. To add a format: subclass `FindingsReporter`, give it a `name`, list it in the registry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from guidelines_tool import __version__
from guidelines_tool.model import Finding
from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.output import json_text, md_cell, printable

INFORMATION_URI = "https://github.com/guidelines-tool/guidelines-tool"


class FindingsReporter(Reporter):
    """Base of the `validate` formats: a result with `findings`, `summary()` and `skipped`."""

    def summary(self, result: Any) -> str:
        counts = result.summary()
        checked = f"{_plural(counts['files'], 'file')}, {_plural(counts['rules'], 'rule')}"
        skipped = f"; skipped {_plural(len(result.skipped), 'file')} outside the guidelines: {', '.join(result.skipped)}" if result.skipped else ""
        if not result.findings:
            return f"{checked}: no problems{skipped}"
        return f"{checked}: {_plural(counts['errors'], 'error')}, {_plural(counts['warnings'], 'warning')}{skipped}"


#: SGR codes: the place and the code in bold, the severity in bold red or yellow (as ruff and
#: yamllint colour them), so that errors stand out when a terminal shows many findings.
BOLD, SEVERITY_STYLE = "1", {"error": "1;31", "warning": "1;33"}


class TextReporter(FindingsReporter):
    """`path:line:col: severity CODE message`, one finding a line (what editors and grep expect;
    the severity as yamllint and ruff show it). `color`: ANSI colours, which the CLI asks for on
    a terminal only (`--color`, `NO_COLOR`)."""

    name = "text"

    def __init__(self, *, color: bool = False) -> None:
        self.color = color

    def render(self, result: Any) -> str:
        return "".join(self._line(f) for f in result.findings)

    def _line(self, f: Finding) -> str:
        place, severity, code = f"{f.path}:{f.line}:{f.column}:", f.severity, f.code
        if self.color:
            place, code = _sgr(place, BOLD), _sgr(code, BOLD)
            severity = _sgr(severity, SEVERITY_STYLE.get(severity, BOLD))
        return f"{place} {severity} {code} {f.message}\n"


def _sgr(text: str, style: str) -> str:
    return f"\x1b[{style}m{text}\x1b[0m"


class JsonReporter(FindingsReporter):
    """`{"findings": [...], "summary": {"files", "rules", "errors", "warnings"}}`."""

    name = "json"

    def render(self, result: Any) -> str:
        return json_text(result.to_dict()) + "\n"


class GithubReporter(FindingsReporter):
    """GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

    name = "github"

    def render(self, result: Any) -> str:
        lines = []
        for f in result.findings:
            level = "error" if f.severity == "error" else "warning"
            props = f"file={_gh_property(f.path)},line={f.line},col={f.column},title={_gh_property(f'{f.code} {f.name}')}"
            lines.append(f"::{level} {props}::{_gh_data(f.message)}\n")
        return printable("".join(lines))


class MarkdownReporter(FindingsReporter):
    """A Markdown summary (for `$GITHUB_STEP_SUMMARY`, where every finding shows, not just ten)."""

    name = "markdown"

    def render(self, result: Any) -> str:
        head = f"### guidelines validate\n\n{self.summary(result)}\n"
        if not result.findings:
            return head
        rows = "".join(
            f"| `{f.path}:{f.line}:{f.column}` | {f.severity} | `{f.code}` {f.name} | {md_cell(f.message)} |\n"
            for f in result.findings
        )
        return printable(f"{head}\n| where | severity | check | message |\n|---|---|---|---|\n{rows}")


class SarifReporter(FindingsReporter):
    """SARIF 2.1.0 (GitHub code scanning and other static-analysis viewers); one rule per code."""

    name = "sarif"

    def render(self, result: Any) -> str:
        from guidelines_tool.lint import code_table

        table = code_table()
        rules = [
            {
                "id": code,
                "name": name,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": severity},
                "helpUri": f"{INFORMATION_URI}#{code.lower()}",
            }
            for code, (name, severity, text) in table.items()
        ]
        index = {code: position for position, code in enumerate(table)}
        results = [
            {
                "ruleId": f.code,
                "ruleIndex": index.get(f.code, -1),
                "level": "error" if f.severity == "error" else "warning",
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": f.line, "startColumn": f.column},
                        }
                    }
                ],
            }
            for f in result.findings
        ]
        log = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": {"name": "guidelines", "version": __version__, "informationUri": INFORMATION_URI, "rules": rules}},
                    "results": results,
                }
            ],
        }
        return json_text(log) + "\n"


def _uri(path: str) -> str:
    """A relative path as the URI reference SARIF requires (3.10.2): a space, `%` or `é`
    percent-encoded (UTF-8), `/` kept, so viewers resolve it against %SRCROOT%. A file name that
    is not UTF-8 (its bytes kept as surrogates by os.fsdecode) is encoded as its own bytes."""
    return quote(path, safe="/", errors="surrogateescape")


class JunitReporter(FindingsReporter):
    """JUnit XML: one test case per file with findings (errors fail it; warnings go to system-out)."""

    name = "junit"

    def render(self, result: Any) -> str:
        from xml.sax.saxutils import escape, quoteattr  # imported here: it pulls in urllib (slow start-up)

        by_path: dict[str, list[Finding]] = {}
        for f in result.findings:
            by_path.setdefault(f.path, []).append(f)
        cases = []
        failures = 0
        for path, findings in sorted(by_path.items()):
            errors = [f for f in findings if f.severity == "error"]
            warnings = [f for f in findings if f.severity != "error"]
            body = ""
            if errors:
                failures += 1
                text = "".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n" for f in errors)
                body += f"<failure type={quoteattr(errors[0].code)} message={quoteattr(_plural(len(errors), 'error'))}>{escape(text)}</failure>"
            if warnings:
                text = "".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message} (warning)\n" for f in warnings)
                body += f"<system-out>{escape(text)}</system-out>"
            cases.append(f'    <testcase classname="guidelines.validate" name={quoteattr(path)}>{body}</testcase>\n')
        clean = max(result.files - len(by_path), 0)
        if clean:
            cases.append(f'    <testcase classname="guidelines.validate" name={quoteattr(f"{clean} other files")}/>\n')
        tests = len(by_path) + (1 if clean else 0)
        return printable(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="guidelines validate" tests="{tests}" failures="{failures}" errors="0">\n'
            f'  <testsuite name="guidelines validate" tests="{tests}" failures="{failures}" errors="0" skipped="0">\n'
            f'{"".join(cases)}  </testsuite>\n</testsuites>\n'
        )


class GitlabReporter(FindingsReporter):
    """GitLab Code Quality JSON (the `codequality` report of a merge request)."""

    name = "gitlab"

    def render(self, result: Any) -> str:
        import hashlib  # imported here: every CLI start would pay for it otherwise

        issues = [
            {
                "description": f"{f.code} {f.message}",
                "check_name": f"{f.code} {f.name}",
                "fingerprint": hashlib.sha256(f"{f.path}\0{f.code}\0{f.message}".encode("utf-8", "surrogateescape")).hexdigest(),
                "severity": "major" if f.severity == "error" else "minor",
                "location": {"path": f.path, "lines": {"begin": f.line}},
            }
            for f in result.findings
        ]
        return json_text(issues) + "\n"


VALIDATE_REPORTERS = registry(  # alphabetical: the order `validate --help` lists them in
    GithubReporter, GitlabReporter, JsonReporter, JunitReporter, MarkdownReporter, SarifReporter, TextReporter
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")
