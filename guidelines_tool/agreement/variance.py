"""Analytic standard errors of the agreement coefficients, as their published sources compute them.

- Multi-rater formulas (any number of ratings per item, missing ratings allowed): Gwet (2014),
  *Handbook of Inter-Rater Reliability*, 4th ed., as coded in irrCAC's R functions
  `pa.coeff.raw`, `gwet.ac1.raw`, `fleiss.kappa.raw`, `krippen.alpha.raw`, `conger.kappa.raw`,
  `bp.coeff.raw` (and the `.dist` functions for count tables: the same formulas on the item ×
  category counts, except Krippendorff's α, whose `.dist` variance is an older form kept as
  `variant="dist"`). The variance is the linearised one, Σ (x_i − c)² / (n (n − 1)), times the
  finite-population correction 1 − n/N.
- Two-annotator contingency-table formulas: irrCAC's `kappa2.table`, `scott2.table`,
  `gwet.ac1.table`, `bp2.table`, `krippen2.table`, `pa2.table`, `bangdiwala.table`.
- SAS PROC FREQ (AGREE): Fleiss, Cohen & Everitt's (1969) asymptotic standard error of Cohen's κ
  and weighted κ, its value under H0: κ = 0, and the normal (Wald) interval.

irrCAC's intervals are t intervals, c ± t_{n−1} · se, capped at 1 (here at [−1, 1]); SAS's are
normal. Every formula is a sum over items of a function of the item's rating pattern, so it is
computed once per distinct pattern and weighted by the pattern's frequency: O(patterns · q).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from weakref import WeakKeyDictionary

import numpy as np

from guidelines_tool.agreement.coefficients import (
    NO_PAIRS,
    ONE_CATEGORY,
    _is_identity,
    _pair_cells,
)
from guidelines_tool.agreement.diagnostics import category_distance
from guidelines_tool.agreement.distances import SCALE_WEIGHTS, gwet_weights
from guidelines_tool.agreement.ratings import Ratings

Variant = Literal["raw", "dist"]
#: How the number of items with two judgements or more is treated in the multi-rater variance:
#: "fixed" as irrCAC codes it (its published numbers); "random", a ratio estimator, as the
#: bootstrap resamples it. They differ only where some items are judged once: irrCAC then
#: averages n/n₂ · pa_i over all n items and counts the single ones as 0, which adds a
#: spurious spread (se 1.0 beside a [1.0, 1.0] interval on one agreed item and one single; a
#: third too much with half the items judged once). The report shows "random".
Pairable = Literal["fixed", "random"]

#: The multi-rater coefficients with a Gwet (2014) variance.
RAW_COEFFICIENTS = ("percent_agreement", "gwet_ac1", "fleiss_kappa", "krippendorff_alpha",
                    "conger_kappa", "brennan_prediger")
#: The two-annotator coefficients with an irrCAC contingency-table variance.
TABLE_COEFFICIENTS = ("percent_agreement", "cohen_kappa", "scott_pi", "gwet_ac1",
                      "brennan_prediger", "krippendorff_alpha", "bangdiwala_b")

NO_VARIANCE = "fewer than two items to vary over: no standard error"
ONE_PAIRABLE_ITEM = ("fewer than two items with two judgements or more: the agreement rests on one "
                     "item, whose spread cannot be estimated (no standard error)")
SE_METHOD = ("Gwet (2014) linearised variance as irrCAC computes it, with the items judged twice "
             "or more taken as a random share of the items (a ratio estimator, as the bootstrap "
             "resamples them; irrCAC holds their number fixed); two-annotator table formulas for "
             "Cohen's κ and Scott's π; t interval with n − 1 df")


@dataclass(frozen=True)
class Analytic:
    """A coefficient with its analytic standard error.

    `value` is None exactly when the coefficient is undefined (`reason` says why); `se` and `ci`
    are None when the variance is (fewer than two items). `df` is the t interval's degrees of
    freedom (None: a normal interval). `pa` / `pe` are the observed and chance agreement the
    source prints beside the coefficient.
    """

    value: float | None
    se: float | None = None
    ci: tuple[float, float] | None = None
    df: int | None = None
    pa: float | None = None
    pe: float | None = None
    reason: str | None = None

    @property
    def p_value(self) -> float | None:
        """irrCAC's p-value, 1 − F_t(value / se; df): one-sided, as the R package prints it."""
        if self.value is None or not self.se or self.df is None:
            return None
        return 1.0 - t_cdf(self.value / self.se, self.df)


