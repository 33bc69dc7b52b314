"""The impact core on constructed data whose answer is known: resolution, windows, governed
items, the comparison, the verdict, determinism."""

from __future__ import annotations

from dataclasses import replace
from statistics import NormalDist

import numpy as np
import pytest

from guidelines_tool import impact
from guidelines_tool.impact import analysis, data as impact_data, report, series
from guidelines_tool.impact import (
    BEFORE_FIRST_COMMIT,
    NO_TIMESTAMP,
    UNKNOWN_REVISION,
    Comparison,
    RevisionSpec,
    Settings,
    TaskAnnotations,
    Window,
    WindowStats,
)
from guidelines_tool.model import AgreementPolicy
from guidelines_tool.project import load_project

NAT = np.datetime64("NaT", "us")


def t(stamp: str) -> np.datetime64:
    return np.datetime64(stamp, "us")


# --- resolution ---------------------------------------------------------------------------------


def test_revision_wins_over_time_and_unknown_revision_is_not_replaced_by_time():
    rev_code = np.array([0, 1, -1, -1, 1])
    rev_position = np.array([2, -1])  # value 0 resolves to commit 2, value 1 to nothing
    when = np.array([t("2026-01-01T00:00"), t("2026-01-05T00:00"), t("2026-01-02T12:00"), NAT, NAT])
    commits = np.array([t("2026-01-01T00:00"), t("2026-01-02T00:00"), t("2026-01-03T00:00")])
    positions = impact.resolve_positions(rev_code, rev_position, when, commits)
    assert positions.tolist() == [2, UNKNOWN_REVISION, 1, NO_TIMESTAMP, UNKNOWN_REVISION]


def test_time_maps_to_newest_commit_at_or_before_and_earlier_is_before_first_commit():
    commits = np.array([t("2026-01-01T00:00"), t("2026-01-02T00:00"), t("2026-01-03T00:00")])
    when = np.array([t("2025-12-31T23:59"), t("2026-01-01T00:00"), t("2026-01-02T23:59"), t("2027-01-01T00:00")])
    assert impact.commit_at_positions(when, commits).tolist() == [BEFORE_FIRST_COMMIT, 0, 1, 2]


def test_time_mapping_uses_running_max_of_dates_like_history():
    # commit 1 carries an older date than commit 0 (rebased): it cannot take effect before commit 0
    commits = np.array([t("2026-01-05T00:00"), t("2026-01-03T00:00"), t("2026-01-07T00:00")])
    when = np.array([t("2026-01-04T00:00"), t("2026-01-06T00:00"), t("2026-01-08T00:00")])
    assert impact.commit_at_positions(when, commits).tolist() == [BEFORE_FIRST_COMMIT, 1, 2]


def test_count_unresolved_lists_every_reason():
    positions = np.array([0, UNKNOWN_REVISION, NO_TIMESTAMP, NO_TIMESTAMP, 3])
    assert impact.count_unresolved(positions) == {
        "unknown_revision": 1, "no_timestamp": 2, "before_first_commit": 0}


# --- windows --------------------------------------------------------------------------------------


def test_adjacent_windows_run_between_neighbouring_change_points():
    assert impact.adjacent_windows(5, [2, 5, 9], 12) == (Window(2, 5), Window(5, 9))
    assert impact.adjacent_windows(2, [2, 5, 9], 12) == (Window(0, 2), Window(2, 5))
    assert impact.adjacent_windows(9, [2, 5, 9], 12) == (Window(5, 9), Window(9, 12))


def test_rule_windows_pool_the_rule_versions():
    spec = _spec("R", position=5, previous_position=1, next_position=10)
    assert impact.rule_windows(spec, 12) == (Window(1, 5), Window(5, 10))
    assert impact.rule_windows(replace(spec, previous_position=None, next_position=None), 12) == (
        Window(0, 5), Window(5, 12))


# --- data construction ----------------------------------------------------------------------------


def _spec(rule: str = "R", *, position: int = 1, labels=("a", "b"), citable=(True, True), **kw) -> RevisionSpec:
    return RevisionSpec(rule=rule, task="t", commit=f"{rule}{position}", date="2026-01-01T00:00:00+00:00",
                        author="A", change="changed", level="minor", position=position, labels=labels,
                        citable_before=citable[0], citable_after=citable[1], **kw)


def _items(patterns: list[tuple[str, ...]], first: int, position: int, cite: int | None):
    """Rows for items each rated by len(pattern) annotators."""
    rows = []
    for k, pattern in enumerate(patterns):
        for annotator, label in enumerate(pattern):
            rows.append((first + k, annotator, label, position, cite))
    return rows


