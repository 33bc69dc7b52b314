"""Validity of `impact`: does it find planted rule effects, and only those?

Simulates many guideline histories (guidelines_tool.simulate): one task, six labels, four rules
each deciding between two labels, five periods; commit k (k = 1..4) revises rule R_k. A revision
either carries a planted effect — the rule's pair confusion drops so that α on its governed items
is 0.15 higher than it would have been without the revision (0.50 → 0.65 without drift) — or none. Independently, a general drift lowers every
annotator's careless-error rate from period to period (annotators getting better), which moves
agreement on *all* items. Each period's batch has 300 items in each rule's scope (so 300 governed
items per window) and the rest of the task's items serve as the control.

Every history goes through the real core (`impact.analyse_task`: windows, governed items,
bootstrap, difference-in-differences, verdict) and the bench prints side by side, for the naive
before/after (delta CI) and the difference-in-differences (DiD CI, the verdict `impact` reports):
detection rate of planted effects, false-positive rate on revisions with no planted effect, and
CI coverage of the planted +0.15 — with and without drift.

    /work/venv/bin/python bench/attribution.py [--histories N] [--bootstrap B] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from guidelines_tool import impact, simulate  # noqa: E402
from guidelines_tool.model import AgreementPolicy  # noqa: E402

N_LABELS = 6
PAIRS = ((0, 1), (2, 3), (0, 2), (4, 5))  # the four rules' label pairs
GOVERNED = 300  # items per rule scope per period = governed items per window
CONTROL_EXTRA = 300  # items in no rule's scope, per period
ANNOTATORS, PER_ITEM = 8, 3
BASE_NOISE = 0.12
DRIFT_STEP = 0.03  # noise drop per period under drift
ALPHA_BEFORE, ALPHA_AFTER = 0.50, 0.65
PLANTED = ALPHA_AFTER - ALPHA_BEFORE


@dataclass
class Tally:
    """Counts over revisions of one kind (planted or null) in one scenario."""

    n: int = 0
    naive_hit: int = 0
    did_hit: int = 0
    naive_cover: int = 0
    did_cover: int = 0
    insufficient: int = 0
    did_se: float = 0.0  # sum of the DiD standard errors implied by the CI widths

    def add(self, result: impact.RevisionImpact, truth: float) -> None:
        c = result.comparison
        self.n += 1
        self.insufficient += result.verdict == "insufficient_data"
        self.naive_hit += _excludes_zero(c.delta_ci)
        self.did_hit += result.verdict in ("improved", "regressed")
        self.naive_cover += _covers(c.delta_ci, truth)
        self.did_cover += _covers(c.did_ci, truth)
        if c.did_ci is not None:
            self.did_se += (c.did_ci[1] - c.did_ci[0]) / (2 * 1.96)

    def items_for_power(self, power_z: float = 1.2816) -> float:
        """Governed items per window for 90 % power at this effect (normal approximation,
        control windows scaled alike)."""
        se = self.did_se / max(self.n, 1)
        return GOVERNED * ((1.96 + power_z) * se / PLANTED) ** 2


def _excludes_zero(ci: tuple[float, float] | None) -> bool:
    return ci is not None and (ci[0] > 0 or ci[1] < 0)


def _covers(ci: tuple[float, float] | None, value: float) -> bool:
    return ci is not None and ci[0] <= value <= ci[1]


def simulate_history(
    rng: np.random.Generator, *, planted: tuple[bool, ...], drift: float, cite: bool
) -> tuple[impact.TaskAnnotations, list[impact.RevisionSpec]]:
    """One task's five periods of annotations and its four rule revisions."""
    rules = tuple(f"R{k + 1}" for k in range(len(PAIRS)))
    scopes = tuple(simulate.Scope(rule, pair, 1.0) for rule, pair in zip(rules, PAIRS))
    noise = [BASE_NOISE - drift * t for t in range(len(rules) + 1)]
    before_c = [simulate.confusion_for_alpha(ALPHA_BEFORE, noise[k], N_LABELS, PAIRS[k]) for k in range(4)]
    after_c = [
        planted_confusion(before_c[k], noise[k + 1], PAIRS[k]) if planted[k] else before_c[k]
        for k in range(4)
    ]
    parts = []
    per_period = GOVERNED * len(rules) + CONTROL_EXTRA
    for t in range(len(rules) + 1):
        confusion = {rules[k]: (after_c[k] if t > k else before_c[k]) for k in range(len(rules))}
        period = simulate.Period(per_period, noise[t], confusion, first_item=t * per_period)
        batch = simulate.simulate_period(
            period, scopes, n_labels=N_LABELS, annotators=ANNOTATORS, per_item=PER_ITEM, rng=rng,
            cite_rate=1.0 if cite else 0.0, governed_items=GOVERNED * len(rules),
        )
        parts.append((batch, t))
    data = _task_annotations(parts, rules)
    specs = [
        impact.RevisionSpec(
            rule=rules[k], task="sim", commit=f"c{k + 1}", date="", author="", change="changed",
            level="minor", position=k + 1, labels=tuple(f"L{i}" for i in PAIRS[k]),
            citable_before=True, citable_after=True,
        )
        for k in range(len(rules))
    ]
    return data, specs


