"""Selecting ratings: what `subset` and `select` keep (each case here was added because a
one-line mutant survived the suite; see scripts/mutation.py)."""

from __future__ import annotations

import numpy as np

from guidelines_tool.agreement import encode


def test_subset_keeps_the_items_asked_for_renumbered():
    """Kills an early return from subset (or its mask built wrong)."""
    ratings = encode(["i1", "i1", "i2", "i2", "i3"], ["a", "b", "a", "b", "a"], ["x", "y", "y", "y", "x"],
                     numeric=None)
    for chosen in ([0, 2], np.array([True, False, True])):
        part = ratings.subset(chosen)
        assert part.items == ("i1", "i3") and part.item.tolist() == [0, 0, 1]
        assert [part.categories[v] for v in part.value] == ["x", "y", "x"]
        assert [part.annotators[a] for a in part.annotator] == ["a", "b", "a"]
        assert part.categories == ratings.categories and part.n_ratings == 3


def test_select_keeps_the_rows_asked_for():
    ratings = encode(["i1", "i1", "i2"], ["a", "b", "a"], ["x", "y", "y"])
    part = ratings.select(np.array([False, True, True]))
    assert part.items == ("i1", "i2") and part.item.tolist() == [0, 1] and part.n_ratings == 2


def test_count_patterns_of_no_items():
    """Kills `reshape(0, q)` → `reshape(1, q)` for an empty count table."""
    from guidelines_tool.agreement.ratings import count_patterns

    patterns = count_patterns(np.zeros((0, 3), dtype=np.int64))
    assert patterns.rows.shape == (0, 3) and patterns.freq.size == 0 and patterns.inverse.size == 0
