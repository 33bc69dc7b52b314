"""`guidelines agreement`: annotation table (+ project task, gold) → an agreement report.

Glue between the readers and the statistics: picks the task's categories, scale and label
values, computes the overall coefficients with bootstrap intervals and the requested breakdown.
Returns data; reporters render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import variance
from guidelines_tool.annotations import AnnotationTable, Gold
from guidelines_tool.errors import EXIT_CLEAN, EXIT_FINDINGS, DataError
from guidelines_tool.model import AgreementPolicy, Finding, Project, Task

By = Literal["batch", "revision", "label", "annotator"]
MULTI_LABEL_ONLY = ("krippendorff_alpha", "percent_agreement")
DEFAULT_MIN_ITEMS = AgreementPolicy.min_items
#: The column each breakdown reads, and what to say when no annotation has it.
BY_COLUMN = {"batch": "batch", "revision": "guideline_rev"}


@dataclass(frozen=True)
class Summary:
    """Counts and coefficients for one set of annotations (overall or a group)."""

    n_items: int  # items with at least one judgement
    n_annotations: int
    n_annotators: int
    coefficients: dict[str, ag.Coefficient]
    # items with two judgements or more: the only ones whose agreement can be observed. α,
    # percent agreement, Cohen's κ and Scott's π use these alone; Fleiss' κ and Gwet's AC1
    # also count single-judgement items in the chance term (Gwet 2014's generalisation to
    # missing ratings, as irrCAC does). None where not computed.
    n_pairable_items: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "n_items": self.n_items, "n_pairable_items": self.n_pairable_items,
            "n_annotations": self.n_annotations,
            "n_annotators": self.n_annotators,
            "coefficients": {k: c.to_dict() for k, c in self.coefficients.items()},
        }


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: its name, counts/coefficients and breakdown-specific extras."""

    name: str
    summary: Summary
    extra: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"group": self.name, **self.summary.to_dict(), **self.extra}


@dataclass(frozen=True)
class Gate:
    """A CI gate on Krippendorff's α (`--min-agreement`): the threshold, whether α met it, and why."""

    min_agreement: float
    passed: bool
    reason: str  # one line, e.g. "Krippendorff's α 0.612 is below 0.8"

    def to_dict(self) -> dict[str, object]:
        return {"min_agreement": self.min_agreement, "passed": self.passed, "reason": self.reason}


@dataclass(frozen=True)
class AgreementReport:
    """The result of `guidelines agreement`."""

    task: str | None
    scale: str
    weights: str
    categories: tuple
    multi_label: bool
    interval: str | None
    overall: Summary
    by: str | None = None
    groups: list[Group] = field(default_factory=list)
    confusion: list[ag.ConfusionPair] = field(default_factory=list)
    accuracy: dict[str, object] | None = None
    read: dict[str, object] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    gate: Gate | None = None
    # the policy's minimum of items with two judgements or more (overall, and per batch or
    # revision group) below which the figures are flagged, and what the reader should know
    # before trusting them: a breakdown the data cannot give, too few items
    min_items: int = DEFAULT_MIN_ITEMS
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The issue's JSON shape, plus the context a reader needs to trust it."""
        out: dict[str, object] = {
            "task": self.task, "scale": self.scale, "weights": self.weights,
            "categories": [str(c) for c in self.categories],
            "multi_label": self.multi_label, "interval_method": self.interval,
            "se_method": variance.SE_METHOD,
            "overall": self.overall.to_dict(), "by": self.by,
            "groups": [g.to_dict() for g in self.groups],
        }
        if self.by == "label":
            out["confusion_pairs"] = [c.to_dict() for c in self.confusion]
        if self.accuracy is not None:
            out["overall"]["accuracy"] = self.accuracy
        out["read"] = dict(self.read, problems=[p.to_dict() for p in self.problems])
        if self.gate is not None:
            out["gate"] = self.gate.to_dict()
        out["min_items"] = self.min_items
        out["warnings"] = list(self.warnings)
        return out

    def below_min_items(self, group: Group) -> bool:
        """Whether a batch or revision group has too few items with two judgements or more."""
        n = group.summary.n_pairable_items
        return self.by in BY_COLUMN and n is not None and n < self.min_items

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.gate is not None and not self.gate.passed else EXIT_CLEAN


