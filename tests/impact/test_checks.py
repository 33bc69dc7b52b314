"""The tests behind impact's citation warnings."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from guidelines_tool.impact.checks import LOW_CITATION_RATE, chi2_sf, citation_rate, label_dependence


@pytest.mark.parametrize("x, df", [(3.84, 1), (10.0, 3), (0.5, 4), (100.0, 5), (30.0, 30), (1e-3, 2)])
def test_chi2_sf_is_scipys(x, df):
    assert chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=1e-8, abs=1e-300)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.6, 0.9])
def test_citation_rate_sees_through_the_items_nobody_cited(p):
    rng = np.random.default_rng(1)
    cites = rng.random((20_000, 3)) < p
    seen = cites[cites.any(axis=1)]  # governed items are those someone cited
    assert citation_rate(int(seen.sum()), seen.size, 3) == pytest.approx(p, abs=0.015)
    assert citation_rate(10, 10, 3) == 1.0
    assert (citation_rate(int(seen.sum()), seen.size, 3) < LOW_CITATION_RATE) == (p < LOW_CITATION_RATE)


def test_label_dependence_fires_when_only_the_decision_label_is_cited():
    rng = np.random.default_rng(2)
    label = rng.integers(0, 2, 600)
    assert label_dependence(label == 0, label).fires
    random = label_dependence(rng.random(600) < 0.3, label)
    assert not random.fires and random.gap < 0.2
    assert label_dependence(np.ones(600, dtype=bool), label) is None  # everybody cites: nothing to test
    assert label_dependence(label == 0, np.zeros(600, dtype=int)) is None  # one label
