"""`experiment plan`: everything decided before any data comes back (pre-registration).

Arm A is the guidelines at the base commit (HEAD unless named), arm B the guidelines at the
variant (a branch or commit holding the proposed wording). The variant may change one or several
rules of one task, and nothing else: a changed label set, or rules of another task, would make
"B − A" more than a rewording, so the plan refuses them. The rules it changes are listed.

The plan returns a `Plan`; `write_plan` writes the experiment file (experiments/<name>.yaml,
kind experiment, canonical as `fmt` writes it), the assignment file, and one batch per arm as
CSV and as Label Studio tasks JSON, whose rows carry `guideline_rev` = the arm's commit and
`experiment` = the name, so the annotations come back tagged, and `guideline_url` = the rule's
section on the arm's site (experiment.links).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np

from guidelines_tool.annotations import AnnotationTable
from guidelines_tool.errors import ConfigError, DataError
from guidelines_tool.experiment import power as power_
from guidelines_tool.experiment.assign import METHOD, Assignment, split
from guidelines_tool.experiment.data import categories, distance_of, governed_items, single_label
from guidelines_tool.experiment.links import BatchLinks, batch_links
from guidelines_tool.model import Project

Unit = Literal["item", "annotator"]
EXPERIMENTS = "experiments"
CONTAMINATION = {
    "item": ("every annotator works both arms, so one may carry B's wording into A's items (or the "
             "reverse); the analysis counts rows labelled under the other arm's revision and leaves them "
             "out, and any carry-over that remains makes the difference smaller, never larger"),
    "annotator": ("each annotator reads one wording only: no carry-over between arms, but the arms "
                  "differ in who annotates, so the comparison needs several annotators per arm"),
}
DECISION_RULE = ("two-sided t test of alpha(B) - alpha(A) = 0, items and annotators random "
                 "(agreement.twoway): b_better / a_better when p <= 1 - confidence, else "
                 "no_clear_difference; insufficient_data when an arm has fewer than min_items items "
                 "rated twice or its alpha is undefined")


@dataclass(frozen=True)
class Arms:
    base: str
    base_ref: str
    variant: str
    variant_ref: str


@dataclass(frozen=True)
class PowerPlan:
    """The sample size the task's past data asks for (None where there is no past data)."""

    effect: float
    past: power_.PastData | None = None
    items_80: int | None = None
    items_90: int | None = None
    at_plan: float | None = None  # predicted power with the planned items per arm
    annotators_80: int | None = None  # `--unit annotator` when no number of items is enough
    note: str = ""

    def to_dict(self) -> dict:
        return {"effect": self.effect, "past": self.past.to_dict() if self.past else None,
                "items_80": self.items_80, "items_90": self.items_90,
                "at_plan": None if self.at_plan is None else round(self.at_plan, 3),
                "annotators_80": self.annotators_80, "note": self.note}


@dataclass(frozen=True)
class Plan:
    name: str
    task: str
    rules: tuple[str, ...]
    arms: Arms
    unit: Unit
    seed: int
    scale: str
    confidence: float
    min_items: int
    assignment: Assignment | None
    power: PowerPlan
    item_rows: dict[str, dict[str, str]] = field(default_factory=dict)  # the items file's rows
    item_columns: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    links: BatchLinks | None = None  # each arm's link to the rule on its site (column guideline_url)

    @property
    def items_per_arm(self) -> int:
        if self.assignment is None:
            return 0
        counts = self.assignment.counts("item")
        return counts["both"] if self.unit == "annotator" else min(counts["A"], counts["B"])

    @property
    def method(self) -> str:
        return METHOD.format(seed=self.seed)

    @property
    def contamination(self) -> str:
        return CONTAMINATION[self.unit]

    def to_dict(self) -> dict:
        counts = self.assignment.counts("item") if self.assignment else None
        people = self.assignment.counts("annotator") if self.assignment else None
        return {
            "experiment": self.name, "task": self.task, "rules": list(self.rules),
            "arms": {"A": {"commit": self.arms.base, "ref": self.arms.base_ref},
                     "B": {"commit": self.arms.variant, "ref": self.arms.variant_ref}},
            "unit": self.unit, "seed": self.seed, "method": self.method,
            "items": counts, "annotators": people, "items_per_arm": self.items_per_arm,
            "governed": len(self.assignment.governed) if self.assignment else None,
            "measure": {"coefficient": "krippendorff_alpha", "scale": self.scale},
            "decision": {"rule": DECISION_RULE, "confidence": self.confidence, "min_items": self.min_items},
            "contamination": self.contamination, "power": self.power.to_dict(),
            "warnings": list(self.warnings),
            "links": dict(self.links.urls) if self.links else None,
            "links_note": self.links.note if self.links else "",
        }


