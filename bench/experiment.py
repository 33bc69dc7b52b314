"""Validity of `experiment analyse`'s verdict, and of `experiment plan`'s power calculator (issue 12).

Each run simulates one experiment with the generative model of guidelines_tool.simulate (the one
`guidelines demo` and bench/attribution.py use) and sends it through the real core
(`experiment.compare.compare_arms`: α per arm, B − A with items and annotators random, the
pre-registered verdict at 95 %).

An experiment. One task of six labels; the rule under test decides between labels 0 and 1; every
item sent is in its scope. The experiment runs over four batches (periods); each batch holds a
quarter of each arm's items. A pool of 16 annotators, 6 active in a batch, 3 an item. Arm A's
wording gives α 0.50 on the rule's items, arm B's 0.50 + effect (when annotators are alike).
`--unit item`: items are randomised, the batch's 6 active annotators work both arms.
`--unit annotator`: the pool is split 8 / 8 at random, 3 of each arm's 8 are active in a batch
and label all of that arm's items of the batch (so every item gets 3 judgements in its arm).
Factors, as in bench/attribution.py:
- drift "learning": α on the rule's items rises 0.02 a batch in both arms, whatever the wording
  (what defeats before/after comparisons; randomisation should be immune);
- annotator heterogeneity: each annotator's own offset to the rule's confusion, SD 0.05 / 0.10;
- turnover "half": the active set keeps 3 of its 6 each batch;
- items per arm 100 / 300 / 550, effects 0 / 0.05 / 0.10 / 0.15.
The true effects are computed exactly from the response matrices (large-sample α, not simulated):
over the population of annotators (600 offsets), and among each run's own annotators.

Per cell: runs, false verdicts (null cells: any b_better / a_better; otherwise a_better) with
their Monte Carlo SE, coverage by the 95 % interval of the population effect (annotators drawn
afresh: what a decision about future annotators is about; bias and SD are against it), SD / mean
reported SE, coverage of the effect among the run's own annotators (cov|run), power (b_better), insufficient_data, and in power cells the
power predicted by `experiment.power` from a past batch of 300 items under arm A's wording
(mean over 20 past draws, at the population effect, the `effect` column), against the
simulated one. Targets (issue 12): null false verdicts
<= 5 % + 2 MC SE; coverage 93-97 %; predicted power within 5 points of the simulated.

    python bench/experiment.py --quick          # 100 runs a cell, a few minutes
    python bench/experiment.py --runs 400       # the full figures
    python bench/experiment.py --cells 'null'   # only cells whose name matches
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from guidelines_tool.experiment import power as power_  # noqa: E402
from guidelines_tool.experiment.compare import compare_arms  # noqa: E402
from guidelines_tool.simulate import (  # noqa: E402
    Period, Scope, confusion_for_alpha, response_probabilities, simulate_period,
)

N_LABELS = 6
PAIR = (0, 1)
POOL, ACTIVE, PER_ITEM, BATCHES = 16, 6, 3, 4
NOISE = 0.06
ALPHA_A = 0.50
LEARN_STEP = 0.02
SCOPE = (Scope("R", PAIR, 1.0),)
DELTA = 1.0 - np.eye(N_LABELS)
PAST_ITEMS, PAST_DRAWS = 300, 20


@dataclass(frozen=True)
class Cell:
    name: str
    effect: float = 0.0
    items: int = 300  # per arm
    drift: str = "none"  # none | learning
    hetero: float = 0.0
    turnover: str = "none"  # none | half
    unit: str = "item"  # item | annotator

    @property
    def null(self) -> bool:
        return self.effect == 0


def grid() -> list[Cell]:
    cells = []
    for items in (100, 300, 550):
        for effect in (0.0, 0.05, 0.10, 0.15):
            label = "null" if effect == 0 else f"+{effect:.2f}"
            cells.append(Cell(f"clean {items}, {label}", effect=effect, items=items))
    for items, effect in ((300, 0.0), (300, 0.10), (550, 0.10)):
        label = "null" if effect == 0 else f"+{effect:.2f}"
        cells.append(Cell(f"learning {items}, {label}", effect=effect, items=items, drift="learning"))
    for sd in (0.05, 0.10):
        for effect in (0.0, 0.10):
            label = "null" if effect == 0 else f"+{effect:.2f}"
            cells.append(Cell(f"hetero {sd:.2f} 300, {label}", effect=effect, hetero=sd))
    cells.append(Cell("turnover half 300, null", turnover="half"))
    cells.append(Cell("hetero 0.10 x turnover x learning 550, null", items=550, hetero=0.10, turnover="half",
                      drift="learning"))
    cells.append(Cell("hetero 0.10 x turnover x learning 550, +0.10", effect=0.10, items=550, hetero=0.10,
                      turnover="half", drift="learning"))
    for effect in (0.0, 0.10):
        label = "null" if effect == 0 else f"+{effect:.2f}"
        cells.append(Cell(f"unit annotator, hetero 0.05 300, {label}", effect=effect, hetero=0.05, unit="annotator"))
    return cells


# --- one run --------------------------------------------------------------------------------------


def confusions(cell: Cell, batch: int) -> dict[str, float]:
    learn = LEARN_STEP * batch if cell.drift == "learning" else 0.0
    return {arm: confusion_for_alpha(ALPHA_A + learn + (cell.effect if arm == "B" else 0.0), NOISE, N_LABELS, PAIR)
            for arm in "AB"}


def active_sets(cell: Cell, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    """Per batch: arm → the annotators who label that arm's items."""
    out = []
    if cell.unit == "annotator":
        order = rng.permutation(POOL)
        halves = {"A": order[: POOL // 2], "B": order[POOL // 2:]}
        for _ in range(BATCHES):
            out.append({arm: rng.choice(members, PER_ITEM, replace=False) for arm, members in halves.items()})
        return out
    current = rng.choice(POOL, ACTIVE, replace=False)
    for batch in range(BATCHES):
        if batch and cell.turnover == "half":
            keep = rng.choice(current, ACTIVE // 2, replace=False)
            fresh = rng.choice(np.setdiff1d(np.arange(POOL), current), ACTIVE - ACTIVE // 2, replace=False)
            current = np.concatenate([keep, fresh])
        out.append({"A": current, "B": current})
    return out


def true_alpha(parts: list[tuple[float, np.ndarray]]) -> float:
    """Large-sample nominal α of an arm: `parts` are (items, the active annotators' response
    matrices) per batch; each item's annotators a random set of distinct active annotators."""
    prior = np.zeros(N_LABELS)
    prior[list(PAIR)] = 0.5
    total = sum(w for w, _ in parts)
    observed, marginal = 0.0, np.zeros(N_LABELS)
    for weight, matrices in parts:
        weighted = matrices * prior[None, :, None]
        same = np.einsum("atl,btl->ab", weighted, matrices)
        k = len(matrices)
        observed += weight / total * (1.0 - (same.sum() - np.trace(same)) / (k * (k - 1)))
        marginal += weight / total * weighted.sum(axis=1).mean(axis=0)
    return 1.0 - observed / (1.0 - float((marginal ** 2).sum()))


def population_effect(cell: Cell) -> float:
    """The effect on the population of annotators the pool is drawn from (what a decision about
    future annotators is about): α_B − α_A in the large-sample limit, over 600 annotators' offsets."""
    if not cell.hetero:
        return true_alpha_of(cell, np.zeros(2))
    return true_alpha_of(cell, np.random.default_rng(0).normal(0.0, cell.hetero, size=600))


def true_alpha_of(cell: Cell, offsets: np.ndarray) -> float:
    per_batch = [cell.items // BATCHES + (1 if b < cell.items % BATCHES else 0) for b in range(BATCHES)]
    parts: dict[str, list] = {"A": [], "B": []}
    for batch in range(BATCHES):
        confusion = confusions(cell, batch)
        for arm in "AB":
            own = np.clip(confusion[arm] + offsets, 0.0, 0.5)
            parts[arm].append((per_batch[batch], np.stack([response_probabilities(NOISE, N_LABELS, PAIR, float(c))
                                                           for c in own])))
    return true_alpha(parts["B"]) - true_alpha(parts["A"])


def one_run(cell: Cell, rng: np.random.Generator):
    offsets = rng.normal(0.0, cell.hetero, size=(POOL, 1)) if cell.hetero else np.zeros((POOL, 1))
    sets = active_sets(cell, rng)
    per_batch = [cell.items // BATCHES + (1 if b < cell.items % BATCHES else 0) for b in range(BATCHES)]
    items, annotators, values, arms = [], [], [], []
    parts: dict[str, list] = {"A": [], "B": []}
    first = 0
    for batch in range(BATCHES):
        confusion = confusions(cell, batch)
        for code, arm in enumerate("AB"):
            active = sets[batch][arm]
            n = per_batch[batch]
            period = Period(n, NOISE, {"R": confusion[arm]}, first_item=first)
            first += n
            drawn = simulate_period(period, SCOPE, n_labels=N_LABELS, annotators=POOL, per_item=PER_ITEM, rng=rng,
                                    governed_items=n, active=active, annotator_confusion=offsets)
            items.append(drawn.item)
            annotators.append(drawn.annotator)
            values.append(drawn.value)
            arms.append(np.full(len(drawn.item), code))
            own = np.clip(confusion[arm] + offsets[active, 0], 0.0, 0.5)
            parts[arm].append((n, np.stack([response_probabilities(NOISE, N_LABELS, PAIR, float(c)) for c in own])))
    truth = true_alpha(parts["B"]) - true_alpha(parts["A"])
    result = compare_arms(np.concatenate(items), np.concatenate(annotators), np.concatenate(values),
                          np.concatenate(arms), lambda rows: DELTA, confidence=0.95, min_items=30, rng=rng)
    return result, truth


def predicted_power(cell: Cell, rng: np.random.Generator) -> float | None:
    """`experiment plan`'s prediction from a past batch of PAST_ITEMS items under arm A's wording
    (batch 0's annotators and confusion), averaged over PAST_DRAWS draws."""
    found = []
    for _ in range(PAST_DRAWS):
        offsets = rng.normal(0.0, cell.hetero, size=(POOL, 1)) if cell.hetero else np.zeros((POOL, 1))
        active = rng.choice(POOL, ACTIVE, replace=False)
        period = Period(PAST_ITEMS, NOISE, {"R": confusions(cell, 0)["A"]})
        past = simulate_period(period, SCOPE, n_labels=N_LABELS, annotators=POOL, per_item=PER_ITEM, rng=rng,
                               governed_items=PAST_ITEMS, active=active, annotator_confusion=offsets)
        summary = power_.past_data(past.item, past.annotator, past.value, DELTA, rng=rng)
        if summary is None:
            continue
        people = POOL if cell.unit == "annotator" else ACTIVE
        # the calculator takes the effect in α: the population effect (below the nominal one when
        # annotators differ, as α is not linear in the confusion)
        found.append(power_.predict(summary, cell.items, population_effect(cell), unit=cell.unit,
                                    annotators=people).power)
    return float(np.mean(found)) if found else None


# --- a cell -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    cell: Cell
    runs: int
    false: float
    false_se: float
    coverage: float  # of the population effect
    coverage_run: float  # of the effect among the run's own annotators
    population: float
    bias: float
    sd: float
    se_ratio: float
    power: float
    insufficient: float
    predicted: float | None
    seconds: float


def run_cell(cell: Cell, runs: int, seed: int) -> Row:
    rng = np.random.default_rng([seed, zlib_crc(cell.name)])
    start = time.perf_counter()
    population = population_effect(cell)
    estimates, truths, ses, covered, covered_run, verdicts = [], [], [], [], [], []
    for _ in range(runs):
        result, truth = one_run(cell, rng)
        verdicts.append(result.verdict)
        if result.delta is None:
            continue
        estimates.append(result.delta)
        truths.append(population)
        ses.append(result.se)
        low, high = result.delta_ci
        covered.append(low <= population <= high)
        covered_run.append(low <= truth <= high)
    verdicts_ = np.array(verdicts)
    wrong = (verdicts_ != "no_clear_difference") & (verdicts_ != "insufficient_data") if cell.null else \
        verdicts_ == "a_better"
    false = float(wrong.mean())
    errors = np.array(estimates) - np.array(truths)
    sd = float(np.std(errors, ddof=1))
    predicted = None if cell.null else predicted_power(cell, rng)
    return Row(cell, runs, false, math.sqrt(max(false * (1 - false), 1e-12) / runs), float(np.mean(covered)),
               float(np.mean(covered_run)), population,
               float(errors.mean()), sd, sd / float(np.mean(ses)), float((verdicts_ == "b_better").mean()),
               float((verdicts_ == "insufficient_data").mean()), predicted, time.perf_counter() - start)


def zlib_crc(text: str) -> int:
    import zlib

    return zlib.crc32(text.encode())


def verdict_of(row: Row) -> str:
    """Which targets the row meets."""
    notes = []
    if row.cell.null:
        notes.append("false ok" if row.false <= 0.05 else "false ok within MC error"
                     if row.false <= 0.05 + 2 * row.false_se else "FALSE-POSITIVE RATE HIGH")
    cover_se = math.sqrt(0.95 * 0.05 / row.runs)
    notes.append("cover ok" if 0.93 <= row.coverage <= 0.97 else "cover ok within MC error"
                 if 0.93 - 2 * cover_se <= row.coverage <= 0.97 + 2 * cover_se else "COVERAGE OFF")
    if row.predicted is not None:
        gap = abs(row.predicted - row.power)
        power_se = math.sqrt(max(row.power * (1 - row.power), 1e-12) / row.runs)
        notes.append("pred ok" if gap <= 0.05 + 2 * power_se else "PREDICTION OFF")
    if row.insufficient:
        notes.append(f"{100 * row.insufficient:.0f}% insufficient")
    return ", ".join(notes)


def table(rows: list[Row]) -> str:
    head = (f"{'cell':<46} {'effect':>6} {'runs':>4}  {'false verdicts':>15}  {'coverage':>8}  {'bias':>7}  {'SD':>6}  "
            f"{'SD/SE':>5}  {'cov|run':>7}  {'power':>6}  {'pred.':>6}  targets")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.cell.name:<46} {r.population:>+6.3f} {r.runs:>4}  {100 * r.false:>6.1f} ± {100 * r.false_se:>4.1f} %  "
            f"{100 * r.coverage:>7.1f}%  {r.bias:>+7.4f}  {r.sd:>6.4f}  {r.se_ratio:>5.2f}  {100 * r.coverage_run:>6.1f}%  "
            f"{100 * r.power:>5.1f}%  {'' if r.predicted is None else f'{100 * r.predicted:5.1f}%':>6}  {verdict_of(r)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=400, help="Runs a cell (default 400).")
    parser.add_argument("--quick", action="store_true", help="100 runs a cell.")
    parser.add_argument("--cells", default="", help="Only cells whose name matches this regular expression.")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    runs = 100 if args.quick else args.runs
    cells = [c for c in grid() if re.search(args.cells, c.name)]
    rows = []
    print(f"{len(cells)} cells x {runs} runs; targets: null false verdicts <= 5 % + 2 MC SE, coverage 93-97 % "
          "(± 2 MC SE), predicted power within 5 points (± 2 MC SE)", file=sys.stderr)
    for index, cell in enumerate(cells, 1):
        row = run_cell(cell, runs, args.seed)
        rows.append(row)
        print(f"[{index}/{len(cells)}] {cell.name}: {row.seconds:.0f}s", file=sys.stderr, flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
