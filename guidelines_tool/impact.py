"""Rule revisions × annotations → the agreement change each revision caused.

The method (DESIGN.md, "Linking rule revisions to agreement"; issue 11):
1. every annotation is tied to the commit of the branch's first-parent line it was made under
   (`guideline_rev`, else `annotated_at`); the rest are counted by reason, never dropped silently;
2. revision k of rule R, made in commit C_k, is judged on two windows of annotations: *before*
   (made under the task's guidelines as they stood just before C_k, since the previous commit that
   changed the task) and *after* (made under the state C_k created, until the next such commit);
   `window="rule"` pools R's whole previous version against its whole new one instead;
3. the items R governs: in its scope (a scope column or file), else cited R, else (no citations,
   or R could not be cited on one side) where any annotator chose one of R's labels — chosen by
   the outcome, so never a verdict (`labels_fallback`);
4. the task's other items are the control (less those of rules changed in the same commit, or,
   against the longer history, since): the difference-in-differences (DiD) removes what happened
   to everybody (annotators getting better, an easier batch) from the rule's effect;
5. where R has earlier guideline states under the same version, the DiD is taken against those
   (the window just before is what prompts an edit), and a call also needs the window just
   before to read the same way; where it has none and R was the task's worst-agreeing rule just
   before, p and interval are conditional on that choice (impact_compare, selection);
6. intervals and p-values count items and annotators as samples (agreement.twoway); verdicts
   are held to a false discovery rate over the whole report (`finalise`, Benjamini–Hochberg), the
   CI gate to a family-wise error rate over the revisions it checks (`gate_failures`, Holm);
7. warnings (impact_warnings) say where the reading is unsafe; some withhold the verdict
   (`inconclusive`); `insufficient_data` below the task's `min_items`, with the counts and what
   to do.

The core (resolution, windows, governed items, comparison, verdict) is pure functions over
arrays and records; `compute_impact` only adapts a History and annotation tables to it, so the
CLI and the validity benchmark (`bench/attribution.py`) run the same code.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import datetime, timezone
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from guidelines_tool import agreement, impact_checks, impact_compare, multiplicity
from guidelines_tool.agreement import twoway
from guidelines_tool.annotations import AnnotationTable
from guidelines_tool.errors import EXIT_CLEAN, EXIT_FINDINGS, DataError, HistoryError
from guidelines_tool.impact_warnings import WARNINGS
from guidelines_tool.model import AgreementPolicy, Project

if TYPE_CHECKING:
    from guidelines_tool.history import History, RuleRevision

WindowMode = Literal["adjacent", "rule"]
Verdict = Literal["improved", "regressed", "no_clear_change", "insufficient_data", "inconclusive"]
VERDICTS: tuple[str, ...] = ("improved", "regressed", "no_clear_change", "insufficient_data", "inconclusive")
GovernedBy = Literal["scope", "citations", "labels"]
AnnotatorMode = Literal["all", "shared"]

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
    """One task's resolved annotations, sorted by commit position (then by time, where the data
    has it) so windows are slices.

    `cite_row`/`cite_rule` list (annotation row, index into `rule_ids`) pairs, sorted by row.
    `scope_item`/`scope_rule` list (item, index into `rule_ids`) pairs: the rules whose scope
    each item is in, known independently of the labels (a `scope` column or `--scope FILE`);
    empty when the data has no scope.
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
    scope_item: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    scope_rule: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

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
        scope_item: np.ndarray | None = None,
        scope_rule: np.ndarray | None = None,
        when: np.ndarray | None = None,
    ) -> TaskAnnotations:
        """Keep resolved rows (position >= 0), sort them by position (and `when`, datetime64 or
        numbers, where given: placebo splits inside a guideline state follow time), remap
        citations."""
        keep = np.flatnonzero(np.asarray(position) >= 0)
        if when is not None:
            time = np.asarray(when)[keep]
            time = time.astype("datetime64[us]").astype(np.int64) if np.issubdtype(time.dtype, np.datetime64) \
                else np.asarray(time, dtype=float)
            order = keep[np.lexsort((time, np.asarray(position)[keep]))]
        else:
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
            scope_item=np.asarray(scope_item if scope_item is not None else np.zeros(0, dtype=np.int64)),
            scope_rule=np.asarray(scope_rule if scope_rule is not None else [], dtype=np.int64),
        )

    @property
    def has_citations(self) -> bool:
        return len(self.cite_row) > 0

    @property
    def has_scope(self) -> bool:
        return len(self.scope_item) > 0

    @cached_property
    def item_codes(self) -> int:
        """One more than the largest item code (items are integer codes)."""
        return int(np.max(self.item)) + 1 if len(self.item) else 0

    @cached_property
    def relabels(self) -> bool:
        """Whether some annotator judged some item more than once (under several revisions)."""
        if not len(self.item):
            return False
        pair = np.asarray(self.item, dtype=np.int64) * (int(np.max(self.annotator)) + 1) \
            + np.asarray(self.annotator, dtype=np.int64)
        return bool(len(np.unique(pair)) < len(pair))

    def scoped(self, rule: str) -> np.ndarray:
        """The items in the rule's scope (by the scope column or file)."""
        if rule not in self.rule_ids:
            return self.scope_item[:0]
        return self.scope_item[self.scope_rule == self.rule_ids.index(rule)]

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
    data: TaskAnnotations, rows: slice | np.ndarray, spec: RevisionSpec, by: GovernedBy
) -> np.ndarray:
    """Items of a window (a slice or row indices) that the rule governs: in its scope (by the
    scope column or file), cited it, or (by labels) got one of its labels from any annotator."""
    return _governed(data, rows, spec.rule, spec.labels, by)