def plan_experiment(project: Project, root: Path, name: str, *, rules: tuple[str, ...], variant: str,
                    base: str = "HEAD", items_file: Path | None = None, unit: Unit = "item",
                    annotators_file: Path | None = None, seed: int = 0, effect: float = 0.10,
                    past: AnnotationTable | None = None, pilot_url: str | None = None) -> Plan:
    """The plan of experiment `name` (module docstring). Raises ConfigError for a variant that is
    not a rewording of rules of one task, DataError for unreadable items / annotators files."""
    from guidelines_tool.history import Git, compare

    git_ = Git(root)
    base_sha, variant_sha = git_.rev_parse(base), git_.rev_parse(variant)
    for ref, sha in ((base, base_sha), (variant, variant_sha)):
        if sha is None:
            raise ConfigError(f"unknown revision {ref!r}: name a branch, tag or commit")
    if base_sha == variant_sha:
        raise ConfigError(f"the variant {variant!r} is the base commit itself: commit the new wording on a branch")
    diff = compare(root, base, variant).diff
    if diff.tasks:
        raise ConfigError("the variant changes task(s) " + ", ".join(t.task_id for t in diff.tasks)
                          + ": an experiment compares rule wordings under one label set")
    changed = {c.rule_id: c for c in diff.rules}
    for rule_id in rules:
        if rule_id not in changed:
            raise ConfigError(f"the variant {variant!r} does not change rule {rule_id}"
                              + (f" (it changes {', '.join(sorted(changed))})" if changed else ""))
    tasks = {(c.new or c.old).task for c in changed.values()}
    if len(tasks) != 1:
        raise ConfigError("the variant changes rules of several tasks (" + ", ".join(sorted(tasks))
                          + "): an experiment tests rules of one task")
    task_id = tasks.pop()
    base_ref = (git_.current_branch() or base) if base == "HEAD" else base
    listed = tuple(rules) + tuple(sorted(set(changed) - set(rules)))
    policy = project.policy_for(task_id)
    task = project.tasks.get(task_id)
    scale = task.scale if task else "nominal"
    warnings: list[str] = []
    if set(changed) - set(rules):
        warnings.append(f"the variant also changes {', '.join(sorted(set(changed) - set(rules)))}: "
                        "listed among the experiment's rules; their effects are not separated")
    assignment, rows, columns = None, {}, ()
    if items_file is not None:
        rows, columns = read_items(items_file)
        assignment = _assign(rows, unit, seed, listed, read_annotators(annotators_file) if annotators_file else [])
    power = _power(project, task_id, listed, past, effect, unit, policy.confidence, assignment,
                   scale)
    if power.items_80 is not None and assignment is not None and 0 < _per_arm(assignment, unit) < power.items_80:
        warnings.append(f"{_per_arm(assignment, unit)} items per arm are too few for 80 % power at "
                        f"+{effect:g}: the past data asks for {power.items_80} (90 %: {power.items_90})")
    links = batch_links(root, name, task_id, listed[0], pilot_url)
    return Plan(name, task_id, listed, Arms(base_sha, base_ref, variant_sha, variant), unit, seed, scale,
                policy.confidence, policy.min_items, assignment, power, rows, columns, tuple(warnings), links)


def _per_arm(assignment: Assignment, unit: Unit) -> int:
    counts = assignment.counts("item")
    return counts["both"] if unit == "annotator" else min(counts["A"], counts["B"])


def read_items(path: Path) -> tuple[dict[str, dict[str, str]], tuple[str, ...]]:
    """The items file (CSV with an `item` column; optional `stratum`, `scope` (rule ids, `;`);
    other columns go into the batches as they are)."""
    reader = _csv(path)
    if "item" not in (reader.fieldnames or ()):
        raise DataError(f"{path}:1: the items file needs an `item` column (found: {', '.join(reader.fieldnames or [])})")
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        item = (row.get("item") or "").strip()
        if not item:
            raise DataError(f"{path}:{reader.line_num}: empty item id")
        if item in rows:
            raise DataError(f"{path}:{reader.line_num}: item {item!r} is listed twice")
        rows[item] = {k: (v or "") for k, v in row.items() if k is not None}
    if not rows:
        raise DataError(f"{path}: no items")
    return rows, tuple(reader.fieldnames or ())