def _undefined(reason: str) -> Analytic:
    return Analytic(None, reason=reason)


# --- Student's t, without scipy (the CLI does not import it) --------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with df degrees of freedom."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def _t_density(t: float, df: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with df degrees of freedom: Newton steps on t_cdf, kept
    inside a bracket (bisection when a step leaves it). Cached: a report asks for the same
    (p, df) once per coefficient."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    t = (lo + hi) / 2.0
    for _ in range(200):
        error = t_cdf(t, df) - p
        if error < 0:
            lo = t
        else:
            hi = t
        step = error / _t_density(t, df)
        guess = t - step
        t_next = guess if lo < guess < hi else (lo + hi) / 2.0
        if abs(t_next - t) <= 1e-15 * max(1.0, abs(t)) or lo == hi:
            return t_next
        t = t_next
    return t


def t_interval(value: float, se: float, df: int, confidence: float = 0.95
               ) -> tuple[float, float]:
    """irrCAC's interval value ± t_{df} · se, kept inside [−1, 1]."""
    half = se * t_quantile(1.0 - (1.0 - confidence) / 2.0, df)
    return max(-1.0, value - half), min(1.0, value + half)


# --- multi-rater (irrCAC .raw / .dist) ------------------------------------------------------


@dataclass(frozen=True)
class _Items:
    """Per-pattern ingredients of the raw formulas (patterns with at least one rating)."""

    rows: np.ndarray  # P × q counts
    freq: np.ndarray  # items per pattern
    r: np.ndarray  # ratings per pattern
    sum_q: np.ndarray  # Σ_k c_k ((w c)_k − 1)
    n: float  # rated items


def _items(ratings: Ratings, w: np.ndarray) -> _Items:
    patterns = ratings.patterns
    r = patterns.rows.sum(axis=1)
    keep = (r >= 1) & (patterns.freq > 0)
    rows = patterns.rows[keep].astype(float)
    weighted = rows if _is_identity(w) else rows @ w.T
    freq = patterns.freq[keep].astype(float)
    return _Items(rows, freq, r[keep].astype(float), (rows * (weighted - 1)).sum(axis=1),
                  float(freq.sum()))


def _finish(value: float, x: np.ndarray, centre: float, items_n: float, freq: np.ndarray,
            df_n: float, f: float, pa: float, pe: float, confidence: float) -> Analytic:
    """Σ freq (x − centre)² (1 − f) / (n (n − 1)) → se, t interval with df_n − 1."""
    if items_n < 2 or df_n < 2:
        return Analytic(value, pa=pa, pe=pe, reason=NO_VARIANCE)
    var = (1.0 - f) / (items_n * (items_n - 1)) * float(freq @ (x - centre) ** 2)
    se = math.sqrt(max(var, 0.0))
    df = int(df_n) - 1
    return Analytic(value, se, t_interval(value, se, df, confidence), df, pa, pe)


def gwet_se(
    name: str,
    ratings: Ratings,
    *,
    weights: str | np.ndarray = "identity",
    variant: Variant = "raw",
    confidence: float = 0.95,
    population: float = math.inf,
    pairable: Pairable = "fixed",
) -> Analytic:
    """A multi-rater coefficient (see RAW_COEFFICIENTS) with Gwet's (2014) analytic standard
    error, as irrCAC's `<name>.raw` computes it (`variant="dist"`: `krippen.alpha.dist`'s
    older α variance; the other `.dist` functions equal the raw ones). `weights` is one of
    Gwet's schemes or a q × q agreement-weight matrix; `population` the number of items in the
    population (finite-population correction). `pairable="random"` linearises the observed
    agreement as a ratio over the items judged twice or more (see `Pairable`; α's formula
    already uses those items only), and gives no standard error below two of them."""
    if name not in RAW_COEFFICIENTS:
        raise ValueError(f"no multi-rater variance for {name!r}")
    result = _gwet_se(name, ratings, weights, variant, confidence, population, pairable)
    if result.value is None and result.reason == ONE_PAIRABLE_ITEM:  # the value, without an se
        fixed = gwet_se(name, ratings, weights=weights, variant=variant, confidence=confidence,
                        population=population)
        return fixed if fixed.value is None else Analytic(fixed.value, pa=fixed.pa, pe=fixed.pe,
                                                          reason=ONE_PAIRABLE_ITEM)
    return result


