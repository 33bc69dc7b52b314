"""Rule history on real repositories built with fixed dates (tests/gitrepo.py)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from guidelines_tool.errors import HistoryError
from guidelines_tool.history import (
    BatchReader,
    FileChange,
    LogReader,
    compare,
    parse_batch_output,
    parse_log,
    parse_raw_changes,
    parse_refs,
    read_history,
    read_tree,
)
from tests.gitrepo import (
    RULES,
    TASK,
    one_rule_repo,
    BASE_DATE,
    CONFIG,
    commit,
    git,
    inline_rules,
    make_repo,
    merge,
    rule_yaml,
    tag,
    task_yaml,
)



def changes_of(history, rule_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.change, r.level, r.fields) for r in history.revisions[rule_id]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return one_rule_repo(tmp_path / "repo")


# --- pure parsers -----------------------------------------------------------------------------

A, B = "a" * 40, "b" * 40
Z = "0" * 40


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"\n:000000 100644 {Z} {A} A\0g/x.yaml\0", [FileChange("A", None, "g/x.yaml", None, A)]),
        (f":100644 100644 {A} {B} M\0g/x.yaml\0", [FileChange("M", "g/x.yaml", "g/x.yaml", A, B)]),
        (f":100644 000000 {A} {Z} D\0g/x.yaml\0", [FileChange("D", "g/x.yaml", None, A, None)]),
        (f":100644 100644 {A} {B} R087\0g/old.yaml\0g/new.yaml\0", [FileChange("R", "g/old.yaml", "g/new.yaml", A, B)]),
        (f":100644 100644 {A} {A} C100\0g/a b.yaml\0g/c.yaml\0", [FileChange("C", "g/a b.yaml", "g/c.yaml", A, A)]),
        (
            f":100644 100644 {A} {B} M\0x.yaml\0\n:000000 100644 {Z} {A} A\0y.yaml\0",
            [FileChange("M", "x.yaml", "x.yaml", A, B), FileChange("A", None, "y.yaml", None, A)],
        ),
        ("\0\n", []),
        ("", []),
    ],
)
def test_parse_raw_changes(raw: str, expected: list[FileChange]) -> None:
    assert list(parse_raw_changes(raw)) == expected


def test_parse_log_reads_header_message_and_changes() -> None:
    text = (
        f"\x1e{A}\x1f\x1f2026-01-01T00:00:00+00:00\x1fAnn\x1fann@x\x1fFirst\n\nbody | with: colons\n\x1f\0\n"
        f":000000 100644 {Z} {B} A\0g/r.yaml\0"
        f"\x1e{B}\x1f{A} {Z}\x1f2026-01-02T10:00:00+02:00\x1fBo\x1fbo@x\x1fMerge\n\x1f\0"
    )
    first, second = parse_log(text)
    assert first.commit.sha == A and first.commit.parents == ()
    assert first.commit.message == "First\n\nbody | with: colons"
    assert first.commit.subject == "First"
    assert first.changes == (FileChange("A", None, "g/r.yaml", None, B),)
    assert second.commit.parents == (A, Z) and second.changes == ()
    assert second.commit.date == datetime(2026, 1, 2, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize("size", [1, 3, 17, 64, 100_000])
def test_log_read_in_pieces_of_any_size_gives_the_same_entries(size: int) -> None:
    # paths that look like headers and like change records, a rename, a non-UTF-8 name
    # (its bytes may be cut between pieces), a message holding the separators
    text = (
        f"\x1e{A}\x1f\x1f2026-01-01T00:00:00+00:00\x1fAnn\x1fann@x\x1fFirst \x1e and \x1f\n\x1f\0\n"
        f":000000 100644 {Z} {B} A\0g/\x1e{A}.yaml\0:000000 100644 {Z} {B} A\0g/:100644.yaml\0"
        f":100644 100644 {A} {B} R090\0g/old.yaml\0g/new \udce9.yaml\0"
        f"\x1e{B}\x1f{A}\x1f2026-01-02T10:00:00+02:00\x1fBo\x1fbo@x\x1fEmpty\n\x1f\0"
        f"\x1e{Z}\x1f{B}\x1f2026-01-03T10:00:00+02:00\x1fCy\x1fcy@x\x1fLast\n\x1f\0\n"
        f":100644 000000 {A} {Z} D\0g/\x1e.yaml\0"
    )
    data = text.encode("utf-8", "surrogateescape")
    reader = LogReader()
    entries = [entry for start in range(0, len(data), size) for entry in reader.feed(data[start : start + size])]
    entries += reader.close()
    assert entries == parse_log(text)
    assert [len(entry.changes) for entry in entries] == [3, 0, 1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"v1.0.0\0{A}\0{B}\n", {"v1.0.0": B}),  # annotated: peeled to the commit
        (f"light\0{A}\0\n", {"light": A}),
        ("", {}),
    ],
)
def test_parse_refs(text: str, expected: dict[str, str]) -> None:
    assert parse_refs(text) == expected


def test_parse_batch_output_handles_missing_and_binary() -> None:
    data = f"{A} blob 3\nab\n\n{B} missing\n{Z} blob 0\n\n".encode()
    assert parse_batch_output(data) == {A: b"ab\n", Z: b""}


@pytest.mark.parametrize("size", [1, 2, 5, 13, 1000])
def test_batch_output_read_in_pieces_of_any_size(size: int) -> None:
    # an object's contents may hold its own header's shape, newlines and NULs
    tricky = f"{A} blob 3\n\0x\n".encode()
    data = f"{A} blob 3\nab\n\n{B} missing\n{Z} blob 0\n\n{B} blob {len(tricky)}\n".encode() + tricky + b"\n"
    reader = BatchReader()
    found = [item for start in range(0, len(data), size) for item in reader.feed(data[start : start + size])]
    reader.close()
    assert found == [(A, b"ab\n"), (Z, b""), (B, tricky)]


def test_batch_output_cut_inside_an_object_is_an_error() -> None:
    reader = BatchReader()
    assert reader.feed(f"{A} blob 3\nab\n\n{B} blob 9\nabc".encode()) == [(A, b"ab\n")]
    with pytest.raises(HistoryError):
        reader.close()


def test_messages_and_paths_holding_the_log_separators(repo: Path) -> None:
    # A commit message may hold any byte but NUL (\x1e, \x1f included); a path anything but NUL.
    odd = f"{RULES}/odd \x1e name\x1f ü.yaml"
    commit(repo, "weird \x1e subject\x1f end\n\nbody ü", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="X.")})
    commit(repo, "\x1e" + "a" * 40 + "\x1f", {odd: rule_yaml("R-2")})
    commit(repo, "last", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Y.")})
    history = read_history(repo, use_cache=False)
    assert [c.message for c in history.commits] == [
        "initial guidelines", "weird \x1e subject\x1f end\n\nbody ü", "\x1e" + "a" * 40 + "\x1f", "last",
    ]
    assert changes_of(history, "R-1")[1:] == [("changed", "minor", ("when",))] * 2
    assert [r.path for r in history.revisions["R-2"]] == [odd]


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


def test_file_name_that_is_not_utf8_is_the_same_file_in_git_and_on_disk(repo: Path) -> None:
    # Python names such a file with surrogate escapes; git's bytes must decode the same way,
    # or diff against the working tree reports a move that never happened.
    name = os.fsdecode(b"caf\xe9.yaml")
    (repo / RULES / name).write_text(rule_yaml("R-2"), encoding="utf-8")
    commit(repo, "latin-1 file name \xe9")
    assert compare(repo).diff.rules == ()
    history = read_history(repo, use_cache=False)
    assert [r.path for r in history.revisions["R-2"]] == [f"{RULES}/{name}"]
    assert read_tree(repo, "HEAD")[0]["R-2"].source.path == f"{RULES}/{name}"


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


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen to sign commits")
def test_signed_commits_with_log_show_signature_configured(repo: Path, tmp_path: Path) -> None:
    # log.showSignature=true makes git log print verification lines into its output.
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "key")], check=True)
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(tmp_path / "key"))
    git(repo, "config", "commit.gpgsign", "true")
    commit(repo, "signed edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="X.")})
    commit(repo, "signed edit 2", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Y.")})
    git(repo, "config", "log.showSignature", "true")
    history = read_history(repo, use_cache=False)
    assert [c.message for c in history.commits] == ["initial guidelines", "signed edit", "signed edit 2"]
    assert changes_of(history, "R-1")[1:] == [("changed", "minor", ("when",))] * 2


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


def test_symlink_loops_are_files_that_do_not_exist(repo: Path) -> None:
    # As in the work tree (ELOOP): no rules from them, and no endless resolving.
    (repo / RULES / "a.yaml").symlink_to("b.yaml")
    (repo / RULES / "b.yaml").symlink_to("a.yaml")
    (repo / RULES / "self.yaml").symlink_to("self.yaml")
    commit(repo, "loops")
    assert set(read_history(repo, use_cache=False).revisions) == {"R-1"}
    assert compare(repo, "HEAD~1", "HEAD").diff.rules == () and compare(repo).diff.rules == ()


# --- identity across renames, moves, splits, merges ---------------------------------------------


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


def test_broken_yaml_in_an_old_commit_is_reported_and_skipped(repo: Path) -> None:
    commit(repo, "break it", {f"{RULES}/r1.yaml": "kind: rule\nid: R-1\nwhen: [unclosed\n"})
    commit(repo, "fix it", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Fixed.")})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1") == [("added", "minor", ()), ("changed", "minor", ("when",))]
    (problem,) = history.problems
    assert problem.path == f"{RULES}/r1.yaml" and problem.code == "GL001"
    assert history.commits[1].short in problem.message
    assert history.rules_at(history.commits[1].sha)["R-1"].when == "Both are visible."


def test_project_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    top = make_repo(tmp_path / "mono", {"README": "x", "labeling/guidelines.yaml": CONFIG,
                                        "labeling/guidelines/t/task.yaml": task_yaml(),
                                        "labeling/guidelines/t/rules/r.yaml": rule_yaml("R-1")})
    commit(top, "elsewhere", {"guidelines/t/rules/x.yaml": rule_yaml("X-1")})  # outside the project
    history = read_history(top / "labeling", use_cache=False)
    assert list(history.revisions) == ["R-1"]
    assert history.revisions["R-1"][0].path == "guidelines/t/rules/r.yaml"


# --- states, lookups, tasks ---------------------------------------------------------------------


def test_rules_at_tasks_at_commit_at_and_task_change_commits(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    second = commit(repo, "add label c", {TASK: task_yaml(labels=("a", "b", "c"))})
    commit(repo, "unrelated", {"README.md": "hello"})
    fourth = commit(repo, "edit rule", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="New.")})
    history = read_history(repo, use_cache=False)
    assert history.rules_at(None) == {}
    assert history.rules_at(first)["R-1"].rationale == "Because."
    assert history.rules_at(fourth)["R-1"].rationale == "New."
    assert history.tasks_at(first)["t"].label_ids == ("a", "b")
    assert history.tasks_at(second)["t"].label_ids == ("a", "b", "c")
    assert history.task_revisions["t"][-1].level == "minor"
    assert [c.sha for c in history.task_change_commits("t")] == [first, second, fourth]
    assert history.commit_at(BASE_DATE - timedelta(seconds=1)) is None
    assert history.commit_at(BASE_DATE + timedelta(minutes=90)).sha == second
    assert history.commit_at(BASE_DATE + timedelta(days=9)).sha == fourth
    assert len(history.commits) == 4


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


# --- refusals and notes -----------------------------------------------------------------------


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


@pytest.mark.parametrize("rev", ["nope", "--output=/tmp/x", "HEAD~99", ""])
def test_unknown_revision(repo: Path, rev: str) -> None:
    with pytest.raises(HistoryError, match="unknown revision"):
        read_tree(repo, rev)


# --- the cache --------------------------------------------------------------------------------


def snapshot(history) -> tuple:
    return (
        [c.sha for c in history.commits],
        {k: [(r.commit.sha, r.change, r.level, r.fields, r.path, r.rule) for r in v] for k, v in history.revisions.items()},
        history.problems,
        {k: [(r.commit.sha, r.change, r.task) for r in v] for k, v in history.task_revisions.items()},
    )


def test_cache_changes_no_output_and_warm_runs_read_only_new_commits(repo: Path) -> None:
    commit(repo, "broken", {f"{RULES}/r2.yaml": "id: [\n"})
    cold = read_history(repo)
    cache = repo / ".git" / "guidelines-cache"
    assert any(cache.iterdir())
    assert snapshot(read_history(repo)) == snapshot(cold)
    commit(repo, "more", {f"{RULES}/r2.yaml": rule_yaml("R-2"), f"{RULES}/r1.yaml": None})
    calls: list[tuple[int, int]] = []
    warm = read_history(repo, progress=lambda done, total: calls.append((done, total)))
    assert calls and all(total <= 2 for _, total in calls)  # only the new commit and its blob
    assert snapshot(warm) == snapshot(read_history(repo, use_cache=False))
    shutil.rmtree(cache)
    assert snapshot(read_history(repo)) == snapshot(warm)
    for file in cache.iterdir():
        file.write_bytes(b"garbage")
    assert snapshot(read_history(repo)) == snapshot(warm)
    assert "guidelines-cache" not in git(repo, "status", "--porcelain", "--ignored")


def test_cache_rebuilds_after_history_is_rewritten(repo: Path) -> None:
    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="One.")})
    read_history(repo)
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    commit(repo, "other edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Two.")})
    history = read_history(repo)
    assert snapshot(history) == snapshot(read_history(repo, use_cache=False))
    assert history.rules_at(history.tip.sha)["R-1"].rationale == "Two."


def test_the_cache_fingerprint_covers_every_module_the_records_depend_on() -> None:
    """The files hashed are found from the import statements (a regular expression, for
    speed): an independent reading with `ast` of every file found, imports inside functions
    included, names no guidelines_tool module that is not in the list."""
    import ast

    import guidelines_tool
    from guidelines_tool.history.cache import code_modules

    top = Path(guidelines_tool.__file__).parent
    found = set(code_modules(top / "history"))
    assert {top / "loading.py", top / "model.py", top / "diffing.py"} <= found
    assert set((top / "history").glob("*.py")) <= found
    for path in found:
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("guidelines_tool"):
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names if alias.name.startswith("guidelines_tool")]
            else:
                continue
            for name in names:
                where = top.parent.joinpath(*name.split("."))
                for module in (where.with_suffix(".py"), where / "__init__.py"):
                    assert not module.is_file() or module in found, (path, name)


def test_the_cache_fingerprint_is_the_same_from_any_folder(tmp_path: Path, monkeypatch) -> None:
    """A command run in the project's folder and one run elsewhere share the cache."""
    from guidelines_tool.history.cache import code_fingerprint

    here = code_fingerprint.__wrapped__()
    monkeypatch.chdir(tmp_path)
    assert code_fingerprint.__wrapped__() == here