def _table(rows, categories=("a", "b", "c", "d"), rule_ids=("R", "S")) -> TaskAnnotations:
    item, annotator, label, position, cite = zip(*rows)
    value = np.array([categories.index(x) for x in label])
    cited = np.array([-1 if c is None else c for c in cite])
    cite_row = np.flatnonzero(cited >= 0)
    return TaskAnnotations.build(np.array(item), np.array(annotator), value, np.array(position),
                                 categories, cite_row=cite_row, cite_rule=cited[cite_row], rule_ids=rule_ids)


NOISY = [("a", "a", "b"), ("a", "b", "b"), ("a", "b", "a"), ("b", "a", "b")] * 10  # α well below 0
CLEAN_AB = [("a", "a", "a"), ("b", "b", "b")] * 20  # α = 1
CLEAN_CD = [("c", "c", "c"), ("d", "d", "d")] * 20


def _improving_history(noise_after=CLEAN_AB) -> TaskAnnotations:
    """Rule R (cited, labels a/b) goes from noisy to clean at commit 1; S's items stay clean."""
    rows = (_items(NOISY, 0, 0, 0) + _items(CLEAN_CD, 100, 0, 1)
            + _items(noise_after, 200, 1, 0) + _items(CLEAN_CD, 300, 1, 1))
    return _table(rows)


SETTINGS = Settings(AgreementPolicy(bootstrap=400, min_items=30), seed=3)


# --- governed items -------------------------------------------------------------------------------


def test_governed_items_by_citation_and_by_labels():
    data = _improving_history()
    before = data.rows(Window(0, 1))
    cited = impact.governed_items(data, before, _spec("R"), "citations")
    assert sorted(cited.tolist()) == list(range(40))
    by_labels = impact.governed_items(data, before, _spec("R", labels=("c",)), "labels")
    assert sorted(by_labels.tolist()) == list(range(100, 140, 2))  # the items rated c
    assert impact.governed_items(data, before, _spec("X"), "citations").size == 0


def test_definition_falls_back_to_labels_on_both_sides_when_rule_could_not_be_cited():
    data = _improving_history()
    assert impact.governed_definition(data, _spec()) == "citations"
    assert impact.governed_definition(data, _spec(citable=(False, True))) == "labels"
    assert impact.governed_definition(data, _spec(citable=(True, False))) == "labels"
    no_citations = replace(data, cite_row=np.empty(0, dtype=np.int64), cite_rule=np.empty(0, dtype=np.int64))
    assert impact.governed_definition(no_citations, _spec()) == "labels"


def test_rows_are_sorted_by_position_and_citations_follow_them():
    rows = _items(CLEAN_AB[:2], 0, 1, 0) + _items(NOISY[:2], 10, 0, None)
    data = _table(rows)
    assert data.position.tolist() == sorted(data.position.tolist())
    assert all(data.item[r] in (0, 1) for r in data.cite_row)


def test_unresolved_rows_are_not_in_any_window():
    rows = _items(CLEAN_AB[:2], 0, 0, 0) + _items(CLEAN_AB[:2], 10, UNKNOWN_REVISION, 0)
    assert len(_table(rows).item) == 6


# --- comparison and verdict -----------------------------------------------------------------------


def test_clarified_rule_is_improved_and_control_does_not_move():
    result = impact.analyse_task(_improving_history(), [_spec("R")], [1], 2, SETTINGS)[0]
    c = result.comparison
    assert result.governed_by == "citations"
    assert (c.before.n_items, c.after.n_items) == (40, 40)
    assert c.after.alpha == pytest.approx(1.0)
    assert c.before.alpha < 0.0
    assert c.control_delta == pytest.approx(0.0)
    assert c.did == pytest.approx(c.delta)
    assert c.delta_ci[0] > 0 and c.did_ci[0] > 0
    assert result.verdict == "improved"


def test_worse_rule_is_regressed():
    rows = (_items(CLEAN_AB, 0, 0, 0) + _items(CLEAN_CD, 100, 0, 1)
            + _items(NOISY, 200, 1, 0) + _items(CLEAN_CD, 300, 1, 1))
    result = impact.analyse_task(_table(rows), [_spec("R")], [1], 2, SETTINGS)[0]
    assert result.verdict == "regressed"
    assert result.comparison.did_ci[1] < 0


def test_same_disagreement_both_sides_is_no_clear_change():
    result = impact.analyse_task(_improving_history(noise_after=NOISY), [_spec("R")], [1], 2, SETTINGS)[0]
    assert result.comparison.delta == pytest.approx(0.0)
    assert result.verdict == "no_clear_change"


