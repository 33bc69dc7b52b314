"""Bootstrap identities the published vectors do not pin.

Each case was added because a one-line mutant survived the suite (scripts/mutation.py); its
docstring names the mutant it kills."""

from __future__ import annotations

import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import bootstrap

METRICS = ("nominal", "ordinal", "interval", "ratio")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("seed", [1, 2])
def test_alpha_replicate_of_the_sample_itself_is_the_point_alpha(metric, seed, random_ratings):
    """A 'resample' that draws every pattern exactly as often as observed is the sample: the
    bootstrap's α (from coincidence marginals, with its own expected disagreement) must equal the
    point α. Kills changes to `_alpha_from_marginals` (N − 1 → N, the guards) and to the
    per-pattern observed disagreement."""
    ratings = random_ratings(seed, n_items=40, n_annotators=4, q=5, missing=0.3)
    patterns = ratings.patterns
    replicate = bootstrap._alpha_replicates(ratings, patterns, patterns.freq[None, :], metric, None)
    assert replicate[0] == pytest.approx(ag.krippendorff_alpha(ratings, metric).value, rel=1e-12)
