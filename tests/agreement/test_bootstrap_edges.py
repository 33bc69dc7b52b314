"""Bootstrap identities the published vectors do not pin.

Each case was added because a one-line mutant survived the suite (scripts/mutation.py); its
docstring names the mutant it kills."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import bootstrap

METRICS = ("nominal", "ordinal", "interval", "ratio")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("seed", [1, 2])
def test_alpha_replicate_of_the_sample_itself_is_the_point_alpha(metric, seed, random_ratings):
    """A 'resample' that draws every pattern exactly as often as observed is the sample: the
    bootstrap's α (from coincidence marginals, with its own expected disagreement) must equal the
    point α. Kills changes to `_alpha_from_marginals` (N − 1 → N, the guards) and to the
    per-pattern observed disagreement."""
    ratings = random_ratings(seed, n_items=40, n_annotators=4, q=5, missing=0.3)
    patterns = ratings.patterns
    replicate = bootstrap._alpha_replicates(ratings, patterns, patterns.freq[None, :], metric, None)
    assert replicate[0] == pytest.approx(ag.krippendorff_alpha(ratings, metric).value, rel=1e-12)


def test_rows_product_in_single_thread_blocks_is_the_product():
    """A product too large for one BLAS thread is taken a row at a time: kills the block size
    floor (`max(1, …)` → 0), the slice (`i + rows` → `i - rows`) and its range (over more rows than columns)."""
    rng = np.random.default_rng(0)
    a, b = rng.random((700, 600)), rng.random((600, 600))  # 600 · 600 > 2**18: one row a block
    assert np.allclose(bootstrap._rows_product(a, b), a @ b)
    small = rng.random((4, 3))
    assert np.allclose(bootstrap._rows_product(small, b[:3, :3]), small @ b[:3, :3])


def test_resample_of_more_items_than_16_bits_count():
    """Item draws use 16-bit indices only for pools under 2**16 items: kills `2**16` → `3**16`
    (numpy refuses a uint16 draw from 70,000 items)."""
    freq = np.array([40_000, 29_000, 1_000], dtype=np.int64)
    out = bootstrap.resample(freq, 3, np.random.default_rng(1))
    assert out.shape == (3, 3) and (out.sum(axis=1) == 70_000).all() and (out >= 0).all()
