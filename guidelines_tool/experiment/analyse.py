"""`experiment analyse`: annotation rows → arms, the design checks, the comparison.

Which rows are the experiment's: under `--unit item` the rows of the assignment's items (their arm
is the item's), under `--unit annotator` the rows of the assignment's annotators on its items
(their arm is the annotator's). Each row's `guideline_rev` says which wording the annotator had:
- the other arm's commit: *contaminated* (the wrong version was shown), counted and left out
  unless `keep_contaminated` (then it counts in its assigned arm: intention to treat);
- neither arm's commit: *foreign* (another revision of the guidelines), counted and left out;
- absent: *untagged*, kept in the assigned arm and counted (the batches carry the revision, so
  rows without one lost it on the way back).
A revision matches an arm by commit (a prefix of at least 7 hex digits either way) or by the ref
the plan named. The primary measure reads the governed items (all the experiment's items when
the items file gave no `scope`), fixed by the plan before randomisation, so it cannot depend on
the arms' answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from guidelines_tool.annotations import AnnotationTable
from guidelines_tool.experiment.assign import Assignment
from guidelines_tool.experiment.compare import (
    ArmAccuracy, ArmComparison, PairConfusion, accuracy_by_arm, compare_arms, confusion_by_arm,
)
from guidelines_tool.experiment.data import categories, distance_of, single_label
from guidelines_tool.model import Experiment, Task

ARM_CODE = {"A": 0, "B": 1}
IMBALANCE_P = 0.01  # sample-ratio-mismatch test level


@dataclass(frozen=True)
class DesignChecks:
    """Whether the design held: balance, contamination, annotators in one arm only."""

    rows: dict[str, int]  # read / outside / contaminated / foreign / untagged / used / kept_contaminated
    items: dict[str, dict[str, int]]  # arm → planned, with data
    annotators: dict[str, int]  # arm → annotators with judgements in it
    judgements: dict[str, int]
    imbalance_p: float | None  # sample-ratio mismatch of items with data vs the plan
    one_arm_annotators: tuple[str, ...] = ()  # `--unit item`: annotators who worked one arm only
    strata: dict[str, dict[str, int]] = field(default_factory=dict)  # stratum → arm → items with data
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"rows": self.rows, "items": self.items, "annotators": self.annotators,
                "judgements": self.judgements,
                "imbalance_p": None if self.imbalance_p is None else round(self.imbalance_p, 6),
                "one_arm_annotators": list(self.one_arm_annotators), "strata": self.strata,
                "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Analysis:
    experiment: Experiment
    comparison: ArmComparison
    checks: DesignChecks
    confusions: tuple[PairConfusion, ...]
    accuracy: tuple[ArmAccuracy, ArmAccuracy] | None
    scale: str
    measure_items: str  # governed | all


def row_arms(table: AnnotationTable, experiment: Experiment, assignment: Assignment) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the assigned arm (-1 outside the experiment) and the arm of its revision
    (-1 untagged, -2 foreign)."""
    if experiment.unit == "item":
        by_code = np.array([ARM_CODE.get(assignment.items.get(i, ""), -1) for i in table.items] + [-1])
        assigned = by_code[table.item]
    else:
        in_items = np.array([i in assignment.items for i in table.items] + [False])[table.item]
        by_code = np.array([ARM_CODE.get(assignment.annotators.get(a, ""), -1) for a in table.annotators] + [-1])
        assigned = np.where(in_items, by_code[table.annotator], -1)
    revision = np.array([_arm_of(rev, experiment) for rev in table.revisions] + [-1])
    return assigned, revision[table.guideline_rev]


def _arm_of(rev: str, experiment: Experiment) -> int:
    rev = rev.strip()
    if not rev:
        return -1
    for name, code in ARM_CODE.items():
        arm = experiment.arms.get(name)
        if arm is None:
            continue
        commit = arm.commit.lower()
        low = rev.lower()
        if len(low) >= 7 and commit and (commit.startswith(low) or low.startswith(commit)):
            return code
        if arm.ref and rev == arm.ref:
            return code
    return -2


