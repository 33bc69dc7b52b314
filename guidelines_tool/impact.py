"""Rule revisions × annotations → the agreement change each revision caused.

The method (DESIGN.md, "Linking rule revisions to agreement"):
1. every annotation is tied to the commit of the branch's first-parent line it was made under
   (`guideline_rev`, else `annotated_at`); the rest are counted by reason, never dropped silently;
2. revision k of rule R, made in commit C_k, is judged on two windows of annotations: *before*
   (made under the task's guidelines as they stood just before C_k, since the previous commit that
   changed the task) and *after* (made under the state C_k created, until the next such commit);
   `window="rule"` pools R's whole previous version against its whole new one instead;
3. agreement on the items R governs (cited R; or, where the task's data has no citations or R
   could not be cited on one side — before it was added, after it was deprecated — items where
   any annotator chose one of R's labels, on both sides) before vs after, with a bias-corrected
   bootstrap CI (items resampled within each window, seeded per revision);
4. the same on the task's other items is the control: the difference-in-differences removes what
   happened to everybody (annotators getting better, an easier batch) from the rule's effect;
5. verdict from the CI of the difference-in-differences (of the plain delta when there are too
   few control items), `insufficient_data` below the task's `min_items`.

The core (resolution, windows, governed items, comparison, verdict) is pure functions over
arrays and records; `compute_impact` only adapts a History and annotation tables to it, so the
CLI and the validity benchmark (`bench/attribution.py`) run the same code.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from guidelines_tool import agreement
from guidelines_tool.annotations import AnnotationTable
from guidelines_tool.errors import EXIT_CLEAN, EXIT_FINDINGS, DataError, HistoryError
from guidelines_tool.model import AgreementPolicy, Project

if TYPE_CHECKING:
    from guidelines_tool.history import History, RuleRevision

WindowMode = Literal["adjacent", "rule"]
Verdict = Literal["improved", "regressed", "no_clear_change", "insufficient_data"]
GovernedBy = Literal["citations", "labels"]

UNRESOLVED_REASONS: tuple[str, ...] = ("unknown_revision", "no_timestamp", "before_first_commit")
# resolution codes per annotation: a commit position (>= 0) or one of these
UNKNOWN_REVISION, NO_TIMESTAMP, BEFORE_FIRST_COMMIT = -1, -2, -3
REASON_BY_CODE = {UNKNOWN_REVISION: "unknown_revision", NO_TIMESTAMP: "no_timestamp",
                  BEFORE_FIRST_COMMIT: "before_first_commit"}
# changes that leave the rule's meaning as it was cannot move agreement
SKIPPED_LEVELS = ("none",)
NOT_CITABLE_STATUSES = ("deprecated",)
NORMAL = NormalDist()


# --- resolution ----------------------------------------------------------------------------


def resolve_positions(
    rev_code: np.ndarray,
    rev_position: np.ndarray,
    when: np.ndarray,
    commit_times: np.ndarray,
) -> np.ndarray:
    """Each annotation's commit position along the first-parent line, or a negative reason code.

    `rev_code` indexes the distinct `guideline_rev` values (-1 where absent) and `rev_position`
    gives each value's resolved position (-1 when it resolves to nothing). Annotations without a
    revision fall back to `when` (datetime64, NaT when absent): the newest commit of the line
    dated at or before it. `commit_times` are the line's commit dates, oldest commit first.
    A revision that was given but is unknown is reported, not silently replaced by the time.
    """
    rev_code = np.asarray(rev_code)
    positions = np.full(len(rev_code), NO_TIMESTAMP, dtype=np.int64)
    has_rev = rev_code >= 0
    if len(rev_position):
        resolved = np.asarray(rev_position, dtype=np.int64)[np.where(has_rev, rev_code, 0)]
        positions[has_rev] = np.where(resolved[has_rev] >= 0, resolved[has_rev], UNKNOWN_REVISION)
    by_time = ~has_rev & ~np.isnat(when)
    positions[by_time] = commit_at_positions(when[by_time], commit_times)
    return positions


def commit_at_positions(when: np.ndarray, commit_times: np.ndarray) -> np.ndarray:
    """Vectorised `History.commit_at`: the newest commit of the line at or before `when`
    (BEFORE_FIRST_COMMIT when none). As in history.py a commit cannot take effect before the
    ones under it, so the line's dates are replaced by their running maximum before bisecting."""
    times = np.asarray(commit_times, dtype="datetime64[us]")
    if len(times) == 0:
        return np.full(len(when), BEFORE_FIRST_COMMIT, dtype=np.int64)
    effective = np.maximum.accumulate(times)
    index = np.searchsorted(effective, np.asarray(when, dtype="datetime64[us]"), side="right") - 1
    return np.where(index >= 0, index, BEFORE_FIRST_COMMIT).astype(np.int64)


