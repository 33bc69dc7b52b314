"""relocate.py: history follows a project whose folder moved (a rename, a delete + add, a copy
then a delete), and tells a move from a new project beside an old one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guidelines_tool.history import compare, read_history
from guidelines_tool.project import load_project



def _move_project(repo: Path, old: str, new: str, message: str = "move the guidelines project", *, gitkit) -> str:
    """`git mv` every file of the project folder `old` ("" = the top) into `new`."""
    files = gitkit.git(repo, "ls-files", "-z", "--", old or ".").split("\0")
    files = [f for f in files if f and (not old or f.startswith(old + "/"))]
    for path in files:
        rel = path[len(old) + 1:] if old else path
        (repo / new / rel).parent.mkdir(parents=True, exist_ok=True)
        gitkit.git(repo, "mv", path, f"{new}/{rel}" if new else rel)
    return gitkit.commit(repo, message)


def test_history_follows_the_project_when_it_moves_into_a_subfolder(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "sharpen", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when="Only the product.")})
    gitkit.tag(repo, "v1.0.0")
    moved = _move_project(repo, "", "annotation", gitkit=gitkit)
    gitkit.commit(repo, "edit after the move", {f"annotation/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", when="Both.")})
    project = repo / "annotation"
    for use_cache in (False, True, True):
        history = read_history(project, use_cache=use_cache)
        assert [(r.change, r.fields) for r in history.revisions["R-1"]] == [
            ("added", ()), ("changed", ("when",)), ("changed", ("when",))]
        assert {r.path for r in history.revisions["R-1"]} == {f"{gitkit.RULES}/r1.yaml"}  # project-relative
        assert [r.change for r in history.task_revisions["t"]] == ["added"]
        assert set(history.rules_at(moved)) == {"R-1"}
    os.chdir(project)
    code, out, err = gitkit.run_cli("changelog", "--format", "json")
    assert code == 0, err
    releases = json.loads(out)["releases"]
    assert [(r["tag"], [c["rule"] for c in r["changed"]], [a["rule"] for a in r["added"]]) for r in releases] == [
        (None, ["R-1"], []), ("v1.0.0", [], ["R-1"])]
    # diff across the move reads each side where the project was
    code, out, err = gitkit.run_cli("diff", "v1.0.0", "HEAD", "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert [(c["rule"], c["change"], c["fields"]) for c in payload["rules"]] == [("R-1", "changed", ["when"])]
    assert payload["tasks"] == []
    code, out, err = gitkit.run_cli("diff", "v1.0.0")  # against the working tree
    assert code == 0 and "R-1: changed" in out and "added" not in out


def test_project_moved_between_subfolders_with_the_config_rewritten(tmp_path: Path, gitkit) -> None:
    """No rename is detected for a config rewritten on the way (delete + add in one commit);
    a stray file already under the new folder before the move was not part of the project."""
    top = gitkit.make_repo(tmp_path / "mono", {
        "README": "x",
        "old/guidelines.yaml": gitkit.CONFIG,
        f"old/{gitkit.TASK}": gitkit.task_yaml(),
        f"old/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1"),
        f"new/{gitkit.RULES}/stray.yaml": gitkit.rule_yaml("R-STRAY"),
    })
    gitkit.commit(top, "edit", {f"old/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    for path in (gitkit.TASK, f"{gitkit.RULES}/r1.yaml"):
        (top / "new" / path).parent.mkdir(parents=True, exist_ok=True)
        gitkit.git(top, "mv", f"old/{path}", f"new/{path}")
    gitkit.commit(top, "move and rewrite the config", {
        "old/guidelines.yaml": None,
        "new/guidelines.yaml": "# the labeling project\nkind: project\nname: Renamed project, new words\n"
                               "branch: main\nrelease_tag_prefix: v\ndescription: A long text so git "
                               "sees no similarity with the old config at all.\n",
        f"new/{gitkit.RULES}/stray.yaml": None,
    })
    assert "R old/guidelines.yaml" not in gitkit.git(top, "log", "-1", "-M", "--name-status", "--format=")
    history = read_history(top / "new", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert "R-STRAY" not in history.revisions
    assert len(history.commits) == 3


def test_project_moved_and_its_guidelines_folder_renamed_in_one_commit(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "edit", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    (repo / "annotation").mkdir()
    gitkit.git(repo, "mv", "guidelines", "annotation/rules")
    gitkit.git(repo, "mv", "guidelines.yaml", "annotation/guidelines.yaml")
    gitkit.commit(repo, "move", {"annotation/guidelines.yaml": gitkit.CONFIG + "guidelines: rules\n"})
    gitkit.commit(repo, "edit again", {"annotation/rules/t/rules/r1.yaml": gitkit.rule_yaml("R-1", rationale="Again.")})
    history = read_history(repo / "annotation", use_cache=False)
    assert [(r.change, r.level) for r in history.revisions["R-1"]] == [
        ("added", "minor"), ("changed", "patch"), ("moved", "none"), ("changed", "patch")]
    assert [r.path for r in history.revisions["R-1"]][-1] == "rules/t/rules/r1.yaml"


def test_guidelines_folder_changed_before_the_project_moved(repo: Path, gitkit) -> None:
    """The `guidelines:` switch happened at the old place: its files are listed there."""
    (repo / "rules-dir").mkdir()
    gitkit.git(repo, "mv", "guidelines/t", "rules-dir/t")
    switched = gitkit.commit(repo, "rename the guidelines folder", {"guidelines.yaml": gitkit.CONFIG + "guidelines: rules-dir\n"})
    gitkit.commit(repo, "edit", {"rules-dir/t/rules/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    _move_project(repo, "", "labeling", gitkit=gitkit)
    gitkit.commit(repo, "edit again", {"labeling/rules-dir/t/rules/r1.yaml": gitkit.rule_yaml("R-1", rationale="Again.")})
    for use_cache in (False, True):
        history = read_history(repo / "labeling", use_cache=use_cache)
        assert [r.change for r in history.revisions["R-1"]] == ["added", "moved", "changed", "changed"]
        assert history.revisions["R-1"][1].commit.sha == switched
        assert [r.change for r in history.task_revisions["t"]] == ["added"]


def test_project_moved_from_a_subfolder_to_the_top(tmp_path: Path, gitkit) -> None:
    top = gitkit.make_repo(tmp_path / "r", {"labeling/guidelines.yaml": gitkit.CONFIG, f"labeling/{gitkit.TASK}": gitkit.task_yaml(),
                                            f"labeling/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1"),
                                            f"{gitkit.RULES}/outside.yaml": gitkit.rule_yaml("R-OUT")})
    gitkit.commit(top, "edit", {f"labeling/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    gitkit.git(top, "rm", "-q", "-r", "guidelines")
    _move_project(top, "labeling", "", gitkit=gitkit)
    history = read_history(top, use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert "R-OUT" not in history.revisions  # it was outside the project before the move


def test_a_rule_file_left_behind_by_a_project_move_leaves_the_project(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "add R-2", {f"{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2")})
    _move_project(repo, "", "annotation", gitkit=gitkit)
    # put R-2's file back at the old place: `git mv` moved it, the move commit is what counts
    gitkit.git(repo, "reset", "-q", "--soft", "HEAD~1")
    gitkit.git(repo, "mv", f"annotation/{gitkit.RULES}/r2.yaml", f"{gitkit.RULES}/r2.yaml")
    gitkit.git(repo, "commit", "-q", "-m", "move the project, forget R-2 behind")
    history = read_history(repo / "annotation", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added"]
    assert [r.change for r in history.revisions["R-2"]] == ["added", "removed"]
    assert set(history.rules_at(history.tip.sha)) == {"R-1"}


def test_diff_finds_the_project_config_among_other_guidelines_yaml_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gitkit) -> None:
    top = gitkit.make_repo(tmp_path / "r", {"old/guidelines.yaml": gitkit.CONFIG, f"old/{gitkit.TASK}": gitkit.task_yaml(),
                                            f"old/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1"),
                                            "docs/guidelines.yaml": "title: not a project config\n"})
    first = gitkit.git(top, "rev-parse", "HEAD").strip()
    assert _diff_after_moving_and_editing(top, first, monkeypatch, gitkit=gitkit) == [("R-1", "changed")]


def _diff_after_moving_and_editing(top: Path, before: str, monkeypatch: pytest.MonkeyPatch, *, gitkit) -> list[tuple[str, str]]:
    """Move the project old/ → new/, edit R-1 there, and `guidelines diff BEFORE HEAD` run in
    new/: the (rule, change) pairs it reports."""
    _move_project(top, "old", "new", gitkit=gitkit)
    gitkit.commit(top, "edit", {f"new/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    monkeypatch.chdir(top / "new")
    code, out, err = gitkit.run_cli("diff", before, "HEAD", "--format", "json")
    assert code == 0, err
    return [(c["rule"], c["change"]) for c in json.loads(out)["rules"]]


def test_a_branch_that_moves_the_project_still_reads_the_configured_line(repo: Path, gitkit) -> None:
    """The pull request that moves the project: checked out, the project is in annotation/,
    while main (the configured line) still has it at the top."""
    gitkit.commit(repo, "edit on main", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    gitkit.git(repo, "checkout", "-q", "-b", "move")
    _move_project(repo, "", "annotation", gitkit=gitkit)
    for use_cache in (False, True, True):
        history = read_history(repo / "annotation", use_cache=use_cache)
        assert history.branch == "main"
        assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
        assert {r.path for r in history.revisions["R-1"]} == {f"{gitkit.RULES}/r1.yaml"}
    os.chdir(repo / "annotation")
    code, out, err = gitkit.run_cli("diff", "main", "--format", "json")  # main against the moved work tree
    assert code == 0, err
    assert json.loads(out)["rules"] == []


def _copy_project(repo: Path, old: str, new: str, message: str = "copy the project to its new home", *, gitkit) -> str:
    """Copy every file of the project folder `old` ("" = the top) into `new` (no git mv: an add)."""
    files = gitkit.git(repo, "ls-files", "-z", "--", old or ".").split("\0")
    for path in (f for f in files if f and (not old or f.startswith(old + "/"))):
        rel = path[len(old) + 1:] if old else path
        target = repo / new / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((repo / path).read_bytes())
    return gitkit.commit(repo, message)


def _delete_folder(repo: Path, folder: str, message: str = "remove the old copy", *, gitkit) -> str:
    gitkit.git(repo, "rm", "-q", "-r", folder)
    return gitkit.commit(repo, message)


def _monorepo(tmp_path: Path, *, gitkit) -> Path:
    return gitkit.make_repo(tmp_path / "mono", {
        "README": "x",
        "old/guidelines.yaml": gitkit.CONFIG,
        f"old/{gitkit.TASK}": gitkit.task_yaml(),
        f"old/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1"),
        f"old/{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2"),
    })


def test_project_copied_then_old_copy_deleted_later_keeps_its_history(tmp_path: Path, gitkit) -> None:
    top = _monorepo(tmp_path, gitkit=gitkit)
    gitkit.commit(top, "edit before the copy", {f"old/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    gitkit.tag(top, "v1.0.0")
    copied = _copy_project(top, "old", "new", gitkit=gitkit)
    assert "\tnew/guidelines.yaml" in gitkit.git(top, "log", "-1", "-M", "--name-status", "--format=")  # an add
    gitkit.commit(top, "edit both copies", {f"new/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="New home."),
                                            f"old/{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2", rationale="Old home.")})
    _delete_folder(top, "old", gitkit=gitkit)
    gitkit.commit(top, "edit after", {f"new/{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2", decision="b")})
    for use_cache in (False, True, True):
        history = read_history(top / "new", use_cache=use_cache)
        assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
            ("added", "initial guidelines"), ("changed", "edit before the copy"), ("changed", "edit both copies")]
        # the edit of the old copy after the copy is not the project's: it lives in new/ by then
        assert [(r.change, r.commit.subject) for r in history.revisions["R-2"]] == [
            ("added", "initial guidelines"), ("changed", "edit after")]
        assert [r.change for r in history.task_revisions["t"]] == ["added"]
        assert {r.path for r in history.revisions["R-1"]} == {f"{gitkit.RULES}/r1.yaml"}
        assert set(history.rules_at(copied)) == {"R-1", "R-2"}
        assert history.rules_at(copied)["R-2"].rationale == "Because."
    os.chdir(top / "new")
    code, out, err = gitkit.run_cli("changelog", "--format", "json")
    assert code == 0, err
    releases = json.loads(out)["releases"]
    assert [(r["tag"], sorted(a["rule"] for a in r["added"])) for r in releases] == [
        (None, []), ("v1.0.0", ["R-1", "R-2"])]
    code, out, err = gitkit.run_cli("log", "R-1", "--format", "json")
    assert [r["change"] for r in json.loads(out)["revisions"]] == ["changed", "changed", "added"]


def test_copy_then_delete_from_the_top_into_a_subfolder(repo: Path, gitkit) -> None:
    gitkit.commit(repo, "edit", {f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})
    _copy_project(repo, "", "annotation", gitkit=gitkit)
    gitkit.git(repo, "rm", "-q", "-r", "guidelines", "guidelines.yaml")
    gitkit.commit(repo, "drop the old copy")
    history = read_history(repo / "annotation", use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "initial guidelines"), ("changed", "edit")]


def test_copy_kept_forever_is_a_new_project(tmp_path: Path, gitkit) -> None:
    top = _monorepo(tmp_path, gitkit=gitkit)
    _copy_project(top, "old", "new", "fork the project", gitkit=gitkit)
    gitkit.commit(top, "edit the fork", {f"new/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="Fork.")})
    history = read_history(top / "new", use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
        ("added", "fork the project"), ("changed", "edit the fork")]
    # the original renamed away later is still kept (it lives on elsewhere): no move either
    (top / "archive").mkdir()
    gitkit.git(top, "mv", "old", "archive/old")
    gitkit.commit(top, "archive the original")
    history = read_history(top / "new", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert history.revisions["R-1"][0].commit.subject == "fork the project"


def test_a_second_project_created_beside_a_retired_one_is_not_a_move(tmp_path: Path, gitkit) -> None:
    top = _monorepo(tmp_path, gitkit=gitkit)
    gitkit.commit(top, "a new, unrelated project", {
        "new/guidelines.yaml": gitkit.CONFIG.replace("Test guidelines", "Other"),
        f"new/{gitkit.TASK}": gitkit.task_yaml(labels=("x", "y")),
        f"new/{gitkit.RULES}/n1.yaml": gitkit.rule_yaml("N-1", decision="x"),
    })
    _delete_folder(top, "old", "retire the first project", gitkit=gitkit)
    history = read_history(top / "new", use_cache=False)
    assert sorted(history.revisions) == ["N-1"]
    assert [r.commit.subject for r in history.revisions["N-1"]] == ["a new, unrelated project"]
    assert [r.change for r in history.task_revisions["t"]] == ["added"]
    assert history.task_revisions["t"][0].commit.subject == "a new, unrelated project"


def test_a_project_created_from_scratch_in_a_later_commit_is_added_there(tmp_path: Path, gitkit) -> None:
    top = gitkit.make_repo(tmp_path / "r", {"README": "x", "other/guidelines.yaml": "title: not a project\n"})
    gitkit.commit(top, "start the guidelines", {"labels/guidelines.yaml": gitkit.CONFIG, f"labels/{gitkit.TASK}": gitkit.task_yaml(),
                                                f"labels/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1")})
    gitkit.commit(top, "drop the other file", {"other/guidelines.yaml": None})
    history = read_history(top / "labels", use_cache=False)
    assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [("added", "start the guidelines")]


def test_copy_then_delete_picks_the_copied_project_among_several_retired_ones(tmp_path: Path, gitkit) -> None:
    top = _monorepo(tmp_path, gitkit=gitkit)
    gitkit.commit(top, "another project", {"b/guidelines.yaml": gitkit.CONFIG, f"b/{gitkit.TASK}": gitkit.task_yaml(),
                                           f"b/{gitkit.RULES}/b1.yaml": gitkit.rule_yaml("B-1")})
    _copy_project(top, "b", "new", gitkit=gitkit)
    _delete_folder(top, "old", "retire old", gitkit=gitkit)
    _delete_folder(top, "b", "retire b (moved to new)", gitkit=gitkit)
    history = read_history(top / "new", use_cache=False)
    assert sorted(history.revisions) == ["B-1"]
    assert [r.commit.subject for r in history.revisions["B-1"]] == ["another project"]


def test_copy_then_delete_with_a_warm_cache_from_between_the_two(tmp_path: Path, gitkit) -> None:
    """Run between the copy and the delete (the copy is no move yet: the original is still
    there), then after the delete: the warm run must give the cold run's answer."""
    top = _monorepo(tmp_path, gitkit=gitkit)
    _copy_project(top, "old", "new", gitkit=gitkit)
    gitkit.commit(top, "edit the new copy", {f"new/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="New home.")})
    before = read_history(top / "new")
    assert before.revisions["R-1"][0].commit.subject == "copy the project to its new home"
    _delete_folder(top, "old", gitkit=gitkit)
    cold = read_history(top / "new", use_cache=False)
    assert [r.commit.subject for r in cold.revisions["R-1"]] == ["initial guidelines", "edit the new copy"]
    warm = read_history(top / "new")
    assert [(r.commit.sha, r.change) for r in warm.revisions["R-1"]] == [
        (r.commit.sha, r.change) for r in cold.revisions["R-1"]]


def test_copy_then_delete_there_and_back_again(tmp_path: Path, gitkit) -> None:
    """Moved by copy + delete to new/, edited there, moved back the same way: one history.
    The old config edited between the copy and the delete changes nothing."""
    top = _monorepo(tmp_path, gitkit=gitkit)
    _copy_project(top, "old", "new", "copy to new", gitkit=gitkit)
    gitkit.commit(top, "edit the old config meanwhile", {"old/guidelines.yaml": gitkit.CONFIG + "description: old\n"})
    _delete_folder(top, "old", "drop old", gitkit=gitkit)
    gitkit.commit(top, "edit in new", {f"new/{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1", rationale="In new.")})
    _copy_project(top, "new", "old", "copy back to old", gitkit=gitkit)
    _delete_folder(top, "new", "drop new", gitkit=gitkit)
    for use_cache in (False, True):
        history = read_history(top / "old", use_cache=use_cache)
        assert [(r.change, r.commit.subject) for r in history.revisions["R-1"]] == [
            ("added", "initial guidelines"), ("changed", "edit in new")]
        assert [r.commit.subject for r in history.revisions["R-2"]] == ["initial guidelines"]


def test_copy_then_delete_in_a_merged_branch(tmp_path: Path, gitkit) -> None:
    top = _monorepo(tmp_path, gitkit=gitkit)
    gitkit.git(top, "checkout", "-q", "-b", "move")
    _copy_project(top, "old", "new", gitkit=gitkit)
    _delete_folder(top, "old", gitkit=gitkit)
    gitkit.git(top, "checkout", "-q", "main")
    gitkit.commit(top, "edit on main meanwhile", {f"old/{gitkit.RULES}/r2.yaml": gitkit.rule_yaml("R-2", rationale="Main.")})
    gitkit.git(top, "merge", "-q", "--no-ff", "-m", "merge the move", "move")
    history = read_history(top / "new", use_cache=False)
    # the merge moved the project (one commit on the line: rename or delete + add), with main's edit
    assert [(r.change, r.commit.subject) for r in history.revisions["R-2"]] == [
        ("added", "initial guidelines"), ("changed", "edit on main meanwhile")]
    assert [r.commit.subject for r in history.revisions["R-1"]] == ["initial guidelines"]


def test_diff_finds_the_moved_project_among_several_in_a_monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gitkit) -> None:
    top = _monorepo(tmp_path, gitkit=gitkit)
    gitkit.commit(top, "another project", {"another/guidelines.yaml": gitkit.CONFIG, f"another/{gitkit.TASK}": gitkit.task_yaml(),
                                           f"another/{gitkit.RULES}/a1.yaml": gitkit.rule_yaml("A-1")})
    before = gitkit.git(top, "rev-parse", "HEAD").strip()
    assert _diff_after_moving_and_editing(top, before, monkeypatch, gitkit=gitkit) == [("R-1", "changed")]
    history = read_history(top / "new", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]