def read_annotators(path: Path) -> list[str]:
    """The annotators file: CSV with an `annotator` column."""
    reader = _csv(path)
    if "annotator" not in (reader.fieldnames or ()):
        raise DataError(f"{path}:1: the annotators file needs an `annotator` column")
    people = sorted({(row.get("annotator") or "").strip() for row in reader} - {""})
    if not people:
        raise DataError(f"{path}: no annotators")
    return people


def _csv(path: Path) -> csv.DictReader:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read: {error}") from None
    return csv.DictReader(io.StringIO(text))


def _assign(rows: dict[str, dict[str, str]], unit: Unit, seed: int, rules: tuple[str, ...],
            people: list[str]) -> Assignment:
    strata = {item: row.get("stratum", "").strip() for item, row in rows.items() if row.get("stratum", "").strip()}
    if any("scope" in row for row in rows.values()):
        governed = frozenset(item for item, row in rows.items()
                             if set(rules) & {s.strip() for s in row.get("scope", "").split(";")})
    else:
        governed = frozenset(rows)  # the items sent are the rule's items
    if unit == "item":
        return Assignment(split(rows, seed, strata), {p: "both" for p in people}, strata, governed)
    if len(people) < 4:
        raise DataError("--unit annotator needs an --annotators file with at least 4 annotators (2 an arm)")
    return Assignment({item: "both" for item in rows}, split(people, seed), strata, governed)


def _power(project: Project, task_id: str, rules: tuple[str, ...], past: AnnotationTable | None,
           effect: float, unit: Unit, confidence: float, assignment: Assignment | None, scale: str) -> PowerPlan:
    if past is None:
        return PowerPlan(effect, note="no past data: pass --past FILES (the task's earlier annotations) "
                                      "for the items per arm needed")
    single_label(past)
    table = past.pooled()
    rule_records = [r for r in project.rules if r.id in rules]
    mask = governed_items(table, rule_records)[table.item]
    table = table.select(mask)
    if not len(table):
        return PowerPlan(effect, note="the past data holds no judgements of the rules' items")
    ids, numeric = categories(project.tasks.get(task_id), table)
    ratings = table.ratings(categories=ids, numeric=numeric)
    delta = distance_of(scale, numeric, len(ids), ratings.item, ratings.value)(np.arange(len(ratings.item)))
    summary = power_.past_data(ratings.item, ratings.annotator, ratings.value, delta)
    if summary is None:
        return PowerPlan(effect, note="alpha is undefined on the past data of the rules' items")
    people = None
    if assignment is not None and assignment.annotators:
        people = len(assignment.annotators)
    options = {"unit": unit, "annotators": people, "confidence": confidence}
    at_plan = None
    if assignment is not None:
        at_plan = power_.predict(summary, _per_arm(assignment, unit), effect, **options).power
    n80 = power_.items_needed(summary, effect, 0.8, **options)
    n90 = power_.items_needed(summary, effect, 0.9, **options)
    more = None
    note = ""
    if n80 is None:
        if unit == "annotator":
            more = power_.annotators_needed(summary, effect, 0.8, confidence=confidence)
            note = (f"with {people or summary.n_annotators} annotators no number of items reaches 80 % power: "
                    + (f"{more} annotators are needed" if more else "more annotators are needed"))
        else:
            note = "no number of items reaches 80 % power at this effect"
    return PowerPlan(effect, summary, n80, n90, at_plan, more, note)


# --- writing --------------------------------------------------------------------------------


