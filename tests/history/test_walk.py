"""walk.py: the replay - one history per rule id across renames, moves, merges, symlinks and
guideline-folder switches; refusals; the replayed state equals each commit's tree."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guidelines_tool.diffing import classify_rule
from guidelines_tool.errors import HistoryError
from guidelines_tool.history import (
    compare,
    read_history,
    read_tree,
)
from tests.gitrepo import (
    CONFIG,
    RULES,
    TASK,
    commit,
    git,
    inline_rules,
    make_repo,
    merge,
    rule_yaml,
    run_cli,
    task_yaml,
)
from tests.history.answers import changes_of, revision_keys, snapshot

run = run_cli


def test_guideline_folder_changed_in_the_config_mid_history(repo: Path) -> None:
    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Only the product.")})
    first, edited = (c.sha for c in read_history(repo, use_cache=False).commits)
    # The folder moves; a stale copy of the old folder stays behind and no longer counts.
    moved = commit(repo, "move the guidelines", {
        "guidelines.yaml": CONFIG + "guidelines: rules-dir\n",
        "rules-dir/t/task.yaml": task_yaml(),
        "rules-dir/t/rules/r1.yaml": rule_yaml("R-1", when="Only the product."),
        f"{RULES}/r1.yaml": None,
        f"{RULES}/stale.yaml": rule_yaml("R-9"),
    })
    commit(repo, "edit again", {"rules-dir/t/rules/r1.yaml": rule_yaml("R-1", when="Both.")})
    for use_cache in (False, True, True):
        history = read_history(repo, use_cache=use_cache)
        assert changes_of(history, "R-1") == [
            ("added", "minor", ()),
            ("changed", "minor", ("when",)),
            ("moved", "none", ()),
            ("changed", "minor", ("when",)),
        ]
        assert "R-9" not in history.revisions
        assert set(history.rules_at(first)) == {"R-1"} and set(history.tasks_at(first)) == {"t"}
        assert history.rules_at(moved)["R-1"].source.path == "rules-dir/t/rules/r1.yaml"
    # A diff against a revision from before the move reads that revision's folder.
    diff = compare(repo, edited, moved).diff
    assert [(c.rule_id, c.change) for c in diff.rules] == [("R-1", "moved")] and not diff.tasks


def test_symlinked_rule_file_has_the_history_of_its_target(repo: Path) -> None:
    # The work tree follows the link, so history must too: a link's blob is only a file name.
    commit(repo, "shared rule", {"shared/r2.yaml": rule_yaml("R-2")})
    (repo / RULES / "r2.yaml").symlink_to("../../../shared/r2.yaml")
    commit(repo, "link it")
    commit(repo, "edit the target", {"shared/r2.yaml": rule_yaml("R-2", when="Only the product.")})
    for use_cache in (False, True):
        history = read_history(repo, use_cache=use_cache)
        assert changes_of(history, "R-2") == [("added", "minor", ()), ("changed", "minor", ("when",))]
        assert history.revisions["R-2"][0].path == f"{RULES}/r2.yaml"
    assert compare(repo).diff.rules == ()  # HEAD against the work tree: nothing changed
    assert [c.change for c in compare(repo, "HEAD~1", "HEAD").diff.rules] == ["changed"]
    (repo / "shared" / "r2.yaml").unlink()
    commit(repo, "drop the target (the link dangles)")
    history = read_history(repo)
    assert changes_of(history, "R-2")[-1] == ("removed", "major", ())


def test_symlink_loops_are_files_that_do_not_exist(repo: Path) -> None:
    # As in the work tree (ELOOP): no rules from them, and no endless resolving.
    (repo / RULES / "a.yaml").symlink_to("b.yaml")
    (repo / RULES / "b.yaml").symlink_to("a.yaml")
    (repo / RULES / "self.yaml").symlink_to("self.yaml")
    commit(repo, "loops")
    assert set(read_history(repo, use_cache=False).revisions) == {"R-1"}
    assert compare(repo, "HEAD~1", "HEAD").diff.rules == () and compare(repo).diff.rules == ()


def test_rename_keeps_one_history(repo: Path) -> None:
    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Only the product.")})
    commit(repo, "rename", {f"{RULES}/r1.yaml": None, f"{RULES}/equal-focus.yaml": rule_yaml("R-1", when="Only the product.")})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1") == [
        ("added", "minor", ()),
        ("changed", "minor", ("when",)),
        ("moved", "none", ()),
    ]
    moved = history.revisions["R-1"][-1]
    assert (moved.previous_path, moved.path) == (f"{RULES}/r1.yaml", f"{RULES}/equal-focus.yaml")


def test_rename_with_heavy_edit_is_still_one_history(repo: Path) -> None:
    # Below git's 50 % similarity the rename shows as delete + add; identity is the id anyway.
    new = rule_yaml("R-1", when="x " * 200, rationale="y " * 200, decision="b")
    commit(repo, "rewrite and rename", {f"{RULES}/r1.yaml": None, f"{RULES}/other.yaml": new})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1")[-1] == ("changed", "major", ("decision", "when", "rationale"))
    assert history.revisions["R-1"][-1].path == f"{RULES}/other.yaml"


def test_move_into_another_file_and_back(repo: Path) -> None:
    commit(repo, "second rule", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    # R-1 moves into the same file as R-2 (a rules file may hold a task's inline list).
    merged = task_yaml(inline=inline_rules(rule_yaml("R-1")))
    commit(repo, "move inline", {f"{RULES}/r1.yaml": None, TASK: merged})
    commit(repo, "split out", {f"{RULES}/r1-own.yaml": rule_yaml("R-1"), TASK: task_yaml()})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1") == [("added", "minor", ()), ("moved", "none", ()), ("moved", "none", ())]
    assert [r.path for r in history.revisions["R-1"]] == [f"{RULES}/r1.yaml", TASK, f"{RULES}/r1-own.yaml"]
    assert changes_of(history, "R-2") == [("added", "minor", ())]
    assert len(history.task_revisions["t"]) == 1  # moving rules in and out is no task change


def test_inline_rule_edited_inside_task_file(repo: Path) -> None:
    commit(repo, "inline", {f"{RULES}/r1.yaml": None, TASK: task_yaml(inline=inline_rules(rule_yaml("R-1")))})
    commit(repo, "edit inline", {TASK: task_yaml(inline=inline_rules(rule_yaml("R-1", decision="b")))})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1")[-1] == ("changed", "major", ("decision",))
    assert len(history.task_revisions["t"]) == 1  # the task itself never changed


def test_merge_appears_as_the_merge_commits_change(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    side1 = commit(repo, "side: when", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Changed.")})
    side2 = commit(repo, "side: new rule", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    git(repo, "checkout", "-q", "main")
    commit(repo, "main: other work", {"notes.txt": "x"})
    merge_sha = merge(repo, "feature", "Merge feature")
    history = read_history(repo, use_cache=False)
    shas = [c.sha for c in history.commits]
    assert side1 not in shas and side2 not in shas and shas[-1] == merge_sha
    assert history.revisions["R-1"][-1].commit.sha == merge_sha
    assert changes_of(history, "R-1")[-1] == ("changed", "minor", ("when",))
    assert history.revisions["R-2"][0].commit.sha == merge_sha


def test_delete_and_re_add_continues_history(repo: Path) -> None:
    commit(repo, "drop", {f"{RULES}/r1.yaml": None})
    commit(repo, "bring back", {f"{RULES}/again.yaml": rule_yaml("R-1", rationale="Back.")})
    commit(repo, "deprecate", {f"{RULES}/again.yaml": rule_yaml("R-1", rationale="Back.", status="deprecated")})
    commit(repo, "drop deprecated", {f"{RULES}/again.yaml": None})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1") == [
        ("added", "minor", ()),
        ("removed", "major", ()),  # deleted without deprecation: a breaking change
        ("re-added", "minor", ()),
        ("deprecated", "minor", ("status",)),
        ("removed", "minor", ()),
    ]
    assert history.revisions["R-1"][1].rule is None
    assert history.revisions["R-1"][1].path == f"{RULES}/r1.yaml"


def test_fmt_only_commit_is_not_a_revision(repo: Path) -> None:
    relaid = (
        "kind: rule\nid: R-1\ntask: t\ntitle: 'Rule R-1'\nstatus: active\nlabels:\n  - a\n  - b\n"
        "decision: a\nwhen: >-\n  Both are visible.\nrationale: \"Because.\"\n"
    )
    commit(repo, "fmt", {f"{RULES}/r1.yaml": relaid})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1") == [("added", "minor", ())]
    assert not compare(repo, "HEAD~1", "HEAD").diff


def test_project_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    top = make_repo(tmp_path / "mono", {"README": "x", "labeling/guidelines.yaml": CONFIG,
                                        "labeling/guidelines/t/task.yaml": task_yaml(),
                                        "labeling/guidelines/t/rules/r.yaml": rule_yaml("R-1")})
    commit(top, "elsewhere", {"guidelines/t/rules/x.yaml": rule_yaml("X-1")})  # outside the project
    history = read_history(top / "labeling", use_cache=False)
    assert list(history.revisions) == ["R-1"]
    assert history.revisions["R-1"][0].path == "guidelines/t/rules/r.yaml"


def test_shallow_clone_is_refused_with_the_fix(repo: Path, tmp_path: Path) -> None:
    commit(repo, "second", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    with pytest.raises(HistoryError, match="fetch-depth: 0") as error:
        read_history(clone)
    assert "git fetch --unshallow" in str(error.value)
    # a diff reads only trees: it still works in a shallow clone
    assert not compare(clone).diff


def test_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "guidelines.yaml").write_text(CONFIG)
    with pytest.raises(HistoryError, match="not inside a git repository"):
        read_history(tmp_path)


def test_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    (bare / "guidelines.yaml").write_text(CONFIG)
    with pytest.raises(HistoryError, match="bare git repository: run from a checkout"):
        read_history(bare)


def test_empty_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "empty")
    (repo / "guidelines.yaml").write_text(CONFIG)
    with pytest.raises(HistoryError, match="no commits yet"):
        read_history(repo)


def test_missing_branch_falls_back_to_head_with_a_note(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"guidelines.yaml": CONFIG, f"{RULES}/r1.yaml": rule_yaml("R-1")}, branch="trunk")
    history = read_history(repo, use_cache=False)
    assert history.branch == "HEAD"
    assert "branch 'main'" in history.notes[0] and "branch trunk" in history.notes[0]
    assert list(history.revisions) == ["R-1"]


def test_detached_head_reads_the_configured_branch(repo: Path) -> None:
    commit(repo, "second", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    history = read_history(repo, use_cache=False)
    assert history.branch == "main" and "R-2" in history.revisions and not history.notes


def test_case_only_rename_is_a_move(repo: Path) -> None:
    git(repo, "mv", f"{RULES}/r1.yaml", f"{RULES}/R1.yaml")
    commit(repo, "capital file name")
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.level, r.path) for r in history.revisions["R-1"]][1:] == [
        ("moved", "none", f"{RULES}/R1.yaml")]


def test_rule_file_replaced_by_a_folder_of_the_same_name(repo: Path) -> None:
    git(repo, "rm", "-q", f"{RULES}/r1.yaml")
    commit(repo, "r1.yaml becomes a folder", {f"{RULES}/r1.yaml/split.yaml": rule_yaml("R-1", rationale="Split.")})
    git(repo, "rm", "-q", "-r", f"{RULES}/r1.yaml")
    commit(repo, "and back to a file", {f"{RULES}/r1.yaml": rule_yaml("R-1")})
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.fields, r.path) for r in history.revisions["R-1"]] == [
        ("added", (), f"{RULES}/r1.yaml"),
        ("changed", ("rationale",), f"{RULES}/r1.yaml/split.yaml"),
        ("changed", ("rationale",), f"{RULES}/r1.yaml"),
    ]


def test_a_submodule_inside_the_guideline_folder_is_not_a_guideline_file(repo: Path, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other", {"x.yaml": rule_yaml("R-SUB")})
    sha = git(other, "rev-parse", "HEAD").strip()
    # A gitlink, as `git submodule add` records it (without needing a clone of the other repo):
    # named like a YAML file on purpose, the worst case.
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},{RULES}/vendored.yaml")
    git(repo, "commit", "-q", "-m", "vendor a submodule")
    (repo / RULES / "r1.yaml").write_text(rule_yaml("R-1", rationale="Edited."), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "edit")
    history = read_history(repo, use_cache=False)
    assert sorted(history.revisions) == ["R-1"] and not history.problems
    code, out, err = run("diff", "HEAD~2", "HEAD", "--format", "json")
    assert code == 0, err
    assert [c["rule"] for c in json.loads(out)["rules"]] == ["R-1"]


def test_two_rule_files_swapping_names_are_two_moves(repo: Path) -> None:
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    commit(repo, "swap the file names", {f"{RULES}/r1.yaml": rule_yaml("R-2"), f"{RULES}/r2.yaml": rule_yaml("R-1")})
    history = read_history(repo, use_cache=False)
    for rule_id, path in (("R-1", "r2.yaml"), ("R-2", "r1.yaml")):
        assert [(r.change, r.level) for r in history.revisions[rule_id]][-1] == ("moved", "none")
        assert history.revisions[rule_id][-1].path == f"{RULES}/{path}"


def test_mode_change_and_an_empty_first_commit_change_no_rule(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    commit(repo, "empty start", allow_empty=True)
    commit(repo, "guidelines", {"guidelines.yaml": CONFIG, TASK: task_yaml(), f"{RULES}/r1.yaml": rule_yaml("R-1")})
    git(repo, "update-index", "--chmod=+x", f"{RULES}/r1.yaml")
    git(repo, "commit", "-q", "-m", "make it executable")
    history = read_history(repo, use_cache=False)
    assert len(history.commits) == 3
    assert [r.change for r in history.revisions["R-1"]] == ["added"]
    assert history.revisions["R-1"][0].commit.sha == history.commits[1].sha


def test_merging_an_unrelated_history_adds_its_rules_at_the_merge(repo: Path) -> None:
    git(repo, "checkout", "-q", "--orphan", "imported")
    git(repo, "rm", "-q", "-r", "--cached", ".")
    commit(repo, "another team's rules", {f"{RULES}/x1.yaml": rule_yaml("X-1")})
    git(repo, "checkout", "-q", "-f", "main")
    git(repo, "merge", "-q", "--allow-unrelated-histories", "--no-ff", "-m", "import", "imported")
    history = read_history(repo, use_cache=False)
    assert [c.subject for c in history.commits] == ["initial guidelines", "import"]
    assert [(r.change, r.commit.subject) for r in history.revisions["X-1"]] == [("added", "import")]
    assert [r.change for r in history.revisions["R-1"]] == ["added"]


def test_an_octopus_merge_on_the_line_brings_every_branch_in_at_the_merge(repo: Path) -> None:
    for branch in ("x", "y", "z"):
        git(repo, "checkout", "-q", "-b", branch, "main")
        edit = {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="By x.")} if branch == "x" else {}
        commit(repo, f"work on {branch}", {f"{RULES}/{branch}.yaml": rule_yaml(f"R-{branch}"), **edit})
    git(repo, "checkout", "-q", "main")
    commit(repo, "main work", {f"{RULES}/m.yaml": rule_yaml("R-m")})
    git(repo, "merge", "-q", "--no-ff", "-m", "octopus", "x", "y", "z")
    octopus = git(repo, "rev-parse", "HEAD").strip()
    assert len(git(repo, "rev-list", "--parents", "-1", "HEAD").split()) == 5  # four parents
    history = read_history(repo, use_cache=False)
    assert [c.subject for c in history.commits] == ["initial guidelines", "main work", "octopus"]
    assert [(r.change, r.fields) for r in history.revisions["R-1"]] == [("added", ()), ("changed", ("rationale",))]
    for rule_id in ("R-x", "R-y", "R-z"):
        assert [(r.change, r.commit.sha) for r in history.revisions[rule_id]] == [("added", octopus)]
    assert revision_keys(read_history(repo)) == revision_keys(history) == revision_keys(read_history(repo))


def test_switching_the_guidelines_folder_and_back(repo: Path) -> None:
    commit(repo, "prepare another folder", {"other/t/task.yaml": task_yaml(), "other/t/rules/r1.yaml":
                                            rule_yaml("R-1", rationale="Other."), "other/t/rules/o.yaml": rule_yaml("R-O")})
    commit(repo, "switch to other/", {"guidelines.yaml": CONFIG + "guidelines: other\n"})
    commit(repo, "edit the old folder: not the project's now", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Ignored.")})
    commit(repo, "back to the default folder", {"guidelines.yaml": CONFIG})
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "initial guidelines"), ("changed", "switch to other/"), ("changed", "back to the default folder")]
    assert [(r.change, r.commit.subject) for r in history.revisions["R-O"]] == [
        ("added", "switch to other/"), ("removed", "back to the default folder")]
    assert history.rules_at(history.tip.sha)["R-1"].rationale == "Ignored."
    assert revision_keys(read_history(repo)) == revision_keys(history)


def test_a_broken_config_version_keeps_the_guidelines_folder(repo: Path) -> None:
    commit(repo, "move the rules", {"other/t/task.yaml": task_yaml(), "other/t/rules/r1.yaml": rule_yaml("R-1"),
                                    TASK: None, f"{RULES}/r1.yaml": None, "guidelines.yaml": CONFIG + "guidelines: other\n"})
    broken = commit(repo, "break the config", {"guidelines.yaml": CONFIG + "guidelines: [other\n"})
    commit(repo, "fix it", {"guidelines.yaml": CONFIG + "guidelines: other\n"})
    history = read_history(repo, use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "moved"]
    from guidelines_tool.history import read_tree

    assert list(read_tree(repo, broken)[0]) == ["R-1"]  # diff at that commit: today's folder


def test_a_rule_file_that_becomes_a_symlink_and_back(repo: Path) -> None:
    commit(repo, "a shared copy outside the project", {"shared/r1.yaml": rule_yaml("R-1", rationale="Shared.")})
    (repo / RULES / "r1.yaml").unlink()
    os.symlink("../../../shared/r1.yaml", repo / RULES / "r1.yaml")
    commit(repo, "r1.yaml becomes a symlink")
    commit(repo, "edit the link's target", {"shared/r1.yaml": rule_yaml("R-1", rationale="Shared, edited.")})
    (repo / RULES / "r1.yaml").unlink()
    commit(repo, "a file again", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Own.")})
    commit(repo, "edit the old target: not the project's", {"shared/r1.yaml": rule_yaml("R-1", rationale="No.")})
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "initial guidelines"), ("changed", "r1.yaml becomes a symlink"),
        ("changed", "edit the link's target"), ("changed", "a file again")]
    assert history.rules_at(history.tip.sha)["R-1"].rationale == "Own."
    assert revision_keys(read_history(repo)) == revision_keys(history) == revision_keys(read_history(repo))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rules_at_every_commit_match_that_commits_tree(tmp_path: Path, seed: int) -> None:
    """Random edits, renames, moves inline and out, deletions, re-adds and merged branches:
    the state history replays at each commit is exactly what that commit's tree holds."""
    import random

    rng = random.Random(seed)
    ids = [f"R-{i}" for i in range(6)]
    where: dict[str, str] = {rid: f"{RULES}/{rid.lower()}.yaml" for rid in ids[:4]}  # path or TASK
    texts = {rid: rule_yaml(rid) for rid in ids}
    repo = make_repo(tmp_path / "r", {"guidelines.yaml": CONFIG, TASK: task_yaml(),
                                      **{where[rid]: texts[rid] for rid in where}})

    def task_file() -> str:
        inline = [texts[rid] for rid in sorted(where) if where[rid] == TASK]
        return task_yaml(inline=inline_rules(*inline) if inline else "")

    def step() -> dict[str, str | None]:
        rid = rng.choice(ids)
        roll = rng.random()
        if rid not in where:  # (re-)add in a file of its own
            where[rid] = f"{RULES}/{rid.lower()}-{rng.randrange(99)}.yaml"
            return {where[rid]: texts[rid]}
        old = where[rid]
        if roll < 0.45:
            texts[rid] = rule_yaml(rid, rationale=f"v{rng.randrange(10**6)}", decision=rng.choice("ab"))
        elif roll < 0.6:
            where.pop(rid)
            return {TASK: task_file()} if old == TASK else {old: None}
        elif roll < 0.8:
            where[rid] = TASK if old != TASK else f"{RULES}/{rid.lower()}-out.yaml"
        else:
            where[rid] = f"{RULES}/{rid.lower()}-{rng.randrange(99)}.yaml"
        files: dict[str, str | None] = {TASK: task_file()}
        if old != TASK and old != where[rid]:
            files[old] = None
        if where[rid] != TASK:
            files[where[rid]] = texts[rid]
        return files

    for n in range(14):
        if n % 5 == 4:
            git(repo, "checkout", "-q", "-b", f"side{n}")
            commit(repo, f"side {n}", step())
            git(repo, "checkout", "-q", "main")
            merge(repo, f"side{n}", f"merge side {n}")
        else:
            commit(repo, f"step {n}", step())
    history = read_history(repo, use_cache=False)
    for c in history.commits:
        rules, tasks, _ = read_tree(repo, c.sha)
        replayed = history.rules_at(c.sha)
        assert replayed == rules, c.message
        assert {k: r.source.path for k, r in replayed.items()} == {k: r.source.path for k, r in rules.items()}
        assert history.tasks_at(c.sha) == tasks
    for revisions in history.revisions.values():
        for before, after in zip(revisions, revisions[1:]):
            assert before.rule == after.previous  # each revision starts where the last ended