def commit_times(commits: list) -> np.ndarray:
    """The commits' tz-aware dates as datetime64[us] UTC."""
    stamps = [c.date.astimezone(timezone.utc).replace(tzinfo=None) for c in commits]
    return np.array(stamps, dtype="datetime64[us]")


def count_unresolved(positions: np.ndarray) -> dict[str, int]:
    """Annotations that resolved to no commit, by reason (every reason listed, zero or not)."""
    return {REASON_BY_CODE[code]: int((positions == code).sum()) for code in sorted(REASON_BY_CODE, reverse=True)}


# --- one task's data as arrays ---------------------------------------------------------------


@dataclass(frozen=True)
class TaskAnnotations:
    """One task's resolved annotations, sorted by commit position so windows are slices.

    `cite_row`/`cite_rule` list (annotation row, index into `rule_ids`) pairs, sorted by row.
    """

    item: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    position: np.ndarray
    categories: tuple[str, ...]
    cite_row: np.ndarray
    cite_rule: np.ndarray
    rule_ids: tuple[str, ...]
    numeric: tuple[float, ...] | None = None
    members: tuple[tuple[str, ...], ...] | None = None  # labels in each category (multi-label sets)
    distance: np.ndarray | None = None  # category distances overriding the metric (MASI)

    @classmethod
    def build(
        cls,
        item: np.ndarray,
        annotator: np.ndarray,
        value: np.ndarray,
        position: np.ndarray,
        categories: tuple[str, ...],
        *,
        cite_row: np.ndarray | None = None,
        cite_rule: np.ndarray | None = None,
        rule_ids: tuple[str, ...] = (),
        numeric: tuple[float, ...] | None = None,
        members: tuple[tuple[str, ...], ...] | None = None,
        distance: np.ndarray | None = None,
    ) -> TaskAnnotations:
        """Keep resolved rows (position >= 0), sort them by position, remap citations."""
        keep = np.flatnonzero(np.asarray(position) >= 0)
        order = keep[np.argsort(np.asarray(position)[keep], kind="stable")]
        new_row = np.full(len(position), -1, dtype=np.int64)
        new_row[order] = np.arange(len(order))
        rows = np.asarray(cite_row if cite_row is not None else [], dtype=np.int64)
        rules = np.asarray(cite_rule if cite_rule is not None else [], dtype=np.int64)
        mapped = new_row[rows] if len(rows) else rows
        valid = mapped >= 0
        cite_order = np.argsort(mapped[valid], kind="stable")
        return cls(
            item=np.asarray(item)[order],
            annotator=np.asarray(annotator)[order],
            value=np.asarray(value)[order],
            position=np.asarray(position, dtype=np.int64)[order],
            categories=tuple(categories),
            cite_row=mapped[valid][cite_order],
            cite_rule=rules[valid][cite_order],
            rule_ids=tuple(rule_ids),
            numeric=numeric,
            members=members,
            distance=distance,
        )

    @property
    def has_citations(self) -> bool:
        return len(self.cite_row) > 0

    def rows(self, window: Window) -> slice:
        lo, hi = np.searchsorted(self.position, [window.start, window.stop], side="left")
        return slice(int(lo), int(hi))


