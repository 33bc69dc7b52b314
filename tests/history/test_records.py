"""records.py: rule versions compared on their data, records built by their constructors, and
the History's answers (the state at a commit, the commit at a time)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from guidelines_tool.diffing import changed_fields
from guidelines_tool.history import (
    VersionMemo,
    parse_blob,
    parse_raw_changes,
    read_history,
)
from guidelines_tool.history.records import fields_changed, same_data
from guidelines_tool.loading import parse_yaml
from tests.gitrepo import (
    BASE_DATE,
    RULES,
    TASK,
    commit,
    git,
    rule_yaml,
    task_yaml,
)


A, B = "a" * 40, "b" * 40


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


@pytest.mark.parametrize("seed", [1, 2])
def test_same_data_is_equal_values_written_out_alike(seed: int) -> None:
    """same_data(a, b) is `a is b or a == b and repr(a) == repr(b)` (the same types all the way down,
    mappings' keys in the same order) on what the reader makes of YAML: values that == takes
    for one (1, 1.0, true; 0, -0.0, false; '1' and 1 are not), in lists and mappings, nested,
    keys in either order."""
    import random

    rng = random.Random(seed)
    alike = ["1", "1.0", "true", "'1'", "0", "0.0", "-0.0", "false", ".nan", "~", "null", "a", "2026-01-02"]

    def value(depth: int = 0) -> str:
        roll = rng.random()
        if depth < 2 and roll < 0.25:
            return "[" + ", ".join(value(depth + 1) for _ in range(rng.randrange(3))) + "]"
        if depth < 2 and roll < 0.5:
            keys = rng.sample(["a", "b"], rng.randrange(3))
            return "{" + ", ".join(f"{key}: {value(depth + 1)}" for key in keys) + "}"
        return rng.choice(alike)

    answers = {True: 0, False: 0}
    for _ in range(4000):
        a, _ = parse_yaml(f"x: {value()}\n", "a.yaml")
        b, _ = parse_yaml(f"x: {value()}\n", "b.yaml")
        x, y = a["x"], b["x"]
        expected = x is y or (x == y and repr(x) == repr(y))
        assert same_data(x, y) == expected, (x, y)
        answers[expected] += 1
        if x == y and not expected:
            answers[None] = answers.get(None, 0) + 1  # equal to Python, not the same data
    assert answers[True] > 100 and answers[False] > 100 and answers.get(None, 0) > 50, answers


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
