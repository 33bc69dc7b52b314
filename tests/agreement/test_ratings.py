"""Ratings and their rating patterns: the sparse route (many categories) finds the same
patterns as the dense item × category matrix."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import ratings


@pytest.mark.parametrize("metric", ag.METRICS)
def test_sparse_patterns_agree_with_dense(metric: str, monkeypatch: pytest.MonkeyPatch,
                                          random_ratings: Callable) -> None:
    dense = random_ratings(21, n_items=80, q=6)
    monkeypatch.setattr(ratings, "DENSE_LIMIT", 0)  # force the path used for many categories
    sparse = random_ratings(21, n_items=80, q=6)
    assert ag.krippendorff_alpha(sparse, metric).value == pytest.approx(
        ag.krippendorff_alpha(dense, metric).value, abs=1e-12)
    for name in ("percent_agreement", "fleiss_kappa", "gwet_ac1"):
        assert ag.COEFFICIENT_FUNCTIONS[name](sparse).value == pytest.approx(
            ag.COEFFICIENT_FUNCTIONS[name](dense).value, abs=1e-12)
    np.testing.assert_array_equal(sparse.patterns.rows[sparse.patterns.inverse],
                                  dense.counts)
    a = [(r.annotator, r.percent_agreement.value) for r in ag.annotator_agreement(sparse)]
    b = [(r.annotator, r.percent_agreement.value) for r in ag.annotator_agreement(dense)]
    assert a == b