def test_too_few_governed_items_is_insufficient_data_without_bootstrap():
    settings = replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=41))
    result = impact.analyse_task(_improving_history(), [_spec("R")], [1], 2, settings)[0]
    assert result.verdict == "insufficient_data"
    assert result.comparison.delta is not None and result.comparison.delta_ci is None


def test_general_drift_is_removed_by_the_control():
    # both R's and S's items improve by the same amount: the naive delta is positive, DiD is not
    noisy_cd = [tuple({"a": "c", "b": "d"}[x] for x in p) for p in NOISY]
    rows = (_items(NOISY, 0, 0, 0) + _items(noisy_cd, 100, 0, 1)
            + _items(CLEAN_AB, 200, 1, 0) + _items(CLEAN_CD, 300, 1, 1))
    result = impact.analyse_task(_table(rows), [_spec("R")], [1], 2, SETTINGS)[0]
    assert result.comparison.delta_ci[0] > 0
    assert result.comparison.did == pytest.approx(0.0)
    assert result.verdict == "no_clear_change"


def test_verdict_uses_delta_when_the_control_is_too_small():
    # S's items are the control: 20 of them is below min_items 30, so the plain delta decides
    rows = (_items(NOISY, 0, 0, 0) + _items(CLEAN_CD[:20], 100, 0, 1)
            + _items(CLEAN_AB, 200, 1, 0) + _items(CLEAN_CD[:20], 300, 1, 1))
    c = impact.analyse_task(_table(rows), [_spec("R")], [1], 2, SETTINGS)[0].comparison
    assert not c.controlled and c.estimate == c.delta and c.ci == c.delta_ci
    assert c.did is not None and c.did_ci is None  # shown, but no interval: nothing rests on it


def test_min_items_is_the_fewest_items_a_side_may_have():
    # issue 17: a window of exactly min_items items is enough; one fewer is not
    data = _improving_history()  # 40 governed items and 40 control items on each side
    at = impact.analyse_task(data, [_spec("R")], [1], 2, replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=40)))[0]
    above = impact.analyse_task(data, [_spec("R")], [1], 2, replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=41)))[0]
    assert at.verdict == "improved" and at.comparison.controlled
    assert above.verdict == "insufficient_data"
    assert above.to_dict()["min_items"] == 41


def test_the_control_counts_from_min_items_too():
    rows = (_items(NOISY, 0, 0, 0) + _items(CLEAN_CD[:30], 100, 0, 1)
            + _items(CLEAN_AB, 200, 1, 0) + _items(CLEAN_CD[:30], 300, 1, 1))
    settings = replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=30))
    assert impact.analyse_task(_table(rows), [_spec("R")], [1], 2, settings)[0].comparison.controlled
    settings = replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=31))
    c = impact.analyse_task(_table(rows + _items(NOISY[:31], 400, 0, 0) + _items(CLEAN_AB[:31], 500, 1, 0)),
                            [_spec("R")], [1], 2, settings)[0].comparison
    assert not c.controlled


# --- the bias-corrected interval ------------------------------------------------------------------

NORMAL = NormalDist()


def test_bc_is_the_percentile_interval_when_replicates_are_centred_on_the_estimate():
    replicates = np.linspace(-1.0, 1.0, 1001)  # the estimate 0.0 is their median: z0 = 0
    assert series._interval(replicates, 0.95, 0.0) == series._interval(replicates, 0.95)


def test_bc_moves_the_levels_by_twice_the_median_bias():
    # 30 % of the replicates below the estimate: z0 = Φ⁻¹(0.3), levels Φ(2 z0 ± 1.96)
    replicates = np.linspace(0.0, 1.0, 100_001)
    z0 = NORMAL.inv_cdf(0.3)
    lo, hi = series._interval(replicates, 0.95, 0.3)
    assert lo == pytest.approx(NORMAL.cdf(2 * z0 - 1.959964), abs=1e-4)
    assert hi == pytest.approx(NORMAL.cdf(2 * z0 + 1.959964), abs=1e-4)


def test_bc_counts_ties_with_the_estimate_as_half_below_and_stays_finite_at_the_edge():
    # α of a tiny window takes few values: half the replicates tie with the estimate, the rest
    # lie above it: z0 = Φ⁻¹(0.25)
    replicates = np.array([0.5] * 500 + [0.6] * 500)
    z0 = NORMAL.inv_cdf(0.25)
    expected = np.percentile(replicates, [100 * NORMAL.cdf(2 * z0 + z) for z in (-1.959964, 1.959964)])
    assert series._interval(replicates, 0.95, 0.5) == pytest.approx(tuple(expected))
    # every replicate above the estimate: z0 from half a replicate, not -inf
    assert series._interval(replicates, 0.95, 0.1) == (0.5, 0.5)