def analyse(experiment: Experiment, assignment: Assignment, table: AnnotationTable, task: Task | None, *,
            gold: dict[str, str] | None = None, keep_contaminated: bool = False, seed: int = 0,
            top: int = 5) -> Analysis:
    """The experiment's analysis (module docstring)."""
    single_label(table)
    assigned, revised = row_arms(table, experiment, assignment)
    inside = assigned >= 0
    contaminated = inside & (revised >= 0) & (revised != assigned)
    foreign = inside & (revised == -2)
    untagged = inside & (revised == -1)
    keep = inside & ~foreign & (~contaminated if not keep_contaminated else True)
    measure_items = "governed" if assignment.governed and assignment.governed != frozenset(assignment.items) else "all"
    if measure_items == "governed":
        governed = np.array([i in assignment.governed for i in table.items] + [False])[table.item]
        keep &= governed
    chosen = table.select(keep)
    arm_rows = assigned[keep]
    # one judgement per (item, annotator): the latest, in the arm it was assigned to
    latest = chosen.latest_judgements() if chosen.relabelled else np.ones(len(chosen), dtype=bool)
    chosen, arm_rows = chosen.select(latest), arm_rows[latest]
    ids, numeric = categories(task, chosen)
    ratings = chosen.ratings(categories=ids, numeric=numeric)
    scale = experiment.scale or (task.scale if task else "nominal")
    delta_of = distance_of(scale, numeric, len(ids), ratings.item, ratings.value)
    comparison = compare_arms(ratings.item, ratings.annotator, ratings.value, arm_rows, delta_of,
                              confidence=experiment.confidence, min_items=experiment.min_items,
                              rng=np.random.default_rng(seed))
    rows = {"read": len(table), "outside": int((~inside).sum()), "contaminated": int(contaminated.sum()),
            "foreign": int(foreign.sum()), "untagged": int(untagged.sum()), "used": len(chosen),
            "kept_contaminated": int(contaminated.sum()) if keep_contaminated else 0}
    checks = _checks(experiment, assignment, chosen, arm_rows, rows)
    confusions = tuple(confusion_by_arm(ratings.item, ratings.value, arm_rows, ids, top=top))
    accuracy = None
    if gold:
        position = {c: k for k, c in enumerate(ids)}
        item_codes = {name: code for code, name in enumerate(ratings.items or ())}
        wanted = {item_codes[i]: position[label] for i, label in gold.items() if i in item_codes and label in position}
        accuracy = accuracy_by_arm(ratings.item, ratings.value, arm_rows, wanted)
    return Analysis(experiment, comparison, checks, confusions, accuracy, scale, measure_items)