# --- revisions and windows -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Window:
    """Commit positions [start, stop) along the first-parent line."""

    start: int
    stop: int


@dataclass(frozen=True)
class RevisionSpec:
    """What the core needs to know about one rule revision (built from history.RuleRevision)."""

    rule: str
    task: str
    commit: str
    date: str
    author: str
    change: str
    level: str
    position: int
    labels: tuple[str, ...]  # the rule's labels at this version (the previous one's when removed)
    citable_before: bool  # could annotators cite the rule under the before state?
    citable_after: bool
    previous_position: int | None = None  # R's previous meaningful revision (window="rule")
    next_position: int | None = None
    confounded_with: tuple[str, ...] = ()


def adjacent_windows(position: int, change_points: list[int], end: int) -> tuple[Window, Window]:
    """Before: since the previous commit that changed the task; after: until the next one."""
    points = sorted(set(change_points))
    earlier = [p for p in points if p < position]
    later = [p for p in points if p > position]
    before = Window(earlier[-1] if earlier else 0, position)
    after = Window(position, later[0] if later else end)
    return before, after


def rule_windows(spec: RevisionSpec, end: int) -> tuple[Window, Window]:
    """The rule's whole previous version against its whole new one."""
    start = spec.previous_position if spec.previous_position is not None else 0
    stop = spec.next_position if spec.next_position is not None else end
    return Window(start, spec.position), Window(spec.position, stop)


def governed_items(
    data: TaskAnnotations, rows: slice, spec: RevisionSpec, by: GovernedBy
) -> np.ndarray:
    """Items of a window that the rule governs: cited it, or (by labels) got one of its labels
    from any annotator."""
    if by == "citations":
        if spec.rule not in data.rule_ids:
            return np.empty(0, dtype=data.item.dtype)
        code = data.rule_ids.index(spec.rule)
        lo, hi = np.searchsorted(data.cite_row, [rows.start, rows.stop], side="left")
        cited = data.cite_row[lo:hi][data.cite_rule[lo:hi] == code]
        return np.unique(data.item[cited])
    members = data.members or tuple((c,) for c in data.categories)
    codes = [k for k, labels in enumerate(members) if set(labels) & set(spec.labels)]
    chose = np.isin(data.value[rows], codes)
    return np.unique(data.item[rows][chose])


def governed_definition(data: TaskAnnotations, spec: RevisionSpec) -> GovernedBy:
    """Citations when the task's data has any and annotators could cite the rule on both sides;
    otherwise its labels, on both sides, so before and after measure the same kind of item set
    (a rule cannot be cited before it is added or after it is deprecated)."""
    if data.has_citations and spec.citable_before and spec.citable_after:
        return "citations"
    return "labels"


# --- statistics over windows -----------------------------------------------------------------


@dataclass(frozen=True)
class WindowStats:
    """Agreement in one window on one group of items. `n_items` counts pairable items (two
    or more ratings in the window): an item rated once carries no pairable value
    (Krippendorff), so it neither moves α nor counts towards `min_items`."""

    n_items: int
    n_annotations: int
    alpha: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"n_items": self.n_items, "n_annotations": self.n_annotations,
                "alpha": _round(self.alpha)}


@dataclass(frozen=True)
class Settings:
    """How one task is analysed: its agreement policy (min_items, confidence, bootstrap count, as
    the project or task configures them), the distance metric of its label scale, the seed and the
    window mode. The policy is held, not copied field by field, so a new policy field reaches the
    analysis without touching this record."""

    policy: AgreementPolicy = AgreementPolicy()
    metric: str = "nominal"  # the scale's distance metric (policy.metric names the coefficient)
    seed: int = 0
    window: WindowMode = "adjacent"

    @property
    def min_items(self) -> int:
        return self.policy.min_items

    @property
    def bootstrap(self) -> int:
        return self.policy.bootstrap

    @property
    def confidence(self) -> float:
        return self.policy.confidence

    @classmethod
    def for_task(cls, project: Project, task_id: str, *, seed: int = 0, window: WindowMode = "adjacent",
                 bootstrap: int | None = None) -> Settings:
        """The task's policy and scale; `bootstrap` (the CLI's --bootstrap) overrides the policy's count."""
        policy = project.policy_for(task_id)
        if bootstrap:
            policy = replace(policy, bootstrap=bootstrap)
        task = project.tasks.get(task_id)
        metric = task.scale if task is not None and not task.multi_label else "nominal"
        return cls(policy, metric, seed, window)