# --- a blob's records are what the loader makes of the same text --------------------------------

from guidelines_tool.history import VersionMemo, parse_blob  # noqa: E402
from guidelines_tool.loading import parse_file_text  # noqa: E402

TRICKY = {
    "plain rule": rule_yaml("R-1"),
    "block scalars and folded": "kind: rule\nid: R-1\nwhen: |\n  line one\n\n  line two\nrationale: >-\n  folded\n  text\n",
    "keep chomping before next key": "kind: rule\nid: R-1\nwhen: |+\n  kept\n\n\nrationale: x\n",
    "sequence at column 0": "kind: rule\nid: R-1\nlabels:\n- a\n- b\nwhen: x\n",
    "comments between keys": "# modeline\nkind: rule\n# about id\nid: R-1\nwhen: x  # trailing\n",
    "document start marker": "---\nkind: rule\nid: R-1\nwhen: x\n",
    "document end marker": "kind: rule\nid: R-1\n...\n",
    "anchors and aliases": "kind: rule\nid: R-1\nwhen: &w text\nrationale: *w\n",
    "merge key": "kind: task\nid: t\nbase: &b {name: A}\nlabels:\n  - <<: *b\n    id: a\n",
    "tagged value": "kind: rule\nid: R-1\nwhen: !!str 12\n",
    "duplicate key": "kind: rule\nid: R-1\nid: R-2\n",
    "yaml 1.2 booleans and numbers": "kind: rule\nid: R-1\ndecision: no\ntitle: 1.0\nwhen: on\n",
    "dates become strings": "kind: rule\nid: R-1\nambiguous_cases:\n  - {case: c, resolution: r, decided: 2026-10-02}\n",
    "quoted multi-line": 'kind: rule\nid: R-1\nwhen: "first\n  second"\nrationale: x\n',
    "flow mapping over lines": "kind: rule\nid: R-1\nexamples: [{input: a,\n  label: a}]\n",
    "task with inline rules": task_yaml(inline=inline_rules(rule_yaml("R-1"), rule_yaml("R-2", decision="b"))),
    "not a mapping": "- a\n- b\n",
    "broken": "kind: rule\nid: [R-1\n",
    "empty": "",
    "only comments": "# nothing\n",
    "byte order mark": "\ufeffkind: rule\nid: R-1\n",
    "key that resolves to a bool": "kind: rule\nid: R-1\ntrue: x\n",
    "tab indentation": "kind: rule\nid: R-1\nlabels:\n\t- a\n",
    "windows line ends": "kind: rule\r\nid: R-1\r\nlabels:\r\n  - a\r\nwhen: |\r\n  x\r\n",
    "plain scalars that resolve": "kind: rule\nid: R-1\ntitle: 12\nwhen: -3.5\nrationale: null\nlabels: ~\ndecision: 2026-01-02\n",
    "plain scalar with trailing spaces": "kind: rule\nid: R-1\ntitle: A (b), c/d - e's   \n",
    "literal block with deeper lines": "kind: rule\nid: R-1\nwhen: |\n  one # not a comment\n    two: deeper\n  three\nrationale: x\n",
    "literal block, shallower line": "kind: rule\nid: R-1\nwhen: |\n    one\n  two\nrationale: x\n",
    "literal block at end without newline": "kind: rule\nid: R-1\nwhen: |\n  one\n  two",
    "literal block with blank line": "kind: rule\nid: R-1\nwhen: |\n  one\n\n  two\nrationale: x\n",
    "literal strip and indicator": "kind: rule\nid: R-1\nwhen: |-\n  one\nrationale: |2\n   two\n",
    "key that resolves to null": "kind: rule\nid: R-1\nnull: x\n",
    "flow items": 'kind: rule\nid: R-1\nlabels: [a, "b", 3]\nexamples:\n  - {input: "x, y", label: a, why: 1.5}\n  - {input: z, label: b}\n',
    "flow mapping with a repeated key": "kind: rule\nid: R-1\nexamples:\n  - {input: a, input: b}\n",
    "items at two indentations": "kind: rule\nid: R-1\nlabels:\n  - a\n- b\n",
    "empty flow collections": "kind: rule\nid: R-1\nlabels: []\nexamples:\n  - {}\n",
}


