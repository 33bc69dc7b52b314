"""Agreement coefficients: published worked examples (shared/vectors), peer cross-checks on
random data, and the bootstrap's exactness."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import Ratings, encode
from guidelines_tool.agreement import bootstrap, coefficients, ratings


def _vectors_dir() -> Path | None:
    # The published vectors live in shared/ beside the clone (walk up to find them, so new ones
    # are picked up); tests/data/vectors is a copy, so a clone on its own still runs them all.
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "vectors"
        if candidate.is_dir():
            return candidate
    bundled = Path(__file__).resolve().parent / "data" / "vectors"
    return bundled if bundled.is_dir() else None


VECTORS = _vectors_dir()
VECTOR_FILES = sorted(VECTORS.glob("*.json")) if VECTORS else []

# names the vectors use for coefficients this module calls otherwise
ALIASES = {"bennett_S": "brennan_prediger"}


def _load_vector(path: Path) -> tuple[dict, Ratings]:
    spec = json.loads(path.read_text())
    with open(path.parent / spec["data_file"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    cast = int if spec.get("value_type") == "int" else str
    values = [cast(r["value"]) for r in rows]
    domain = spec.get("ordered_domain") or spec.get("categories")
    categories = [cast(v) for v in domain] if domain else None
    ratings = encode([r["unit"] for r in rows], [r["coder"] for r in rows], values,
                     categories=categories)
    return spec, ratings


def _vector_cases():
    for path in VECTOR_FILES:
        spec = json.loads(path.read_text())
        for k, exp in enumerate(spec["expected"]):
            detail = exp.get("metric") or exp.get("weights") or ""
            yield pytest.param(path, k, id=f"{path.stem}-{exp['coefficient']}-{detail}-{k}")


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


@pytest.mark.skipif(VECTORS is None, reason="no published vectors found")
@pytest.mark.parametrize(("path", "index"), list(_vector_cases()))
def test_published_vector(path: Path, index: int) -> None:
    spec, ratings = _load_vector(path)
    expected = spec["expected"][index]
    name = ALIASES.get(expected["coefficient"], expected["coefficient"])
    got = _compute(name, ratings, expected)
    assert got is not None
    np.testing.assert_allclose(got, expected["value"], rtol=0, atol=expected["tolerance"])


def test_vectors_are_present_when_the_folder_is() -> None:
    # a silently empty parametrisation would pass everything: guard against it
    assert VECTORS is not None, "no published vectors found (shared/vectors or tests/data/vectors)"
    assert len(VECTOR_FILES) >= 10


# --- cross-checks against peer libraries on random data -------------------------------------


def _random_ratings(seed: int, *, n_items=60, n_annotators=4, q=5, missing=0.25) -> Ratings:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n_items)
    items, annotators, values = [], [], []
    for i in range(n_items):
        for a in range(n_annotators):
            if rng.random() < missing:
                continue
            v = truth[i] if rng.random() < 0.6 else rng.integers(0, q)
            items.append(i)
            annotators.append(a)
            values.append(int(v) + 1)
    return encode(items, annotators, values, categories=list(range(1, q + 1)))


def _reliability_matrix(r: Ratings) -> np.ndarray:
    m = np.full((r.n_annotators, r.n_items), np.nan)
    m[r.annotator, r.item] = r.scores()[r.value]
    return m


@pytest.mark.parametrize("metric", ag.METRICS)
@pytest.mark.parametrize("seed", range(4))
def test_alpha_matches_krippendorff_package(metric: str, seed: int) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    r = _random_ratings(seed)
    expected = krippendorff.alpha(reliability_data=_reliability_matrix(r),
                                  level_of_measurement=metric)
    assert ag.krippendorff_alpha(r, metric).value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_fleiss_matches_statsmodels_on_complete_data(seed: int) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    r = _random_ratings(seed, n_annotators=5, missing=0.0)
    expected = inter_rater.fleiss_kappa(r.counts, method="fleiss")
    assert ag.fleiss_kappa(r).value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(4))
def test_cohen_matches_sklearn(weights: str, seed: int) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    r = _random_ratings(seed, n_annotators=2, missing=0.2)
    m = _reliability_matrix(r)
    both = ~np.isnan(m).any(axis=0)
    expected = metrics.cohen_kappa_score(m[0, both], m[1, both], labels=[1, 2, 3, 4, 5],
                                         weights=None if weights == "identity" else weights)
    assert ag.cohen_kappa(r, weights).value == pytest.approx(expected, abs=1e-9)


# --- bootstrap ------------------------------------------------------------------------------


def _naive_alpha_replicates(r: Ratings, metric: str, n: int, seed: int) -> np.ndarray:
    """Resample items and recompute from scratch, replaying the pattern bootstrap's draws."""
    patterns = ag.count_patterns(r.counts)
    draws = ag.resample(patterns.freq, n, np.random.default_rng(seed))
    key = {tuple(row): p for p, row in enumerate(patterns.rows.tolist())}
    members = [[] for _ in patterns.freq]
    for i, row in enumerate(r.counts.tolist()):
        members[key[tuple(row)]].append(i)
    out = []
    for counts in draws:
        chosen = np.concatenate([np.repeat(members[p][0], c) for p, c in enumerate(counts)])
        parts = [np.flatnonzero(r.item == i) for i in chosen]
        rows = np.concatenate(parts)
        new_item = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        sample = Ratings(new_item, r.annotator[rows], r.value[rows], r.categories, r.numeric)
        out.append(ag.krippendorff_alpha(sample, metric).value)
    return np.array(out, dtype=float)


