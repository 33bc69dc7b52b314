"""The checks behind impact's warnings that need a test of their own (pure functions).

- `citation_rate`: the per-judgement rate at which annotators cite a rule on the items it
  governs, estimated from the governed items only (items nobody cited are not seen, so the
  observed rate among governed items is p / (1 − (1 − p)^m), solved for p);
- `label_dependence`: whether the citation rate depends on the label chosen (a chi-square test
  of citing × label on the judgements of the governed items) — when annotators cite a rule only
  to justify one label, the items "citing it" are chosen by their labels: selection on the outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Below this per-judgement citation rate the governed items' uncited share (with 3 judgements
#: an item, (1 − p)³ > 12.5 %) leaks into the control: `low_citation_rate`.
LOW_CITATION_RATE = 0.5
#: `label_dependent_citations` fires when the citation rates of two labels differ by more than
#: this and the chi-square test says so at LABEL_DEPENDENCE_P.
LABEL_DEPENDENCE_GAP = 0.2
LABEL_DEPENDENCE_P = 0.001


def citation_rate(cited: int, judgements: int, per_item: float) -> float:
    """p such that p / (1 − (1 − p)^per_item) = cited / judgements (1 when all cite)."""
    if judgements <= 0 or per_item <= 1:
        return 1.0
    observed = min(max(cited / judgements, 0.0), 1.0)
    if observed >= 1.0:
        return 1.0
    if observed <= 1.0 / per_item:  # one citation an item: any p this small fits
        return 0.0
    low, high = 0.0, 1.0
    for _ in range(60):
        p = (low + high) / 2
        if p / (1.0 - (1.0 - p) ** per_item) < observed:
            low = p
        else:
            high = p
    return (low + high) / 2


@dataclass(frozen=True)
class LabelDependence:
    p_value: float
    gap: float  # the largest difference between two labels' citation rates
    rates: dict[int, float]

    @property
    def fires(self) -> bool:
        return self.p_value < LABEL_DEPENDENCE_P and self.gap > LABEL_DEPENDENCE_GAP


def label_dependence(cited: np.ndarray, label: np.ndarray, min_count: int = 5) -> LabelDependence | None:
    """Chi-square test of independence between citing (bool per judgement) and the label chosen,
    over labels chosen at least `min_count` times. None when there is nothing to test (a single
    label, or everybody or nobody citing)."""
    cited = np.asarray(cited, dtype=bool)
    label = np.asarray(label)
    labels, inverse = np.unique(label, return_inverse=True)
    counts = np.bincount(inverse)
    hits = np.bincount(inverse, weights=cited.astype(float))
    keep = counts >= min_count
    if keep.sum() < 2:
        return None
    n, k = counts[keep].astype(float), hits[keep]
    total, total_hits = n.sum(), k.sum()
    if total_hits == 0 or total_hits == total:
        return None
    rate = total_hits / total
    expected = np.stack([n * rate, n * (1 - rate)])
    observed = np.stack([k, n - k])
    stat = float(((observed - expected) ** 2 / expected).sum())
    rates = {int(lab): float(h / c) for lab, h, c in zip(labels[keep], k, n)}
    return LabelDependence(chi2_sf(stat, int(keep.sum()) - 1), max(rates.values()) - min(rates.values()), rates)


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df > x): the regularised upper incomplete gamma Q(df/2, x/2)."""
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    if z < a + 1:  # series for the lower function
        term = total = 1.0 / a
        ap = a
        for _ in range(500):
            ap += 1
            term *= z / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(-z + a * math.log(z) - math.lgamma(a)))
    # continued fraction for the upper function (modified Lentz)
    b = z + 1 - a
    c, d = 1e300, 1.0 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1) < 1e-15:
            break
    return min(1.0, math.exp(-z + a * math.log(z) - math.lgamma(a)) * h)
