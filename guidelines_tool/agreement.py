"""Inter-annotator agreement: pure statistics over integer-coded arrays.

Every coefficient is computed from per-item *patterns*: an item's rating pattern is the vector of
how many of its ratings fell in each category (for the two-annotator coefficients, the pair of
values). Items with identical patterns contribute identically, so a coefficient is a function of
the pattern frequencies; the point estimate uses the observed frequencies and a bootstrap
replicate uses multinomially resampled ones. That is exact (the same as resampling items and
recomputing) and orders of magnitude faster, and it guarantees the bootstrap and the point
estimate are the same formula.

Formulas follow Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed. (percent agreement,
Fleiss' κ generalised to varying numbers of ratings, AC1/AC2, Brennan–Prediger, Conger's κ, and
the weight schemes) and Krippendorff (2011), *Computing Krippendorff's alpha-reliability*
(coincidence matrix; nominal, ordinal, interval and ratio metrics). An undefined value is never
NaN in a `Coefficient`: it is `None` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

Metric = Literal["nominal", "ordinal", "interval", "ratio"]
METRICS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS: tuple[str, ...] = (
    "identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar",
)
#: The coefficients the report shows, in order (the JSON names of issue 4).
COEFFICIENTS: tuple[str, ...] = (
    "percent_agreement", "cohen_kappa", "scott_pi", "fleiss_kappa",
    "krippendorff_alpha", "gwet_ac1", "brennan_prediger",
)
#: Weights of the weighted coefficients for each measurement scale.
SCALE_WEIGHTS: dict[str, str] = {
    "nominal": "identity", "ordinal": "linear", "interval": "quadratic", "ratio": "ratio",
}

#: Above this many item × category cells, rating patterns are found without a dense matrix.
DENSE_LIMIT = 20_000_000

NO_PAIRS = "no pairable items: every item has fewer than two ratings"
ONE_CATEGORY = "only one category was used, so chance agreement is perfect and the ratio is 0/0"


@dataclass(frozen=True)
class Coefficient:
    """One agreement value. `value` is None exactly when the coefficient is undefined; `reason`
    then says why. `ci` is the (low, high) interval, `method` how it was obtained; `ci_reason`
    why a defined value has no interval. `se` is the analytic standard error and
    `analytic_ci` its t interval (agreement_variance), where computed; `se_reason` why a defined
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