def _checks(experiment: Experiment, assignment: Assignment, table: AnnotationTable, arm: np.ndarray,
            rows: dict[str, int]) -> DesignChecks:
    planned = assignment.counts("item" if experiment.unit == "item" else "annotator")
    items, annotators, judgements = {}, {}, {}
    with_data = {}
    for name, code in ARM_CODE.items():
        mine = arm == code
        with_data[name] = int(len(np.unique(table.item[mine])))
        items[name] = {"planned": planned[name] if experiment.unit == "item" else planned["both"],
                       "with_data": with_data[name]}
        annotators[name] = int(len(np.unique(table.annotator[mine])))
        judgements[name] = int(mine.sum())
    if experiment.unit == "item":
        observed = (with_data["A"], with_data["B"])
        expected_share = planned["A"] / max(planned["A"] + planned["B"], 1)
    else:
        observed = (annotators["A"], annotators["B"])
        expected_share = planned["A"] / max(planned["A"] + planned["B"], 1)
    imbalance = _binomial_p(observed[0], sum(observed), expected_share)
    one_arm: tuple[str, ...] = ()
    warnings = []
    if experiment.unit == "item":
        worked = {}
        for code in (0, 1):
            for a in np.unique(table.annotator[arm == code]):
                worked.setdefault(int(a), set()).add(code)
        one_arm = tuple(sorted(table.annotators[a] for a, arms in worked.items() if len(arms) == 1))
        if one_arm:
            warnings.append(f"{len(one_arm)} annotator(s) worked one arm only: under --unit item every "
                            "annotator should work both, or the arms differ in who annotates")
    strata = {}
    if assignment.strata:
        stratum_of = np.array([assignment.strata.get(i, "") for i in table.items] + [""])
        for name, code in ARM_CODE.items():
            mine = arm == code
            for stratum in np.unique(stratum_of[table.item[mine]]):
                strata.setdefault(str(stratum), {"A": 0, "B": 0})[name] = int(len(np.unique(
                    table.item[mine & (stratum_of[table.item] == stratum)])))
    used = rows["used"] + rows["contaminated"] - rows["kept_contaminated"] + rows["foreign"]
    if rows["contaminated"]:
        share = rows["contaminated"] / max(used, 1)
        what = "kept in their assigned arm (--keep-contaminated)" if rows["kept_contaminated"] else "left out"
        warnings.append(f"{rows['contaminated']} row(s) ({share:.0%}) were labelled under the other arm's "
                        f"revision: {what}")
    if rows["foreign"]:
        warnings.append(f"{rows['foreign']} row(s) carry a revision of neither arm: left out")
    if rows["untagged"]:
        warnings.append(f"{rows['untagged']} row(s) carry no guideline_rev: counted in their assigned arm")
    if imbalance is not None and imbalance < IMBALANCE_P:
        warnings.append(f"the arms' {'items' if experiment.unit == 'item' else 'annotators'} with data "
                        f"({observed[0]} vs {observed[1]}) differ from the planned split (p = {imbalance:.2g}): "
                        "work may have been lost or routed to one arm")
    return DesignChecks(rows, items, annotators, judgements, imbalance, one_arm, strata, tuple(warnings))


def _binomial_p(k: int, n: int, share: float) -> float | None:
    """Two-sided p of k successes in n at `share` (normal approximation with continuity)."""
    if n == 0 or share in (0.0, 1.0):
        return None
    mean, sd = n * share, math.sqrt(n * share * (1 - share))
    z = max(abs(k - mean) - 0.5, 0.0) / sd
    return math.erfc(z / math.sqrt(2))


def analysis_dict(analysis: Analysis) -> dict:
    """The JSON form: experiment, rules, unit, arms (commit, alpha, ci, n_items, n_annotators),
    delta, delta_ci, p_value, verdict, design_checks, and the secondary measures."""
    from guidelines_tool.experiment.compare import rounded

    experiment, c = analysis.experiment, analysis.comparison
    arms = {}
    for name in ("A", "B"):
        stats = c.arm(name)
        arms[name] = {"commit": experiment.commit(name), "ref": experiment.arms[name].ref if name in experiment.arms else "",
                      "alpha": rounded(stats.alpha), "ci": rounded(stats.ci), "n_items": stats.n_items,
                      "n_annotators": stats.n_annotators, "n_judgements": stats.n_judgements}
    out = {
        "experiment": experiment.id, "task": experiment.task, "rules": list(experiment.rules),
        "unit": experiment.unit, "measure": {"coefficient": "krippendorff_alpha", "scale": analysis.scale,
                                             "items": analysis.measure_items},
        "arms": arms, "delta": rounded(c.delta), "delta_ci": rounded(c.delta_ci), "se": rounded(c.se),
        "df": rounded(c.df, 2), "p_value": rounded(c.p_value), "confidence": c.confidence,
        "min_items": experiment.min_items, "verdict": c.verdict,
        "variance": {"items": rounded(c.var_items, 8), "annotators": rounded(c.var_annotators, 8)},
        "design_checks": analysis.checks.to_dict(),
        "confusions": [{"labels": [p.first, p.second], "share_a": rounded(p.share_a, 4),
                        "share_b": rounded(p.share_b, 4), "change": rounded(p.change, 4)}
                       for p in analysis.confusions],
        "accuracy": None,
    }
    if analysis.accuracy is not None:
        out["accuracy"] = {name: {"accuracy": rounded(a.accuracy, 4), "ci": rounded(a.ci(c.confidence), 4),
                                  "judgements": a.judged, "items": a.items}
                           for name, a in zip(("A", "B"), analysis.accuracy)}
    return out