# Versions of one rule's file: the same content re-laid out, and real edits of each kind.
LAYOUTS = [
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nstatus: active\nlabels: [a, b]\ndecision: a\nwhen: Both.\n",
    # the same content: quoted, reordered, block sequence, comments, a BOM-free re-layout
    '# about {id}\nkind: rule\nid: "{id}"\ntitle: "Rule {id}"\ntask: t\nlabels:\n  - a\n  - b\ndecision: a\nwhen: |-\n  Both.\n',
    # the same content, status left to its default
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nlabels: [a, b]\ndecision: a\nwhen: Both.\n",
    # edits: wording (patch), decision (major), labels, examples, deprecation, unknown key
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nlabels: [a, b]\ndecision: a\nwhen: Both, clearly.\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nlabels: [a, b]\ndecision: b\nwhen: Both.\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nlabels: [a]\ndecision: a\nwhen: Both.\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nlabels: [a, b]\ndecision: a\nwhen: Both.\n"
    "examples:\n  - input: x\n    label: a\n    why: 1.0\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nlabels: [a, b]\ndecision: a\nwhen: Both.\n"
    "examples:\n  - {{input: x, label: a, why: '1.0'}}\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nstatus: deprecated\nlabels: [a, b]\ndecision: a\nwhen: Both.\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: Rule {id}\nlabels: [a, b]\ndecision: a\nwhen: Both.\nnotes: free text\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: 12\nlabels: [a, b]\ndecision: null\nwhen: Both.\n",
    "kind: rule\nid: {id}\ntask: t\ntitle: '12'\nlabels: [a, b]\nwhen: Both.\n",
]


