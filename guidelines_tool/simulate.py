"""Simulated annotation batches with known confusion: shared by `guidelines demo` and the
validity benchmark (`bench/attribution.py`), so both test the method on the same generative model.

The model, per item: an item either falls in the scope of one decision rule (a pair of labels the
rule decides between) or in no rule's scope. Each annotator, independently:
- with probability `noise` (times the annotator's own factor) picks a label uniformly at random —
  general carelessness, which drifts over time as annotators get better;
- otherwise, on an item in a rule's scope, picks the *other* label of the rule's pair with
  probability `confusion[rule]` — the ambiguity the rule is meant to resolve;
- otherwise picks the item's true label.
Annotators cite the rule that governs the item with probability `cite_rate`.

Real annotation work adds three things the validity benchmark (`bench/attribution.py`) varies, each
off by default so the demo's batches stay as they were:
- annotators differ in how they read a rule: `annotator_confusion[a, s]` is added to the scope's
  confusion for annotator a (clipped to [0, 0.5]), the same in every period;
- only some annotators work in a period: `active` lists them, and each item gets `per_item`
  distinct annotators from that set;
- citations may depend on the label chosen: with `citation="decision"` an annotator cites the
  rule only when they pick its decision label (the first of its pair) — what happens when a rule
  reads "label X when ...", and annotators cite it to justify X.

`expected_alpha` gives the large-sample nominal Krippendorff's α of that model in closed form, so
the benchmark can plant an effect of a given size in α and check CIs cover it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Citation = Literal["random", "decision"]


@dataclass(frozen=True)
class Scope:
    """The items one rule governs: true labels drawn from `pair`, a `share` of all items."""

    rule: str
    pair: tuple[int, int]
    share: float


@dataclass(frozen=True)
class Period:
    """One batch of annotations made under one guideline state."""

    n_items: int
    noise: float
    confusion: dict[str, float] = field(default_factory=dict)  # rule → P(swap within its pair)
    first_item: int = 0  # item ids are first_item, first_item + 1, ...


@dataclass(frozen=True)
class Batch:
    """Simulated annotations as int-coded arrays (one row per judgement)."""

    item: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    truth: np.ndarray  # the item's true label, per row
    scope: np.ndarray  # index into the scopes, -1 when the item is in no rule's scope, per row
    cited: np.ndarray  # index into the scopes the annotator cited, -1 for none, per row


def simulate_period(
    period: Period,
    scopes: tuple[Scope, ...],
    *,
    n_labels: int,
    annotators: int,
    per_item: int,
    rng: np.random.Generator,
    annotator_noise: np.ndarray | None = None,
    cite_rate: float = 0.0,
    governed_items: int | None = None,
    active: np.ndarray | None = None,
    annotator_confusion: np.ndarray | None = None,
    citation: Citation = "random",
) -> Batch:
    """Draw one period's annotations. `governed_items`, when given, fixes how many items fall in
    the scopes (split by their shares) instead of drawing it, so windows have a known size.
    `active` (annotator ids of the pool `range(annotators)`) limits who works in this period;
    `annotator_confusion` (annotators × scopes) is each annotator's own offset to each scope's
    confusion; `citation` "decision" cites a scope's rule only on its decision label."""
    n = period.n_items
    scope_of = _assign_scopes(n, scopes, rng, governed_items)
    truth = rng.integers(0, n_labels, size=n)
    for index, scope in enumerate(scopes):
        members = scope_of == index
        truth[members] = np.asarray(scope.pair)[rng.integers(0, 2, size=int(members.sum()))]
    # each item gets `per_item` distinct annotators from the active set (the pool by default)
    pool = np.arange(annotators) if active is None else np.asarray(active, dtype=np.int64)
    who = pool[np.argsort(rng.random((n, len(pool))), axis=1)[:, :per_item]]
    item = np.repeat(np.arange(n) + period.first_item, per_item)
    annotator = who.ravel()
    true_rows = np.repeat(truth, per_item)
    scope_rows = np.repeat(scope_of, per_item)
    value = _respond(period, scopes, true_rows, scope_rows, annotator, n_labels, rng, annotator_noise,
                     annotator_confusion)
    cites = (scope_rows >= 0) & (rng.random(len(item)) < cite_rate)
    if citation == "decision":
        decision = np.array([scope.pair[0] for scope in scopes] + [-1])[scope_rows]
        cites &= value == decision
    cited = np.where(cites, scope_rows, -1)
    return Batch(item, annotator, value, true_rows, scope_rows, cited)


def _assign_scopes(
    n: int, scopes: tuple[Scope, ...], rng: np.random.Generator, governed: int | None
) -> np.ndarray:
    scope_of = np.full(n, -1)
    if not scopes:
        return scope_of
    shares = np.array([scope.share for scope in scopes], dtype=float)
    if governed is None:
        draws = rng.random(n)
        edges = np.cumsum(shares)
        index = np.searchsorted(edges, draws, side="right")
        scope_of[index < len(scopes)] = index[index < len(scopes)]
        return scope_of
    counts = np.floor(governed * shares / shares.sum()).astype(int)
    counts[0] += governed - counts.sum()
    order = rng.permutation(n)
    start = 0
    for index, count in enumerate(counts):
        scope_of[order[start : start + count]] = index
        start += count
    return scope_of


