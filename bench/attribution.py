"""Validity of `impact`: a scenario grid held to targets per cell (issue 11, point 5).

Each run simulates one task's annotation history with the generative model of
guidelines_tool.simulate (the one `guidelines demo` uses) and sends it through the real core
(`impact.analyse_task`, then the report-level multiplicity step when the core has one): windows,
governed items, the comparison, the interval, the p-value, the warnings, the verdict.

The history of a run. One task, six labels, four rules each deciding between two labels (the
items in a rule's scope have their true label in its pair; annotators swap the pair with the
rule's *confusion*), plus items in no rule's scope. `--governed` items per rule and as many
unscoped items per period. Periods 0..P, one guideline state each: commits 1..P-1 change the
task without touching the four rules (earlier states: the rule's longer history), commit P
revises the rule under test R (and two others when a cell revises three rules at once). So the
adjacent before window is period P-1, the after window period P, and periods 0..P-2 are R's
longer baseline. Agreement on every rule's items is α 0.50 just before the commit; a planted
effect lowers R's confusion so that α on its items in the after window is `effect` higher than
without the revision (the effect on the treated, which a difference-in-differences estimates).
A pool of 16 annotators, 6 active in a period, 3 per item.

The clean cell: no drift, identical annotators, the same 6 all along, R chosen at random, every
judgement cites the rule that governs its item, one rule per commit, two earlier states. The
other cells vary one factor at a time (plus heterogeneity x turnover):
- drift "noise": everybody less careless every period (the control shares it);
  "learning": R's own confusion falls every period, revision or not (the control does not);
- annotator heterogeneity: each annotator's own offset to each rule's confusion, SD 0.05 / 0.10;
- turnover: the active set keeps 3 of its 6 each period ("half") or none ("disjoint");
- trigger "worst": the lead revises the rule with the lowest α in the window before (what
  `hotspots` points at); "worst, no history": the same with no earlier states;
- citations "30%": each judgement cites with probability 0.3; "label-dependent": an annotator
  cites the rule only when choosing its decision label; "none": no citations (labels fallback);
  "label-dependent + scope": the same data with an item -> rule scope given to the tool;
- three rules revised in one commit.
Project-level runs: histories of 20 and 500 revisions, 10 % carrying a real ±0.15, for the FDR
after the report's multiple-testing control; and all-null histories gated over their last 10 /
28 / 100 revisions for the CI gate's family-wise false-alarm rate.

Per cell: runs (revisions), false verdicts (a verdict on a null revision, or of the wrong sign)
with their Monte Carlo SE, coverage of the true effect by the reported 95 % interval, bias / SD,
true spread / reported SE, power (verdict of the right sign), withheld verdicts (inconclusive),
and how often each warning fired. Targets (issue 11): null cells false verdicts <= 5 % + 2 MC SE;
coverage 93-97 %; |bias| < 0.25 SD; spread / SE 0.9-1.15; power >= 80 % at +0.15 with 300 items in
the clean cell; FDR <= 0.05; gate false alarms <= 5 %; where no method can meet them, the
matching warning fires in >= 90 % of runs and verdicts are withheld.

    python bench/attribution.py --quick                  # reduced grid, a few minutes
    python bench/attribution.py --out DIR [--cells RE]   # the full grid, resumable (results per
                                                         # cell in DIR, finished runs are kept)
    python bench/attribution.py --core DIR --label before --bootstrap 400 ...
                                                         # the same grid through another build's
                                                         # core (e.g. `git archive main`)
    python bench/attribution.py --table DIR [--before DIR2]   # print a finished grid

The simulation model always comes from this checkout; `--core` only changes the method.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import math
import re
import sys
import time
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1]

N_LABELS = 6
PAIRS = ((0, 1), (2, 3), (0, 2), (4, 5))  # the four rules' label pairs (decision label first)
RULES = ("R1", "R2", "R3", "R4")
POOL, ACTIVE, PER_ITEM = 16, 6, 3
BASE_NOISE = 0.06
NOISE_STEP = 0.015  # drift "noise": careless-error rate falls by this per period
LEARN_STEP = 0.02  # drift "learning": α on R's items rises by this per period without any revision
ALPHA_BEFORE = 0.50
PROJECT_EFFECT = 0.15


# --- cells -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One scenario of the grid (the clean cell is the defaults)."""

    name: str
    effect: float = 0.0
    governed: int = 300
    drift: str = "none"  # none | noise | learning
    hetero: float = 0.0  # SD of each annotator's offset to each rule's confusion
    turnover: str = "none"  # none | half | disjoint
    trigger: str = "random"  # random | worst
    citations: str = "perfect"  # perfect | 30% | label-dependent | none
    scope: bool = False  # give the tool the item -> rule scope
    rules_per_commit: int = 1
    pre: int = 2  # earlier guideline states before the adjacent window

    @property
    def null(self) -> bool:
        return self.effect == 0


