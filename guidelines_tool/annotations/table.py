"""The checked annotations: `AnnotationTable` (dictionary-encoded columns) and `ReadSummary`.

A judgement is identified by (task, item, annotator) plus its guideline revision: the same
annotator labelling an item again under another revision is a re-label, kept (impact compares
the two); figures pooled over revisions take each annotator's latest (`AnnotationTable.pooled`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from guidelines_tool.agreement import Ratings, masi_matrix
from guidelines_tool.errors import DataError
from guidelines_tool.model import Finding


@dataclass(frozen=True)
class ReadSummary:
    """How many rows were read, used, and rejected (by reason), and how many belonged to other
    tasks than the one asked for."""

    read: int
    used: int
    rejected: dict[str, int]
    other_task: int = 0
    # used rows that re-label an (item, annotator) under another guideline revision: kept
    # for `impact` and `--by revision`; pooled figures use each annotator's latest judgement
    relabelled: int = 0

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"read": self.read, "used": self.used,
                                  "rejected": dict(sorted(self.rejected.items())),
                                  "other_task": self.other_task}
        if self.relabelled:  # only when there are some: the shape files without revisions had
            out["relabelled"] = self.relabelled
        return out


@dataclass(frozen=True, eq=False)
class AnnotationTable:
    """Annotation records as dictionary-encoded columns (codes index the value tuples; -1 = absent).

    `label` codes index `labels`; for a multi-label table each entry of `labels` is a canonical
    `;`-joined set and `label_sets` holds its members. `rules` codes index `rule_sets` (the
    distinct sets of cited rule ids). `annotated_at` is datetime64[us] UTC (NaT when absent).
    """

    item: np.ndarray
    items: Sequence[str]  # LazyStrings for large files: converted on first use
    annotator: np.ndarray
    annotators: tuple[str, ...]
    label: np.ndarray
    labels: tuple[str, ...]
    label_sets: tuple[tuple[str, ...], ...]
    task: np.ndarray
    tasks: tuple[str, ...]
    guideline_rev: np.ndarray
    revisions: tuple[str, ...]
    annotated_at: np.ndarray
    rules: np.ndarray
    rule_sets: tuple[tuple[str, ...], ...]
    batch: np.ndarray
    batches: tuple[str, ...]
    file: np.ndarray
    files: tuple[str, ...]
    line: np.ndarray
    multi_label: bool = False
    task_id: str | None = None  # the task these rows are for (project task or --task)
    problems: list[Finding] = field(default_factory=list)
    summary: ReadSummary = ReadSummary(0, 0, {})
    duplicate_error: bool = False  # duplicates found under the `error` policy
    relabelled: int = 0  # rows re-labelling an (item, annotator) under another revision
    # the rules whose scope the row's item is in (`scope` column: rule ids, `;`-joined), known
    # independently of the labels; codes index `scope_sets`; None when the files have no scope
    scope: np.ndarray | None = None
    scope_sets: tuple[tuple[str, ...], ...] = ((),)

    def __len__(self) -> int:
        return int(self.item.size)

    def select(self, rows: np.ndarray) -> AnnotationTable:
        """The rows in a boolean mask (value tuples kept, so codes stay comparable)."""
        mask = np.asarray(rows, dtype=bool)
        columns = ("item", "annotator", "label", "task", "guideline_rev", "annotated_at",
                   "rules", "batch", "file", "line")
        data = {name: getattr(self, name)[mask] for name in columns}
        if self.scope is not None:
            data["scope"] = self.scope[mask]
        return _replace(self, **data)

    def pooled(self) -> AnnotationTable:
        """The table with each (item, annotator)'s latest judgement only: what figures pooled
        over guideline revisions use (`ratings()` does this itself). Row i of the result is
        row i of `ratings()`."""
        if not self.relabelled:
            return self
        return _replace(self.select(self.latest_judgements()), relabelled=0)

    def latest_judgements(self) -> np.ndarray:
        """Mask of each (task, item, annotator)'s latest row: by `annotated_at`, then by
        file order (rows without a time come first). All true without re-labels."""
        n = len(self)
        if not n:
            return np.ones(0, dtype=bool)
        key = ((self.task.astype(np.int64) + 1) * (len(self.items) + 1) + self.item) \
            * (len(self.annotators) + 1) + self.annotator
        times = np.asarray(self.annotated_at, dtype="datetime64[us]").view(np.int64)
        order = np.lexsort((np.arange(n), times, key))  # NaT is the smallest int64
        last = np.r_[key[order][1:] != key[order][:-1], True]
        mask = np.zeros(n, dtype=bool)
        mask[order[last]] = True
        return mask

    def label_mask(self, label_id: str) -> np.ndarray:
        """Rows whose label (or label set) contains `label_id`."""
        hits = np.array([label_id in members for members in self.label_sets], dtype=bool)
        return hits[self.label] if hits.size else np.zeros(len(self), dtype=bool)

    def rule_mask(self, rule_id: str) -> np.ndarray:
        """Rows whose annotator cited `rule_id`."""
        hits = np.array([rule_id in members for members in self.rule_sets], dtype=bool)
        return hits[self.rules] if hits.size else np.zeros(len(self), dtype=bool)

    def label_order(self) -> tuple[str, ...]:
        """The labels in use, in their natural order: numbers numerically, then text."""
        used = {self.labels[u] for u in np.flatnonzero(np.bincount(
            self.label[self.label >= 0], minlength=len(self.labels)))}
        return tuple(sorted(used, key=_natural))

    def ratings(
        self,
        *,
        categories: Sequence[str] | None = None,
        numeric: Sequence[float] | None = None,
    ) -> Ratings:
        """The rows as `Ratings` (items and annotators renumbered over the rows present).

        Single-label: categories are `categories` (the task's labels, in scale order) or the
        labels seen, sorted. Multi-label: categories are the distinct label sets, with MASI
        distances between them.
        """
        if self.relabelled:
            # pooled over revisions: each annotator's latest judgement of an item counts
            return self.pooled().ratings(categories=categories, numeric=numeric)
        item, items = _compact(self.item, self.items)
        annotator, annotators = _compact(self.annotator, self.annotators)
        if self.multi_label:
            used, value = np.unique(self.label, return_inverse=True)
            sets = [frozenset(self.label_sets[u]) for u in used]
            return Ratings(item, annotator, value, tuple(self.labels[u] for u in used), None,
                           items, annotators, masi_matrix(sets))
        order = tuple(categories) if categories is not None else self.label_order()
        position = {c: k for k, c in enumerate(order)}
        remap = np.array([position.get(v, -1) for v in self.labels], dtype=np.int64)
        value = remap[self.label] if self.labels else self.label
        if (value < 0).any():
            raise DataError("labels outside the category list: " + ", ".join(
                sorted({self.labels[c] for c in self.label[value < 0]})[:5]))
        return Ratings(item, annotator, value, order,
                       None if numeric is None else np.asarray(numeric, dtype=float),
                       items, annotators)


def _natural(label: str) -> tuple:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _compact(codes: np.ndarray, values: tuple) -> tuple[np.ndarray, tuple]:
    """Renumber codes over the values actually used (no sort when all are used)."""
    used = np.bincount(codes, minlength=len(values)) > 0
    if used.all():
        return codes, values
    rank = np.cumsum(used) - 1
    return rank[codes], tuple(np.array(values, dtype=object)[used].tolist())


def _replace(table: AnnotationTable, **changes: object) -> AnnotationTable:
    from dataclasses import replace

    return replace(table, **changes)
