"""The version stamp of a push: the commit that last changed the guidelines, described from the
release tags."""

from __future__ import annotations

from guidelines_tool.integrations.stamp import stamp_of
from guidelines_tool.project import load_project


def test_commits_that_change_no_guideline_file_do_not_move_the_stamp(make_repo, guideline_project):
    repo = make_repo("g")
    guideline_project(repo.path)
    released = repo.commit("initial guidelines")
    repo.tag("v1.0.0")
    config = load_project(repo.path).config

    repo.commit("publish log", {".guidelines/publish-log.jsonl": "{}\n"})
    stamp, changed = stamp_of(repo.path, config)
    assert (stamp.version, stamp.commit, changed) == ("v1.0.0", released, [])

    rule = (repo.path / "guidelines/pps/rules/PPS-001.yaml").read_text()
    revised = repo.commit("PPS-001", {"guidelines/pps/rules/PPS-001.yaml": rule.replace("in focus", "sharp")})
    repo.commit("code", {"tools/x.py": "print(1)\n"})
    stamp, _ = stamp_of(repo.path, config)
    assert stamp.commit == revised and stamp.version == f"v1.0.0-2-g{revised[:7]}"

    (repo.path / "guidelines/pps/rules/PPS-001.yaml").write_text(rule)
    assert stamp_of(repo.path, config)[1] == ["guidelines/pps/rules/PPS-001.yaml"]


def test_before_any_release_the_version_is_unreleased(make_repo, guideline_project):
    repo = make_repo("g")
    guideline_project(repo.path)
    first = repo.commit("initial guidelines")
    stamp, _ = stamp_of(repo.path, load_project(repo.path).config)
    assert (stamp.version, stamp.commit) == ("unreleased", first)