def records(blob) -> tuple:
    rules = tuple(version.rule() for version in blob.rules)
    sources = [r.source for r in rules] + [t.source for t in blob.tasks]
    sources += [e.source for r in rules for e in r.examples + r.counterexamples]
    return rules, tuple(blob.tasks), sources, blob.ok


def loaded(text: str, path: str) -> tuple:
    """`records` of what `loading.parse_file_text` makes of the text (ok: it could be read)."""
    parsed = parse_file_text(text, path)
    sources = [r.source for r in parsed.rules] + [t.source for t in parsed.tasks]
    sources += [e.source for r in parsed.rules for e in r.examples + r.counterexamples]
    readable = parsed.data is not None or all(f.name == "empty-file" for f in parsed.findings)
    return tuple(parsed.rules), tuple(parsed.tasks), sources, readable


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_blob_records_equal_the_loaders(name: str) -> None:
    text = TRICKY[name]
    whole = loaded(text, "g/x.yaml")
    assert records(parse_blob(text.encode(), "g/x.yaml")) == whole
    memo = VersionMemo()
    # a neighbour version first, so the tricky text is read against a previous version too
    parse_blob(rule_yaml("R-1").encode(), "g/x.yaml", memo)
    assert records(parse_blob(text.encode(), "g/x.yaml", memo)) == whole
    # the same text under another name (a rename) with the same memo: every source moves along
    assert records(parse_blob(text.encode(), "g/y.yaml", memo)) == loaded(text, "g/y.yaml")


