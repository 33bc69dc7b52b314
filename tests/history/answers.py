"""What a history answers, as comparable values: for tests that hold two reads to the same answer."""

from __future__ import annotations


def changes_of(history, rule_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.change, r.level, r.fields) for r in history.revisions[rule_id]]


def snapshot(history) -> tuple:
    return (
        [c.sha for c in history.commits],
        {k: [(r.commit.sha, r.change, r.level, r.fields, r.path, r.rule) for r in v] for k, v in history.revisions.items()},
        history.problems,
        {k: [(r.commit.sha, r.change, r.task) for r in v] for k, v in history.task_revisions.items()},
    )


def revision_keys(history) -> tuple:
    """Everything history answers, as comparable values (warm and cold runs must agree)."""
    return ([c.sha for c in history.commits],
            {k: [(r.commit.sha, r.change, r.level, r.path, r.fields) for r in v] for k, v in history.revisions.items()},
            {k: [(r.commit.sha, r.change, r.level) for r in v] for k, v in history.task_revisions.items()},
            history.tags, history.notes)
