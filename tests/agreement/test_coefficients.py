"""Coefficients' point estimates: published worked examples (shared/vectors), peer cross-checks
on random data, undefined values with their reasons, α with MASI distances."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import Ratings, encode


def _weights_of(expected: dict) -> str:
    raw = expected.get("weights", "identity")
    return raw.split("(")[0].strip()  # "linear(scores 0,1,2) = Cicchetti-Allison" → linear


def _compute(name: str, ratings: Ratings, expected: dict):
    weights = _weights_of(expected)
    if name == "krippendorff_alpha":
        if "metric" in expected:
            return ag.krippendorff_alpha(ratings, expected["metric"]).value
        return ag.krippendorff_alpha(ratings, weights=weights).value
    if name == "coincidence_matrix":
        return ag.coincidence_matrix(ratings)
    if name == "bangdiwala_b":
        return ag.bangdiwala_b(ratings).value
    if name == "gwet_ac2":
        name = "gwet_ac1"
    functions = dict(ag.COEFFICIENT_FUNCTIONS, conger_kappa=ag.conger_kappa)
    return functions[name](ratings, weights).value


def test_published_vector(vector_entry: tuple[Path, int], load_vector: Callable,
                          aliases: dict[str, str]) -> None:
    path, index = vector_entry
    spec, ratings = load_vector(path)
    expected = spec["expected"][index]
    name = aliases.get(expected["coefficient"], expected["coefficient"])
    got = _compute(name, ratings, expected)
    assert got is not None
    np.testing.assert_allclose(got, expected["value"], rtol=0, atol=expected["tolerance"])


def test_vectors_are_present_when_the_folder_is(vector_files: list[Path],
                                                vectors_dir: Path | None) -> None:
    # a silently empty parametrisation would pass everything: guard against it
    assert vectors_dir is not None, ("no published vectors found (shared/vectors or "
                                    "tests/data/vectors)")
    assert len(vector_files) >= 10


# --- cross-checks against peer libraries on random data -------------------------------------


@pytest.mark.parametrize("metric", ag.METRICS)
@pytest.mark.parametrize("seed", range(4))
def test_alpha_matches_krippendorff_package(metric: str, seed: int, random_ratings: Callable,
                                            reliability_matrix: Callable) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    r = random_ratings(seed)
    expected = krippendorff.alpha(reliability_data=reliability_matrix(r),
                                  level_of_measurement=metric)
    assert ag.krippendorff_alpha(r, metric).value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_fleiss_matches_statsmodels_on_complete_data(seed: int, random_ratings: Callable) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    r = random_ratings(seed, n_annotators=5, missing=0.0)
    expected = inter_rater.fleiss_kappa(r.counts, method="fleiss")
    assert ag.fleiss_kappa(r).value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(4))
def test_cohen_matches_sklearn(weights: str, seed: int, random_ratings: Callable,
                               reliability_matrix: Callable) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    r = random_ratings(seed, n_annotators=2, missing=0.2)
    m = reliability_matrix(r)
    both = ~np.isnan(m).any(axis=0)
    expected = metrics.cohen_kappa_score(m[0, both], m[1, both], labels=[1, 2, 3, 4, 5],
                                         weights=None if weights == "identity" else weights)
    assert ag.cohen_kappa(r, weights).value == pytest.approx(expected, abs=1e-9)


# --- undefined cases ------------------------------------------------------------------------


def test_one_category_is_undefined_with_a_reason() -> None:
    r = encode([1, 1, 2, 2], ["a", "b", "a", "b"], ["x", "x", "x", "x"])
    result = ag.krippendorff_alpha(r)
    assert result.value is None and "one category" in result.reason
    assert ag.cohen_kappa(r).value is None
    assert ag.percent_agreement(r).value == 1.0


def test_cohen_needs_two_annotators() -> None:
    r = encode([1, 1, 1], ["a", "b", "c"], ["x", "y", "x"])
    result = ag.cohen_kappa(r)
    assert result.value is None and "exactly two annotators" in result.reason
    assert ag.fleiss_kappa(r).value is not None


# --- multi-label: MASI α --------------------------------------------------------------------


def _alpha_by_definition(units: list[list[frozenset]], distance) -> float:
    """Krippendorff's α straight from its definition, pair by pair (slow, obvious)."""
    pairable = [u for u in units if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    d_o = sum(
        sum(distance(a, b) for i, a in enumerate(u) for j, b in enumerate(u) if i != j)
        / (len(u) - 1) for u in pairable) / n
    d_e = sum(distance(a, b) for i, a in enumerate(values) for j, b in enumerate(values)
              if i != j) / (n * (n - 1))
    return 1 - d_o / d_e


def test_masi_alpha_matches_the_definition() -> None:
    rng = np.random.default_rng(5)
    labels = ["a", "b", "c", "d"]
    units = [[frozenset(x for x in labels if rng.random() < 0.4) for _ in range(rng.integers(1, 4))]
             for _ in range(30)]
    items = [i for i, u in enumerate(units) for _ in u]
    coders = [k for u in units for k in range(len(u))]
    sets = [";".join(sorted(s)) for u in units for s in u]
    r = encode(items, coders, sets)
    r = Ratings(r.item, r.annotator, r.value, r.categories, None, r.items, r.annotators,
                ag.masi_matrix([frozenset(c.split(";")) - {""} for c in r.categories]))
    expected = _alpha_by_definition(units, ag.masi_distance)
    assert ag.krippendorff_alpha(r).value == pytest.approx(expected, abs=1e-12)
    reps = ag.alpha_bootstrap(r, "nominal", 20, np.random.default_rng(0))
    assert np.isfinite(reps).sum() >= 15
