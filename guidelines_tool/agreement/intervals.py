"""Named coefficients with their percentile bootstrap intervals: what the report shows.

`coefficient` computes one coefficient of COEFFICIENTS, `all_coefficients` every one of them on
one shared set of resampled items, so that their intervals are mutually consistent.
"""

from __future__ import annotations

import numpy as np

from guidelines_tool.agreement.bootstrap import _alpha_replicates, _replicates, resample
from guidelines_tool.agreement.coefficients import (
    COEFFICIENT_FUNCTIONS,
    COEFFICIENTS,
    Coefficient,
    _gwet_family,
    _item_stats,
    _weights_for,
    krippendorff_alpha,
)
from guidelines_tool.agreement.distances import SCALE_WEIGHTS
from guidelines_tool.agreement.ratings import Ratings


def percentile_interval(
    replicates: np.ndarray, confidence: float = 0.95
) -> tuple[float, float] | None:
    """The percentile interval of the defined replicates (None when fewer than half are)."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size < max(2, replicates.size // 2):
        return None
    tail = (1 - confidence) / 2
    ordered = np.sort(finite)
    return _quantile(ordered, tail), _quantile(ordered, 1 - tail)


def _quantile(ordered: np.ndarray, p: float) -> float:
    """numpy's default (linear) quantile of sorted values; np.percentile would import numpy.ma
    (about 30 ms of every CLI run) through np.unique."""
    position = p * (ordered.size - 1)
    low = int(np.floor(position))
    high = min(low + 1, ordered.size - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def interval_method(n: int, confidence: float = 0.95) -> str:
    """How the intervals were computed, for the report."""
    return f"{confidence:.0%} percentile bootstrap over items, n={n}"


def coefficient(
    name: str,
    ratings: Ratings,
    *,
    scale: str = "nominal",
    n_boot: int = 0,
    rng: np.random.Generator | None = None,
    confidence: float = 0.95,
) -> Coefficient:
    """One named coefficient (see COEFFICIENTS) with the scale's metric/weights and, with
    n_boot > 0, its percentile bootstrap interval over items."""
    point = _point(name, ratings, scale)
    if point.value is None or n_boot <= 0:
        return point
    reps = _replicates(
        name, ratings, metric=scale, weights=_weights_name(name, scale), n=n_boot,
        rng=rng if rng is not None else np.random.default_rng(0),
    )
    return _with_interval(point, reps, n_boot, confidence)


def _weights_name(name: str, scale: str) -> str:
    # percent agreement stays the plain share of agreeing pairs on every scale
    return "identity" if name == "percent_agreement" else SCALE_WEIGHTS[scale]


def _point(name: str, ratings: Ratings, scale: str) -> Coefficient:
    if name == "krippendorff_alpha":
        return krippendorff_alpha(ratings, scale)
    return COEFFICIENT_FUNCTIONS[name](ratings, _weights_name(name, scale))


def _with_interval(
    point: Coefficient, reps: np.ndarray, n_boot: int, confidence: float
) -> Coefficient:
    ci = percentile_interval(reps, confidence)
    return Coefficient(
        point.value, ci, None, interval_method(n_boot, confidence),
        ci_reason=None if ci is not None else interval_reason(reps),
    )


def interval_reason(replicates: np.ndarray) -> str:
    """Why percentile_interval gave no interval for these replicates."""
    defined = int(np.isfinite(replicates).sum())
    return (f"only {defined} of {replicates.size} bootstrap resamples have a defined value "
            "(an interval needs at least half of them, and two): resamples that drew a single "
            "category or no pairable item have none, and an interval from the rest would be "
            "biased")


def all_coefficients(
    ratings: Ratings,
    *,
    scale: str = "nominal",
    n_boot: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Coefficient]:
    """Every coefficient of COEFFICIENTS with the scale's metric/weights; with n_boot > 0, each
    with its percentile bootstrap interval. The coefficients share one set of resampled items
    (one multinomial draw over rating patterns), so their intervals are mutually consistent."""
    points = {name: _point(name, ratings, scale) for name in COEFFICIENTS}
    if n_boot <= 0 or all(p.value is None for p in points.values()):
        return points
    rng = np.random.default_rng(seed)
    patterns = ratings.patterns
    draws = resample(patterns.freq, n_boot, rng)
    out: dict[str, Coefficient] = {}
    for name, point in points.items():
        if point.value is None:
            out[name] = point
            continue
        weights = _weights_name(name, scale)
        if name == "krippendorff_alpha":
            reps = _alpha_replicates(ratings, patterns, draws, scale, None)
        elif name in ("cohen_kappa", "scott_pi"):
            reps = _replicates(name, ratings, metric=scale, weights=weights, n=n_boot, rng=rng)
        else:
            w = _weights_for(ratings, weights)
            reps = _gwet_family(name, _item_stats(patterns.rows, w), draws, w)
        out[name] = _with_interval(point, reps, n_boot, confidence)
    return out
