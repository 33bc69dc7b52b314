"""The agreement coefficients' point estimates, each a function of the rating patterns.

Formulas follow Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed. (percent agreement,
Fleiss' κ generalised to varying numbers of ratings, AC1/AC2, Brennan–Prediger, Conger's κ, and
the weight schemes) and Krippendorff (2011), *Computing Krippendorff's alpha-reliability*
(coincidence matrix; nominal, ordinal, interval and ratio metrics). An undefined value is never
NaN in a `Coefficient`: it is `None` with the reason. The family functions (`_alpha_from`,
`_gwet_family`, `_pair_family`) take stacked inputs, so that bootstrap.py computes its
replicates with the same formula as the point estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from guidelines_tool.agreement.distances import gwet_weights, metric_distance, ordinal_distance
from guidelines_tool.agreement.ratings import Ratings, coincidence_matrix


#: The coefficients the report shows, in order (the JSON names of issue 4).
COEFFICIENTS: tuple[str, ...] = (
    "percent_agreement", "cohen_kappa", "scott_pi", "fleiss_kappa",
    "krippendorff_alpha", "gwet_ac1", "brennan_prediger",
)


NO_PAIRS = "no pairable items: every item has fewer than two ratings"
ONE_CATEGORY = "only one category was used, so chance agreement is perfect and the ratio is 0/0"


@dataclass(frozen=True)
class Coefficient:
    """One agreement value. `value` is None exactly when the coefficient is undefined; `reason`
    then says why. `ci` is the (low, high) interval, `method` how it was obtained; `ci_reason`
    why a defined value has no interval. `se` is the analytic standard error and
    `analytic_ci` its t interval (variance.py), where computed; `se_reason` why a defined
    value has none."""

    value: float | None
    ci: tuple[float, float] | None = None
    reason: str | None = None
    method: str | None = None
    se: float | None = None
    analytic_ci: tuple[float, float] | None = None
    ci_reason: str | None = None
    se_reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The issue's JSON shape: value, ci ([lo, hi] or null), reason; then se, analytic_ci,
        ci_reason and se_reason."""
        return {
            "value": self.value,
            "ci": list(self.ci) if self.ci is not None else None,
            "reason": self.reason,
            "se": self.se,
            "analytic_ci": list(self.analytic_ci) if self.analytic_ci is not None else None,
            "ci_reason": self.ci_reason,
            "se_reason": self.se_reason,
        }


def undefined(reason: str) -> Coefficient:
    """A coefficient that has no value, and why."""
    return Coefficient(None, None, reason)


# --- Krippendorff's alpha -------------------------------------------------------------------


