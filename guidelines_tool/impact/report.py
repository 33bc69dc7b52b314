"""A project's history and annotation tables -> the impact report; agreement over time (the
quality page's series)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from guidelines_tool.annotations import AnnotationTable
from guidelines_tool.errors import EXIT_CLEAN, EXIT_FINDINGS, DataError, HistoryError
from guidelines_tool.impact import placebo as impact_placebo
from guidelines_tool.model import Project
from guidelines_tool.impact.data import (
    AnnotatorMode, TaskAnnotations, UNRESOLVED_REASONS, Window, WindowMode, _since_position, change_positions,
    commit_times, count_unresolved, revision_specs, rule_windows, table_positions, task_annotations,
)
from guidelines_tool.impact.analysis import (
    RevisionImpact, Settings, WindowStats, _round_pair, analyse_revision, analyse_task, finalise, gate_failures,
)
from guidelines_tool.impact.series import _interval, _replicates, _stats

if TYPE_CHECKING:
    from guidelines_tool.history import History

# --- history + annotation tables -> the report ---------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """`--fail-on-regression`: the revisions at or after --since, Holm over them."""

    revisions: int
    failed: tuple[RevisionImpact, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"revisions": self.revisions, "method": "holm",
                "failed": [{"rule": r.spec.rule, "commit": r.spec.commit} for r in self.failed]}


@dataclass(frozen=True)
class ImpactReport:
    """Every analysed rule revision, plus the annotations that resolved to no commit, how the
    verdicts were held to a false discovery rate, and (when asked) the gate and placebo runs."""

    revisions: list[RevisionImpact]
    unresolved: dict[str, int]
    window: WindowMode = "adjacent"
    notes: tuple[str, ...] = ()
    fdr: float = 0.05
    gate: Gate | None = None
    placebo: impact_placebo.Placebo | None = None
    annotators: AnnotatorMode = "all"

    @property
    def unresolved_count(self) -> int:
        return sum(self.unresolved.values())

    @property
    def regressed(self) -> list[RevisionImpact]:
        return [r for r in self.revisions if r.verdict == "regressed"]

    @property
    def tests(self) -> int:
        return sum(r.q_value is not None for r in self.revisions)

    def exit_code(self, *, fail_on_regression: bool = False) -> int:
        """0, or 1 when `fail_on_regression` and the gate failed: a revision at or after --since
        cut agreement, Holm over those revisions (a CI gate)."""
        failed = fail_on_regression and self.gate is not None and bool(self.gate.failed)
        return EXIT_FINDINGS if failed else EXIT_CLEAN

    def to_dict(self) -> dict[str, Any]:
        """The issue's JSON shape (plus the window mode, which changes what the numbers mean)."""
        out = {
            "revisions": [r.to_dict() for r in self.revisions],
            "unresolved": {"count": self.unresolved_count, "by_reason": dict(sorted(self.unresolved.items()))},
            "window": self.window,
            "annotators": self.annotators,
            "multiplicity": {"method": "bh", "q": self.fdr, "tests": self.tests},
        }
        if self.gate is not None:
            out["gate"] = self.gate.to_dict()
        if self.placebo is not None:
            out["placebo"] = self.placebo.to_dict()
        return out