TASK_VERSIONS = {
    "one inline rule edited": [
        task_yaml(inline=inline_rules(rule_yaml("R-1"), rule_yaml("R-2"), rule_yaml("R-3"))),
        task_yaml(inline=inline_rules(rule_yaml("R-1"), rule_yaml("R-2", decision="b"), rule_yaml("R-3"))),
        task_yaml(inline=inline_rules(rule_yaml("R-3"), rule_yaml("R-1"))),
    ],
    "an item's quoted scalar continues at the items' indentation": [
        "kind: task\nid: t\nrules:\n  - id: R-1\n    when: x\n  - id: R-2\n    when: y\n",
        'kind: task\nid: t\nrules:\n  - id: R-1\n    when: "x\n  - id: R-2\n    when: y"\n  - id: R-2\n    when: y\n',
    ],
    "inline rules read entry by entry": [
        "kind: task\nid: t\nrules:\n  - id: R-1\n    when: |\n      one\n\n      two\n    labels: [a, b]\n  - id: R-2\n",
        # the same first item, the second with a sequence at its keys' column and a comment
        "kind: task\nid: t\nrules:\n  - id: R-1\n    when: |\n      one\n\n      two\n    labels: [a, b]\n"
        "  - id: R-2\n    examples:\n    - {input: x, label: a}\n    # about it\n    title: T\n",
        # a comment left of the keys, a duplicate key, a scalar item, wider `-   ` markers
        "kind: task\nid: t\nrules:\n  - id: R-2\n  - id: R-1\n# left\n    when: x\n  - id: R-2\n    id: R-3\n"
        "  - plain\n  -   id: R-4\n      when: |\n        deep\n      rationale: r\n",
        "kind: task\nid: t\nrules:\n  - id: R-4\n    when: &w x\n    rationale: *w\n  -   id: R-4\n      when: y\n",
    ],
    "items at column 0, one broken": [
        "kind: task\nid: t\nrules:\n- id: R-1\n  when: x\n- id: R-2\n",
        "kind: task\nid: t\nrules:\n- id: R-1\n  when: x\n- id: [R-2\n",
        "kind: task\nid: t\nrules:\n- id: R-1\n  when: x\n-\n  id: R-2\n",
    ],
}