def experiment_yaml(plan: Plan, assignment_path: str, planned: date) -> str:
    """The experiment file's text, canonical (what `fmt` would write)."""
    from guidelines_tool.formatting.text import format_text

    power = plan.power
    lines = [
        "kind: experiment", f"id: {plan.name}", f"title: {json.dumps(plan.rules[0] + ' rewording')}",
        f"task: {plan.task}", "rules: [" + ", ".join(plan.rules) + "]", "arms:",
        f"  A: {{commit: {json.dumps(plan.arms.base)}, ref: {json.dumps(plan.arms.base_ref)}}}",
        f"  B: {{commit: {json.dumps(plan.arms.variant)}, ref: {json.dumps(plan.arms.variant_ref)}}}",
        f"unit: {plan.unit}", f"seed: {plan.seed}", f"assignment: {json.dumps(assignment_path)}",
        "sample:", f"  items_per_arm: {plan.items_per_arm}",
        f"  annotators: {len(plan.assignment.annotators) if plan.assignment else 0}",
        "measure:", "  coefficient: krippendorff_alpha", f"  scale: {plan.scale}",
        f"  items: {'governed' if plan.assignment and plan.assignment.governed != frozenset(plan.assignment.items) else 'all'}",
        "decision:", f"  rule: {json.dumps(DECISION_RULE)}", f"  confidence: {plan.confidence}",
        f"  min_items: {max(plan.min_items, 2)}",
        "power:", f"  effect: {power.effect}",
        f"  alpha: {_yaml_number(power.past.alpha if power.past else None)}",
        f"  past_items: {power.past.n_items if power.past else 0}",
        f"  per_item: {_yaml_number(power.past.per_item if power.past else None)}",
        f"  items_80: {_yaml_number(power.items_80)}", f"  items_90: {_yaml_number(power.items_90)}",
        f"  at_plan: {_yaml_number(power.at_plan)}",
        f"planned: '{planned.isoformat()}'",
    ]
    return format_text("\n".join(lines) + "\n")


def _yaml_number(value: float | int | None) -> str:
    if value is None:
        return "null"
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def batches(plan: Plan) -> dict[str, tuple[str, str]]:
    """Arm → (CSV text, Label Studio tasks JSON text): the items each arm's annotators label."""
    assert plan.assignment is not None
    extra = [c for c in plan.item_columns if c not in ("item", "guideline_rev", "experiment", "arm", "guideline_url")]
    urls = plan.links.urls if plan.links else {}
    out = {}
    for arm, sha in (("A", plan.arms.base), ("B", plan.arms.variant)):
        items = [i for i, a in sorted(plan.assignment.items.items()) if a in (arm, "both")]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["item", *extra, "guideline_rev", "experiment", "arm", "guideline_url"])
        tasks = []
        for item in items:
            row = plan.item_rows.get(item, {})
            writer.writerow([item, *(row.get(c, "") for c in extra), sha, plan.name, arm, urls.get(arm, "")])
            tasks.append({"data": {"item": item, **{c: row.get(c, "") for c in extra},
                                   "guideline_rev": sha, "experiment": plan.name, "arm": arm,
                                   "guideline_url": urls.get(arm, "")}})
        out[arm] = (buffer.getvalue(), json.dumps(tasks, indent=2, ensure_ascii=False) + "\n")
    return out


def existing_plan_refusal(root: Path, name: str) -> None:
    """ConfigError when experiments/<name>.yaml exists (saying so when it is concluded already)."""
    target = root / EXPERIMENTS / f"{name}.yaml"
    if target.exists():
        from guidelines_tool.project import load_project

        experiment = load_project(root).experiment(name)
        done = experiment.conclusion if experiment is not None else None
        state = f" (concluded: adopted {done.adopted})" if done is not None else ""
        raise ConfigError(f"{target.relative_to(root).as_posix()} exists{state}: a plan is fixed before data "
                          "comes back (choose another name, or --force to replace it)")


def write_plan(plan: Plan, root: Path, *, out_dir: Path | None = None, planned: date | None = None,
               force: bool = False) -> list[Path]:
    """Write the experiment file, the assignment file and the batches; returns the paths
    written. Refuses to overwrite an experiment file (the plan is fixed before data comes
    back) unless `force`."""
    if plan.assignment is None:
        raise DataError("nothing to write without --items: the split needs the items")
    target = root / EXPERIMENTS / f"{plan.name}.yaml"
    if not force:
        existing_plan_refusal(root, plan.name)
    folder = out_dir if out_dir is not None else root / EXPERIMENTS / plan.name
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    assignment_path = folder / "assignment.csv"
    assignment_path.write_text(plan.assignment.to_csv(), encoding="utf-8")
    written.append(assignment_path)
    for arm, (text, tasks) in batches(plan).items():
        for path, content in ((folder / f"batch-{arm}.csv", text), (folder / f"batch-{arm}.labelstudio.json", tasks)):
            path.write_text(content, encoding="utf-8")
            written.append(path)
    try:
        relative = assignment_path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = assignment_path.resolve().as_posix()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(experiment_yaml(plan, relative, planned or date.today()), encoding="utf-8")
    return [target, *written]
