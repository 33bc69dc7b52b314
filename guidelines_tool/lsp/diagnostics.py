"""Findings as LSP diagnostics: a range over the offending key or value, severity, code and a
link to the code's entry in the lint reference of the tool's site."""

from __future__ import annotations

from lsprotocol import types

from guidelines_tool.lsp.syntax import Node, outline
from guidelines_tool.lsp.text import TextIndex
from guidelines_tool.model import Finding

# The tool's site (mkdocs.yml at the repository top): reference/lint.md gives every code an
# anchor of its own (`#gl206`). Editors can point elsewhere with the `docsUrl` init option.
DOCS_URL = "https://guidelines-tool.dev/"
LINT_PAGE = "reference/lint/"
SOURCE = "guidelines"
MISSING_KEY = "GL102"  # points at the mapping that lacks the key, not at its first key

_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
_WORD_END = " \t\r\n,]}#"


def code_href(code: str, docs_url: str = DOCS_URL) -> str:
    """The code's entry in the lint reference: `https://…/reference/lint/#gl206`."""
    return f"{docs_url.rstrip('/')}/{LINT_PAGE}#{code.lower()}"


def finding_span(finding: Finding, text: str, index: TextIndex) -> tuple[int, int]:
    """Offsets of the text a finding is about: the key or value that starts at its line:column."""
    mark = (finding.line - 1, finding.column - 1)
    start = index.offset_of_mark(*mark)
    nodes = outline(text).starting_at(mark)
    if finding.code == MISSING_KEY:
        nodes = sorted(nodes, key=lambda node: node.kind == "scalar")
    if nodes:
        return node_span(nodes[0], text, index)
    return start, _word_end(text, start)


def node_span(node: Node, text: str, index: TextIndex) -> tuple[int, int]:
    """A scalar whole (a block scalar without its last line break); a collection written on one
    line whole, else its first line."""
    start = index.offset_of_mark(*node.start)
    end = index.offset_of_mark(*node.end)
    if node.kind in ("mapping", "sequence") and (not node.flow or node.end[0] != node.start[0]):
        end = _line_end(text, start)
    return start, max(start, len(text[start:end].rstrip("\r\n")) + start)


def _line_end(text: str, start: int) -> int:
    for stop, char in enumerate(text[start:], start):
        if char in "\r\n":
            return stop
    return len(text)


def _word_end(text: str, start: int) -> int:
    """Where the token at `start` ends; the end of the line when there is none there."""
    end = start
    while end < len(text) and text[end] not in _WORD_END:
        end += 1
    return end if end > start else _line_end(text, start)


def to_diagnostic(finding: Finding, text: str, index: TextIndex, docs_url: str = DOCS_URL) -> types.Diagnostic:
    start, end = finding_span(finding, text, index)
    first, last = index.position(start), index.position(end)
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=first.line, character=first.character),
            end=types.Position(line=last.line, character=last.character),
        ),
        message=finding.message,
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Error),
        code=finding.code,
        code_description=types.CodeDescription(href=code_href(finding.code, docs_url)),
        source=SOURCE,
        data={"name": finding.name},
    )


def diagnostics_for(findings: list[Finding], text: str | None, encoding: str, docs_url: str = DOCS_URL) -> list[types.Diagnostic]:
    """One file's findings as diagnostics (`text` None: the file could not be read)."""
    text = text or ""
    index = TextIndex(text, encoding)
    return [to_diagnostic(finding, text, index, docs_url) for finding in findings]
