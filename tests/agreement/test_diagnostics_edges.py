"""Per-annotator agreement, confusion pairs and accuracy, by hand and by identity.

Each case was added because a one-line mutant survived the suite (scripts/mutation.py); its
docstring names the mutant it kills."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import encode


def test_each_annotators_alpha_is_alpha_when_there_are_two(random_ratings):
    """With two annotators every pair involves both, so each one's α against the others is
    Krippendorff's α. Kills changes to the expected disagreement D_e in annotator_agreement."""
    ratings = random_ratings(6, n_items=60, n_annotators=2, q=3, missing=0.1)
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


def test_accuracy_counts_matches_with_gold():
    """Kills `==` → `!=` in accuracy: A and B each match gold on 2 of the 3 items they judged (item 3
    has no gold: -1)."""
    ratings = encode([1, 2, 3, 4, 1, 2, 4], ["A", "A", "A", "A", "B", "B", "B"],
                     ["x", "y", "x", "y", "x", "x", "x"], categories=["x", "y"])
    gold = np.array([0, 1, -1, 0])  # x, y, none, x
    correct, judged = ag.accuracy(ratings, gold)
    assert correct.tolist() == [2.0, 2.0] and judged.tolist() == [3, 3]


def test_binary_alphas_bootstrap_boundaries_and_defaults():
    """Kills the defaults of binary_alphas and `n_boot > 0` → `>= 0` / `> 1`."""
    presence = np.array([[2, 0], [1, 1], [0, 2], [2, 0], [1, 1], [0, 2], [2, 0], [0, 2]])
    totals = np.full(8, 2)
    assert all(c.method is None for c in ag.binary_alphas(presence, totals))
    assert ag.binary_alphas(presence, totals, n_boot=1)[0].method == "95% percentile bootstrap over items, n=1"
    default = ag.binary_alphas(presence, totals, n_boot=100)
    assert default == ag.binary_alphas(presence, totals, n_boot=100, seed=0, confidence=0.95)
    assert [c.ci for c in default] != [c.ci for c in ag.binary_alphas(presence, totals, n_boot=100, seed=1)]


def test_annotator_with_a_single_pair_and_one_category():
    """One shared item is enough for an annotator's figures (kills `pairs[a] == 0` → `== 1`);
    with a single category α is undefined, not a ZeroDivisionError (kills `d_e > 0` → `>=`)."""
    one_pair = encode([1, 1, 2, 2, 3, 3], ["A", "B", "A", "B", "A", "C"], ["x", "y", "x", "x", "y", "y"])
    rows = {r.annotator: r for r in ag.annotator_agreement(one_pair)}
    assert rows["C"].n_pairs == 1 and rows["C"].percent_agreement.value == 1.0 and rows["C"].alpha.value is not None
    same = encode([1, 1, 2, 2], ["A", "B", "A", "B"], ["x", "x", "x", "x"])
    assert all(r.alpha.value is None and r.alpha.reason == ag.ONE_CATEGORY for r in ag.annotator_agreement(same))