@dataclass(frozen=True)
class Comparison:
    """Governed and control agreement before and after, with bootstrap CIs of the changes."""

    before: WindowStats
    after: WindowStats
    control_before: WindowStats
    control_after: WindowStats
    delta: float | None
    delta_ci: tuple[float, float] | None
    control_delta: float | None
    did: float | None
    did_ci: tuple[float, float] | None


def window_ratings(data: TaskAnnotations, rows: np.ndarray | slice) -> agreement.Ratings:
    """The agreement engine's input for a set of annotation rows.

    An annotator who labelled an item again under another guideline revision inside one window
    counts once, with the later judgement (rows are in commit order): never paired with
    themselves."""
    _, item = np.unique(data.item[rows], return_inverse=True)
    annotator = np.asarray(data.annotator[rows], dtype=np.int64)
    if len(item):
        pair = item.astype(np.int64) * (int(annotator.max()) + 1) + annotator
        if np.bincount(pair).max() > 1:
            index = np.arange(rows.start, rows.stop) if isinstance(rows, slice) else \
                np.asarray(rows)
            _, from_end = np.unique(pair[::-1], return_index=True)
            rows = np.sort(index[len(pair) - 1 - from_end])
            _, item = np.unique(data.item[rows], return_inverse=True)
            annotator = np.asarray(data.annotator[rows], dtype=np.int64)
    numeric = None if data.numeric is None else np.asarray(data.numeric, dtype=float)
    return agreement.Ratings(
        item.astype(np.int64), annotator,
        np.asarray(data.value[rows], dtype=np.int64), data.categories, numeric,
        distance=data.distance,
    )


