"""Diagnostics: per-label binary α against the krippendorff package, per-annotator pairs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import encode


def test_binary_alphas_match_krippendorff_package(random_ratings: Callable,
                                                  reliability_matrix: Callable) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    r = random_ratings(11, q=4)
    counts = r.counts
    alphas = ag.binary_alphas(counts, counts.sum(axis=1))
    m = reliability_matrix(r)
    for k, result in enumerate(alphas):
        binary = np.where(np.isnan(m), np.nan, (m == k + 1).astype(float))
        expected = krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal")
        assert result.value == pytest.approx(expected, abs=1e-9)


def test_annotator_agreement_counts_pairs() -> None:
    r = encode([1, 1, 1, 2, 2], ["a", "b", "c", "a", "b"], ["x", "x", "y", "y", "y"])
    rows = {row.annotator: row for row in ag.annotator_agreement(r)}
    assert rows["a"].n_pairs == 3 and rows["a"].percent_agreement.value == pytest.approx(2 / 3)
    assert rows["c"].n_pairs == 2 and rows["c"].percent_agreement.value == 0.0
