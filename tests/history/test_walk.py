"""walk.py: the replay - one history per rule id across renames, moves, merges, symlinks and
guideline-folder switches; refusals; the replayed state equals each commit's tree."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

import guidelines_tool.history.walk as history_module
from guidelines_tool.diffing import classify_rule
from guidelines_tool.errors import HistoryError
from guidelines_tool.history import compare, read_history, read_tree



def test_guideline_folder_changed_in_the_config_mid_history(repo: Path, answers, gitkit) -> None:
    gitkit.commit(repo, "edit", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when="Only the product.")})
    first, edited = (c.sha for c in read_history(repo, use_cache=False).commits)
    # The folder moves; a stale copy of the old folder stays behind and no longer counts.
    moved = gitkit.commit(repo, "move the guidelines", {
        "guidelines.yaml": gitkit.CONFIG + "guidelines: rules-dir\n",
        "rules-dir/t/task.yaml": gitkit.task_yaml(),
        "rules-dir/t/rules/r1.yaml": gitkit.rule_yaml("R-1", when="Only the product."),
        f"{gitkit.RULES}/r1.yaml": None,
        f"{gitkit.RULES}/stale.yaml": gitkit.rule_yaml("R-9"),
    })
    gitkit.commit(repo, "edit again", {"rules-dir/t/rules/r1.yaml": gitkit.rule_yaml("R-1", when="Both.")})
    for use_cache in (False, True, True):
        history = read_history(repo, use_cache=use_cache)
        assert answers.changes_of(history, "R-1") == [
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


def test_symlinked_rule_file_has_the_history_of_its_target(repo: Path, answers, gitkit) -> None:
    # The work tree follows the link, so history must too: a link's blob is only a file name.
    gitkit.commit(repo, "shared rule", {"shared/r2.yaml": gitkit.rule_yaml("R-2")})
    (repo / gitkit.RULES / "r2.yaml").symlink_to("../../../shared/r2.yaml")
    gitkit.commit(repo, "link it")
    gitkit.commit(repo, "edit the target", {"shared/r2.yaml": gitkit.rule_yaml("R-2", when="Only the product.")})
    for use_cache in (False, True):
        history = read_history(repo, use_cache=use_cache)
        assert answers.changes_of(history, "R-2") == [("added", "minor", ()), ("changed", "minor", ("when",))]
        assert history.revisions["R-2"][0].path == f"{gitkit.RULES}/r2.yaml"
    assert compare(repo).diff.rules == ()  # HEAD against the work tree: nothing changed
    assert [c.change for c in compare(repo, "HEAD~1", "HEAD").diff.rules] == ["changed"]
    (repo / "shared" / "r2.yaml").unlink()
    gitkit.commit(repo, "drop the target (the link dangles)")
    history = read_history(repo)
    assert answers.changes_of(history, "R-2")[-1] == ("removed", "major", ())


def test_symlink_loops_are_files_that_do_not_exist(repo: Path, gitkit) -> None:
    # As in the work tree (ELOOP): no rules from them, and no endless resolving.
    (repo / gitkit.RULES / "a.yaml").symlink_to("b.yaml")
    (repo / gitkit.RULES / "b.yaml").symlink_to("a.yaml")
    (repo / gitkit.RULES / "self.yaml").symlink_to("self.yaml")
    gitkit.commit(repo, "loops")
    assert set(read_history(repo, use_cache=False).revisions) == {"R-1"}
    assert compare(repo, "HEAD~1", "HEAD").diff.rules == () and compare(repo).diff.rules == ()


def test_rename_keeps_one_history(repo: Path, answers, gitkit) -> None:
    gitkit.commit(repo, "edit", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when="Only the product.")})
    gitkit.commit(repo, "rename", {f"{gitkit.RULES}/r1.yaml": None, f"{gitkit.RULES}/equal-focus.yaml": gitkit.rule_yaml("R-1", when="Only the product.")})
    history = read_history(repo, use_cache=False)
    assert answers.changes_of(history, "R-1") == [
        ("added", "minor", ()),
        ("changed", "minor", ("when",)),
        ("moved", "none", ()),
    ]
    moved = history.revisions["R-1"][-1]
    assert (moved.previous_path, moved.path) == (f"{gitkit.RULES}/r1.yaml", f"{gitkit.RULES}/equal-focus.yaml")


def test_rename_with_heavy_edit_is_still_one_history(repo: Path, answers, gitkit) -> None:
    # Below git's 50 % similarity the rename shows as delete + add; identity is the id anyway.
    new = gitkit.rule_yaml("R-1", when="x " * 200, rationale="y " * 200, decision="b")
    gitkit.commit(repo, "rewrite and rename", {f"{gitkit.RULES}/r1.yaml": None, f"{gitkit.RULES}/other.yaml": new})
    history = read_history(repo, use_cache=False)
    assert answers.changes_of(history, "R-1")[-1] == ("changed", "major", ("decision", "when", "rationale"))
    assert history.revisions["R-1"][-1].path == f"{gitkit.RULES}/other.yaml"


def test_move_into_another_file_and_back(repo: Path, answers, gitkit) -> None:
    gitkit.commit(repo, "second rule", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    # R-1 moves into the same file as R-2 (a rules file may hold a task's inline list).
    merged = gitkit.task_yaml(inline=gitkit.inline_rules(gitkit.rule_yaml("R-1")))
    gitkit.commit(repo, "move inline", {f"{gitkit.RULES}/r1.yaml": None, gitkit.TASK: merged})
    gitkit.commit(repo, "split out", {f"{gitkit.RULES}/r1-own.yaml": gitkit.rule_yaml("R-1"), gitkit.TASK: gitkit.task_yaml()})
    history = read_history(repo, use_cache=False)
    assert answers.changes_of(history, "R-1") == [("added", "minor", ()), ("moved", "none", ()), ("moved", "none", ())]
    assert [r.path for r in history.revisions["R-1"]] == [f"{gitkit.RULES}/r1.yaml", gitkit.TASK, f"{gitkit.RULES}/r1-own.yaml"]
    assert answers.changes_of(history, "R-2") == [("added", "minor", ())]
    assert len(history.task_revisions["t"]) == 1  # moving rules in and out is no task change


def test_inline_rule_edited_inside_task_file(repo: Path, answers, gitkit) -> None:
    gitkit.commit(repo, "inline", {f"{gitkit.RULES}/r1.yaml": None, gitkit.TASK: gitkit.task_yaml(inline=gitkit.inline_rules(gitkit.rule_yaml("R-1")))})
    gitkit.commit(repo, "edit inline", {gitkit.TASK: gitkit.task_yaml(inline=gitkit.inline_rules(gitkit.rule_yaml("R-1", decision="b")))})
    history = read_history(repo, use_cache=False)
    assert answers.changes_of(history, "R-1")[-1] == ("changed", "major", ("decision",))
    assert len(history.task_revisions["t"]) == 1  # the task itself never changed


def test_merge_appears_as_the_merge_commits_change(repo: Path, answers, gitkit) -> None:
    gitkit.git(repo, "checkout", "-q", "-b", "feature")
    side1 = gitkit.commit(repo, "side: when", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when="Changed.")})
    side2 = gitkit.commit(repo, "side: new rule", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    gitkit.git(repo, "checkout", "-q", "main")
    gitkit.commit(repo, "main: other work", {"notes.txt": "x"})
    merge_sha = gitkit.merge(repo, "feature", "Merge feature")
    history = read_history(repo, use_cache=False)
    shas = [c.sha for c in history.commits]
    assert side1 not in shas and side2 not in shas and shas[-1] == merge_sha
    assert history.revisions["R-1"][-1].commit.sha == merge_sha
    assert answers.changes_of(history, "R-1")[-1] == ("changed", "minor", ("when",))
    assert history.revisions["R-2"][0].commit.sha == merge_sha


def test_delete_and_re_add_continues_history(repo: Path, answers, gitkit) -> None:
    gitkit.commit(repo, "drop", {f"{gitkit.RULES}/r1.yaml": None})
    gitkit.commit(repo, "bring back", {f"{gitkit.RULES}/again.yaml": gitkit.rule_yaml("R-1", rationale="Back.")})
    gitkit.commit(repo, "deprecate", {f"{gitkit.RULES}/again.yaml": gitkit.rule_yaml("R-1", rationale="Back.", status="deprecated")})
    gitkit.commit(repo, "drop deprecated", {f"{gitkit.RULES}/again.yaml": None})
    history = read_history(repo, use_cache=False)
    assert answers.changes_of(history, "R-1") == [
        ("added", "minor", ()),
        ("removed", "major", ()),  # deleted without deprecation: a breaking change
        ("re-added", "minor", ()),
        ("deprecated", "minor", ("status",)),
        ("removed", "minor", ()),
    ]
    assert history.revisions["R-1"][1].rule is None
    assert history.revisions["R-1"][1].path == f"{gitkit.RULES}/r1.yaml"


def test_fmt_only_commit_is_not_a_revision(repo: Path, answers, gitkit) -> None:
    relaid = (
        "kind: rule\nid: R-1\ntask: t\ntitle: 'Rule R-1'\nstatus: active\nlabels:\n  - a\n  - b\n"
        "decision: a\nwhen: >-\n  Both are visible.\nrationale: \"Because.\"\n"
    )
    gitkit.commit(repo, "fmt", {f"{gitkit.RULES}/r1.yaml": relaid})
    history = read_history(repo, use_cache=False)
    assert answers.changes_of(history, "R-1") == [("added", "minor", ())]
    assert not compare(repo, "HEAD~1", "HEAD").diff


def test_project_in_a_subfolder_of_the_repository(tmp_path: Path, gitkit) -> None:
    top = gitkit.make_repo(tmp_path / "mono", {"README": "x", "labeling/guidelines.yaml": gitkit.CONFIG,
                                               "labeling/guidelines/t/task.yaml": gitkit.task_yaml(),
                                               "labeling/guidelines/t/rules/r.yaml": gitkit.rule_yaml("R-1")})
    gitkit.commit(top, "elsewhere", {"guidelines/t/rules/x.yaml": gitkit.rule_yaml("X-1")})  # outside the project
    history = read_history(top / "labeling", use_cache=False)
    assert list(history.revisions) == ["R-1"]
    assert history.revisions["R-1"][0].path == "guidelines/t/rules/r.yaml"


def test_shallow_clone_is_refused_with_the_fix(repo: Path, tmp_path: Path, gitkit) -> None:
    gitkit.commit(repo, "second", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    clone = tmp_path / "clone"
    gitkit.git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    with pytest.raises(HistoryError, match="fetch-depth: 0") as error:
        read_history(clone)
    assert "git fetch --unshallow" in str(error.value)
    # a diff reads only trees: it still works in a shallow clone
    assert not compare(clone).diff


def test_not_a_repository(tmp_path: Path, gitkit) -> None:
    (tmp_path / "guidelines.yaml").write_text(gitkit.CONFIG)
    with pytest.raises(HistoryError, match="not inside a git repository"):
        read_history(tmp_path)


def test_bare_repository(tmp_path: Path, gitkit) -> None:
    bare = tmp_path / "bare.git"
    gitkit.git(tmp_path, "init", "-q", "--bare", str(bare))
    (bare / "guidelines.yaml").write_text(gitkit.CONFIG)
    with pytest.raises(HistoryError, match="bare git repository: run from a checkout"):
        read_history(bare)


def test_empty_repository(tmp_path: Path, gitkit) -> None:
    repo = gitkit.make_repo(tmp_path / "empty")
    (repo / "guidelines.yaml").write_text(gitkit.CONFIG)
    with pytest.raises(HistoryError, match="no commits yet"):
        read_history(repo)


def test_missing_branch_falls_back_to_head_with_a_note(tmp_path: Path, gitkit) -> None:
    repo = gitkit.make_repo(tmp_path / "r", {"guidelines.yaml": gitkit.CONFIG, f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1")}, branch="trunk")
    history = read_history(repo, use_cache=False)
    assert history.branch == "HEAD"
    assert "branch 'main'" in history.notes[0] and "branch trunk" in history.notes[0]
    assert list(history.revisions) == ["R-1"]


def test_detached_head_reads_the_configured_branch(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "second", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    gitkit.git(repo, "checkout", "-q", "--detach", "HEAD~1")
    history = read_history(repo, use_cache=False)
    assert history.branch == "main" and "R-2" in history.revisions and not history.notes


def test_case_only_rename_is_a_move(repo: Path, gitkit) -> None:
    gitkit.git(repo, "mv", f"{gitkit.RULES}/r1.yaml", f"{gitkit.RULES}/R1.yaml")
    gitkit.commit(repo, "capital file name")
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.level, r.path) for r in history.revisions["R-1"]][1:] == [
        ("moved", "none", f"{gitkit.RULES}/R1.yaml")]


def test_rule_file_replaced_by_a_folder_of_the_same_name(repo: Path, gitkit) -> None:
    gitkit.git(repo, "rm", "-q", f"{gitkit.RULES}/r1.yaml")
    gitkit.commit(repo, "r1.yaml becomes a folder", {f"{gitkit.RULES}/r1.yaml/split.yaml": gitkit.rule_yaml("R-1", rationale="Split.")})
    gitkit.git(repo, "rm", "-q", "-r", f"{gitkit.RULES}/r1.yaml")
    gitkit.commit(repo, "and back to a file", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1")})
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.fields, r.path) for r in history.revisions["R-1"]] == [
        ("added", (), f"{gitkit.RULES}/r1.yaml"),
        ("changed", ("rationale",), f"{gitkit.RULES}/r1.yaml/split.yaml"),
        ("changed", ("rationale",), f"{gitkit.RULES}/r1.yaml"),
    ]


def test_a_submodule_inside_the_guideline_folder_is_not_a_guideline_file(repo: Path, tmp_path: Path, gitkit) -> None:
    other = gitkit.make_repo(tmp_path / "other", {"x.yaml": gitkit.rule_yaml("R-SUB")})
    sha = gitkit.git(other, "rev-parse", "HEAD").strip()
    # A gitlink, as `git submodule add` records it (without needing a clone of the other repo):
    # named like a YAML file on purpose, the worst case.
    gitkit.git(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},{gitkit.RULES}/vendored.yaml")
    gitkit.git(repo, "commit", "-q", "-m", "vendor a submodule")
    (repo / gitkit.RULES / "r1.yaml").write_text(gitkit.rule_yaml("R-1", rationale="Edited."), encoding="utf-8")
    gitkit.git(repo, "commit", "-q", "-am", "edit")
    history = read_history(repo, use_cache=False)
    assert sorted(history.revisions) == ["R-1"] and not history.problems
    code, out, err = gitkit.run_cli("diff", "HEAD~2", "HEAD", "--format", "json")
    assert code == 0, err
    assert [c["rule"] for c in json.loads(out)["rules"]] == ["R-1"]


def test_two_rule_files_swapping_names_are_two_moves(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "add R-2", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    gitkit.commit(repo, "swap the file names", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-2"), f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-1")})
    history = read_history(repo, use_cache=False)
    for rule_id, path in (("R-1", "r2.yaml"), ("R-2", "r1.yaml")):
        assert [(r.change, r.level) for r in history.revisions[rule_id]][-1] == ("moved", "none")
        assert history.revisions[rule_id][-1].path == f"{gitkit.RULES}/{path}"


def test_mode_change_and_an_empty_first_commit_change_no_rule(tmp_path: Path, gitkit) -> None:
    repo = gitkit.make_repo(tmp_path / "r")
    gitkit.commit(repo, "empty start", allow_empty=True)
    gitkit.commit(repo, "guidelines", {"guidelines.yaml": gitkit.CONFIG, gitkit.TASK: gitkit.task_yaml(), f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1")})
    gitkit.git(repo, "update-index", "--chmod=+x", f"{gitkit.RULES}/r1.yaml")
    gitkit.git(repo, "commit", "-q", "-m", "make it executable")
    history = read_history(repo, use_cache=False)
    assert len(history.commits) == 3
    assert [r.change for r in history.revisions["R-1"]] == ["added"]
    assert history.revisions["R-1"][0].commit.sha == history.commits[1].sha


def test_merging_an_unrelated_history_adds_its_rules_at_the_merge(repo: Path, gitkit) -> None:
    gitkit.git(repo, "checkout", "-q", "--orphan", "imported")
    gitkit.git(repo, "rm", "-q", "-r", "--cached", ".")
    gitkit.commit(repo, "another team's rules", {f"{gitkit.RULES}/x1.yaml": gitkit.rule_yaml("X-1")})
    gitkit.git(repo, "checkout", "-q", "-f", "main")
    gitkit.git(repo, "merge", "-q", "--allow-unrelated-histories", "--no-ff", "-m", "import", "imported")
    history = read_history(repo, use_cache=False)
    assert [c.subject for c in history.commits] == ["initial guidelines", "import"]
    assert [(r.change, r.commit.subject) for r in history.revisions["X-1"]] == [("added", "import")]
    assert [r.change for r in history.revisions["R-1"]] == ["added"]


def test_an_octopus_merge_on_the_line_brings_every_branch_in_at_the_merge(repo: Path, answers, gitkit) -> None:
    for branch in ("x", "y", "z"):
        gitkit.git(repo, "checkout", "-q", "-b", branch, "main")
        edit = {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="By x.")} if branch == "x" else {}
        gitkit.commit(repo, f"work on {branch}", {f"{gitkit.RULES}/{branch}.yaml": gitkit.rule_yaml(f"R-{branch}"), **edit})
    gitkit.git(repo, "checkout", "-q", "main")
    gitkit.commit(repo, "main work", {f"{gitkit.RULES}/m.yaml": gitkit.rule_yaml("R-m")})
    gitkit.git(repo, "merge", "-q", "--no-ff", "-m", "octopus", "x", "y", "z")
    octopus = gitkit.git(repo, "rev-parse", "HEAD").strip()
    assert len(gitkit.git(repo, "rev-list", "--parents", "-1", "HEAD").split()) == 5  # four parents
    history = read_history(repo, use_cache=False)
    assert [c.subject for c in history.commits] == ["initial guidelines", "main work", "octopus"]
    assert [(r.change, r.fields) for r in history.revisions["R-1"]] == [("added", ()), ("changed", ("rationale",))]
    for rule_id in ("R-x", "R-y", "R-z"):
        assert [(r.change, r.commit.sha) for r in history.revisions[rule_id]] == [("added", octopus)]
    assert answers.revision_keys(read_history(repo)) == answers.revision_keys(history) == answers.revision_keys(read_history(repo))


def test_switching_the_guidelines_folder_and_back(repo: Path, answers, gitkit) -> None:
    gitkit.commit(repo, "prepare another folder", {"other/t/task.yaml": gitkit.task_yaml(), "other/t/rules/r1.yaml":
                                                   gitkit.rule_yaml("R-1", rationale="Other."), "other/t/rules/o.yaml": gitkit.rule_yaml("R-O")})
    gitkit.commit(repo, "switch to other/", {"guidelines.yaml": gitkit.CONFIG + "guidelines: other\n"})
    gitkit.commit(repo, "edit the old folder: not the project's now", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Ignored.")})
    gitkit.commit(repo, "back to the default folder", {"guidelines.yaml": gitkit.CONFIG})
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "initial guidelines"), ("changed", "switch to other/"), ("changed", "back to the default folder")]
    assert [(r.change, r.commit.subject) for r in history.revisions["R-O"]] == [
        ("added", "switch to other/"), ("removed", "back to the default folder")]
    assert history.rules_at(history.tip.sha)["R-1"].rationale == "Ignored."
    assert answers.revision_keys(read_history(repo)) == answers.revision_keys(history)


def test_a_broken_config_version_keeps_the_guidelines_folder(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "move the rules", {"other/t/task.yaml": gitkit.task_yaml(), "other/t/rules/r1.yaml": gitkit.rule_yaml("R-1"),
                                           gitkit.TASK: None, f"{gitkit.RULES}/r1.yaml": None, "guidelines.yaml": gitkit.CONFIG + "guidelines: other\n"})
    broken = gitkit.commit(repo, "break the config", {"guidelines.yaml": gitkit.CONFIG + "guidelines: [other\n"})
    gitkit.commit(repo, "fix it", {"guidelines.yaml": gitkit.CONFIG + "guidelines: other\n"})
    history = read_history(repo, use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "moved"]

    assert list(read_tree(repo, broken)[0]) == ["R-1"]  # diff at that commit: today's folder


def test_a_rule_file_that_becomes_a_symlink_and_back(repo: Path, answers, gitkit) -> None:
    gitkit.commit(repo, "a shared copy outside the project", {"shared/r1.yaml": gitkit.rule_yaml("R-1", rationale="Shared.")})
    (repo / gitkit.RULES / "r1.yaml").unlink()
    os.symlink("../../../shared/r1.yaml", repo / gitkit.RULES / "r1.yaml")
    gitkit.commit(repo, "r1.yaml becomes a symlink")
    gitkit.commit(repo, "edit the link's target", {"shared/r1.yaml": gitkit.rule_yaml("R-1", rationale="Shared, edited.")})
    (repo / gitkit.RULES / "r1.yaml").unlink()
    gitkit.commit(repo, "a file again", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Own.")})
    gitkit.commit(repo, "edit the old target: not the project's", {"shared/r1.yaml": gitkit.rule_yaml("R-1", rationale="No.")})
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "initial guidelines"), ("changed", "r1.yaml becomes a symlink"),
        ("changed", "edit the link's target"), ("changed", "a file again")]
    assert history.rules_at(history.tip.sha)["R-1"].rationale == "Own."
    assert answers.revision_keys(read_history(repo)) == answers.revision_keys(history) == answers.revision_keys(read_history(repo))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rules_at_every_commit_match_that_commits_tree(tmp_path: Path, seed: int, gitkit) -> None:
    """Random edits, renames, moves inline and out, deletions, re-adds and merged branches:
    the state history replays at each commit is exactly what that commit's tree holds."""

    rng = random.Random(seed)
    ids = [f"R-{i}" for i in range(6)]
    where: dict[str, str] = {rid: f"{gitkit.RULES}/{rid.lower()}.yaml" for rid in ids[:4]}  # path or TASK
    texts = {rid: gitkit.rule_yaml(rid) for rid in ids}
    repo = gitkit.make_repo(tmp_path / "r", {"guidelines.yaml": gitkit.CONFIG, gitkit.TASK: gitkit.task_yaml(),
                                             **{where[rid]: texts[rid] for rid in where}})

    def task_file() -> str:
        inline = [texts[rid] for rid in sorted(where) if where[rid] == gitkit.TASK]
        return gitkit.task_yaml(inline=gitkit.inline_rules(*inline) if inline else "")

    def step() -> dict[str, str | None]:
        rid = rng.choice(ids)
        roll = rng.random()
        if rid not in where:  # (re-)add in a file of its own
            where[rid] = f"{gitkit.RULES}/{rid.lower()}-{rng.randrange(99)}.yaml"
            return {where[rid]: texts[rid]}
        old = where[rid]
        if roll < 0.45:
            texts[rid] = gitkit.rule_yaml(rid, rationale=f"v{rng.randrange(10**6)}", decision=rng.choice("ab"))
        elif roll < 0.6:
            where.pop(rid)
            return {gitkit.TASK: task_file()} if old == gitkit.TASK else {old: None}
        elif roll < 0.8:
            where[rid] = gitkit.TASK if old != gitkit.TASK else f"{gitkit.RULES}/{rid.lower()}-out.yaml"
        else:
            where[rid] = f"{gitkit.RULES}/{rid.lower()}-{rng.randrange(99)}.yaml"
        files: dict[str, str | None] = {gitkit.TASK: task_file()}
        if old != gitkit.TASK and old != where[rid]:
            files[old] = None
        if where[rid] != gitkit.TASK:
            files[where[rid]] = texts[rid]
        return files

    for n in range(14):
        if n % 5 == 4:
            gitkit.git(repo, "checkout", "-q", "-b", f"side{n}")
            gitkit.commit(repo, f"side {n}", step())
            gitkit.git(repo, "checkout", "-q", "main")
            gitkit.merge(repo, f"side{n}", f"merge side {n}")
        else:
            gitkit.commit(repo, f"step {n}", step())
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
def test_unbuilt_versions_classify_as_built_ones(tmp_path: Path, seed: int, gitkit) -> None:
    """History keeps rule files' versions as parsed data and compares only the fields whose
    data differ: every revision (change, level, fields, path) and every version it holds must be
    what comparing built Rule records gives, whatever the edits and re-layouts."""

    rng = random.Random(seed)
    ids = [f"R-{i}" for i in range(4)]
    paths = {rid: f"{gitkit.RULES}/{rid.lower()}.yaml" for rid in ids}
    repo = gitkit.make_repo(tmp_path / "r", {"guidelines.yaml": gitkit.CONFIG, gitkit.TASK: gitkit.task_yaml(),
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
            old, paths[rid] = paths[rid], f"{gitkit.RULES}/{rid.lower()}-{n}.yaml"
            same = LAYOUTS[texts[rid]].format(id=rid)
            files = {old: None, paths[rid]: another(rid) if rng.random() < 0.5 else same}
        else:  # removed, and back later
            files = {paths[rid]: None}
            paths[rid] = f"{gitkit.RULES}/{rid.lower()}-back-{n}.yaml"
            gitkit.commit(repo, f"remove {rid} ({n})", files)
            files = {paths[rid]: another(rid)}
        gitkit.commit(repo, f"step {n}", files)

    history = _classified_as_built_records(repo)
    kinds = {(r.change, r.level) for revs in history.revisions.values() for r in revs}
    assert {("changed", "major"), ("changed", "patch"), ("moved", "none")} <= kinds, kinds  # every kind of edit ran


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_unbuilt_inline_rules_classify_as_built_ones(tmp_path: Path, seed: int, gitkit) -> None:
    """The same for a task file's inline rules (kept as their item's data): edits inside the
    task file, moves in and out, between two tasks (a rule without `task:` takes the enclosing
    task's id: moving it changes its task), and renames of the task file."""

    rng = random.Random(seed)
    ids = [f"R-{i}" for i in range(4)]
    task_files = {"t": gitkit.TASK, "u": "guidelines/u/task.yaml"}
    where: dict[str, str] = {rid: f"{gitkit.RULES}/{rid.lower()}.yaml" for rid in ids}  # a path, or a task id
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
        return gitkit.task_yaml(task, inline=("rules:\n" + inline) if inline else "")

    files = {"guidelines.yaml": gitkit.CONFIG, **{path: task_text(task) for task, path in task_files.items()},
             **{where[rid]: text(rid, False) for rid in ids}}
    repo = gitkit.make_repo(tmp_path / "r", files)
    for n in range(30):
        rid, roll = rng.choice(ids), rng.random()
        before = dict(where)
        if roll < 0.5:  # an edit or re-layout, wherever the rule is
            layout[rid] = (layout[rid] + rng.randrange(1, len(LAYOUTS))) % len(LAYOUTS)
        elif roll < 0.85:  # into a task file, to the other task, or out to a file
            where[rid] = rng.choice([t for t in task_files if t != where[rid]] + [f"{gitkit.RULES}/{rid.lower()}-{n}.yaml"])
        else:  # the task file u is renamed
            old = task_files["u"]
            task_files["u"] = f"guidelines/u{n}/task.yaml"
            gitkit.commit(repo, f"rename u ({n})", {old: None, task_files["u"]: task_text("u")})
            continue
        change: dict[str, str | None] = {path: task_text(task) for task, path in task_files.items()}
        if before[rid] not in task_files and before[rid] != where[rid]:
            change[before[rid]] = None
        if where[rid] not in task_files:
            change[where[rid]] = text(rid, False)
        gitkit.commit(repo, f"step {n}", change)

    history = _classified_as_built_records(repo)
    assert any(r.version and r.version.pointer for revs in history.revisions.values() for r in revs)  # inline rules
    assert any("task" in r.fields for revs in history.revisions.values() for r in revs)  # a move changed a task


def test_reading_the_log_first_gives_what_reading_ahead_gives(repo: Path, monkeypatch, answers, gitkit) -> None:
    """Where blobs cannot be read while git writes the log (Windows: select() takes no pipes),
    the log is read whole and the blobs after it: the same history."""

    gitkit.commit(repo, "edit", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    gitkit.commit(repo, "inline", {gitkit.TASK: gitkit.task_yaml(inline=gitkit.inline_rules(gitkit.rule_yaml("R-2"))), f"{gitkit.RULES}/r1.yaml": None})
    ahead = read_history(repo, use_cache=False)
    monkeypatch.setattr(history_module, "READS_AHEAD", False)
    assert answers.snapshot(read_history(repo, use_cache=False)) == answers.snapshot(ahead)
