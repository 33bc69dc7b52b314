"""Rename detection is asked for, not left to the user's git config (issue 17: history without
`-M` survived the suite)"""

from __future__ import annotations

from guidelines_tool.history import read_history
from tests.gitrepo import RULES, commit, git, one_rule_repo, rule_yaml


def test_rename_with_a_small_edit_is_a_move_even_when_git_config_turns_renames_off(tmp_path):
    """Kills dropping `-M` from the `git log` arguments. git's porcelain default (diff.renames)
    detects renames, so the mutant only shows where a user turned it off: then a rename
    with a small edit that leaves the file unreadable is delete + add, and the rule would be
    reported as removed and re-added instead of moved (its broken version skipped)."""
    repo = one_rule_repo(tmp_path / "repo")
    git(repo, "config", "diff.renames", "false")
    broken = rule_yaml("R-1") + "tags: [unclosed\n"
    commit(repo, "rename, with a typo", {f"{RULES}/r1.yaml": None, f"{RULES}/focus.yaml": broken})
    commit(repo, "fix the typo", {f"{RULES}/focus.yaml": rule_yaml("R-1")})
    # the setting does what this test relies on: without -M git reports delete + add
    raw = git(repo, "log", "--raw", "--format=", "-1", "HEAD~1")
    assert sorted(line.split()[-2:] for line in raw.splitlines()) == [["A", f"{RULES}/focus.yaml"], ["D", f"{RULES}/r1.yaml"]]
    history = read_history(repo, use_cache=False)
    revisions = history.revisions["R-1"]
    assert [(r.change, r.level) for r in revisions] == [("added", "minor"), ("moved", "none")]
    assert (revisions[-1].previous_path, revisions[-1].path) == (f"{RULES}/r1.yaml", f"{RULES}/focus.yaml")