def _gwet_se(name: str, ratings: Ratings, weights: str | np.ndarray, variant: Variant,
             confidence: float, population: float, mode: Pairable) -> Analytic:
    w = _weight_matrix(ratings, weights)
    if ratings.n_ratings == 0 or not (ratings.patterns.rows.sum(axis=1) >= 2).any():
        return _undefined(NO_PAIRS)
    items = _items(ratings, w)
    q = w.shape[0]
    if name == "krippendorff_alpha":
        return _alpha_raw(items, w, variant, confidence, population)
    f = items.n / population
    n, freq, rows, r = items.n, items.freq, items.rows, items.r
    pairable = r >= 2
    n2 = float(freq[pairable].sum())
    pa_i = np.where(pairable, items.sum_q / np.where(pairable, r * (r - 1), 1.0), 0.0)
    pa = float(freq @ pa_i) / n2
    if mode == "random":
        if n2 < 2:
            return Analytic(None, reason=ONE_PAIRABLE_ITEM)  # value filled in below
        # pa = Σ pa_i / n₂ over the pairable items: its linearisation is n/n₂ (pa_i − pa) there
        # and 0 on items judged once, centred on pa; df from the n₂ items it averages
        lin_pa, centre_pa, df_n = n / n2 * (pa_i - pa * pairable) + pa, pa, n2
    else:  # irrCAC: n/n₂ pa_i on every item, single ones 0
        lin_pa, centre_pa, df_n = n / n2 * pa_i, pa, n
    if name == "percent_agreement":
        return _finish(pa, lin_pa, centre_pa, n, freq, df_n, f, pa, 0.0, confidence)
    pi = freq @ (rows / r[:, None]) / n
    total = float(w.sum())
    if name == "conger_kappa":
        return _conger(ratings, w, pa, n2, confidence, population)
    if name == "gwet_ac1":
        if q < 2:
            return _undefined("the label set has a single category: chance agreement is certain")
        pe = total * float((pi * (1 - pi)).sum()) / (q * (q - 1))
        pe_i = total / (q * (q - 1)) * (rows @ (1 - pi)) / r
    elif name == "fleiss_kappa":
        pe = float(pi @ w @ pi)
        pe_i = rows @ ((w @ pi + w.T @ pi) / 2) / r
    else:  # brennan_prediger: chance agreement is fixed, it adds no variance
        if q < 2:
            return _undefined("the label set has a single category: chance agreement is certain")
        pe = total / q**2
        pe_i = np.full(r.size, pe)
    if 1 - pe <= 1e-12:
        return _undefined(ONE_CATEGORY)
    value = (pa - pe) / (1 - pe)
    # irrCAC's first term, n/n₂ (pa_i − pe·[pairable]) / (1 − pe), is lin_pa − pe over 1 − pe
    # with its own lin_pa; the ratio estimator's lin_pa keeps the same mean, pa
    first = ((lin_pa - pe) if mode == "random" else n / n2 * (pa_i - pe * pairable)) / (1 - pe)
    x = first - 2 * (1 - value) * (pe_i - pe) / (1 - pe)
    return _finish(value, x, value, n, freq, df_n, f, pa, pe, confidence)


def _alpha_raw(items: _Items, w: np.ndarray, variant: Variant, confidence: float,
               population: float) -> Analytic:
    """krippen.alpha.raw (variant "raw") or krippen.alpha.dist (variant "dist")."""
    n0 = items.n
    f = n0 / population
    keep = items.r >= 2
    rows, freq, r, sum_q = items.rows[keep], items.freq[keep], items.r[keep], items.sum_q[keep]
    n = float(freq.sum())
    r_mean = float(freq @ r) / n
    eps = 1.0 / float(freq @ r)
    pa_raw = sum_q / (r_mean * (r - 1))
    pa_prime = float(freq @ pa_raw) / n
    pa = (1 - eps) * pa_prime + eps
    pi = freq @ rows / (n * r_mean)
    pe = float(pi @ w @ pi)
    if 1 - pe <= 1e-12:
        return _undefined(ONE_CATEGORY)
    alpha = (pa - pe) / (1 - pe)
    pw = (w @ pi + w.T @ pi) / 2
    spread = (r - r_mean) / r_mean
    if variant == "dist":
        pa_i = (1 - eps) * (pa_raw - pa_prime * spread) + eps
        pe_i = rows @ pw / r_mean - float(pi.sum()) * spread
        x = (pa_i - pe) / (1 - pe) - (1 - alpha) * (pe_i - pe) / (1 - pe)
        return _finish(alpha, x, alpha, n, freq, n, f, pa, pe, confidence)
    alpha_prime = (pa_prime - pe) / (1 - pe)
    pa_i = pa_raw - pa_prime * spread
    pe_i = rows @ pw / r_mean - pe * spread
    x = (pa_i - pe) / (1 - pe) - 2 * (1 - alpha_prime) * (pe_i - pe) / (1 - pe)
    # irrCAC: the variance over the n items with two ratings or more, the t interval's df from
    # all n0 rated items (the Python port uses n − 1 there)
    return _finish(alpha, x, alpha_prime, n, freq, n0, f, pa, pe, confidence)