def _governed(data: TaskAnnotations, rows: slice | np.ndarray, rule: str, labels: tuple[str, ...],
              by: GovernedBy) -> np.ndarray:
    rows = _as_slice(rows)
    if by == "scope":
        return np.intersect1d(np.unique(data.item[rows]), data.scoped(rule))
    if by == "citations":
        if rule not in data.rule_ids:
            return np.empty(0, dtype=data.item.dtype)
        code = data.rule_ids.index(rule)
        if isinstance(rows, slice):
            lo, hi = np.searchsorted(data.cite_row, [rows.start, rows.stop], side="left")
            cited = data.cite_row[lo:hi][data.cite_rule[lo:hi] == code]
        else:
            pairs = _citations_within(data, rows)
            cited = data.cite_row[pairs][data.cite_rule[pairs] == code]
            cited = cited[np.isin(cited, rows)]
        return np.unique(data.item[cited])
    members = data.members or tuple((c,) for c in data.categories)
    codes = [k for k, labels_ in enumerate(members) if set(labels_) & set(labels)]
    chose = np.isin(data.value[rows], codes)
    return np.unique(data.item[rows][chose])


def _as_slice(rows: slice | np.ndarray) -> slice | np.ndarray:
    """A run of consecutive row indices as the slice it is (the windows' usual shape)."""
    if isinstance(rows, slice) or len(rows) == 0:
        return rows
    if int(rows[-1]) - int(rows[0]) + 1 == len(rows):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _citations_within(data: TaskAnnotations, rows: slice | np.ndarray) -> slice:
    """The citation pairs whose rows lie in the span of `rows` (citations are sorted by row)."""
    if isinstance(rows, slice):
        lo, hi = rows.start, rows.stop
    elif len(rows):
        lo, hi = int(rows.min()), int(rows.max()) + 1
    else:
        lo = hi = 0
    a, b = np.searchsorted(data.cite_row, [lo, hi], side="left")
    return slice(int(a), int(b))


def governed_definition(data: TaskAnnotations, spec: RevisionSpec) -> GovernedBy:
    """The scope when the data has one (items assigned to rules independently of the labels:
    the clean definition); else citations when the task's data has any and annotators could
    cite the rule on both sides; otherwise its labels, on both sides, so before and after measure
    the same kind of item set (a rule cannot be cited before it is added or after it is
    deprecated)."""
    if data.has_scope:
        return "scope"
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
    """How one task is analysed: its agreement policy (min_items, confidence, bootstrap count,
    fdr, as the project or task configures them), the distance metric of its label scale, the
    seed, the window mode and which annotators a comparison uses. The policy is held, not copied
    field by field, so a new policy field reaches the analysis without touching this record."""

    policy: AgreementPolicy = AgreementPolicy()
    metric: str = "nominal"  # the scale's distance metric (policy.metric names the coefficient)
    seed: int = 0
    window: WindowMode = "adjacent"
    annotators: AnnotatorMode = "all"

    @property
    def min_items(self) -> int:
        return self.policy.min_items

    @property
    def bootstrap(self) -> int:
        return self.policy.bootstrap

    @property
    def confidence(self) -> float:
        return self.policy.confidence

    @property
    def fdr(self) -> float:
        return self.policy.fdr

    @classmethod
    def for_task(cls, project: Project, task_id: str, *, seed: int = 0, window: WindowMode = "adjacent",
                 bootstrap: int | None = None, annotators: AnnotatorMode = "all",
                 fdr: float | None = None) -> Settings:
        """The task's policy and scale; `bootstrap` (the CLI's --bootstrap) and `fdr` (--fdr)
        override the policy's."""
        policy = project.policy_for(task_id)
        if bootstrap:
            policy = replace(policy, bootstrap=bootstrap)
        if fdr is not None:
            policy = replace(policy, fdr=fdr)
        task = project.tasks.get(task_id)
        metric = task.scale if task is not None and not task.multi_label else "nominal"
        return cls(policy, metric, seed, window, annotators)


# --- what can make a reading unsafe ------------------------------------------------------------

