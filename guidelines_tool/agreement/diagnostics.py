"""Where agreement is lost: per label, per annotator, confusion pairs, accuracy against gold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from guidelines_tool.agreement.bootstrap import resample
from guidelines_tool.agreement.coefficients import (
    NO_PAIRS,
    ONE_CATEGORY,
    Coefficient,
    _alpha_delta,
    _alpha_from,
    undefined,
)
from guidelines_tool.agreement.distances import ordinal_distance
from guidelines_tool.agreement.intervals import _with_interval
from guidelines_tool.agreement.ratings import (
    Patterns,
    Ratings,
    _coincidences,
    coincidence_matrix,
    count_patterns,
)


def category_distance(ratings: Ratings, metric: str) -> np.ndarray:
    """The q × q distance α uses for these ratings (ordinal: from the observed marginals)."""
    delta = _alpha_delta(ratings, metric, None)
    if delta is None:
        delta = ordinal_distance(coincidence_matrix(ratings).sum(axis=1))
    return delta


def binary_alphas(
    presence: np.ndarray, totals: np.ndarray, *, freq: np.ndarray | None = None,
    n_boot: int = 0, seed: int = 0, confidence: float = 0.95,
) -> list[Coefficient]:
    """Nominal α of each column's binary "this label or not" decomposition.

    presence[i, k] = how many of item i's ratings contain label k; totals[i] = its ratings;
    freq[i] = how many items row i stands for (rows may be rating patterns; default 1 each).
    """
    presence = np.asarray(presence, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    freq = np.ones(len(totals), dtype=np.int64) if freq is None else np.asarray(freq)
    nominal = 1.0 - np.eye(2)
    out = []
    for k in range(presence.shape[1]):
        counts = np.stack([totals - presence[:, k], presence[:, k]], axis=1)
        merged = count_patterns(counts)
        weights = np.bincount(merged.inverse, weights=freq, minlength=merged.freq.size)
        patterns = Patterns(merged.rows, weights.astype(np.int64), merged.inverse)
        o = np.tensordot(patterns.freq.astype(float), _coincidences(patterns.rows), axes=1)
        if o.sum() < 2:
            out.append(undefined(NO_PAIRS))
            continue
        value = float(_alpha_from(o, nominal))
        if np.isnan(value):
            out.append(undefined(ONE_CATEGORY))
            continue
        point = Coefficient(value)
        if n_boot > 0:
            rng = np.random.default_rng([seed, k])
            draws = resample(patterns.freq, n_boot, rng)
            reps = _alpha_from((draws.astype(float) @ _coincidences(patterns.rows).reshape(
                -1, 4)).reshape(-1, 2, 2), nominal)
            point = _with_interval(point, reps, n_boot, confidence)
        out.append(point)
    return out


@dataclass(frozen=True)
class ConfusionPair:
    """Two categories annotators confused, and their share of all observed disagreement."""

    a: object
    b: object
    pairs: float  # coincidences o_ab + o_ba: pairable judgement pairs split between a and b
    share: float  # of Σ o δ, the observed disagreement

    def to_dict(self) -> dict[str, object]:
        return {"labels": [self.a, self.b], "pairs": self.pairs, "share": self.share}


def confusion_pairs(ratings: Ratings, metric: str = "nominal", top: int = 10) -> list[ConfusionPair]:
    """The category pairs most responsible for observed disagreement, largest first."""
    o = coincidence_matrix(ratings)
    delta = category_distance(ratings, metric)
    weighted = o * delta
    total = weighted.sum()
    if total <= 0:
        return []
    a, b = np.triu_indices(o.shape[0], k=1)
    share = (weighted[a, b] + weighted[b, a]) / total
    order = np.lexsort((b, a, -share))
    return [
        ConfusionPair(ratings.categories[a[i]], ratings.categories[b[i]],
                      float(o[a[i], b[i]] + o[b[i], a[i]]), float(share[i]))
        for i in order[:top] if share[i] > 0
    ]


@dataclass(frozen=True)
class AnnotatorAgreement:
    """One annotator against the others on shared items: the share of agreeing pairs and
    1 − D_o(annotator) / D_e (α's scale: 1 perfect, 0 chance)."""

    annotator: object
    n_ratings: int
    n_pairs: int
    percent_agreement: Coefficient
    alpha: Coefficient


def annotator_agreement(ratings: Ratings, metric: str = "nominal") -> list[AnnotatorAgreement]:
    """Each annotator's agreement with the others, pair by pair on the items they share."""
    patterns = ratings.patterns
    rows = patterns.rows.astype(float)
    of_rating = patterns.inverse[ratings.item]  # each judgement's item pattern
    delta = category_distance(ratings, metric)
    others = rows.sum(axis=1)[of_rating] - 1  # pairs each judgement forms
    dist = (rows @ delta.T)[of_rating, ratings.value]  # δ_cc = 0: self adds nothing
    agree = rows[of_rating, ratings.value] - 1
    o = coincidence_matrix(ratings)
    n = o.sum(axis=1)
    total = n.sum()
    d_e = float(n @ delta @ n / (total * (total - 1))) if total > 1 else 0.0
    k = ratings.n_annotators
    pairs = np.bincount(ratings.annotator, others, minlength=k)
    sums = np.bincount(ratings.annotator, dist, minlength=k)
    agrees = np.bincount(ratings.annotator, agree, minlength=k)
    n_ratings = np.bincount(ratings.annotator, minlength=k)
    out = []
    for a in range(k):
        name = ratings.annotators[a] if ratings.annotators is not None else a
        if pairs[a] == 0:
            none = undefined("shares no item with another annotator")
            out.append(AnnotatorAgreement(name, int(n_ratings[a]), 0, none, none))
            continue
        pct = Coefficient(float(agrees[a] / pairs[a]))
        alpha = (Coefficient(1 - float(sums[a] / pairs[a]) / d_e) if d_e > 0
                 else undefined(ONE_CATEGORY))
        out.append(AnnotatorAgreement(name, int(n_ratings[a]), int(pairs[a]), pct, alpha))
    return out


def accuracy(ratings: Ratings, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator (correct, judged) counts against gold category codes per item (-1 none)."""
    g = gold[ratings.item]
    judged = g >= 0
    k = ratings.n_annotators
    correct = np.bincount(ratings.annotator[judged],
                          (ratings.value[judged] == g[judged]).astype(float), minlength=k)
    return correct, np.bincount(ratings.annotator[judged], minlength=k)
