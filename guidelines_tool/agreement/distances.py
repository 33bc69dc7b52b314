"""Agreement weights and disagreement distances between categories.

Gwet's (2014) weight schemes (1 on the diagonal, 0 = full disagreement; irrCAC's weight
functions), Krippendorff's (2011) δ² for the nominal, ordinal, interval and ratio metrics, and
Passonneau's MASI distance between label sets (multi-label tasks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np


Metric = Literal["nominal", "ordinal", "interval", "ratio"]
METRICS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS: tuple[str, ...] = (
    "identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar",
)


#: Weights of the weighted coefficients for each measurement scale.
SCALE_WEIGHTS: dict[str, str] = {
    "nominal": "identity", "ordinal": "linear", "interval": "quadratic", "ratio": "ratio",
}


def gwet_weights(scheme: str, scores: np.ndarray) -> np.ndarray:
    """Gwet's agreement weight matrix (1 on the diagonal, 0 = full disagreement) for `scores`,
    the categories' values in scale order (irrCAC's weight functions)."""
    x = np.asarray(scores, dtype=float)
    q = x.size
    if scheme == "identity" or q < 2:
        return np.eye(q)
    a, b = x[:, None], x[None, :]
    lo, hi = x.min(), x.max()
    span = hi - lo
    if scheme == "linear":
        return 1 - np.abs(a - b) / span
    if scheme == "quadratic":
        return 1 - (a - b) ** 2 / span**2
    if scheme == "radical":
        return 1 - np.sqrt(np.abs(a - b)) / np.sqrt(span)
    if scheme == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.nan_to_num(((a - b) / (a + b)) ** 2)
        return 1 - d / ((span / (hi + lo)) ** 2)
    if scheme == "ordinal":
        k = np.arange(q)
        m = np.abs(k[:, None] - k[None, :]) + 1
        d = m * (m - 1) / 2.0
        return 1 - d / d.max()
    if scheme == "circular":
        d = np.sin(np.pi * (a - b) / (span + 1)) ** 2
        return 1 - d / d.max()
    if scheme == "bipolar":
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (a - b) ** 2 / ((a + b - 2 * lo) * (2 * hi - a - b))
        d = np.where(np.eye(q, dtype=bool), 0.0, np.nan_to_num(d, posinf=0.0))
        return 1 - d / d.max()
    raise ValueError(f"unknown weights {scheme!r}; expected one of {', '.join(WEIGHTS)}")


def metric_distance(metric: str, scores: np.ndarray) -> np.ndarray | None:
    """Krippendorff's δ² for a metric that does not depend on the data (None for ordinal)."""
    x = np.asarray(scores, dtype=float)
    a, b = x[:, None], x[None, :]
    if metric == "nominal":
        return 1.0 - np.eye(x.size)
    if metric == "interval":
        return (a - b) ** 2
    if metric == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num(((a - b) / (a + b)) ** 2)
    if metric == "ordinal":
        return None
    raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")


def ordinal_distance(marginals: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² from the coincidence
    marginals n (shape (..., q)); broadcast over leading replicate axes."""
    n = np.asarray(marginals, dtype=float)
    q = n.shape[-1]
    cum = np.cumsum(n, axis=-1)
    before = cum - n
    k = np.arange(q)
    lo, hi = np.minimum.outer(k, k), np.maximum.outer(k, k)
    span = cum[..., hi] - before[..., lo]
    return (span - (n[..., :, None] + n[..., None, :]) / 2) ** 2


def masi_distance(a: frozenset, b: frozenset) -> float:
    """Passonneau's MASI distance between two label sets: 1 − Jaccard × monotonicity."""
    if a == b:
        return 0.0
    common = len(a & b)
    if not common:
        return 1.0
    m = 2 / 3 if (a <= b or b <= a) else 1 / 3
    return 1.0 - common / len(a | b) * m


def masi_matrix(label_sets: Sequence[frozenset]) -> np.ndarray:
    """Pairwise MASI distances between the given label sets."""
    sets = [frozenset(s) for s in label_sets]
    return np.array([[masi_distance(a, b) for b in sets] for a in sets], dtype=float)
