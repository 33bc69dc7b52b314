"""One revision's comparison: groups of judgements -> estimates with two-way intervals.

`impact` chooses the judgements (which windows, which items the rule governs, which items are
the control, which annotators); this module turns them into numbers (pure statistics on arrays):
- the difference-in-differences (DiD) of α on the governed items against the control, before
  vs after the commit, with its two-way (items × annotators) SE (agreement.twoway), Student-t p;
- the same against the rule's longer history (the *baseline*: earlier guideline states under the
  same version of the rule, not the window just before it), and the *dip*: how far the window
  just before sits from that history (a dip that may have triggered the edit, or a trend);
- when the rule was the worst-looking of the task's rules in the window just before (what
  `hotspots` shows a lead), the inference conditional on that choice (selection.py): p and
  interval that do not read regression to the mean as an effect. The estimate shown stays the
  plain DiD (biased upwards by the choice, ~1 SD in bench/attribution.py's worst-rule cells): the
  median-unbiased one was tried and is erratic near the truncation point (error SD 6x the SE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from guidelines_tool import selection
from guidelines_tool.agreement.twoway import Design, Group, p_value, quantile

# group order in a design: governed before/after, control before/after, then the baseline's
# governed and control, then the other candidate rules of the selection check
GB, GA, CB, CA, BG, BC, BCA = range(7)
DID = (-1.0, 1.0, 1.0, -1.0)
DELTA = (-1.0, 1.0, 0.0, 0.0)
# against the longer history the control leaves out the rules revised since (BC, BCA); just
# before, only those revised in the same commit (CB, CA): each reading keeps the items it can
BASELINE_DID = (0.0, 1.0, 0.0, 0.0, -1.0, 1.0, -1.0)
DIP = (1.0, 0.0, -1.0, 1.0, -1.0, 1.0, -1.0)  # the baseline reading less the adjacent one


@dataclass(frozen=True)
class Estimate:
    """An estimate with its SE, degrees of freedom, two-sided p of 0 and interval."""

    value: float | None
    se: float | None = None
    df: float = math.inf
    p_value: float | None = None
    ci: tuple[float, float] | None = None

    @classmethod
    def of(cls, value: float | None, se: float | None, df: float, confidence: float) -> Estimate:
        if value is None or se is None:
            return cls(value, se, df)
        if se == 0:  # no sampling variation at all (every item alike)
            return cls(value, se, df, 1.0 if value == 0 else 0.0, (value, value))
        half = se * quantile(1.0 - (1.0 - confidence) / 2.0, df)
        return cls(value, se, df, p_value(value / se, df), (value - half, value + half))

    def at(self, confidence: float) -> tuple[float, float] | None:
        """The interval at another confidence level (a false-coverage-rate interval)."""
        return Estimate.of(self.value, self.se, self.df, confidence).ci


@dataclass(frozen=True)
class SelectionAdjustment:
    """The rule was the worst-looking of `candidates` rules just before (what a lead revises
    first), so agreement just before was low partly by chance. Without a longer history to
    compare with (`truncation` set), the p-value and interval of the adjacent estimate are
    conditional on that choice; with one (`truncation` None), the primary estimate is the one
    against it anyway. `unadjusted` is the adjacent estimate as it reads without adjustment."""

    candidates: int
    unadjusted: Estimate
    truncation: selection.Truncation | None
    #: How clearly the rule was the worst: the smallest z of (another candidate's α − the
    #: rule's α) just before. Under impact.CHANCE_MARGIN the rule could have looked worst by chance.
    margin: float | None = None

    @property
    def method(self) -> str:
        return "baseline" if self.truncation is None else "conditional"

    def at(self, confidence: float) -> tuple[float, float] | None:
        if self.truncation is None:
            return None
        lo, hi = self.truncation.interval(confidence)
        return max(lo, -RANGE), min(hi, RANGE)


@dataclass(frozen=True)
class Groups:
    """Judgement rows (into the task's arrays) of each group of a comparison."""

    governed_before: np.ndarray
    governed_after: np.ndarray
    control_before: np.ndarray
    control_after: np.ndarray
    baseline_governed: np.ndarray | None = None
    baseline_control: np.ndarray | None = None
    baseline_control_after: np.ndarray | None = None  # the after window's control for that reading
    candidates: tuple[np.ndarray, ...] = ()  # the other rules' governed rows just before


@dataclass(frozen=True)
class Result:
    alphas: tuple[float | None, ...]  # per group of `Groups`, in design order
    n_items: tuple[int, ...]
    primary: Estimate
    controlled: bool
    delta: Estimate
    did: Estimate | None
    baseline: Estimate | None
    dip: Estimate | None
    selection: SelectionAdjustment | None
    from_baseline: bool = False  # the primary estimate is the one against the longer history


def compare(groups: Groups, item: np.ndarray, annotator: np.ndarray, value: np.ndarray,
            delta_of, *, min_items: int, confidence: float, rng: np.random.Generator,
            select: bool = True) -> Result:
    """Estimates of one revision from its groups. `delta_of(rows)` gives a group's category
    distance. The DiD is the primary estimate when both control windows have `min_items`
    items, else the plain delta. The baseline and the selection check enter when given."""
    sets = [groups.governed_before, groups.governed_after, groups.control_before, groups.control_after]
    has_baseline = groups.baseline_governed is not None and groups.baseline_control is not None
    if has_baseline:
        sets += [groups.baseline_governed, groups.baseline_control, groups.baseline_control_after]
    first_candidate = len(sets)
    sets += list(groups.candidates if select else ())
    kinds = ["governed", "governed", "control", "control"] + (["governed", "control", "control"] if has_baseline else [])
    kinds += [f"rule {k}" for k in range(len(sets) - len(kinds))]
    design = Design([Group(item[r], annotator[r], value[r], delta_of(r), kind) for r, kind in zip(sets, kinds)],
                    rng=rng)
    n = len(sets)

    def weights(short: tuple[float, ...]) -> list[float]:
        return list(short) + [0.0] * (n - len(short))

    def estimate(short: tuple[float, ...]) -> tuple[Estimate, object]:
        c = design.contrast(weights(short))
        return Estimate.of(c.estimate, c.se, c.df, confidence), c

    n_items = tuple(design.group_items(k) for k in range(n))
    alphas = tuple(design.alpha(k) for k in range(n))
    delta, _ = estimate(DELTA)
    controlled = min(n_items[CB], n_items[CA]) >= min_items
    did = estimate(DID)[0] if controlled else None
    primary_weights = DID if controlled else DELTA
    primary = did if controlled else delta
    baseline = dip = None
    if has_baseline and min(n_items[BG], n_items[BC], n_items[BCA]) >= min_items and controlled:
        baseline = estimate(BASELINE_DID)[0]
        dip = estimate(DIP)[0]
    # against the rule's longer history when the data has one: the window just before is what
    # a lead looks at when choosing what to revise, so it is low partly by chance when they
    # revised the worst-looking rule; earlier states were not looked at (issue 11, point 3)
    from_baseline = baseline is not None and baseline.value is not None and baseline.se is not None
    if from_baseline:
        primary = baseline
    adjustment = None
    candidates = list(range(first_candidate, n))
    if candidates and primary.value is not None and primary.se is not None:
        mine = alphas[GB]
        others = [alphas[k] for k in candidates]
        if mine is not None and all(a is not None and mine < a for a in others):
            margin = _margin(design, n, candidates)
            if from_baseline:
                adjustment = SelectionAdjustment(len(candidates) + 1, did if did is not None else delta, None, margin)
            elif primary.se:
                adjustment = _selective(design, weights(primary_weights), candidates, primary, len(candidates) + 1,
                                        margin)
                if adjustment is not None:
                    lo, hi = adjustment.at(confidence)
                    primary = Estimate(primary.value, primary.se, primary.df, adjustment.truncation.p_value(0.0),
                                       (lo, hi))
    return Result(alphas, n_items, primary, controlled, delta, did, baseline, dip, adjustment, from_baseline)


#: A difference of α's cannot leave [-RANGE, RANGE]: conditional intervals are clipped to it.
RANGE = 2.0


def _margin(design: Design, n: int, candidates: list[int]) -> float | None:
    """The smallest z of (candidate's α − the governed items' α) just before, over the other
    candidate rules: how clearly the revised rule was the worst (two-way SEs)."""
    out = None
    for k in candidates:
        w = [0.0] * n
        w[k], w[GB] = 1.0, -1.0
        c = design.contrast(w)
        if c.estimate is None or not c.se:
            continue
        z = c.estimate / c.se
        out = z if out is None else min(out, z)
    return out


def _selective(design: Design, primary_weights: list[float], candidates: list[int], primary: Estimate,
               count: int, margin: float | None) -> SelectionAdjustment | None:
    """Condition the primary estimate on "the governed items just before had the lowest α of
    the candidate rules" (X_R ≤ X_k for every other candidate k)."""
    n = len(primary_weights)
    d = design.influence(primary_weights)
    var = sum(design.covariance(d, d))
    var = max(var, primary.se**2)
    coordinates = [GB] + candidates
    values, covariances = [], []
    for k in coordinates:
        w = [0.0] * n
        w[k] = 1.0
        values.append(design.alpha(k))
        covariances.append(sum(design.covariance(design.influence(w), d)))
    constraints = np.zeros((len(candidates), len(coordinates)))
    constraints[:, 0] = 1.0
    constraints[np.arange(len(candidates)), np.arange(1, len(coordinates))] = -1.0
    truncation = selection.truncation(primary.value, var, np.array(values), np.array(covariances), constraints)
    if truncation is None:
        return None
    return SelectionAdjustment(count, primary, truncation, margin)


@dataclass(frozen=True)
class Trend:
    """The drift of the governed items against the control over the guideline states before the
    commit: the least-squares line of (governed α − control α) on the state's order, fitted over
    the rule's earlier states and the window just before (`states` of them). `slope` is per state;
    `adjusted` is the DiD of the after window against that line carried forward (what the rule's
    items would read without the commit if the drift went on): unbiased under a steady drift, at
    the price of a wider interval."""

    slope: Estimate
    adjusted: Estimate
    states: int


def trend(windows: list[tuple[np.ndarray, np.ndarray]], after: tuple[np.ndarray, np.ndarray], item: np.ndarray,
          annotator: np.ndarray, value: np.ndarray, delta_of, *, min_items: int, min_states: int,
          confidence: float, rng: np.random.Generator) -> Trend | None:
    """The line over `windows` ((governed rows, control rows) per state, oldest first; `after`
    the after window's) through the states whose two groups both have `min_items` items; None
    with fewer than `min_states`. A learning drift (annotators getting better at the rule's
    distinction on their own) is a rise here; with two earlier states it is hard to see (a 0.02 α
    a state rise is z ≈ 0.8 in bench/attribution.py's cells), with six it is seen four times in
    five."""
    if len(windows) < max(min_states, 3):
        return None
    groups, kinds = [], []
    for governed, control in [*windows, after]:
        groups += [governed, control]
        kinds += ["governed", "control"]
    design = Design([Group(item[r], annotator[r], value[r], delta_of(r), kind) for r, kind in zip(groups, kinds)],
                    rng=rng)
    used = [k for k in range(len(windows))
            if min(design.group_items(2 * k), design.group_items(2 * k + 1)) >= min_items]
    if len(used) < max(min_states, 3):
        return None
    t = np.arange(len(windows), dtype=float)[used]
    centred = t - t.mean()
    spread = float((centred**2).sum())
    ahead = len(windows) - t.mean()  # the after window's place on the line

    def on_states(per_state: np.ndarray, last: float = 0.0) -> Estimate:
        weights = [0.0] * len(groups)
        for k, w in zip(used, per_state):
            weights[2 * k], weights[2 * k + 1] = float(w), -float(w)
        weights[-2], weights[-1] = last, -last
        c = design.contrast(weights)
        return Estimate.of(c.estimate, c.se, c.df, confidence)

    slope = on_states(centred / spread)
    adjusted = on_states(-(1.0 / len(used) + ahead * centred / spread), 1.0)
    return Trend(slope, adjusted, len(used))