def _conger(ratings: Ratings, w: np.ndarray, pa: float, n2: float, confidence: float,
            population: float) -> Analytic:
    """conger.kappa.raw: chance agreement from each rater's own marginals; its per-item term
    depends on which raters rated the item, so it is summed per item, not per pattern."""
    q, k = ratings.n_categories, ratings.n_annotators
    if k < 2:
        return _undefined("Conger's κ needs at least two annotators")
    patterns = ratings.patterns
    rated = patterns.rows.sum(axis=1)[patterns.inverse] >= 1
    n = float(rated.sum())
    item_code = np.cumsum(rated) - 1  # items renumbered over the rated ones
    classif = np.bincount(ratings.annotator * q + ratings.value, minlength=k * q).reshape(k, q)
    n_g = classif.sum(axis=1).astype(float)
    p = classif / np.maximum(n_g, 1)[:, None]
    mean = p.mean(axis=0)
    s2 = (p.T @ p - k * np.outer(mean, mean)) / (k - 1)
    pe = float((w * (np.outer(mean, mean) - s2 / k)).sum())
    if 1 - pe <= 1e-12:
        return _undefined(ONE_CATEGORY)
    value = (pa - pe) / (1 - pe)
    # λ_ig = Σ_k A_gk Σ_l w_kl (δ_igl − (ε_ig − n_g/n) p_gl) n/n_g with A_gk = r p̄_k − p_gk:
    # a rater's term is c_g = Σ_k A_gk (w p_g)_k when it did not rate the item, plus
    # (n/n_g)(B_{g,v} − c_g) with B = A w when it rated it v
    a = k * mean[None, :] - p
    b = a @ w
    c = (a * (p @ w.T)).sum(axis=1)
    g, v = ratings.annotator, ratings.value
    per_rating = n / np.maximum(n_g[g], 1) * (b[g, v] - c[g])
    item = item_code[ratings.item]
    pe_i = (np.bincount(item, per_rating, minlength=int(n)) + c.sum()) / (k * (k - 1))
    c_rows = patterns.rows.astype(float)
    r = c_rows.sum(axis=1)
    pairable = r >= 2
    sum_q = (c_rows * ((c_rows if _is_identity(w) else c_rows @ w.T) - 1)).sum(axis=1)
    pa_pattern = np.where(pairable, sum_q / np.where(pairable, r * (r - 1), 1.0), 0.0)
    inverse = patterns.inverse[rated]
    pa_i, pairable = pa_pattern[inverse], pairable[inverse]
    x = n / n2 * (pa_i - pe * pairable) / (1 - pe) - 2 * (1 - value) * (pe_i - pe) / (1 - pe)
    return _finish(value, x, value, n, np.ones(x.size), n, n / population, pa, pe, confidence)


def _weight_matrix(ratings: Ratings, weights: str | np.ndarray) -> np.ndarray:
    if isinstance(weights, str):
        return gwet_weights(weights, ratings.scores())
    return np.asarray(weights, dtype=float)


# --- two annotators: irrCAC's contingency-table functions -----------------------------------


#: Contingency tables already built, per Ratings: the report asks for κ and π of the same
#: ratings, and pairing 300k items takes ~20 ms.
_TABLES: WeakKeyDictionary[Ratings, tuple[np.ndarray | None, str | None]] = (
    WeakKeyDictionary())


