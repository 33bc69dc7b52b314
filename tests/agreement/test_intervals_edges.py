"""Why an interval is missing.

Each case was added because a one-line mutant survived the suite (scripts/mutation.py); its
docstring names the mutant it kills."""

from __future__ import annotations

import numpy as np

from guidelines_tool import agreement as ag


def test_interval_reason_counts_defined_resamples():
    """Kills an early return from interval_reason: the reason says how many were defined."""
    reason = ag.interval_reason(np.array([np.nan, 0.5, np.nan, np.inf]))
    assert reason.startswith("only 1 of 4 bootstrap resamples have a defined value")