@dataclass(frozen=True, eq=False)
class Ratings:
    """Ratings as parallel integer arrays: one entry per (item, annotator) judgement.

    `item` codes run 0..n_items-1, `annotator` codes 0..n_annotators-1, `value` codes index
    `categories` (which are in scale order and may include categories nobody used). `numeric`
    holds each category's numeric value where the scale has one (interval/ratio metrics and
    Gwet's weights use it; positions 1..q otherwise). `distance` optionally overrides the
    category distance (label sets under MASI). An (item, annotator) pair occurs at most once.
    """

    item: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    categories: tuple = ()
    numeric: np.ndarray | None = None
    items: tuple | None = None
    annotators: tuple | None = None
    distance: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def n_items(self) -> int:
        if self.items is not None:
            return len(self.items)
        return int(self.item.max()) + 1 if self.item.size else 0

    @cached_property
    def n_annotators(self) -> int:
        if self.annotators is not None:
            return len(self.annotators)
        return int(self.annotator.max()) + 1 if self.annotator.size else 0

    @cached_property
    def present_annotators(self) -> np.ndarray:
        """Codes of the annotators who have at least one rating here."""
        return np.flatnonzero(np.bincount(self.annotator, minlength=self.n_annotators))

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    @property
    def n_ratings(self) -> int:
        return int(self.value.size)

    @cached_property
    def counts(self) -> np.ndarray:
        """n_items × q matrix: how many ratings each item got in each category."""
        q = self.n_categories
        flat = np.bincount(np.asarray(self.item, dtype=np.int64) * q + self.value,
                           minlength=self.n_items * q)
        return flat.reshape(self.n_items, q)

    @cached_property
    def patterns(self) -> Patterns:
        """Items grouped by rating pattern: distinct count rows, their frequencies and each
        item's pattern. Built without the dense n_items × q matrix when that would be big."""
        # past 64 categories no int64 key fits a dense row and count_patterns would fall back
        # to np.unique(axis=0) on n_items × q: seconds where the sparse route takes ms
        if self.n_items * max(self.n_categories, 1) <= DENSE_LIMIT and self.n_categories <= 64:
            return count_patterns(self.counts)
        return _sparse_patterns(self)

    @classmethod
    def from_counts(cls, counts: np.ndarray, categories: tuple) -> Ratings:
        """Ratings known only by their item × category counts (annotators anonymous): enough
        for α and the Gwet-family coefficients, not for Cohen's κ or per-annotator figures."""
        counts = np.asarray(counts, dtype=np.int64)
        n, q = counts.shape
        flat = counts.ravel()
        item = np.repeat(np.repeat(np.arange(n), q), flat)
        value = np.repeat(np.tile(np.arange(q), n), flat)
        # annotator = the rating's rank within its item keeps (item, annotator) pairs unique
        start = np.r_[0, np.cumsum(counts.sum(axis=1))[:-1]]
        annotator = np.arange(item.size) - np.repeat(start, counts.sum(axis=1))
        return cls(item, annotator, value, tuple(categories), items=tuple(range(n)))

    def scores(self) -> np.ndarray:
        """Each category's numeric value (positions 1..q when the categories have none)."""
        if self.numeric is not None:
            return np.asarray(self.numeric, dtype=float)
        return np.arange(1, self.n_categories + 1, dtype=float)

    def select(self, rows: np.ndarray) -> Ratings:
        """The ratings in the boolean row mask `rows`, items renumbered compactly."""
        return self._rebuild(np.asarray(rows, dtype=bool))

    def subset(self, item_indices: np.ndarray | Sequence[int]) -> Ratings:
        """The ratings of the given items (indices or a boolean mask over items), renumbered."""
        idx = np.asarray(item_indices)
        keep = np.zeros(self.n_items, dtype=bool)
        keep[idx] = True
        return self._rebuild(keep[self.item])

    def _rebuild(self, rows: np.ndarray) -> Ratings:
        kept_items, item = np.unique(self.item[rows], return_inverse=True)
        items = tuple(self.items[i] for i in kept_items) if self.items is not None else None
        if items is None:
            items = tuple(int(i) for i in kept_items)
        return Ratings(
            item.astype(np.int64), self.annotator[rows], self.value[rows], self.categories,
            self.numeric, items, self.annotators, self.distance,
        )


