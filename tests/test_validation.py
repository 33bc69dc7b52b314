"""Every file of the malformed corpus gives findings on that file and exit 1: never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli

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
