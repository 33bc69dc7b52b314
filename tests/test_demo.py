"""`guidelines demo` end to end: the story's repository, its batches, and what impact finds."""

from __future__ import annotations

import subprocess

from click.testing import CliRunner

from guidelines_tool.cli import cli


def test_demo_builds_the_story_and_finds_the_improvement_and_the_regression(tmp_path):
    target = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "$ guidelines validate" in out and "$ guidelines impact" in out and "$ guidelines hotspots" in out
    assert "improved ▲" in out and "REGRESSED ▼" in out
    # the clarification of PPS-004 lifted agreement; the PPS-007 rewording hurt it
    assert "PPS-004 (changed, 2026-04-13) lifted agreement" in out
    assert "PPS-007 (changed" in out and "regressed agreement on the items citing it" in out
    assert "annotations resolved to no revision" in out
    assert "Where to look next:" in out
    log = subprocess.run(["git", "log", "--oneline"], cwd=target, capture_output=True, text=True, check=True)
    assert len(log.stdout.splitlines()) >= 13
    tags = subprocess.run(["git", "tag"], cwd=target, capture_output=True, text=True, check=True).stdout.split()
    assert {"v1.0.0", "v1.1.0", "v1.2.0"} <= set(tags)
    assert (target / "guidelines/product-photo-subject/rules/people/PPS-004.yaml").is_file()
    assert len(list((target / "annotations").glob("*.csv"))) == 13


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["demo", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"
