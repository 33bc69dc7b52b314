"""Analytic standard errors: every se / ci95 / ase / pa / pe the published vectors print is
reproduced within its printed precision; cross-checks against statsmodels, scipy, a literal
transcription of irrCAC's Conger loop, and the bootstrap on random data."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import bootstrap, coefficients
from guidelines_tool.agreement import variance as av


#: Fields of a vector entry that hold a printed statistic, all checked here.
CHECKED = ("se", "ci95", "ase", "ase_h0", "z", "pa", "pe", "p_value_R")
#: Fields that describe the entry (checked by test_coefficients or not statistics).
DESCRIPTIVE = ("coefficient", "value", "tolerance", "source", "metric", "weights", "values",
               "n_c")
#: (vector, entry index, field) → why it is not reproduced. Every entry listed runs as a strict
#: expected failure, so one that starts to pass (or a new one that fails) is noticed. All
#: printed statistics of the current vectors are reproduced, so it is empty.
NOT_REPRODUCED: dict[tuple[str, int, str], str] = {}


def _exact(path: Path) -> dict:
    """The vector with its numbers as printed (Decimal keeps the printed digits)."""
    return json.loads(path.read_text(), parse_float=Decimal)


def _half_unit(number: Decimal | int) -> float:
    """Half a unit of the last printed digit."""
    exponent = number.as_tuple().exponent if isinstance(number, Decimal) else 0
    return 0.5 * 10.0 ** exponent


def _tolerance(field: str, printed) -> float:
    if field == "ci95":  # R prints round(bound, 3): an upper bound of 1 is printed "1"
        return min(_half_unit(b) for b in printed)
    return _half_unit(printed)


def _family(spec: dict, entry: dict, ratings: ag.Ratings) -> str:
    """Which published computation an entry comes from: SAS's κ statistics, an irrCAC
    `.table` function (two annotators), `.dist` (count tables) or `.raw`."""
    source = entry.get("source", "")
    if "ase" in entry or "SAS" in source:
        return "sas"
    if ".raw" in source or "raw" in entry.get("function", ""):
        return "raw"
    if ".dist" in source:
        return "dist"
    present = ratings.present_annotators.size
    both = present == 2 and np.all(np.bincount(ratings.item, minlength=ratings.n_items) == 2)
    return "table" if ".table" in source or both else "raw"


def _weights(entry: dict, ratings: ag.Ratings):
    if "weights" in entry:
        return entry["weights"].split("(")[0].strip()  # "linear(scores 0,1,2) = ..." → linear
    if entry["coefficient"] == "krippendorff_alpha" and "metric" in entry:
        return av.alpha_weights(ratings, entry["metric"])
    return "identity"


def _statistics(spec: dict, entry: dict, ratings: ag.Ratings, aliases: dict[str, str]
                ) -> dict[str, object]:
    """What our functions give for each printed field of the entry."""
    name = aliases.get(entry["coefficient"], entry["coefficient"])
    name = "gwet_ac1" if name == "gwet_ac2" else name
    family = _family(spec, entry, ratings)
    weights = _weights(entry, ratings)
    if family == "sas":
        k = av.kappa_ase(ratings, weights)
        assert k is not None
        return {"value": k.value, "ase": k.ase, "ase_h0": k.ase_h0, "ci95": k.ci, "z": k.z}
    if family == "table":
        a = av.table_se(name, ratings, weights=weights)
    else:
        a = av.gwet_se(name, ratings, weights=weights, variant=family)
    return {"value": a.value, "se": a.se, "ci95": a.ci, "pa": a.pa, "pe": a.pe,
            "p_value_R": a.p_value}


def test_printed_statistic_is_reproduced(printed_statistic: tuple[Path, int, str],
                                         load_vector: Callable, aliases: dict[str, str]) -> None:
    path, index, field = printed_statistic
    spec, ratings = load_vector(path)
    entry = _exact(path)["expected"][index]
    got = _statistics(spec, spec["expected"][index], ratings, aliases)
    printed = entry[field]
    assert got[field] is not None, f"{field} not computed"
    tol = _tolerance(field, printed)
    expected = [float(b) for b in printed] if field == "ci95" else float(printed)
    np.testing.assert_allclose(got[field], expected, rtol=0, atol=tol * (1 + 1e-9))
    # the coefficient the statistic belongs to is the one the vector prints
    assert got["value"] == pytest.approx(float(entry["value"]), abs=float(entry["tolerance"]))


def test_every_printed_statistic_is_checked(vector_files: list[Path],
                                            printed_statistics: list) -> None:
    # a field nobody checks must fail here, not pass silently: every key of every entry is
    # either descriptive or one of CHECKED (which test_printed_statistic_is_reproduced runs)
    assert vector_files, "no published vectors found"
    unchecked = []
    for path in vector_files:
        for k, entry in enumerate(_exact(path)["expected"]):
            unchecked += [f"{path.stem}[{k}].{key}" for key in entry
                          if key not in CHECKED and key not in DESCRIPTIVE]
    assert not unchecked, f"printed statistics no test checks: {unchecked}"
    # 13 table SEs; 6 raw coefficients with se/ci/pa/pe/p (26) and 5 weighted (12); 2 SAS κ (8)
    assert len(printed_statistics) >= 59
    stale = [key for key in NOT_REPRODUCED
             if not any(p.values[0][0].stem == key[0] and p.values[0][1:] == key[1:]
                        for p in printed_statistics)]
    assert not stale, f"expected failures that no longer exist: {stale}"


# --- the .dist functions: irrCAC README output on distrib.6raters ----------------------------

DIST = json.loads((Path(__file__).parents[1] / "data" / "irrcac_distrib6raters.json").read_text(),
                  parse_float=Decimal)


@pytest.mark.parametrize("entry", DIST["expected"], ids=lambda e: e["function"])
def test_dist_functions_on_count_tables(entry: dict) -> None:
    ratings = ag.Ratings.from_counts(np.array(DIST["counts"]), tuple(DIST["categories"]))
    a = av.gwet_se(entry["coefficient"], ratings, variant="dist")
    for field, got in (("value", a.value), ("se", a.se), ("pa", a.pa), ("pe", a.pe)):
        assert got == pytest.approx(float(entry[field]), abs=_half_unit(entry[field])), field
    np.testing.assert_allclose(a.ci, [float(b) for b in entry["ci95"]], rtol=0, atol=5e-4)
    assert a.df == 14


def test_dist_equals_raw_except_for_alpha() -> None:
    ratings = ag.Ratings.from_counts(np.array(DIST["counts"]), tuple(DIST["categories"]))
    for name in ("percent_agreement", "gwet_ac1", "fleiss_kappa", "brennan_prediger"):
        assert av.gwet_se(name, ratings, variant="dist") == av.gwet_se(name, ratings)
    raw = av.gwet_se("krippendorff_alpha", ratings)
    dist = av.gwet_se("krippendorff_alpha", ratings, variant="dist")
    assert raw.value == pytest.approx(dist.value) and raw.se != pytest.approx(dist.se, abs=1e-6)


# --- cross-checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("df", [1, 2, 5, 11, 30, 99, 10_000])
def test_student_t_matches_scipy(df: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    for p in (0.5, 0.6, 0.9, 0.975, 0.995, 0.9995):
        assert av.t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-10, abs=1e-12)
    for t in (-40.0, -3.1, -0.2, 0.0, 0.7, 2.2, 9.0):
        assert av.t_cdf(t, df) == pytest.approx(stats.t.cdf(t, df), rel=1e-10, abs=1e-15)


def _two_raters(seed: int, n: int = 80, q: int = 4) -> ag.Ratings:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n)
    a = np.where(rng.random(n) < 0.6, truth, rng.integers(0, q, n))
    b = np.where(rng.random(n) < 0.6, truth, rng.integers(0, q, n))
    return ag.encode(np.r_[np.arange(n), np.arange(n)], ["a"] * n + ["b"] * n,
                     np.r_[a, b] + 1, categories=list(range(1, q + 1)))


@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(3))
def test_kappa_ase_matches_statsmodels(weights: str, seed: int) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    r = _two_raters(seed)
    q = r.n_categories
    cells, _ = coefficients._pair_cells(r)
    table = np.bincount(cells, minlength=q * q).reshape(q, q)
    kind = {"identity": None, "linear": "linear", "quadratic": "quadratic"}[weights]
    res = inter_rater.cohens_kappa(table, wt=kind, return_results=True)
    got = av.kappa_ase(r, weights)
    assert got.value == pytest.approx(res.kappa, abs=1e-12)
    assert got.ase == pytest.approx(res.std_kappa, rel=1e-9)
    assert got.ase_h0 == pytest.approx(res.std_kappa0, rel=1e-9)


@pytest.mark.parametrize("weights", ["identity", "quadratic"])
def test_table_kappa_se_is_the_sas_ase(weights: str) -> None:
    # irrCAC's kappa2.table and SAS's ASE are the same Fleiss-Cohen-Everitt variance
    r = _two_raters(7)
    assert av.table_se("cohen_kappa", r, weights=weights).se == pytest.approx(
        av.kappa_ase(r, weights).ase, rel=1e-12)


def _conger_literal(r: ag.Ratings, w: np.ndarray) -> float:
    """conger.kappa.raw's variance loop transcribed literally (n × raters matrices)."""
    n, k, q = r.n_items, r.n_annotators, r.n_categories
    mat = np.full((n, k), -1)
    mat[r.item, r.annotator] = r.value
    eps = (mat >= 0).astype(float)
    agree = np.stack([(mat == c).sum(axis=1) for c in range(q)], axis=1).astype(float)
    classif = np.stack([(mat == c).sum(axis=0) for c in range(q)], axis=1).astype(float)
    ri = agree.sum(axis=1)
    sum_q = (agree * (agree @ w.T - 1)).sum(axis=1)
    n2 = (ri >= 2).sum()
    pa = (sum_q[ri >= 2] / (ri * (ri - 1))[ri >= 2]).sum() / n2
    ng = classif.sum(axis=1)
    p = classif / ng[:, None]
    mean = p.mean(axis=0)
    s2 = (p.T @ p - k * np.outer(mean, mean)) / (k - 1)
    pe = (w * (np.outer(mean, mean) - s2 / k)).sum()
    kappa = (pa - pe) / (1 - pe)
    lam = np.zeros((n, k))
    for c in range(q):
        lam_k = np.zeros((n, k))
        for l in range(q):
            lam_k += w[c, l] * ((mat == l) - (eps - ng[None, :] / n) * p[None, :, l])
        lam_k *= n / ng[None, :]
        lam += lam_k * (k * mean[c] - p[None, :, c])
    pe_i = lam.sum(axis=1) / (k * (k - 1))
    den = ri * (ri - 1)
    den = den - (den == 0)
    pa_i = sum_q / den
    x = n / n2 * (pa_i - pe * (ri >= 2)) / (1 - pe) - 2 * (1 - kappa) * (pe_i - pe) / (1 - pe)
    return math.sqrt(((x - kappa) ** 2).sum() / (n * (n - 1)))