#: Shared / all annotators of the two windows below which `annotator_turnover` fires.
TURNOVER_SHARED = 0.5
#: |z| of the window just before against the longer history reported as a dip or a rise.
DIP_Z = 1.959964
#: The p at which the adjacent reading must confirm a call made against the longer history.
CONFIRM_P = 0.05
#: Share of the rule's items also governed by a rule changed in the same commit above which
#: `several_rules_changed` withholds the verdict.
SHARED_ITEMS = 0.2


@dataclass(frozen=True)
class AnnotatorCounts:
    """Annotators active in the before and the after window, and in both."""

    before: int
    after: int
    shared: int

    @property
    def union(self) -> int:
        return self.before + self.after - self.shared

    def to_dict(self) -> dict[str, int]:
        return {"before": self.before, "after": self.after, "shared": self.shared}


@dataclass(frozen=True)
class Comparison:
    """Governed and control agreement before and after, the changes with their intervals, and
    the p-value of the estimate the verdict rests on (the DiD, or the delta when the control is
    too small). `se`/`df` are that estimate's two-way standard error and degrees of freedom."""

    before: WindowStats
    after: WindowStats
    control_before: WindowStats
    control_after: WindowStats
    delta: float | None
    delta_ci: tuple[float, float] | None
    control_delta: float | None
    did: float | None
    did_ci: tuple[float, float] | None
    se: float | None = None
    df: float = math.inf
    p_value: float | None = None
    controlled: bool = True
    primary: impact_compare.Estimate | None = field(default=None, compare=False, repr=False)
    baseline: Baseline | None = None
    selection: impact_compare.SelectionAdjustment | None = field(default=None, compare=False, repr=False)
    from_baseline: bool = False  # did/did_ci/p are against the rule's longer history
    adjacent: impact_compare.Estimate | None = field(default=None, compare=False, repr=False)

    @property
    def confirmed(self) -> bool:
        """Whether the window just before reads the same way as the longer history: with a
        baseline, a call needs the adjacent DiD on the same side of 0 at p ≤ 0.05 too. A rule
        that annotators were already learning (rising before the commit) reads stronger against
        its earlier states than against the window just before; a dip that prompted the edit
        reads stronger just before. Both readings agreeing is what a call rests on."""
        if not self.from_baseline or self.adjacent is None:
            return True
        a = self.adjacent
        return (a.value is not None and a.p_value is not None and a.p_value <= CONFIRM_P
                and self.estimate is not None and (a.value > 0) == (self.estimate > 0))

    @property
    def estimate(self) -> float | None:
        """The estimate the verdict rests on."""
        return self.did if self.controlled else self.delta

    @property
    def ci(self) -> tuple[float, float] | None:
        return self.did_ci if self.controlled else self.delta_ci


@dataclass(frozen=True)
class Baseline:
    """The rule's longer history: the guideline states before the window just before the commit
    under the same version of the rule. `did` compares the after window with it; `dip` is how far
    the window just before sits from it (gov − control, just before − over the baseline)."""

    window: Window
    governed: WindowStats
    control: WindowStats
    did: impact_compare.Estimate
    dip: impact_compare.Estimate

    def to_dict(self) -> dict[str, Any]:
        return {"window": [self.window.start, self.window.stop], "before": self.governed.to_dict(),
                "control_before": self.control.to_dict(), "did": _round(self.did.value),
                "did_ci": _round_pair(self.did.ci), "p_value": _round(self.did.p_value),
                "dip": _round(self.dip.value), "dip_ci": _round_pair(self.dip.ci)}


@dataclass
class TaskContext:
    """What analysing one revision needs to know about the task's others: the commits that
    changed it, the rules revised in each commit, the rules whose items can be told apart."""

    change_points: list[int]
    end: int
    revised_at: dict[int, dict[str, RevisionSpec]]
    rules: tuple[str, ...]
    alphas: dict[tuple, float | None] = field(default_factory=dict)  # (window rows, rule) -> α

    @classmethod
    def of(cls, data: TaskAnnotations, specs: Sequence[RevisionSpec], change_points: list[int],
           end: int) -> TaskContext:
        revised: dict[int, dict[str, RevisionSpec]] = {}
        for spec in specs:
            revised.setdefault(spec.position, {})[spec.rule] = spec
        return cls(list(change_points), end, revised, data.rule_ids)


def _latest(data: TaskAnnotations, rows: np.ndarray) -> np.ndarray:
    """The rows with each (item, annotator)'s latest judgement among them (rows ascending): an
    annotator who labelled an item again inside one window counts once, never paired with
    themselves."""
    if len(rows) == 0 or not data.relabels:
        return rows
    _, item = np.unique(data.item[rows], return_inverse=True)
    annotator = np.asarray(data.annotator[rows], dtype=np.int64)
    pair = item.astype(np.int64) * (int(annotator.max()) + 1) + annotator
    if np.bincount(pair).max() <= 1:
        return rows
    _, from_end = np.unique(pair[::-1], return_index=True)
    return np.sort(rows[len(pair) - 1 - from_end])


