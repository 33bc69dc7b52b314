"""One revision's comparison, interval, p-value, warnings and verdict; the report-level false
discovery rate and the gate (steps 5-7 of the method in `guidelines_tool.impact`)."""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from guidelines_tool import agreement, multiplicity
from guidelines_tool.agreement import twoway
from guidelines_tool.impact import checks as impact_checks, compare as impact_compare
from guidelines_tool.impact_warnings import WARNINGS
from guidelines_tool.model import AgreementPolicy, Project
from guidelines_tool.impact.data import (
    AnnotatorMode, GovernedBy, RevisionSpec, TaskAnnotations, Verdict, Window, WindowMode,
    _citations_within, _governed, adjacent_windows, governed_definition, rule_windows,
)

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
#: z by which the revised rule must have been the task's worst just before for that not to be
#: chance, when there are no earlier states to compare with (below it the verdict is withheld
#: unless the test conditional on that choice is decisive: p ≤ DECISIVE_P, which a null revision
#: reaches once in a thousand whatever the choice).
CHANCE_MARGIN = 1.959964
DECISIVE_P = 0.001
#: States (earlier ones and the window just before) from which the pre-trend slope is tested, and
#: its p: with three a drift that biases the estimate by 1 SD is z ≈ 0.8 (bench/attribution.py),
#: so the test would cost calls and see little; from four on it sees more the longer the history.
TREND_STATES = 4
TREND_P = 0.05
#: The most recent states the trend check looks at (a line through a long history is mostly
#: decided by its ends; each state costs a two-way design of its own).
TREND_MAX_STATES = 8
#: Earlier states the estimate against the longer history uses (the most recent ones).
BASELINE_STATES = 2
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
    trend: impact_compare.Trend | None = field(default=None, compare=False, repr=False)
    from_trend: bool = False  # did/did_ci/p are against the earlier states' drift carried forward

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
    governed_by: GovernedBy = "citations"
    shared: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    together: dict = field(default_factory=dict)
    history: Window | None = None  # the rule's whole longer history (the trend check's states)


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
    baseline_window = history = None
    if rows is None and settings.window == "adjacent":
        start = spec.previous_position if spec.previous_position is not None else 0
        if start < windows[0].start:
            history = Window(start, windows[0].start)
            states = _states(history, context.change_points)
            # the most recent earlier states first: a drift the trend check cannot see moves the
            # estimate the less the closer its baseline is to the commit; all of them if those
            # are too few
            for count in dict.fromkeys((min(BASELINE_STATES, len(states)), len(states))):
                baseline_window = Window(states[-count].start, history.stop)
                baseline = _baseline_groups(data, spec, by, baseline_window, windows, (before, after), shared,
                                            together, control_by, settings, context)
                if baseline is not None:
                    groups = replace(groups, baseline_control_after=baseline[1],
                                     baseline_governed=baseline[2], baseline_control=baseline[3])
                    break
            else:
                baseline_window = None
    if rows is None and settings.window == "adjacent" and by in ("scope", "citations"):
        groups = replace(groups, candidates=_candidates(data, before, spec, by, together, settings, context))
    return _Selected(groups, counts, tuple(warnings), tuple(withheld), control_by, baseline_window, by, shared,
                     together, history)


def _baseline_groups(data: TaskAnnotations, spec: RevisionSpec, by: GovernedBy, window: Window,
                     windows: tuple[Window, Window], rows: tuple[np.ndarray, np.ndarray], shared: np.ndarray,
                     together: dict, control_by: str, settings: Settings, context: TaskContext):
    """The rule's longer history as groups: (control just before, control after, governed in the
    baseline, control in the baseline), the controls without the items of rules revised between
    the baseline and the commit (their agreement moved for reasons of their own), or None when
    a group has too few items."""
    base = _restricted(data, window, shared, settings)
    others = _revised_since(spec, window, together, context)
    mine = _set(data, _governed(data, base, spec.rule, spec.labels, by))
    if _pairable(data, _member(data, base, mine)) < settings.min_items:
        return None
    out = [_control_rows(data, spec, by, part, others, control_by) for part in (*rows, base)]
    if min(_pairable(data, group) for group in out) < settings.min_items:
        return None
    return out[0], out[1], _member(data, base, mine), out[2]


def _restricted(data: TaskAnnotations, window: Window, shared: np.ndarray, settings: Settings) -> np.ndarray:
    """A window's rows, only the shared annotators' with --annotators shared."""
    rows = _rows(data, window)
    return rows[np.isin(data.annotator[rows], shared)] if settings.annotators == "shared" else rows


def _revised_since(spec: RevisionSpec, window: Window, together: dict, context: TaskContext) -> dict:
    """The rules changed in the same commit and those revised between `window` and the commit."""
    between = {rule: s for p, revised in context.revised_at.items() if window.start < p < spec.position
               for rule, s in revised.items() if rule != spec.rule}
    return {**together, **between}