def compute_impact(
    project: Project,
    history: History,
    table: AnnotationTable | Sequence[AnnotationTable],
    *,
    rule: str | None = None,
    task: str | None = None,
    since: str | None = None,
    seed: int = 0,
    window: WindowMode = "adjacent",
    bootstrap: int | None = None,
    fdr: float | None = None,
    annotators: AnnotatorMode = "all",
    scope: Mapping[str, Sequence[str]] | None = None,
    placebo: int = 0,
    gate: bool = False,
) -> ImpactReport:
    """Link each meaningful rule revision to the agreement change around it (module docstring).

    `table` is one task's annotations or one table per task. `fdr` overrides the policy's false
    discovery rate; `annotators="shared"` compares only annotators active in both windows;
    `scope` (item id -> rule ids) assigns items to rules independently of labels (else the
    tables' `scope` column, if any); `placebo` re-runs the analysis at that many positions where
    no rule changed; `gate` applies the CI gate (Holm over the revisions at or after `since`).
    Raises HistoryError for an unknown `since` revision or a `rule` with no history.
    """
    tables = [table] if isinstance(table, AnnotationTable) else list(table)
    if not any(len(part) for part in tables):
        raise DataError("no usable annotations were read (see the problems above)")
    if window not in ("adjacent", "rule"):
        raise DataError(f"--window must be adjacent or rule, not {window!r}")
    if annotators not in ("all", "shared"):
        raise DataError(f"--annotators must be all or shared, not {annotators!r}")
    if fdr is not None and not 0 < fdr < 1:
        raise DataError(f"--fdr must be between 0 and 1 (exclusive), not {fdr}")
    if rule is not None and rule not in history.revisions:
        raise HistoryError(f"rule {rule} has no revisions on the line of {history.branch or 'the branch'}")
    since_position = _since_position(history, since)
    times = commit_times(history.commits)
    unresolved = dict.fromkeys(UNRESOLVED_REASONS, 0)
    results: list[RevisionImpact] = []
    notes: list[str] = list(history.notes)
    placebo_runs: list[RevisionImpact] = []
    tasks_seen = []
    for part in tables:
        if part.task_id is None or (task is not None and part.task_id != task):
            continue
        positions = table_positions(history, part, times)
        for reason, count in count_unresolved(positions).items():
            unresolved[reason] += count
        data = task_annotations(project, part, positions, scope=scope)
        every = revision_specs(history, part.task_id)
        specs = [s for s in every if (rule is None or s.rule == rule) and s.position >= since_position]
        settings = Settings.for_task(project, part.task_id, seed=seed, window=window, bootstrap=bootstrap,
                                     annotators=annotators, fdr=fdr)
        change_points = change_positions(history, part.task_id)
        tasks_seen.append(part.task_id)
        if specs:
            found = analyse_task(data, specs, change_points, len(history.commits), settings, all_specs=every)
            results += [_with_reason(r, data, settings, len(history.commits), history) for r in found]
        if placebo:
            placebo_runs += impact_placebo.placebo_revisions(data, change_points, len(history.commits), settings,
                                              placebo, all_specs=every)
    if window == "rule":
        notes.append("--window rule: each revision compares all annotations under the rule's previous "
                     "version with all under its new one; other rules' changes inside those spans are mixed in")
    if scope is None and any(t.scope is not None for t in tables):
        scope_used = True
    else:
        scope_used = scope is not None
    if scope_used:
        notes.append("items were assigned to rules by their scope (not by citations or labels)")
    q = fdr if fdr is not None else project.config.agreement.fdr
    results.sort(key=lambda r: (r.spec.position, r.spec.task, r.spec.rule))
    results = finalise(results, q)
    gate_record = Gate(sum(r.p_value is not None and r.verdict != "insufficient_data" for r in results),
                       tuple(gate_failures(results, since_position))) if gate else None
    placebo_record = None
    if placebo:
        placebo_record = impact_placebo.summarise(placebo_runs)
        if placebo_record.runs < placebo:
            notes.append(f"--placebo {placebo}: only {placebo_record.runs} positions had enough items on both "
                         "sides")
    return ImpactReport(results, unresolved, window, tuple(notes), q, gate_record, placebo_record, annotators)