def _set(data: TaskAnnotations, *items: np.ndarray) -> np.ndarray:
    """Items as a mask over the task's item codes (membership tests on windows of thousands of
    judgements, hundreds of times a report: a mask is one index where np.isin sorts)."""
    mask = np.zeros(data.item_codes, dtype=bool)
    for part in items:
        mask[np.asarray(part, dtype=np.int64)] = True
    return mask


def _member(data: TaskAnnotations, rows: np.ndarray, items: np.ndarray) -> np.ndarray:
    """The rows on the given items (an array of items or a mask), each annotator's latest."""
    mask = items if items.dtype == bool else _set(data, items)
    return _latest(data, rows[mask[data.item[rows]]])


def _window_stats(rows: np.ndarray, n_items: int, alpha: float | None) -> WindowStats:
    return WindowStats(n_items, int(len(rows)), alpha)


def _delta_for(data: TaskAnnotations, settings: Settings):
    """A group's category distance: the data's own (MASI), the metric's, or the ordinal
    distances from the group's own marginals."""
    scores = np.asarray(data.numeric, dtype=float) if data.numeric is not None else \
        np.arange(1, len(data.categories) + 1, dtype=float)
    fixed = data.distance if data.distance is not None else agreement.metric_distance(settings.metric, scores)
    if fixed is not None:
        return lambda rows: fixed

    def ordinal(rows: np.ndarray) -> np.ndarray:
        _, inverse, counts = np.unique(data.item[rows], return_inverse=True, return_counts=True)
        pairable = rows[counts[inverse] >= 2]
        return agreement.ordinal_distance(np.bincount(data.value[pairable], minlength=len(data.categories)))
    return ordinal


def _pairable(data: TaskAnnotations, rows: np.ndarray) -> int:
    """Items of the rows rated at least twice (a window's item codes are mostly a narrow range)."""
    if len(rows) == 0:
        return 0
    codes = np.asarray(data.item[rows], dtype=np.int64)
    return int(np.count_nonzero(np.bincount(codes - codes.min()) >= 2))


def _rows(data: TaskAnnotations, window: Window) -> np.ndarray:
    part = data.rows(window)
    return np.arange(part.start, part.stop)


@dataclass(frozen=True)
class _Selected:
    """The judgements of one revision's comparison and what choosing them found."""

    groups: impact_compare.Groups
    annotators: AnnotatorCounts
    warnings: tuple[str, ...]
    withheld: tuple[str, ...]
    control_by: str
    baseline_window: Window | None


def _citation_checks(data: TaskAnnotations, spec: RevisionSpec, rows: np.ndarray,
                     items: np.ndarray) -> tuple[bool, bool]:
    """(low citation rate, label-dependent citations) on the judgements of the rule's items
    (a mask) in both windows (`rows`)."""
    governed = rows[items[data.item[rows]]]
    if not len(governed) or spec.rule not in data.rule_ids:
        return False, False
    code = data.rule_ids.index(spec.rule)
    pairs = _citations_within(data, governed)
    cited = np.isin(governed, data.cite_row[pairs][data.cite_rule[pairs] == code])
    per_item = len(governed) / max(len(np.unique(data.item[governed])), 1)
    low = impact_checks.citation_rate(int(cited.sum()), len(governed), per_item) < impact_checks.LOW_CITATION_RATE
    dependence = impact_checks.label_dependence(cited, data.value[governed])
    return low, bool(dependence is not None and dependence.fires)


def _citing_others(data: TaskAnnotations, rows: np.ndarray, exclude: set[str]) -> np.ndarray:
    """Items (a mask) of the rows that cite some rule not in `exclude` and none in it."""
    codes = [k for k, rule in enumerate(data.rule_ids) if rule not in exclude]
    pairs = _citations_within(data, rows)
    row, rule = data.cite_row[pairs], data.cite_rule[pairs]
    if not isinstance(rows, slice):
        inside = np.isin(row, rows)
        row, rule = row[inside], rule[inside]
    other = np.isin(rule, codes)
    return _set(data, data.item[row[other]]) & ~_set(data, data.item[row[~other]])