def _pair_table(ratings: Ratings) -> tuple[np.ndarray | None, str | None]:
    """The two annotators' q × q table over the items both rated (None and why otherwise)."""
    if ratings not in _TABLES:
        cells, reason = _pair_cells(ratings)
        q = ratings.n_categories
        _TABLES[ratings] = ((None, reason) if reason else
                            (np.bincount(cells, minlength=q * q).reshape(q, q).astype(float),
                             None))
    return _TABLES[ratings]


def table_se(
    name: str,
    ratings: Ratings,
    *,
    weights: str | np.ndarray = "identity",
    confidence: float = 0.95,
    population: float = math.inf,
) -> Analytic:
    """A two-annotator coefficient (see TABLE_COEFFICIENTS) on the items both rated, with the
    standard error of irrCAC's `.table` function for it."""
    if name not in TABLE_COEFFICIENTS:
        raise ValueError(f"no contingency-table variance for {name!r}")
    table, reason = _pair_table(ratings)
    if table is None:
        return _undefined(reason or NO_PAIRS)
    return table_analytic(name, table, _weight_matrix(ratings, weights),
                          confidence=confidence, population=population)


def table_analytic(name: str, table: np.ndarray, w: np.ndarray, *, confidence: float = 0.95,
                   population: float = math.inf) -> Analytic:
    """irrCAC's `.table` estimate and standard error from a q × q contingency table."""
    table = np.asarray(table, dtype=float)
    n = float(table.sum())
    q = table.shape[0]
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pa = float((w * p).sum())
    f = n / population
    if name == "bangdiwala_b":
        return _bangdiwala(table, confidence, f)
    if name == "percent_agreement":
        var, value, pe = (float((p * w**2).sum()) - pa**2) / n, pa, 0.0
    elif name == "brennan_prediger":
        pe = float(w.sum()) / q**2
        if 1 - pe <= 1e-12:
            return _undefined("the label set has a single category: chance agreement is certain")
        value = (pa - pe) / (1 - pe)
        var = (float((p * w**2).sum()) - pa**2) / (n * (1 - pe) ** 2)
    else:
        value, pe, var = _chance_table(name, p, w, pa, rows, cols, n)
        if value is None:
            return _undefined(ONE_CATEGORY)
    se = math.sqrt(max((1 - f) * var, 1e-100))
    if n < 2:
        return Analytic(value, pa=pa, pe=pe, reason=NO_VARIANCE)
    df = int(n) - 1
    return Analytic(value, se, t_interval(value, se, df, confidence), df, pa, pe)


def _chance_table(name: str, p: np.ndarray, w: np.ndarray, pa: float, rows: np.ndarray,
                  cols: np.ndarray, n: float) -> tuple[float | None, float, float]:
    """Value, pe and variance of κ, π, AC1/AC2 and α (irrCAC's kappa2 / scott2 / gwet.ac1 /
    krippen2 `.table`)."""
    q = p.shape[0]
    pi = (rows + cols) / 2
    total = float(w.sum())
    if name == "cohen_kappa":
        pe = float(rows @ w @ cols)
    elif name == "gwet_ac1":
        pe = total * float((pi * (1 - pi)).sum()) / (q * (q - 1)) if q > 1 else 1.0
    else:  # scott_pi, krippendorff_alpha
        pe = float(pi @ w @ pi)
    if 1 - pe <= 1e-12:
        return None, pe, 0.0
    observed, value = pa, (pa - pe) / (1 - pe)
    if name == "krippendorff_alpha":  # α = π with a small-sample correction of pa
        eps = 1 / (2 * n)
        value = ((1 - eps) * pa + eps - pe) / (1 - pe)
    linear = (pa - pe) / (1 - pe)  # the coefficient the linearisation is taken at
    if name == "cohen_kappa":
        term = (w @ cols)[:, None] + (w.T @ rows)[None, :]
    elif name == "gwet_ac1":
        term = 2 * total * (1 - (pi[:, None] + pi[None, :]) / 2) / (q * (q - 1))
    else:
        bar = ((w @ cols) + (w.T @ rows)) / 2
        term = bar[:, None] + bar[None, :]
    sum1 = float((p * (w - (1 - linear) * term) ** 2).sum())
    var = (sum1 - (observed - 2 * (1 - linear) * pe) ** 2) / (n * (1 - pe) ** 2)
    return value, pe, var


