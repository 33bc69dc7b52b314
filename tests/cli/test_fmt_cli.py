"""`guidelines fmt` end to end through click: what it lists, prints and rewrites, and its exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.formatting import format_text

MESSY = "title: T\nkind: rule  # k\nid: R-1\n"
CLEAN = "kind: rule  # k\nid: R-1\ntitle: T\n"
# shapes ruamel.yaml cannot round-trip: yaml-test-suite P94K (a comment after `key:` whose value
# continues below) and 4FJ6 (a sequence as a key); tests/test_formatting.py holds them to their findings
COMMENT_OVERLAP = "kind: rule\nid: R-2\ntitle: # c\n  more\n\nwhen: w\n"
COMPLEX_KEY = "kind: rule\nid: R-3\n[ a, [ [[b,c]]: d, e]]: 23\n"


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


def test_one_file_ruamel_cannot_read_does_not_stop_the_others(tmp_path, monkeypatch):
    make_project(tmp_path)
    rules = tmp_path / "guidelines" / "t" / "rules"
    (rules / "A-overlap.yaml").write_text(COMMENT_OVERLAP)
    (rules / "B-complex.yaml").write_text(COMPLEX_KEY)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fmt"])
    assert result.exit_code == 1
    assert "internal error" not in result.output
    assert "guidelines/t/rules/A-overlap.yaml:3:8:" in result.output
    assert "guidelines/t/rules/B-complex.yaml:3:1:" in result.output
    # the files after them were still formatted, the broken ones left as they were
    assert (rules / "R-1.yaml").read_text() == CLEAN
    assert (rules / "A-overlap.yaml").read_text() == COMMENT_OVERLAP
    assert (rules / "B-complex.yaml").read_text() == COMPLEX_KEY


def test_an_unexpected_formatter_failure_is_one_files_error(tmp_path, monkeypatch):
    # whatever a YAML library raises on one file, the others are still formatted
    import guidelines_tool.formatting.files as files

    def explode(text):
        if "R-2" in text:
            raise RuntimeError("boom")
        return format_text(text)

    make_project(tmp_path)
    (tmp_path / "guidelines" / "t" / "rules" / "A.yaml").write_text(COMMENT_OVERLAP)
    monkeypatch.setattr(files, "format_text", explode)
    report = files.format_paths(start=tmp_path)
    status = {Path(o.path).name: (o.status, o.message) for o in report.outcomes}
    assert status["A.yaml"][0] == "error" and "RuntimeError: boom" in status["A.yaml"][1]
    assert status["R-1.yaml"][0] == "reformatted"
