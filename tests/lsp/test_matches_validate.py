"""The server's diagnostics are `guidelines validate --format json`'s findings, file by file.

One server session opens many projects (every lint case, every file of the malformed corpus, the
sample project): for each, once the server has checked the whole project, the last diagnostics it
published per file must be exactly the findings `validate` reports — code, severity, message and
line:column.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from guidelines_tool.cli import cli

pytestmark = pytest.mark.asyncio

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
SEVERITY = {1: "error", 2: "warning"}


def lint_cases() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted((TESTS / "lint" / "cases").glob("*.yaml")):
        spec = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        cases += [(f"{path.stem}-{index}", case["files"]) for index, case in enumerate(spec["cases"])]
    return cases


def projects(base: Path, write_project) -> list[Path]:
    """Every project the test compares on, written under `base`."""
    roots = []
    for name, files in lint_cases():
        roots.append(write_project(base / name, files))
    for case in sorted((TESTS / "malformed").iterdir()):
        roots.append(write_project(base / f"malformed-{case.stem}", {f"guidelines/pps/rules/{case.name}": case.read_bytes()}))
    roots.append(write_project(base / "config-lint", {
        "guidelines.yaml": "kind: project\nname: X\nlint:\n  disable: [GL303, no-such-check]\n  severity: {GL206: warning}\n",
        "guidelines/pps/rules/PPS-002.yaml": "kind: rule\nid: PPS-002\ntask: pps\ntitle: T\nlabels: [persn]\nwhen: w\n",
    }))
    sample = base / "sample"
    shutil.copytree(REPO / "sample_guidelines", sample, ignore=shutil.ignore_patterns("site", "annotations"))
    roots.append(sample)
    return roots


def validate_json(root: Path) -> dict[str, list[tuple]]:
    result = CliRunner().invoke(cli, ["validate", "--project", str(root), "--format", "json"])
    assert result.exit_code in (0, 1), result.output + result.stderr
    found: dict[str, list[tuple]] = {}
    for f in json.loads(result.stdout)["findings"]:
        found.setdefault(f["path"], []).append((f["line"], f["column"], f["code"], f["severity"], _same_sets(f["message"])))
    return found


def lsp_findings(editor, root: Path) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    prefix = editor.uri(root) + "/"
    for uri, diagnostics in editor.latest().items():
        if not uri.startswith(prefix) or not diagnostics:
            continue
        path = uri[len(prefix):]
        text = _text(root / path)
        found[path] = [(*_parser_position(text, d.range.start), d.code, SEVERITY[d.severity], _same_sets(d.message))
                       for d in diagnostics]
    return found


def _text(path: Path) -> str:
    try:  # a file that is not UTF-8 shows each bad byte as one character
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


def _same_sets(message: str) -> str:
    """`{'b', 'a'}` → `{'a', 'b'}`: a Python set in a message prints in hash order, which
    differs between two processes (validate's own output has that wrinkle too)."""
    return re.sub(r"\{('[^{}]*')\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)


def _parser_position(text: str, position) -> tuple[int, int]:
    """1-based line:column as validate counts them, from a UTF-16 LSP position (BOM skipped)."""
    lines = text.split("\n")
    line = lines[position.line] if position.line < len(lines) else ""
    units, column = 0, 0
    for char in line:
        if units >= position.character:
            break
        units += 2 if ord(char) > 0xFFFF else 1
        column += 1
    if position.line == 0 and text.startswith("\ufeff"):
        column -= 1
    return position.line + 1, column + 1


async def test_diagnostics_equal_validate_json(tmp_path: Path, editor, write_project):
    roots = projects(tmp_path, write_project)
    for root in roots:
        editor.open(root / "guidelines.yaml")
    for root in roots:
        await editor.settled(root)
    mismatches = []
    for root in roots:
        expected, got = validate_json(root), lsp_findings(editor, root)
        if expected != got:
            mismatches.append(f"{root.name}:\n  validate: {expected}\n  lsp:      {got}")
    assert not mismatches, "\n".join(mismatches)
    assert sum(len(validate_json(root)) for root in roots) > 100  # the comparison is not on empty reports
