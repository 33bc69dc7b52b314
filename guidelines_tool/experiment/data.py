"""Annotation rows as the arrays the experiment's statistics read: one task's labels in scale
order, the category distance of the task's scale, and the items a set of rules governs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from guidelines_tool.agreement.distances import metric_distance, ordinal_distance
from guidelines_tool.annotations import AnnotationTable
from guidelines_tool.errors import DataError
from guidelines_tool.model import Rule, Task


def categories(task: Task | None, table: AnnotationTable) -> tuple[tuple[str, ...], np.ndarray | None]:
    """The task's label ids in scale order (the labels seen when there is no task) and their
    numeric values where every label has one."""
    if task is None or not task.labels:
        return table.label_order(), None
    ids = tuple(label.id for label in task.labels)
    values = [label.value for label in task.labels]
    return ids, (np.asarray(values, dtype=float) if all(v is not None for v in values) else None)


def distance_of(scale: str, numeric: np.ndarray | None, q: int, item: np.ndarray,
                value: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """`delta_of(rows)`: the category distance of a group of rows. Fixed for nominal, interval
    and ratio data; for ordinal data the group's own (Krippendorff's ordinal δ depends on the
    marginals of the pairable values)."""
    scores = numeric if numeric is not None else np.arange(1, q + 1, dtype=float)
    fixed = metric_distance(scale, scores)
    if fixed is not None:
        return lambda rows: fixed

    def ordinal(rows: np.ndarray) -> np.ndarray:
        _, inverse, counts = np.unique(item[rows], return_inverse=True, return_counts=True)
        pairable = rows[counts[inverse] >= 2]
        return ordinal_distance(np.bincount(value[pairable], minlength=q))
    return ordinal


def governed_items(table: AnnotationTable, rules: Sequence[Rule]) -> np.ndarray:
    """Mask over `table.items` codes: items where any annotator cited one of `rules`, or, when
    nobody in the table cites any rule, chose one of their labels (impact's labels fallback)."""
    cited = np.zeros(len(table), dtype=bool)
    for rule in rules:
        cited |= table.rule_mask(rule.id)
    if not cited.any() and not any(table.rule_sets[c] for c in np.unique(table.rules) if c >= 0):
        for label in sorted({label for rule in rules for label in rule.labels}):
            cited |= table.label_mask(label)
    mask = np.zeros(len(table.items), dtype=bool)
    mask[table.item[cited]] = True
    return mask


def single_label(table: AnnotationTable) -> None:
    if table.multi_label:
        raise DataError("experiments compare single-label judgements; multi-label tasks are not supported yet")
