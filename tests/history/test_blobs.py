"""blobs.py: a blob's records are what loading.py makes of the same text, version after version;
blobs that cannot be read are reported and skipped; the parse worker changes nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from guidelines_tool.history import (
    VersionMemo,
    parse_blob,
    read_history,
)
from guidelines_tool.loading import parse_file_text
from tests.gitrepo import CONFIG, RULES, TASK, commit, git, inline_rules, make_repo, rule_yaml, run_cli, task_yaml
from tests.history.answers import changes_of, revision_keys, snapshot

run = run_cli


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
    files = sorted(Path(__file__).parents[2].glob("sample_guidelines/guidelines/**/*.yaml"))
    assert files
    memo = VersionMemo()
    for file in files:
        data = file.read_bytes()
        assert records(parse_blob(data, file.name, memo)) == loaded(data.decode(), file.name), file


def test_windows_line_ends_parse_as_the_loader_reads_them() -> None:
    """CRLF files (committed from Windows without autocrlf) are read as YAML reads them; a
    lone CR is a line break of its own, and CR CR LF two."""
    files = sorted(Path(__file__).parents[2].glob("sample_guidelines/guidelines/**/*.yaml"))
    texts = [file.read_text(encoding="utf-8") for file in files] + [t for t in TRICKY.values() if "\r" not in t]
    memo = VersionMemo()
    for text in texts:
        for variant in (text.replace("\n", "\r\n"), text.replace("\n", "\r\r\n"), text.replace("\n", "\r", 3)):
            data = variant.encode()
            assert records(parse_blob(data, "g/x.yaml", memo)) == loaded(variant, "g/x.yaml"), variant


def test_broken_yaml_in_an_old_commit_is_reported_and_skipped(repo: Path) -> None:
    commit(repo, "break it", {f"{RULES}/r1.yaml": "kind: rule\nid: R-1\nwhen: [unclosed\n"})
    commit(repo, "fix it", {f"{RULES}/r1.yaml": rule_yaml("R-1", when="Fixed.")})
    history = read_history(repo, use_cache=False)
    assert changes_of(history, "R-1") == [("added", "minor", ()), ("changed", "minor", ("when",))]
    (problem,) = history.problems
    assert problem.path == f"{RULES}/r1.yaml" and problem.code == "GL001"
    assert history.commits[1].short in problem.message
    assert history.rules_at(history.commits[1].sha)["R-1"].when == "Both are visible."


def test_cold_run_reports_progress_while_blobs_are_parsed(repo: Path) -> None:
    for n in range(3):
        commit(repo, f"edit {n}", {f"{RULES}/r1.yaml": rule_yaml("R-1", when=f"Text {n}.")})
    calls: list[tuple[int, int]] = []
    read_history(repo, use_cache=False, progress=lambda done, total: calls.append((done, total)))
    # the blobs (task file, four rule versions; the config is outside the folder), then the
    # replay of four commits
    assert calls == [(5, 5), (4, 4)]


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


def test_a_rule_file_moved_into_git_lfs_is_reported_not_removed(repo: Path) -> None:
    # What `git lfs track '*.yaml'` commits in place of the file (no git-lfs needed to build it).
    pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:"
               "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 352\n")
    commit(repo, "track YAML in LFS", {f"{RULES}/r1.yaml": pointer})
    history = read_history(repo, use_cache=False)
    assert [r.change for r in history.revisions["R-1"]] == ["added"]  # not "removed"
    [problem] = history.problems
    assert problem.path == f"{RULES}/r1.yaml" and "Git LFS" in problem.message


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


# --- the second process ------------------------------------------------------------------------


def _many_versions(tmp_path: Path) -> Path:
    """A history of a few dozen blobs: rule files edited, renamed, moved into the task file."""
    repo = make_repo(tmp_path / "many", {"guidelines.yaml": CONFIG, TASK: task_yaml(),
                                         **{f"{RULES}/r{i}.yaml": rule_yaml(f"R-{i}") for i in range(12)}})
    for n in range(8):
        commit(repo, f"edit {n}", {f"{RULES}/r{i}.yaml": rule_yaml(f"R-{i}", rationale=f"Take {n}.") for i in range(n, 12, 3)})
    commit(repo, "move two inline", {f"{RULES}/r0.yaml": None, f"{RULES}/r1.yaml": None,
                                     TASK: task_yaml(inline=inline_rules(rule_yaml("R-0"), rule_yaml("R-1", decision="b")))})
    commit(repo, "rename", {f"{RULES}/r2.yaml": None, f"{RULES}/two.yaml": rule_yaml("R-2", when="Renamed.")})
    return repo


def test_the_parse_worker_changes_no_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read whose blobs a second process parsed (from the first blob on) answers as one
    read in a single process."""
    import guidelines_tool.history.blobs as blobs

    if not blobs.SECOND_PROCESS:
        pytest.skip("no fork on this system: every blob is parsed in one process")
    repo = _many_versions(tmp_path)
    monkeypatch.setattr(blobs, "SECOND_PROCESS", False)
    alone = read_history(repo, use_cache=False)
    started = []
    real_start = blobs._Worker.start
    monkeypatch.setattr(blobs._Worker, "start", classmethod(lambda cls: started.append(1) or real_start.__func__(cls)))
    monkeypatch.setattr(blobs, "SECOND_PROCESS", True)
    monkeypatch.setattr(blobs, "WORKER_AFTER", 0)
    both = read_history(repo, use_cache=False)
    assert started == [1]
    assert snapshot(both) == snapshot(alone)
    assert revision_keys(both) == revision_keys(alone)
    assert [(r.rule_id, r.previous, r.rule) for revs in both.revisions.values() for r in revs] == [
        (r.rule_id, r.previous, r.rule) for revs in alone.revisions.values() for r in revs]