def planted_confusion(before: float, noise: float, pair: tuple[int, int]) -> float:
    """Rule k's confusion after a planted revision: +0.15 α on its items in the after window
    against the same window without the revision (the effect on the treated, which is what a
    difference-in-differences estimates). Without drift that is α 0.50 -> 0.65."""
    without = simulate.scope_alpha(noise, before, N_LABELS, pair)
    return simulate.confusion_for_alpha(without + PLANTED, noise, N_LABELS, pair)


def _task_annotations(parts: list, rules: tuple[str, ...]) -> impact.TaskAnnotations:
    item = np.concatenate([b.item for b, _ in parts])
    cited = np.concatenate([b.cited for b, _ in parts])
    rows = np.flatnonzero(cited >= 0)
    return impact.TaskAnnotations.build(
        item,
        np.concatenate([b.annotator for b, _ in parts]),
        np.concatenate([b.value for b, _ in parts]),
        np.concatenate([np.full(len(b.item), t) for b, t in parts]),
        tuple(f"L{i}" for i in range(N_LABELS)),
        cite_row=rows, cite_rule=cited[rows], rule_ids=rules,
    )


def run_scenario(
    histories: int, *, drift: float, cite: bool, settings: impact.Settings, seed: int
) -> tuple[Tally, Tally]:
    """Planted and null tallies over `histories` simulated histories."""
    rng = np.random.default_rng(seed)
    planted_tally, null_tally = Tally(), Tally()
    for h in range(histories):
        planted = tuple(bool((k + h) % 2) for k in range(len(PAIRS)))  # two of four, alternating
        data, specs = simulate_history(rng, planted=planted, drift=drift, cite=cite)
        history_settings = replace(settings, seed=seed * 100_003 + h)
        results = impact.analyse_task(data, specs, [1, 2, 3, 4], 5, history_settings)
        for k, result in enumerate(results):
            if planted[k]:
                planted_tally.add(result, PLANTED)
            else:
                null_tally.add(result, 0.0)
    return planted_tally, null_tally


def _pct(count: int, n: int) -> str:
    return f"{100 * count / n:5.1f} %" if n else "   -  "


