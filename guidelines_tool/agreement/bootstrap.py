"""Bootstrap replicates of the coefficients: items resampled with replacement.

A replicate is a multinomial draw of the rating patterns' frequencies (`resample`), fed to the
same formula as the point estimate (coefficients.py). That is exact (the same as resampling items
and recomputing) and orders of magnitude faster. Every resampling scheme lives here; intervals.py
turns replicates into intervals.
"""

from __future__ import annotations

import numpy as np

from guidelines_tool.agreement.coefficients import (
    _alpha_delta,
    _alpha_from,
    _gwet_family,
    _is_identity,
    _item_stats,
    _pair_cells,
    _weights_for,
)
from guidelines_tool.agreement.ratings import Patterns, Ratings, _coincidences, _pair_scale


# --- items resampled: pattern frequencies ---------------------------------------------------


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


# --- two annotators and the other coefficients ----------------------------------------------


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
