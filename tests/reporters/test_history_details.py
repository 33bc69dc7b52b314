"""How `log`, `diff` and `changelog` describe a field change: the choice between old → new, a
word diff and item counts, and the boundaries of that choice (each case here kills a one-line
mutant of reporters/history.py that the end-to-end tests let through)."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidelines_tool.diffing import TaskChange
from guidelines_tool.reporters import history as rh

@pytest.fixture
def repo(one_rule_repo_in_cwd: Path) -> Path:
    """The one-rule project (task t, rule R-1), as the current folder."""
    return one_rule_repo_in_cwd


def test_long_means_over_sixty_characters_or_several_lines():
    assert not rh._long("x" * 60) and rh._long("x" * 61)  # 60 written out: SHORT_TEXT itself is under test
    assert rh._long("one\ntwo") and not rh._long("one line\n") and not rh._long(["x" * 100])


def test_count_change_names_added_removed_and_reordered():
    assert rh._count_change([1, 2], [2, 1]) == "2 → 2 items, reordered"
    assert rh._count_change([1], [1, 2, 3]) == "1 → 3 items, 2 added"
    assert rh._count_change([1, 2], [3]) == "2 → 1 items, 1 added, 2 removed"
    assert rh._count_change([1, 2], [1]) == "2 → 1 items, 1 removed"


def test_short_values():
    assert rh._short(None) == "(none)" and rh._short("") == "(none)" and rh._short(0) == "0"
    assert rh._short(["a", "b"]) == "[a, b]" and rh._text(None) == "" and rh._text(["a", 1]) == "a; 1"


def test_log_details_per_kind_of_field(repo: Path, gitkit) -> None:
    """A short field shows old → new; a field that becomes long (or stops being long) goes the
    text way (a word diff, or old above new when most words changed), whichever side is long; a list of mappings its item counts, whichever side has them."""
    long_title = "A title long enough to pass the sixty characters of a short text"
    gitkit.commit(repo, "long title, examples", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml(
        "R-1", extra=f"tags: [focus]\nexamples:\n  - {{input: x, label: a}}\n").replace("title: Rule R-1", f"title: {long_title}")})
    gitkit.commit(repo, "short title, no examples", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", extra="tags: [focus, zoom]\n")})
    code, out, err = gitkit.run_cli("log", "R-1")
    assert code == 0, err
    newest = out.split("\n\n")[1].splitlines()
    older = out.split("\n\n")[2].splitlines()
    # long → short: the text path (most words changed: old above new), not old → new on one line
    assert newest[newest.index("    title (rewritten):") + 1:][:2] == [f"      old: {long_title}", "      new: Rule R-1"]
    assert not any(line.startswith("    title: ") for line in newest)
    assert "    examples: 1 → 0 items, 1 removed" in newest  # mappings only on the old side
    assert "    tags: [focus] → [focus, zoom]" in newest  # a list of strings: old → new
    # short → long: the text path too
    assert older[older.index("    title (rewritten):") + 1:][:2] == ["      old: Rule R-1", f"      new: {long_title}"]
    assert not any(line.startswith("    title: ") for line in older)
    assert "    examples: 0 → 1 items, 1 added" in older  # mappings only on the new side
    assert "    tags: [] → [focus]" in older


def test_diff_names_the_old_path_of_a_rule_renamed_with_an_edit(repo: Path, gitkit) -> None:
    """A rename with an edit is a change, not a move, and still says where the rule was (text and
    md). Kills `change == "moved" or (...)` → `and` in _fields_cell and TextDiffReporter."""
    gitkit.commit(repo, "rename and edit", {f"{gitkit.RULES}/r1.yaml": None,
                                            f"{gitkit.RULES}/focus.yaml": gitkit.rule_yaml("R-1", decision="b")})
    code, out, err = gitkit.run_cli("diff", "HEAD~1", "HEAD", "--format", "md")
    assert code == 0, err
    assert f"| R-1 | t | changed | major | decision, moved from {gitkit.RULES}/r1.yaml |" in out
    code, out, err = gitkit.run_cli("diff", "HEAD~1", "HEAD")
    assert code == 0, err
    assert f"      moved from {gitkit.RULES}/r1.yaml" in out.splitlines()


def test_text_change_shows_old_and_new_below_half_the_words_kept():
    assert rh._text_change("when", "a b", "a c") == ["when: a [-b-]{+c+}"]  # exactly half kept: a word diff
    assert rh._text_change("when", "a b c", "x y c") == ["when (rewritten):", "  old: a b c", "  new: x y c"]
    assert rh._text_change("when", "", "x y") == ["when: {+x y+}"]  # nothing on one side: nothing to interleave
    assert rh._text_change("when", "x y", " ") == ["when: [-x-] [-y-]"]
    assert rh._text_change("when", "one\n  two ", "three four five")[1:] == ["  old: one two", "  new: three four five"]


def test_change_text_and_code_spans():
    assert rh.change_text("moved", "none") == "moved (content unchanged)"
    assert rh.change_text("changed", "minor") == "changed (minor)" and rh.change_text("added", "minor") == "added (minor)"
    assert rh._code("rules/a b.yaml") == "`rules/a b.yaml`"
    assert rh._code("rules/a`b.yaml") == "`` rules/a`b.yaml ``"


def test_task_summary_lists_label_changes_then_the_other_fields():
    change = TaskChange("t", "changed", "major", ("labels", "title", "scale"), labels_added=("c", "d"),
                        labels_removed=("a",), labels_renamed=(("b", "bee"),), labels_changed=("e",))
    assert rh.task_summary(change) == ("labels added: c, d; labels removed: a; labels renamed: b → bee; "
                                       "labels reworded: e; fields: title, scale")
    assert rh.task_summary(TaskChange("t", "changed", "minor", ("labels",), labels_added=("c",))) == "labels added: c"
    assert rh.task_summary(TaskChange("t", "changed", "patch", ())) == ""
