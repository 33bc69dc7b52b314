"""Tags and releases along the line: several tags on a commit, tags of trees and blobs, tags off
the line, names that look like versions or shas (History, changelog and release)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guidelines_tool.history import (
    compare,
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


def test_resolve_sha_prefix_tag_and_version(repo: Path) -> None:
    head = commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="New.")})
    tag(repo, "v1.2.0", message="release")
    tag(repo, "light", "HEAD~1")
    history = read_history(repo, use_cache=False)
    assert history.resolve(head).sha == head
    assert history.resolve(head[:8]).sha == head
    assert history.resolve("v1.2.0").sha == head
    assert history.resolve("1.2.0").sha == head
    assert history.resolve("light").sha == history.commits[0].sha
    assert history.resolve("nope") is None
    assert history.resolve("abc") is None  # too short to be a sha prefix
    assert [name for name, _, _ in history.releases()] == ["v1.2.0"]
    # diff takes a release version as history does (log/impact --since accept `1.2.0` too)
    assert compare(repo, "1.2.0").old_label == "1.2.0"
    assert [c.fields for c in compare(repo, "HEAD~1", "1.2.0").diff.rules] == [("rationale",)]


def test_release_tag_off_the_line_is_noted(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, "side", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    tag(repo, "v9.0.0")
    git(repo, "checkout", "-q", "main")
    history = read_history(repo, use_cache=False)
    assert history.releases() == [] and history.resolve("v9.0.0") is None
    assert history.notes == ["release tag v9.0.0 is not on the first-parent line of main: "
                             "left out of changelogs and version numbering"]


def test_release_tags_named_like_a_branch_or_tagging_a_tag_count(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "branch", "v1.0.0")  # git then shortens the tag's name to tags/v1.0.0
    tag(repo, "v1.0.0", message="first")
    second = commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="X.")})
    tag(repo, "inner", message="a tag")
    tag(repo, "v1.1.0", "inner", message="a tag of a tag")  # peeled twice to reach the commit
    history = read_history(repo, use_cache=False)
    assert [(name, c.sha) for name, _, c in history.releases()] == [("v1.0.0", first), ("v1.1.0", second)]
    assert history.notes == []