def test_same_seed_same_numbers_and_filtering_does_not_change_them():
    data = _improving_history()
    specs = [_spec("R"), _spec("S", labels=("c", "d"))]
    both = impact.analyse_task(data, specs, [1], 2, SETTINGS)
    again = impact.analyse_task(data, specs, [1], 2, SETTINGS)
    alone = impact.analyse_task(data, specs[:1], [1], 2, SETTINGS)
    assert [r.to_dict() for r in both] == [r.to_dict() for r in again]
    assert both[0].to_dict() == alone[0].to_dict()
    # the seed only splits the items for the annotators' spread: never the estimates
    mixed = _improving_history(noise_after=NOISY[:20] + CLEAN_AB[:20])
    seed_3, seed_4 = (impact.analyse_task(mixed, specs[:1], [1], 2, replace(SETTINGS, seed=s))[0]
                      for s in (3, 4))
    assert seed_3.comparison.estimate == seed_4.comparison.estimate


def test_to_dict_has_the_issue_shape():
    result = impact.analyse_task(_improving_history(), [_spec("R", confounded_with=("S",))], [1], 2, SETTINGS)[0]
    d = impact.finalise([result], SETTINGS)[0].to_dict()
    assert list(d) == ["rule", "task", "commit", "date", "change", "level", "governed_by", "scope", "before",
                       "after", "delta", "delta_ci", "control_delta", "control", "did", "did_ci", "estimate",
                       "se", "p_value", "q_value", "verdict", "warnings", "withheld_by", "annotators",
                       "confounded_with", "min_items", "adjusted_ci"]
    assert set(d["before"]) == {"n_items", "n_annotations", "alpha"}
    assert d["confounded_with"] == ["S"] and "several_rules_changed" in d["warnings"]
    assert d["annotators"] == {"before": 3, "after": 3, "shared": 3}
    assert d["scope"] == d["governed_by"] == "citations"
    assert isinstance(d["delta_ci"], list) and len(d["delta_ci"]) == 2
    assert d["adjusted_ci"]["method"] == "fcr" and d["adjusted_ci"]["level"] == pytest.approx(0.95)


def test_items_rated_once_in_a_window_do_not_count_towards_min_items():
    # 40 noisy items before, but 30 of the 40 clean items after have a single rating in the
    # window (the other ratings came under another commit): they carry no pairable values
    # (Krippendorff), so the after side has 10 items and the verdict cannot be "improved"
    singles = [(p[0],) for p in CLEAN_AB[:30]]
    rows = (_items(NOISY, 0, 0, 0) + _items(CLEAN_CD, 100, 0, 1)
            + _items(CLEAN_AB[:10], 200, 1, 0) + _items(singles, 210, 1, 0)
            + _items(CLEAN_CD, 300, 1, 1))
    result = impact.analyse_task(_table(rows), [_spec("R")], [1], 2, SETTINGS)[0]
    assert (result.comparison.before.n_items, result.comparison.after.n_items) == (40, 10)
    assert result.verdict == "insufficient_data"


def test_settings_come_from_the_tasks_policy_and_scale(guideline_project, tmp_path):
    project = load_project(guideline_project(tmp_path, {
        "guidelines.yaml": "kind: project\nname: T\nagreement: {confidence: 0.9, bootstrap: 700, min_items: 12}\n",
        "guidelines/stars/task.yaml": "kind: task\nid: stars\ntitle: Stars\nscale: ordinal\n"
                                      "labels:\n  - {id: low, name: Low, value: 1}\n  - {id: high, name: High, value: 2}\n"
                                      "agreement: {min_items: 50, bootstrap: 900}\n",
    }))
    stars = Settings.for_task(project, "stars", seed=4, window="rule")
    assert (stars.metric, stars.min_items, stars.bootstrap, stars.seed, stars.window) == ("ordinal", 50, 900, 4, "rule")
    assert stars.policy == project.policy_for("stars")
    pps = Settings.for_task(project, "pps", bootstrap=300)  # the CLI's --bootstrap wins over the policy
    assert (pps.metric, pps.min_items, pps.bootstrap, pps.confidence) == ("nominal", 12, 300, 0.9)


# --- warnings, the longer baseline, the choice of the worst rule ---------------------------------

from guidelines_tool import simulate  # noqa: E402

PAIRS = ((0, 1), (2, 3), (0, 2), (4, 5))
RULES = ("R1", "R2", "R3", "R4")


