"""Multiple-testing control for a report of many tests (pure functions over p-values).

- `bh_qvalues`: Benjamini–Hochberg (1995) adjusted p-values ("q-values"): flagging every test
  with q ≤ Q keeps the expected share of false flags among the flags (the FDR) at or below Q for
  independent or positively dependent tests.
- `holm`: Holm's (1979) step-down adjusted p-values: rejecting every test with adjusted p ≤ α
  keeps the chance of *any* false rejection (the family-wise error rate) at or below α, under
  any dependence. For a CI gate, where one false alarm fails a pull request.
- `fcr_confidence`: the confidence level of intervals reported next to R flagged tests out of m
  so that the expected share of non-covering intervals among the flagged stays at or below Q
  (false-coverage-rate intervals, Benjamini & Yekutieli 2005): 1 − R·Q/m.

None stands for a test without a p-value; it is left out of the family and gets None back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def bh_qvalues(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values, in the input order (None stays None)."""

    def step_up(p: np.ndarray) -> np.ndarray:  # p sorted ascending
        m = len(p)
        return np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]

    return _adjusted(p_values, step_up)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values, in the input order (None stays None)."""

    def step_down(p: np.ndarray) -> np.ndarray:  # p sorted ascending
        m = len(p)
        return np.maximum.accumulate(p * (m - np.arange(m)))

    return _adjusted(p_values, step_down)


def _adjusted(p_values: Sequence[float | None], adjust: Callable[[np.ndarray], np.ndarray]) -> list[float | None]:
    """The p-values that are not None, sorted (stable), adjusted by `adjust`, capped at 1 and
    put back in the input order."""
    index = [k for k, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if not index:
        return out
    p = np.array([p_values[k] for k in index], dtype=float)
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(adjust(p[order]), 1.0)
    for rank, k in enumerate(order):
        out[index[k]] = float(adjusted[rank])
    return out


def fcr_confidence(flagged: int, tests: int, q: float) -> float:
    """Confidence level of the intervals of `flagged` selected tests out of `tests` that keeps
    their false coverage rate at or below q (Benjamini & Yekutieli 2005)."""
    if tests <= 0 or flagged <= 0:
        return 1.0 - q
    return 1.0 - flagged * q / tests