def _pair(name: str, **kw) -> list[Cell]:
    """A null cell and its +0.15 twin."""
    return [Cell(f"{name}, null", **kw), Cell(f"{name}, +0.15", effect=0.15, **kw)]


def full_grid() -> list[Cell]:
    cells = []
    for governed in (300, 100, 50):
        for effect in (0.0, 0.05, 0.10, 0.15):
            label = "null" if effect == 0 else f"+{effect:.2f}"
            cells.append(Cell(f"clean {governed}, {label}", effect=effect, governed=governed))
    cells += _pair("clean 300, no earlier states", pre=0)
    cells += _pair("clean 300, 6 earlier states", pre=6)
    cells += _pair("drift noise", drift="noise")
    for pre, name in ((2, ""), (6, ", 6 earlier states")):
        cells += [Cell(f"drift learning{name}, null", drift="learning", pre=pre),
                  Cell(f"drift learning{name}, +0.10", effect=0.10, drift="learning", pre=pre)]
    for sd in (0.05, 0.10):
        cells += _pair(f"hetero {sd:.2f}", hetero=sd)
    for turnover in ("half", "disjoint"):
        cells += _pair(f"turnover {turnover}", turnover=turnover)
    for sd in (0.05, 0.10):
        for turnover in ("half", "disjoint"):
            cells += _pair(f"hetero {sd:.2f} x turnover {turnover}", hetero=sd, turnover=turnover)
    for governed in (300, 100):
        cells += _pair(f"trigger worst {governed}", trigger="worst", governed=governed)
        cells += _pair(f"trigger worst {governed} no earlier states", trigger="worst", governed=governed, pre=0)
    cells += _pair("citations 30%", citations="30%")
    cells += _pair("citations label-dependent", citations="label-dependent")
    cells += _pair("citations label-dependent + scope", citations="label-dependent", scope=True)
    cells += _pair("citations none (labels)", citations="none")
    cells += _pair("3 rules per commit", rules_per_commit=3)
    return cells


def quick_grid() -> list[Cell]:
    names = {"clean 300, null", "clean 300, +0.15", "clean 100, +0.10", "hetero 0.10 x turnover disjoint, null",
             "hetero 0.10 x turnover disjoint, +0.15", "trigger worst 300, null", "drift learning, null",
             "citations 30%, +0.15", "citations label-dependent, +0.15", "3 rules per commit, null"}
    return [c for c in full_grid() if c.name in names]


# --- loading the model and a core --------------------------------------------------------------