def _simulated(*, periods=2, governed=120, cite_rate=1.0, citation="random", confusion=None, seed=0,
               scope=False, overlap=False, sizes=None):
    """A task of four rules (R1 revised at the last commit), `periods` guideline states, 3 of 6
    annotators per item. `confusion(t, rule)` sets a rule's confusion in period t."""
    rng = np.random.default_rng(seed)
    scopes = tuple(simulate.Scope(r, p, 1.0) for r, p in zip(RULES, PAIRS))
    base = simulate.confusion_for_alpha(0.5, 0.06, 6, (0, 1))
    batches = []
    for t in range(periods):
        size = sizes[t] if sizes else governed  # each rule's items in period t
        c = {r: (confusion(t, r) if confusion else base) for r in RULES}
        batches.append(simulate.simulate_period(simulate.Period(size * 5, 0.06, c, first_item=t * 10_000), scopes,
                                                n_labels=6, annotators=6, per_item=3, rng=rng, cite_rate=cite_rate,
                                                governed_items=size * 4, citation=citation))
    item = np.concatenate([b.item for b in batches])
    cited = np.concatenate([b.cited for b in batches])
    rows = np.flatnonzero(cited >= 0)
    rules = cited[rows]
    if overlap:  # R2's items cite R1 as well
        extra = rows[rules == 1]
        order = np.argsort(np.concatenate([rows, extra]), kind="stable")
        rows, rules = np.concatenate([rows, extra])[order], np.concatenate([rules, np.zeros(len(extra), int)])[order]
    kwargs = {}
    if scope:
        first = np.unique(item, return_index=True)[1]
        where = np.concatenate([b.scope for b in batches])[first]
        kwargs = {"scope_item": item[first][where >= 0], "scope_rule": where[where >= 0]}
    return TaskAnnotations.build(item, np.concatenate([b.annotator for b in batches]),
                                 np.concatenate([b.value for b in batches]),
                                 np.concatenate([np.full(len(b.item), t) for t, b in enumerate(batches)]),
                                 tuple(f"L{i}" for i in range(6)), cite_row=rows, cite_rule=rules,
                                 rule_ids=RULES, **kwargs)


def _sim_spec(rule="R1", position=1, **kw):
    pair = PAIRS[RULES.index(rule)]
    return _spec(rule, position=position, labels=(f"L{pair[0]}", f"L{pair[1]}"), **kw)


def _one(data, spec, periods=2, settings=SETTINGS):
    return impact.finalise(impact.analyse_task(data, [spec], list(range(1, periods)), periods, settings), settings)[0]


def test_label_dependent_citations_withhold_the_verdict_and_a_scope_restores_it():
    data = _simulated(citation="decision")
    r = _one(data, _sim_spec())
    assert "label_dependent_citations" in r.warnings and r.verdict == "inconclusive"
    assert r.withheld == ("label_dependent_citations",)
    scoped = _one(_simulated(citation="decision", scope=True), _sim_spec())
    assert scoped.governed_by == "scope" and "label_dependent_citations" not in scoped.warnings
    assert scoped.verdict == "no_clear_change"


def test_low_citation_rate_takes_the_items_citing_other_rules_as_the_control():
    r = _one(_simulated(cite_rate=0.3), _sim_spec())
    assert "low_citation_rate" in r.warnings and r.control_by == "items citing other rules"
    assert r.verdict in ("no_clear_change", "improved", "regressed")  # a warning, not a reason to withhold
    full = _one(_simulated(), _sim_spec())
    assert "low_citation_rate" not in full.warnings and full.control_by == "other items"


def test_labels_fallback_withholds():
    data = _simulated(cite_rate=0.0)
    r = _one(data, _sim_spec())
    assert r.governed_by == "scope" or r.governed_by == "labels"
    assert "labels_fallback" in r.warnings and r.verdict == "inconclusive"


def test_several_rules_changed_leaves_their_items_out_of_the_control_and_withholds_when_they_overlap():
    data = _simulated()
    alone = _one(data, _sim_spec())
    together = _one(data, _sim_spec(confounded_with=("R2",)))
    assert "several_rules_changed" in together.warnings and together.verdict != "inconclusive"
    assert together.comparison.control_before.n_items < alone.comparison.control_before.n_items
    shared = _one(_simulated(overlap=True), _sim_spec(confounded_with=("R2",)))
    assert shared.verdict == "inconclusive" and "several_rules_changed" in shared.withheld