def select_groups(data: TaskAnnotations, spec: RevisionSpec, windows: tuple[Window, Window],
                  settings: Settings, context: TaskContext,
                  rows: tuple[np.ndarray, np.ndarray] | None = None) -> _Selected:
    """Which judgements each group of the comparison holds, and the warnings choosing them
    raised. `rows` replaces the windows' rows (placebo splits inside a guideline state)."""
    before, after = rows if rows is not None else (_rows(data, windows[0]), _rows(data, windows[1]))
    who_before, who_after = np.unique(data.annotator[before]), np.unique(data.annotator[after])
    shared = np.intersect1d(who_before, who_after)
    counts = AnnotatorCounts(len(who_before), len(who_after), len(shared))
    if settings.annotators == "shared":
        before = before[np.isin(data.annotator[before], shared)]
        after = after[np.isin(data.annotator[after], shared)]
    by = governed_definition(data, spec)
    warnings: list[str] = []
    withheld: list[str] = []
    if counts.before and counts.after and counts.shared / counts.union < TURNOVER_SHARED:
        warnings.append("annotator_turnover")
    if by == "labels":
        warnings.append("labels_fallback")
        withheld.append("labels_fallback")
    # the rules changed in the same commit (from the history, so filtering with --rule does not
    # change a revision's figures), with their specs where known (their labels)
    known = context.revised_at.get(spec.position, {})
    together = {rule: known.get(rule) or replace(spec, rule=rule, labels=())
                for rule in spec.confounded_with} if rows is None else {}
    governed = [_set(data, _governed(data, part, spec.rule, spec.labels, by)) for part in (before, after)]
    others = [_set(data, *[_governed(data, part, r, s.labels, by) for r, s in together.items()])
              for part in (before, after)]
    if together:
        warnings.append("several_rules_changed")
        mine = governed[0] | governed[1]
        overlap = np.count_nonzero(mine & (others[0] | others[1])) / max(np.count_nonzero(mine), 1)
        if overlap > SHARED_ITEMS:
            withheld.append("several_rules_changed")
    control_by = "other items"
    control = [~(g | o) for g, o in zip(governed, others)]
    low = False
    if by == "citations":
        low, dependent = _citation_checks(data, spec, np.concatenate([before, after]), governed[0] | governed[1])
        if dependent:
            warnings.append("label_dependent_citations")
            withheld.append("label_dependent_citations")
        if low:
            warnings.append("low_citation_rate")
            citing = [_citing_others(data, part, {spec.rule, *together}) for part in (before, after)]
            if min(_pairable(data, _member(data, part, c)) for part, c in zip((before, after), citing)) \
                    >= settings.min_items:
                control, control_by = citing, "items citing other rules"
    groups = impact_compare.Groups(*(_member(data, part, items) for part, items in
                                     ((before, governed[0]), (after, governed[1]), (before, control[0]),
                                      (after, control[1]))))
    baseline_window = None
    if rows is None and settings.window == "adjacent":
        start = spec.previous_position if spec.previous_position is not None else 0
        if start < windows[0].start:
            baseline_window = Window(start, windows[0].start)
            baseline = _baseline_groups(data, spec, by, baseline_window, windows, (before, after), shared, together,
                                        control_by, settings, context)
            if baseline is None:
                baseline_window = None
            else:
                groups = replace(groups, baseline_control_after=baseline[1],
                                 baseline_governed=baseline[2], baseline_control=baseline[3])
    if rows is None and settings.window == "adjacent" and by in ("scope", "citations"):
        groups = replace(groups, candidates=_candidates(data, before, spec, by, together, settings, context))
    return _Selected(groups, counts, tuple(warnings), tuple(withheld), control_by, baseline_window)


def _baseline_groups(data: TaskAnnotations, spec: RevisionSpec, by: GovernedBy, window: Window,
                     windows: tuple[Window, Window], rows: tuple[np.ndarray, np.ndarray], shared: np.ndarray,
                     together: dict, control_by: str, settings: Settings, context: TaskContext):
    """The rule's longer history as groups: (control just before, control after, governed in the
    baseline, control in the baseline), the controls without the items of rules revised between
    the baseline and the commit (their agreement moved for reasons of their own), or None when
    a group has too few items."""
    base = _rows(data, window)
    if settings.annotators == "shared":
        base = base[np.isin(data.annotator[base], shared)]
    between = {rule: s for p, revised in context.revised_at.items() if window.start < p < spec.position
               for rule, s in revised.items() if rule != spec.rule}
    others = {**together, **between}
    mine = _set(data, _governed(data, base, spec.rule, spec.labels, by))
    if _pairable(data, _member(data, base, mine)) < settings.min_items:
        return None
    out = []
    for part in (*rows, base):
        if control_by == "items citing other rules":
            rest = _citing_others(data, part, {spec.rule, *others})
        else:
            rest = ~_set(data, _governed(data, part, spec.rule, spec.labels, by),
                         *[_governed(data, part, r, s.labels, by) for r, s in others.items()])
        out.append(_member(data, part, rest))
    if min(_pairable(data, group) for group in out) < settings.min_items:
        return None
    return out[0], out[1], _member(data, base, mine), out[2]


