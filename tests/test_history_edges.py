"""Odd histories on real repositories: the cases ordinary use rarely builds, each either handled
or refused with a clear message (tests/gitrepo.py builds them with fixed dates)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guidelines_tool.history import read_history
from tests.gitrepo import CONFIG, RULES, TASK, commit, git, make_repo, repo_in_cwd_fixture, rule_yaml, run_cli, tag, task_yaml

ROOT = Path(__file__).resolve().parents[1]


repo = pytest.fixture(repo_in_cwd_fixture)  # the one-rule project, as the current folder
run = run_cli


# --- several release tags on one commit -------------------------------------------------------


def test_retag_gives_the_newer_version_the_section_and_lists_the_older_as_alias(repo: Path) -> None:
    tag(repo, "v1.0.0")
    tag(repo, "v1.0.1", message="re-tag after a CI hiccup")  # annotated, same commit
    tag(repo, "deployed-2026-01")  # no release prefix: not a release at all
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    code, out, err = run("changelog")
    assert code == 0, err
    assert out == (
        "# Changelog (main)\n\n"
        "## Unreleased (minor)\n\nChanges since v1.0.1.\n\n"
        "### Added\n\n- **R-2**: Rule R-2 (minor)\n\n"
        "## v1.0.1 — 2026-01-01 (minor)\n\nFirst release.\n\n"
        "Also tagged v1.0.0 (the same commit: v1.0.1 supersedes it).\n\n"
        "### Added\n\n- **R-1**: Rule R-1 (minor)\n\n"
        "### Tasks\n\n- **t** added (minor): labels added: a, b\n"
    )
    code, out, _ = run("changelog", "--format", "json")
    releases = json.loads(out)["releases"]
    assert [(r["tag"], r["aliases"], r["since"]) for r in releases] == [
        (None, [], "v1.0.1"), ("v1.0.1", ["v1.0.0"], None)]
    assert [a["rule"] for a in releases[1]["added"]] == ["R-1"]
    # --since accepts the alias as well as the release's own name
    for since in ("v1.0.0", "1.0.1"):
        code, out, _ = run("changelog", "--since", since, "--format", "json")
        assert [r["tag"] for r in json.loads(out)["releases"]] == [None]
    # the next release counts from the newest version on the commit
    code, out, err = run("release", "--dry-run")
    assert code == 0, err
    assert out.startswith("would tag v1.1.0 on ") and "since v1.0.1" in out


def test_release_refuses_when_any_tag_of_the_tip_is_a_release(repo: Path) -> None:
    tag(repo, "v1.0.0")
    tag(repo, "v2.0.0")
    code, _, err = run("release", "--dry-run")
    assert code == 2 and "nothing to release: v2.0.0 already tags the tip" in err


def test_tags_with_the_prefix_that_are_not_versions_are_ignored_with_a_note(repo: Path) -> None:
    tag(repo, "v1.0")
    tag(repo, "v2.0.0-rc1")
    tag(repo, "very-old")  # the prefix, but not a version attempt: no note
    code, out, err = run("changelog", "--format", "json")
    assert code == 0
    assert [r["tag"] for r in json.loads(out)["releases"]] == [None]
    assert "tag v1.0 has the release prefix 'v' but is not a version" in err
    assert "tag v2.0.0-rc1 has the release prefix" in err
    assert "very-old" not in err


def test_annotated_and_lightweight_tags_read_the_same(tmp_path: Path) -> None:
    shapes = {}
    for kind in ("light", "annotated"):
        repo = make_repo(tmp_path / kind, {"guidelines.yaml": CONFIG, TASK: task_yaml(),
                                           f"{RULES}/r1.yaml": rule_yaml("R-1")})
        tag(repo, "v1.0.0", message=None if kind == "light" else "first release")
        commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Better.")})
        history = read_history(repo)
        shapes[kind] = [(name, c.sha) for name, _, c in history.releases()]
        assert shapes[kind][0][1] == history.commits[0].sha  # peeled to the commit
    assert shapes["light"][0][0] == shapes["annotated"][0][0] == "v1.0.0"


def test_release_tag_off_the_first_parent_line_is_left_out_with_a_note(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    side = commit(repo, "side work", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    tag(repo, "v1.0.0", side)
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    code, out, err = run("changelog", "--format", "json")
    assert code == 0
    assert [r["tag"] for r in json.loads(out)["releases"]] == [None]  # all unreleased on main
    assert "release tag v1.0.0 is not on the first-parent line of main" in err


# --- file names, authors and messages git stores as bytes -----------------------------------

LATIN1_NAME = b"guidelines/t/rules/caf\xe9.yaml"


def _commit_latin1_rule(repo: Path) -> None:
    path = repo / os.fsdecode(LATIN1_NAME)
    path.write_text(rule_yaml("R-9"), encoding="utf-8")
    commit(repo, "add a rule whose file name is Latin-1")
    path.write_text(rule_yaml("R-9", rationale="Better."), encoding="utf-8")
    commit(repo, "edit it")


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="file names must be raw bytes")
def test_non_utf8_file_names_give_valid_json_and_markdown(repo: Path) -> None:
    _commit_latin1_rule(repo)
    for args in (["log", "R-9"], ["diff", "HEAD~2", "HEAD"], ["changelog"]):
        code, out, err = run(*args, "--format", "json")
        assert code == 0, err
        out.encode("utf-8")  # no lone surrogates left in the text
        payload = json.loads(out)
        if args[0] == "log":
            # the JSON escape decodes back to the file's bytes
            assert os.fsencode(payload["revisions"][0]["path"]) == LATIN1_NAME
    # Markdown goes into pull-request comments and tag messages: UTF-8, the byte shown as \xe9
    (repo / os.fsdecode(LATIN1_NAME)).unlink()
    (repo / RULES / "moved.yaml").write_text(rule_yaml("R-9", rationale="Better."), encoding="utf-8")
    code, out, err = run("diff", "--format", "md")  # HEAD against the working tree
    assert code == 0, err
    out.encode("utf-8")
    assert "moved from guidelines/t/rules/caf\\xe9.yaml" in out


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="file names must be raw bytes")
def test_non_utf8_file_name_json_through_a_real_pipe(repo: Path) -> None:
    """Through a real process and pipe (CliRunner's streams are forgiving): valid UTF-8 JSON."""
    _commit_latin1_rule(repo)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "guidelines_tool", "log", "R-9", "--format", "json"],
                          cwd=repo, env=env, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout.decode("utf-8"))  # strict UTF-8
    assert b'"path": "guidelines/t/rules/caf\\udce9.yaml"' in proc.stdout
    assert os.fsencode(payload["revisions"][0]["path"]) == LATIN1_NAME