@pytest.mark.parametrize("name", sorted(TASK_VERSIONS))
def test_versions_parsed_with_one_memo_equal_the_loaders(name: str) -> None:
    memo = VersionMemo()
    for text in TASK_VERSIONS[name]:
        assert records(parse_blob(text.encode(), "g/t.yaml", memo)) == loaded(text, "g/t.yaml")


def test_sample_project_files_parse_as_the_loader_reads_them() -> None:
    files = sorted(Path(__file__).parent.parent.glob("sample_guidelines/guidelines/**/*.yaml"))
    assert files
    memo = VersionMemo()
    for file in files:
        data = file.read_bytes()
        assert records(parse_blob(data, file.name, memo)) == loaded(data.decode(), file.name), file


def test_windows_line_ends_parse_as_the_loader_reads_them() -> None:
    """CRLF files (committed from Windows without autocrlf) are read as YAML reads them; a
    lone CR is a line break of its own, and CR CR LF two."""
    files = sorted(Path(__file__).parent.parent.glob("sample_guidelines/guidelines/**/*.yaml"))
    texts = [file.read_text(encoding="utf-8") for file in files] + [t for t in TRICKY.values() if "\r" not in t]
    memo = VersionMemo()
    for text in texts:
        for variant in (text.replace("\n", "\r\n"), text.replace("\n", "\r\r\n"), text.replace("\n", "\r", 3)):
            data = variant.encode()
            assert records(parse_blob(data, "g/x.yaml", memo)) == loaded(variant, "g/x.yaml"), variant


