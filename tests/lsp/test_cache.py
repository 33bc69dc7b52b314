"""The parse cache between sessions: reused only for the same text and the same code."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from guidelines_tool.lsp import cache
from guidelines_tool.lsp.state import ProjectState
from guidelines_tool.validation import validate

RULE1 = "guidelines/pps/rules/PPS-001.yaml"


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def session(root: Path) -> ProjectState:
    state = ProjectState(root, use_cache=True)
    state.findings()
    state.save_cache()
    return state


def test_a_second_session_reuses_the_parses(tmp_path: Path, write_project):
    root = write_project(tmp_path / "p")
    session(root)
    assert cache.cache_file(root).is_file()
    earlier = cache.load(root)
    state = ProjectState(root, use_cache=True)
    state.load()
    assert not state.cache_stale
    assert state.files[RULE1].parsed is not earlier[RULE1][0]  # another unpickling, the same parse
    assert state.files[RULE1].parsed.text == earlier[RULE1][0].text
    assert state.files[RULE1].schema == []  # the schema findings came with it: no schema check to redo
    assert flat(state.findings()) == validate(root).findings


def flat(by_path: dict) -> list:
    return [finding for findings in by_path.values() for finding in findings]


def test_cached_schema_findings_are_the_files_own(tmp_path: Path, write_project, base):
    broken = base.rule.replace("title: The product wins\n", "")  # a missing key: a schema finding
    root = write_project(tmp_path / "p", {RULE1: broken})
    session(root)
    state = ProjectState(root, use_cache=True)
    state.load()
    assert [f.code for f in state.files[RULE1].schema] == ["GL102"]
    assert flat(state.findings()) == validate(root).findings


def test_a_file_changed_since_is_parsed_again(tmp_path: Path, write_project, base):
    root = write_project(tmp_path / "p")
    session(root)
    (root / RULE1).write_text(base.rule.replace("person]", "persn]"), encoding="utf-8")
    state = session(root)
    assert [f.code for fs in state.findings().values() for f in fs] == ["GL206"]
    assert [f.code for f in validate(root).findings] == ["GL206"]


def test_a_cache_from_other_code_or_broken_is_ignored(tmp_path: Path, write_project):
    root = write_project(tmp_path / "p")
    session(root)
    target = cache.cache_file(root)
    stamp, files = pickle.loads(target.read_bytes())
    target.write_bytes(pickle.dumps(("another version", files)))
    assert cache.load(root) == {}
    target.write_bytes(b"not a pickle")
    assert cache.load(root) == {}
    assert session(root).findings() == {}