def _split_rows(data: TaskAnnotations, rows: slice, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Annotation rows of a window on its governed items, and on the others (the control)."""
    index = np.arange(rows.start, rows.stop)
    member = np.isin(data.item[rows], items)
    return index[member], index[~member]


def _stats(data: TaskAnnotations, index: np.ndarray, settings: Settings) -> tuple[WindowStats, Any]:
    if len(index) == 0:
        return WindowStats(0, 0, None), None
    ratings = window_ratings(data, index)
    # items are numbered 0..n-1 in the window; only those rated twice or more are pairable
    n_items = int((np.bincount(ratings.item) >= 2).sum())
    value = agreement.krippendorff_alpha(ratings, settings.metric).value
    alpha = None if value is None or not np.isfinite(value) else float(value)
    return WindowStats(n_items, len(index), alpha), ratings


def _replicates(ratings: Any, settings: Settings, rng: np.random.Generator) -> np.ndarray:
    if ratings is None:
        return np.full(settings.bootstrap, np.nan)
    return np.asarray(agreement.alpha_bootstrap(ratings, settings.metric, settings.bootstrap, rng), dtype=float)


def compare_windows(
    data: TaskAnnotations,
    before: slice,
    after: slice,
    governed_before: np.ndarray,
    governed_after: np.ndarray,
    settings: Settings,
    rng: np.random.Generator,
) -> Comparison:
    """Governed vs control agreement before and after; each of the four groups gets its own
    independent bootstrap (items resampled within their window), so replicate differences are
    draws of the differences. A pair of groups with fewer than `min_items` items on either side
    gets point estimates only: no verdict rests on it, and the bootstrap is most of the cost."""
    streams = rng.spawn(4)
    split = [_split_rows(data, window, items)
             for window, items in ((before, governed_before), (after, governed_after))]
    groups = [_stats(data, split[w][part], settings) for part in (0, 1) for w in (0, 1)]
    (gb, r_gb), (ga, r_ga), (cb, r_cb), (ca, r_ca) = groups
    nan = np.full(settings.bootstrap, np.nan)
    governed_ok = min(gb.n_items, ga.n_items) >= settings.min_items
    control_ok = governed_ok and min(cb.n_items, ca.n_items) >= settings.min_items
    b_gb, b_ga = ((_replicates(r_gb, settings, streams[0]), _replicates(r_ga, settings, streams[1]))
                  if governed_ok else (nan, nan))
    b_cb, b_ca = ((_replicates(r_cb, settings, streams[2]), _replicates(r_ca, settings, streams[3]))
                  if control_ok else (nan, nan))
    delta = _difference(ga.alpha, gb.alpha)
    control = _difference(ca.alpha, cb.alpha)
    did = None if delta is None or control is None else delta - control
    delta_boot = b_ga - b_gb
    did_boot = delta_boot - (b_ca - b_cb)
    return Comparison(
        gb, ga, cb, ca,
        delta=delta,
        delta_ci=_interval(delta_boot, settings.confidence, delta) if delta is not None else None,
        control_delta=control,
        did=did,
        did_ci=_interval(did_boot, settings.confidence, did) if did is not None else None,
    )


def _difference(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _interval(
    replicates: np.ndarray, confidence: float, estimate: float | None = None
) -> tuple[float, float] | None:
    """Bootstrap interval; None when most replicates are undefined (too few items).

    With the `estimate`, the bias-corrected percentile interval (BC; Efron 1982, Efron &
    Tibshirani 1993 §14.3 with acceleration 0): the percentile levels move by z0 = Φ⁻¹(share of
    replicates below the estimate), the median bias of the replicates. α is a ratio bounded by 1,
    and on small windows or near the bound its replicates are not centred on the estimate; there
    the percentile interval of a difference of α's misses its nominal coverage and BC recovers
    some of it. With z0 = 0 (replicates centred, as on large windows) BC is the percentile interval.
    BCa's acceleration is left out on purpose: from the jackknife of a window with a handful of
    disagreeing items it is erratic, and in simulation it pushed the false-positive rate of a
    no-effect revision at 30 items and α 0.9 from 5 % to 7 %. Without `estimate`, the percentile
    interval."""
    finite = replicates[np.isfinite(replicates)]
    if len(finite) < max(10, len(replicates) // 2):
        return None
    tail = (1.0 - confidence) / 2
    levels = [tail, 1.0 - tail]
    if estimate is not None:
        below = (np.count_nonzero(finite < estimate) + 0.5 * np.count_nonzero(finite == estimate)) / len(finite)
        # one replicate's worth from either end: z0 stays finite when all fall on one side
        bound = 0.5 / len(finite)
        z0 = NORMAL.inv_cdf(min(max(below, bound), 1.0 - bound))
        levels = [NORMAL.cdf(2 * z0 + NORMAL.inv_cdf(level)) for level in levels]
    lo, hi = np.percentile(finite, [100 * level for level in levels])
    return float(lo), float(hi)


def verdict(comparison: Comparison, min_items: int) -> Verdict:
    """improved / regressed when the CI excludes zero, no_clear_change when it covers it,
    insufficient_data when a governed window has fewer than `min_items` items (or no α).
    The controlled estimate (DiD) decides when both control windows have enough items."""
    c = comparison
    if min(c.before.n_items, c.after.n_items) < min_items or c.delta_ci is None:
        return "insufficient_data"
    controlled = min(c.control_before.n_items, c.control_after.n_items) >= min_items
    ci = c.did_ci if controlled and c.did_ci is not None else c.delta_ci
    if ci[0] > 0:
        return "improved"
    if ci[1] < 0:
        return "regressed"
    return "no_clear_change"


# --- revisions -> results ----------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionImpact:
    """One rule revision linked to the agreement change around it."""

    spec: RevisionSpec
    governed_by: GovernedBy
    comparison: Comparison
    verdict: Verdict
    window: WindowMode = "adjacent"
    windows: tuple[Window, Window] = (Window(0, 0), Window(0, 0))

    def to_dict(self) -> dict[str, Any]:
        s, c = self.spec, self.comparison
        return {
            "rule": s.rule,
            "task": s.task,
            "commit": s.commit,
            "date": s.date,
            "change": s.change,
            "level": s.level,
            "governed_by": self.governed_by,
            "before": c.before.to_dict(),
            "after": c.after.to_dict(),
            "delta": _round(c.delta),
            "delta_ci": _round_pair(c.delta_ci),
            "control_delta": _round(c.control_delta),
            "did": _round(c.did),
            "did_ci": _round_pair(c.did_ci),
            "verdict": self.verdict,
            "confounded_with": list(s.confounded_with),
        }


def revision_rng(seed: int, spec: RevisionSpec) -> np.random.Generator:
    """A stream per (seed, rule, commit): a revision's numbers do not depend on which other
    revisions are analysed (filtering with --rule gives the same figures)."""
    key = zlib.crc32(f"{spec.rule}@{spec.commit}".encode())
    return np.random.default_rng(np.random.SeedSequence([seed, key]))


def analyse_revision(
    data: TaskAnnotations,
    spec: RevisionSpec,
    windows: tuple[Window, Window],
    settings: Settings,
) -> RevisionImpact:
    """One revision: governed items per window, the comparison, the verdict."""
    before, after = data.rows(windows[0]), data.rows(windows[1])
    governed_by = governed_definition(data, spec)
    items_before = governed_items(data, before, spec, governed_by)
    items_after = governed_items(data, after, spec, governed_by)
    comparison = compare_windows(
        data, before, after, items_before, items_after, settings, revision_rng(settings.seed, spec)
    )
    return RevisionImpact(
        spec, governed_by, comparison, verdict(comparison, settings.min_items),
        settings.window, windows,
    )


def analyse_task(
    data: TaskAnnotations,
    specs: list[RevisionSpec],
    change_points: list[int],
    end: int,
    settings: Settings,
) -> list[RevisionImpact]:
    """Every revision of one task; `change_points` are the positions of the commits that changed
    any rule or label of the task, `end` the length of the line."""
    results = []
    for spec in specs:
        if settings.window == "rule":
            windows = rule_windows(spec, end)
        else:
            windows = adjacent_windows(spec.position, change_points, end)
        results.append(analyse_revision(data, spec, windows, settings))
    return results


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def _round_pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [_round(pair[0]), _round(pair[1])]


# --- history + annotation tables -> the report ---------------------------------------------------


@dataclass(frozen=True)
class ImpactReport:
    """Every analysed rule revision, plus the annotations that resolved to no commit."""

    revisions: list[RevisionImpact]
    unresolved: dict[str, int]
    window: WindowMode = "adjacent"
    notes: tuple[str, ...] = ()

    @property
    def unresolved_count(self) -> int:
        return sum(self.unresolved.values())

    @property
    def regressed(self) -> list[RevisionImpact]:
        return [r for r in self.revisions if r.verdict == "regressed"]

    def exit_code(self, *, fail_on_regression: bool = False) -> int:
        """0, or 1 when `fail_on_regression` and a revision regressed agreement (a CI gate)."""
        return EXIT_FINDINGS if fail_on_regression and self.regressed else EXIT_CLEAN

    def to_dict(self) -> dict[str, Any]:
        """The issue's JSON shape (plus the window mode, which changes what the numbers mean)."""
        return {
            "revisions": [r.to_dict() for r in self.revisions],
            "unresolved": {"count": self.unresolved_count, "by_reason": dict(sorted(self.unresolved.items()))},
            "window": self.window,
        }


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
) -> ImpactReport:
    """Link each meaningful rule revision to the agreement change around it (module docstring).

    `table` is one task's annotations or one table per task. Raises HistoryError for an unknown
    `since` revision or a `rule` with no history.
    """
    tables = [table] if isinstance(table, AnnotationTable) else list(table)
    if not any(len(part) for part in tables):
        raise DataError("no usable annotations were read (see the problems above)")
    if window not in ("adjacent", "rule"):
        raise DataError(f"--window must be adjacent or rule, not {window!r}")
    if rule is not None and rule not in history.revisions:
        raise HistoryError(f"rule {rule} has no revisions on the line of {history.branch or 'the branch'}")
    since_position = _since_position(history, since)
    times = commit_times(history.commits)
    unresolved = dict.fromkeys(UNRESOLVED_REASONS, 0)
    results: list[RevisionImpact] = []
    notes: list[str] = list(history.notes)
    for part in tables:
        if part.task_id is None or (task is not None and part.task_id != task):
            continue
        positions = table_positions(history, part, times)
        for reason, count in count_unresolved(positions).items():
            unresolved[reason] += count
        data = task_annotations(project, part, positions)
        specs = revision_specs(history, part.task_id, rule=rule, since=since_position)
        if not specs:
            continue
        settings = Settings.for_task(project, part.task_id, seed=seed, window=window, bootstrap=bootstrap)
        change_points = change_positions(history, part.task_id)
        results += analyse_task(data, specs, change_points, len(history.commits), settings)
    if window == "rule":
        notes.append("--window rule: each revision compares all annotations under the rule's previous "
                     "version with all under its new one; other rules' changes inside those spans are mixed in")
    results.sort(key=lambda r: (r.spec.position, r.spec.task, r.spec.rule))
    return ImpactReport(results, unresolved, window, tuple(notes))


