"""Everything the site is rendered from, gathered once: the project (at the work tree or at a
release), its history when it lives in git, and impact results when annotations are present.

Missing parts are not errors: a project outside git gets a site without history, a project
without annotations a site without agreement charts. What was left out is said in `notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from guidelines_tool.docs.render import QualityPoint, render_pages
from guidelines_tool.errors import GuidelinesError, HistoryError
from guidelines_tool.loading import load_project
from guidelines_tool.model import Project


@dataclass
class SiteData:
    project: Project
    history: Any = None
    impact: Any = None
    hotspots: Any = None
    series: dict[str, list[QualityPoint]] = field(default_factory=dict)
    marks: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def pages(self) -> dict[str, str]:
        return render_pages(self.project, history=self.history, impact=self.impact,
                            hotspots=self.hotspots, series=self.series)

    def charts(self) -> dict[str, bytes]:
        from guidelines_tool.docs.charts import render_charts

        targets = {task_id: self.project.policy_for(task_id).target for task_id in self.series}
        return render_charts(self.series, self.marks, targets)


def load_site_data(root: Path, *, rev: str | None = None, with_history: bool = True,
                   with_annotations: bool = True) -> SiteData:
    """The project at `root` (or at release `rev` of its history) and whatever can be added to it."""
    project = load_project(root)
    data = SiteData(project)
    if with_history or rev:
        data.history = _read_history(root, project, data.notes, required=rev is not None)
    if rev is not None:
        data.project, data.history = project_at(project, data.history, rev)
    if with_annotations and data.history is not None and rev is None:
        _add_quality(data)
    return data


def _read_history(root: Path, project: Project, notes: list[str], *, required: bool) -> Any:
    try:
        from guidelines_tool.history import read_history
    except ImportError:  # the history capability is not installed in this build
        if required:
            raise HistoryError("building a release needs the history module")
        notes.append("history: not available in this installation")
        return None
    try:
        return read_history(root, branch=project.config.branch)
    except HistoryError as exc:
        if required:
            raise
        notes.append(f"history: {exc}")
        return None


def project_at(project: Project, history: Any, rev: str) -> tuple[Project, Any]:
    """The project as it stood at release `rev`, with the history cut at that commit."""
    commit = history.resolve(rev)
    if commit is None:
        raise HistoryError(f"unknown revision {rev!r} (not a tag, version or commit on the branch)")
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


def _add_quality(data: SiteData) -> None:
    """Impact, hotspots and agreement over time, when the project has annotation files."""
    try:
        from guidelines_tool import quality_source  # noqa: F401  (wired after the merge)
    except ImportError:
        data.notes.append("quality: annotation analysis not available in this installation")
        return
