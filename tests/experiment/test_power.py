"""The power calculator: monotone in items and effect, and None where items alone cannot reach it."""

from __future__ import annotations

import numpy as np

from guidelines_tool.experiment import power
from guidelines_tool.simulate import Period, Scope, confusion_for_alpha, simulate_period


def past(seed: int = 0) -> power.PastData:
    rng = np.random.default_rng(seed)
    period = Period(400, 0.06, {"R": confusion_for_alpha(0.5, 0.06, 6)})
    batch = simulate_period(period, (Scope("R", (0, 1), 1.0),), n_labels=6, annotators=6, per_item=3, rng=rng,
                            governed_items=400)
    return power.past_data(batch.item, batch.annotator, batch.value, 1.0 - np.eye(6))


def test_more_items_and_larger_effects_give_more_power():
    summary = past()
    assert 0.4 < summary.alpha < 0.6 and summary.n_items == 400 and summary.per_item == 3
    by_items = [power.predict(summary, n, 0.10).power for n in (100, 300, 550, 1000)]
    assert by_items == sorted(by_items) and by_items[0] < 0.4 < 0.75 < by_items[2]
    by_effect = [power.predict(summary, 300, e).power for e in (0.05, 0.10, 0.15)]
    assert by_effect == sorted(by_effect)
    n80, n90 = power.items_needed(summary, 0.10, 0.8), power.items_needed(summary, 0.10, 0.9)
    assert n80 < n90
    assert power.predict(summary, n80, 0.10).power >= 0.8 > power.predict(summary, n80 - 1, 0.10).power


def test_with_few_annotators_split_between_arms_no_number_of_items_is_enough():
    summary = power.PastData(alpha=0.5, n_items=300, per_item=3, n_annotators=4, item_variance=0.3,
                             annotator_spread=0.001, expected_disagreement=0.6)
    assert power.items_needed(summary, 0.05, 0.8, unit="annotator", annotators=4) is None
    needed = power.annotators_needed(summary, 0.05, 0.8)
    assert needed is not None and needed > 4
    assert power.items_needed(summary, 0.05, 0.8, unit="annotator", annotators=needed) is not None