def _blobs_of(repo: Path) -> list[tuple[str, str, bytes]]:
    """(blob id, path, contents) of every YAML file version in the repository's history."""
    found = {}
    for line in git(repo, "log", "--raw", "--no-abbrev", "--format=").splitlines():
        meta, _, path = line.partition("\t")
        blob = meta.split()[3] if meta.startswith(":") else ""
        if path.endswith(".yaml") and blob.strip("0"):
            found[blob] = path
    return [(blob, path, subprocess.run(["git", "cat-file", "blob", blob], cwd=repo, capture_output=True, check=True).stdout)
            for blob, path in found.items()]


def test_a_worker_that_dies_loses_no_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    import guidelines_tool.history.blobs as blobs

    if not blobs.SECOND_PROCESS:
        pytest.skip("no fork on this system")
    monkeypatch.setattr(blobs, "WORKER_AFTER", 0)
    versions = _blobs_of(_many_versions(tmp_path))
    known: dict = {}
    parser = blobs.BlobParser(known, VersionMemo())
    for blob, path, data in versions:
        parser.add(blob, path, data)
    assert parser.worker is not None and parser.worker.given  # the worker had blobs to parse
    os.kill(parser.worker.pid, signal.SIGKILL)
    parser.finish()
    assert sorted(known) == sorted(blob for blob, _, _ in versions)
    for blob, path, data in versions:
        assert records(known[blob]) == loaded(data.decode(), path), path


def test_an_error_before_the_end_stops_the_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import guidelines_tool.history.blobs as blobs

    if not blobs.SECOND_PROCESS:
        pytest.skip("no fork on this system")
    monkeypatch.setattr(blobs, "WORKER_AFTER", 0)
    versions = _blobs_of(_many_versions(tmp_path))
    with pytest.raises(KeyboardInterrupt), blobs.BlobParser({}, VersionMemo()) as parser:
        for blob, path, data in versions:
            parser.add(blob, path, data)
        worker = parser.worker
        raise KeyboardInterrupt  # ^C while git is read
    assert parser.worker is None
    with pytest.raises(ChildProcessError):  # reaped: no process left behind
        os.waitpid(worker.pid, os.WNOHANG)


def test_no_worker_is_forked_while_other_threads_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked process keeps only the forking thread: locks other threads hold would stay
    held in the worker, so a process with threads (a server) parses in one process."""
    import threading

    import guidelines_tool.history.blobs as blobs

    monkeypatch.setattr(blobs, "WORKER_AFTER", 0)
    repo = _many_versions(tmp_path)
    started = []
    real_start = blobs._Worker.start
    monkeypatch.setattr(blobs._Worker, "start", classmethod(lambda cls: started.append(1) or real_start.__func__(cls)))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        history = read_history(repo, use_cache=False)
    finally:
        stop.set()
        thread.join()
    assert started == [] and "R-2" in history.revisions