def _respond(
    period: Period,
    scopes: tuple[Scope, ...],
    truth: np.ndarray,
    scope_rows: np.ndarray,
    annotator: np.ndarray,
    n_labels: int,
    rng: np.random.Generator,
    annotator_noise: np.ndarray | None,
    annotator_confusion: np.ndarray | None = None,
) -> np.ndarray:
    value = truth.copy()
    for index, scope in enumerate(scopes):
        rows = np.flatnonzero(scope_rows == index)
        p = period.confusion.get(scope.rule, 0.0)
        if annotator_confusion is not None:
            p = np.clip(p + annotator_confusion[annotator[rows], index], 0.0, 0.5)
        swap = rng.random(len(rows)) < p
        a, b = scope.pair
        value[rows[swap]] = np.where(truth[rows[swap]] == a, b, a)
    noise = np.full(len(truth), period.noise)
    if annotator_noise is not None:
        noise = np.clip(noise * annotator_noise[annotator], 0.0, 1.0)
    careless = rng.random(len(truth)) < noise
    value[careless] = rng.integers(0, n_labels, size=int(careless.sum()))
    return value


def response_probabilities(
    noise: float, n_labels: int, pair: tuple[int, int] | None = None, confusion: float = 0.0
) -> np.ndarray:
    """P(label | true label) under the model: rows true label, columns chosen label."""
    matrix = np.eye(n_labels)
    if pair is not None:
        a, b = pair
        matrix[a, a] = matrix[b, b] = 1.0 - confusion
        matrix[a, b] = matrix[b, a] = confusion
    return (1.0 - noise) * matrix + noise / n_labels


def expected_alpha(groups: list[tuple[float, np.ndarray, np.ndarray]]) -> float:
    """Large-sample nominal α of a mixture of item groups, each (weight, P(true label),
    P(chosen | true)), with the same number of annotators on every item."""
    total = sum(weight for weight, _, _ in groups)
    observed = 0.0
    marginal = 0.0
    for weight, prior, matrix in groups:
        weight = weight / total
        chosen = prior @ matrix  # P(chosen label) in this group
        same = float(prior @ (matrix**2).sum(axis=1))  # P(two annotators agree)
        observed += weight * (1.0 - same)
        marginal = marginal + weight * chosen
    expected = 1.0 - float((marginal**2).sum())
    return 1.0 - observed / expected


def annotators_alpha(prior: np.ndarray, matrices: np.ndarray) -> float:
    """Large-sample nominal α of one item group rated by annotators who each have their own
    P(chosen | true) (`matrices`, annotators × labels × labels), every item rated by distinct
    annotators drawn at random from them (so every ordered pair of distinct annotators is
    equally likely to meet on an item)."""
    matrices = np.asarray(matrices, dtype=float)
    k = len(matrices)
    if k < 2:
        raise ValueError("α needs at least two annotators")
    weighted = matrices * np.asarray(prior, dtype=float)[None, :, None]  # P(true t, chosen l) per annotator
    same = np.einsum("atl,btl->ab", weighted, matrices)  # P(a and b agree on an item)
    observed = 1.0 - (same.sum() - np.trace(same)) / (k * (k - 1))
    marginal = weighted.sum(axis=1).mean(axis=0)
    return 1.0 - observed / (1.0 - float((marginal**2).sum()))


def scope_matrices(noise: float, confusion: np.ndarray, n_labels: int, pair: tuple[int, int]) -> np.ndarray:
    """Each annotator's P(chosen | true) on a scope's items, given their own `confusion`."""
    return np.stack([response_probabilities(noise, n_labels, pair, float(c)) for c in np.atleast_1d(confusion)])


def scope_alpha(noise: float, confusion: float, n_labels: int, pair: tuple[int, int]) -> float:
    """Expected α on the items of one rule's scope."""
    prior = np.zeros(n_labels)
    prior[list(pair)] = 0.5
    return expected_alpha([(1.0, prior, response_probabilities(noise, n_labels, pair, confusion))])


def confusion_for_alpha(
    target: float, noise: float, n_labels: int, pair: tuple[int, int] = (0, 1)
) -> float:
    """The pair confusion that gives `target` α on a scope's items at this noise (bisection)."""
    low, high = 0.0, 0.5
    if scope_alpha(noise, low, n_labels, pair) < target:
        raise ValueError(f"noise {noise} alone keeps α below {target}")
    for _ in range(60):
        middle = (low + high) / 2
        if scope_alpha(noise, middle, n_labels, pair) > target:
            low = middle
        else:
            high = middle
    return (low + high) / 2
