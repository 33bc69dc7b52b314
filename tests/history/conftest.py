"""Fixtures of the history tests."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest


@pytest.fixture
def repo(one_rule_repo_in_cwd: Path) -> Path:
    """The one-rule project (task t, rule R-1), as the current folder."""
    return one_rule_repo_in_cwd


def _changes_of(history, rule_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.change, r.level, r.fields) for r in history.revisions[rule_id]]


def _snapshot(history) -> tuple:
    return (
        [c.sha for c in history.commits],
        {k: [(r.commit.sha, r.change, r.level, r.fields, r.path, r.rule) for r in v] for k, v in history.revisions.items()},
        history.problems,
        {k: [(r.commit.sha, r.change, r.task) for r in v] for k, v in history.task_revisions.items()},
    )


def _revision_keys(history) -> tuple:
    """Everything history answers, as comparable values (warm and cold runs must agree)."""
    return ([c.sha for c in history.commits],
            {k: [(r.commit.sha, r.change, r.level, r.path, r.fields) for r in v] for k, v in history.revisions.items()},
            {k: [(r.commit.sha, r.change, r.level) for r in v] for k, v in history.task_revisions.items()},
            history.tags, history.notes)


@pytest.fixture(scope="session")
def answers() -> SimpleNamespace:
    """What a history answers, as comparable values, for tests that hold two reads to the same
    answer: changes_of(history, rule_id), snapshot(history), revision_keys(history)."""
    return SimpleNamespace(changes_of=_changes_of, snapshot=_snapshot, revision_keys=_revision_keys)