def _candidates(data: TaskAnnotations, before: np.ndarray, spec: RevisionSpec, by: GovernedBy,
                together: dict, settings: Settings, context: TaskContext) -> tuple[np.ndarray, ...]:
    """The rows of the task's other rules (not changed in this commit) with `min_items` items
    in the window just before, when the revised rule had the lowest α of them there: the choice
    a selection-adjusted inference conditions on. Empty when it was not the lowest (plain α's
    first: the adjustment is needed rarely, and costs a design per candidate)."""
    key = (int(before[0]) if len(before) else 0, int(before[-1]) if len(before) else 0, len(before))
    delta_of = _delta_for(data, settings)

    def alpha_of(rule: str, labels: tuple[str, ...]) -> tuple[float | None, np.ndarray]:
        rows = _member(data, before, _governed(data, before, rule, labels, by))
        if (key, rule) not in context.alphas:
            enough = _pairable(data, rows) >= settings.min_items
            lin = twoway.linearise(data.item[rows], data.annotator[rows], data.value[rows],
                                             delta_of(rows)) if enough else None
            context.alphas[(key, rule)] = None if lin is None else lin.alpha
        return context.alphas[(key, rule)], rows

    mine, _ = alpha_of(spec.rule, spec.labels)
    if mine is None:
        return ()
    out = []
    for rule in context.rules:
        if rule == spec.rule or rule in together:
            continue
        alpha, rows = alpha_of(rule, ())
        if alpha is not None:
            if alpha <= mine:
                return ()
            out.append(rows)
    return tuple(out)


def analyse_revision(
    data: TaskAnnotations,
    spec: RevisionSpec,
    windows: tuple[Window, Window],
    settings: Settings,
    context: TaskContext | None = None,
    rows: tuple[np.ndarray, np.ndarray] | None = None,
) -> RevisionImpact:
    """One revision: the groups of judgements, the comparison, the warnings, a provisional
    verdict (`finalise` decides it over the whole report)."""
    context = context or TaskContext.of(data, [spec], [], int(data.position.max(initial=0)) + 1)
    chosen = select_groups(data, spec, windows, settings, context, rows)
    g = chosen.groups
    result = impact_compare.compare(
        g, data.item, data.annotator, data.value, _delta_for(data, settings), min_items=settings.min_items,
        confidence=settings.confidence, rng=revision_rng(settings.seed, spec))
    stats = [_window_stats(r, n, a) for r, n, a in zip(
        (g.governed_before, g.governed_after, g.control_before, g.control_after), result.n_items, result.alphas)]
    enough = min(stats[0].n_items, stats[1].n_items) >= settings.min_items
    warnings, withheld = list(chosen.warnings), list(chosen.withheld)
    baseline = None
    if result.baseline is not None and chosen.baseline_window is not None:
        baseline = Baseline(chosen.baseline_window, _window_stats(g.baseline_governed, result.n_items[4], result.alphas[4]),
                            _window_stats(g.baseline_control, result.n_items[5], result.alphas[5]),
                            result.baseline, result.dip)
        z = result.dip.value / result.dip.se if result.dip.value is not None and result.dip.se else 0.0
        if z <= -DIP_Z:
            # a dip just before: the estimate is against the longer history, which the dip
            # (a reason to revise the rule) does not move
            warnings.append("regression_to_mean")
        elif z >= DIP_Z:  # already rising before the commit; finalise withholds a call it would make
            warnings.append("pre_trend")
    if result.selection is not None and "regression_to_mean" not in warnings:
        warnings.append("regression_to_mean")
    primary = result.primary if enough else impact_compare.Estimate(result.primary.value)
    delta = result.delta if enough else impact_compare.Estimate(result.delta.value)
    did = result.did if enough and result.did is not None else impact_compare.Estimate(
        result.did.value if result.did is not None else _difference(
            _difference(stats[1].alpha, stats[0].alpha), _difference(stats[3].alpha, stats[2].alpha)))
    if enough and result.controlled:
        did = primary
    elif enough:
        delta = primary
    comparison = Comparison(
        stats[0], stats[1], stats[2], stats[3],
        delta=delta.value, delta_ci=delta.ci, control_delta=_difference(stats[3].alpha, stats[2].alpha),
        did=did.value, did_ci=did.ci, se=primary.se, df=primary.df, p_value=primary.p_value,
        controlled=result.controlled, primary=primary, baseline=baseline,
        selection=result.selection if enough else None, from_baseline=result.from_baseline and enough,
        adjacent=result.did if result.from_baseline and enough else None,
    )
    if not enough or primary.p_value is None:
        decided: Verdict = "insufficient_data"
    elif withheld:
        decided = "inconclusive"
    else:
        decided = _direction(primary.value) if primary.p_value <= settings.fdr else "no_clear_change"
    return RevisionImpact(
        spec, governed_definition(data, spec), comparison, decided, settings.window, windows,
        warnings=tuple(_ordered(warnings)), withheld=tuple(_ordered(withheld)), annotators=chosen.annotators,
        control_by=chosen.control_by, min_items=settings.min_items,
    )


def _ordered(codes: list[str]) -> list[str]:
    return [code for code in WARNINGS if code in codes]


def _direction(value: float) -> Verdict:
    return "improved" if value > 0 else "regressed"