def test_commit_at_takes_naive_times_as_utc_and_never_goes_back_in_time(repo: Path) -> None:
    late = commit(repo, "dated late", {f"{RULES}/r2.yaml": rule_yaml("R-2")}, date=BASE_DATE + timedelta(days=2))
    skewed = commit(repo, "clock skew", {f"{RULES}/r3.yaml": rule_yaml("R-3")}, date=BASE_DATE + timedelta(days=1))
    history = read_history(repo, use_cache=False)
    naive = (BASE_DATE + timedelta(days=1, hours=12)).replace(tzinfo=None)
    assert history.commit_at(naive).sha == history.commits[0].sha  # skewed commit sits after `late`
    assert history.commit_at(BASE_DATE + timedelta(days=3)).sha == skewed
    # at the late commit's time the skewed one (made after it on the line) is in effect too
    assert history.commit_at(BASE_DATE + timedelta(days=2)).sha == skewed
    assert history.commit_at(BASE_DATE + timedelta(days=2) - timedelta(seconds=1)).sha != late


def test_cache_written_by_other_code_is_ignored(repo: Path) -> None:
    import pickle

    read_history(repo)
    (cache_file,) = (repo / ".git" / "guidelines-cache").glob("history-*.pickle")
    reader = pickle.Unpickler(cache_file.open("rb"))
    reader.load()  # the code fingerprint
    walk, blobs = reader.load(), reader.load()
    walk.revisions.clear()  # what a stale loader's cache could hold
    cache_file.write_bytes(pickle.dumps("some older code") + pickle.dumps(walk) + pickle.dumps(blobs))
    assert read_history(repo).revisions
    cache_file.write_bytes(cache_file.read_bytes()[:100])  # a truncated file
    assert read_history(repo).revisions


