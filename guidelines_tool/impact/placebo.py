"""Placebo runs: `impact`'s analysis where no rule changed, on the project's own data.

A method calibrated on a simulation can still be wrong on a real project (annotators, items and
batches the simulation did not imagine). So `guidelines impact --placebo N` re-runs the very
same comparison at N positions where the rule did *not* change: inside a guideline state, split
at a commit that touched other tasks (annotations on both sides), or — where there is none — at
the middle of the state's items in time order ("shifted windows"). Nothing was revised there, so
the share of placebo runs with p ≤ 0.05 should be near 5 % and the spread of their estimates
near the SE the analysis reports; a project where it is not has something the method does not
model (the report says so beside the verdicts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from guidelines_tool.impact.analysis import RevisionImpact, Settings, TaskContext, _round, analyse_revision
from guidelines_tool.impact.data import RevisionSpec, TaskAnnotations, Window, _governed, governed_definition

@dataclass(frozen=True)
class Placebo:
    """The analysis re-run where the rule did not change: how often it finds an effect there
    (unadjusted p ≤ 0.05: 5 % when the method is calibrated on this project's data) and how far
    its estimates spread (against the SE it reports)."""

    runs: int
    false_positive_rate: float | None
    null_sd: float | None
    mean_se: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "false_positive_rate": _round(self.false_positive_rate),
                "null_sd": _round(self.null_sd), "mean_se": _round(self.mean_se)}


#: The unadjusted level placebo runs are counted at (a calibrated method flags 5 % of them).
LEVEL = 0.05


def splits(data: TaskAnnotations, change_points: list[int], end: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(state start, rows before, rows after) of every placebo position: inside each guideline
    state of the task, at each commit that did not change the task and has annotations on both
    sides, else at the middle of the state's items in time order."""
    bounds = sorted({0, *change_points, end})
    out = []
    for start, stop in zip(bounds, bounds[1:]):
        part = data.rows(Window(start, stop))
        rows = np.arange(part.start, part.stop)
        if len(rows) < 4:
            continue
        inner = [p for p in np.unique(data.position[rows]) if p > start]
        if inner:
            for p in inner:
                cut = int(np.searchsorted(data.position[rows], p))
                out.append((start, rows[:cut], rows[cut:]))
            continue
        # the state's items in the order they were first annotated; the first half "before"
        items, first = np.unique(data.item[rows], return_index=True)
        order = items[np.argsort(first, kind="stable")]
        early = np.isin(data.item[rows], order[: len(order) // 2])
        out.append((start, rows[early], rows[~early]))
    return out


def placebo_revisions(data: TaskAnnotations, change_points: list[int], end: int, settings: Settings,
                      runs: int, *, all_specs: list[RevisionSpec] = ()) -> list[RevisionImpact]:
    """Up to `runs` placebo analyses of this task, spread evenly over its placebo positions and
    rules (those with `min_items` governed items on both sides)."""
    labels = {s.rule: s.labels for s in all_specs}
    rules = sorted(set(data.rule_ids) | set(labels))
    candidates = []
    for start, before, after in splits(data, change_points, end):
        for rule in rules:
            spec = RevisionSpec(rule=rule, task=all_specs[0].task if all_specs else "", commit=f"placebo-{start}-{rule}",
                                date="", author="", change="placebo", level="none", position=start,
                                labels=labels.get(rule, ()), citable_before=True, citable_after=True)
            by = governed_definition(data, spec)
            if by == "labels" and not spec.labels:
                continue
            counts = [len(_governed(data, part, rule, spec.labels, by)) for part in (before, after)]
            if min(counts) >= settings.min_items:
                candidates.append((spec, before, after))
    if not candidates:
        return []
    picks = np.unique(np.linspace(0, len(candidates) - 1, min(runs, len(candidates))).round().astype(int))
    context = TaskContext.of(data, [], change_points, end)
    out = []
    for k in picks:
        spec, before, after = candidates[k]
        window = Window(spec.position, spec.position)
        result = analyse_revision(data, spec, (window, window), replace(settings, window="adjacent"), context,
                                  rows=(before, after))
        if result.verdict != "insufficient_data":
            out.append(result)
    return out


def summarise(results: list[RevisionImpact]) -> Placebo:
    """The placebo block of the report: runs, the share with p ≤ 0.05, the spread of the
    estimates and the SE the analysis reported for them."""
    estimates = [r.comparison.estimate for r in results if r.comparison.estimate is not None]
    p = [r.p_value for r in results if r.p_value is not None]
    se = [r.comparison.se for r in results if r.comparison.se is not None]
    return Placebo(
        len(results),
        sum(v <= LEVEL for v in p) / len(p) if p else None,
        float(np.std(estimates, ddof=1)) if len(estimates) > 1 else None,
        math.sqrt(float(np.mean(np.square(se)))) if se else None,
    )