def test_without_earlier_states_the_worst_rules_inference_is_conditional_on_that_choice():
    # R1 is by far the worst just before and improves a lot: the conditional test still calls it;
    # the estimate stays the adjacent one, its interval and p are the conditional ones
    worst = simulate.confusion_for_alpha(0.3, 0.06, 6, (0, 1))
    good = simulate.confusion_for_alpha(0.6, 0.06, 6, (0, 1))
    data = _simulated(confusion=lambda t, r: worst if (r == "R1" and t == 0) else good)
    r = _one(data, _sim_spec())
    c = r.comparison
    assert c.selection is not None and c.selection.method == "conditional" and c.selection.candidates == 4
    assert "regression_to_mean" in r.warnings and r.verdict == "improved"
    assert r.to_dict()["selection"]["adjusted_by"] == "conditional"
    assert c.p_value >= c.selection.unadjusted.p_value  # conditioning costs evidence, never adds it


def test_with_earlier_states_the_estimate_is_against_them():
    data = _simulated(periods=3)
    r = _one(data, _sim_spec(position=2), periods=3)
    c = r.comparison
    assert c.from_baseline and c.baseline is not None and r.to_dict()["estimate"] == "baseline"
    assert c.baseline.window == Window(0, 1) and c.estimate == c.baseline.did.value
    assert set(r.to_dict()["baseline"]) >= {"window", "did", "did_ci", "dip", "dip_ci"}
    # a rising trend before the commit: the window just before sits far above the earlier state
    low = simulate.confusion_for_alpha(0.3, 0.06, 6, (0, 1))
    base = simulate.confusion_for_alpha(0.5, 0.06, 6, (0, 1))
    trend = _simulated(periods=3, confusion=lambda t, rule: low if (rule == "R1" and t == 0) else base)
    rising = _one(trend, _sim_spec(position=2), periods=3)
    assert "pre_trend" in rising.warnings and rising.verdict == "inconclusive"


def _alpha_confusion(alpha: float) -> float:
    return simulate.confusion_for_alpha(alpha, 0.06, 6, (0, 1))


def test_a_rule_worst_only_by_chance_without_earlier_states_is_withheld():
    # R1 a little below the others just before (chance could put it there), then unchanged: the
    # conditional p is valid, but the estimate carries the dip and nothing here separates the two
    data = _simulated(confusion=lambda t, r: _alpha_confusion(0.47 if (r == "R1" and t == 0) else 0.5), seed=4)
    r = _one(data, _sim_spec())
    c = r.comparison
    assert c.selection is not None and c.selection.method == "conditional"
    assert c.selection.margin is not None and 0 < c.selection.margin < impact.CHANCE_MARGIN
    assert r.verdict == "inconclusive" and r.withheld == ("regression_to_mean",)
    assert r.to_dict()["selection"]["margin_z"] == pytest.approx(c.selection.margin, abs=1e-3)


def test_a_decisive_conditional_test_keeps_the_verdict_of_a_rule_worst_only_by_chance():
    data = _simulated(confusion=lambda t, r: _alpha_confusion((0.45 if t == 0 else 0.8) if r == "R1" else 0.5), seed=4)
    r = _one(data, _sim_spec())
    c = r.comparison
    assert c.selection.margin < impact.CHANCE_MARGIN and c.p_value <= impact.DECISIVE_P
    assert "regression_to_mean" in r.warnings and not r.withheld and r.verdict == "improved"


def test_a_rule_clearly_the_worst_keeps_its_conditional_verdict():
    worst, good = _alpha_confusion(0.3), _alpha_confusion(0.6)
    r = _one(_simulated(confusion=lambda t, rule: worst if (rule == "R1" and t == 0) else good), _sim_spec())
    assert r.comparison.selection.margin > impact.CHANCE_MARGIN
    assert "regression_to_mean" in r.warnings and "regression_to_mean" not in r.withheld and r.verdict == "improved"


def test_a_drift_over_the_earlier_states_withholds_the_call_and_shows_the_drift_carried_forward():
    # R1's agreement rises 0.06 a state before the commit and goes on rising after it: no effect
    rising = _simulated(periods=7, governed=200, confusion=lambda t, r: _alpha_confusion(0.35 + 0.06 * t) if r == "R1"
                        else _alpha_confusion(0.5))
    r = _one(rising, _sim_spec(position=6), periods=7)
    c = r.comparison
    assert c.trend is not None and c.trend.states == 6
    assert c.trend.slope.value == pytest.approx(0.06, abs=0.03) and c.trend.slope.p_value < 0.05
    assert r.verdict == "inconclusive" and "pre_trend" in r.withheld and c.from_trend
    out = r.to_dict()
    assert out["estimate"] == "trend" and out["trend"]["states"] == 6
    assert out["did"] == pytest.approx(c.trend.adjusted.value, abs=1e-6)
    assert out["did_ci"][0] < 0 < out["did_ci"][1]  # against the drift carried forward: nothing left
    # the estimate against the two most recent earlier states read the drift as a rise
    assert c.baseline.window == Window(3, 5) and c.baseline.did.value > 0.08


