"""Boundaries of the analytic variances: zero se, two items, two categories, one category, 0/0.

Each case was added because a one-line mutant survived the suite (scripts/mutation.py); its
docstring names the mutant it kills."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import variance as av
from guidelines_tool.agreement import encode


def test_p_value_of_a_zero_standard_error_is_none():
    """Perfect agreement has se 0: no t statistic, so no p-value (not a ZeroDivisionError).
    Kills `not self.se or self.df is None` → `and`."""
    ratings = encode([1, 1, 2, 2, 3, 3], ["A", "B"] * 3, ["x", "x", "y", "y", "x", "x"])
    result = av.gwet_se("percent_agreement", ratings)
    assert result.value == 1.0 and result.se == 0.0 and result.df == 2
    assert result.p_value is None


def test_standard_error_from_two_items():
    """Two items are enough for a variance (df 1); one is not. Kills `df_n < 2` → `< 3`."""
    two = encode([1, 1, 1, 2, 2, 2], ["A", "B", "C"] * 2, ["x", "x", "y", "y", "y", "y"])
    result = av.gwet_se("percent_agreement", two)
    assert result.df == 1 and result.se is not None and result.se > 0 and result.ci is not None
    one = encode([1, 1, 1], ["A", "B", "C"], ["x", "x", "y"])
    assert av.gwet_se("percent_agreement", one).se is None


@pytest.mark.parametrize("name", ["gwet_ac1", "brennan_prediger"])
def test_two_categories_are_enough_for_ac1_and_brennan_prediger(name, random_ratings):
    """Binary labels are the common case: kills `q < 2` → `q < 3` in the AC1 / BP variance."""
    ratings = random_ratings(8, n_items=30, n_annotators=3, q=2, missing=0.0)
    result = av.gwet_se(name, ratings)
    assert result.value == pytest.approx(getattr(ag, name)(ratings).value, rel=1e-12)
    assert result.se is not None and result.se > 0


@pytest.mark.parametrize("name", ["krippendorff_alpha", "fleiss_kappa", "conger_kappa"])
def test_one_category_has_no_chance_corrected_variance(name):
    """Every rating the same category: chance agreement is 1 and the coefficient is 0/0; the
    variance reports it undefined instead of NaN. Kills `1 - pe <= 1e-12` → `1 + pe`."""
    ratings = encode([1, 1, 2, 2, 3, 3], ["A", "B"] * 3, ["x"] * 6, categories=["x", "y"])
    result = av.gwet_se(name, ratings)
    assert result.value is None and result.se is None and result.reason == ag.ONE_CATEGORY


def test_bangdiwala_undefined_when_the_annotators_share_no_category():
    """Annotator 1 only says x, annotator 2 only y: Σ p_k+ p_+k = 0 and B is 0/0. Kills
    `b2 <= 0` → `b2 < 0` (a ZeroDivisionError)."""
    result = av.table_analytic("bangdiwala_b", np.array([[0.0, 5.0], [0.0, 0.0]]), np.eye(2))
    assert result.value is None and result.reason == ag.NO_PAIRS