def encode(
    items: Sequence[Hashable] | np.ndarray,
    annotators: Sequence[Hashable] | np.ndarray,
    values: Sequence[Hashable] | np.ndarray,
    *,
    categories: Sequence[Hashable] | None = None,
    numeric: Sequence[float] | None = None,
) -> Ratings:
    """Ratings from three parallel sequences of ids and values.

    `categories` fixes the category order (the scale) and may include unused categories;
    without it, the sorted distinct values. Numbers as categories are their own numeric values.
    Raises ValueError for a value outside `categories` or a repeated (item, annotator) pair.
    """
    item_ids, item = _codes(items)
    annotator_ids, annotator = _codes(annotators)
    value_ids, value = _codes(values)
    if categories is None:
        categories = value_ids
    categories = tuple(categories)
    position = {c: k for k, c in enumerate(categories)}
    unknown = [v for v in value_ids if v not in position]
    if unknown:
        raise ValueError(f"values not among the categories: {unknown[:5]}")
    remap = np.array([position[v] for v in value_ids], dtype=np.int64)
    value = remap[value] if value.size else value
    pair = item * max(len(annotator_ids), 1) + annotator
    if np.unique(pair).size != pair.size:
        raise ValueError("an (item, annotator) pair is rated more than once")
    if numeric is None and categories and all(_is_number(c) for c in categories):
        numeric = [float(c) for c in categories]
    return Ratings(
        item, annotator, value, categories,
        None if numeric is None else np.asarray(numeric, dtype=float),
        tuple(item_ids), tuple(annotator_ids),
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _codes(values: Sequence[Hashable] | np.ndarray) -> tuple[list, np.ndarray]:
    """Sorted distinct values and each entry's index among them."""
    seq = list(values.tolist() if isinstance(values, np.ndarray) else values)
    distinct = sorted(set(seq), key=_sort_key)
    index = {v: k for k, v in enumerate(distinct)}
    return distinct, np.fromiter((index[v] for v in seq), dtype=np.int64, count=len(seq))


def _sort_key(value: object) -> tuple:
    # numbers before strings, numbers numerically: a stable order for mixed ids
    return (0, value, "") if _is_number(value) else (1, 0, str(value))


# --- weights and distances ------------------------------------------------------------------


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


# --- patterns and resampling ----------------------------------------------------------------


@dataclass(frozen=True)
class Patterns:
    """Distinct rows of a count matrix, how often each occurs, and each item's row index."""

    rows: np.ndarray  # P × q
    freq: np.ndarray  # P item counts
    inverse: np.ndarray  # n_items: the pattern of each item


def _by_frequency(rows: np.ndarray, freq: np.ndarray, inverse: np.ndarray) -> Patterns:
    order = np.argsort(-freq, kind="stable")  # frequent first: the multinomial stops early
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return Patterns(rows[order], freq[order], rank[inverse])


def _pattern_bits(counts: np.ndarray) -> float:
    """Bits of a mixed-radix key over a count row."""
    base = int(counts.max()) + 1 if counts.size else 1
    return counts.shape[1] * np.log2(max(base, 2))


def _few_patterns(counts: np.ndarray) -> bool:
    """Whether patterns can be counted by key without sorting (see count_patterns)."""
    return _pattern_bits(counts) <= 22


def count_patterns(counts: np.ndarray) -> Patterns:
    """Group items (rows of `counts`) with identical rating patterns."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Patterns(counts.reshape(0, counts.shape[1]), empty, empty)
    base = int(counts.max()) + 1
    q = counts.shape[1]
    bits = _pattern_bits(counts)
    if bits <= 22:
        # few possible patterns: count keys directly, no sort
        powers = base ** np.arange(q, dtype=np.int64)
        key = counts @ powers
        tally = np.bincount(key)
        keys = np.flatnonzero(tally)
        lookup = np.zeros(tally.size, dtype=np.int64)
        lookup[keys] = np.arange(keys.size)
        rows = (keys[:, None] // powers[None, :]) % base
        return _by_frequency(rows, tally[keys], lookup[key])
    if bits < 62:
        # one int64 key per row (mixed radix) sorts far faster than np.unique(axis=0); the
        # rows are decoded from the keys (asking np.unique for indices forces a stable sort)
        powers = base ** np.arange(q, dtype=np.int64)
        keys, inverse, freq = np.unique(counts @ powers, return_inverse=True, return_counts=True)
        rows = (keys[:, None] // powers[None, :]) % base
        return _by_frequency(rows, freq, inverse.ravel())
    rows, inverse, freq = np.unique(counts, axis=0, return_inverse=True, return_counts=True)
    return _by_frequency(rows, freq, inverse.ravel())


def _sparse_patterns(ratings: Ratings) -> Patterns:
    """count_patterns without the dense matrix: each item's sorted values identify its pattern."""
    q, n = ratings.n_categories, ratings.n_items
    order = np.lexsort((ratings.value, ratings.item))
    item, value = ratings.item[order], ratings.value[order]
    per_item = np.bincount(item, minlength=n)
    rank = np.arange(item.size) - (np.cumsum(per_item) - per_item)[item]
    padded = np.full((n, max(int(per_item.max()), 1)), -1, dtype=np.int64)
    padded[item, rank] = value
    if padded.shape[1] * np.log2(q + 1) < 62:
        key = (padded + 1) @ ((q + 1) ** np.arange(padded.shape[1], dtype=np.int64))
        _, first, inverse, freq = np.unique(key, return_index=True, return_inverse=True,
                                            return_counts=True)
        distinct = padded[first]
    else:
        distinct, inverse, freq = np.unique(padded, axis=0, return_inverse=True,
                                            return_counts=True)
    p, k = np.nonzero(distinct >= 0)
    rows = np.bincount(p * q + distinct[p, k], minlength=len(distinct) * q).reshape(-1, q)
    return _by_frequency(rows, freq, inverse.ravel())


#: Costs on numpy 2 (ns a replicate): drawing and tallying one item, one Poisson count, and
#: the fixed work of the Poisson route. A pattern seen fewer times than ~Poisson/item is
#: cheaper to resample item by item.
ITEM_COST, POISSON_COST, POISSON_OVERHEAD = 12.0, 57.0, 150.0
OWN_COUNT_FROM = 5
#: The Poisson counts aim this many standard deviations below the number of items: their sum
#: rarely overshoots (~7 % of replicates are drawn again) and few items are left to draw singly.
POISSON_MARGIN = 1.5
#: Items drawn at once when resampling item by item (bounds the temporaries to ~50 MB).
ITEM_BLOCK = 4_000_000


def resample(freq: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n bootstrap replicates of pattern frequencies (n × P): items resampled with replacement.

    Each replicate is exactly multinomial(N, freq / N), N = Σ freq, drawn without numpy's
    multinomial (a binomial per category, ~110-160 ns each however small the count):
    1. each pattern seen at least OWN_COUNT_FROM times, and the rarer ones together, get
       independent Poisson(λ p_k) counts with λ a little below N. Given their sum s they are
       multinomial(s, p), so replicates with s > N are drawn again and the others kept;
    2. the rare patterns' joint count is split by drawing that many items uniformly among
       their items (a merged multinomial category split by its conditional multinomial);
    3. the N − s missing items are drawn uniformly among all items.
    A multinomial(s, p) plus an independent multinomial(N − s, p) is multinomial(N, p) for
    every s, so the result is the exact distribution, not an approximation.
    """
    freq = np.asarray(freq, dtype=np.int64)
    total = int(freq.sum())
    if total == 0 or freq.size == 0:
        return np.zeros((n, freq.size), dtype=np.int64)
    own = freq >= OWN_COUNT_FROM
    items = np.repeat(np.arange(freq.size, dtype=np.intp), freq)  # each item's pattern
    if not _poisson_route(freq, own):  # few items: draw them all one by one
        return _tally_items([(items, np.full(n, total, dtype=np.int64))], n, freq.size, rng)
    rare = ~own
    lam = max(total - POISSON_MARGIN * np.sqrt(total), 0.0) / total * np.r_[
        freq[own], freq[rare].sum()]
    counts = rng.poisson(lam, size=(n, lam.size))
    drawn = counts.sum(axis=1)
    over = np.flatnonzero(drawn > total)
    while over.size:
        counts[over] = rng.poisson(lam, size=(over.size, lam.size))
        drawn[over] = counts[over].sum(axis=1)
        over = over[drawn[over] > total]
    # steps 2 and 3: the rare patterns' items, then any item, tallied together
    out = _tally_items([(items[rare[items]], counts[:, -1]), (items, total - drawn)], n,
                       freq.size, rng)
    k = int(own.sum())
    if own[:k].all():  # frequent patterns first, as Patterns keeps them: a slice, not a scatter
        out[:, :k] += counts[:, :-1]
    else:
        out[:, own] += counts[:, :-1]
    return out


def _poisson_route(freq: np.ndarray, own: np.ndarray) -> bool:
    """Whether Poisson counts (steps 1-3 of `resample`) are cheaper than drawing every item."""
    total = freq.sum()
    missing = (POISSON_MARGIN + 0.15) * np.sqrt(total)  # about the mean of N − s given s ≤ N
    cost = (POISSON_COST * (own.sum() + (~own).any()) + POISSON_OVERHEAD
            + ITEM_COST * (freq[~own].sum() + missing))
    return bool(own.any()) and cost < ITEM_COST * total


def _tally_items(
    pools: list[tuple[np.ndarray, np.ndarray]], n: int, n_patterns: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Items drawn uniformly with replacement and tallied per pattern (n × n_patterns): from each
    pool (pattern of each of its items, count per replicate) replicate b draws count[b] items."""
    pools = [(pattern_of, count) for pattern_of, count in pools if pattern_of.size]
    if not pools:  # only patterns seen zero times: nothing to draw
        return np.zeros((n, n_patterns), dtype=np.int64)
    ends = np.cumsum(sum(count for _, count in pools))
    out = None if n and ends[-1] <= ITEM_BLOCK else np.zeros((n, n_patterns), dtype=np.int64)
    start = 0
    while start < n:
        first = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, first + ITEM_BLOCK, side="right")))
        rows = np.arange(stop - start, dtype=np.intp) * n_patterns
        keys = []
        for pattern_of, count in pools:
            block = count[start:stop]
            drawn = rng.integers(0, pattern_of.size, int(block.sum()),  # 16 bits: cheapest
                                 dtype=np.uint16 if pattern_of.size < 2**16 else np.int64)
            key = pattern_of.take(drawn)
            key += np.repeat(rows, block)
            keys.append(key)
        key = keys[0] if len(keys) == 1 else np.concatenate(keys)
        tally = np.bincount(key, minlength=rows.size * n_patterns).reshape(-1, n_patterns)
        if out is None:  # one block: the tally is the result (no copy)
            return tally
        out[start:stop] = tally
        start = stop
    return out


