"""The bootstrap: pattern resampling equals resampling items and recomputing, the resampler is
exactly multinomial, replicates stay in memory for thousands of categories."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import Ratings, bootstrap, coefficients


def _naive_alpha_replicates(r: Ratings, metric: str, n: int, seed: int) -> np.ndarray:
    """Resample items and recompute from scratch, replaying the pattern bootstrap's draws."""
    patterns = ag.count_patterns(r.counts)
    draws = ag.resample(patterns.freq, n, np.random.default_rng(seed))
    key = {tuple(row): p for p, row in enumerate(patterns.rows.tolist())}
    members = [[] for _ in patterns.freq]
    for i, row in enumerate(r.counts.tolist()):
        members[key[tuple(row)]].append(i)
    out = []
    for counts in draws:
        chosen = np.concatenate([np.repeat(members[p][0], c) for p, c in enumerate(counts)])
        parts = [np.flatnonzero(r.item == i) for i in chosen]
        rows = np.concatenate(parts)
        new_item = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        sample = Ratings(new_item, r.annotator[rows], r.value[rows], r.categories, r.numeric)
        out.append(ag.krippendorff_alpha(sample, metric).value)
    return np.array(out, dtype=float)


@pytest.mark.parametrize("metric", ag.METRICS)
def test_pattern_bootstrap_equals_recomputation(metric: str, random_ratings: Callable) -> None:
    r = random_ratings(7, n_items=40, q=4)
    fast = ag.alpha_bootstrap(r, metric, 25, np.random.default_rng(3))
    naive = _naive_alpha_replicates(r, metric, 25, seed=3)
    np.testing.assert_allclose(fast, naive, atol=1e-12)


def test_bootstrap_is_seeded_and_brackets_the_value(random_ratings: Callable) -> None:
    r = random_ratings(1, n_items=200)
    a = ag.alpha_bootstrap(r, "nominal", 500, np.random.default_rng(42))
    b = ag.alpha_bootstrap(r, "nominal", 500, np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    value = ag.krippendorff_alpha(r).value
    lo, hi = ag.percentile_interval(a)
    assert lo < value < hi
    assert hi - lo < 0.3


@pytest.mark.parametrize("route", ["poisson", "items"])
@pytest.mark.parametrize("freq", [
    [40, 20, 12, 5, 3, 2, 1, 1, 1],  # frequent patterns and rare ones
    [3, 2, 1, 1, 0],  # every pattern rare (and one never seen)
    [50, 30, 20],  # every pattern frequent
    [6, 5, 4],  # so few items that the Poisson counts aim near zero
])
def test_resample_is_multinomial(freq: list[int], route: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pattern counts of a replicate are multinomial(n, freq/n), whichever way they are drawn:
    means, covariances and one rare pattern's whole distribution (its binomial marginal)."""
    monkeypatch.setattr(bootstrap, "_poisson_route",
                        lambda f, own: route == "poisson" and own.any())
    monkeypatch.setattr(bootstrap, "ITEM_BLOCK", 10_000)  # several blocks of item draws
    f = np.array(freq)
    n, p, b = int(f.sum()), f / f.sum(), 100_000
    draws = ag.resample(f, b, np.random.default_rng(11))
    assert draws.shape == (b, f.size) and (draws.sum(axis=1) == n).all()
    expected_cov = n * (np.diag(p) - np.outer(p, p))
    se = np.sqrt(np.diag(expected_cov) / b)
    assert (np.abs(draws.mean(axis=0) - f) <= 4.5 * se + 1e-12).all()
    np.testing.assert_allclose(np.cov(draws.T), expected_cov, atol=0.03 * expected_cov.max())
    k = int(np.flatnonzero(f)[-1])  # the rarest seen pattern: Binomial(n, p_k)
    observed = np.bincount(draws[:, k], minlength=n + 1)
    pmf = np.array([math.comb(n, x) * p[k] ** x * (1 - p[k]) ** (n - x) for x in range(n + 1)])
    cells = pmf * b >= 5  # chi-square over the cells with enough expected draws
    chi2 = (((observed[cells] - b * pmf[cells]) ** 2) / (b * pmf[cells])).sum()
    assert chi2 < cells.sum() + 5 * np.sqrt(2 * cells.sum())  # mean df, sd sqrt(2 df)


def test_alpha_and_its_bootstrap_with_many_categories_stay_in_memory():
    # free-text labels or a 0–1000 slider give thousands of categories; the coincidence
    # matrix is q × q, never patterns × q × q (that was 146 GiB for 20 000 items, q = 1000)
    rng = np.random.default_rng(5)
    n, q = 20_000, 1000
    item = np.repeat(np.arange(n), 2)
    annotator = np.tile([0, 1], n)
    value = rng.integers(0, q, size=2 * n)
    value[1::2] = np.where(rng.random(n) < 0.6, value[0::2], value[1::2])
    ratings = Ratings(item, annotator, value, tuple(range(q)))
    # two ratings per item, nominal: α = 1 − (N − 1) · 2·#disagreements / Σ_{c≠k} n_c n_k
    counts = np.bincount(value, minlength=q).astype(float)
    total = counts.sum()
    disagreements = 2 * np.sum(value[0::2] != value[1::2])
    expected = 1 - (total - 1) * disagreements / (total ** 2 - (counts ** 2).sum())
    assert ag.krippendorff_alpha(ratings, "nominal").value == pytest.approx(expected)
    reps = ag.alpha_bootstrap(ratings, "nominal", 20, np.random.default_rng(0))
    assert np.isfinite(reps).all() and abs(np.median(reps) - expected) < 0.02
    small = Ratings(item[:4000], annotator[:4000], value[:4000] % 120, tuple(range(120)))
    assert np.isfinite(ag.alpha_bootstrap(small, "ordinal", 20, np.random.default_rng(0))).all()


@pytest.mark.parametrize("kind", ["cohen_kappa", "scott_pi"])
@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
def test_pair_replicates_equal_the_dense_tables(kind, weights):
    rng = np.random.default_rng(11)
    q, n_boot = 5, 30
    used = np.array([0, 1, 6, 7, 12, 13, 19, 24])
    draws = rng.integers(0, 6, size=(n_boot, used.size))
    draws[0] = 0  # an empty replicate: NaN both ways
    tables = np.zeros((n_boot, q * q), dtype=np.int64)
    tables[:, used] = draws
    w = ag.gwet_weights(weights, np.arange(q, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        dense = coefficients._pair_family(kind, tables.reshape(n_boot, q, q), w)
        sparse = bootstrap._pair_replicates(kind, used, draws, q, w)
    np.testing.assert_allclose(sparse, dense, equal_nan=True)