def test_non_ascii_author_and_empty_message(repo: Path) -> None:
    commit(repo, "Präzisierung", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Genauer.")}, author="Zoë Ångström")
    (repo / RULES / "r1.yaml").write_text(rule_yaml("R-1", rationale="Noch genauer."), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty-message", "-m", "")
    code, out, err = run("log", "R-1", "--format", "json")
    assert code == 0, err
    revisions = json.loads(out)["revisions"]
    assert revisions[0]["message"] == "" and revisions[1]["author"] == "Zoë Ångström"
    assert revisions[1]["message"] == "Präzisierung"
    code, out, err = run("log", "R-1")
    assert code == 0 and "Zoë Ångström" in out and "(no message)" in out


def test_non_utf8_author_name_gives_valid_json(repo: Path) -> None:
    (repo / RULES / "r1.yaml").write_text(rule_yaml("R-1", rationale="Other."), encoding="utf-8")
    git(repo, "add", "-A")
    # An author name in Latin-1 with no encoding header: git stores the bytes as given.
    git(repo, "commit", "-q", "-m", "edit", env={"GIT_AUTHOR_NAME": os.fsdecode(b"Jos\xe9")})
    code, out, err = run("log", "R-1", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["revisions"][0]["author"] in ("José", "Jos\ufffd")  # git may re-encode it


# --- the file size limit of `validate` --------------------------------------------------------


def test_a_huge_old_blob_is_reported_and_skipped_without_parsing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import guidelines_tool.loading as loading

    huge = rule_yaml("R-1", rationale="x" * (10 * 1024 * 1024))
    commit(repo, "paste a huge rationale", {f"{RULES}/r1.yaml": huge})
    commit(repo, "undo it", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Short again.")})
    parsed_sizes: list[int] = []
    real = loading.parse_file_text
    monkeypatch.setattr(loading, "parse_file_text", lambda text, path: parsed_sizes.append(len(text)) or real(text, path))
    history = read_history(repo, use_cache=False)
    assert max(parsed_sizes) < 10 * 1024 * 1024  # the parser never saw the huge version
    assert [(r.change, r.fields) for r in history.revisions["R-1"]] == [("added", ()), ("changed", ("rationale",))]
    [problem] = history.problems
    assert problem.name == "file-too-large" and problem.path == f"{RULES}/r1.yaml"
    assert "more than the 10,485,760" in problem.message and "skipped" in problem.message
    code, out, err = run("diff", "HEAD~1", "HEAD", "--format", "json")
    assert code == 0 and "file-too-large" not in out and "more than the 10,485,760" in err


# --- a project whose config moved folder ------------------------------------------------------


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


# --- the configured branch --------------------------------------------------------------------


def test_missing_configured_branch_reads_head_with_a_note_but_refuses_to_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "r", {"guidelines.yaml": CONFIG, TASK: task_yaml(),
                                      f"{RULES}/r1.yaml": rule_yaml("R-1")}, branch="trunk")
    monkeypatch.chdir(repo)
    code, out, err = run("log", "R-1")
    assert code == 0 and "note: branch 'main' (config `branch`) does not exist" in err
    code, out, err = run("release", "--dry-run")
    assert code == 2
    assert "cannot release: branch 'main' (config `branch`) does not exist" in err
    assert "set `branch:` in guidelines.yaml" in err and "Traceback" not in err
    assert git(repo, "tag") == ""


# --- odd trees ----------------------------------------------------------------------------------


def test_crlf_line_endings_are_a_layout_change_not_a_content_change(repo: Path) -> None:
    crlf = rule_yaml("R-1").replace("\n", "\r\n")
    (repo / RULES / "r1.yaml").write_bytes(crlf.encode())
    commit(repo, "windows editor")
    (repo / RULES / "r1.yaml").write_bytes(rule_yaml("R-1", rationale="Edited.").replace("\n", "\r\n").encode())
    commit(repo, "edit with CRLF")
    history = read_history(repo, use_cache=False)
    assert [(r.change, r.fields) for r in history.revisions["R-1"]] == [("added", ()), ("changed", ("rationale",))]
    assert history.rules_at(history.tip.sha)["R-1"].rationale == "Edited."
    assert not history.problems


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


def test_a_users_log_output_encoding_does_not_garble_names_and_messages(repo: Path) -> None:
    commit(repo, "Präzisierung", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Genauer.")}, author="Zoë")
    git(repo, "config", "i18n.logOutputEncoding", "ISO-8859-1")
    history = read_history(repo, use_cache=False)
    assert (history.tip.author, history.tip.message) == ("Zoë", "Präzisierung")


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


def test_docs_release_list_takes_one_release_per_commit(repo: Path) -> None:
    from guidelines_tool.docs.pagekit import release_list

    tag(repo, "v1.0.0")
    tag(repo, "v1.0.1")
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    tag(repo, "v1.1.0")
    assert [r.tag for r in release_list(read_history(repo), "v")] == ["v1.0.1", "v1.1.0"]


def test_next_version_counts_from_the_highest_release_even_if_tagged_earlier(repo: Path) -> None:
    tag(repo, "v2.0.0")
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    tag(repo, "v1.5.0")  # out of order
    commit(repo, "fix wording", {f"{RULES}/r2.yaml": rule_yaml("R-2", rationale="Better.")})
    code, out, err = run("release", "--dry-run")
    assert code == 0, err
    assert out.startswith("would tag v2.0.1 on ") and "since v1.5.0" in out


def test_commit_message_in_latin1_bytes_gives_valid_json(repo: Path) -> None:
    (repo / RULES / "r1.yaml").write_text(rule_yaml("R-1", rationale="Other."), encoding="utf-8")
    (repo / "msg").write_bytes(b"R\xe9vision du r\xe8glement\n")
    git(repo, "add", RULES)
    git(repo, "commit", "-q", "-F", "msg")
    code, out, err = run("log", "R-1", "--format", "json")
    assert code == 0, err
    message = json.loads(out)["revisions"][0]["message"]
    assert message.startswith("R") and message.endswith("glement") and len(message) == len("Révision du règlement")


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


def test_file_names_with_a_newline_or_tab(repo: Path) -> None:
    commit(repo, "odd names", {f"{RULES}/a\nb.yaml": rule_yaml("R-2"), f"{RULES}/c\td.yaml": rule_yaml("R-3")})
    code, out, err = run("log", "R-2", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["revisions"][0]["path"] == f"{RULES}/a\nb.yaml"
    history = read_history(repo, use_cache=False)
    assert history.revisions["R-3"][0].path == f"{RULES}/c\td.yaml"


def test_a_rule_file_moved_into_git_lfs_is_reported_not_removed(repo: Path) -> None:
    # What `git lfs track '*.yaml'` commits in place of the file (no git-lfs needed to build it).
    pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:"
               "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 352\n")
    commit(repo, "track YAML in LFS", {f"{RULES}/r1.yaml": pointer})
    history = read_history(repo, use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added"]  # not "removed"
    [problem] = history.problems
    assert problem.path == f"{RULES}/r1.yaml" and "Git LFS" in problem.message


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


# --- tags that name a tree or a blob ---------------------------------------------------------


def test_release_tags_of_a_tree_or_a_blob_are_ignored_with_a_note_and_no_command_fails(repo: Path) -> None:
    tag(repo, "v0.9.0", message="a real release")  # annotated tag of a commit: still peeled
    git(repo, "tag", "v1.0.0", "HEAD^{tree}")
    git(repo, "tag", "-a", "v1.1.0", "-m", "annotated tree", "HEAD^{tree}")
    git(repo, "tag", "v1.2.0", "HEAD:guidelines.yaml")  # a blob
    git(repo, "-c", "advice.nestedTag=false", "tag", "-a", "v2.0.0", "-m", "tag of a tag", "v1.1.0")
    git(repo, "tag", "keys", "HEAD:guidelines.yaml")  # not a release tag: no note (git.git has one)
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    history = read_history(repo, use_cache=False)
    assert [name for name, _, _ in history.releases()] == ["v0.9.0"]
    assert history.tags["v1.0.0"] == history.tags["v1.1.0"] == history.tags["v2.0.0"] == tree
    assert history.resolve("v1.0.0") is None and history.resolve("1.1.0") is None
    assert history.resolve("0.9.0") == history.commits[0]
    for name, kind in (("v1.0.0", "tree"), ("v1.1.0", "tree"), ("v1.2.0", "blob"), ("v2.0.0", "tree")):
        assert any(n.startswith(f"release tag {name} points at a {kind} (") and "not a commit: ignored" in n
                   for n in history.notes), history.notes
    assert not any("first-parent" in n or "keys" in n for n in history.notes)
    code, out, err = run("changelog", "--format", "json")
    assert code == 0, err
    assert [r["tag"] for r in json.loads(out)["releases"]] == [None, "v0.9.0"]
    assert "release tag v1.0.0 points at a tree" in err and "Traceback" not in err
    code, out, err = run("release", "--dry-run")
    assert code == 0 and out.startswith("would tag v0.10.0 on "), err
    code, out, err = run("log", "R-1", "--format", "json")
    assert code == 0 and len(json.loads(out)["revisions"]) == 1
    for rev, kind in (("v1.0.0", "tree"), ("1.2.0", "blob")):
        code, out, err = run("diff", rev)
        assert code == 2 and "Traceback" not in err
        assert f"points at a {kind} (" in err and "not a commit" in err


def test_release_refuses_to_reuse_the_name_of_a_tree_tag(repo: Path) -> None:
    git(repo, "tag", "v1.0.0", "HEAD^{tree}")
    code, _, err = run("release", "--dry-run")
    assert code == 2 and "tag v1.0.0 already exists" in err
    assert "release tag v1.0.0 points at a tree" in err


def test_a_tag_whose_name_looks_like_a_sha_resolves_as_the_tag(repo: Path) -> None:
    second = commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Edited.")})
    git(repo, "tag", second[:6], "HEAD^{tree}")  # a tag named like the tip's short sha
    history = read_history(repo, use_cache=False)
    assert history.resolve(second[:6]) is None  # the tag names a tree, as git reads it first
    assert history.resolve(second[:7]) == history.tip
    assert history.resolve(second) == history.tip


C1, T1 = "c" * 40, "e" * 40


@pytest.mark.parametrize(("text", "expected"), [
    (f"v1\0{C1}\0\0commit\0\n", {"v1": (C1, "commit")}),
    (f"v2\0{'a' * 40}\0{C1}\0tag\0commit\n", {"v2": (C1, "commit")}),  # annotated: peeled
    (f"v3\0{T1}\0\0tree\0\n", {"v3": (T1, "tree")}),
    (f"v4\0{'a' * 40}\0{T1}\0tag\0blob\n", {"v4": (T1, "blob")}),
    (f"v5\0{'a' * 40}\0{'b' * 40}\0tag\0tag\n", {"v5": ("b" * 40, "tag")}),  # peeled further by Git
    (f"old\0{C1}\0\n", {"old": (C1, "commit")}),  # the three-field format
])
def test_parse_tag_refs(text: str, expected: dict[str, tuple[str, str]]) -> None:
    from guidelines_tool.history import parse_refs, parse_tag_refs

    assert parse_tag_refs(text) == expected
    assert parse_refs(text) == {name: sha for name, (sha, _) in expected.items()}


# --- a project moved by copy, then delete -----------------------------------------------------


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


# --- odd histories: each answer checked against what a user would expect -----------------------


def _revision_keys(history) -> tuple:
    """Everything history answers, as comparable values (warm and cold runs must agree)."""
    return ([c.sha for c in history.commits],
            {k: [(r.commit.sha, r.change, r.level, r.path, r.fields) for r in v] for k, v in history.revisions.items()},
            {k: [(r.commit.sha, r.change, r.level) for r in v] for k, v in history.task_revisions.items()},
            history.tags, history.notes)


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
    assert _revision_keys(read_history(repo)) == _revision_keys(history) == _revision_keys(read_history(repo))


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
    assert _revision_keys(read_history(repo)) == _revision_keys(history)


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
    assert _revision_keys(read_history(repo)) == _revision_keys(history) == _revision_keys(read_history(repo))


def test_a_tag_off_the_line_is_no_release_but_diff_reads_it(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "experiment")
    commit(repo, "experiment", {f"{RULES}/r1.yaml": rule_yaml("R-1", decision="b")})
    tag(repo, "experiment-1")  # not a release tag: no note
    tag(repo, "v9.0.0", message="released from a branch by mistake")
    git(repo, "checkout", "-q", "main")
    history = read_history(repo, use_cache=False)
    assert history.releases() == [] and history.resolve("experiment-1") is None
    assert history.notes == [("release tag v9.0.0 is not on the first-parent line of main: "
                              "left out of changelogs and version numbering")]
    code, out, err = run("diff", "experiment-1", "--format", "json")
    assert code == 0, err
    assert [(c["rule"], c["fields"]) for c in json.loads(out)["rules"]] == [("R-1", ["decision"])]


@pytest.mark.parametrize("rewrite", ["amend", "reset-and-new", "reset-back", "new-root", "tag-to-tree"])
def test_a_rewritten_branch_between_two_runs_gives_the_cold_answer(repo: Path, rewrite: str) -> None:
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    tag(repo, "v1.0.0")
    commit(repo, "edit R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2", rationale="First.")})
    first = read_history(repo)  # fills the cache
    assert len(first.commits) == 3
    if rewrite == "amend":
        (repo / RULES / "r2.yaml").write_text(rule_yaml("R-2", rationale="Amended."), encoding="utf-8")
        git(repo, "commit", "-q", "-a", "--amend", "-m", "edit R-2, amended")
    elif rewrite == "reset-and-new":
        git(repo, "reset", "-q", "--hard", "HEAD~2")
        git(repo, "tag", "-d", "v1.0.0")
        commit(repo, "something else", {f"{RULES}/r3.yaml": rule_yaml("R-3")})
    elif rewrite == "reset-back":
        git(repo, "reset", "-q", "--hard", "HEAD~1")
    elif rewrite == "new-root":  # every commit squashed into a new root with the same tree
        git(repo, "reset", "-q", "--soft", git(repo, "rev-list", "--max-parents=0", "HEAD").strip())
        git(repo, "commit", "-q", "--amend", "-m", "squashed")
    else:
        git(repo, "tag", "-f", "v1.0.0", "HEAD^{tree}")
    warm = read_history(repo)
    cold = read_history(repo, use_cache=False)
    assert _revision_keys(warm) == _revision_keys(cold)
    assert _revision_keys(read_history(repo)) == _revision_keys(cold)
    expected = {"amend": 3, "reset-and-new": 2, "reset-back": 2, "new-root": 1, "tag-to-tree": 3}[rewrite]
    assert len(cold.commits) == expected
    if rewrite == "amend":
        assert cold.rules_at(cold.tip.sha)["R-2"].rationale == "Amended."
    if rewrite == "reset-and-new":
        assert sorted(cold.revisions) == ["R-1", "R-3"]


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
