"""Everything the site is rendered from, gathered once: the project (at the work tree or at a
release), its history when it lives in git, and impact results when annotations are present.

Missing parts are not errors: a project outside git gets a site without history, a project
without annotations a site without agreement charts. What was left out is said in `notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from guidelines_tool.docs.assets import CollectedAssets, collect_assets
from guidelines_tool.docs.pagekit import QualityPoint
from guidelines_tool.docs.render import render_pages
from guidelines_tool.errors import GuidelinesError, HistoryError
from guidelines_tool.history import History
from guidelines_tool.model import Project
from guidelines_tool.project import load_project
from guidelines_tool.releases import project_at


@dataclass
class SiteData:
    project: Project
    history: Any = None
    impact: Any = None
    hotspots: Any = None
    series: dict[str, list[QualityPoint]] = field(default_factory=dict)
    marks: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    assets: CollectedAssets | None = None  # example asset files (None: not looked for)
    quiz_results: dict | None = None  # the `quiz.results` file, when configured
    banners: dict[str, str] = field(default_factory=dict)  # rule id → a notice atop its section (a pilot)

    def pages(self, *, tabs: bool = True) -> dict[str, str]:
        return render_pages(self.project, history=self.history, impact=self.impact,
                            hotspots=self.hotspots, series=self.series,
                            assets=self.assets.available if self.assets is not None else None, tabs=tabs,
                            quiz_results=self.quiz_results, banners=self.banners)

    def scripts(self) -> dict[str, str]:
        """The site's own scripts (the practise pages' quiz, the every-page one), path → text."""
        from guidelines_tool.docs.practise import site_scripts

        return site_scripts()

    def asset_files(self) -> dict[str, Path | bytes]:
        """Site path → file on disk (or its contents in a release), for every example asset shipped."""
        return dict(self.assets.files) if self.assets is not None else {}

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
    # Example asset files: from the work tree, or as they were in the release being built.
    read_at = None
    if rev is not None:
        from guidelines_tool.history import read_files_at

        sha = data.history.commits[-1].sha  # the history is cut at the release's commit
        read_at = lambda paths: read_files_at(root, sha, paths)  # noqa: E731
    data.assets = collect_assets(root, data.project, read_at)
    if with_annotations and rev is None:  # a release build shows that release's rules only
        _add_quality(data, root)
    if project.config.quiz.results and rev is None:
        data.quiz_results = _quiz_results(root / project.config.quiz.results, data.notes)
    return data


def _quiz_results(path: Path, notes: list[str]) -> dict:
    """The configured quiz results; a file that cannot be read is said on the page and at build time."""
    from guidelines_tool.quiz_files import read_results

    try:
        return read_results(path)
    except GuidelinesError as exc:
        notes.append(f"quiz results: {exc}")
        return {"error": str(exc)}


def _read_history(root: Path, project: Project, notes: list[str], *, required: bool) -> History | None:
    from guidelines_tool.history import read_history

    try:
        return read_history(root, branch=project.config.branch)
    except HistoryError as exc:
        if required:
            raise
        notes.append(f"history: {exc}")
        return None


ANNOTATION_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet")


def annotation_files(root: Path, setting: str) -> list[Path]:
    """The project's annotation batches: a folder's data files, or a glob, sorted."""
    if not setting:
        return []
    folder = root / setting
    if folder.is_dir():
        candidates = folder.rglob("*")
    else:
        candidates = root.glob(setting)
    return sorted(p for p in candidates if p.is_file() and p.suffix.lower() in ANNOTATION_SUFFIXES)


#: Placebo re-runs of the impact analysis shown on the quality page.
PLACEBO_RUNS = 20


def _add_quality(data: SiteData, root: Path) -> None:
    """Impact, hotspots and agreement over time, when the project has annotation files."""
    files = annotation_files(root, data.project.config.annotations)
    if not files:
        data.notes.append("quality: no annotation files found")
        return
    from guidelines_tool.annotations import read_annotations
    from guidelines_tool.hotspots import hotspots
    from guidelines_tool.impact import agreement_over_time, compute_impact

    project, history = data.project, data.history
    tables = []
    for task_id in sorted(project.tasks):
        try:
            # read as `guidelines impact` reads them (a judgement repeated at another time is a
            # re-label that impact's windows place), so the page shows the verdicts the CLI gives
            table = read_annotations(files, project=project, task=task_id, duplicates="first",
                                     relabel_by_time=True)
        except GuidelinesError as exc:
            data.notes.append(f"quality: {task_id}: {exc}")
            continue
        if len(table):
            tables.append(table)
    if not tables:
        data.notes.append("quality: no usable annotations")
        return
    if history is not None:  # linking agreement to revisions needs the revisions
        # the placebo runs go beside the verdicts: how often the method finds an effect on this
        # project's data where no rule changed
        data.impact = compute_impact(project, history, tables, placebo=PLACEBO_RUNS)
    reports = {}
    for table in tables:
        if history is not None:
            points = agreement_over_time(project, history, table)
            data.series[table.task_id] = [quality_point(point) for point in points]
            data.marks[table.task_id] = [
                (point.date, ", ".join(point.rules_changed)) for point in points if point.rules_changed
            ]
        try:
            reports[table.task_id] = hotspots(project, table)
        except GuidelinesError as exc:
            data.notes.append(f"quality: hotspots for {table.task_id}: {exc}")
    data.hotspots = reports


def quality_point(point: Any) -> QualityPoint:
    """impact.StatePoint → the renderer's chart point."""
    return QualityPoint(commit=point.commit, date=point.date, alpha=point.stats.alpha,
                        n_items=point.stats.n_items, n_annotations=point.stats.n_annotations,
                        release=point.release, rules_changed=tuple(point.rules_changed))