def change_positions(history: History, task_id: str) -> list[int]:
    """Positions of the commits that changed what the task's guidelines say: the history's task
    change commits, less those whose every change to the task is of level `none` (a file move,
    reformatting) — such a commit leaves annotators under the same guidelines, so it must not
    cut a window in two."""
    meaningful = {
        r.index for revisions in history.revisions.values() for r in revisions
        if r.level not in SKIPPED_LEVELS and _task_of(r) == task_id
    }
    meaningful |= {r.index for r in history.task_revisions.get(task_id, []) if r.level not in SKIPPED_LEVELS}
    positions = (history.index_of(c.sha) for c in history.task_change_commits(task_id))
    return [p for p in positions if p in meaningful]


def _since_position(history: History, since: str | None) -> int:
    if since is None:
        return 0
    commit = history.resolve(since)
    if commit is None:
        raise HistoryError(f"--since {since}: no such commit, tag or release on the line")
    return history.index_of(commit.sha)


def table_positions(history: History, table: AnnotationTable, times: np.ndarray | None = None) -> np.ndarray:
    """Each row's commit position (or negative reason code): `guideline_rev` first, else time."""
    rev_position = np.array(
        [_resolve_index(history, rev) for rev in table.revisions], dtype=np.int64
    )
    when = np.asarray(table.annotated_at, dtype="datetime64[us]")
    return resolve_positions(table.guideline_rev, rev_position, when,
                             commit_times(history.commits) if times is None else times)


