"""relocate.py: history follows a project whose folder moved (a rename, a delete + add, a copy
then a delete), and tells a move from a new project beside an old one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guidelines_tool.history import (
    read_history,
)
from tests.gitrepo import (
    CONFIG,
    RULES,
    TASK,
    commit,
    git,
    make_repo,
    rule_yaml,
    run_cli,
    tag,
    task_yaml,
)

run = run_cli


def _move_project(repo: Path, old: str, new: str, message: str = "move the guidelines project") -> str:
    """`git mv` every file of the project folder `old` ("" = the top) into `new`."""
    files = git(repo, "ls-files", "-z", "--", old or ".").split("\0")
    files = [f for f in files if f and (not old or f.startswith(old + "/"))]
    for path in files:
        rel = path[len(old) + 1:] if old else path
        (repo / new / rel).parent.mkdir(parents=True, exist_ok=True)
        git(repo, "mv", path, f"{new}/{rel}" if new else rel)
    return commit(repo, message)


def test_history_follows_the_project_when_it_moves_into_a_subfolder(repo: Path) -> None:
    commit(repo, "sharpen", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Only the product.")})
    tag(repo, "v1.0.0")
    moved = _move_project(repo, "", "annotation")
    commit(repo, "edit after the move", {f"annotation/{RULES}/r1.yaml": rule_yaml("R-1", when="Both.")})
    project = repo / "annotation"
    for use_cache in (False, True, True):
        history = read_history(project, use_cache=use_cache)
        assert [(r.change, r.fields) for r in history.revisions["R-1"]] == [
            ("added", ()), ("changed", ("when",)), ("changed", ("when",))]
        assert {r.path for r in history.revisions["R-1"]} == {f"{RULES}/r1.yaml"}  # project-relative
        assert [r.change for r in history.task_revisions["t"]] == ["added"]
        assert set(history.rules_at(moved)) == {"R-1"}
    os.chdir(project)
    code, out, err = run("changelog", "--format", "json")
    assert code == 0, err
    releases = json.loads(out)["releases"]
    assert [(r["tag"], [c["rule"] for c in r["changed"]], [a["rule"] for a in r["added"]]) for r in releases] == [
        (None, ["R-1"], []), ("v1.0.0", [], ["R-1"])]
    # diff across the move reads each side where the project was
    code, out, err = run("diff", "v1.0.0", "HEAD", "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert [(c["rule"], c["change"], c["fields"]) for c in payload["rules"]] == [("R-1", "changed", ["when"])]
    assert payload["tasks"] == []
    code, out, err = run("diff", "v1.0.0")  # against the working tree
    assert code == 0 and "R-1: changed" in out and "added" not in out


def test_project_moved_between_subfolders_with_the_config_rewritten(tmp_path: Path) -> None:
    """No rename is detected for a config rewritten on the way (delete + add in one commit);
    a stray file already under the new folder before the move was not part of the project."""
    top = make_repo(tmp_path / "mono", {
        "README": "x",
        "old/guidelines.yaml": CONFIG,
        f"old/{TASK}": task_yaml(),
        f"old/{RULES}/r1.yaml": rule_yaml("R-1"),
        f"new/{RULES}/stray.yaml": rule_yaml("R-STRAY"),
    })
    commit(top, "edit", {f"old/{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    for path in (TASK, f"{RULES}/r1.yaml"):
        (top / "new" / path).parent.mkdir(parents=True, exist_ok=True)
        git(top, "mv", f"old/{path}", f"new/{path}")
    commit(top, "move and rewrite the config", {
        "old/guidelines.yaml": None,
        "new/guidelines.yaml": "# the labeling project\nkind: project\nname: Renamed project, new words\n"
                               "branch: main\nrelease_tag_prefix: v\ndescription: A long text so git "
                               "sees no similarity with the old config at all.\n",
        f"new/{RULES}/stray.yaml": None,
    })
    assert "R old/guidelines.yaml" not in git(top, "log", "-1", "-M", "--name-status", "--format=")
    history = read_history(top / "new", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert "R-STRAY" not in history.revisions
    assert len(history.commits) == 3


def test_project_moved_and_its_guidelines_folder_renamed_in_one_commit(repo: Path) -> None:
    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    (repo / "annotation").mkdir()
    git(repo, "mv", "guidelines", "annotation/rules")
    git(repo, "mv", "guidelines.yaml", "annotation/guidelines.yaml")
    commit(repo, "move", {"annotation/guidelines.yaml": CONFIG + "guidelines: rules\n"})
    commit(repo, "edit again", {"annotation/rules/t/rules/r1.yaml": rule_yaml("R-1", rationale="Again.")})
    history = read_history(repo / "annotation", use_cache=False)
    assert [(r.change, r.level) for r in history.revisions["R-1"]] == [
        ("added", "minor"), ("changed", "patch"), ("moved", "none"), ("changed", "patch")]
    assert [r.path for r in history.revisions["R-1"]][-1] == "rules/t/rules/r1.yaml"


def test_guidelines_folder_changed_before_the_project_moved(repo: Path) -> None:
    """The `guidelines:` switch happened at the old place: its files are listed there."""
    (repo / "rules-dir").mkdir()
    git(repo, "mv", "guidelines/t", "rules-dir/t")
    switched = commit(repo, "rename the guidelines folder", {"guidelines.yaml": CONFIG + "guidelines: rules-dir\n"})
    commit(repo, "edit", {"rules-dir/t/rules/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    _move_project(repo, "", "labeling")
    commit(repo, "edit again", {"labeling/rules-dir/t/rules/r1.yaml": rule_yaml("R-1", rationale="Again.")})
    for use_cache in (False, True):
        history = read_history(repo / "labeling", use_cache=use_cache)
        assert [r.change for r in history.revisions["R-1"]] == ["added", "moved", "changed", "changed"]
        assert history.revisions["R-1"][1].commit.sha == switched
        assert [r.change for r in history.task_revisions["t"]] == ["added"]


def test_project_moved_from_a_subfolder_to_the_top(tmp_path: Path) -> None:
    top = make_repo(tmp_path / "r", {"labeling/guidelines.yaml": CONFIG, f"labeling/{TASK}": task_yaml(),
                                     f"labeling/{RULES}/r1.yaml": rule_yaml("R-1"),
                                     f"{RULES}/outside.yaml": rule_yaml("R-OUT")})
    commit(top, "edit", {f"labeling/{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    git(top, "rm", "-q", "-r", "guidelines")
    _move_project(top, "labeling", "")
    history = read_history(top, use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert "R-OUT" not in history.revisions  # it was outside the project before the move


def test_a_rule_file_left_behind_by_a_project_move_leaves_the_project(repo: Path) -> None:
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    _move_project(repo, "", "annotation")
    # put R-2's file back at the old place: `git mv` moved it, the move commit is what counts
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    git(repo, "mv", f"annotation/{RULES}/r2.yaml", f"{RULES}/r2.yaml")
    git(repo, "commit", "-q", "-m", "move the project, forget R-2 behind")
    history = read_history(repo / "annotation", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added"]
    assert [r.change for r in history.revisions["R-2"]] == ["added", "removed"]
    assert set(history.rules_at(history.tip.sha)) == {"R-1"}


def test_diff_finds_the_project_config_among_other_guidelines_yaml_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = make_repo(tmp_path / "r", {"old/guidelines.yaml": CONFIG, f"old/{TASK}": task_yaml(),
                                     f"old/{RULES}/r1.yaml": rule_yaml("R-1"),
                                     "docs/guidelines.yaml": "title: not a project config\n"})
    first = git(top, "rev-parse", "HEAD").strip()
    assert _diff_after_moving_and_editing(top, first, monkeypatch) == [("R-1", "changed")]


def _diff_after_moving_and_editing(top: Path, before: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Move the project old/ → new/, edit R-1 there, and `guidelines diff BEFORE HEAD` run in
    new/: the (rule, change) pairs it reports."""
    _move_project(top, "old", "new")
    commit(top, "edit", {f"new/{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    monkeypatch.chdir(top / "new")
    code, out, err = run("diff", before, "HEAD", "--format", "json")
    assert code == 0, err
    return [(c["rule"], c["change"]) for c in json.loads(out)["rules"]]


def test_a_branch_that_moves_the_project_still_reads_the_configured_line(repo: Path) -> None:
    """The pull request that moves the project: checked out, the project is in annotation/,
    while main (the configured line) still has it at the top."""
    commit(repo, "edit on main", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    git(repo, "checkout", "-q", "-b", "move")
    _move_project(repo, "", "annotation")
    for use_cache in (False, True, True):
        history = read_history(repo / "annotation", use_cache=use_cache)
        assert history.branch == "main"
        assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
        assert {r.path for r in history.revisions["R-1"]} == {f"{RULES}/r1.yaml"}
    os.chdir(repo / "annotation")
    code, out, err = run("diff", "main", "--format", "json")  # main against the moved work tree
    assert code == 0, err
    assert json.loads(out)["rules"] == []


def _copy_project(repo: Path, old: str, new: str, message: str = "copy the project to its new home") -> str:
    """Copy every file of the project folder `old` ("" = the top) into `new` (no git mv: an add)."""
    files = git(repo, "ls-files", "-z", "--", old or ".").split("\0")
    for path in (f for f in files if f and (not old or f.startswith(old + "/"))):
        rel = path[len(old) + 1:] if old else path
        target = repo / new / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((repo / path).read_bytes())
    return commit(repo, message)


def _delete_folder(repo: Path, folder: str, message: str = "remove the old copy") -> str:
    git(repo, "rm", "-q", "-r", folder)
    return commit(repo, message)


def _monorepo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "mono", {
        "README": "x",
        "old/guidelines.yaml": CONFIG,
        f"old/{TASK}": task_yaml(),
        f"old/{RULES}/r1.yaml": rule_yaml("R-1"),
        f"old/{RULES}/r2.yaml": rule_yaml("R-2"),
    })


def test_project_copied_then_old_copy_deleted_later_keeps_its_history(tmp_path: Path) -> None:
    top = _monorepo(tmp_path)
    commit(top, "edit before the copy", {f"old/{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    tag(top, "v1.0.0")
    copied = _copy_project(top, "old", "new")
    assert "\tnew/guidelines.yaml" in git(top, "log", "-1", "-M", "--name-status", "--format=")  # an add
    commit(top, "edit both copies", {f"new/{RULES}/r1.yaml": rule_yaml("R-1", rationale="New home."),
                                     f"old/{RULES}/r2.yaml": rule_yaml("R-2", rationale="Old home.")})
    _delete_folder(top, "old")
    commit(top, "edit after", {f"new/{RULES}/r2.yaml": rule_yaml("R-2", decision="b")})
    for use_cache in (False, True, True):
        history = read_history(top / "new", use_cache=use_cache)
        assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
            ("added", "initial guidelines"), ("changed", "edit before the copy"), ("changed", "edit both copies")]
        # the edit of the old copy after the copy is not the project's: it lives in new/ by then
        assert [(r.change, r.commit.subject) for r in history.revisions["R-2"]] == [
            ("added", "initial guidelines"), ("changed", "edit after")]
        assert [r.change for r in history.task_revisions["t"]] == ["added"]
        assert {r.path for r in history.revisions["R-1"]} == {f"{RULES}/r1.yaml"}
        assert set(history.rules_at(copied)) == {"R-1", "R-2"}
        assert history.rules_at(copied)["R-2"].rationale == "Because."
    os.chdir(top / "new")
    code, out, err = run("changelog", "--format", "json")
    assert code == 0, err
    releases = json.loads(out)["releases"]
    assert [(r["tag"], sorted(a["rule"] for a in r["added"])) for r in releases] == [
        (None, []), ("v1.0.0", ["R-1", "R-2"])]
    code, out, err = run("log", "R-1", "--format", "json")
    assert [r["change"] for r in json.loads(out)["revisions"]] == ["changed", "changed", "added"]


def test_copy_then_delete_from_the_top_into_a_subfolder(repo: Path) -> None:
    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    _copy_project(repo, "", "annotation")
    git(repo, "rm", "-q", "-r", "guidelines", "guidelines.yaml")
    commit(repo, "drop the old copy")
    history = read_history(repo / "annotation", use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "initial guidelines"), ("changed", "edit")]


def test_copy_kept_forever_is_a_new_project(tmp_path: Path) -> None:
    top = _monorepo(tmp_path)
    _copy_project(top, "old", "new", "fork the project")
    commit(top, "edit the fork", {f"new/{RULES}/r1.yaml": rule_yaml("R-1", rationale="Fork.")})
    history = read_history(top / "new", use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "fork the project"), ("changed", "edit the fork")]
    # the original renamed away later is still kept (it lives on elsewhere): no move either
    (top / "archive").mkdir()
    git(top, "mv", "old", "archive/old")
    commit(top, "archive the original")
    history = read_history(top / "new", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert history.revisions["R-1"][0].commit.subject == "fork the project"


def test_a_second_project_created_beside_a_retired_one_is_not_a_move(tmp_path: Path) -> None:
    top = _monorepo(tmp_path)
    commit(top, "a new, unrelated project", {
        "new/guidelines.yaml": CONFIG.replace("Test guidelines", "Other"),
        f"new/{TASK}": task_yaml(labels=("x", "y")),
        f"new/{RULES}/n1.yaml": rule_yaml("N-1", decision="x"),
    })
    _delete_folder(top, "old", "retire the first project")
    history = read_history(top / "new", use_cache=False)
    assert sorted(history.revisions) == ["N-1"]
    assert [r.commit.subject for r in history.revisions["N-1"]] == ["a new, unrelated project"]
    assert [r.change for r in history.task_revisions["t"]] == ["added"]
    assert history.task_revisions["t"][0].commit.subject == "a new, unrelated project"


def test_a_project_created_from_scratch_in_a_later_commit_is_added_there(tmp_path: Path) -> None:
    top = make_repo(tmp_path / "r", {"README": "x", "other/guidelines.yaml": "title: not a project\n"})
    commit(top, "start the guidelines", {"labels/guidelines.yaml": CONFIG, f"labels/{TASK}": task_yaml(),
                                         f"labels/{RULES}/r1.yaml": rule_yaml("R-1")})
    commit(top, "drop the other file", {"other/guidelines.yaml": None})
    history = read_history(top / "labels", use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [("added", "start the guidelines")]


def test_copy_then_delete_picks_the_copied_project_among_several_retired_ones(tmp_path: Path) -> None:
    top = _monorepo(tmp_path)
    commit(top, "another project", {"b/guidelines.yaml": CONFIG, f"b/{TASK}": task_yaml(),
                                    f"b/{RULES}/b1.yaml": rule_yaml("B-1")})
    _copy_project(top, "b", "new")
    _delete_folder(top, "old", "retire old")
    _delete_folder(top, "b", "retire b (moved to new)")
    history = read_history(top / "new", use_cache=False)
    assert sorted(history.revisions) == ["B-1"]
    assert [r.commit.subject for r in history.revisions["B-1"]] == ["another project"]


def test_copy_then_delete_with_a_warm_cache_from_between_the_two(tmp_path: Path) -> None:
    """Run between the copy and the delete (the copy is no move yet: the original is still
    there), then after the delete: the warm run must give the cold run's answer."""
    top = _monorepo(tmp_path)
    _copy_project(top, "old", "new")
    commit(top, "edit the new copy", {f"new/{RULES}/r1.yaml": rule_yaml("R-1", rationale="New home.")})
    before = read_history(top / "new")
    assert before.revisions["R-1"][0].commit.subject == "copy the project to its new home"
    _delete_folder(top, "old")
    cold = read_history(top / "new", use_cache=False)
    assert [r.commit.subject for r in cold.revisions["R-1"]] == ["initial guidelines", "edit the new copy"]
    warm = read_history(top / "new")
    assert [(r.commit.sha, r.change) for r in warm.revisions["R-1"]] == [
        (r.commit.sha, r.change) for r in cold.revisions["R-1"]]


def test_copy_then_delete_there_and_back_again(tmp_path: Path) -> None:
    """Moved by copy + delete to new/, edited there, moved back the same way: one history.
    The old config edited between the copy and the delete changes nothing."""
    top = _monorepo(tmp_path)
    _copy_project(top, "old", "new", "copy to new")
    commit(top, "edit the old config meanwhile", {"old/guidelines.yaml": CONFIG + "description: old\n"})
    _delete_folder(top, "old", "drop old")
    commit(top, "edit in new", {f"new/{RULES}/r1.yaml": rule_yaml("R-1", rationale="In new.")})
    _copy_project(top, "new", "old", "copy back to old")
    _delete_folder(top, "new", "drop new")
    for use_cache in (False, True):
        history = read_history(top / "old", use_cache=use_cache)
        assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
            ("added", "initial guidelines"), ("changed", "edit in new")]
        assert [r.commit.subject for r in history.revisions["R-2"]] == ["initial guidelines"]


def test_copy_then_delete_in_a_merged_branch(tmp_path: Path) -> None:
    top = _monorepo(tmp_path)
    git(top, "checkout", "-q", "-b", "move")
    _copy_project(top, "old", "new")
    _delete_folder(top, "old")
    git(top, "checkout", "-q", "main")
    commit(top, "edit on main meanwhile", {f"old/{RULES}/r2.yaml": rule_yaml("R-2", rationale="Main.")})
    git(top, "merge", "-q", "--no-ff", "-m", "merge the move", "move")
    history = read_history(top / "new", use_cache=False)
    # the merge moved the project (one commit on the line: rename or delete + add), with main's edit
    assert [(r.change, r.commit.subject) for r in history.revisions["R-2"]] == [
        ("added", "initial guidelines"), ("changed", "edit on main meanwhile")]
    assert [r.commit.subject for r in history.revisions["R-1"]] == ["initial guidelines"]


def test_diff_finds_the_moved_project_among_several_in_a_monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = _monorepo(tmp_path)
    commit(top, "another project", {"another/guidelines.yaml": CONFIG, f"another/{TASK}": task_yaml(),
                                    f"another/{RULES}/a1.yaml": rule_yaml("A-1")})
    before = git(top, "rev-parse", "HEAD").strip()
    assert _diff_after_moving_and_editing(top, before, monkeypatch) == [("R-1", "changed")]
    history = read_history(top / "new", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]


def test_copy_commit_that_also_retires_another_project_follows_the_copied_one(tmp_path: Path) -> None:
    """The copy commit deletes an unrelated project's config too: a delete + add in one commit
    alone would read as a move from there; the copied files say where the project came from."""
    top = _monorepo(tmp_path)
    commit(top, "a project to retire", {"zeta/guidelines.yaml": CONFIG, f"zeta/{TASK}": task_yaml(labels=("p", "q")),
                                        f"zeta/{RULES}/z1.yaml": rule_yaml("Z-1")})
    git(top, "rm", "-q", "-r", "zeta")
    _copy_project(top, "old", "new", "copy old to new, retire zeta")
    _delete_folder(top, "old")
    history = read_history(top / "new", use_cache=False)
    assert sorted(history.revisions) == ["R-1", "R-2"]
    assert [r.commit.subject for r in history.revisions["R-1"]] == ["initial guidelines"]


def test_a_guidelines_folder_outside_the_project_folder_is_read_as_validate_reads_it(tmp_path: Path) -> None:
    top = make_repo(tmp_path / "r", {"proj/guidelines.yaml": CONFIG + "guidelines: ../shared\n",
                                     "shared/t/task.yaml": task_yaml(), "shared/t/rules/r1.yaml": rule_yaml("R-1")})
    commit(top, "edit", {"shared/t/rules/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    from guidelines_tool.project import load_project

    assert [rule.id for rule in load_project(top / "proj").rules] == ["R-1"]  # validate reads it
    history = read_history(top / "proj", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert history.revisions["R-1"][-1].path == "../shared/t/rules/r1.yaml"  # as loading names it
    from guidelines_tool.history import compare

    assert not compare(top / "proj").diff  # HEAD and the working tree: the same rules, same files


def test_copy_from_one_of_two_identical_retired_projects_takes_the_first_in_path_order(tmp_path: Path) -> None:
    files = {"guidelines.yaml": CONFIG, TASK: task_yaml(), f"{RULES}/r1.yaml": rule_yaml("R-1")}
    top = make_repo(tmp_path / "r", {f"{folder}/{path}": text for folder in ("old", "another") for path, text in files.items()})
    edited = rule_yaml("R-1", rationale="Edited.")
    commit(top, "edit old", {f"old/{RULES}/r1.yaml": edited})
    commit(top, "edit another the same way", {f"another/{RULES}/r1.yaml": edited})  # now byte-identical
    _copy_project(top, "old", "new")
    _delete_folder(top, "old", "drop old")
    _delete_folder(top, "another", "drop another")
    for _ in range(2):  # the same answer every time: "another" sorts first
        history = read_history(top / "new", use_cache=False)
        assert [r.commit.subject for r in history.revisions["R-1"]] == ["initial guidelines", "edit another the same way"]
