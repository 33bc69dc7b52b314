"""`guidelines fmt` end to end through click: what it lists, prints and rewrites, and its exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from guidelines_tool.cli import cli

MESSY = "title: T\nkind: rule  # k\nid: R-1\n"
CLEAN = "kind: rule  # k\nid: R-1\ntitle: T\n"


def make_project(root: Path) -> None:
    (root / "guidelines" / "t" / "rules").mkdir(parents=True)
    (root / "guidelines.yaml").write_text("name: P\nkind: project\n")
    (root / "guidelines" / "t" / "task.yaml").write_text(
        "kind: task\nid: t\ntitle: T\nlabels:\n  - id: a\n"
    )
    (root / "guidelines" / "t" / "rules" / "R-1.yaml").write_text(MESSY)


def test_fmt_check_lists_files_that_would_change(tmp_path, monkeypatch):
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fmt", "--check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["guidelines.yaml", "guidelines/t/rules/R-1.yaml"]
    assert "2 files would be reformatted, 1 unchanged" in result.stderr
    assert (tmp_path / "guidelines.yaml").read_text() == "name: P\nkind: project\n"


def test_fmt_diff_shows_the_change_and_writes_nothing(tmp_path, monkeypatch):
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fmt", "--diff", "guidelines/t/rules/R-1.yaml"])
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/guidelines/t/rules/R-1.yaml\n+++ b/guidelines/t/rules/R-1.yaml\n"
        "@@ -1,3 +1,3 @@\n-title: T\n kind: rule  # k\n id: R-1\n+title: T\n"
    )
    assert (tmp_path / "guidelines" / "t" / "rules" / "R-1.yaml").read_text() == MESSY


def test_fmt_rewrites_the_project_then_is_clean(tmp_path, monkeypatch):
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fmt"])
    assert result.exit_code == 0, result.output
    assert "2 files reformatted, 1 unchanged" in result.stderr
    assert (tmp_path / "guidelines" / "t" / "rules" / "R-1.yaml").read_text() == CLEAN
    assert CliRunner().invoke(cli, ["fmt", "--check"]).exit_code == 0


def test_fmt_paths_and_errors(tmp_path, monkeypatch):
    make_project(tmp_path)
    bad = tmp_path / "guidelines" / "t" / "rules" / "bad.yaml"
    bad.write_text("kind: rule\nid: [x\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fmt", "guidelines/t/rules"])
    assert result.exit_code == 1
    assert re.search(r"^guidelines/t/rules/bad\.yaml:3:1: .*does not parse", result.stderr, re.M)
    assert bad.read_text() == "kind: rule\nid: [x\n"
    assert (tmp_path / "guidelines" / "t" / "rules" / "R-1.yaml").read_text() == CLEAN


def test_fmt_without_a_project_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fmt"])
    assert result.exit_code == 2
    assert "guidelines.yaml" in result.stderr