def _resolve_index(history: History, rev: str) -> int:
    commit = history.resolve(str(rev))
    return -1 if commit is None else history.index_of(commit.sha)


def task_annotations(project: Project | None, table: AnnotationTable, positions: np.ndarray) -> TaskAnnotations:
    """One task's table as core arrays: categories in the task's label order, citations as pairs."""
    task = project.tasks.get(table.task_id) if project is not None and table.task_id else None
    if table.multi_label:
        used, value = np.unique(table.label, return_inverse=True)
        sets = [frozenset(table.label_sets[u]) for u in used]
        categories = tuple(table.labels[u] for u in used)
        members = tuple(tuple(sorted(s)) for s in sets)
        distance, numeric = agreement.masi_matrix(sets), None
    else:
        order = list(task.label_ids) if task else []
        categories = tuple(order + sorted(set(table.labels) - set(order)))
        position = {c: k for k, c in enumerate(categories)}
        remap = np.array([position[v] for v in table.labels] or [0], dtype=np.int64)
        value = remap[table.label]
        members, distance = None, None
        values = [label.value for label in task.labels] if task else []
        numeric = (tuple(float(v) for v in values) if values and len(values) == len(categories)
                   and all(v is not None for v in values) else None)
    rule_ids = tuple(sorted({r for members_ in table.rule_sets for r in members_}))
    cite_row, cite_rule = _citation_pairs(table, rule_ids)
    return TaskAnnotations.build(
        table.item, table.annotator, value, positions, categories,
        cite_row=cite_row, cite_rule=cite_rule, rule_ids=rule_ids, numeric=numeric,
        members=members, distance=distance,
    )


