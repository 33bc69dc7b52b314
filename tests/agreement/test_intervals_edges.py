"""Why an interval is missing.

Each case was added because a one-line mutant survived the suite (scripts/mutation.py); its
docstring names the mutant it kills."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool import agreement as ag


def test_interval_reason_counts_defined_resamples():
    """Kills an early return from interval_reason: the reason says how many were defined."""
    reason = ag.interval_reason(np.array([np.nan, 0.5, np.nan, np.inf]))
    assert reason.startswith("only 1 of 4 bootstrap resamples have a defined value")


def test_percentile_interval_needs_half_the_resamples_and_two():
    """At least half of the resamples, and at least two, must be defined (kills `max(2, …)` →
    `max(3, …)` and the `//` 2 boundary)."""
    nan = np.nan
    assert ag.percentile_interval(np.array([0.1, 0.3, nan, nan]), 0.5) == pytest.approx((0.15, 0.25))
    assert ag.percentile_interval(np.array([0.1, nan, nan])) is None  # one defined value
    five = np.r_[np.linspace(0, 1, 5), [nan] * 5]
    assert ag.percentile_interval(five) is not None and ag.percentile_interval(five[1:]) is not None
    assert ag.percentile_interval(np.r_[np.linspace(0, 1, 4), [nan] * 6]) is None


def test_coefficient_bootstraps_only_when_asked_and_defaults_to_95_percent():
    """Kills `n_boot <= 0` → `< 0` / `<= 1`, the 0.95 defaults of coefficient and
    interval_method, and the seed of coefficient's default generator."""
    from guidelines_tool.agreement import encode
    from guidelines_tool.agreement.intervals import coefficient, interval_method

    ratings = encode([i // 2 for i in range(40)], ["a", "b"] * 20,
                     ["x" if i % 3 else "y" for i in range(40)])
    none = coefficient("krippendorff_alpha", ratings, n_boot=0)
    assert none.ci is None and none.method is None and none.ci_reason is None
    one = coefficient("krippendorff_alpha", ratings, n_boot=1)
    assert one.method == "95% percentile bootstrap over items, n=1" and one.ci is None and one.ci_reason
    many = coefficient("krippendorff_alpha", ratings, n_boot=200)
    assert many.method == "95% percentile bootstrap over items, n=200" and many.ci is not None
    assert many == coefficient("krippendorff_alpha", ratings, n_boot=200, confidence=0.95,
                               rng=np.random.default_rng(0))  # the default generator is seeded 0
    assert interval_method(10) == "95% percentile bootstrap over items, n=10"


def _ordinal_ratings():
    from guidelines_tool.agreement import encode

    return encode([i // 3 for i in range(60)], ["a", "b", "c"] * 20,
                  [1 + (i // 3 + (i % 3 == 2) * (i % 2)) % 4 for i in range(60)], categories=[1, 2, 3, 4])


def test_all_coefficients_percent_agreement_is_the_plain_share_on_every_scale():
    """Kills `name == "percent_agreement"` → `!=` in _weights_name: only percent agreement keeps
    identity weights when the scale weighs the others."""
    ratings = _ordinal_ratings()
    nominal, ordinal = ag.all_coefficients(ratings), ag.all_coefficients(ratings, scale="ordinal")
    assert ordinal["percent_agreement"].value == nominal["percent_agreement"].value
    assert ordinal["gwet_ac1"].value != nominal["gwet_ac1"].value  # AC2 with ordinal weights
    assert ordinal["fleiss_kappa"].value != nominal["fleiss_kappa"].value


def test_all_coefficients_bootstrap_boundaries_and_defaults():
    """Kills the `n_boot` / `seed` / `confidence` defaults of all_coefficients and `n_boot <= 0`
    → `<= 1`."""
    ratings = _ordinal_ratings()
    assert all(c.method is None for c in ag.all_coefficients(ratings).values())
    once = ag.all_coefficients(ratings, n_boot=1)["krippendorff_alpha"]
    assert once.method == "95% percentile bootstrap over items, n=1"
    default = ag.all_coefficients(ratings, n_boot=100)["krippendorff_alpha"]
    assert default == ag.all_coefficients(ratings, n_boot=100, seed=0, confidence=0.95)["krippendorff_alpha"]
    assert default.ci != ag.all_coefficients(ratings, n_boot=100, seed=1)["krippendorff_alpha"].ci