def test_copy_commit_that_also_retires_another_project_follows_the_copied_one(tmp_path: Path, gitkit) -> None:
    """The copy commit deletes an unrelated project's config too: a delete + add in one commit
    alone would read as a move from there; the copied files say where the project came from."""
    top = _monorepo(tmp_path, gitkit=gitkit)
    gitkit.commit(top, "a project to retire", {"zeta/guidelines.yaml": gitkit.CONFIG, f"zeta/{gitkit.TASK}": gitkit.task_yaml(labels=("p", "q")),
                                               f"zeta/{gitkit.RULES}/z1.yaml": gitkit.rule_yaml("Z-1")})
    gitkit.git(top, "rm", "-q", "-r", "zeta")
    _copy_project(top, "old", "new", "copy old to new, retire zeta", gitkit=gitkit)
    _delete_folder(top, "old", gitkit=gitkit)
    history = read_history(top / "new", use_cache=False)
    assert sorted(history.revisions) == ["R-1", "R-2"]
    assert [r.commit.subject for r in history.revisions["R-1"]] == ["initial guidelines"]


def test_a_guidelines_folder_outside_the_project_folder_is_read_as_validate_reads_it(tmp_path: Path, gitkit) -> None:
    top = gitkit.make_repo(tmp_path / "r", {"proj/guidelines.yaml": gitkit.CONFIG + "guidelines: ../shared\n",
                                            "shared/t/task.yaml": gitkit.task_yaml(), "shared/t/rules/r1.yaml": gitkit.rule_yaml("R-1")})
    gitkit.commit(top, "edit", {"shared/t/rules/r1.yaml": gitkit.rule_yaml("R-1", rationale="Edited.")})

    assert [rule.id for rule in load_project(top / "proj").rules] == ["R-1"]  # validate reads it
    history = read_history(top / "proj", use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added", "changed"]
    assert history.revisions["R-1"][-1].path == "../shared/t/rules/r1.yaml"  # as loading names it

    assert not compare(top / "proj").diff  # HEAD and the working tree: the same rules, same files


def test_copy_from_one_of_two_identical_retired_projects_takes_the_first_in_path_order(tmp_path: Path, gitkit) -> None:
    files = {"guidelines.yaml": gitkit.CONFIG, gitkit.TASK: gitkit.task_yaml(), f"{gitkit.RULES}/r1.yaml": gitkit.rule_yaml("R-1")}
    top = gitkit.make_repo(tmp_path / "r", {f"{folder}/{path}": text for folder in ("old", "another") for path, text in files.items()})
    edited = gitkit.rule_yaml("R-1", rationale="Edited.")
    gitkit.commit(top, "edit old", {f"old/{gitkit.RULES}/r1.yaml": edited})
    gitkit.commit(top, "edit another the same way", {f"another/{gitkit.RULES}/r1.yaml": edited})  # now byte-identical
    _copy_project(top, "old", "new", gitkit=gitkit)
    _delete_folder(top, "old", "drop old", gitkit=gitkit)
    _delete_folder(top, "another", "drop another", gitkit=gitkit)
    for _ in range(2):  # the same answer every time: "another" sorts first
        history = read_history(top / "new", use_cache=False)
        assert [r.commit.subject for r in history.revisions["R-1"]] == ["initial guidelines", "edit another the same way"]
