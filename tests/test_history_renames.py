"""Rename detection is asked for, not left to the user's git config (issue 17: history without
`-M` survived the suite)"""

from __future__ import annotations

from guidelines_tool.history import read_history


def test_rename_with_a_small_edit_is_a_move_even_when_git_config_turns_renames_off(tmp_path, gitkit):
    """Kills dropping `-M` from the `git log` arguments. git's porcelain default (diff.renames)
    detects renames, so the mutant only shows where a user turned it off: then a rename
    with a small edit that leaves the file unreadable is delete + add, and the rule would be
    reported as removed and re-added instead of moved (its broken version skipped)."""
    repo = gitkit.one_rule_repo(tmp_path / "repo")
    gitkit.git(repo, "config", "diff.renames", "false")
    broken = gitkit.rule_yaml("R-1") + "tags: [unclosed\n"
    gitkit.commit(repo, "rename, with a typo", {f"{gitkit.RULES}/r1.yaml": None, f"{gitkit.RULES}/focus.yaml": broken})
    gitkit.commit(repo, "fix the typo", {f"{gitkit.RULES}/focus.yaml": gitkit.rule_yaml("R-1")})
    # the setting does what this test relies on: without -M git reports delete + add
    raw = gitkit.git(repo, "log", "--raw", "--format=", "-1", "HEAD~1")
    assert sorted(line.split()[-2:] for line in raw.splitlines()) == [["A", f"{gitkit.RULES}/focus.yaml"], ["D", f"{gitkit.RULES}/r1.yaml"]]
    history = read_history(repo, use_cache=False)
    revisions = history.revisions["R-1"]
    assert [(r.change, r.level) for r in revisions] == [("added", "minor"), ("moved", "none")]
    assert (revisions[-1].previous_path, revisions[-1].path) == (f"{gitkit.RULES}/r1.yaml", f"{gitkit.RULES}/focus.yaml")
