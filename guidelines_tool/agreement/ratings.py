"""The ratings every coefficient is computed from, their rating patterns and coincidences.

`Ratings` holds parallel integer arrays, one entry per (item, annotator) judgement. Every
coefficient is computed from per-item *patterns*: an item's rating pattern is the vector of how
many of its ratings fell in each category. Items with identical patterns contribute identically,
so a coefficient is a function of the pattern frequencies (`Patterns`): the point estimate uses
the observed frequencies and a bootstrap replicate resampled ones (see bootstrap.py).
Krippendorff's coincidence matrix (Krippendorff 2011) is a sum over patterns too.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


#: Above this many item × category cells, rating patterns are found without a dense matrix.
DENSE_LIMIT = 20_000_000


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


# --- patterns -------------------------------------------------------------------------------


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


# --- coincidences ---------------------------------------------------------------------------


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
