"""Two arms compared: α on each, the difference B − A with items and annotators random, a verdict.

Pure statistics on arrays (what `analyse` hands over once it has chosen the rows, and what
bench/experiment.py calls directly). The interval is agreement.twoway's: the same items'
and the same annotators' judgements in both arms are coupled, so an annotator who works more in
one arm, or works in one arm only (`--unit annotator`), is a source of variance the interval
counts, where an items-only bootstrap would not.

The verdict is the pre-registered decision rule: two-sided test of B − A = 0 at the plan's
confidence level; `insufficient_data` when an arm has fewer than `min_items` items rated twice
or more (Krippendorff's pairable items) or its α is undefined.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from guidelines_tool.agreement.twoway import Design, Group

Verdict = Literal["b_better", "a_better", "no_clear_difference", "insufficient_data"]
VERDICTS: tuple[str, ...] = ("b_better", "a_better", "no_clear_difference", "insufficient_data")
ARMS = ("A", "B")


@dataclass(frozen=True)
class ArmStats:
    """α on one arm's judgements, with its two-way interval."""

    alpha: float | None
    ci: tuple[float, float] | None
    n_items: int  # items rated twice or more (the ones α uses)
    n_annotators: int
    n_judgements: int


@dataclass(frozen=True)
class ArmComparison:
    """B − A with its two-way SE, Student-t df, p-value, interval and verdict."""

    a: ArmStats
    b: ArmStats
    delta: float | None
    se: float | None
    df: float
    p_value: float | None
    delta_ci: tuple[float, float] | None
    verdict: Verdict
    confidence: float
    var_items: float = 0.0
    var_annotators: float = 0.0

    def arm(self, name: str) -> ArmStats:
        return self.a if name == "A" else self.b


def compare_arms(item: np.ndarray, annotator: np.ndarray, value: np.ndarray, arm: np.ndarray,
                 delta_of: Callable[[np.ndarray], np.ndarray], *, confidence: float = 0.95,
                 min_items: int = 30, rng: np.random.Generator | None = None) -> ArmComparison:
    """Compare arm B (`arm == 1`) with arm A (`arm == 0`) on the given judgements.

    `item`, `annotator`: integer codes in one code space across both arms (the same item or
    annotator in both arms is one cluster); `value`: category codes; `delta_of(rows)` the category
    distance of a group of rows (fixed for nominal, interval and ratio data, the group's own for
    ordinal). An annotator's repeated judgement of an item within an arm must already be resolved
    (one row per item, annotator and arm)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    arm = np.asarray(arm)
    rows = [np.flatnonzero(arm == k) for k in (0, 1)]
    groups = [Group(np.asarray(item)[r], np.asarray(annotator)[r], np.asarray(value)[r], delta_of(r))
              for r in rows]
    design = Design(groups, rng=rng)
    stats = [_arm_stats(design, k, groups[k], confidence) for k in (0, 1)]
    contrast = design.contrast([-1.0, 1.0])
    enough = all(s.alpha is not None and s.n_items >= min_items for s in stats)
    p = contrast.p_value if contrast.estimate is not None else None
    verdict: Verdict = "insufficient_data"
    if enough and p is not None:
        if p <= 1.0 - confidence:
            verdict = "b_better" if contrast.estimate > 0 else "a_better"
        else:
            verdict = "no_clear_difference"
    return ArmComparison(stats[0], stats[1], contrast.estimate, contrast.se, contrast.df, p,
                         contrast.interval(confidence), verdict, confidence,
                         contrast.var_items, contrast.var_annotators)


def _arm_stats(design: Design, k: int, group: Group, confidence: float) -> ArmStats:
    weights = [1.0 if j == k else 0.0 for j in range(len(design.groups))]
    one = design.contrast(weights)
    annotators = int(len(np.unique(group.annotator))) if len(group) else 0
    return ArmStats(design.alpha(k), one.interval(confidence), design.group_items(k), annotators, len(group))


# --- secondary measures ----------------------------------------------------------------------


@dataclass(frozen=True)
class PairConfusion:
    """How often two annotators of the same item chose `first` and `second` (either way round),
    as a share of all pairs of judgements of the arm's items, in each arm."""

    first: str
    second: str
    share_a: float
    share_b: float
    pairs_a: int
    pairs_b: int

    @property
    def change(self) -> float:
        return self.share_b - self.share_a


def confusion_by_arm(item: np.ndarray, value: np.ndarray, arm: np.ndarray, categories: Sequence[str],
                     *, top: int | None = None) -> list[PairConfusion]:
    """Label pairs annotators split on, per arm: which confusion the new wording removed (the
    largest falls first). A pair counts each two judgements of one item, each item's pairs
    weighted 1/(m − 1) as in α, so an item rated by many annotators does not dominate."""
    q = len(categories)
    counts = []
    for k in (0, 1):
        rows = np.flatnonzero(np.asarray(arm) == k)
        counts.append(_pair_matrix(np.asarray(item)[rows], np.asarray(value)[rows], q))
    totals = [c.sum() for c in counts]
    out = []
    for i in range(q):
        for j in range(i + 1, q):
            a, b = counts[0][i, j] + counts[0][j, i], counts[1][i, j] + counts[1][j, i]
            if a == 0 and b == 0:
                continue
            out.append(PairConfusion(categories[i], categories[j],
                                     float(a / totals[0]) if totals[0] else 0.0,
                                     float(b / totals[1]) if totals[1] else 0.0,
                                     int(round(a)), int(round(b))))
    out.sort(key=lambda p: (p.change, p.first, p.second))
    return out[:top] if top is not None else out


def _pair_matrix(item: np.ndarray, value: np.ndarray, q: int) -> np.ndarray:
    """Krippendorff's coincidence matrix of one group's judgements (items rated once left out)."""
    if len(item) == 0:
        return np.zeros((q, q))
    _, it = np.unique(item, return_inverse=True)
    counts = np.zeros((it.max() + 1, q))
    np.add.at(counts, (it, value), 1)
    m = counts.sum(axis=1)
    keep = m >= 2
    counts, m = counts[keep], m[keep]
    coincidence = np.einsum("ic,ik->ck", counts / (m - 1)[:, None], counts)
    coincidence[np.diag_indices(q)] -= (counts / (m - 1)[:, None]).sum(axis=0)
    return coincidence


@dataclass(frozen=True)
class ArmAccuracy:
    """Judgements that match the adjudicated label, in one arm (Wilson interval)."""

    correct: int
    judged: int
    items: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.judged if self.judged else None

    def ci(self, confidence: float = 0.95) -> tuple[float, float] | None:
        return wilson(self.correct, self.judged, confidence)


def accuracy_by_arm(item: np.ndarray, value: np.ndarray, arm: np.ndarray,
                    gold: dict[int, int]) -> tuple[ArmAccuracy, ArmAccuracy]:
    """Accuracy against gold per arm, on the items that have a gold label (`gold`: item code →
    category code)."""
    out = []
    for k in (0, 1):
        rows = np.flatnonzero(np.asarray(arm) == k)
        wanted = np.array([gold.get(int(i), -1) for i in np.asarray(item)[rows]], dtype=np.int64)
        has = wanted >= 0
        correct = int((np.asarray(value)[rows][has] == wanted[has]).sum())
        out.append(ArmAccuracy(correct, int(has.sum()), int(len(np.unique(np.asarray(item)[rows][has])))))
    return out[0], out[1]


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion."""
    if n <= 0:
        return None
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rounded(value: Any, digits: int = 6) -> Any:
    """Numbers as the JSON shows them (None and non-finite as None)."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return [rounded(v, digits) for v in value]
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None