def _citation_pairs(table: AnnotationTable, rule_ids: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(row, rule code) for every rule cited on every row."""
    index = {r: k for k, r in enumerate(rule_ids)}
    rows, rules = [], []
    for code, cited in enumerate(table.rule_sets):
        if not cited:
            continue
        hits = np.flatnonzero(table.rules == code)
        for rule_id in cited:
            rows.append(hits)
            rules.append(np.full(len(hits), index[rule_id], dtype=np.int64))
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(rules)


def revision_specs(
    history: History, task_id: str, *, rule: str | None = None, since: int = 0
) -> list[RevisionSpec]:
    """The task's meaningful rule revisions (level `none`, e.g. pure moves, skipped)."""
    meaningful = {
        rule_id: [r for r in revisions if r.level not in SKIPPED_LEVELS and _task_of(r) == task_id]
        for rule_id, revisions in sorted(history.revisions.items())
    }
    by_position: dict[int, set[str]] = {}
    for rule_id, revisions in meaningful.items():
        for revision in revisions:
            by_position.setdefault(revision.index, set()).add(rule_id)
    specs = []
    for rule_id, revisions in meaningful.items():
        if rule is not None and rule_id != rule:
            continue
        for k, revision in enumerate(revisions):
            if revision.index < since:
                continue
            specs.append(_spec(revision, task_id, revisions, k, by_position))
    return sorted(specs, key=lambda s: (s.position, s.rule))


def _task_of(revision: RuleRevision) -> str:
    record = revision.rule or revision.previous
    return record.task if record is not None else ""


def _spec(revision: RuleRevision, task_id: str, revisions: list[RuleRevision], k: int,
          by_position: dict[int, set[str]]) -> RevisionSpec:
    current, previous = revision.rule, revision.previous
    labels = (current or previous).labels
    return RevisionSpec(
        rule=revision.rule_id,
        task=task_id,
        commit=revision.commit.sha,
        date=revision.commit.date.isoformat(),
        author=revision.commit.author,
        change=revision.change,
        level=revision.level,
        position=revision.index,
        labels=tuple(labels),
        citable_before=previous is not None and previous.status not in NOT_CITABLE_STATUSES,
        citable_after=current is not None and current.status not in NOT_CITABLE_STATUSES,
        previous_position=revisions[k - 1].index if k > 0 else None,
        next_position=revisions[k + 1].index if k + 1 < len(revisions) else None,
        confounded_with=tuple(sorted(by_position[revision.index] - {revision.rule_id})),
    )


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
    for window, stats, ci in state_series(data, change_points, len(history.commits), settings):
        starts_at_change = window.start in change_points
        commit = history.commits[window.start] if history.commits else None
        release = next((name for position, name in reversed(releases) if position <= window.start), None)
        points.append(StatePoint(
            task_id, commit.sha if commit and starts_at_change else "",
            commit.date if commit else None, release,
            tuple(sorted(changed.get(window.start, ()))), window, stats, ci,
        ))
    return points
