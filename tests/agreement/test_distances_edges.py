"""The names the distances module accepts, as its error message lists them (a case added because
a one-line mutant survived the suite; see scripts/mutation.py)."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool.agreement import gwet_weights

SCHEMES = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_gwet_scheme_is_accepted(scheme):
    w = gwet_weights(scheme, np.array([1.0, 2.0, 3.0]))
    assert w.shape == (3, 3) and np.allclose(np.diag(w), 1.0)


def test_an_unknown_scheme_names_every_known_one():
    """Kills dropping a name from WEIGHTS (the message a user reads to fix `--weights`)."""
    with pytest.raises(ValueError) as caught:
        gwet_weights("cubic", np.array([1.0, 2.0]))
    assert str(caught.value) == "unknown weights 'cubic'; expected one of " + ", ".join(SCHEMES)
