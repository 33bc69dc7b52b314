"""BH q-values, Holm and false-coverage-rate levels against statsmodels' multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from guidelines_tool.multiplicity import bh_qvalues, fcr_confidence, holm


@pytest.mark.parametrize("seed", range(5))
def test_bh_and_holm_match_statsmodels(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(size=40), rng.uniform(0, 0.01, size=8), [0.0, 1.0, 0.5, 0.5]])
    rng.shuffle(p)
    assert bh_qvalues(list(p)) == pytest.approx(list(multipletests(p, method="fdr_bh")[1]))
    assert holm(list(p)) == pytest.approx(list(multipletests(p, method="holm")[1]))


def test_missing_p_values_are_left_out_of_the_family():
    p = [0.01, None, 0.04, None, 0.03]
    q = bh_qvalues(p)
    assert q[1] is None and q[3] is None
    assert [q[0], q[2], q[4]] == pytest.approx(list(multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1]))
    assert holm([None, None]) == [None, None] and bh_qvalues([]) == []


def test_bh_controls_the_false_discovery_rate_and_holm_the_family_wise_error():
    rng = np.random.default_rng(9)
    fdp, fwer = [], []
    for _ in range(2000):
        null = rng.uniform(size=45)
        real = rng.uniform(0, 0.002, size=5)
        q = np.array(bh_qvalues(list(np.concatenate([null, real]))))
        flagged = q <= 0.05
        fdp.append(flagged[:45].sum() / max(flagged.sum(), 1))
        fwer.append(any(h <= 0.05 for h in holm(list(rng.uniform(size=28)))))
    assert np.mean(fdp) <= 0.05 * 45 / 50 + 0.01
    assert np.mean(fwer) <= 0.05 + 0.015


def test_fcr_level():
    assert fcr_confidence(3, 20, 0.05) == pytest.approx(1 - 3 * 0.05 / 20)
    assert fcr_confidence(0, 20, 0.05) == pytest.approx(0.95)
    assert fcr_confidence(20, 20, 0.05) == pytest.approx(0.95)
