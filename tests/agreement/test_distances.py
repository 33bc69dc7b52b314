"""Distances between categories: MASI between label sets."""

from __future__ import annotations

import pytest

from guidelines_tool import agreement as ag


def test_masi_distance_cases() -> None:
    a, b = frozenset("ab"), frozenset("a")
    assert ag.masi_distance(a, a) == 0
    assert ag.masi_distance(a, b) == pytest.approx(1 - 0.5 * 2 / 3)
    assert ag.masi_distance(frozenset("ab"), frozenset("bc")) == pytest.approx(1 - 1 / 3 / 3)
    assert ag.masi_distance(frozenset("a"), frozenset("c")) == 1
    assert ag.masi_distance(frozenset(), frozenset("c")) == 1
