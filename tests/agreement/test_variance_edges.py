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


def test_ratio_estimator_by_hand():
    """pairable="random" (the report's SE), worked by hand on four items, one judged once: the
    linearised pa is n/n₂ (pa_i − pa) + pa on pairable items and pa on the single one, so the
    variance is Σ (n/n₂ (pa_i − pa))² / (n (n − 1)) = (16 + 64 + 16)/81 / 12 = 8/81, with
    n₂ − 1 = 2 degrees of freedom (irrCAC's fixed count: 4/27 and 3). Two pairable items are
    enough for an se (3/16 by the same sum). Kills sign, scale and df mutants of the random
    branch and `n2 < 2` → `<= 2`."""
    import math

    four = encode([1, 1, 2, 2, 3, 3, 4], ["A", "B"] * 3 + ["A"], ["a", "a", "a", "b", "b", "b", "a"])
    got = av.gwet_se("percent_agreement", four, pairable="random")
    assert got.value == pytest.approx(2 / 3) and got.se == pytest.approx(math.sqrt(8) / 9, rel=1e-12)
    assert got.df == 2
    t_975_2 = 4.302652729911275  # Student t, 97.5 % quantile, 2 df
    assert got.ci == pytest.approx((2 / 3 - t_975_2 * got.se, 1.0), rel=1e-9)  # clipped at 1
    fixed = av.gwet_se("percent_agreement", four)
    assert fixed.se == pytest.approx(math.sqrt(4 / 27), rel=1e-12) and fixed.df == 3
    two = encode([1, 1, 2, 2, 3], ["A", "B", "A", "B", "A"], ["a", "a", "a", "b", "a"])
    got = av.gwet_se("percent_agreement", two, pairable="random")
    assert got.value == pytest.approx(0.5) and got.se == pytest.approx(math.sqrt(3) / 4, rel=1e-12) and got.df == 1


def test_items_judged_once_raise_no_numpy_warning():
    """An item judged once divides by a placeholder 1, never 0: numpy would print 'invalid
    value encountered in divide' on the user's terminal even though np.where drops the
    quotient. Kills `np.where(pairable, r * (r - 1), 1.0)` → `0.0` in coefficients._item_stats,
    gwet_se's pa_i and _conger's pa_pattern."""
    import warnings

    ratings = encode([1, 1, 1, 2, 2, 2, 3, 4, 4], ["A", "B", "C", "A", "B", "C", "A", "B", "C"],
                     ["x", "x", "y", "y", "y", "x", "x", "y", "y"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in av.RAW_COEFFICIENTS:
            assert av.gwet_se(name, ratings).value is not None, name
            assert av.gwet_se(name, ratings, pairable="random").value is not None, name
        for name in ("percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger", "conger_kappa"):
            assert getattr(ag, name)(ratings).value is not None, name