# --- the replayed walk agrees with the trees themselves ------------------------------------------


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


# --- versions compared on their data differ where built rules differ ------------------------------

from guidelines_tool.diffing import changed_fields, classify_rule  # noqa: E402
from guidelines_tool.history.records import fields_changed  # noqa: E402

SCALARS = ["a", "product", "Two words", "x'y", "a - b", "a, b", "1", "1.5", "-2", "0x1F", "1e3", "true", "True",
           "no", "on", "null", "Null", "~", "2026-01-02", "2026-13-45", '"quoted, with: colon # hash"', '""',
           '"a\\"b"', "'single'", "a: b", "a #c", "[x]", "{x: y}", "*alias", "&anchor a", "!tag a", "%x", "@x",
           "`x`", "a ", "  a", "é", "a\tb", ".5", "+1", "=", "<<", "yes", "n", "0o17", ".inf", "-.nan",
           "it's", "'it''s'", "''", "'a # b'", "'x", "a;b — c ★", "a:b", "a:", "a :b", "a#b", "a # b", "a  b",
           "**bold** (see X-1)", "?x", ":x", "-x", "- x", "a\u2028b", "a\x85b", "\ufeffa", "\u00a0a", "a\u00a0",
           "50%", "a|b", "a>b", "<a>", "<<<", "2026-01-02 10:00:00", "1_000", "0b1", "TRUE", "nULL", "a{b}[c]"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_versions_compared_on_their_data_find_the_fields_built_rules_differ_in(seed: int) -> None:
    """Two versions of a rule file whose values YAML may read as text, numbers, booleans,
    null or dates (`1`, `1.0`, `true`, `'1'`, `~`, `2026-01-02`): the fields the history finds
    changed, comparing the versions' data (values shared with the previous version where they
    are the same), are the fields in which the two built Rules differ."""
    import random

    rng = random.Random(seed)

    def text(v: list[str]) -> bytes:
        return (f"kind: rule\nid: R-1\ntitle: {v[0]}\ndecision: {v[1]}\nlabels: [{v[2]}, {v[3]}]\n"
                f"when: {v[4]}\nunless:\n  - {v[5]}\nexamples:\n  - {{input: x, label: {v[6]}}}\n").encode()

    compared = 0
    for _ in range(1500):
        values = [rng.choice(SCALARS) for _ in range(7)]
        edited = [rng.choice(SCALARS) if rng.random() < 0.3 else value for value in values]
        memo = VersionMemo()
        old, new = parse_blob(text(values), "g/x.yaml", memo), parse_blob(text(edited), "g/x.yaml", memo)
        if not (old.rules and new.rules):
            continue  # not a rule file YAML reads (a value that breaks the line)
        compared += 1
        before, after = old.rules[0], new.rules[0]
        assert fields_changed(before, after) == changed_fields(before.rule(), after.rule()), (values, edited)
    assert compared > 150
def test_records_built_without_init_equal_constructed_ones(repo: Path) -> None:
    """The hot paths fill record dicts directly (history._record): every field is there, and
    each record equals, hashes and prints like the one its constructor makes."""
    import dataclasses

    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Other.")})
    history = read_history(repo, use_cache=False)
    revisions = [r for revs in history.revisions.values() for r in revs]
    records = [*history.commits, *revisions, *(r.rule for r in revisions if r.rule)]
    records += list(parse_raw_changes(f":100644 100644 {A} {B} M\0g/x.yaml\0"))
    records += [version.rule() for version in parse_blob(rule_yaml("R-1").encode(), "g/x.yaml", VersionMemo()).rules]
    records.append(parse_blob(rule_yaml("R-1").encode(), "g/x.yaml", VersionMemo()))
    assert {type(r).__name__ for r in records} == {"Commit", "RuleRevision", "Rule", "FileChange", "ParsedBlob"}
    for record in records:
        names = [f.name for f in dataclasses.fields(record)]
        assert list(vars(record)) == names, type(record)
        built = type(record)(**{name: getattr(record, name) for name in names})
        assert built == record and repr(built) == repr(record)


def test_cold_run_reports_progress_while_blobs_are_parsed(repo: Path) -> None:
    for n in range(3):
        commit(repo, f"edit {n}", {f"{RULES}/r1.yaml": rule_yaml("R-1", when=f"Text {n}.")})
    calls: list[tuple[int, int]] = []
    read_history(repo, use_cache=False, progress=lambda done, total: calls.append((done, total)))
    # the blobs (task file, four rule versions; the config is outside the folder), then the
    # replay of four commits
    assert calls == [(5, 5), (4, 4)]


# --- unbuilt rule versions classify as built ones do ----------------------------------------------

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


def test_more_requests_than_git_cat_files_pipe_holds(tmp_path: Path) -> None:
    """1,800 blobs in one commit: their ids (73 KB) overflow the 64 KB pipe to git cat-file,
    whose answers fill the pipe back while Python parses. Requests are written as the pipe
    takes them, with no thread: nothing may wait on anything forever, and every file is read."""
    files = {"guidelines.yaml": CONFIG, TASK: task_yaml()}
    files |= {f"{RULES}/r{i}.yaml": rule_yaml(f"R-{i}", rationale=f"Reason {i}.") for i in range(1800)}
    repo = make_repo(tmp_path / "r", files)
    history = read_history(repo, use_cache=False)
    assert len(history.revisions) == 1800
    assert history.rules_at(history.tip.sha)["R-1799"].rationale == "Reason 1799."


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
