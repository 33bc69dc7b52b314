"""`min_items` is a minimum: a window of exactly `min_items` pairable items is enough (DESIGN:
"insufficient_data below the task's min_items"). Kills `<` → `<=` in verdict's governed check and
`>=` → `>` in its control check (issue 17: no test sat on the boundary)."""

from __future__ import annotations

import pytest

from guidelines_tool.impact import Comparison, WindowStats, verdict


def comparison(governed: int, control: int, *, delta_ci=(0.05, 0.2), did_ci=(-0.1, 0.1)) -> Comparison:
    g, c = WindowStats(governed, 2 * governed, 0.5), WindowStats(control, 2 * control, 0.5)
    return Comparison(g, g, c, c, 0.1, delta_ci, 0.0, 0.0, did_ci)


@pytest.mark.parametrize(("governed", "expected"), [(29, "insufficient_data"), (30, "improved"), (31, "improved")])
def test_governed_window_at_min_items_is_enough(governed, expected):
    # no usable control (too few items): the raw change decides
    assert verdict(comparison(governed, 0), 30) == expected


@pytest.mark.parametrize(("control", "expected"), [(29, "improved"), (30, "no_clear_change"), (31, "no_clear_change")])
def test_control_window_at_min_items_is_used(control, expected):
    # a control with min_items items is used: the DiD interval (covering 0) decides
    assert verdict(comparison(40, control), 30) == expected