def _bangdiwala(table: np.ndarray, confidence: float, f: float) -> Analytic:
    n = float(table.sum())
    rows, cols = table.sum(axis=1) / n, table.sum(axis=0) / n
    b1 = float(((np.diag(table) / n) ** 2).sum())
    b2 = float(rows @ cols)
    if b2 <= 0:
        return _undefined(NO_PAIRS)
    value = b1 / b2
    pi = (rows + cols) / 2
    pkk = np.diag(table) / n
    var1 = 2 * float((pkk**2 * (pkk - 2 * value * pi)).sum())
    var2 = value**2 * float((pi * rows * cols + ((table / n) @ rows) * cols).sum())
    se = math.sqrt(max((1 - f) * 2 * (var1 + var2) / (n * b2**2), 1e-100))
    if n < 2:
        return Analytic(value, pa=b1, pe=b2, reason=NO_VARIANCE)
    return Analytic(value, se, t_interval(value, se, int(n) - 1, confidence), int(n) - 1, b1, b2)


# --- SAS PROC FREQ: Cohen's κ with ASE ------------------------------------------------------


@dataclass(frozen=True)
class KappaASE:
    """Cohen's (weighted) κ as SAS PROC FREQ's AGREE option prints it: the asymptotic standard
    error (Fleiss, Cohen & Everitt 1969), the one under H0: κ = 0, the Wald interval and
    z = κ / ASE_H0."""

    value: float
    ase: float
    ase_h0: float
    ci: tuple[float, float]
    z: float


def kappa_ase(ratings: Ratings, weights: str | np.ndarray = "identity", *,
              confidence: float = 0.95) -> KappaASE | None:
    """SAS's κ statistics for two annotators (None when κ is undefined). With weights (SAS's
    Cicchetti–Allison weights are Gwet's linear ones, Fleiss–Cohen the quadratic)."""
    table, _ = _pair_table(ratings)
    if table is None:
        return None
    w = _weight_matrix(ratings, weights)
    n = float(table.sum())
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pa, pe = float((w * p).sum()), float(rows @ w @ cols)
    if 1 - pe <= 1e-12:
        return None
    kappa = (pa - pe) / (1 - pe)
    w_row, w_col = w @ cols, w.T @ rows  # w̄_i. and w̄_.j
    term = w_row[:, None] + w_col[None, :]
    var = (float((p * (w - term * (1 - kappa)) ** 2).sum())
           - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    var0 = (float((np.outer(rows, cols) * (w - term) ** 2).sum()) - pe**2) / (n * (1 - pe) ** 2)
    ase, ase0 = math.sqrt(max(var, 0.0)), math.sqrt(max(var0, 0.0))
    from statistics import NormalDist  # here: importing statistics costs the CLI ~5 ms

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    return KappaASE(kappa, ase, ase0, (kappa - z * ase, kappa + z * ase),
                    kappa / ase0 if ase0 > 0 else math.nan)


# --- what the report shows ------------------------------------------------------------------


def alpha_weights(ratings: Ratings, metric: str) -> np.ndarray:
    """Krippendorff's distance as Gwet's agreement weights, 1 − δ / max δ (α is unchanged by
    the scaling; ordinal δ comes from the observed marginals and is treated as fixed)."""
    delta = category_distance(ratings, metric)
    top = float(delta.max()) if delta.size else 0.0
    return 1.0 - delta / top if top > 0 else np.eye(ratings.n_categories)


def analytic_se(name: str, ratings: Ratings, *, scale: str = "nominal",
                confidence: float = 0.95) -> Analytic:
    """The analytic standard error the report shows beside coefficient `name` (one of
    agreement.COEFFICIENTS) with the scale's weights: the two-annotator table formulas for
    Cohen's κ and Scott's π, Gwet's multi-rater ones for the others."""
    if name in ("cohen_kappa", "scott_pi"):
        return table_se(name, ratings, weights=SCALE_WEIGHTS[scale], confidence=confidence)
    if name == "krippendorff_alpha":
        if ratings.n_ratings == 0 or not (ratings.patterns.rows.sum(axis=1) >= 2).any():
            return _undefined(NO_PAIRS)
        return gwet_se(name, ratings, weights=alpha_weights(ratings, scale),
                       confidence=confidence)
    weights = "identity" if name == "percent_agreement" else SCALE_WEIGHTS[scale]
    return gwet_se(name, ratings, weights=weights, confidence=confidence, pairable="random")