def _with_reason(r: RevisionImpact, data: TaskAnnotations, settings: Settings, end: int,
                 history: History | None = None) -> RevisionImpact:
    """A too-little-data verdict says why (the counts against min_items) and what to do: with
    adjacent windows that are empty but annotations under the rule's neighbouring versions (as
    when batches are tagged by release), `--window rule` has the data."""
    if r.verdict != "insufficient_data":
        return r
    c = r.comparison
    reason = (f"{c.before.n_items} items before and {c.after.n_items} after; each side needs "
              f"min_items = {settings.min_items}")
    if settings.window == "adjacent":
        windows = rule_windows(r.spec, end)
        pooled = analyse_revision(data, r.spec, windows, replace(settings, window="rule"))
        p = pooled.comparison
        if min(p.before.n_items, p.after.n_items) >= settings.min_items:
            reason += (f". Under the rule's whole previous and new versions there are {p.before.n_items} and "
                       f"{p.after.n_items} (annotations were made under other guideline states, e.g. batches "
                       "tagged by release): --window rule compares those")
    return replace(r, reason=reason)



# --- agreement over time (the docs quality page) -------------------------------------------------


@dataclass(frozen=True)
class StatePoint:
    """Agreement under one state of a task's guidelines (from one change commit to the next)."""

    task: str
    commit: str  # the commit that created the state ("" before the task's first change)
    date: datetime | None
    release: str | None  # the newest release tag at or before the state's commit
    rules_changed: tuple[str, ...]
    window: Window
    stats: WindowStats
    ci: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "commit": self.commit,
                "date": self.date.isoformat() if self.date else None, "release": self.release,
                "rules_changed": list(self.rules_changed), **self.stats.to_dict(),
                "alpha_ci": _round_pair(self.ci)}

    # the fields of docs.render.QualityPoint, so a series can be charted as it is
    @property
    def alpha(self) -> float | None:
        return self.stats.alpha

    @property
    def n_items(self) -> int:
        return self.stats.n_items

    @property
    def n_annotations(self) -> int:
        return self.stats.n_annotations


def state_series(
    data: TaskAnnotations, change_points: list[int], end: int, settings: Settings
) -> list[tuple[Window, WindowStats, tuple[float, float] | None]]:
    """α (with a bootstrap CI) on every guideline state that has annotations, oldest first."""
    bounds = sorted({0, *change_points, end})
    out = []
    for k, (start, stop) in enumerate(zip(bounds, bounds[1:])):
        rows = data.rows(Window(start, stop))
        index = np.arange(rows.start, rows.stop)
        if not len(index):
            continue
        stats, ratings = _stats(data, index, settings)
        ci = None
        if stats.n_items >= settings.min_items and ratings is not None:
            rng = np.random.default_rng(np.random.SeedSequence([settings.seed, start]))
            ci = _interval(_replicates(ratings, settings, rng), settings.confidence, stats.alpha)
        out.append((Window(start, stop), stats, ci))
    return out


def agreement_over_time(
    project: Project, history: History, table: AnnotationTable, *, seed: int = 0, bootstrap: int | None = None
) -> list[StatePoint]:
    """The task's agreement per guideline state, for a chart of agreement over time."""
    task_id = table.task_id or ""
    positions = table_positions(history, table)
    data = task_annotations(project, table, positions)
    settings = Settings.for_task(project, task_id, seed=seed, bootstrap=bootstrap)
    change_points = change_positions(history, task_id)
    releases = [(history.index_of(c.sha), name) for name, _, c in history.releases()]
    changed: dict[int, set[str]] = {}
    for spec in revision_specs(history, task_id):
        changed.setdefault(spec.position, set()).add(spec.rule)
    points = []
    previous = None
    for window, stats, ci in state_series(data, change_points, len(history.commits), settings):
        starts_at_change = window.start in change_points
        commit = history.commits[window.start] if history.commits else None
        release = next((name for position, name in reversed(releases) if position <= window.start), None)
        # every rule changed since the state charted before: states nobody annotated under (as
        # when batches are tagged by release) are not charted, their changes are not lost
        since = previous if previous is not None else window.start - 1
        rules = {rule for position, names in changed.items() if since < position <= window.start for rule in names}
        points.append(StatePoint(
            task_id, commit.sha if commit and starts_at_change else "",
            commit.date if commit else None, release,
            tuple(sorted(rules)), window, stats, ci,
        ))
        previous = window.start
    return points