@pytest.mark.parametrize("weights", ["identity", "quadratic"])
@pytest.mark.parametrize("seed", range(3))
def test_conger_matches_the_literal_r_loop(weights: str, seed: int,
                                           random_ratings: Callable) -> None:
    r = random_ratings(seed, n_items=50, n_annotators=5, missing=0.3)
    w = ag.gwet_weights(weights, r.scores())
    got = av.gwet_se("conger_kappa", r, weights=weights)
    assert got.value == pytest.approx(ag.conger_kappa(r, weights).value, abs=1e-12)
    assert got.se == pytest.approx(_conger_literal(r, w), rel=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_values_equal_the_point_estimates(seed: int, random_ratings: Callable) -> None:
    r = random_ratings(seed, missing=0.3)
    for weights in ("identity", "linear", "quadratic"):
        for name, fn in (("percent_agreement", ag.percent_agreement),
                         ("fleiss_kappa", ag.fleiss_kappa), ("gwet_ac1", ag.gwet_ac1),
                         ("brennan_prediger", ag.brennan_prediger)):
            assert av.gwet_se(name, r, weights=weights).value == pytest.approx(
                fn(r, weights).value, abs=1e-12), (name, weights)
    for metric in ag.METRICS:
        got = av.gwet_se("krippendorff_alpha", r, weights=av.alpha_weights(r, metric))
        assert got.value == pytest.approx(ag.krippendorff_alpha(r, metric).value, abs=1e-12)


def test_count_table_and_raw_ratings_give_the_same_se(random_ratings: Callable) -> None:
    r = random_ratings(4, missing=0.2)
    counts = ag.Ratings.from_counts(r.counts, r.categories)
    for name in ("percent_agreement", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha",
                 "brennan_prediger"):
        assert av.gwet_se(name, counts) == av.gwet_se(name, r)


@pytest.mark.parametrize("name", ["fleiss_kappa", "gwet_ac1", "krippendorff_alpha",
                                  "percent_agreement", "brennan_prediger"])
def test_analytic_se_agrees_with_the_bootstrap(name: str, random_ratings: Callable) -> None:
    # a delta-method variance and the bootstrap estimate the same thing: on 1,500 items with
    # missing ratings they agree within a few per cent
    r = random_ratings(11, n_items=1500, n_annotators=4, missing=0.3)
    se = av.analytic_se(name, r).se
    reps = ag.coefficient(name, r, n_boot=0)  # point only
    assert reps.value is not None
    boot = bootstrap._replicates(name, r, metric="nominal", weights="identity", n=3000,
                          rng=np.random.default_rng(0))
    assert se == pytest.approx(float(np.std(boot, ddof=1)), rel=0.08)


def test_undefined_cases_have_reasons() -> None:
    one = ag.encode([1, 1, 2, 2], ["a", "b", "a", "b"], ["x", "x", "x", "x"])
    assert av.gwet_se("fleiss_kappa", one).value is None
    assert av.table_se("cohen_kappa", one).reason == ag.ONE_CATEGORY
    single = ag.encode([1, 2], ["a", "a"], ["x", "y"])
    assert av.gwet_se("gwet_ac1", single).reason == ag.NO_PAIRS
    assert av.analytic_se("krippendorff_alpha", single).reason == ag.NO_PAIRS
    three = ag.encode([1, 1, 1], ["a", "b", "c"], ["x", "y", "y"])
    assert "two annotators" in av.table_se("scott_pi", three).reason
    lone = ag.encode([1, 1], ["a", "b"], ["x", "y"])
    assert av.gwet_se("percent_agreement", lone).se is None  # one item: no variance


@pytest.mark.parametrize("name", ["percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger"])
def test_with_many_single_judgements_the_report_se_is_the_bootstraps(name: str,
                                                                      random_ratings: Callable) -> None:
    # half the judgements missing among two annotators: about half the items are judged once.
    # irrCAC holds the number of pairable items fixed and overstates the SE (by about a third
    # here); the report takes them as a random share of the items (a ratio estimator) and
    # agrees with the bootstrap, which resamples exactly that
    r = random_ratings(11, n_items=1500, n_annotators=2, missing=0.5)
    boot = bootstrap._replicates(name, r, metric="nominal", weights="identity", n=3000,
                                 rng=np.random.default_rng(0))
    spread = float(np.std(boot, ddof=1))
    assert av.analytic_se(name, r).se == pytest.approx(spread, rel=0.04)
    assert av.gwet_se(name, r, weights="identity").se > 1.1 * spread  # irrCAC's, reproduced as printed


def test_with_every_item_pairable_both_ways_agree(random_ratings: Callable) -> None:
    r = random_ratings(5, n_items=200, n_annotators=3, missing=0.0)
    for name in ("percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger"):
        assert av.analytic_se(name, r).se == pytest.approx(av.gwet_se(name, r).se, rel=1e-12)


def test_one_pairable_item_has_no_standard_error() -> None:
    # all agree on the one item judged twice: irrCAC's formula gives se 1 for percent agreement
    r = ag.encode([1, 1, 1, 2], ["a", "b", "c", "a"], ["x", "x", "x", "y"])
    assert av.gwet_se("percent_agreement", r).se == pytest.approx(1.0)  # as irrCAC computes it
    for name in ("percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger"):
        got = av.analytic_se(name, r)
        assert got.value is not None and got.se is None and got.ci is None, name
        assert got.reason == av.ONE_PAIRABLE_ITEM