@pytest.mark.parametrize("metric", ag.METRICS)
def test_pattern_bootstrap_equals_recomputation(metric: str) -> None:
    r = _random_ratings(7, n_items=40, q=4)
    fast = ag.alpha_bootstrap(r, metric, 25, np.random.default_rng(3))
    naive = _naive_alpha_replicates(r, metric, 25, seed=3)
    np.testing.assert_allclose(fast, naive, atol=1e-12)


def test_bootstrap_is_seeded_and_brackets_the_value() -> None:
    r = _random_ratings(1, n_items=200)
    a = ag.alpha_bootstrap(r, "nominal", 500, np.random.default_rng(42))
    b = ag.alpha_bootstrap(r, "nominal", 500, np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    value = ag.krippendorff_alpha(r).value
    lo, hi = ag.percentile_interval(a)
    assert lo < value < hi
    assert hi - lo < 0.3


@pytest.mark.parametrize("route", ["poisson", "items"])
@pytest.mark.parametrize("freq", [
    [40, 20, 12, 5, 3, 2, 1, 1, 1],  # frequent patterns and rare ones
    [3, 2, 1, 1, 0],  # every pattern rare (and one never seen)
    [50, 30, 20],  # every pattern frequent
    [6, 5, 4],  # so few items that the Poisson counts aim near zero
])
def test_resample_is_multinomial(freq: list[int], route: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pattern counts of a replicate are multinomial(n, freq/n), whichever way they are drawn:
    means, covariances and one rare pattern's whole distribution (its binomial marginal)."""
    monkeypatch.setattr(bootstrap, "_poisson_route", lambda f, own: route == "poisson" and own.any())
    monkeypatch.setattr(bootstrap, "ITEM_BLOCK", 10_000)  # several blocks of item draws
    f = np.array(freq)
    n, p, b = int(f.sum()), f / f.sum(), 100_000
    draws = ag.resample(f, b, np.random.default_rng(11))
    assert draws.shape == (b, f.size) and (draws.sum(axis=1) == n).all()
    expected_cov = n * (np.diag(p) - np.outer(p, p))
    se = np.sqrt(np.diag(expected_cov) / b)
    assert (np.abs(draws.mean(axis=0) - f) <= 4.5 * se + 1e-12).all()
    np.testing.assert_allclose(np.cov(draws.T), expected_cov, atol=0.03 * expected_cov.max())
    k = int(np.flatnonzero(f)[-1])  # the rarest seen pattern: Binomial(n, p_k)
    observed = np.bincount(draws[:, k], minlength=n + 1)
    pmf = np.array([math.comb(n, x) * p[k] ** x * (1 - p[k]) ** (n - x) for x in range(n + 1)])
    cells = pmf * b >= 5  # chi-square over the cells with enough expected draws
    chi2 = (((observed[cells] - b * pmf[cells]) ** 2) / (b * pmf[cells])).sum()
    assert chi2 < cells.sum() + 5 * np.sqrt(2 * cells.sum())  # mean df, sd sqrt(2 df)


# --- undefined cases ------------------------------------------------------------------------


def test_one_category_is_undefined_with_a_reason() -> None:
    r = encode([1, 1, 2, 2], ["a", "b", "a", "b"], ["x", "x", "x", "x"])
    result = ag.krippendorff_alpha(r)
    assert result.value is None and "one category" in result.reason
    assert ag.cohen_kappa(r).value is None
    assert ag.percent_agreement(r).value == 1.0


def test_single_ratings_have_no_pairs() -> None:
    r = encode([1, 2, 3], ["a", "b", "a"], ["x", "y", "x"])
    for name in ag.COEFFICIENTS:
        result = ag.coefficient(name, r, n_boot=50)
        assert result.value is None and result.reason, name


def test_cohen_needs_two_annotators() -> None:
    r = encode([1, 1, 1], ["a", "b", "c"], ["x", "y", "x"])
    result = ag.cohen_kappa(r)
    assert result.value is None and "exactly two annotators" in result.reason
    assert ag.fleiss_kappa(r).value is not None


# --- multi-label: MASI α and the binary decomposition ---------------------------------------


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


def test_masi_distance_cases() -> None:
    a, b = frozenset("ab"), frozenset("a")
    assert ag.masi_distance(a, a) == 0
    assert ag.masi_distance(a, b) == pytest.approx(1 - 0.5 * 2 / 3)
    assert ag.masi_distance(frozenset("ab"), frozenset("bc")) == pytest.approx(1 - 1 / 3 / 3)
    assert ag.masi_distance(frozenset("a"), frozenset("c")) == 1
    assert ag.masi_distance(frozenset(), frozenset("c")) == 1


def test_binary_alphas_match_krippendorff_package() -> None:
    krippendorff = pytest.importorskip("krippendorff")
    r = _random_ratings(11, q=4)
    counts = r.counts
    alphas = ag.binary_alphas(counts, counts.sum(axis=1))
    m = _reliability_matrix(r)
    for k, result in enumerate(alphas):
        binary = np.where(np.isnan(m), np.nan, (m == k + 1).astype(float))
        expected = krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal")
        assert result.value == pytest.approx(expected, abs=1e-9)


def test_annotator_agreement_counts_pairs() -> None:
    r = encode([1, 1, 1, 2, 2], ["a", "b", "c", "a", "b"], ["x", "x", "y", "y", "y"])
    rows = {row.annotator: row for row in ag.annotator_agreement(r)}
    assert rows["a"].n_pairs == 3 and rows["a"].percent_agreement.value == pytest.approx(2 / 3)
    assert rows["c"].n_pairs == 2 and rows["c"].percent_agreement.value == 0.0


@pytest.mark.parametrize("metric", ag.METRICS)
def test_sparse_patterns_agree_with_dense(metric: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dense = _random_ratings(21, n_items=80, q=6)
    monkeypatch.setattr(ratings, "DENSE_LIMIT", 0)  # force the path used for many categories
    sparse = _random_ratings(21, n_items=80, q=6)
    assert ag.krippendorff_alpha(sparse, metric).value == pytest.approx(
        ag.krippendorff_alpha(dense, metric).value, abs=1e-12)
    for name in ("percent_agreement", "fleiss_kappa", "gwet_ac1"):
        assert ag.COEFFICIENT_FUNCTIONS[name](sparse).value == pytest.approx(
            ag.COEFFICIENT_FUNCTIONS[name](dense).value, abs=1e-12)
    np.testing.assert_array_equal(sparse.patterns.rows[sparse.patterns.inverse],
                                  dense.counts)
    a = [(r.annotator, r.percent_agreement.value) for r in ag.annotator_agreement(sparse)]
    b = [(r.annotator, r.percent_agreement.value) for r in ag.annotator_agreement(dense)]
    assert a == b


def test_percentile_interval_matches_numpy() -> None:
    values = np.random.default_rng(3).normal(size=2001)
    values[::97] = np.nan
    lo, hi = ag.percentile_interval(values, 0.9)
    finite = values[np.isfinite(values)]
    assert (lo, hi) == pytest.approx(tuple(np.percentile(finite, [5, 95])), abs=1e-12)


def test_alpha_and_its_bootstrap_with_many_categories_stay_in_memory():
    # free-text labels or a 0–1000 slider give thousands of categories; the coincidence
    # matrix is q × q, never patterns × q × q (that was 146 GiB for 20 000 items, q = 1000)
    rng = np.random.default_rng(5)
    n, q = 20_000, 1000
    item = np.repeat(np.arange(n), 2)
    annotator = np.tile([0, 1], n)
    value = rng.integers(0, q, size=2 * n)
    value[1::2] = np.where(rng.random(n) < 0.6, value[0::2], value[1::2])
    ratings = Ratings(item, annotator, value, tuple(range(q)))
    # two ratings per item, nominal: α = 1 − (N − 1) · 2·#disagreements / Σ_{c≠k} n_c n_k
    counts = np.bincount(value, minlength=q).astype(float)
    total = counts.sum()
    disagreements = 2 * np.sum(value[0::2] != value[1::2])
    expected = 1 - (total - 1) * disagreements / (total ** 2 - (counts ** 2).sum())
    assert ag.krippendorff_alpha(ratings, "nominal").value == pytest.approx(expected)
    reps = ag.alpha_bootstrap(ratings, "nominal", 20, np.random.default_rng(0))
    assert np.isfinite(reps).all() and abs(np.median(reps) - expected) < 0.02
    small = Ratings(item[:4000], annotator[:4000], value[:4000] % 120, tuple(range(120)))
    assert np.isfinite(ag.alpha_bootstrap(small, "ordinal", 20, np.random.default_rng(0))).all()


@pytest.mark.parametrize("kind", ["cohen_kappa", "scott_pi"])
@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
def test_pair_replicates_equal_the_dense_tables(kind, weights):
    rng = np.random.default_rng(11)
    q, n_boot = 5, 30
    used = np.array([0, 1, 6, 7, 12, 13, 19, 24])
    draws = rng.integers(0, 6, size=(n_boot, used.size))
    draws[0] = 0  # an empty replicate: NaN both ways
    tables = np.zeros((n_boot, q * q), dtype=np.int64)
    tables[:, used] = draws
    w = ag.gwet_weights(weights, np.arange(q, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        dense = coefficients._pair_family(kind, tables.reshape(n_boot, q, q), w)
        sparse = bootstrap._pair_replicates(kind, used, draws, q, w)
    np.testing.assert_allclose(sparse, dense, equal_nan=True)
