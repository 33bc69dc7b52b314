"""Coefficient identities and boundaries the published vectors do not pin.

Each case was added because a one-line mutant survived the suite (scripts/mutation.py); its
docstring names the mutant it kills."""

from __future__ import annotations

import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import encode


def test_conger_kappa_with_two_annotators_is_cohens_kappa(random_ratings):
    """Conger (1980) generalises Cohen's κ: with two annotators rating every item they are the
    same number. Kills `r < 2` → `r < 3` (two annotators declared too few)."""
    ratings = random_ratings(4, n_items=50, n_annotators=2, q=4, missing=0.0)
    conger, cohen = ag.conger_kappa(ratings), ag.cohen_kappa(ratings)
    assert conger.value is not None and conger.value == pytest.approx(cohen.value, rel=1e-12)
    one = encode([1, 2, 3], ["a", "a", "a"], ["x", "y", "x"])
    assert ag.conger_kappa(one).value is None
