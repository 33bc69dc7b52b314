"""The semantic diff: rule and task classification, bump, versions, word diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guidelines_tool.diffing import (
    classify_rule,
    classify_task,
    diff_rules,
    next_version,
    parse_version,
    word_diff,
)
from guidelines_tool.loading import build_rule, build_task, parse_yaml
from guidelines_tool.model import Rule, Source, Task

CASES = parse_yaml((Path(__file__).parent / "data" / "diffing_cases.yaml").read_text(), "cases")[0]


def make_rule(overrides: dict | None, path: str) -> Rule | None:
    if overrides is None:
        return None
    return build_rule({**CASES["base"], **overrides}, Source(path))


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_classify_rule(case: dict) -> None:
    old = make_rule(case["old"], case.get("old_path", "rules/r.yaml"))
    new = make_rule(case["new"], case.get("new_path", "rules/r.yaml"))
    result = classify_rule(old, new)
    if case["expected"] == "none":
        assert result is None
    else:
        expected = case["expected"]
        assert result == (expected["change"], expected["level"], tuple(expected["fields"]))


def test_re_added() -> None:
    assert classify_rule(None, make_rule({}, "r.yaml"), existed_before=True) == ("re-added", "minor", ())


def task(labels: list[dict], **fields) -> Task:
    return build_task({"id": "t", "title": "T", "labels": labels, **fields}, Source("t.yaml"))


AB = [{"id": "a", "name": "A", "definition": "Alpha."}, {"id": "b", "name": "B", "definition": "Beta."}]


@pytest.mark.parametrize(
    ("old", "new", "level", "added", "removed", "renamed"),
    [
        (task(AB), task(AB + [{"id": "c", "name": "C"}]), "minor", ("c",), (), ()),
        (task(AB), task(AB[:1]), "major", (), ("b",), ()),
        (task(AB), task([AB[0], {"id": "beta", "name": "B", "definition": "Beta."}]), "major", (), (), (("b", "beta"),)),
        (task(AB), task([AB[0], {"id": "b2", "name": "Other", "definition": "Beta."}]), "major", (), (), (("b", "b2"),)),
        (task(AB), task([AB[0], {**AB[1], "definition": "Beta, sharper."}]), "patch", (), (), ()),
        (task(AB), task(AB, scale="ordinal"), "major", (), (), ()),
        (task(AB), task(AB, description="New words."), "patch", (), (), ()),
        (task(AB), task(list(reversed(AB))), "patch", (), (), ()),
        (task([{**AB[0], "value": 1}]), task([{**AB[0], "value": 2}]), "minor", (), (), ()),
    ],
)
def test_classify_task(old, new, level, added, removed, renamed) -> None:
    change = classify_task(old, new)
    assert (change.level, change.labels_added, change.labels_removed, change.labels_renamed) == (
        level, added, removed, renamed)


def test_classify_task_added_removed_unchanged() -> None:
    assert classify_task(None, task(AB)).change == "added"
    assert classify_task(task(AB), None).level == "major"
    assert classify_task(task(AB), task(AB)) is None


def test_diff_rules_sorts_counts_and_bumps() -> None:
    r1, r2, r3 = (make_rule({"id": i}, f"{i}.yaml") for i in ("R-1", "R-2", "R-3"))
    diff = diff_rules({"R-1": r1, "R-2": r2}, {"R-2": r2, "R-3": r3})
    assert [(c.rule_id, c.change) for c in diff.rules] == [("R-1", "removed"), ("R-3", "added")]
    assert diff.unchanged == 1 and diff.bump == "major"
    assert diff_rules({"R-2": r2}, {"R-2": r2}).bump == "none"
    assert not diff_rules({}, {})
    with_task = diff_rules({}, {}, {"t": task(AB)}, {"t": task(AB, scale="interval")})
    assert with_task.bump == "major" and with_task.to_dict()["tasks"][0]["fields"] == ["scale"]


@pytest.mark.parametrize(
    ("current", "bump", "expected"),
    [
        (None, "patch", (1, 0, 0)),
        (None, "major", (1, 0, 0)),
        ((1, 2, 3), "patch", (1, 2, 4)),
        ((1, 2, 3), "minor", (1, 3, 0)),
        ((1, 2, 3), "major", (2, 0, 0)),
        ((1, 2, 3), "none", None),
        (None, "none", None),
    ],
)
def test_next_version(current, bump, expected) -> None:
    assert next_version(current, bump) == expected


@pytest.mark.parametrize(
    ("tag", "prefix", "expected"),
    [("v1.2.3", "v", (1, 2, 3)), ("1.2.3", "", (1, 2, 3)), ("guidelines-0.1.0", "guidelines-", (0, 1, 0)),
     ("v1.2", "v", None), ("v1.2.3-rc1", "v", None), ("x1.2.3", "v", None), ("v01.2.3x", "v", None),
     # semver: ASCII digits only, no leading zeros (v01.02.03 would be a second name for 1.2.3)
     ("v１.２.３", "v", None), ("v1.2.٣", "v", None), ("v01.02.03", "v", None), ("v1.0.00", "v", None),
     ("v10.0.0", "v", (10, 0, 0)), ("v1.2.3\n", "v", None)],
)
def test_parse_version(tag, prefix, expected) -> None:
    assert parse_version(tag, prefix) == expected


def test_word_diff_marks_changed_words() -> None:
    assert word_diff("the product wins", "the person wins") == [
        ("equal", "the "), ("delete", "product"), ("insert", "person"), ("equal", " wins")]


@given(st.text(alphabet="ab \n", max_size=30), st.text(alphabet="ab \n", max_size=30))
def test_word_diff_reconstructs_both_sides(old: str, new: str) -> None:
    ops = word_diff(old, new)
    assert "".join(t for op, t in ops if op != "insert") == old
    assert "".join(t for op, t in ops if op != "delete") == new
