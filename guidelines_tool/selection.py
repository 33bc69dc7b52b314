"""Inference on an estimate after looking at the data to choose it: the truncated-normal pivot.

When a lead revises the rule that looked worst in the window before (what `hotspots` points at),
that rule's agreement just before the revision was low partly by chance, and the next window
regresses to the mean: an unadjusted before/after comparison reads a rise where nothing changed
(issue 11: 12.7 % false "improved"). Conditioning on the choice removes that: with Z a normal
vector (the candidates' before-window estimates and the difference-in-differences D) and the
choice a set of linear inequalities A·Z ≤ 0 (the chosen one below every other), D given the
choice and the part of Z independent of D is a normal truncated to [lower, upper] (the
polyhedral lemma of Lee, Sun, Sun & Taylor 2016, Ann. Statist.). Its CDF is a pivot: p-values,
intervals and a median-unbiased estimate follow. Valid whether or not the choice was really made
that way (conditioning on an event that happened is always valid); it costs power only when the
chosen rule was barely the worst.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Truncation:
    """D ~ N(θ, sd²) truncated to [lower, upper], D observed."""

    estimate: float
    sd: float
    lower: float
    upper: float

    def cdf(self, theta: float) -> float:
        """P(D' ≤ D) for D' from the truncated normal centred at θ (decreasing in θ)."""
        a, x, b = ((v - theta) / self.sd for v in (self.lower, self.estimate, self.upper))
        if a > 0:  # all in the upper tail: survival functions keep the precision
            top, bottom = _sf(a) - _sf(x), _sf(a) - _sf(b)
        else:
            top, bottom = _cdf(x) - _cdf(a), _cdf(b) - _cdf(a)
        if bottom <= 0:
            return 0.5
        return min(max(top / bottom, 0.0), 1.0)

    def p_value(self, theta: float = 0.0) -> float:
        """Two-sided p of θ."""
        f = self.cdf(theta)
        return min(1.0, 2.0 * min(f, 1.0 - f))

    def quantile_theta(self, level: float) -> float:
        """The θ at which the observed D sits at `level` of the truncated distribution."""
        lo, hi = self.estimate - 40 * self.sd, self.estimate + 40 * self.sd
        for _ in range(80):
            mid = (lo + hi) / 2
            if self.cdf(mid) > level:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        tail = (1.0 - confidence) / 2
        return self.quantile_theta(1.0 - tail), self.quantile_theta(tail)

    @property
    def median_unbiased(self) -> float:
        return self.quantile_theta(0.5)


def truncation(estimate: float, variance: float, values: np.ndarray, covariances: np.ndarray,
               constraints: np.ndarray) -> Truncation | None:
    """The truncation of D (`estimate`, `variance`) given constraints·Z ≤ 0 (one row each), Z
    observed as `values` with Cov(Z, D) = `covariances`. None when D has no variance. Only the
    covariances with D are needed: Z − Cov(Z, D)/Var(D)·D is independent of D."""
    if not variance > 0:
        return None
    values = np.asarray(values, dtype=float)
    c = np.asarray(covariances, dtype=float) / variance
    rest = values - c * estimate
    lower, upper = -math.inf, math.inf
    for row in np.atleast_2d(np.asarray(constraints, dtype=float)):
        slope = float(row @ c)
        level = -float(row @ rest)
        if slope > 1e-12:
            upper = min(upper, level / slope)
        elif slope < -1e-12:
            lower = max(lower, level / slope)
    return Truncation(float(estimate), math.sqrt(variance), lower, upper)


def _cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _sf(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2.0))
