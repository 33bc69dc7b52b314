"""Lint checks, driven by the case files in tests/lint/cases/ (one file per check).

Each case adds files to the base project (the `guideline_project` fixture) and lists, as text lines
`path:line:col: CODE message`, exactly the findings of that check it must give.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from guidelines_tool.lint import CHECKS, code_table, resolve_code
from guidelines_tool.validation import validate

CASE_DIR = Path(__file__).parent / "cases"


def load_cases() -> list:
    cases = []
    for path in sorted(CASE_DIR.glob("*.yaml")):
        spec = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            cases.append(pytest.param(spec["code"], case, id=f"{path.stem}: {case['name']}"))
    return cases


@pytest.mark.parametrize(("code", "case"), load_cases())
def test_lint_case(guideline_project, tmp_path: Path, code: str, case: dict):
    root = guideline_project(tmp_path, case["files"])
    found = [
        f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in validate(root).findings if f.code == code
    ]
    assert found == case["expect"]


def test_base_project_is_clean(guideline_project, tmp_path: Path):
    assert validate(guideline_project(tmp_path)).findings == []


@pytest.mark.parametrize("code", sorted(CHECKS))
def test_every_check_documents_itself_and_has_cases(code: str):
    module = CHECKS[code]
    assert module.CODE == code
    assert module.NAME and module.NAME == module.NAME.lower() and " " not in module.NAME
    assert module.SEVERITY in ("error", "warning")
    doc = module.__doc__ or ""
    assert "Passing" in doc and "Failing" in doc, f"{module.__name__} docstring needs a passing and a failing example"
    case_file = CASE_DIR / f"{code}-{module.NAME}.yaml"
    assert case_file.is_file(), f"missing {case_file.name}"
    cases = YAML(typ="safe").load(case_file.read_text(encoding="utf-8"))["cases"]
    assert any(not case["expect"] for case in cases), "needs a passing case"
    assert any(case["expect"] for case in cases), "needs a failing case"


def test_codes_and_names_are_unique():
    table = code_table()
    names = [name for name, _severity, _text in table.values()]
    assert len(names) == len(set(names))
    assert all(code.startswith("GL") and len(code) == 5 for code in table)


def test_severity_matches_code_range():
    for code, module in CHECKS.items():
        assert module.SEVERITY == ("error" if code.startswith("GL2") else "warning")


def test_resolve_code_accepts_code_or_name():
    assert resolve_code("GL304") == "GL304"
    assert resolve_code("possible-conflict") == "GL304"
    assert resolve_code("duplicate-key") == "GL003"
    assert resolve_code("no-such-check") is None


def test_lint_config_disables_and_changes_severity(guideline_project, tmp_path: Path):
    rule = "kind: rule\nid: PPS-002\ntask: pps\ntitle: T\nlabels: [product, packaging]\nwhen: w\nstatus: deprecated\n"
    files = {"guidelines/pps/rules/PPS-002.yaml": rule}
    assert [f.code for f in validate(guideline_project(tmp_path / "a", files)).findings] == ["GL301"]
    config = "kind: project\nname: T\nlint:\n  severity: {deprecated-without-replacement: error}\n"
    findings = validate(guideline_project(tmp_path / "b", {**files, "guidelines.yaml": config})).findings
    assert [(f.code, f.severity) for f in findings] == [("GL301", "error")]
    config = "kind: project\nname: T\nlint:\n  disable: [GL301, not-a-check]\n"
    findings = validate(guideline_project(tmp_path / "c", {**files, "guidelines.yaml": config})).findings
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("guidelines.yaml", 4, 20, "GL103")]
    assert "unknown check 'not-a-check'" in findings[0].message
