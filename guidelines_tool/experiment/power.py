"""How many items an experiment needs: power of the arm comparison from the task's past data.

The comparison's variance (agreement.twoway, the interval `analyse` reports) has two parts, and
the past judgements of the rule's items give both:

- items: α's variance over items, s² = n·Var_jackknife(α) on the past items (the delete-one
  jackknife twoway uses). Each arm's α on n items has variance ≈ s²/n. Arm B's s² is arm A's
  times √((1 − α_B)/(1 − α_A)), α_B = α_A + effect: the jackknife variance that the test divides
  by falls about so as α rises (measured on the simulation model over α 0.3–0.8: 0.347 at 0.5,
  0.31 at 0.6, 0.26 at 0.7; unscaled, the prediction was 3–7 points low at +0.10). An
  approximation: bench/experiment.py holds the predicted power to the simulated one.
  Under `--unit annotator` every item is rated in both arms (by different annotators); the
  calculator does not count on the two arms' item effects to cancel (conservative when items
  differ in difficulty, exact when they do not).
- annotators: σ², the spread of the annotators' disagreement propensity (twoway's cross-fitted
  estimate) and how the arms load on it. A contrast moves by 2·g_T·n_j per unit of annotator j's
  propensity in each arm (g_T ≈ −1/(N·D_e), N the arm's judgements, D_e the expected
  disagreement). `--unit item`: every annotator works both arms, only the chance difference of
  their shares loads, E Σ L_j² ≈ 8/(N·D_e²). `--unit annotator`: the arms' annotators are
  disjoint, Σ L_j² ≈ 2·4/(D_e²·J_arm) with J_arm annotators an arm in equal shares: it does not
  shrink with more items, so with few annotators no number of items reaches the power asked.

Power = P(|t| > t_crit) for t = (effect + error)/SE with Student's t on Satterthwaite's df (items
n − 1, annotators J − 1, and the items' noise in σ̂², which the analysis counts too: measured on
the past judgements and scaled to the experiment's, ∝ J/N²), at the plan's confidence level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from guidelines_tool.agreement.twoway import Design, Group, Influence, linearise, p_value, quantile, satterthwaite

Unit = Literal["item", "annotator"]
TARGETS = (0.8, 0.9)
MAX_ITEMS = 1_000_000


@dataclass(frozen=True)
class PastData:
    """What the task's past judgements of the rule's items say about an experiment's variance."""

    alpha: float
    n_items: int  # items rated twice or more
    per_item: float  # judgements per such item
    n_annotators: int
    item_variance: float  # s²: n × the jackknife variance of α
    annotator_spread: float  # σ²
    expected_disagreement: float  # D_e
    spread_noise: float = 0.0  # Var(σ̂²) from the items' noise, on these judgements (Design.spread_noise)
    judgements: int = 0  # pairable judgements behind σ̂²

    def to_dict(self) -> dict[str, float | int]:
        return {"alpha": round(self.alpha, 4), "n_items": self.n_items, "per_item": round(self.per_item, 2),
                "n_annotators": self.n_annotators, "item_variance": round(self.item_variance, 5),
                "annotator_spread": round(self.annotator_spread, 6),
                "expected_disagreement": round(self.expected_disagreement, 4),
                "spread_noise": float(f"{self.spread_noise:.4g}"), "judgements": self.judgements}


def past_data(item: np.ndarray, annotator: np.ndarray, value: np.ndarray, delta: np.ndarray,
              *, rng: np.random.Generator | None = None) -> PastData | None:
    """The summary of past judgements (one row per item and annotator); None when α is
    undefined on them or fewer than 3 items are rated twice."""
    lin = linearise(item, annotator, value, delta)
    if lin is None or lin.item_jackknife is None:
        return None
    design = Design([Group(item, annotator, value)], delta, rng=rng if rng is not None else np.random.default_rng(0))
    rows = lin.rows
    counts = np.bincount(np.asarray(value)[rows], minlength=delta.shape[0]).astype(float)
    shares = counts / counts.sum()
    expected = float(shares @ delta @ shares)
    return PastData(
        alpha=lin.alpha, n_items=lin.n_items, per_item=len(rows) / lin.n_items,
        n_annotators=int(len(np.unique(np.asarray(annotator)[rows]))),
        item_variance=float(lin.n_items * (lin.item_jackknife ** 2).sum()),
        annotator_spread=float(design.spread[0]) if len(design.spread) else 0.0,
        expected_disagreement=expected,
        spread_noise=_spread_noise(design),
        judgements=len(rows),
    )