def _classified_as_built_records(repo: Path):
    """The history as history reads it (versions unbuilt, compared on their data): every
    revision is what `diffing.classify_rule` says of the two built Rules, and the rules
    replayed at each commit are exactly what that commit's tree holds (no revision missed)."""
    history = read_history(repo, use_cache=False)
    for revisions in history.revisions.values():
        for i, r in enumerate(revisions):
            assert (r.change, r.level, r.fields) == classify_rule(r.previous, r.rule, existed_before=i > 0), r
            assert r.path == (r.rule or r.previous).source.path and r.task == (r.rule or r.previous).task
            assert r.previous_path == (r.previous.source.path if r.previous else None)
    for c in history.commits:
        rules = read_tree(repo, c.sha)[0]
        replayed = history.rules_at(c.sha)
        assert replayed == rules, c.message
        assert {k: (r.source.path, r.task) for k, r in replayed.items()} == {k: (r.source.path, r.task) for k, r in rules.items()}
    return history


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_unbuilt_versions_classify_as_built_ones(tmp_path: Path, seed: int) -> None:
    """History keeps rule files' versions as parsed data and compares only the fields whose
    data differ: every revision (change, level, fields, path) and every version it holds must be
    what comparing built Rule records gives, whatever the edits and re-layouts."""
    import random

    rng = random.Random(seed)
    ids = [f"R-{i}" for i in range(4)]
    paths = {rid: f"{RULES}/{rid.lower()}.yaml" for rid in ids}
    repo = make_repo(tmp_path / "r", {"guidelines.yaml": CONFIG, TASK: task_yaml(),
                                      **{paths[rid]: LAYOUTS[0].format(id=rid) for rid in ids}})
    texts = dict.fromkeys(ids, 0)  # the layout each file holds

    def another(rid: str, choices: int = len(LAYOUTS)) -> str:
        texts[rid] = (texts[rid] + rng.randrange(1, choices)) % choices
        return LAYOUTS[texts[rid]].format(id=rid)

    for n in range(30):
        rid = rng.choice(ids)
        roll = rng.random()
        if roll < 0.7:
            files: dict[str, str | None] = {paths[rid]: another(rid)}
        elif roll < 0.85:  # a rename, sometimes with an edit
            old, paths[rid] = paths[rid], f"{RULES}/{rid.lower()}-{n}.yaml"
            same = LAYOUTS[texts[rid]].format(id=rid)
            files = {old: None, paths[rid]: another(rid) if rng.random() < 0.5 else same}
        else:  # removed, and back later
            files = {paths[rid]: None}
            paths[rid] = f"{RULES}/{rid.lower()}-back-{n}.yaml"
            commit(repo, f"remove {rid} ({n})", files)
            files = {paths[rid]: another(rid)}
        commit(repo, f"step {n}", files)

    history = _classified_as_built_records(repo)
    kinds = {(r.change, r.level) for revs in history.revisions.values() for r in revs}
    assert {("changed", "major"), ("changed", "patch"), ("moved", "none")} <= kinds, kinds  # every kind of edit ran


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_unbuilt_inline_rules_classify_as_built_ones(tmp_path: Path, seed: int) -> None:
    """The same for a task file's inline rules (kept as their item's data): edits inside the
    task file, moves in and out, between two tasks (a rule without `task:` takes the enclosing
    task's id: moving it changes its task), and renames of the task file."""
    import random

    rng = random.Random(seed)
    ids = [f"R-{i}" for i in range(4)]
    task_files = {"t": TASK, "u": "guidelines/u/task.yaml"}
    where: dict[str, str] = {rid: f"{RULES}/{rid.lower()}.yaml" for rid in ids}  # a path, or a task id
    layout = dict.fromkeys(ids, 0)

    def text(rid: str, inline: bool) -> str:
        lines = LAYOUTS[layout[rid]].format(id=rid).splitlines()
        if inline:  # an item of `rules:`, without the file's comments or kind (two without a task)
            lines = [line for line in lines if not line.startswith(("#", "kind:"))
                     and not (line.startswith("task:") and rid in ("R-1", "R-3"))]
            return "".join(("  - " if i == 0 else "    ") + line + "\n" for i, line in enumerate(lines))
        return "\n".join(lines) + "\n"

    def task_text(task: str) -> str:
        inline = "".join(text(rid, True) for rid in ids if where[rid] == task)
        return task_yaml(task, inline=("rules:\n" + inline) if inline else "")

    files = {"guidelines.yaml": CONFIG, **{path: task_text(task) for task, path in task_files.items()},
             **{where[rid]: text(rid, False) for rid in ids}}
    repo = make_repo(tmp_path / "r", files)
    for n in range(30):
        rid, roll = rng.choice(ids), rng.random()
        before = dict(where)
        if roll < 0.5:  # an edit or re-layout, wherever the rule is
            layout[rid] = (layout[rid] + rng.randrange(1, len(LAYOUTS))) % len(LAYOUTS)
        elif roll < 0.85:  # into a task file, to the other task, or out to a file
            where[rid] = rng.choice([t for t in task_files if t != where[rid]] + [f"{RULES}/{rid.lower()}-{n}.yaml"])
        else:  # the task file u is renamed
            old = task_files["u"]
            task_files["u"] = f"guidelines/u{n}/task.yaml"
            commit(repo, f"rename u ({n})", {old: None, task_files["u"]: task_text("u")})
            continue
        change: dict[str, str | None] = {path: task_text(task) for task, path in task_files.items()}
        if before[rid] not in task_files and before[rid] != where[rid]:
            change[before[rid]] = None
        if where[rid] not in task_files:
            change[where[rid]] = text(rid, False)
        commit(repo, f"step {n}", change)

    history = _classified_as_built_records(repo)
    assert any(r.version and r.version.pointer for revs in history.revisions.values() for r in revs)  # inline rules
    assert any("task" in r.fields for revs in history.revisions.values() for r in revs)  # a move changed a task


def test_reading_the_log_first_gives_what_reading_ahead_gives(repo: Path, monkeypatch) -> None:
    """Where blobs cannot be read while git writes the log (Windows: select() takes no pipes),
    the log is read whole and the blobs after it: the same history."""
    import guidelines_tool.history.walk as history_module

    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    commit(repo, "inline", {TASK: task_yaml(inline=inline_rules(rule_yaml("R-2"))), f"{RULES}/r1.yaml": None})
    ahead = read_history(repo, use_cache=False)
    monkeypatch.setattr(history_module, "READS_AHEAD", False)
    assert snapshot(read_history(repo, use_cache=False)) == snapshot(ahead)
