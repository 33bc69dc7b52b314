"""compare.py: diffs between revisions and the working tree, and the revisions git cannot name."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidelines_tool.errors import HistoryError
from guidelines_tool.history import (
    compare,
    read_tree,
)
from tests.gitrepo import (
    RULES,
    commit,
    rule_yaml,
)


def test_diff_against_a_working_tree_file_that_cannot_be_read_says_why(repo: Path) -> None:
    # Not UTF-8 (any loading problem, not only a YAML syntax error): its rule looks removed,
    # and the warning is what tells the user it is the file, not the rule.
    (repo / RULES / "r1.yaml").write_bytes(rule_yaml("R-1", rationale="caf\xe9").encode("latin-1"))
    comparison = compare(repo)
    assert [(c.rule_id, c.change) for c in comparison.diff.rules] == [("R-1", "removed")]
    assert [(f.path, f.code) for f in comparison.problems] == [(f"{RULES}/r1.yaml", "GL006")]
    assert comparison.problems[0].message.startswith("in the working tree: ")


def test_diff_problems_say_which_revision_they_are_in(repo: Path) -> None:
    commit(repo, "break", {f"{RULES}/r2.yaml": "kind: rule\nid: [\n"})
    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="X.")})
    messages = [f.message for f in compare(repo, "HEAD~1", "HEAD").problems]
    assert len(messages) == 2
    assert messages[0].startswith("at HEAD~1: ") and messages[1].startswith("at HEAD: ")


@pytest.mark.parametrize("rev", ["nope", "--output=/tmp/x", "HEAD~99", ""])
def test_unknown_revision(repo: Path, rev: str) -> None:
    with pytest.raises(HistoryError, match="unknown revision"):
        read_tree(repo, rev)
