"""validate: every file of the malformed corpus gives findings on that file and exit 1 (never a
traceback); an overlay (path → text) stands in for files on disk (an editor's buffers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.validation import validate

CORPUS = Path(__file__).parent / "malformed"
CASES = sorted(CORPUS.iterdir())


def run_validate(root: Path, *args: str):
    return CliRunner().invoke(cli, ["validate", "--project", str(root), "--format", "json", *args])


def test_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_file_gives_findings(guideline_project, tmp_path: Path, case: Path):
    rel = f"guidelines/pps/rules/{case.name}"
    root = guideline_project(tmp_path, {rel: case.read_bytes()})
    result = run_validate(root)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    mine = [finding for finding in report["findings"] if finding["path"] == rel]
    assert mine, report
    assert all(finding["line"] >= 1 and finding["column"] >= 1 for finding in mine)


def test_malformed_project_file(guideline_project, tmp_path: Path):
    root = guideline_project(tmp_path, {"guidelines.yaml": "kind: project\nname: [unclosed\n"})
    result = run_validate(root)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"][0]["path"] == "guidelines.yaml"


def test_file_over_the_size_limit(guideline_project, tmp_path: Path):
    root = guideline_project(tmp_path)
    big = root / "guidelines/pps/rules/huge.yaml"
    with big.open("w") as handle:  # 50 MB of valid YAML: refused before it is read
        line = "# " + "x" * 1021 + "\n"
        for _ in range(50 * 1024):
            handle.write(line)
    result = run_validate(root)
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert (finding["path"], finding["line"], finding["column"], finding["code"]) == ("guidelines/pps/rules/huge.yaml", 1, 1, "GL008")


# --- validate(overlay=...): text that stands in for files on disk (an editor's buffers) -------------

RULE_FILE = "guidelines/pps/rules/PPS-001.yaml"


def lines(result) -> list[str]:
    return [f"{f.path}:{f.line}:{f.column}: {f.code}" for f in result.findings]


def test_overlay_text_is_checked_instead_of_the_file(guideline_project):
    root = guideline_project()
    broken = (root / RULE_FILE).read_text().replace("decision: product", "decision: prodct")
    assert lines(validate(root, overlay={RULE_FILE: broken})) == [f"{RULE_FILE}:6:11: GL206", f"{RULE_FILE}:6:11: GL207"]
    assert validate(root).findings == []  # the disk is untouched


def test_overlay_keys_may_be_absolute_paths(guideline_project):
    root = guideline_project()
    broken = (root / RULE_FILE).read_text().replace("decision: product", "decision: prodct")
    assert lines(validate(root, overlay={root / RULE_FILE: broken})) == [f"{RULE_FILE}:6:11: GL206", f"{RULE_FILE}:6:11: GL207"]


def test_an_unsaved_new_file_in_the_guideline_folder_is_read(guideline_project):
    root = guideline_project()
    copy = "guidelines/pps/rules/copy.yaml"
    found = lines(validate(root, overlay={copy: (root / RULE_FILE).read_text()}))
    assert found == [f"{RULE_FILE}:2:5: GL202", f"{copy}:2:5: GL202"]


def test_an_overlay_file_outside_the_guideline_folder_is_not_a_guideline_file(guideline_project):
    root = guideline_project()
    assert validate(root, overlay={"docs/notes.yaml": "kind: rule\n"}).findings == []


def test_the_config_can_come_from_the_overlay(guideline_project, tmp_path):
    rule = (guideline_project(tmp_path / "base") / RULE_FILE).read_text()
    root = guideline_project(tmp_path / "p", {RULE_FILE: rule.replace("decision: product", "decision: prodct")})
    config = "kind: project\nname: Test guidelines\nlint:\n  disable: [unknown-label, GL207]\n"
    assert validate(root, overlay={"guidelines.yaml": config}).findings == []


def test_an_overlay_over_the_size_limit_is_refused_like_the_file(guideline_project):
    root = guideline_project()
    huge = (root / RULE_FILE).read_text() + "# " + "x" * (10 * 1024 * 1024) + "\n"
    assert lines(validate(root, overlay={RULE_FILE: huge})) == [f"{RULE_FILE}:1:1: GL008"]
