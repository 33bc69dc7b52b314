"""The truncated-normal pivot behind inference after choosing the worst-looking rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from guidelines_tool.selection import Truncation, truncation


def test_without_truncation_it_is_the_normal():
    t = Truncation(1.0, 1.0, -math.inf, math.inf)
    assert t.p_value() == pytest.approx(2 * stats.norm.sf(1.0))
    assert t.interval(0.95) == pytest.approx((1.0 - 1.959964, 1.0 + 1.959964), abs=1e-5)
    assert t.median_unbiased == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("lower, upper, x, theta", [(0.5, math.inf, 1.2, 0.0), (-1.0, 2.0, 0.3, 0.4),
                                                    (3.0, math.inf, 3.5, 0.0)])
def test_cdf_is_the_truncated_normals(lower, upper, x, theta):
    t = Truncation(x, 0.7, lower, upper)
    a, b = (lower - theta) / 0.7, (upper - theta) / 0.7
    assert t.cdf(theta) == pytest.approx(stats.truncnorm.cdf(x, a, b, loc=theta, scale=0.7), rel=1e-7)


def test_bounds_by_hand():
    # Z = (X, D) independent, Var X = 1, Var D = 4, Cov(X, D) = -1 (D = Y - X): constraint X <= m
    # (X minus the other candidate at m); N = Z - c D with c = Cov/Var D = -1/4
    x, d, m = -0.5, 1.0, 0.2
    t = truncation(d, 4.0, np.array([x, m]), np.array([-1.0, 0.0]), np.array([[1.0, -1.0]]))
    # X = N_X + c·D <= m  ->  D >= (N_X - m)/(-c), N_X = x + d/4
    assert t.lower == pytest.approx((x + d / 4 - m) * 4)
    assert t.upper == math.inf and t.estimate == d


def test_conditional_intervals_cover_after_choosing_the_worst():
    # eight equal "rules"; the lowest before-reading is revised; nothing changes: D = Y - X_min.
    # The plain interval misses one time in ten; the conditional one holds 95 %.
    rng = np.random.default_rng(1)
    plain = conditional = 0
    runs = 2000
    for _ in range(runs):
        before = rng.normal(0.0, 1.0, 8)
        k = int(np.argmin(before))
        d = rng.normal(0.0, 1.0) - before[k]
        plain += abs(d) <= 1.959964 * math.sqrt(2)
        covariances = np.zeros(8)
        covariances[0] = -1.0
        values = np.concatenate([[before[k]], np.delete(before, k)])
        constraints = np.zeros((7, 8))
        constraints[:, 0] = 1.0
        constraints[np.arange(7), np.arange(1, 8)] = -1.0
        lo, hi = truncation(d, 2.0, values, covariances, constraints).interval(0.95)
        conditional += lo <= 0.0 <= hi
    assert plain / runs < 0.91
    assert abs(conditional / runs - 0.95) < 0.015