def test_a_step_after_a_flat_history_is_called_with_the_trend_checked():
    step = _simulated(periods=7, governed=200, confusion=lambda t, r: _alpha_confusion(0.8 if (r == "R1" and t == 6)
                                                                                       else 0.5))
    r = _one(step, _sim_spec(position=6), periods=7)
    c = r.comparison
    assert r.verdict == "improved" and not c.from_trend and r.to_dict()["estimate"] == "baseline"
    assert c.trend is not None and c.trend.slope.p_value > 0.05
    assert abs(r.to_dict()["trend"]["per_state"]) < 0.03


def test_the_estimate_is_against_the_two_most_recent_earlier_states_or_all_when_those_are_too_few():
    flat = _simulated(periods=7, governed=60)
    assert _one(flat, _sim_spec(position=6), periods=7).comparison.baseline.window == Window(3, 5)
    thin = _simulated(periods=7, governed=60, sizes=[60, 60, 60, 8, 8, 60, 60])
    assert _one(thin, _sim_spec(position=6), periods=7).comparison.baseline.window == Window(0, 5)


def test_two_earlier_states_are_too_few_for_the_trend_check():
    rising = _simulated(periods=4, governed=200, confusion=lambda t, r: _alpha_confusion(0.35 + 0.1 * t) if r == "R1"
                        else _alpha_confusion(0.5))
    r = _one(rising, _sim_spec(position=3), periods=4)
    assert r.comparison.trend is None and "trend" not in r.to_dict()


def _verdicts(p_values, estimates=None):
    data = _improving_history()
    base = impact.analyse_task(data, [_spec("R")], [1], 2, SETTINGS)[0]
    out = []
    for k, p in enumerate(p_values):
        est = (estimates or [0.1] * len(p_values))[k]
        c = replace(base.comparison, p_value=p, did=est, delta=est)
        out.append(replace(base, comparison=c, spec=replace(base.spec, commit=f"c{k}", position=k),
                           verdict="no_clear_change" if p is not None else "insufficient_data"))
    return out


def test_finalise_holds_the_verdicts_to_the_false_discovery_rate():
    from statsmodels.stats.multitest import multipletests

    p = [0.001, 0.01, 0.02, 0.04, 0.3, None]
    results = impact.finalise(_verdicts(p, [0.2, -0.1, 0.1, 0.1, 0.1, 0.1]), 0.05)
    q = multipletests(p[:5], method="fdr_bh")[1]
    assert [r.q_value for r in results[:5]] == pytest.approx(list(q)) and results[5].q_value is None
    assert [r.verdict for r in results] == ["improved", "regressed", "improved", "improved", "no_clear_change",
                                            "insufficient_data"]
    assert all(r.tests == 5 for r in results)
    flagged = [r for r in results if r.adjusted_ci is not None]
    assert len(flagged) == 4 and flagged[0].adjusted_level == pytest.approx(1 - 4 * 0.05 / 5)
    strict = impact.finalise(_verdicts(p), 0.01)
    assert [r.verdict for r in strict][:2] == ["improved", "no_clear_change"]  # q 0.005, 0.025


def test_the_gate_is_holm_over_the_revisions_since():
    p = [0.001, 0.011, 0.02, 0.3]
    results = impact.finalise(_verdicts(p, [-0.2, -0.1, -0.1, -0.1]), 0.05)
    # Holm over all four: 0.004, 0.033, 0.04, 0.3 -> the first three fail
    assert [r.spec.commit for r in impact.gate_failures(results, 0)] == ["c0", "c1", "c2"]
    # since position 1: Holm over three: 0.033, 0.04, 0.3
    assert [r.spec.commit for r in impact.gate_failures(results, 1)] == ["c1", "c2"]
    improved = impact.finalise(_verdicts(p, [0.2, 0.1, 0.1, 0.1]), 0.05)
    assert impact.gate_failures(improved, 0) == []  # only falls fail a gate


def test_placebo_splits_inside_a_state():
    from guidelines_tool.impact.placebo import splits

    data = _improving_history()  # two states, no commit inside either: items split in halves
    found = splits(data, [1], 2)
    assert [start for start, _, _ in found] == [0, 1]
    for _, before, after in found:
        assert not set(data.item[before]) & set(data.item[after])
        assert abs(len(np.unique(data.item[before])) - len(np.unique(data.item[after]))) <= 1
    # a commit that touched another task at position 1 inside the state [0, 2): the split is there
    inner = splits(data, [], 2)
    assert len(inner) == 1 and set(data.position[inner[0][1]]) == {0} and set(data.position[inner[0][2]]) == {1}