# --- Krippendorff's alpha -------------------------------------------------------------------


def _coincidences(rows: np.ndarray) -> np.ndarray:
    """Per-pattern coincidence contributions (P × q × q): (c cᵀ − diag c)/(r − 1), r ≥ 2."""
    c = rows.astype(float)
    r = c.sum(axis=1)
    scale = np.where(r >= 2, 1.0 / np.maximum(r - 1, 1), 0.0)
    o = c[:, :, None] * c[:, None, :]
    idx = np.arange(c.shape[1])
    o[:, idx, idx] -= c
    return o * scale[:, None, None]


def _pair_scale(rows: np.ndarray) -> np.ndarray:
    """1/(r − 1) per row with r ≥ 2 ratings, 0 for rows that cannot pair."""
    r = rows.sum(axis=1)
    return np.where(r >= 2, 1.0 / np.maximum(r - 1, 1), 0.0)


def _summed_coincidences(rows: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Σ_p weight_p · (c_p c_pᵀ − diag c_p)/(r_p − 1) as one q × q product: never the
    P × q × q stack (146 GiB for 20 000 patterns over 1000 categories)."""
    c = rows.astype(float)
    weighted = c * (weight * _pair_scale(rows))[:, None]
    o = c.T @ weighted
    o[np.diag_indices_from(o)] -= weighted.sum(axis=0)
    return o


def coincidence_matrix(ratings: Ratings) -> np.ndarray:
    """Krippendorff's q × q coincidence matrix o_ck."""
    q = ratings.n_categories
    if ("patterns" in ratings.__dict__ or ratings.n_items * max(q, 1) > DENSE_LIMIT
            or _few_patterns(ratings.counts)):
        patterns = ratings.patterns  # grouped already, cheaply, or too big to hold densely
        if not patterns.freq.size:
            return np.zeros((q, q))
        return _summed_coincidences(patterns.rows, patterns.freq.astype(float))
    # one pass over the item × category counts: o = Σ_i (c_i c_iᵀ − diag c_i) / (r_i − 1)
    counts = ratings.counts.astype(float)
    r = counts.sum(axis=1)
    weighted = counts * np.where(r >= 2, 1.0 / np.maximum(r - 1, 1), 0.0)[:, None]
    o = counts.T @ weighted
    o[np.diag_indices_from(o)] -= weighted.sum(axis=0)
    return o


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


def alpha_bootstrap(
    ratings: Ratings, metric: str, n: int, rng: np.random.Generator, *, weights: str | None = None
) -> np.ndarray:
    """n bootstrap replicates of α, items resampled with replacement (NaN where undefined).

    Items with identical rating patterns are grouped; each replicate draws pattern counts from a
    multinomial and sums the patterns' coincidence matrices: exactly α of a resample of items.
    """
    patterns = ratings.patterns
    return _alpha_replicates(ratings, patterns, resample(patterns.freq, n, rng), metric, weights)


def _alpha_replicates(
    ratings: Ratings, patterns: Patterns, draws: np.ndarray, metric: str, weights: str | None
) -> np.ndarray:
    pairable = patterns.rows.sum(axis=1) >= 2
    if not pairable.any():
        return np.full(draws.shape[0], np.nan)
    rows = patterns.rows[pairable]
    q = ratings.n_categories
    m = draws[:, pairable].astype(float)  # float matmul: BLAS, ~2x numpy's integer product
    delta = _alpha_delta(ratings, metric, weights)
    if delta is None:  # ordinal: each replicate's distances come from its own marginals
        # patterns a block at a time: the P × q × q stack would not fit for large q
        block = max(1, PATTERN_BLOCK // max(q * q, 1))
        o = sum(_rows_product(m[:, i:i + block], _coincidences(rows[i:i + block])
                              .reshape(-1, q * q)) for i in range(0, rows.shape[0], block))
        return _alpha_from(o.reshape(-1, q, q), None)
    # with a fixed δ, α needs only the marginals n_c and Σ o δ: q + 1 numbers per pattern, not
    # q². A pattern's coincidences (c cᵀ − diag c)/(r − 1) have marginals c and Σ o δ =
    # (cᵀ δ c − Σ c_k δ_kk)/(r − 1): no q × q matrix per pattern
    c = rows.astype(float)
    scale = _pair_scale(rows)
    observed = (((c @ delta) * c).sum(axis=1) - c @ np.diag(delta)) * scale
    features = np.concatenate([c, observed[:, None]], axis=1)
    summed = _rows_product(m, features)
    return _alpha_from_marginals(summed[:, :q], summed[:, q], delta)


#: Pattern coincidence entries (patterns × q²) held at once by the ordinal bootstrap (~16 MB).
PATTERN_BLOCK = 2_000_000

#: OpenBLAS multiplies on several threads above m·n·k = 65536 · 4, and its idle workers then
#: spin: in `impact` (thousands of bootstrap products) that took a whole second core of this
#: shared machine and doubled the wall time when none was free. Products stay below it.
SINGLE_THREAD_MNK = 2**18


def _rows_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b, a few rows of a at a time so that BLAS stays on one thread."""
    rows = max(1, SINGLE_THREAD_MNK // max(a.shape[1] * b.shape[1], 1))
    if a.shape[0] <= rows:
        return a @ b
    return np.concatenate([a[i:i + rows] @ b for i in range(0, a.shape[0], rows)])


def _alpha_from_marginals(n: np.ndarray, observed: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """_alpha_from for a fixed δ, given the coincidence marginals n (B × q) and Σ o δ (B)."""
    total = n.sum(axis=-1)
    d_e = ((n @ delta) * n).sum(axis=-1) / np.where(total > 1, total - 1, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - observed / d_e
    return np.where((total > 1) & (d_e > 1e-12 * np.maximum(total, 1)), alpha, np.nan)


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


def _pair_replicates(kind: str, used: np.ndarray, draws: np.ndarray, q: int, w: np.ndarray
                     ) -> np.ndarray:
    """_pair_family for B resampled tables given by their used cells (B × U counts): the same
    numbers without B dense q × q tables (14 GB for 200 replicates over 3000 categories)."""
    m = draws.astype(float)
    n = np.where(m.sum(axis=1) > 0, m.sum(axis=1), np.nan)  # an empty replicate: NaN
    first, second = used // q, used % q

    def margin(codes: np.ndarray) -> np.ndarray:
        out = np.zeros((m.shape[0], q))
        order = np.argsort(codes, kind="stable")
        keys, starts = np.unique(codes[order], return_index=True)
        out[:, keys] = np.add.reduceat(m[:, order], starts, axis=1)
        return out / n[:, None]

    rows, cols = margin(first), margin(second)
    po = (m @ w[first, second]) / n
    if kind == "scott_pi":
        rows = cols = (rows + cols) / 2
    elif kind != "cohen_kappa":
        raise ValueError(kind)
    pe = (rows * cols).sum(axis=1) if _is_identity(w) else ((rows @ w) * cols).sum(axis=1)
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


# --- all coefficients with bootstrap intervals ----------------------------------------------


def _replicates(
    kind: str, ratings: Ratings, *, metric: str, weights: str, n: int, rng: np.random.Generator
) -> np.ndarray:
    """n bootstrap replicates of one coefficient (items resampled; NaN where undefined)."""
    if kind == "krippendorff_alpha":
        return alpha_bootstrap(ratings, metric, n, rng)
    if kind in ("cohen_kappa", "scott_pi"):
        cells, _ = _pair_cells(ratings)
        q = ratings.n_categories
        used, freq = np.unique(cells, return_counts=True)
        draws = resample(freq, n, rng)
        return _pair_replicates(kind, used, draws, q, _weights_for(ratings, weights))
    patterns = ratings.patterns
    w = _weights_for(ratings, weights)
    stats = _item_stats(patterns.rows, w)
    return _gwet_family(kind, stats, resample(patterns.freq, n, rng), w)


COEFFICIENT_FUNCTIONS: dict[str, Callable[..., Coefficient]] = {
    "percent_agreement": percent_agreement,
    "cohen_kappa": cohen_kappa,
    "scott_pi": scott_pi,
    "fleiss_kappa": fleiss_kappa,
    "gwet_ac1": gwet_ac1,
    "brennan_prediger": brennan_prediger,
}


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


# --- diagnostics: per label, per annotator, confusion pairs --------------------------------


def category_distance(ratings: Ratings, metric: str) -> np.ndarray:
    """The q × q distance α uses for these ratings (ordinal: from the observed marginals)."""
    delta = _alpha_delta(ratings, metric, None)
    if delta is None:
        delta = ordinal_distance(coincidence_matrix(ratings).sum(axis=1))
    return delta


def binary_alphas(
    presence: np.ndarray, totals: np.ndarray, *, freq: np.ndarray | None = None,
    n_boot: int = 0, seed: int = 0, confidence: float = 0.95,
) -> list[Coefficient]:
    """Nominal α of each column's binary "this label or not" decomposition.

    presence[i, k] = how many of item i's ratings contain label k; totals[i] = its ratings;
    freq[i] = how many items row i stands for (rows may be rating patterns; default 1 each).
    """
    presence = np.asarray(presence, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    freq = np.ones(len(totals), dtype=np.int64) if freq is None else np.asarray(freq)
    nominal = 1.0 - np.eye(2)
    out = []
    for k in range(presence.shape[1]):
        counts = np.stack([totals - presence[:, k], presence[:, k]], axis=1)
        merged = count_patterns(counts)
        weights = np.bincount(merged.inverse, weights=freq, minlength=merged.freq.size)
        patterns = Patterns(merged.rows, weights.astype(np.int64), merged.inverse)
        o = np.tensordot(patterns.freq.astype(float), _coincidences(patterns.rows), axes=1)
        if o.sum() < 2:
            out.append(undefined(NO_PAIRS))
            continue
        value = float(_alpha_from(o, nominal))
        if np.isnan(value):
            out.append(undefined(ONE_CATEGORY))
            continue
        point = Coefficient(value)
        if n_boot > 0:
            rng = np.random.default_rng([seed, k])
            draws = resample(patterns.freq, n_boot, rng)
            reps = _alpha_from((draws.astype(float) @ _coincidences(patterns.rows).reshape(
                -1, 4)).reshape(-1, 2, 2), nominal)
            point = _with_interval(point, reps, n_boot, confidence)
        out.append(point)
    return out


@dataclass(frozen=True)
class ConfusionPair:
    """Two categories annotators confused, and their share of all observed disagreement."""

    a: object
    b: object
    pairs: float  # coincidences o_ab + o_ba: pairable judgement pairs split between a and b
    share: float  # of Σ o δ, the observed disagreement

    def to_dict(self) -> dict[str, object]:
        return {"labels": [self.a, self.b], "pairs": self.pairs, "share": self.share}


def confusion_pairs(ratings: Ratings, metric: str = "nominal", top: int = 10) -> list[ConfusionPair]:
    """The category pairs most responsible for observed disagreement, largest first."""
    o = coincidence_matrix(ratings)
    delta = category_distance(ratings, metric)
    weighted = o * delta
    total = weighted.sum()
    if total <= 0:
        return []
    a, b = np.triu_indices(o.shape[0], k=1)
    share = (weighted[a, b] + weighted[b, a]) / total
    order = np.lexsort((b, a, -share))
    return [
        ConfusionPair(ratings.categories[a[i]], ratings.categories[b[i]],
                      float(o[a[i], b[i]] + o[b[i], a[i]]), float(share[i]))
        for i in order[:top] if share[i] > 0
    ]


@dataclass(frozen=True)
class AnnotatorAgreement:
    """One annotator against the others on shared items: the share of agreeing pairs and
    1 − D_o(annotator) / D_e (α's scale: 1 perfect, 0 chance)."""

    annotator: object
    n_ratings: int
    n_pairs: int
    percent_agreement: Coefficient
    alpha: Coefficient


def annotator_agreement(ratings: Ratings, metric: str = "nominal") -> list[AnnotatorAgreement]:
    """Each annotator's agreement with the others, pair by pair on the items they share."""
    patterns = ratings.patterns
    rows = patterns.rows.astype(float)
    of_rating = patterns.inverse[ratings.item]  # each judgement's item pattern
    delta = category_distance(ratings, metric)
    others = rows.sum(axis=1)[of_rating] - 1  # pairs each judgement forms
    dist = (rows @ delta.T)[of_rating, ratings.value]  # δ_cc = 0: self adds nothing
    agree = rows[of_rating, ratings.value] - 1
    o = coincidence_matrix(ratings)
    n = o.sum(axis=1)
    total = n.sum()
    d_e = float(n @ delta @ n / (total * (total - 1))) if total > 1 else 0.0
    k = ratings.n_annotators
    pairs = np.bincount(ratings.annotator, others, minlength=k)
    sums = np.bincount(ratings.annotator, dist, minlength=k)
    agrees = np.bincount(ratings.annotator, agree, minlength=k)
    n_ratings = np.bincount(ratings.annotator, minlength=k)
    out = []
    for a in range(k):
        name = ratings.annotators[a] if ratings.annotators is not None else a
        if pairs[a] == 0:
            none = undefined("shares no item with another annotator")
            out.append(AnnotatorAgreement(name, int(n_ratings[a]), 0, none, none))
            continue
        pct = Coefficient(float(agrees[a] / pairs[a]))
        alpha = (Coefficient(1 - float(sums[a] / pairs[a]) / d_e) if d_e > 0
                 else undefined(ONE_CATEGORY))
        out.append(AnnotatorAgreement(name, int(n_ratings[a]), int(pairs[a]), pct, alpha))
    return out


def accuracy(ratings: Ratings, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator (correct, judged) counts against gold category codes per item (-1 none)."""
    g = gold[ratings.item]
    judged = g >= 0
    k = ratings.n_annotators
    correct = np.bincount(ratings.annotator[judged],
                          (ratings.value[judged] == g[judged]).astype(float), minlength=k)
    return correct, np.bincount(ratings.annotator[judged], minlength=k)
