"""`guidelines log / diff / changelog / release` end to end through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gitrepo import CONFIG, RULES, TASK, commit, git, repo_in_cwd_fixture, rule_yaml, run_cli, tag, task_yaml

repo = pytest.fixture(repo_in_cwd_fixture)  # the one-rule project, as the current folder
run = run_cli


def test_log_text_newest_first_with_field_changes(repo: Path) -> None:
    commit(repo, "Sharpen the condition", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Both are in sharp focus.", decision="b")}, author="Ann Lead")
    commit(repo, "Rename file", {f"{RULES}/r1.yaml": None, f"{RULES}/focus.yaml": rule_yaml("R-1", when="Both are in sharp focus.", decision="b")})
    code, out, err = run("log", "R-1")
    assert code == 0, err
    shas = git(repo, "log", "--format=%h", "--abbrev=7").split()
    assert out == (
        "R-1: 3 revisions on main (newest first)\n"
        "\n"
        f"{shas[0]}  2026-01-01 02:00  Test Lead  moved (content unchanged)  {RULES}/focus.yaml\n"
        "    Rename file\n"
        f"    moved from {RULES}/r1.yaml\n"
        "\n"
        f"{shas[1]}  2026-01-01 01:00  Ann Lead  changed (major)  {RULES}/r1.yaml\n"
        "    Sharpen the condition\n"
        "    decision: a → b\n"
        "    when: Both are [-visible.-]{+in sharp focus.+}\n"
        "\n"
        f"{shas[2]}  2026-01-01 00:00  Test Lead  added (minor)  {RULES}/r1.yaml\n"
        "    initial guidelines\n"
    )


def test_log_of_a_rewording_shows_old_and_new_sentences(repo: Path) -> None:
    # most words changed: a word diff interleaves them ([-Any-]{+The+} [-photo that-]{+image+}),
    # so the old and the new text are shown whole, one above the other
    old = "Any photo that shows a person in a setting is lifestyle, whatever is in focus."
    new = "The image shows a setting you could name and no single element dominates it."
    commit(repo, "first wording", {f"{RULES}/r1.yaml": rule_yaml("R-1", when=old, rationale="The box is visible.")})
    commit(repo, "reword", {f"{RULES}/r1.yaml": rule_yaml("R-1", when=new, rationale="The box is clearly visible.")})
    code, out, err = run("log", "R-1")
    assert code == 0, err
    newest = out.split("\n\n")[1].splitlines()
    assert newest[2:] == [
        "    when (rewritten):",
        f"      old: {old}",
        f"      new: {new}",
        "    rationale: The box is {+clearly +}visible.",  # a few words changed: still a word diff
    ]
    code, out, _ = run("diff", "HEAD~1", "HEAD")
    assert f"      when (rewritten):\n        old: {old}\n        new: {new}\n" in out


def test_a_move_says_the_content_is_unchanged_and_the_changelog_lists_it(repo: Path) -> None:
    tag(repo, "v1.0.0")
    commit(repo, "move", {f"{RULES}/r1.yaml": None, f"{RULES}/focus/r1.yaml": rule_yaml("R-1")})
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    tag(repo, "v1.1.0")
    code, out, _ = run("diff", "v1.0.0", "v1.1.0")
    assert f"  R-1: moved (content unchanged)  {RULES}/focus/r1.yaml\n      moved from {RULES}/r1.yaml\n" in out
    assert "(none)" not in out
    code, out, _ = run("changelog")
    assert code == 0
    assert out.split("## v1.0.0")[0] == (
        "# Changelog (main)\n\n"
        "## v1.1.0 — 2026-01-01 (minor)\n\nChanges since v1.0.0.\n\n"
        "### Added\n\n- **R-2**: Rule R-2 (minor)\n\n"
        f"### Moved\n\n- **R-1**: Rule R-1 (moved from `{RULES}/r1.yaml` to `{RULES}/focus/r1.yaml`; "
        "same content)\n\n"
    )
    payload = json.loads(run("changelog", "--format", "json")[1])
    assert payload["releases"][0]["moved"] == [{
        "rule": "R-1", "task": "t", "title": "Rule R-1", "change": "moved", "level": "none", "fields": [],
        "old_path": f"{RULES}/r1.yaml", "path": f"{RULES}/focus/r1.yaml"}]
    # a move alone makes no release: there is nothing for an annotator to relearn
    commit(repo, "move back", {f"{RULES}/focus/r1.yaml": None, f"{RULES}/r1.yaml": rule_yaml("R-1")})
    code, out, err = run("release", "--dry-run")
    assert code == 2 and "nothing to release" in err
    code, out, _ = run("changelog")
    assert out.startswith("# Changelog (main)\n\n## Unreleased (no version bump)\n\nChanges since v1.1.0.\n\n### Moved\n\n")


def test_a_rule_changed_and_moved_in_one_release_is_changed_with_the_move_said(repo: Path) -> None:
    tag(repo, "v1.0.0")
    commit(repo, "move and reword", {f"{RULES}/r1.yaml": None, f"{RULES}/focus/r1.yaml": rule_yaml("R-1", rationale="Clearer.")})
    code, out, _ = run("changelog")
    assert out.split("## v1.0.0")[0].endswith(
        "### Changed\n\n"
        f"- **R-1**: Rule R-1 (rationale; patch; moved from `{RULES}/r1.yaml` to `{RULES}/focus/r1.yaml`)\n\n")
    assert "### Moved" not in out


def test_log_json_shape(repo: Path) -> None:
    sha = commit(repo, "Wording\n\nLonger body.", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Clearer.")})
    code, out, _ = run("log", "R-1", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["rule"] == "R-1"
    assert payload["revisions"][0] == {
        "commit": sha,
        "date": "2026-01-01T01:00:00+00:00",
        "author": "Test Lead",
        "message": "Wording\n\nLonger body.",
        "path": f"{RULES}/r1.yaml",
        "change": "changed",
        "level": "patch",
        "fields": ["rationale"],
    }
    assert [r["change"] for r in payload["revisions"]] == ["changed", "added"]


def test_log_unknown_rule_exits_2_with_suggestion(repo: Path) -> None:
    code, out, err = run("log", "R-2")
    assert code == 2 and out == ""
    assert err == "error: no rule 'R-2' in the history of main (did you mean R-1?)\n"


def test_diff_head_vs_working_tree(repo: Path) -> None:
    (repo / RULES / "r1.yaml").write_text(rule_yaml("R-1", decision="b"))
    (repo / RULES / "r2.yaml").write_text(rule_yaml("R-2"))
    code, out, _ = run("diff")
    assert code == 0
    assert out == (
        "HEAD → working tree: 2 rule(s), 0 task(s) changed; version bump: major\n"
        f"  R-1: changed (major)  {RULES}/r1.yaml\n"
        "      decision: a → b\n"
        f"  R-2: added (minor)  {RULES}/r2.yaml\n"
    )


def test_diff_two_revisions_md_and_json(repo: Path) -> None:
    commit(repo, "labels", {TASK: task_yaml(labels=("a",)), f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="a|b")})
    code, out, _ = run("diff", "HEAD~1", "HEAD", "--format", "md")
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
    code, out, _ = run("diff", "HEAD~1", "--format", "json")
    payload = json.loads(out)
    assert payload["from"] == "HEAD~1" and payload["to"] == "working tree" and payload["bump"] == "major"
    assert payload["rules"][0]["rule"] == "R-1" and payload["tasks"][0]["labels_removed"] == ["b"]


def test_diff_unknown_revision_exits_2(repo: Path) -> None:
    code, _, err = run("diff", "no-such-rev")
    assert code == 2 and "unknown revision 'no-such-rev'" in err


def test_changelog_per_release_with_unreleased_on_top(repo: Path) -> None:
    tag(repo, "v1.0.0", message="first")
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    commit(repo, "deprecate R-1", {f"{RULES}/r1.yaml": rule_yaml("R-1", status="deprecated")})
    tag(repo, "v1.1.0")
    commit(repo, "fix wording", {f"{RULES}/r2.yaml": rule_yaml("R-2", rationale="Better.")})
    code, out, _ = run("changelog")
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
    code, out, _ = run("changelog", "--since", "v1.0.0", "--format", "json")
    payload = json.loads(out)
    assert [r["tag"] for r in payload["releases"]] == [None, "v1.1.0"]
    assert payload["releases"][1]["deprecated"][0]["rule"] == "R-1"
    code, _, err = run("changelog", "--since", "v9")
    assert code == 2 and "not a release tag" in err


def test_release_tags_next_version_with_changelog_message(repo: Path) -> None:
    code, out, err = run("release", "--dry-run")
    assert code == 0, err
    assert out.startswith("would tag v1.0.0 on ")
    assert git(repo, "tag") == ""
    code, out, err = run("release")
    assert code == 0, err
    assert out.startswith("tagged v1.0.0")
    assert git(repo, "cat-file", "-t", "v1.0.0").strip() == "tag"  # annotated
    assert "### Added\n\n- **R-1**" in git(repo, "tag", "-l", "--format=%(contents)", "v1.0.0")
    code, _, err = run("release")
    assert code == 2 and "nothing to release: v1.0.0 already tags the tip" in err
    commit(repo, "decision", {f"{RULES}/r1.yaml": rule_yaml("R-1", decision="b")})
    code, out, _ = run("release", "--dry-run")
    assert out.startswith("would tag v2.0.0")  # a decision changed: major


def test_release_refuses_dirty_tree_and_no_changes(repo: Path) -> None:
    tag(repo, "v1.0.0")
    commit(repo, "not guidelines", {"README.md": "hi"})
    code, _, err = run("release")
    assert code == 2 and "no rule or task changed since v1.0.0" in err
    commit(repo, "patch", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="x")})
    (repo / RULES / "r1.yaml").write_text(rule_yaml("R-1", rationale="uncommitted"))
    code, _, err = run("release")
    assert code == 2 and "uncommitted changes" in err
    assert "v1.0.1" not in git(repo, "tag")


def test_shallow_clone_exits_2_naming_the_fix(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit(repo, "second", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    monkeypatch.chdir(clone)
    for args in (["log", "R-1"], ["changelog"], ["release", "--dry-run"]):
        code, out, err = run(*args)
        assert code == 2 and out == ""
        assert "fetch-depth: 0" in err and "git fetch --unshallow" in err and "Traceback" not in err


def test_not_a_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "guidelines.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    for args in (["log", "R-1"], ["diff"], ["changelog"]):
        code, _, err = run(*args)
        assert code == 2 and "not inside a git repository" in err


def test_broken_old_version_is_a_warning_not_a_failure(repo: Path) -> None:
    commit(repo, "oops", {f"{RULES}/r1.yaml": "kind: rule\nid: [R-1\n"})
    commit(repo, "fix", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Fixed.")})
    code, out, err = run("log", "R-1", "--format", "json")
    assert code == 0
    assert [r["change"] for r in json.loads(out)["revisions"]] == ["changed", "added"]
    assert f"warning: {RULES}/r1.yaml:" in err and "skipped in rule history" in err


def test_file_name_that_is_not_utf8_prints_on_a_strict_utf8_terminal(repo: Path) -> None:
    # A UTF-8 locale gives Python a strict stdout; the name goes out as the bytes it has on disk.
    import os
    import subprocess
    import sys

    (repo / RULES / os.fsdecode(b"caf\xe9.yaml")).write_text(rule_yaml("R-2"), encoding="utf-8")
    commit(repo, "latin-1 file name")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for args in (["validate"], ["log", "R-2"], ["diff", "HEAD~1"], ["log", "R-2", "--format", "json"]):
        proc = subprocess.run([sys.executable, "-m", "guidelines_tool", *args], cwd=repo, env=env, capture_output=True)
        assert proc.returncode in (0, 1), (args, proc.stderr)
        assert b"caf\xe9.yaml" in proc.stdout or args[-1] == "json", args