@dataclass(frozen=True)
class _Setup:
    categories: tuple | None
    numeric: list[float] | None
    scale: str


def _setup(table: AnnotationTable, project: Project | None, scale: str | None) -> _Setup:
    task: Task | None = project.tasks.get(table.task_id) if project and table.task_id else None
    if task is None:  # labels as they come: numbers in numeric order carry their values
        order = table.label_order()
        numeric = _numbers(order)
        if scale not in (None, "nominal") and numeric is None and not table.multi_label:
            # alphabetical order is no scale order (bad < good < ok): refuse, not guess
            raise DataError(
                f"--scale {scale} needs the labels' order, and these labels are not numbers "
                f"({', '.join(order[:5])}{', ...' if len(order) > 5 else ''}); run inside a "
                "guideline project whose task lists them in order, or use --scale nominal")
        return _Setup(order, numeric, scale or "nominal")
    categories = task.label_ids
    values = [label.value for label in task.labels]
    numeric = [float(v) for v in values] if values and all(v is not None for v in values) else None
    return _Setup(categories, numeric, scale or task.scale)


def agreement_report(
    table: AnnotationTable,
    *,
    project: Project | None = None,
    scale: str | None = None,
    by: By | None = None,
    gold: Gold | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    min_agreement: float | None = None,
    min_items: int = DEFAULT_MIN_ITEMS,
) -> AgreementReport:
    """Overall agreement with bootstrap intervals and the breakdown `by`; a gate on α when
    `min_agreement` is given; warnings when fewer than `min_items` items carry two judgements."""
    if len(table) == 0:
        raise DataError("no usable annotations were read (see the problems above)")
    setup = _setup(table, project, scale)
    if setup.scale not in ag.METRICS:
        raise DataError(f"unknown scale {setup.scale!r}; expected one of {', '.join(ag.METRICS)}")
    ratings = table.ratings(categories=setup.categories, numeric=setup.numeric)
    overall = _summary(ratings, table.multi_label, setup.scale, n_boot, seed, confidence)
    report = AgreementReport(
        task=table.task_id, scale="masi" if table.multi_label else setup.scale,
        weights="masi" if table.multi_label else ag.SCALE_WEIGHTS[setup.scale],
        categories=ratings.categories,
        multi_label=table.multi_label,
        interval=ag.interval_method(n_boot, confidence) if n_boot > 0 else None,
        overall=overall, by=by, read=table.summary.to_dict(), problems=list(table.problems),
    )
    groups, confusion = _breakdown(table, ratings, setup, by, gold, n_boot, seed, confidence)
    acc = _overall_accuracy(ratings, table, gold) if gold is not None else None
    gate = _gate(overall, min_agreement) if min_agreement is not None else None
    warnings = _small_sample(overall, min_items)
    if by in BY_COLUMN:
        groups, missing = _without_column(table, by, groups)
        warnings += missing
    report = _with(report, groups=groups, confusion=confusion, accuracy=acc, gate=gate,
                   min_items=min_items)
    below = sum(report.below_min_items(g) for g in groups)
    if below:
        warnings.append(f"{below} of {len(groups)} {by} groups have fewer than min_items ({min_items}) "
                        "items with two judgements or more (marked * in the text output)")
    return _with(report, warnings=warnings)


def _small_sample(overall: Summary, min_items: int) -> list[str]:
    n = overall.n_pairable_items
    if n is None or n >= min_items:
        return []
    return [f"only {n} item{' has' if n == 1 else 's have'} two judgements or more, fewer than "
            f"min_items ({min_items}): the coefficients and their intervals rest on too few items "
            "to be trusted"]


