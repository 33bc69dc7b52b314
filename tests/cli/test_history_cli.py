"""`guidelines log / diff / changelog / release` end to end through click's CliRunner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def repo(one_rule_repo_in_cwd: Path) -> Path:
    """The one-rule project (task t, rule R-1), as the current folder."""
    return one_rule_repo_in_cwd


def test_log_text_newest_first_with_field_changes(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "Sharpen the condition", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when="Both are in sharp focus.", decision="b")}, author="Ann Lead")
    gitkit.commit(repo, "Rename file", {f"{gitkit.RULES}/r1.yaml": None, f"{gitkit.RULES}/focus.yaml": gitkit.rule_yaml("R-1", when="Both are in sharp focus.", decision="b")})
    code, out, err = gitkit.run_cli("log", "R-1")
    assert code == 0, err
    shas = gitkit.git(repo, "log", "--format=%h", "--abbrev=7").split()
    assert out == (
        "R-1: 3 revisions on main (newest first)\n"
        "\n"
        f"{shas[0]}  2026-01-01 02:00  Test Lead  moved (content unchanged)  {gitkit.RULES}/focus.yaml\n"
        "    Rename file\n"
        f"    moved from {gitkit.RULES}/r1.yaml\n"
        "\n"
        f"{shas[1]}  2026-01-01 01:00  Ann Lead  changed (major)  {gitkit.RULES}/r1.yaml\n"
        "    Sharpen the condition\n"
        "    decision: a → b\n"
        "    when: Both are [-visible.-]{+in sharp focus.+}\n"
        "\n"
        f"{shas[2]}  2026-01-01 00:00  Test Lead  added (minor)  {gitkit.RULES}/r1.yaml\n"
        "    initial guidelines\n"
    )


def test_log_of_a_rewording_shows_old_and_new_sentences(repo: Path, gitkit) -> None:
    # most words changed: a word diff interleaves them ([-Any-]{+The+} [-photo that-]{+image+}),
    # so the old and the new text are shown whole, one above the other
    old = "Any photo that shows a person in a setting is lifestyle, whatever is in focus."
    new = "The image shows a setting you could name and no single element dominates it."
    gitkit.commit(repo, "first wording", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when=old, rationale="The box is visible.")})
    gitkit.commit(repo, "reword", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when=new, rationale="The box is clearly visible.")})
    code, out, err = gitkit.run_cli("log", "R-1")
    assert code == 0, err
    newest = out.split("\n\n")[1].splitlines()
    assert newest[2:] == [
        "    when (rewritten):",
        f"      old: {old}",
        f"      new: {new}",
        "    rationale: The box is {+clearly +}visible.",  # a few words changed: still a word diff
    ]
    code, out, _ = gitkit.run_cli("diff", "HEAD~1", "HEAD")
    assert f"      when (rewritten):\n        old: {old}\n        new: {new}\n" in out


def test_a_move_says_the_content_is_unchanged_and_the_changelog_lists_it(repo: Path, gitkit) -> None:
    gitkit.tag(repo, "v1.0.0")
    gitkit.commit(repo, "move", {f"{gitkit.RULES}/r1.yaml": None, f"{gitkit.RULES}/focus/r1.yaml": gitkit.rule_yaml("R-1")})
    gitkit.commit(repo, "add R-2", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    gitkit.tag(repo, "v1.1.0")
    code, out, _ = gitkit.run_cli("diff", "v1.0.0", "v1.1.0")
    assert f"  R-1: moved (content unchanged)  {gitkit.RULES}/focus/r1.yaml\n      moved from {gitkit.RULES}/r1.yaml\n" in out
    assert "(none)" not in out
    code, out, _ = gitkit.run_cli("changelog")
    assert code == 0
    assert out.split("## v1.0.0")[0] == (
        "# Changelog (main)\n\n"
        "## v1.1.0 — 2026-01-01 (minor)\n\nChanges since v1.0.0.\n\n"
        "### Added\n\n- **R-2**: Rule R-2 (minor)\n\n"
        f"### Moved\n\n- **R-1**: Rule R-1 (moved from `{gitkit.RULES}/r1.yaml` to `{gitkit.RULES}/focus/r1.yaml`; "
        "same content)\n\n"
    )
    payload = json.loads(gitkit.run_cli("changelog", "--format", "json")[1])
    assert payload["releases"][0]["moved"] == [{
        "rule": "R-1", "task": "t", "title": "Rule R-1", "change": "moved", "level": "none", "fields": [],
        "old_path": f"{gitkit.RULES}/r1.yaml", "path": f"{gitkit.RULES}/focus/r1.yaml"}]
    # a move alone makes no release: there is nothing for an annotator to relearn
    gitkit.commit(repo, "move back", {f"{gitkit.RULES}/focus/r1.yaml": None, f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1")})
    code, out, err = gitkit.run_cli("release", "--dry-run")
    assert code == 2 and "nothing to release" in err
    code, out, _ = gitkit.run_cli("changelog")
    assert out.startswith("# Changelog (main)\n\n## Unreleased (no version bump)\n\nChanges since v1.1.0.\n\n### Moved\n\n")


def test_a_rule_changed_and_moved_in_one_release_is_changed_with_the_move_said(repo: Path, gitkit) -> None:
    gitkit.tag(repo, "v1.0.0")
    gitkit.commit(repo, "move and reword", {f"{gitkit.RULES}/r1.yaml": None, f"{gitkit.RULES}/focus/r1.yaml": gitkit.rule_yaml("R-1", rationale="Clearer.")})
    code, out, _ = gitkit.run_cli("changelog")
    assert out.split("## v1.0.0")[0].endswith(
        "### Changed\n\n"
        f"- **R-1**: Rule R-1 (rationale; patch; moved from `{gitkit.RULES}/r1.yaml` to `{gitkit.RULES}/focus/r1.yaml`)\n\n")
    assert "### Moved" not in out


def test_log_json_shape(repo: Path, gitkit) -> None:
    sha = gitkit.commit(repo, "Wording\n\nLonger body.", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Clearer.")})
    code, out, _ = gitkit.run_cli("log", "R-1", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["rule"] == "R-1"
    assert payload["revisions"][0] == {
        "commit": sha,
        "date": "2026-01-01T01:00:00+00:00",
        "author": "Test Lead",
        "message": "Wording\n\nLonger body.",
        "path": f"{gitkit.RULES}/r1.yaml",
        "change": "changed",
        "level": "patch",
        "fields": ["rationale"],
    }
    assert [r["change"] for r in payload["revisions"]] == ["changed", "added"]


def test_log_unknown_rule_exits_2_with_suggestion(repo: Path, gitkit) -> None:
    code, out, err = gitkit.run_cli("log", "R-2")
    assert code == 2 and out == ""
    assert err == "error: no rule 'R-2' in the history of main (did you mean R-1?)\n"


def test_diff_head_vs_working_tree(repo: Path, gitkit) -> None:
    (repo / gitkit.RULES / "r1.yaml").write_text(gitkit.rule_yaml("R-1", decision="b"))
    (repo / gitkit.RULES / "r2.yaml").write_text(gitkit.rule_yaml("R-2"))
    code, out, _ = gitkit.run_cli("diff")
    assert code == 0
    assert out == (
        "HEAD → working tree: 2 rule(s), 0 task(s) changed; version bump: major\n"
        f"  R-1: changed (major)  {gitkit.RULES}/r1.yaml\n"
        "      decision: a → b\n"
        f"  R-2: added (minor)  {gitkit.RULES}/r2.yaml\n"
    )


def test_diff_two_revisions_md_and_json(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "labels", {gitkit.TASK: gitkit.task_yaml(labels=("a",)), f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="a|b")})
    code, out, _ = gitkit.run_cli("diff", "HEAD~1", "HEAD", "--format", "md")
    assert code == 0
    assert out == (
        "**Guideline changes** `HEAD~1` → `HEAD`: version bump **major**\n"
        "\n"
        "| Rule | Task | Change | Level | Fields |\n"
        "|------|------|--------|-------|--------|\n"
        "| R-1 | t | changed | patch | rationale |\n"
        "\n"
        "| Task | Change | Level | Details |\n"
        "|------|--------|-------|---------|\n"
        "| t | changed | major | labels removed: b |\n"
        "\n"
    )
    code, out, _ = gitkit.run_cli("diff", "HEAD~1", "--format", "json")
    payload = json.loads(out)
    assert payload["from"] == "HEAD~1" and payload["to"] == "working tree" and payload["bump"] == "major"
    assert payload["rules"][0]["rule"] == "R-1" and payload["tasks"][0]["labels_removed"] == ["b"]


def test_diff_unknown_revision_exits_2(repo: Path, gitkit) -> None:
    code, _, err = gitkit.run_cli("diff", "no-such-rev")
    assert code == 2 and "unknown revision 'no-such-rev'" in err


def test_changelog_per_release_with_unreleased_on_top(repo: Path, gitkit) -> None:
    gitkit.tag(repo, "v1.0.0", message="first")
    gitkit.commit(repo, "add R-2", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    gitkit.commit(repo, "deprecate R-1", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", status="deprecated")})
    gitkit.tag(repo, "v1.1.0")
    gitkit.commit(repo, "fix wording", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2", rationale="Better.")})
    code, out, _ = gitkit.run_cli("changelog")
    assert code == 0
    assert out == (
        "# Changelog (main)\n\n"
        "## Unreleased (patch)\n\nChanges since v1.1.0.\n\n"
        "### Changed\n\n- **R-2**: Rule R-2 (rationale; patch)\n\n"
        "## v1.1.0 — 2026-01-01 (minor)\n\nChanges since v1.0.0.\n\n"
        "### Added\n\n- **R-2**: Rule R-2 (minor)\n\n"
        "### Deprecated\n\n- **R-1**: Rule R-1 (status; minor)\n\n"
        "## v1.0.0 — 2026-01-01 (minor)\n\nFirst release.\n\n"
        "### Added\n\n- **R-1**: Rule R-1 (minor)\n\n"
        "### Tasks\n\n- **t** added (minor): labels added: a, b\n"
    )
    code, out, _ = gitkit.run_cli("changelog", "--since", "v1.0.0", "--format", "json")
    payload = json.loads(out)
    assert [r["tag"] for r in payload["releases"]] == [None, "v1.1.0"]
    assert payload["releases"][1]["deprecated"][0]["rule"] == "R-1"
    code, _, err = gitkit.run_cli("changelog", "--since", "v9")
    assert code == 2 and "not a release tag" in err


def test_release_tags_next_version_with_changelog_message(repo: Path, gitkit) -> None:
    code, out, err = gitkit.run_cli("release", "--dry-run")
    assert code == 0, err
    assert out.startswith("would tag v1.0.0 on ")
    assert gitkit.git(repo, "tag") == ""
    code, out, err = gitkit.run_cli("release")
    assert code == 0, err
    assert out.startswith("tagged v1.0.0")
    assert gitkit.git(repo, "cat-file", "-t", "v1.0.0").strip() == "tag"  # annotated
    assert "### Added\n\n- **R-1**" in gitkit.git(repo, "tag", "-l", "--format=%(contents)", "v1.0.0")
    code, _, err = gitkit.run_cli("release")
    assert code == 2 and "nothing to release: v1.0.0 already tags the tip" in err
    gitkit.commit(repo, "decision", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", decision="b")})
    code, out, _ = gitkit.run_cli("release", "--dry-run")
    assert out.startswith("would tag v2.0.0")  # a decision changed: major


def test_release_refuses_dirty_tree_and_no_changes(repo: Path, gitkit) -> None:
    gitkit.tag(repo, "v1.0.0")
    gitkit.commit(repo, "not guidelines", {"README.md": "hi"})
    code, _, err = gitkit.run_cli("release")
    assert code == 2 and "no rule or task changed since v1.0.0" in err
    gitkit.commit(repo, "patch", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="x")})
    (repo / gitkit.RULES / "r1.yaml").write_text(gitkit.rule_yaml("R-1", rationale="uncommitted"))
    code, _, err = gitkit.run_cli("release")
    assert code == 2 and "uncommitted changes" in err
    assert "v1.0.1" not in gitkit.git(repo, "tag")


def test_shallow_clone_exits_2_naming_the_fix(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gitkit) -> None:
    gitkit.commit(repo, "second", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    clone = tmp_path / "clone"
    gitkit.git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    monkeypatch.chdir(clone)
    for args in (["log", "R-1"], ["changelog"], ["release", "--dry-run"]):
        code, out, err = gitkit.run_cli(*args)
        assert code == 2 and out == ""
        assert "fetch-depth: 0" in err and "git fetch --unshallow" in err and "Traceback" not in err


def test_not_a_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gitkit) -> None:
    (tmp_path / "guidelines.yaml").write_text(gitkit.CONFIG)
    monkeypatch.chdir(tmp_path)
    for args in (["log", "R-1"], ["diff"], ["changelog"]):
        code, _, err = gitkit.run_cli(*args)
        assert code == 2 and "not inside a git repository" in err


def test_broken_old_version_is_a_warning_not_a_failure(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "oops", {f"{gitkit.RULES}/r1.yaml": "kind: rule\nid: [R-1\n"})
    gitkit.commit(repo, "fix", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Fixed.")})
    code, out, err = gitkit.run_cli("log", "R-1", "--format", "json")
    assert code == 0
    assert [r["change"] for r in json.loads(out)["revisions"]] == ["changed", "added"]
    assert f"warning: {gitkit.RULES}/r1.yaml:" in err and "skipped in rule history" in err


def test_file_name_that_is_not_utf8_prints_on_a_strict_utf8_terminal(repo: Path, gitkit) -> None:
    # A UTF-8 locale gives Python a strict stdout; the name goes out as the bytes it has on disk.

    (repo / gitkit.RULES / os.fsdecode(b"caf\xe9.yaml")).write_text(gitkit.rule_yaml("R-2"), encoding="utf-8")
    gitkit.commit(repo, "latin-1 file name")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for args in (["validate"], ["log", "R-2"], ["diff", "HEAD~1"], ["log", "R-2", "--format", "json"]):
        proc = subprocess.run([sys.executable, "-m", "guidelines_tool", *args], cwd=repo, env=env, capture_output=True)
        assert proc.returncode in (0, 1), (args, proc.stderr)
        assert b"caf\xe9.yaml" in proc.stdout or args[-1] == "json", args