def report(rows: list[tuple[str, Tally, Tally]], definition: str) -> list[str]:
    lines = [f"governed items by {definition}",
             f"{'':30} {'naive before/after':>20} {'difference-in-differences':>27}"]
    for name, planted, null in rows:
        lines.append(f"  {name}")
        lines.append(f"    {'detection of +0.15 (power)':28} {_pct(planted.naive_hit, planted.n):>18} {_pct(planted.did_hit, planted.n):>22}")
        lines.append(f"    {'false positives (no effect)':28} {_pct(null.naive_hit, null.n):>18} {_pct(null.did_hit, null.n):>22}")
        lines.append(f"    {'CI covers +0.15':28} {_pct(planted.naive_cover, planted.n):>18} {_pct(planted.did_cover, planted.n):>22}")
        lines.append(f"    {'CI covers 0 (no effect)':28} {_pct(null.naive_cover, null.n):>18} {_pct(null.did_cover, null.n):>22}")
        lines.append(f"    mean DiD standard error {planted.did_se / max(planted.n, 1):.4f}: 90 % power needs "
                     f"~{planted.items_for_power():.0f} governed items per window")
    return lines


def parallel_trend_bias(drift: float) -> float:
    """Expected DiD of a revision with no effect under the drift: how far α on a rule's items and
    α on the control move apart when only the careless-error rate changes (a property of α, not
    of the sample)."""
    k, pair = 0, PAIRS[0]
    before = BASE_NOISE
    confusion = [simulate.confusion_for_alpha(ALPHA_BEFORE, before, N_LABELS, p) for p in PAIRS]
    governed = [simulate.scope_alpha(e, confusion[k], N_LABELS, pair) for e in (before, before - drift)]
    control = [_control_alpha(e, confusion, k) for e in (before, before - drift)]
    return (governed[1] - governed[0]) - (control[1] - control[0])


def _control_alpha(noise: float, confusion: list[float], exclude: int) -> float:
    groups = []
    for k, pair in enumerate(PAIRS):
        if k != exclude:
            prior = np.zeros(N_LABELS)
            prior[list(pair)] = 0.5
            groups.append((GOVERNED, prior, simulate.response_probabilities(noise, N_LABELS, pair, confusion[k])))
    groups.append((CONTROL_EXTRA, np.full(N_LABELS, 1 / N_LABELS), simulate.response_probabilities(noise, N_LABELS)))
    return simulate.expected_alpha(groups)


def drift_size(drift: float) -> float:
    """Expected α gain per period on unscoped items under the drift (what the naive method sees)."""
    prior = np.full(N_LABELS, 1 / N_LABELS)
    before = simulate.expected_alpha([(1.0, prior, simulate.response_probabilities(BASE_NOISE, N_LABELS))])
    after = simulate.expected_alpha([(1.0, prior, simulate.response_probabilities(BASE_NOISE - drift, N_LABELS))])
    return after - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=200, help="histories per scenario (4 revisions each)")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--labels-mode", action="store_true", help="also run without citations")
    args = parser.parse_args()
    settings = impact.Settings(AgreementPolicy(bootstrap=args.bootstrap, min_items=30))
    started = time.perf_counter()
    print(f"{args.histories} histories per scenario x 4 revisions (half planted), {GOVERNED} governed "
          f"items per rule per window, {ANNOTATORS} annotators, {PER_ITEM} per item, "
          f"{args.bootstrap} bootstrap replicates, 95 % percentile CIs")
    print(f"drift: careless-error rate {BASE_NOISE:.2f} -> -{DRIFT_STEP:.2f} per period "
          f"(+{drift_size(DRIFT_STEP):.3f} alpha per period on unscoped items); expected DiD of a "
          f"null revision under it (parallel-trends bias of alpha): {parallel_trend_bias(DRIFT_STEP):+.4f}")
    modes = [("citations", True)] + ([("labels (no citations)", False)] if args.labels_mode else [])
    for definition, cite in modes:
        rows = []
        for name, drift in (("no drift", 0.0), ("with general drift", DRIFT_STEP)):
            planted, null = run_scenario(args.histories, drift=drift, cite=cite, settings=settings, seed=args.seed)
            rows.append((name, planted, null))
        print("\n".join(report(rows, definition)))
    print("targets: power >= 90 %, false positives <= 5 %, coverage >= 93 % (difference-in-differences column)")
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