def _without_column(table: AnnotationTable, by: str, groups: list[Group]) -> tuple[list[Group], list[str]]:
    """The breakdown, and what to say about annotations without the column it reads: with none
    having it there is no breakdown at all (one "(none)" row would read as one group)."""
    column = BY_COLUMN[by]
    codes = np.asarray(table.batch if by == "batch" else table.guideline_rev)
    absent = codes < 0
    if not absent.any():
        return groups, []
    # --by revision reads the column as written; impact also resolves annotated_at times
    timed = by == "revision" and not np.isnat(np.asarray(table.annotated_at, dtype="datetime64[us]")[absent]).all()
    hint = "; `guidelines impact` places each annotation under a revision by its annotated_at time" if timed else ""
    if not absent.all():
        return groups, [f"{int(absent.sum())} of {len(table)} annotations have no {column}: they form the "
                        f"(none) row{hint}"]
    return [], [f"no annotation has a {column} (the files have no `{column}` column, or it is empty): "
                f"there is nothing to break down by {by}{hint}"]


def _with(report: AgreementReport, **changes: object) -> AgreementReport:
    return replace(report, **changes)


def _numbers(labels: tuple[str, ...]) -> list[float] | None:
    try:
        return [float(n) for n in labels]
    except ValueError:
        return None  # positions 1..q stand in for values


def _summary(
    ratings: ag.Ratings, multi: bool, scale: str, n_boot: int, seed: int, confidence: float
) -> Summary:
    coefficients = ag.all_coefficients(
        ratings, scale="nominal" if multi else scale, n_boot=n_boot, seed=seed,
        confidence=confidence,
    )
    if multi:  # categories are label sets with MASI distances: only α and raw agreement apply
        reason = ("not defined for multi-label sets: see krippendorff_alpha (MASI distance) "
                  "and per-label α (--by label)")
        coefficients = {k: (c if k in MULTI_LABEL_ONLY else ag.undefined(reason))
                        for k, c in coefficients.items()}
    coefficients = {k: _with_se(k, c, ratings, "nominal" if multi else scale, n_boot, confidence)
                    for k, c in coefficients.items()}
    patterns = ratings.patterns
    per_item = patterns.rows.sum(axis=1)
    n_items = int(patterns.freq[per_item > 0].sum())
    return Summary(n_items, ratings.n_ratings,
                   int(ratings.present_annotators.size), coefficients,
                   int(patterns.freq[per_item >= 2].sum()))


NO_BOOTSTRAP = "no bootstrap resamples were requested (--bootstrap 0)"


def _with_se(name: str, c: ag.Coefficient, ratings: ag.Ratings, scale: str, n_boot: int,
             confidence: float) -> ag.Coefficient:
    """The coefficient with its analytic standard error (Gwet/irrCAC) beside the bootstrap
    interval, and why it has no bootstrap interval when it has none."""
    if c.value is None:
        return c
    se = variance.analytic_se(name, ratings, scale=scale, confidence=confidence)
    ci_reason = c.ci_reason or (NO_BOOTSTRAP if n_boot <= 0 else None)
    return replace(c, se=se.se, analytic_ci=se.ci, ci_reason=ci_reason,
                   se_reason=se.reason if se.se is None else None)


def _breakdown(table, ratings, setup, by, gold, n_boot, seed, confidence):
    if by is None:
        return [], []
    if by in ("batch", "revision"):
        codes, names = ((table.batch, table.batches) if by == "batch"
                        else (table.guideline_rev, table.revisions))
        groups = []
        for code in np.unique(codes):
            sub = table.select(codes == code)
            sub_ratings = sub.ratings(categories=ratings.categories, numeric=ratings.numeric)
            name = names[code] if code >= 0 else "(none)"
            groups.append(Group(name, _summary(sub_ratings, table.multi_label, setup.scale,
                                               n_boot, seed, confidence)))
        return sorted(groups, key=lambda g: (g.name == "(none)", g.name)), []
    if by == "label":
        return _by_label(table, ratings, setup, n_boot, seed, confidence)
    if by == "annotator":
        return _by_annotator(table, ratings, setup, gold), []
    raise DataError(f"--by must be batch, revision, label or annotator, not {by!r}")