def test_the_longer_history_needs_min_items_too():
    # R1 has 40 items in the earlier state and 60 in the windows around the commit
    data = _simulated(periods=3, sizes=[40, 60, 60])
    at = replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=40))
    above = replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=41))
    assert _one(data, _sim_spec(position=2), periods=3, settings=at).comparison.from_baseline
    assert not _one(data, _sim_spec(position=2), periods=3, settings=above).comparison.from_baseline


def test_the_worst_rule_check_counts_rules_with_min_items():
    # R1 is the worst just before; the other rules have 40 items there: candidates at min_items 40,
    # not at 41 (then nothing is conditioned on)
    worst = simulate.confusion_for_alpha(0.3, 0.06, 6, (0, 1))
    good = simulate.confusion_for_alpha(0.6, 0.06, 6, (0, 1))
    data = _simulated(sizes=[40, 40], confusion=lambda t, r: worst if (r == "R1" and t == 0) else good)
    at = replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=40))
    above = replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=41))
    assert _one(data, _sim_spec(), settings=at).comparison.selection is not None
    assert _one(data, _sim_spec(), settings=above).verdict == "insufficient_data"


def _at(min_items):
    return replace(SETTINGS, policy=replace(SETTINGS.policy, min_items=min_items))


def test_the_longer_history_needs_min_control_items_too():
    # three rules changed with R1: the control is the 40 unscoped items of the earlier state
    data = _simulated(periods=3, sizes=[40, 60, 60])
    spec = _sim_spec(position=2, confounded_with=("R2", "R3", "R4"))
    assert _one(data, spec, periods=3, settings=_at(40)).comparison.from_baseline
    assert not _one(data, spec, periods=3, settings=_at(41)).comparison.from_baseline


def test_a_state_needs_min_items_for_its_interval():
    data = _improving_history()  # 80 items in each state
    assert all(ci is not None for _, _, ci in impact.state_series(data, [1], 2, _at(80)))
    assert all(ci is None for _, _, ci in impact.state_series(data, [1], 2, _at(81)))


def test_too_little_data_points_to_the_rule_window_from_exactly_min_items():
    # annotations under states 0 and 2 only (batches tagged by release); R revised at 1
    rows = (_items(NOISY, 0, 0, 0) + _items(CLEAN_CD, 100, 0, 1)
            + _items(CLEAN_AB, 200, 2, 0) + _items(CLEAN_CD, 300, 2, 1))
    data = _table(rows)
    for min_items, hinted in ((40, True), (41, False)):
        settings = _at(min_items)
        r = impact.analyse_task(data, [_spec("R")], [1, 2], 3, settings)[0]
        assert r.verdict == "insufficient_data"
        assert ("--window rule" in report._with_reason(r, data, settings, 3).reason) == hinted


def test_low_citation_rate_switches_the_control_from_exactly_min_items():
    data = _simulated(cite_rate=0.3)
    spec = _sim_spec(confounded_with=("R2", "R3"))  # the citing-others control: R4's cited items
    citing = [analysis._pairable(data, analysis._member(data, analysis._rows(data, w),
                                                     analysis._citing_others(data, analysis._rows(data, w), {"R1", "R2", "R3"})))
              for w in (Window(0, 1), Window(1, 2))]
    boundary = min(citing)
    governed = _one(data, spec, settings=_at(1))
    assert min(governed.comparison.before.n_items, governed.comparison.after.n_items) >= boundary  # R1 is not the limit
    assert _one(data, spec, settings=_at(boundary)).control_by == "items citing other rules"
    assert _one(data, spec, settings=_at(boundary + 1)).control_by == "other items"


def test_a_placebo_position_needs_min_items_on_both_sides():
    from guidelines_tool.impact.placebo import placebo_revisions, splits

    data = _simulated()
    counts = [min(len(impact_data._governed(data, part, "R1", (), "citations")) for part in (before, after))
              for _, before, after in splits(data, [1], 2)]
    boundary = min(counts)
    specs = [_sim_spec()]
    runs_at = placebo_revisions(data, [1], 2, _at(boundary), 10, all_specs=specs)
    runs_above = placebo_revisions(data, [1], 2, _at(boundary + 1), 10, all_specs=specs)
    assert sum(r.spec.rule == "R1" for r in runs_at) > sum(r.spec.rule == "R1" for r in runs_above)
