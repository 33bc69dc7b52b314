"""git.py: the pure parsers of git's output, and reading odd git output end to end (separators in
messages and paths, bytes that are not UTF-8, signatures, a user's log settings, big requests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    CONFIG,
    RULES,
    TASK,
    commit,
    git,
    make_repo,
    rule_yaml,
    run_cli,
    task_yaml,
)
from tests.history.answers import changes_of

run = run_cli


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


def test_a_users_log_output_encoding_does_not_garble_names_and_messages(repo: Path) -> None:
    commit(repo, "Präzisierung", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Genauer.")}, author="Zoë")
    git(repo, "config", "i18n.logOutputEncoding", "ISO-8859-1")
    history = read_history(repo, use_cache=False)
    assert (history.tip.author, history.tip.message) == ("Zoë", "Präzisierung")


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


ROOT = Path(__file__).resolve().parents[2]


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


def test_commit_message_in_latin1_bytes_gives_valid_json(repo: Path) -> None:
    (repo / RULES / "r1.yaml").write_text(rule_yaml("R-1", rationale="Other."), encoding="utf-8")
    (repo / "msg").write_bytes(b"R\xe9vision du r\xe8glement\n")
    git(repo, "add", RULES)
    git(repo, "commit", "-q", "-F", "msg")
    code, out, err = run("log", "R-1", "--format", "json")
    assert code == 0, err
    message = json.loads(out)["revisions"][0]["message"]
    assert message.startswith("R") and message.endswith("glement") and len(message) == len("Révision du règlement")


def test_file_names_with_a_newline_or_tab(repo: Path) -> None:
    commit(repo, "odd names", {f"{RULES}/a\nb.yaml": rule_yaml("R-2"), f"{RULES}/c\td.yaml": rule_yaml("R-3")})
    code, out, err = run("log", "R-2", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["revisions"][0]["path"] == f"{RULES}/a\nb.yaml"
    history = read_history(repo, use_cache=False)
    assert history.revisions["R-3"][0].path == f"{RULES}/c\td.yaml"


# --- writing: the repositories the tool creates ---------------------------------------------------


def test_commits_the_tool_writes_are_the_same_wherever_they_are_written(tmp_path: Path) -> None:
    """`demo` replays a story into a new repository: the commit ids must not depend on the
    machine (its git config: signing, hooks) or on the message's last newline."""
    from guidelines_tool.history import commit_all, init_repository, tag_commit

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    shas = []
    for name, signing in (("plain", False), ("signing", True)):
        root = tmp_path / name
        init_repository(root, branch="trunk")
        if signing:  # a user who signs every commit, with a key that does not exist
            git(root, "config", "commit.gpgsign", "true")
            git(root, "config", "user.signingkey", "no-such-key")
        (root / "f.txt").write_text("one\n", encoding="utf-8")
        first = commit_all(root, "First\n\n# not a comment, no final newline", author="Ann Lead",
                           email="ann@example.com", when=when)
        (root / "f.txt").unlink()
        (root / "g.txt").write_text("two\n", encoding="utf-8")
        second = commit_all(root, "Second", author="Bo", email="bo@example.com", when=when + timedelta(hours=1))
        tag_commit(root, "v1.0.0", first)
        shas.append((first, second))
        assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/trunk"
        assert git(root, "rev-parse", "HEAD", "HEAD~1", "v1.0.0").split() == [second, first, first]
        raw = git(root, "cat-file", "commit", first)
        assert "author Ann Lead <ann@example.com> 1767315845 +0200\ncommitter Ann Lead <ann@example.com> 1767315845 +0200\n" in raw
        assert raw.endswith("\n\nFirst\n\n# not a comment, no final newline")
        assert git(root, "ls-tree", "--name-only", second).split() == ["g.txt"]  # the deletion is committed
    assert shas[0] == shas[1]
