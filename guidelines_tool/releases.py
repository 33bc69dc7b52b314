"""Changelog and release planning from a `History`: pure functions, no git.

A changelog section is the semantic diff between two states of the line: the previous release
tag (or the empty start) and the next release tag (or the tip, for "Unreleased"). Moves with no
content change are listed under their own heading, "moved": an annotator has nothing to relearn
(their level is none, so they never bump the version), but a lead looking for a file needs them.

Several release tags on one commit (a re-tag `v1.0.1` of `v1.0.0`) are one release: the highest
version names it and gets its section, the others are listed as its aliases (an empty section
for one of them would say "nothing changed", which is not true of that version).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from guidelines_tool.diffing import (
    RuleChange,
    RuleDiff,
    diff_rules,
    format_version,
    next_version,
)
from guidelines_tool.errors import HistoryError
from guidelines_tool.history import Commit, History
from guidelines_tool.model import Project

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("added", ("added", "re-added")),
    ("changed", ("changed",)),
    ("deprecated", ("deprecated",)),
    ("removed", ("removed",)),
    ("moved", ("moved",)),
)


@dataclass(frozen=True)
class Section:
    """One release (or the unreleased changes) and what it changed since the one before."""

    tag: str | None  # None: unreleased
    version: str | None
    commit: Commit | None
    base_tag: str | None
    diff: RuleDiff
    aliases: tuple[str, ...] = ()  # other release tags on the same commit, oldest version first
    experiments: tuple[str, ...] = ()  # concluded guideline experiments whose wording landed in this release

    @property
    def bump(self) -> str:
        return self.diff.bump

    @property
    def date(self) -> datetime | None:
        return self.commit.date if self.commit else None

    def group(self, name: str) -> tuple[RuleChange, ...]:
        changes = dict(GROUPS)[name]
        return tuple(c for c in self.diff.rules if c.change in changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "version": self.version,
            "date": self.date.isoformat() if self.date else None,
            "commit": self.commit.sha if self.commit else None,
            "since": self.base_tag,
            "aliases": list(self.aliases),
            "bump": self.bump,
            **{name: [_entry(c) for c in self.group(name)] for name, _ in GROUPS},
            "tasks": [change.to_dict() for change in self.diff.tasks],
            **({"experiments": list(self.experiments)} if self.experiments else {}),
        }


def _entry(change: RuleChange) -> dict[str, Any]:
    rule = change.new or change.old
    entry = {
        "rule": change.rule_id,
        "task": rule.task if rule else "",
        "title": rule.title if rule else "",
        "change": change.change,
        "level": change.level,
        "fields": list(change.fields),
    }
    if change.old is not None and change.new is not None and change.old.source.path != change.new.source.path:
        entry |= {"old_path": change.old.source.path, "path": change.new.source.path}
    return entry


@dataclass(frozen=True)
class Changelog:
    sections: tuple[Section, ...]  # newest first; unreleased (if any) on top
    branch: str

    def to_dict(self) -> dict[str, Any]:
        return {"branch": self.branch, "releases": [s.to_dict() for s in self.sections]}


def diff_between(history: History, old: Commit | None, new: Commit | None) -> RuleDiff:
    """Semantic diff between two commits of the line (None: the empty start), moves included."""
    old_sha, new_sha = (old.sha if old else None), (new.sha if new else None)
    old_rules, new_rules, same = history.rules_changed(old_sha, new_sha)
    diff = diff_rules(
        old_rules,
        new_rules,
        history.tasks_at(old_sha),
        history.tasks_at(new_sha),
        known_before=history.known_before(old_sha),
    )
    return RuleDiff(diff.rules, diff.tasks, diff.unchanged + same)


@dataclass(frozen=True)
class Release:
    """One released commit: its highest version tag, and the other release tags on it."""

    tag: str
    version: tuple[int, int, int]
    commit: Commit
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.aliases, self.tag)


def release_points(history: History) -> list[Release]:
    """The releases on the line, oldest first: release tags grouped by the commit they tag."""
    grouped: list[list[tuple[str, tuple[int, int, int], Commit]]] = []
    for entry in history.releases():  # sorted by line position, then version
        if grouped and grouped[-1][-1][2].sha == entry[2].sha:
            grouped[-1].append(entry)
        else:
            grouped.append([entry])
    return [Release(group[-1][0], group[-1][1], group[-1][2], tuple(name for name, _, _ in group[:-1]))
            for group in grouped]


def build_changelog(history: History, *, since: str | None = None) -> Changelog:
    """Every release since `since` (a release tag or version), newest first, unreleased on top."""
    releases = release_points(history)
    start = 0
    if since is not None:
        names = {name: i for i, release in enumerate(releases) for name in release.names}
        wanted = since if since in names else history.tag_prefix + since
        if wanted not in names:
            known = ", ".join(names) or "none"
            raise HistoryError(f"'{since}' is not a release tag on {history.branch} (release tags: {known})")
        start = names[wanted] + 1
    sections = []
    for i in range(start, len(releases)):
        release = releases[i]
        base = releases[i - 1] if i else None
        diff = diff_between(history, base.commit if base else None, release.commit)
        sections.append(Section(release.tag, format_version(release.version), release.commit,
                                base.tag if base else None, diff, release.aliases))
    last = releases[-1] if releases else None
    if history.tip is not None and (last is None or last.commit.sha != history.tip.sha):
        diff = diff_between(history, last.commit if last else None, history.tip)
        if diff:
            sections.append(Section(None, None, history.tip, last.tag if last else None, diff))
    return Changelog(tuple(reversed(sections)), history.branch)


@dataclass(frozen=True)
class ReleasePlan:
    """What `guidelines release` would tag."""

    tag: str
    version: str
    commit: Commit
    previous_tag: str | None
    section: Section


def plan_release(history: History) -> ReleasePlan:
    """The next version from everything since the last release tag; refuses when nothing changed.

    The first release is 1.0.0 (see `diffing.next_version`).
    """
    if history.tip is None:
        raise HistoryError("there are no commits to release")
    if history.branch == "HEAD":  # read_history fell back: the configured branch does not exist
        fallback = next((note for note in history.notes if "does not exist" in note), "")
        raise HistoryError(
            f"cannot release: {fallback.split(';')[0] or 'the configured branch does not exist'}. A release "
            "tags the configured branch: create it, or set `branch:` in guidelines.yaml to the branch you release from"
        )
    releases = release_points(history)
    last = releases[-1] if releases else None
    if last is not None and last.commit.sha == history.tip.sha:
        raise HistoryError(f"nothing to release: {last.tag} already tags the tip of {history.branch}")
    diff = diff_between(history, last.commit if last else None, history.tip)
    # The bump applies to the highest version released on the line, even when a later commit
    # carries a lower tag (a hotfix re-tagged out of order): versions never go backwards.
    version = next_version(max(r.version for r in releases) if releases else None, diff.bump)
    if version is None:
        since = f"since {last.tag}" if last else "in the guidelines"
        raise HistoryError(f"nothing to release: no rule or task changed {since}")
    tag = history.tag_prefix + format_version(version)
    if tag in history.tags:
        raise HistoryError(f"tag {tag} already exists (on {history.tags[tag][:7]})")
    section = Section(tag, format_version(version), history.tip, last.tag if last else None, diff)
    return ReleasePlan(tag, format_version(version), history.tip, last.tag if last else None, section)


def project_at(project: Project, history: Any, rev: str) -> tuple[Project, Any]:
    """The project as it stood at release `rev`, with the history cut at that commit."""
    commit = history.resolve(rev)
    if commit is None:
        raise HistoryError(history.unresolved(rev))
    rules = history.rules_at(commit.sha)
    tasks = history.tasks_at(commit.sha)
    at = replace(project, tasks=dict(sorted(tasks.items())),
                 rules=tuple(sorted(rules.values(), key=lambda rule: rule.id)), load_findings=())
    return at, HistoryUntil(history, commit.sha)


class HistoryUntil:
    """A read-only view of a History that ends at one commit (for versioned builds)."""

    def __init__(self, history: Any, sha: str) -> None:
        self._history = history
        shas = [commit.sha for commit in history.commits]
        self.commits = history.commits[: shas.index(sha) + 1]
        kept = {commit.sha for commit in self.commits}
        self.tags = {tag: s for tag, s in history.tags.items() if s in kept}
        self.tag_prefix = getattr(history, "tag_prefix", "v")
        self.revisions = {
            rule_id: [r for r in revisions if r.commit.sha in kept]
            for rule_id, revisions in history.revisions.items()
        }
        self.problems = getattr(history, "problems", [])

    def releases(self) -> list:
        return [entry for entry in self._history.releases() if entry[0] in self.tags]

    def __getattr__(self, name: str) -> Any:  # rules_at, tasks_at, resolve, ...
        return getattr(self._history, name)