def _spread_noise(design: Design) -> float:
    """Var(σ̂²) on the past judgements: the noise of a contrast loading 1 on the one kind."""
    if not len(design.spread):
        return 0.0
    loadings = np.zeros((len(design.annotator_ids), len(design.spread)))
    loadings[0, 0] = 1.0
    return design.spread_noise(Influence(np.zeros(len(design.item_ids)), loadings))


@dataclass(frozen=True)
class Prediction:
    """The comparison's SE and power at one number of items per arm."""

    items: int
    se: float
    df: float
    power: float


def predict(past: PastData, items: int, effect: float, *, unit: Unit = "item", annotators: int | None = None,
            per_item: float | None = None, confidence: float = 0.95) -> Prediction:
    """SE and power of B − A with `items` items per arm (module docstring). `annotators`: how many
    work in the experiment (under `--unit annotator`, split between the arms; default the past
    data's); `per_item`: judgements per item (default the past data's)."""
    m = per_item or past.per_item
    j = annotators or past.n_annotators
    n = max(items, 2)
    var_items = past.item_variance * (1.0 + _scale_b(past.alpha, effect)) / n
    de2 = max(past.expected_disagreement, 1e-9) ** 2
    if unit == "item":
        loadings = 8.0 / (n * m * de2)
    else:
        loadings = 8.0 / (de2 * max(j / 2.0, 1.0))
    var_annotators = past.annotator_spread * loadings
    se = math.sqrt(var_items + var_annotators)
    # the experiment estimates σ² from its own judgements: the items' noise in it falls with the
    # judgements an annotator makes, Var(σ̂²) ∝ J / N² (a product of two noisy propensities each)
    total = 2.0 * n * m
    noise = (past.spread_noise * (j / max(past.n_annotators, 1)) * (past.judgements / total) ** 2 * loadings**2
             if past.judgements else 0.0)
    df = satterthwaite(var_items, n, var_annotators, j, noise)
    return Prediction(items, se, df, power(effect, se, df, confidence))


def _scale_b(alpha: float, effect: float) -> float:
    """Arm B's item variance relative to arm A's (module docstring)."""
    after = min(max(alpha + effect, -1.0), 0.99)
    return math.sqrt(max(1.0 - after, 0.01) / max(1.0 - alpha, 0.01))


def power(effect: float, se: float, df: float, confidence: float = 0.95) -> float:
    """P(two-sided t test at `confidence` rejects) when the true difference is `effect`."""
    if se <= 0:
        return 1.0 if effect else 1.0 - confidence
    critical = quantile(1.0 - (1.0 - confidence) / 2.0, df)
    shift = abs(effect) / se
    return _upper(critical - shift, df) + _upper(critical + shift, df)


def _upper(x: float, df: float) -> float:
    """P(T > x) for Student's t with df degrees of freedom."""
    tail = p_value(abs(x), df) / 2.0
    return tail if x >= 0 else 1.0 - tail


def items_needed(past: PastData, effect: float, target: float, *, unit: Unit = "item",
                 annotators: int | None = None, per_item: float | None = None,
                 confidence: float = 0.95) -> int | None:
    """The fewest items per arm that reach `target` power at `effect`; None when no number of
    items does (the annotators' part alone is too large: more annotators are needed)."""
    def reaches(n: int) -> bool:
        return predict(past, n, effect, unit=unit, annotators=annotators, per_item=per_item,
                       confidence=confidence).power >= target

    if effect == 0 or not reaches(MAX_ITEMS):
        return None
    low, high = 2, 2
    while not reaches(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle
    return high


def annotators_needed(past: PastData, effect: float, target: float, *, per_item: float | None = None,
                      confidence: float = 0.95, limit: int = 1000) -> int | None:
    """Under `--unit annotator`: the fewest annotators (both arms together, an even number) with
    which some number of items reaches `target` power; None beyond `limit`."""
    for j in range(4, limit + 1, 2):
        if predict(past, MAX_ITEMS, effect, unit="annotator", annotators=j, per_item=per_item,
                   confidence=confidence).power >= target:
            return j
    return None
