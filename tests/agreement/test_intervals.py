"""Named coefficients with intervals: undefined without pairs, numpy's percentile."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import encode


def test_single_ratings_have_no_pairs() -> None:
    r = encode([1, 2, 3], ["a", "b", "a"], ["x", "y", "x"])
    for name in ag.COEFFICIENTS:
        result = ag.coefficient(name, r, n_boot=50)
        assert result.value is None and result.reason, name


def test_percentile_interval_matches_numpy() -> None:
    values = np.random.default_rng(3).normal(size=2001)
    values[::97] = np.nan
    lo, hi = ag.percentile_interval(values, 0.9)
    finite = values[np.isfinite(values)]
    assert (lo, hi) == pytest.approx(tuple(np.percentile(finite, [5, 95])), abs=1e-12)