def load_simulate():
    """This checkout's generative model, whatever core is measured."""
    spec = importlib.util.spec_from_file_location("bench_simulate", HERE / "guidelines_tool" / "simulate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def load_core(core: Path | None):
    """`guidelines_tool.impact` (and its AgreementPolicy) from `core` (a folder holding a
    guidelines_tool package), else from this checkout."""
    sys.path.insert(0, str(core.resolve() if core else HERE))
    from guidelines_tool import impact
    from guidelines_tool.model import AgreementPolicy

    return impact, AgreementPolicy


simulate = load_simulate()


# --- one run -----------------------------------------------------------------------------------


@dataclass
class Run:
    """A simulated history as the core's inputs, plus what the simulation knows."""

    data: object
    specs: list
    change_points: list[int]
    end: int
    truth: dict[str, float]  # rule -> its true effect on the treated


def alpha_nominal(item: np.ndarray, value: np.ndarray) -> float:
    """Krippendorff's α (nominal) of a set of judgements: what the lead sees in `hotspots`."""
    _, it = np.unique(item, return_inverse=True)
    counts = np.zeros((it.max() + 1, N_LABELS))
    np.add.at(counts, (it, value), 1)
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    m = m[m >= 2]
    n_c = counts.sum(axis=0)
    n = n_c.sum()
    observed = ((m * m - (counts**2).sum(axis=1)) / (m - 1)).sum()
    expected = (n * n - (n_c**2).sum()) / (n - 1)
    return 1.0 - observed / expected if expected > 0 else float("nan")


def active_sets(cell: Cell, periods: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The annotators working in each period."""
    current = rng.choice(POOL, ACTIVE, replace=False)
    sets = [np.sort(current)]
    for _ in range(periods - 1):
        outside = np.setdiff1d(np.arange(POOL), current)
        if cell.turnover == "half":
            keep = rng.choice(current, ACTIVE // 2, replace=False)
            current = np.concatenate([keep, rng.choice(outside, ACTIVE - ACTIVE // 2, replace=False)])
        elif cell.turnover == "disjoint":
            current = rng.choice(outside, ACTIVE, replace=False)
        sets.append(np.sort(current))
    return sets


def confusion_at(alpha: float, noise: float, pair: tuple[int, int]) -> float:
    return simulate.confusion_for_alpha(alpha, noise, N_LABELS, pair)


def simulate_run(cell: Cell, rng: np.random.Generator, core) -> Run:
    """One history of the cell (module docstring), built as the core's TaskAnnotations."""
    periods = cell.pre + 2
    test = cell.pre + 1  # the commit (and first period) of the revision under test
    noise = [BASE_NOISE - (NOISE_STEP * (t - test + 1) if cell.drift == "noise" else 0.0)
             for t in range(periods)]
    offsets = rng.normal(0.0, cell.hetero, size=(POOL, len(RULES))) if cell.hetero else None
    actives = active_sets(cell, periods, rng)
    scopes = tuple(simulate.Scope(rule, pair, 1.0) for rule, pair in zip(RULES, PAIRS))
    cite_rate = {"perfect": 1.0, "30%": 0.3, "label-dependent": 1.0, "none": 0.0}[cell.citations]
    citation = "decision" if cell.citations == "label-dependent" else "random"
    per_period = cell.governed * (len(RULES) + 1)
    # R is drawn first for a random trigger (the learning drift is R's own); chosen from the
    # window before for a worst-rule trigger. Confusion is set for α 0.50 at the window before's
    # careless-error rate and then stays: a noise drift moves every item's agreement
    base = confusion_at(ALPHA_BEFORE, BASE_NOISE, PAIRS[0])
    chosen = int(rng.integers(len(RULES))) if cell.trigger == "random" else None
    batches = []
    revised: list[int] = []
    without = with_ = base
    for t in range(periods):
        confusion = {}
        for k, rule in enumerate(RULES):
            learning = cell.drift == "learning" and (chosen is None or k == chosen)
            alpha = ALPHA_BEFORE + LEARN_STEP * (t - test + 1) if learning else ALPHA_BEFORE
            confusion[rule] = confusion_at(alpha, BASE_NOISE, PAIRS[k]) if learning else base
        if t == test:
            if chosen is None:  # the lead looks at the window before and revises the worst rule
                chosen = _worst_rule(batches[-1])
            others = [k for k in range(len(RULES)) if k != chosen]
            revised = [chosen] + [int(k) for k in rng.choice(others, cell.rules_per_commit - 1, replace=False)]
            without = with_ = confusion[RULES[chosen]]
            if cell.effect:
                with_ = planted_confusion(without, noise[t], PAIRS[chosen], cell.effect)
                confusion[RULES[chosen]] = with_
        period = simulate.Period(per_period, noise[t], confusion, first_item=t * per_period)
        batch = simulate.simulate_period(
            period, scopes, n_labels=N_LABELS, annotators=POOL, per_item=PER_ITEM, rng=rng,
            cite_rate=cite_rate, governed_items=cell.governed * len(RULES), active=actives[t],
            annotator_confusion=offsets, citation=citation,
        )
        batches.append(batch)
    truth = {RULES[k]: 0.0 for k in revised}
    if cell.effect:
        truth[RULES[chosen]] = effect_on_treated(without, with_, noise[test], PAIRS[chosen], actives[test],
                                                 offsets, chosen)
    data = build_data(core, batches, cell)
    specs = [_spec(core, RULES[k], test, [RULES[j] for j in revised if j != k]) for k in sorted(revised)]
    return Run(data, specs, list(range(1, periods)), periods, truth)


def planted_confusion(without: float, noise: float, pair: tuple[int, int], effect: float) -> float:
    """R's confusion after a planted revision: `effect` more α on its items than `without`."""
    alpha = simulate.scope_alpha(noise, without, N_LABELS, pair)
    return confusion_at(alpha + effect, noise, pair)


def effect_on_treated(without: float, with_: float, noise: float, pair: tuple[int, int],
                      active: np.ndarray, offsets: np.ndarray | None, k: int) -> float:
    """α on R's items in the after window with the revision minus without it, for the
    annotators who worked then (each with their own confusion): the run's true effect."""
    prior = np.zeros(N_LABELS)
    prior[list(pair)] = 0.5
    own = np.zeros(len(active)) if offsets is None else offsets[active, k]

    def alpha(c: float) -> float:
        return simulate.annotators_alpha(prior, simulate.scope_matrices(noise, np.clip(c + own, 0, 0.5), N_LABELS, pair))

    return alpha(with_) - alpha(without)


def _worst_rule(batch) -> int:
    """The rule with the lowest α on the items citing it (on its scope when nothing is cited)."""
    alphas = []
    for k in range(len(RULES)):
        rows = batch.cited == k
        items = np.unique(batch.item[rows]) if rows.any() else np.unique(batch.item[batch.scope == k])
        mask = np.isin(batch.item, items)
        alphas.append(alpha_nominal(batch.item[mask], batch.value[mask]))
    return int(np.nanargmin(alphas))


def build_data(core, batches: list, cell: Cell):
    item = np.concatenate([b.item for b in batches])
    cited = np.concatenate([b.cited for b in batches])
    rows = np.flatnonzero(cited >= 0)
    kwargs = {}
    if cell.scope and "scope_item" in inspect.signature(core.TaskAnnotations.build).parameters:
        scope = np.concatenate([b.scope for b in batches])
        first = np.unique(item, return_index=True)[1]
        scoped = first[scope[first] >= 0]
        kwargs = {"scope_item": item[scoped], "scope_rule": scope[scoped]}
    return core.TaskAnnotations.build(
        item, np.concatenate([b.annotator for b in batches]), np.concatenate([b.value for b in batches]),
        np.concatenate([np.full(len(b.item), t) for t, b in enumerate(batches)]),
        tuple(f"L{i}" for i in range(N_LABELS)), cite_row=rows, cite_rule=cited[rows], rule_ids=RULES,
        **kwargs,
    )


def _spec(core, rule: str, position: int, others: list[str], previous: int | None = None,
          following: int | None = None):
    pair = PAIRS[RULES.index(rule)]
    return core.RevisionSpec(
        rule=rule, task="sim", commit=f"c{position}-{rule}", date="", author="", change="changed",
        level="minor", position=position, labels=tuple(f"L{i}" for i in pair), citable_before=True,
        citable_after=True, previous_position=previous, next_position=following,
        confounded_with=tuple(sorted(others)),
    )


# --- the core's answer, whichever build ------------------------------------------------------------


def analyse(core, run: Run, settings) -> list:
    results = core.analyse_task(run.data, run.specs, run.change_points, run.end, settings)
    finalise = getattr(core, "finalise", None)
    return finalise(results, settings) if finalise else results


def outcome(result, truth: float) -> dict:
    """What the bench needs from a RevisionImpact of any build: the estimate that decides, its
    interval and SE (from the interval when the build reports none), the p-value, the verdict."""
    c = result.comparison
    controlled = c.did is not None and c.did_ci is not None
    estimate, ci = (c.did, c.did_ci) if controlled else (c.delta, c.delta_ci)
    se = getattr(c, "se", None)
    if se is None and ci is not None:
        se = (ci[1] - ci[0]) / (2 * 1.959964)
    return {"truth": truth, "est": estimate, "se": se, "lo": ci[0] if ci else None, "hi": ci[1] if ci else None,
            "p": getattr(result, "p_value", None), "verdict": result.verdict,
            "warnings": list(getattr(result, "warnings", ()))}


# --- running cells (resumable) -----------------------------------------------------------------------


def run_seed(seed: int, cell: Cell, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(cell.name.encode()), index])


def run_cell(cell: Cell, runs: int, core, settings, seed: int, path: Path | None,
             progress: bool = True) -> list[dict]:
    """`runs` runs of the cell; with `path`, results are appended there as they come and runs
    already there are not redone (the grid can be stopped and resumed)."""
    done: list[dict] = []
    if path is not None and path.exists():
        done = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    handle = path.open("a") if path is not None else None
    started = time.perf_counter()
    try:
        for index in range(len({r["run"] for r in done}), runs):
            rng = run_seed(seed, cell, index)
            run = simulate_run(cell, rng, core)
            records = [{"run": index, "rule": result.spec.rule,
                        **outcome(result, run.truth.get(result.spec.rule, 0.0))}
                       for result in analyse(core, run, replace(settings, seed=seed * 100_003 + index))]
            done += records
            if handle:  # a run's records in one write: an interrupted grid resumes cleanly
                handle.write("".join(json.dumps(record) + "\n" for record in records))
            if handle and index % 20 == 0:
                handle.flush()
            if progress and index % 100 == 99:
                print(f"  {cell.name}: {index + 1}/{runs} runs, {time.perf_counter() - started:.0f} s",
                      file=sys.stderr, flush=True)
    finally:
        if handle:
            handle.close()
    return [r for r in done if r["run"] < runs]


# --- summaries ----------------------------------------------------------------------------------------


@dataclass
class Row:
    cell: str
    runs: int
    false: float
    false_se: float
    coverage: float
    bias_sd: float
    spread_se: float
    power: float
    withheld: float
    insufficient: float
    warnings: dict[str, float]


def summarise(cell: Cell, records: list[dict]) -> Row:
    """The cell's figures over its revisions (a three-rule commit counts all three; with an
    effect, the planted revision counts for power and coverage, its null companions for false
    verdicts)."""
    planted = [r for r in records if r["truth"] != 0.0]
    null = [r for r in records if r["truth"] == 0.0]
    main = planted if not cell.null else null
    n = len(main)
    verdict = np.array([r["verdict"] for r in main])
    truth = np.array([r["truth"] for r in main])
    sign = np.sign(truth) if not cell.null else np.zeros(n)
    called = np.isin(verdict, ("improved", "regressed"))
    direction = np.where(verdict == "improved", 1, np.where(verdict == "regressed", -1, 0))
    wrong = called & (direction != sign) if not cell.null else called
    if not cell.null and null:  # the companions of a three-rule commit: false verdicts there
        wrong_null = sum(r["verdict"] in ("improved", "regressed") for r in null)
        false, nf = (wrong.sum() + wrong_null) / (n + len(null)), n + len(null)
    else:
        false, nf = wrong.mean() if n else float("nan"), n
    has = [r for r in main if r["est"] is not None and r["se"] is not None]
    err = np.array([r["est"] - r["truth"] for r in has])
    se = np.array([r["se"] for r in has])
    cover = np.mean([r["lo"] is not None and r["lo"] <= r["truth"] <= r["hi"] for r in has]) if has else float("nan")
    sd = err.std(ddof=1) if len(err) > 1 else float("nan")
    codes = sorted({w for r in main for w in r["warnings"]})
    return Row(
        cell.name, n, float(false), math.sqrt(false * (1 - false) / max(nf, 1)), float(cover),
        float(err.mean() / sd) if len(err) > 1 and sd > 0 else float("nan"),
        float(sd / math.sqrt(np.mean(se**2))) if len(se) > 1 else float("nan"),
        float((called & (direction == sign)).mean()) if not cell.null and n else float("nan"),
        float(np.mean(verdict == "inconclusive")) if n else float("nan"),
        float(np.mean(verdict == "insufficient_data")) if n else float("nan"),
        {code: float(np.mean([code in r["warnings"] for r in main])) for code in codes},
    )


WARNING_SHORT = {"annotator_turnover": "turnover", "regression_to_mean": "rtm", "pre_trend": "trend",
                 "label_dependent_citations": "labeldep", "low_citation_rate": "lowcite",
                 "labels_fallback": "labels", "several_rules_changed": "several"}


def _pct(x: float) -> str:
    return "    -" if x is None or not math.isfinite(x) else f"{100 * x:5.1f}"


def _num(x: float) -> str:
    return "    -" if x is None or not math.isfinite(x) else f"{x:5.2f}"


def table(rows: list[Row], before: dict[str, Row] | None = None) -> list[str]:
    head = (f"{'cell':44} {'runs':>5} {'false % ±MC':>12} {'cover':>5} {'bias':>5} {'sprd':>5} "
            f"{'power':>5} {'withh':>5} {'insuf':>5}")
    if before:
        head += f" | before: {'false':>5} {'cover':>5} {'bias':>5} {'sprd':>5} {'power':>5}"
    out = [head + "  warnings (% of runs)", "-" * len(head)]
    for row in rows:
        line = (f"{row.cell:44} {row.runs:5d} {_pct(row.false)} ±{100 * row.false_se:4.1f} {_pct(row.coverage)} "
                f"{_num(row.bias_sd)} {_num(row.spread_se)} {_pct(row.power)} {_pct(row.withheld)} "
                f"{_pct(row.insufficient)}")
        if before:
            b = before.get(row.cell)
            line += (" | " + " " * 8 + (f"{_pct(b.false)} {_pct(b.coverage)} {_num(b.bias_sd)} {_num(b.spread_se)} "
                                         f"{_pct(b.power)}" if b else "(not run)"))
        warnings = ", ".join(f"{WARNING_SHORT.get(k, k)} {100 * v:.0f}" for k, v in row.warnings.items() if v >= 0.005)
        out.append(line + ("  " + warnings if warnings else ""))
    return out


LEGEND = """columns: runs = revisions analysed; false = verdicts on null revisions (or of the wrong sign), with
the Monte Carlo SE; cover = the reported 95 % interval contains the run's true effect; bias = mean
error / its SD over runs; sprd = SD of the error over runs / root-mean-square reported SE; power =
verdicts of the right sign; withh = inconclusive (withheld); insuf = too little data. Targets: false
<= 5 % + 2 MC SE on null cells, cover 93-97, |bias| < 0.25, sprd 0.90-1.15, power >= 80 at +0.15 with
300 items in the clean cell; cells no method can meet: their warning >= 90 % and verdicts withheld."""


# --- project level: BH over a report, the gate ------------------------------------------------------------


def simulate_project(revisions: int, share: float, governed: int, rng: np.random.Generator,
                     core) -> tuple[Run, dict[int, float]]:
    """A long history: commit k (1..revisions) revises one random rule; a share of revisions
    carry a real effect, toggling the rule between α 0.50 and 0.65 on its items (so effects are
    ±0.15 and α stays in range). Returns the run and the true effect per position."""
    scopes = tuple(simulate.Scope(rule, pair, 1.0) for rule, pair in zip(RULES, PAIRS))
    low = confusion_at(ALPHA_BEFORE, BASE_NOISE, PAIRS[0])
    high = confusion_at(ALPHA_BEFORE + PROJECT_EFFECT, BASE_NOISE, PAIRS[0])
    state = [False] * len(RULES)
    which = rng.integers(len(RULES), size=revisions)
    real = rng.random(revisions) < share
    truth: dict[int, float] = {}
    batches = []
    active = np.sort(rng.choice(POOL, ACTIVE, replace=False))
    per_period = governed * (len(RULES) + 1)
    history: dict[str, list[int]] = {rule: [] for rule in RULES}
    for t in range(revisions + 1):
        if t >= 1:
            k = int(which[t - 1])
            history[RULES[k]].append(t)
            if real[t - 1]:
                truth[t] = -PROJECT_EFFECT if state[k] else PROJECT_EFFECT
                state[k] = not state[k]
            else:
                truth[t] = 0.0
        confusion = {rule: (high if state[k] else low) for k, rule in enumerate(RULES)}
        period = simulate.Period(per_period, BASE_NOISE, confusion, first_item=t * per_period)
        batches.append(simulate.simulate_period(
            period, scopes, n_labels=N_LABELS, annotators=POOL, per_item=PER_ITEM, rng=rng,
            cite_rate=1.0, governed_items=governed * len(RULES), active=active))
    data = build_data(core, batches, Cell("project"))
    specs = []
    for rule, positions in history.items():
        for j, position in enumerate(positions):
            specs.append(_spec(core, rule, position, [],
                               previous=positions[j - 1] if j else None,
                               following=positions[j + 1] if j + 1 < len(positions) else None))
    specs.sort(key=lambda s: s.position)
    return Run(data, specs, list(range(1, revisions + 1)), revisions + 1, {}), truth


def project_figures(core, settings, revisions: int, share: float, runs: int, governed: int,
                    seed: int, gate_sizes: tuple[int, ...] = ()) -> dict:
    """FDR and power of the report's flags over `runs` projects; with `gate_sizes` (all-null
    projects) the gate's family-wise false-alarm rate over the last N revisions."""
    fdp, power, flagged, raw_fdp = [], [], [], []
    alarms = {n: 0 for n in gate_sizes}
    gate = getattr(core, "gate_failures", None)
    started = time.perf_counter()
    for index in range(runs):
        if index and index % max(runs // 10, 1) == 0:
            print(f"  projects of {revisions} revisions: {index}/{runs}, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)
        rng = np.random.default_rng([seed, revisions, int(share * 1000), index])
        run, truth = simulate_project(revisions, share, governed, rng, core)
        results = analyse(core, run, replace(settings, seed=seed * 7 + index))
        called = [r for r in results if r.verdict in ("improved", "regressed")]
        right = [r for r in called if truth[r.spec.position] != 0
                 and (r.verdict == "improved") == (truth[r.spec.position] > 0)]
        fdp.append((len(called) - len(right)) / max(len(called), 1))
        flagged.append(len(called))
        planted = sum(v != 0 for v in truth.values())
        if planted:
            power.append(len(right) / planted)
        p = [r for r in results if getattr(r, "p_value", None) is not None]
        raw = [r for r in p if r.p_value <= 0.05]
        raw_right = [r for r in raw if truth[r.spec.position] != 0 and (r.comparison.did > 0) == (truth[r.spec.position] > 0)]
        if p:
            raw_fdp.append((len(raw) - len(raw_right)) / max(len(raw), 1))
        for n in gate_sizes:
            since = revisions + 1 - n
            if gate is not None:
                failed = gate(results, since)
            else:  # today's gate: any regressed verdict among the revisions since
                failed = [r for r in results if r.spec.position >= since and r.verdict == "regressed"]
            alarms[n] += bool(failed)
    out = {"runs": runs, "revisions": revisions, "fdr": float(np.mean(fdp)),
           "fdr_se": float(np.std(fdp, ddof=1) / math.sqrt(runs)) if runs > 1 else float("nan"),
           "flagged": float(np.mean(flagged)), "power": float(np.mean(power)) if power else float("nan"),
           "unadjusted_fdr": float(np.mean(raw_fdp)) if raw_fdp else float("nan")}
    if gate_sizes:
        out["gate"] = {n: alarms[n] / runs for n in gate_sizes}
    return out


def project_lines(figures: list[dict]) -> list[str]:
    out = []
    for f in figures:
        if "gate" in f:
            gates = ", ".join(f"last {n}: {100 * v:.1f} % ±{100 * math.sqrt(v * (1 - v) / f['runs']):.1f}"
                              for n, v in f["gate"].items())
            out.append(f"  all-null projects of {f['revisions']} revisions ({f['runs']} runs): gate false alarms {gates}")
        else:
            out.append(f"  projects of {f['revisions']} revisions, 10 % real ±0.15 ({f['runs']} runs): FDR "
                       f"{100 * f['fdr']:.1f} % ±{100 * f['fdr_se']:.1f}, flags per project {f['flagged']:.1f}, "
                       f"power {100 * f['power']:.1f} %" + (f", FDR of unadjusted p <= 0.05 {100 * f['unadjusted_fdr']:.1f} %"
                                                            if math.isfinite(f["unadjusted_fdr"]) else ""))
    return out


# --- main -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the reduced grid (a few minutes)")
    parser.add_argument("--cells", help="only cells whose name matches this regular expression")
    parser.add_argument("--null-runs", type=int, default=1000, help="runs per null cell (MC SE ~0.7 points at 5 %%)")
    parser.add_argument("--effect-runs", type=int, default=400, help="runs per cell with an effect")
    parser.add_argument("--projects", type=int, default=None,
                        help="project-level runs of 20 revisions (500-revision and gate runs scale from it); 0 skips")
    parser.add_argument("--core", type=Path, help="measure the core of this folder (holding guidelines_tool/)")
    parser.add_argument("--label", default="after", help="name of this build in the results folder")
    parser.add_argument("--bootstrap", type=int, default=400, help="resamples, for a core that bootstraps")
    parser.add_argument("--out", type=Path, help="results folder: one file per cell, resumable")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--table", type=Path, help="print the table of a finished results folder and exit")
    parser.add_argument("--before", type=Path, help="with --table: the 'before' build's results folder")
    args = parser.parse_args()
    grid = quick_grid() if args.quick else full_grid()
    if args.cells:
        grid = [c for c in grid if re.search(args.cells, c.name)]
    if args.table:
        print_saved(grid, args.table, args.before)
        return
    if args.quick:
        args.null_runs, args.effect_runs = min(args.null_runs, 200), min(args.effect_runs, 100)
    core, policy = load_core(args.core)
    settings = core.Settings(policy(bootstrap=args.bootstrap, min_items=30))
    started = time.perf_counter()
    print(f"core: {Path(core.__file__).parent}; {args.null_runs} runs per null cell, {args.effect_runs} per "
          f"effect cell; pool {POOL}, {ACTIVE} active, {PER_ITEM} per item; noise {BASE_NOISE}", flush=True)
    folder = args.out / args.label if args.out else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for cell in grid:
        runs = args.null_runs if cell.null else args.effect_runs
        path = folder / f"{_slug(cell.name)}.jsonl" if folder else None
        records = run_cell(cell, runs, core, settings, args.seed, path)
        rows.append(summarise(cell, records))
        print(table([rows[-1]])[-1], flush=True)
    print()
    print("\n".join(table(rows)))
    print(LEGEND)
    projects = args.projects if args.projects is not None else (100 if args.quick else 1000)
    if projects:
        figures = [project_figures(core, settings, 20, 0.1, projects, 100, args.seed)]
        if not args.quick:
            figures.append(project_figures(core, settings, 500, 0.1, max(projects // 10, 10), 100, args.seed))
        figures.append(project_figures(core, settings, 100, 0.0, 40 if args.quick else max(projects // 2, 10),
                                       100, args.seed, gate_sizes=(10, 28, 100)))
        if folder:
            (folder / "projects.json").write_text(json.dumps(figures, indent=1))
        print("project level:")
        print("\n".join(project_lines(figures)))
    print(f"total {time.perf_counter() - started:.0f} s")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def print_saved(grid: list[Cell], folder: Path, before: Path | None) -> None:
    def load(base: Path) -> dict[str, Row]:
        rows = {}
        for cell in grid:
            path = base / f"{_slug(cell.name)}.jsonl"
            if path.exists():
                records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
                rows[cell.name] = summarise(cell, records)
        return rows

    after = load(folder)
    print("\n".join(table([after[c.name] for c in grid if c.name in after], load(before) if before else None)))
    print(LEGEND)
    for base, name in ((folder, "after"), (before, "before")):
        if base and (base / "projects.json").exists():
            print(f"project level ({name}):")
            print("\n".join(project_lines([{**f, "gate": {int(k): v for k, v in f["gate"].items()}} if "gate" in f else f
                                           for f in json.loads((base / "projects.json").read_text())])))


if __name__ == "__main__":
    main()