def _members(table: AnnotationTable, ratings: ag.Ratings) -> tuple[list[str], np.ndarray]:
    """The single labels, and a category × label membership matrix."""
    if not table.multi_label:
        return list(ratings.categories), np.eye(ratings.n_categories)
    sets = [s.split(";") if s else [] for s in ratings.categories]
    labels = sorted({m for s in sets for m in s})
    index = {lab: k for k, lab in enumerate(labels)}
    matrix = np.zeros((len(sets), len(labels)))
    for c, s in enumerate(sets):
        matrix[c, [index[m] for m in s]] = 1
    return labels, matrix


def _by_label(table, ratings, setup, n_boot, seed, confidence):
    labels, membership = _members(table, ratings)
    patterns = ratings.patterns
    rows = patterns.rows.astype(float)
    presence = rows @ membership
    alphas = ag.binary_alphas(presence, rows.sum(axis=1), freq=patterns.freq,
                              n_boot=n_boot, seed=seed, confidence=confidence)
    used = patterns.freq @ presence
    n_items = patterns.freq @ (presence > 0)
    n_pairable = patterns.freq @ ((presence > 0) & (rows.sum(axis=1) >= 2)[:, None])
    q, a = ratings.n_categories, ratings.n_annotators
    by_annotator = np.bincount(np.asarray(ratings.annotator, dtype=np.int64) * q + ratings.value,
                               minlength=a * q).reshape(a, q)
    n_annotators = ((by_annotator @ membership) > 0).sum(axis=0)
    groups = [
        Group(str(lab), Summary(int(n_items[k]), int(used[k]), int(n_annotators[k]),
                                {"krippendorff_alpha": alphas[k]}, int(n_pairable[k])))
        for k, lab in enumerate(labels)
    ]
    metric = "nominal" if table.multi_label else setup.scale
    return groups, ag.confusion_pairs(ratings, metric)


def _gold_codes(ratings: ag.Ratings, gold: Gold) -> np.ndarray:
    position = {str(c): k for k, c in enumerate(ratings.categories)}
    return np.array([position.get(gold.labels.get(str(i), ""), -1) if str(i) in gold.labels
                     else -1 for i in ratings.items], dtype=np.int64)


def _by_annotator(table, ratings, setup, gold):
    metric = "nominal" if table.multi_label else setup.scale
    rows = ag.annotator_agreement(ratings, metric)
    correct = judged = None
    if gold is not None:
        correct, judged = ag.accuracy(ratings, _gold_codes(ratings, gold))
    groups = []
    for k, row in enumerate(rows):
        n_items = row.n_ratings  # one judgement per (item, annotator): ratings = items
        extra: dict[str, object] = {"n_pairs": row.n_pairs}
        if correct is not None:
            extra["accuracy"] = ({"value": float(correct[k] / judged[k]), "n": int(judged[k])}
                                 if judged[k] else {"value": None, "n": 0,
                                                    "reason": "no gold item rated"})
        groups.append(Group(str(row.annotator), Summary(
            n_items, row.n_ratings, 1,
            {"percent_agreement": row.percent_agreement, "krippendorff_alpha": row.alpha}),
            extra))
    return groups


def _overall_accuracy(ratings, table, gold) -> dict[str, object]:
    correct, judged = ag.accuracy(ratings, _gold_codes(ratings, gold))
    n = int(judged.sum())
    return {"value": float(correct.sum() / n) if n else None, "n": n,
            "reason": None if n else "no annotated item has a gold label"}


def _gate(overall: Summary, threshold: float) -> Gate:
    alpha = overall.coefficients["krippendorff_alpha"]
    if alpha.value is None:
        return Gate(threshold, False, f"Krippendorff's α is undefined ({alpha.reason})")
    if alpha.value < threshold:
        return Gate(threshold, False, f"Krippendorff's α {alpha.value:.3f} is below {threshold:g}")
    return Gate(threshold, True, f"Krippendorff's α {alpha.value:.3f} meets {threshold:g}")