def _control_rows(data: TaskAnnotations, spec: RevisionSpec, by: GovernedBy, part: np.ndarray, others: dict,
                  control_by: str) -> np.ndarray:
    """The control's rows of `part`: items governed neither by the rule nor by `others` (or, with
    a low citation rate, the items citing other rules only)."""
    if control_by == "items citing other rules":
        rest = _citing_others(data, part, {spec.rule, *others})
    else:
        rest = ~_set(data, _governed(data, part, spec.rule, spec.labels, by),
                     *[_governed(data, part, r, s.labels, by) for r, s in others.items()])
    return _member(data, part, rest)


def _states(window: Window, change_points: list[int]) -> list[Window]:
    """The guideline states of the task inside `window` (split at the commits that changed it)."""
    cuts = [window.start, *(p for p in change_points if window.start < p < window.stop), window.stop]
    return [Window(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _state_groups(data: TaskAnnotations, spec: RevisionSpec, chosen: _Selected, before: Window,
                  settings: Settings, context: TaskContext) -> list[tuple[np.ndarray, np.ndarray]]:
    """(governed, control) rows of each guideline state of the rule's longer history and of the
    window just before, oldest first: the points of the pre-trend check."""
    window = chosen.history
    states = (_states(window, context.change_points) + [before])[-TREND_MAX_STATES:]
    if len(states) < TREND_STATES:
        return []
    others = _revised_since(spec, window, chosen.together, context)
    out = []
    for state in states:
        part = _restricted(data, state, chosen.shared, settings)
        governed = _member(data, part, _governed(data, part, spec.rule, spec.labels, chosen.governed_by))
        out.append((governed, _control_rows(data, spec, chosen.governed_by, part, others, chosen.control_by)))
    return out


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
    delta_of = _delta_for(data, settings)
    result = impact_compare.compare(
        g, data.item, data.annotator, data.value, delta_of, min_items=settings.min_items,
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
    if result.selection is not None:
        if "regression_to_mean" not in warnings:
            warnings.append("regression_to_mean")
        margin = result.selection.margin
        p = result.primary.p_value
        if (result.selection.truncation is not None and (margin is None or margin < CHANCE_MARGIN)
                and (p is None or p > DECISIVE_P)):
            # no earlier states, and the rule looked worst by a margin chance explains: the
            # conditional p and interval are valid, but the estimate carries the dip (~1 SD high in
            # bench/attribution.py), and short of decisive evidence no reading of this data
            # separates the two (issue 11)
            withheld.append("regression_to_mean")
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
    if enough and chosen.history is not None and primary.p_value is not None:
        # was the rule's agreement already drifting against the other items before the commit?
        found = impact_compare.trend(
            _state_groups(data, spec, chosen, windows[0], settings, context), (g.governed_after, g.control_after),
            data.item, data.annotator, data.value, delta_of, min_items=settings.min_items,
            min_states=TREND_STATES, confidence=settings.confidence, rng=revision_rng(settings.seed + 1, spec))
        comparison = replace(comparison, trend=found)
        slope = found.slope if found is not None else None
        if (slope is not None and slope.p_value is not None and slope.p_value <= TREND_P
                and found.adjusted.value is not None):
            # drifting already: the estimate shown is against the drift carried forward, and no
            # call rests on a line carried past the data (learning levels off)
            a = found.adjusted
            comparison = replace(comparison, did=a.value, did_ci=a.ci, se=a.se, df=a.df, p_value=a.p_value,
                                 primary=a, from_trend=True, controlled=True)
            warnings.append("pre_trend")
            withheld.append("pre_trend")
    if not enough or primary.p_value is None:
        decided: Verdict = "insufficient_data"
    elif withheld:
        decided = "inconclusive"
    else:
        decided = _direction(primary.value) if primary.p_value <= settings.fdr else "no_clear_change"
    return RevisionImpact(
        spec, chosen.governed_by, comparison, decided, settings.window, windows,
        warnings=tuple(_ordered(warnings)), withheld=tuple(_ordered(withheld)), annotators=chosen.annotators,
        control_by=chosen.control_by, min_items=settings.min_items,
    )


def _ordered(codes: list[str]) -> list[str]:
    return [code for code in WARNINGS if code in codes]


def _direction(value: float) -> Verdict:
    return "improved" if value > 0 else "regressed"


def _difference(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


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
            "estimate": "trend" if c.from_trend else "baseline" if c.from_baseline else "adjacent",
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
        if c.trend is not None:
            t = c.trend.slope
            out["trend"] = {"per_state": _round(t.value), "ci": _round_pair(t.ci), "p_value": _significant(t.p_value),
                            "states": c.trend.states}
        if c.adjacent is not None:
            out["adjacent"] = {"did": _round(c.adjacent.value), "did_ci": _round_pair(c.adjacent.ci),
                               "p_value": _significant(c.adjacent.p_value)}
        if c.selection is not None:
            u = c.selection.unadjusted
            out["selection"] = {"worst_of": c.selection.candidates, "adjusted_by": c.selection.method,
                                "margin_z": _round(c.selection.margin, 3),
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


