"""Identities and boundaries of the agreement statistics that the published vectors do not pin:
each case here was added because a one-line mutant of the statistics survived the suite
(scripts/mutation.py); the docstring names the mutant it kills."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import encode
from tests.test_agreement import _random_ratings

METRICS = ("nominal", "ordinal", "interval", "ratio")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("seed", [1, 2])
def test_alpha_replicate_of_the_sample_itself_is_the_point_alpha(metric, seed):
    """A 'resample' that draws every pattern exactly as often as observed is the sample: the
    bootstrap's α (from coincidence marginals, with its own expected disagreement) must equal the
    point α. Kills changes to `_alpha_from_marginals` (N − 1 → N, the guards) and to the
    per-pattern observed disagreement."""
    ratings = _random_ratings(seed, n_items=40, n_annotators=4, q=5, missing=0.3)
    patterns = ratings.patterns
    replicate = ag._alpha_replicates(ratings, patterns, patterns.freq[None, :], metric, None)
    assert replicate[0] == pytest.approx(ag.krippendorff_alpha(ratings, metric).value, rel=1e-12)


def test_conger_kappa_with_two_annotators_is_cohens_kappa():
    """Conger (1980) generalises Cohen's κ: with two annotators rating every item they are the
    same number. Kills `r < 2` → `r < 3` (two annotators declared too few)."""
    ratings = _random_ratings(4, n_items=50, n_annotators=2, q=4, missing=0.0)
    conger, cohen = ag.conger_kappa(ratings), ag.cohen_kappa(ratings)
    assert conger.value is not None and conger.value == pytest.approx(cohen.value, rel=1e-12)
    one = encode([1, 2, 3], ["a", "a", "a"], ["x", "y", "x"])
    assert ag.conger_kappa(one).value is None


def test_each_annotators_alpha_is_alpha_when_there_are_two():
    """With two annotators every pair involves both, so each one's α against the others is
    Krippendorff's α. Kills changes to the expected disagreement D_e in annotator_agreement."""
    ratings = _random_ratings(6, n_items=60, n_annotators=2, q=3, missing=0.1)
    alpha = ag.krippendorff_alpha(ratings).value
    rows = ag.annotator_agreement(ratings)
    assert [row.alpha.value for row in rows] == pytest.approx([alpha, alpha], rel=1e-12)


def test_annotator_agreement_by_hand():
    """Three items, two annotators (x x, x y, y y): each annotator forms 3 pairs, 2 agree;
    D_o = 1/3, D_e = 3·3·2 / (6·5) = 0.6, α = 1 − (1/3)/0.6 = 4/9."""
    ratings = encode([1, 1, 2, 2, 3, 3], ["A", "B"] * 3, ["x", "x", "x", "y", "y", "y"])
    rows = ag.annotator_agreement(ratings)
    assert [(r.annotator, r.n_ratings, r.n_pairs) for r in rows] == [("A", 3, 3), ("B", 3, 3)]
    assert [r.percent_agreement.value for r in rows] == pytest.approx([2 / 3, 2 / 3])
    assert [r.alpha.value for r in rows] == pytest.approx([4 / 9, 4 / 9])


def test_confusion_pair_to_dict():
    """Kills dropping a key from ConfusionPair.to_dict (the JSON report's shape)."""
    ratings = encode([1, 1, 2, 2, 3, 3], ["A", "B"] * 3, ["x", "x", "x", "y", "y", "z"])
    pairs = ag.confusion_pairs(ratings)
    assert [p.to_dict() for p in pairs] == [
        {"labels": ["x", "y"], "pairs": 2.0, "share": 0.5},
        {"labels": ["y", "z"], "pairs": 2.0, "share": 0.5},
    ]


def test_interval_reason_counts_defined_resamples():
    """Kills an early return from interval_reason: the reason says how many were defined."""
    reason = ag.interval_reason(np.array([np.nan, 0.5, np.nan, np.inf]))
    assert reason.startswith("only 1 of 4 bootstrap resamples have a defined value")


def test_accuracy_counts_matches_with_gold():
    """Kills `==` → `!=` in accuracy: A and B each match gold on 2 of the 3 items they judged (item 3
    has no gold: -1)."""
    ratings = encode([1, 2, 3, 4, 1, 2, 4], ["A", "A", "A", "A", "B", "B", "B"],
                     ["x", "y", "x", "y", "x", "x", "x"], categories=["x", "y"])
    gold = np.array([0, 1, -1, 0])  # x, y, none, x
    correct, judged = ag.accuracy(ratings, gold)
    assert correct.tolist() == [2.0, 2.0] and judged.tolist() == [3, 3]


def test_p_value_of_a_zero_standard_error_is_none():
    """Perfect agreement has se 0: no t statistic, so no p-value (not a ZeroDivisionError).
    Kills `not self.se or self.df is None` → `and`."""
    from guidelines_tool import agreement_variance as av

    ratings = encode([1, 1, 2, 2, 3, 3], ["A", "B"] * 3, ["x", "x", "y", "y", "x", "x"])
    result = av.gwet_se("percent_agreement", ratings)
    assert result.value == 1.0 and result.se == 0.0 and result.df == 2
    assert result.p_value is None


def test_standard_error_from_two_items():
    """Two items are enough for a variance (df 1); one is not. Kills `df_n < 2` → `< 3`."""
    from guidelines_tool import agreement_variance as av

    two = encode([1, 1, 1, 2, 2, 2], ["A", "B", "C"] * 2, ["x", "x", "y", "y", "y", "y"])
    result = av.gwet_se("percent_agreement", two)
    assert result.df == 1 and result.se is not None and result.se > 0 and result.ci is not None
    one = encode([1, 1, 1], ["A", "B", "C"], ["x", "x", "y"])
    assert av.gwet_se("percent_agreement", one).se is None


@pytest.mark.parametrize("name", ["gwet_ac1", "brennan_prediger"])
def test_two_categories_are_enough_for_ac1_and_brennan_prediger(name):
    """Binary labels are the common case: kills `q < 2` → `q < 3` in the AC1 / BP variance."""
    from guidelines_tool import agreement_variance as av

    ratings = _random_ratings(8, n_items=30, n_annotators=3, q=2, missing=0.0)
    result = av.gwet_se(name, ratings)
    assert result.value == pytest.approx(getattr(ag, name)(ratings).value, rel=1e-12)
    assert result.se is not None and result.se > 0


@pytest.mark.parametrize("name", ["krippendorff_alpha", "fleiss_kappa", "conger_kappa"])
def test_one_category_has_no_chance_corrected_variance(name):
    """Every rating the same category: chance agreement is 1 and the coefficient is 0/0; the
    variance reports it undefined instead of NaN. Kills `1 - pe <= 1e-12` → `1 + pe`."""
    from guidelines_tool import agreement_variance as av

    ratings = encode([1, 1, 2, 2, 3, 3], ["A", "B"] * 3, ["x"] * 6, categories=["x", "y"])
    result = av.gwet_se(name, ratings)
    assert result.value is None and result.se is None and result.reason == ag.ONE_CATEGORY


def test_bangdiwala_undefined_when_the_annotators_share_no_category():
    """Annotator 1 only says x, annotator 2 only y: Σ p_k+ p_+k = 0 and B is 0/0. Kills
    `b2 <= 0` → `b2 < 0` (a ZeroDivisionError)."""
    from guidelines_tool import agreement_variance as av

    result = av.table_analytic("bangdiwala_b", np.array([[0.0, 5.0], [0.0, 0.0]]), np.eye(2))
    assert result.value is None and result.reason == ag.NO_PAIRS