def _difference(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


# --- agreement of one window (the quality page's series) ---------------------------------------


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


# --- revisions -> results ----------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionImpact:
    """One rule revision linked to the agreement change around it. `verdict` is provisional
    until `finalise` has seen the whole report (its q-value decides)."""

    spec: RevisionSpec
    governed_by: GovernedBy
    comparison: Comparison
    verdict: Verdict
    window: WindowMode = "adjacent"
    windows: tuple[Window, Window] = (Window(0, 0), Window(0, 0))
    warnings: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()  # the warnings that made the verdict inconclusive
    annotators: AnnotatorCounts = AnnotatorCounts(0, 0, 0)
    control_by: str = "other items"
    min_items: int = 30
    q_value: float | None = None
    tests: int = 0  # revisions in the report's multiple-testing family
    adjusted_ci: tuple[float, float] | None = None  # false-coverage-rate interval of a flagged verdict
    adjusted_level: float | None = None
    reason: str | None = None  # why too little data: the counts against min_items, what to do

    @property
    def p_value(self) -> float | None:
        return self.comparison.p_value

    @property
    def scope(self) -> GovernedBy:
        return self.governed_by

    def to_dict(self) -> dict[str, Any]:
        s, c = self.spec, self.comparison
        out = {
            "rule": s.rule,
            "task": s.task,
            "commit": s.commit,
            "date": s.date,
            "change": s.change,
            "level": s.level,
            "governed_by": self.governed_by,
            "scope": self.governed_by,
            "before": c.before.to_dict(),
            "after": c.after.to_dict(),
            "delta": _round(c.delta),
            "delta_ci": _round_pair(c.delta_ci),
            "control_delta": _round(c.control_delta),
            "control": self.control_by,
            "did": _round(c.did),
            "did_ci": _round_pair(c.did_ci),
            "estimate": "baseline" if c.from_baseline else "adjacent",
            "se": _round(c.se),
            "p_value": _significant(self.p_value),
            "q_value": _significant(self.q_value),
            "verdict": self.verdict,
            "warnings": list(self.warnings),
            "withheld_by": list(self.withheld),
            "annotators": self.annotators.to_dict(),
            "confounded_with": list(s.confounded_with),
            "min_items": self.min_items,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        if self.adjusted_ci is not None:
            out["adjusted_ci"] = {"ci": _round_pair(self.adjusted_ci), "level": _round(self.adjusted_level),
                                  "method": "fcr"}
        if c.baseline is not None:
            out["baseline"] = c.baseline.to_dict()
        if c.adjacent is not None:
            out["adjacent"] = {"did": _round(c.adjacent.value), "did_ci": _round_pair(c.adjacent.ci),
                               "p_value": _significant(c.adjacent.p_value)}
        if c.selection is not None:
            u = c.selection.unadjusted
            out["selection"] = {"worst_of": c.selection.candidates, "adjusted_by": c.selection.method,
                                "adjacent": _round(u.value), "adjacent_ci": _round_pair(u.ci),
                                "adjacent_p": _significant(u.p_value)}
        return out


def revision_rng(seed: int, spec: RevisionSpec) -> np.random.Generator:
    """A stream per (seed, rule, commit): a revision's numbers do not depend on which other
    revisions are analysed (filtering with --rule gives the same figures)."""
    key = zlib.crc32(f"{spec.rule}@{spec.commit}".encode())
    return np.random.default_rng(np.random.SeedSequence([seed, key]))


def analyse_task(
    data: TaskAnnotations,
    specs: list[RevisionSpec],
    change_points: list[int],
    end: int,
    settings: Settings,
    all_specs: list[RevisionSpec] | None = None,
) -> list[RevisionImpact]:
    """Every revision of `specs` (of one task); `change_points` are the positions of the commits
    that changed any rule or label of the task, `end` the length of the line, `all_specs` every
    revision of the task (when `specs` is a filtered part of them). Verdicts are provisional
    until `finalise` has seen the whole report."""
    context = TaskContext.of(data, all_specs if all_specs is not None else specs, change_points, end)
    results = []
    for spec in specs:
        if settings.window == "rule":
            windows = rule_windows(spec, end)
        else:
            windows = adjacent_windows(spec.position, change_points, end)
        results.append(analyse_revision(data, spec, windows, settings, context))
    return results


def finalise(results: list[RevisionImpact], settings: Settings | float) -> list[RevisionImpact]:
    """Verdicts over the whole report: Benjamini–Hochberg q-values over every revision with a
    p-value; improved / regressed where q ≤ the policy's fdr (and no warning withheld the
    verdict), with a false-coverage-rate interval (Benjamini & Yekutieli 2005) beside each."""
    q = settings if isinstance(settings, float) else settings.fdr
    tested = [r.p_value if r.verdict != "insufficient_data" else None for r in results]
    qs = multiplicity.bh_qvalues(tested)
    tests = sum(p is not None for p in tested)
    flagged = [k for k, r in enumerate(results) if qs[k] is not None and qs[k] <= q
               and r.verdict != "inconclusive"]
    level = multiplicity.fcr_confidence(len(flagged), tests, q)
    out = []
    for k, r in enumerate(results):
        verdict = r.verdict
        adjusted = None
        warnings, withheld = r.warnings, r.withheld
        if verdict not in ("insufficient_data", "inconclusive"):
            verdict = _direction(r.comparison.estimate) if k in flagged else "no_clear_change"
            if k in flagged and not r.comparison.confirmed:
                # the longer history and the window just before disagree: a trend, not the rule
                verdict = "inconclusive"
                warnings = tuple(_ordered([*warnings, "pre_trend"]))
                withheld = tuple(_ordered([*withheld, "pre_trend"]))
        if k in flagged:
            adjusted = _adjusted_interval(r.comparison, level)
        out.append(replace(r, verdict=verdict, q_value=qs[k], tests=tests, adjusted_ci=adjusted,
                           adjusted_level=level if adjusted is not None else None, warnings=warnings,
                           withheld=withheld))
    return out


def _adjusted_interval(c: Comparison, level: float) -> tuple[float, float] | None:
    if c.selection is not None and c.selection.truncation is not None:
        return c.selection.at(level)
    return c.primary.at(level) if c.primary is not None else None


def gate_failures(results: list[RevisionImpact], since_position: int = 0, alpha: float = 0.05) -> list[RevisionImpact]:
    """The CI gate: revisions at or after `since_position` whose agreement fell, with Holm's
    correction over those revisions (one false alarm fails a pull request, so the family-wise
    error rate is what must stay at `alpha`). A withheld verdict never fails the gate."""
    family = [r for r in results if r.spec.position >= since_position and r.verdict != "insufficient_data"
              and r.p_value is not None]
    adjusted = multiplicity.holm([r.p_value for r in family])
    return [r for r, p in zip(family, adjusted) if p is not None and p <= alpha and r.verdict != "inconclusive"
            and r.comparison.estimate is not None and r.comparison.estimate < 0 and r.comparison.confirmed]


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def _significant(value: float | None, digits: int = 6) -> float | None:
    """A p- or q-value to `digits` significant digits (a fixed number of decimals would write
    p = 1e-12 as 0)."""
    return None if value is None else float(f"{float(value):.{digits}g}")


def _round_pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [_round(pair[0]), _round(pair[1])]


# --- history + annotation tables -> the report ---------------------------------------------------


@dataclass(frozen=True)
class Placebo:
    """The analysis re-run where the rule did not change: how often it finds an effect there
    (unadjusted p ≤ 0.05: 5 % when the method is calibrated on this project's data) and how far
    its estimates spread (against the SE it reports)."""

    runs: int
    false_positive_rate: float | None
    null_sd: float | None
    mean_se: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "false_positive_rate": _round(self.false_positive_rate),
                "null_sd": _round(self.null_sd), "mean_se": _round(self.mean_se)}


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
    placebo: Placebo | None = None
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
            from guidelines_tool.impact_placebo import placebo_revisions

            placebo_runs += placebo_revisions(data, change_points, len(history.commits), settings,
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
        from guidelines_tool.impact_placebo import summarise

        placebo_record = summarise(placebo_runs)
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


def task_annotations(project: Project | None, table: AnnotationTable, positions: np.ndarray,
                     scope: Mapping[str, Sequence[str]] | None = None) -> TaskAnnotations:
    """One task's table as core arrays: categories in the task's label order, citations as pairs,
    the scope (from `scope`, item id -> rule ids, else the table's `scope` column) as pairs."""
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
    scope_pairs = _scope_pairs(table, scope)
    rule_ids = tuple(sorted({r for members_ in table.rule_sets for r in members_} | {r for _, r in scope_pairs}))
    cite_row, cite_rule = _citation_pairs(table, rule_ids)
    index = {r: k for k, r in enumerate(rule_ids)}
    return TaskAnnotations.build(
        table.item, table.annotator, value, positions, categories,
        cite_row=cite_row, cite_rule=cite_rule, rule_ids=rule_ids, numeric=numeric,
        members=members, distance=distance,
        scope_item=np.array([i for i, _ in scope_pairs], dtype=np.int64),
        scope_rule=np.array([index[r] for _, r in scope_pairs], dtype=np.int64),
        when=table.annotated_at,
    )


def _scope_pairs(table: AnnotationTable, scope: Mapping[str, Sequence[str]] | None) -> list[tuple[int, str]]:
    """(item code, rule id) for every rule whose scope each item is in: from the mapping when
    given (items it does not list are in no rule's scope), else from the `scope` column."""
    if scope is not None:
        code = {str(item): k for k, item in enumerate(table.items)}
        return sorted({(code[item], str(rule)) for item, rules in scope.items() if item in code for rule in rules})
    if table.scope is None:
        return []
    pairs = set()
    for k, rules in enumerate(table.scope_sets):
        if rules:
            for item in np.unique(table.item[table.scope == k]):
                pairs |= {(int(item), rule) for rule in rules}
    return sorted(pairs)


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