def _alpha_from(o: np.ndarray, delta: np.ndarray | None) -> np.ndarray:
    """α for coincidence matrices o (..., q, q); δ None = ordinal (per-replicate marginals)."""
    n = o.sum(axis=-1)
    total = n.sum(axis=-1)
    if delta is None:
        delta = ordinal_distance(n)
    d_o = (o * delta).sum(axis=(-2, -1))
    d_e = np.einsum("...c,...k,...ck->...", n, n, delta) / np.where(total > 1, total - 1, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - d_o / d_e
    return np.where((total > 1) & (d_e > 1e-12 * np.maximum(total, 1)), alpha, np.nan)


def _alpha_delta(ratings: Ratings, metric: str, weights: str | None) -> np.ndarray | None:
    if ratings.distance is not None:
        return ratings.distance
    if weights is not None:
        return 1.0 - gwet_weights(weights, ratings.scores())
    return metric_distance(metric, ratings.scores())


def krippendorff_alpha(
    ratings: Ratings, metric: str = "nominal", *, weights: str | None = None
) -> Coefficient:
    """Krippendorff's α with the metric's distance (or 1 − Gwet's `weights`, or the ratings' own
    category distance). Missing ratings are simply absent; items with one rating do not count."""
    o = coincidence_matrix(ratings)
    if o.sum() < 2:
        return undefined(NO_PAIRS)
    value = float(_alpha_from(o, _alpha_delta(ratings, metric, weights)))
    if np.isnan(value):
        return undefined(ONE_CATEGORY)
    return Coefficient(value)


# --- Gwet's family: percent agreement, Fleiss, AC1/AC2, Brennan–Prediger --------------------


@dataclass(frozen=True)
class _ItemStats:
    """Per-pattern ingredients of Gwet's coefficients."""

    agree: np.ndarray  # Σ_k r_ik (r*_ik − 1) / (r_i (r_i − 1)), 0 when r_i < 2
    pairable: np.ndarray  # r_i ≥ 2
    share: np.ndarray  # r_ik / r_i (P × q)


def _is_identity(w: np.ndarray) -> bool:
    return w.ndim == 2 and w.shape[0] == w.shape[1] and bool(
        (np.diagonal(w) == 1).all() and np.count_nonzero(w) == w.shape[0])


def _item_stats(rows: np.ndarray, w: np.ndarray) -> _ItemStats:
    c = rows.astype(float)
    r = c.sum(axis=1)
    # nominal weights are the identity: skip the P × q × q product (minutes for q in the 1000s)
    weighted = c if _is_identity(w) else c @ w.T
    pairable = r >= 2
    denom = np.where(pairable, r * (r - 1), 1.0)
    agree = np.where(pairable, (c * (weighted - 1)).sum(axis=1) / denom, 0.0)
    share = c / np.maximum(r, 1)[:, None]
    return _ItemStats(agree, pairable.astype(float), share)


def _gwet_family(kind: str, stats: _ItemStats, m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gwet-family coefficient for pattern frequencies m (B × P)."""
    m = np.atleast_2d(m).astype(float)
    n_pairable = m @ stats.pairable
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = (m @ stats.agree) / n_pairable
        pi = (m @ stats.share) / m.sum(axis=1, keepdims=True)
    q = w.shape[0]
    if kind == "percent_agreement":
        return np.where(n_pairable > 0, pa, np.nan)
    if kind == "fleiss_kappa":
        pe = (pi * pi).sum(axis=1) if _is_identity(w) else np.einsum("bk,kl,bl->b", pi, w, pi)
    elif kind == "gwet_ac1":
        pe = w.sum() * (pi * (1 - pi)).sum(axis=1) / (q * (q - 1)) if q > 1 else np.ones(len(m))
    elif kind == "brennan_prediger":
        pe = np.full(len(m), w.sum() / q**2)
    else:
        raise ValueError(kind)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (pa - pe) / (1 - pe)
    return np.where((n_pairable > 0) & (1 - pe > 1e-12), value, np.nan)


def _weights_for(ratings: Ratings, weights: str) -> np.ndarray:
    return gwet_weights(weights, ratings.scores())


def _gwet_point(kind: str, ratings: Ratings, weights: str) -> Coefficient:
    reason = _family_reason(kind, ratings)
    if reason:
        return undefined(reason)
    patterns = ratings.patterns
    w = _weights_for(ratings, weights)
    value = float(_gwet_family(kind, _item_stats(patterns.rows, w), patterns.freq, w)[0])
    return undefined(ONE_CATEGORY) if np.isnan(value) else Coefficient(value)


def _family_reason(kind: str, ratings: Ratings) -> str | None:
    if not (ratings.patterns.rows.sum(axis=1) >= 2).any():
        return NO_PAIRS
    if kind in ("gwet_ac1", "brennan_prediger") and ratings.n_categories < 2:
        return "the label set has a single category: chance agreement is certain"
    return None


def percent_agreement(ratings: Ratings, weights: str = "identity") -> Coefficient:
    """Share of agreeing rating pairs per item, averaged over items with ≥ 2 ratings (weighted:
    Gwet's weighted percent agreement)."""
    return _gwet_point("percent_agreement", ratings, weights)


def fleiss_kappa(ratings: Ratings, weights: str = "identity") -> Coefficient:
    """Fleiss' κ as generalised by Gwet (2014) to items with any number of ratings (and weights)."""
    return _gwet_point("fleiss_kappa", ratings, weights)


def gwet_ac1(ratings: Ratings, weights: str = "identity") -> Coefficient:
    """Gwet's AC1 (AC2 with non-identity weights)."""
    return _gwet_point("gwet_ac1", ratings, weights)


def brennan_prediger(ratings: Ratings, weights: str = "identity") -> Coefficient:
    """Brennan & Prediger's coefficient (Bennett's S): chance = uniform over the label set."""
    return _gwet_point("brennan_prediger", ratings, weights)


def conger_kappa(ratings: Ratings, weights: str = "identity") -> Coefficient:
    """Conger's κ (Cohen's κ generalised to several raters, per-rater marginals), Gwet's form."""
    reason = _family_reason("conger_kappa", ratings)
    if reason:
        return undefined(reason)
    w = _weights_for(ratings, weights)
    patterns = ratings.patterns
    stats = _item_stats(patterns.rows, w)
    pa = float(patterns.freq @ stats.agree / (patterns.freq @ stats.pairable))
    q, r = ratings.n_categories, ratings.n_annotators
    if r < 2:
        return undefined("Conger's κ needs at least two annotators")
    classif = np.bincount(ratings.annotator * q + ratings.value, minlength=r * q).reshape(r, q)
    p = classif / np.maximum(classif.sum(axis=1, keepdims=True), 1)
    mean = p.mean(axis=0)
    s2 = (p.T @ p - r * np.outer(mean, mean)) / (r - 1)
    pe = float((w * (np.outer(mean, mean) - s2 / r)).sum())
    if 1 - pe <= 1e-12:
        return undefined(ONE_CATEGORY)
    return Coefficient((pa - pe) / (1 - pe))


# --- two annotators: Cohen's κ, Scott's π, Bangdiwala's B -----------------------------------


def _pair_cells(ratings: Ratings) -> tuple[np.ndarray, str | None]:
    """Contingency-cell code a·q + b of each item both annotators rated (annotator 0 vs 1)."""
    present = ratings.present_annotators
    if present.size != 2:
        return np.zeros(0, dtype=np.int64), (
            f"defined for exactly two annotators; these ratings have {present.size}"
        )
    q = ratings.n_categories
    grid = np.full((ratings.n_items, 2), -1, dtype=np.int64)
    grid[ratings.item, (ratings.annotator == present[1]).astype(np.int64)] = ratings.value
    both = (grid >= 0).all(axis=1)
    if not both.any():
        return np.zeros(0, dtype=np.int64), "no item was rated by both annotators"
    return grid[both, 0] * q + grid[both, 1], None


def _pair_family(kind: str, tables: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Two-annotator coefficient for contingency tables (B × q × q)."""
    n = tables.sum(axis=(1, 2)).astype(float)
    p = tables / n[:, None, None]
    rows, cols = p.sum(axis=2), p.sum(axis=1)
    po = (p * w).sum(axis=(1, 2))
    if kind == "cohen_kappa":
        pe = np.einsum("bk,kl,bl->b", rows, w, cols)
    elif kind == "scott_pi":
        pooled = (rows + cols) / 2
        pe = np.einsum("bk,kl,bl->b", pooled, w, pooled)
    elif kind == "bangdiwala_b":
        diag = np.einsum("bkk->bk", tables).astype(float)
        denom = (tables.sum(axis=2) * tables.sum(axis=1)).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denom > 0, (diag**2).sum(axis=1) / denom, np.nan)
    else:
        raise ValueError(kind)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (po - pe) / (1 - pe)
    return np.where(1 - pe > 1e-12, value, np.nan)


def _pair_point(kind: str, ratings: Ratings, weights: str) -> Coefficient:
    cells, reason = _pair_cells(ratings)
    if reason:
        return undefined(f"{_TITLE[kind]} is {reason}" if "defined" in reason else reason)
    q = ratings.n_categories
    table = np.bincount(cells, minlength=q * q).reshape(1, q, q)
    value = float(_pair_family(kind, table, _weights_for(ratings, weights))[0])
    return undefined(ONE_CATEGORY) if np.isnan(value) else Coefficient(value)


def cohen_kappa(ratings: Ratings, weights: str = "identity") -> Coefficient:
    """Cohen's κ on the items both annotators rated; `weights` linear/quadratic (or any of
    Gwet's schemes) for ordered scales."""
    return _pair_point("cohen_kappa", ratings, weights)


def scott_pi(ratings: Ratings, weights: str = "identity") -> Coefficient:
    """Scott's π (pooled marginals) on the items both annotators rated."""
    return _pair_point("scott_pi", ratings, weights)


def bangdiwala_b(ratings: Ratings) -> Coefficient:
    """Bangdiwala's B: Σ n_kk² / Σ n_k+ n_+k, two annotators."""
    return _pair_point("bangdiwala_b", ratings, "identity")


_TITLE = {
    "cohen_kappa": "Cohen's κ", "scott_pi": "Scott's π", "bangdiwala_b": "Bangdiwala's B",
}


COEFFICIENT_FUNCTIONS: dict[str, Callable[..., Coefficient]] = {
    "percent_agreement": percent_agreement,
    "cohen_kappa": cohen_kappa,
    "scott_pi": scott_pi,
    "fleiss_kappa": fleiss_kappa,
    "gwet_ac1": gwet_ac1,
    "brennan_prediger": brennan_prediger,
}
