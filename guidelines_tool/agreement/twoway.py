"""Contrasts of Krippendorff's α with items *and* annotators random: two-way standard errors.

A *contrast* is Σ_g w_g α_g over groups of judgements: arm B minus arm A in a guideline
experiment, or (after − before on a rule's items) − (after − before on the others) in `impact`.
The same annotators work in several groups and the same item may too, so the groups are not
independent, and an interval that resamples items only is too narrow as soon as annotators
differ in how they read a rule and the groups are not rated by the same annotators in the same
shares (issue 11: 2x too narrow with 6 of 16 annotators active per window). Here both are
random, coupled across the groups (one annotator is one annotator everywhere).

The method (no resampling; a few passes over the judgements):
- α = 1 − (n − 1)·T/E, with T = Σ_i Σ_{a≠b ∈ i} δ(v_a, v_b)/(m_i − 1) the observed and
  E = nᵀδn the expected disagreement totals (Krippendorff 2011). Its linearisation (the
  homogeneous one, so that influences sum to zero) gives each item an influence U_i and each
  judgement of item i by annotator j an influence z_ij = g_T·(2·d_ij/(m_i − 1) − T/n) + g_{v_ij},
  d_ij being j's disagreement with the item's other judgements: a disagreement is a *pair*, and an
  annotator's reading moves every pair it is in, so each pair counts in full for both annotators
  (half of it, as the weight derivative of a normalised pigeonhole bootstrap gives, measures a
  quarter of the annotator variance of a pair statistic).
- items: V_items = I/(I−1)·Σ_i (Σ_g w_g U_gi)², the items-resampling variance;
- annotators: an annotator's total Σ_i z_ij also carries the noise of its judgements and the
  items it shares with everybody else, and with few annotators each rating a large share of the
  items, the usual two-way correction (Cameron, Gelbach & Miller 2011: + Σ_j W_j² − Σ_ij z_ij²)
  loses up to half of the item variance. So the annotator component is cross-fitted: the items
  are split into two halves, each half linearised on its own, and
  V_annotators = J/(J−1)·Σ_j 4·W_j⁽¹⁾·W_j⁽²⁾ (the products of the halves' annotator totals, which
  share annotator effects but no item or judgement noise), averaged over every split (in closed
  form: Design) and *not* floored at 0: the estimate is unbiased, and noisy where annotators are
  few, so under no real spread it is negative about half the time; flooring it at 0 (per kind or
  per contrast) made the SE 12 % too large wherever the active annotators changed between
  windows (issue 11's turnover cells). Only a total V ≤ 0 falls back to V_items. Its degrees of
  freedom are J − 1, few when annotators are few, and fewer for the items' noise in σ² itself
  (Design.spread_noise: as large as V_items where six annotators give way to six others).
- V = V_items + V_annotators; df by Satterthwaite (2·V²/Var(V̂)) from the two components and
  that noise; p from Student's t.

Measured (bench/attribution.py): with annotators all alike V matches the items-only variance,
and the true spread is 0.95–1.02 of the reported SE also where the active set changes (turnover
half / disjoint, 400–1000 runs; 0.87–0.92 with σ² floored at 0); with each annotator's own
confusion (SD 0.05–0.10) and the active set changing between windows, 0.9–1.15 where the
items-only SE was 2–3.4x too small.

    from guidelines_tool.agreement.twoway import Group, contrast
    result = contrast([Group(item_a, annotator_a, value_a), Group(item_b, annotator_b, value_b)],
                      [-1.0, 1.0], delta, rng=np.random.default_rng(0))
    result.estimate, result.se, result.df, result.p_value, result.interval(0.95)

Item and annotator codes are integers in one code space across the groups (the same item in
two groups is one cluster); `delta` is the q × q category distance (1 − identity for nominal data;
agreement.metric_distance for the others). Another engineer's guideline experiments use the same
API: two arms compared on governed items, items and annotators resampled, a p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from guidelines_tool.agreement.variance import _betainc, t_quantile

#: "jackknife" (exact delete-one-item α's) or "linearised" item influences.
ITEM_VARIANCE = "jackknife"
#: Random half-splits of the items the annotators' spread is averaged over; None: every split, in
#: closed form (cross_products), which removes the splits' own noise (a fifth of σ²'s SD with two)
#: and the dependence on the seed.
SPLITS: int | None = None


@dataclass(frozen=True)
class Group:
    """One group of judgements (parallel integer arrays). `delta`, when given, is this group's
    own category distance (an ordinal metric's distances depend on the group's marginals)."""

    item: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    delta: np.ndarray | None = field(default=None, compare=False, repr=False)
    kind: str = ""  # groups of one kind share each annotator's reading (the same rule's items)

    def __len__(self) -> int:
        return int(len(self.item))


@dataclass(frozen=True)
class Linearised:
    """α of one group and its influences: per pairable item (`items`, `item_influence`) and per
    judgement of a pairable item (`rows` into the group, `cell_influence`)."""

    alpha: float
    n_items: int
    items: np.ndarray
    item_influence: np.ndarray
    rows: np.ndarray
    cell_influence: np.ndarray
    g_total: float = 0.0  # ∂α/∂T: how α moves with the observed disagreement total
    item_jackknife: np.ndarray | None = None  # per item; None when an item's deletion leaves α undefined


def linearise(item: np.ndarray, annotator: np.ndarray, value: np.ndarray,
              delta: np.ndarray) -> Linearised | None:
    """α of the judgements and its linearisation (module docstring); None when α is undefined
    (no item rated twice, or a single category used). `annotator` is not used by the formula;
    it is here so a caller's arrays stay parallel."""
    item = np.asarray(item)
    value = np.asarray(value, dtype=np.int64)
    if item.size == 0:
        return None
    ids, inverse = np.unique(item, return_inverse=True)
    count = np.bincount(inverse)
    rows = np.flatnonzero(count[inverse] >= 2)
    if rows.size == 0:
        return None
    kept = np.flatnonzero(count >= 2)
    remap = np.full(len(ids), -1, dtype=np.int64)
    remap[kept] = np.arange(len(kept))
    it = remap[inverse[rows]]
    v = value[rows]
    m = count[kept].astype(float)
    d = _disagreement(it, v, count[kept], delta)
    per_item = np.bincount(it, weights=d, minlength=len(kept)) / (m - 1)  # T_i
    n_c = np.bincount(v, minlength=delta.shape[0]).astype(float)
    n = n_c.sum()
    total = per_item.sum()  # T
    expected = float(n_c @ delta @ n_c)  # E
    if expected <= 1e-12 * max(n, 1.0):
        return None
    alpha = 1.0 - (n - 1.0) * total / expected
    g_t = -n / expected
    g_c = -total / expected + n * total * (delta @ n_c + delta.T @ n_c) / expected**2
    cell = g_t * (2.0 * d / (m[it] - 1.0) - total / n) + g_c[v]
    item_influence = g_t * per_item + np.bincount(it, weights=g_c[v], minlength=len(kept))
    jackknife = _delete_one(it, v, d, m, per_item, n_c, total, expected, delta)
    return Linearised(float(alpha), len(kept), ids[kept], item_influence, rows, cell, float(g_t), jackknife)


def _delete_one(it: np.ndarray, v: np.ndarray, d: np.ndarray, m: np.ndarray, per_item: np.ndarray,
                n_c: np.ndarray, total: float, expected: float, delta: np.ndarray) -> np.ndarray | None:
    """Each item's jackknife influence: √((N−1)/N)·(mean of the α's without one item − α without
    item i), α without item i in closed form (T, n and E less the item's share). Σ of squares is
    the delete-one jackknife variance, which for a ratio such as α is a few per cent larger than
    the linearised one in windows of a few hundred items, and closer to the truth."""
    count = len(m)
    if count < 3:
        return None
    n = n_c.sum()
    spread = delta @ n_c + delta.T @ n_c
    own = np.bincount(it, weights=spread[v], minlength=count)
    square = np.bincount(it, weights=d + np.diag(delta)[v], minlength=count)  # k_iᵀ δ k_i
    expected_without = expected - own + square
    with np.errstate(divide="ignore", invalid="ignore"):
        without = 1.0 - (n - m - 1.0) * (total - per_item) / expected_without
    if not np.all(np.isfinite(without)):
        return None
    return math.sqrt((count - 1) / count) * (without.mean() - without)


def _disagreement(it: np.ndarray, v: np.ndarray, m: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """d_r = Σ_{s ≠ r in r's item} δ(v_r, v_s) for every judgement r (items laid out in a
    padded matrix, one column per judgement slot: as many passes as the most judgements an item
    has, never a q × q matrix per item)."""
    order = np.argsort(it, kind="stable")
    starts = np.concatenate([[0], np.cumsum(m)[:-1]])
    slot = np.empty(len(it), dtype=np.int64)
    slot[order] = np.arange(len(it)) - np.repeat(starts, m)
    padded = np.full((len(m), int(m.max())), -1, dtype=np.int64)
    padded[it, slot] = v
    d = np.zeros(len(it))
    for column in range(padded.shape[1]):
        other = padded[it, column]
        mask = (other >= 0) & (slot != column)
        d[mask] += delta[v[mask], other[mask]]
    return d


@dataclass(frozen=True)
class Influence:
    """A linear combination of a design's groups: its influence per item, and its loading on
    each annotator's reading of each kind of item (annotator × kind)."""

    items: np.ndarray
    loadings: np.ndarray


@dataclass(frozen=True)
class Contrast:
    """Σ w_g α_g with its two-way standard error. `estimate` is None when a group's α is
    undefined."""

    estimate: float | None
    se: float | None
    df: float
    var_items: float
    var_annotators: float
    n_items: int
    n_annotators: int

    @property
    def p_value(self) -> float | None:
        """Two-sided p of estimate = 0 against Student's t with `df` degrees of freedom."""
        if self.estimate is None or self.se is None:
            return None
        if self.se == 0:  # every item and annotator alike: no sampling variation to speak of
            return 1.0 if self.estimate == 0 else 0.0
        return p_value(self.estimate / self.se, self.df)

    def interval(self, confidence: float = 0.95) -> tuple[float, float] | None:
        if self.estimate is None or self.se is None:
            return None
        half = self.se * quantile(1.0 - (1.0 - confidence) / 2.0, self.df)
        return self.estimate - half, self.estimate + half


#: Past this many degrees of freedom Student's t is the normal to 4 decimals of a p-value.
NORMAL_DF = 10_000
NORMAL = NormalDist()


def p_value(z: float, df: float) -> float:
    """Two-sided p of a t statistic (the normal when df is very large)."""
    if not math.isfinite(z):
        return 0.0
    if not math.isfinite(df) or df > NORMAL_DF:
        return math.erfc(abs(z) / math.sqrt(2.0))
    # both tails straight from the incomplete beta: 1 − cdf would round a tiny p to 0
    return max(0.0, min(1.0, _betainc(df / 2.0, 0.5, df / (df + z * z))))


def quantile(p: float, df: float) -> float:
    """Student's t quantile: exact (agreement_variance.t_quantile) below 20 degrees of freedom,
    the Cornish–Fisher expansion in 1/df above (within 1e-5 of it there, and a thousand times
    faster: a report asks for one per revision)."""
    z = NORMAL.inv_cdf(p)
    if not math.isfinite(df) or df > NORMAL_DF:
        return z
    if df < 20:
        return t_quantile(p, round(df, 2))
    z2 = z * z
    terms = (z * (z2 + 1) / 4, z * (5 * z2 * z2 + 16 * z2 + 3) / 96,
             z * (3 * z2**3 + 19 * z2 * z2 + 17 * z2 - 15) / 384,
             z * (79 * z2**4 + 776 * z2**3 + 1482 * z2 * z2 - 1920 * z2 - 945) / 92160)
    return z + sum(term / df ** (k + 1) for k, term in enumerate(terms))


@dataclass(frozen=True)
class Pairs:
    """Every pair of judgements of one item: its item, its two annotators, their disagreement
    δ and its weight 1/(m_i − 1) in α's observed disagreement."""

    item: np.ndarray
    first: np.ndarray
    second: np.ndarray
    gap: np.ndarray
    weight: np.ndarray

    def subset(self, keep: np.ndarray) -> Pairs:
        return Pairs(self.item[keep], self.first[keep], self.second[keep], self.gap[keep], self.weight[keep])


def pairs(item: np.ndarray, annotator: np.ndarray, value: np.ndarray, delta: np.ndarray) -> Pairs | None:
    """The pairs of judgements of each item (items laid out in a padded matrix: as many passes
    as the most judgements an item has)."""
    item = np.asarray(item)
    if item.size < 2:
        return None
    order = np.argsort(item, kind="stable")
    sorted_items = item[order]
    new = np.concatenate([[True], sorted_items[1:] != sorted_items[:-1]])
    start = np.flatnonzero(new)
    m = np.diff(np.concatenate([start, [len(item)]]))
    if m.max() < 2:
        return None
    it = np.repeat(np.arange(len(m)), m)
    slot = np.arange(len(item)) - np.repeat(start, m)
    width = int(m.max())
    values = np.full((len(m), width), -1, dtype=np.int64)
    who = np.full((len(m), width), -1, dtype=np.int64)
    values[it, slot] = np.asarray(value)[order]
    who[it, slot] = np.asarray(annotator)[order]
    ids = sorted_items[start]
    inverse = 1.0 / np.maximum(m - 1, 1)
    parts = []
    for c in range(width - 1):
        for d in range(c + 1, width):
            ok = np.flatnonzero(who[:, d] >= 0)
            parts.append((ids[ok], who[ok, c], who[ok, d], delta[values[ok, c], values[ok, d]], inverse[ok]))
    return Pairs(*(np.concatenate([p[k] for p in parts]) for k in range(5)))


def annotator_effects(item: np.ndarray, annotator: np.ndarray, value: np.ndarray, delta: np.ndarray,
                      n_annotators: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Each annotator's disagreement propensity b_j: the least-squares fit of every pair's
    disagreement (less the mean) by b_a + b_b, pairs weighted 1/(m_i − 1) as in α. Returns
    (b over all `n_annotators` codes, the codes present), or None without pairs. Solving for all
    annotators at once keeps an annotator's partners out of its own effect (summing its pairs
    would credit it with their effects, and with six annotators lose a third of its own)."""
    found = pairs(item, annotator, value, delta)
    return None if found is None else fit_effects(found, n_annotators)


def fit_effects(found: Pairs, n_annotators: int) -> tuple[np.ndarray, np.ndarray] | None:
    """annotator_effects on pairs already found."""
    if not len(found.gap):
        return None
    gap, present, f, s, normal = _normal_equations(found, n_annotators)
    k = len(present)
    weight = found.weight
    rhs = np.bincount(f, weights=weight * gap, minlength=k) + np.bincount(s, weights=weight * gap, minlength=k)
    try:  # the tiny ridge pins the one free direction of a bipartite or two-annotator design
        effect = np.linalg.solve(normal + 1e-9 * np.trace(normal) * np.eye(k), rhs)
    except np.linalg.LinAlgError:
        effect = np.linalg.lstsq(normal, rhs, rcond=None)[0]
    out = np.zeros(n_annotators)
    out[present] = effect
    return out, present


def _normal_equations(found: Pairs, n_annotators: int):
    """(the pairs' disagreements less their weighted mean, the annotator codes present, each
    pair's two annotators as indices into them, the normal matrix Σ_p w_p·x_p·x_pᵀ)."""
    first, second, weight = found.first, found.second, found.weight
    gap = found.gap - (found.gap * weight).sum() / weight.sum()
    seen = np.bincount(np.concatenate([first, second]), minlength=n_annotators)
    present = np.flatnonzero(seen)
    local = np.full(n_annotators, -1, dtype=np.int64)
    local[present] = np.arange(len(present))
    f, s = local[first], local[second]
    k = len(present)
    normal = np.bincount(f * k + s, weights=weight, minlength=k * k).reshape(k, k)
    normal = normal + normal.T
    normal[np.diag_indices(k)] += np.bincount(f, weights=weight, minlength=k) + np.bincount(s, weights=weight, minlength=k)
    return gap, present, f, s, normal


@dataclass(frozen=True)
class Crossed:
    """One group's cross-fitted products: `total` = Σ_j (b_j² − Σ_i u_ij²) over the annotators
    present, with the fit `b` and each pairable item's influence `u` on it (rows: `items`, item
    codes; columns: `annotators`, annotator codes)."""

    total: float
    items: np.ndarray
    annotators: np.ndarray
    u: np.ndarray
    b: np.ndarray


def cross_products(found: Pairs, n_annotators: int) -> Crossed | None:
    """Σ_j (b_j² − Σ_i u_ij²) over the annotators present (Crossed): the cross-fitted product of
    the propensities averaged over every split of the items into halves, in closed form. With
    u_i item i's influence on the fit b (the derivative in its weight: u_i = N⁻¹·Σ_{p ∈ i} w_p·
    (residual_p)·x_p less its share of the mean disagreement; Σ_i u_i = 0), a half fits, to first
    order, b ± D with D = Σ_{i ∈ 1} u_i − Σ_{i ∈ 2} u_i, so the product of the two halves' fits is
    b² − D², whose mean over the splits is b² − Σ_i u_i². Its expectation is the annotators'
    spread (0 when they are alike), like the product of any one split's halves, without the
    split's own noise."""
    if not len(found.gap):
        return None
    gap, present, f, s, normal = _normal_equations(found, n_annotators)
    k = len(present)
    weight = found.weight
    ridge = normal + 1e-9 * np.trace(normal) * np.eye(k)  # the same tiny ridge as fit_effects
    try:
        b = np.linalg.solve(ridge, np.bincount(f, weights=weight * gap, minlength=k)
                            + np.bincount(s, weights=weight * gap, minlength=k))
        inverse = np.linalg.inv(ridge)
    except np.linalg.LinAlgError:
        return None
    ids, item = np.unique(found.item, return_inverse=True)
    count = len(ids)
    residual = weight * (gap - b[f] - b[s])
    share = (np.bincount(item * k + f, weights=residual, minlength=count * k)
             + np.bincount(item * k + s, weights=residual, minlength=count * k)).reshape(count, k)
    # the mean disagreement the gaps are centred on moves with each item too: N⁻¹·(N·1/2) = 1/2
    centre = np.bincount(item, weights=weight * gap, minlength=count) / (2.0 * weight.sum())
    u = share @ inverse - centre[:, None]
    return Crossed(float((b * b).sum() - (u * u).sum()), ids, present, u, b)


class Design:
    """Groups of judgements sharing items and annotators: linearised once, then any number of
    contrasts (and covariances between contrasts) over them.

    The annotator component: each annotator has a disagreement propensity on each `kind` of
    item (a rule's items, the control items), the same in every group of that kind (windows
    before and after). Its spread σ²_kind is estimated by cross-fitting: the items split into
    halves, the propensities fitted in each half (annotator_effects), and σ² = J/(J−1)·mean_j
    b_j⁽¹⁾·b_j⁽²⁾ (products of two independent fits share the annotator's propensity but no item or
    judgement noise), averaged over every split in closed form (cross_products; `splits` = N
    draws N random splits instead, the same for every group). `unbiased_spread` is that estimate,
    negative about half the time when annotators are alike, and what contrasts use; `spread` is
    it floored at 0, for planning (experiment.power). A contrast loads on
    annotator j of a kind by L_j = Σ_g w_g·∂α_g/∂b_j = Σ_g w_g·2·g_T,g·n_jg (n_jg: j's pairable
    judgements in group g): when the same annotators do the same share of the work before and
    after, the loadings cancel; when they change, they do not. V_annotators = Σ_kind σ² Σ_j L_j²."""

    def __init__(self, groups: Sequence[Group], delta: np.ndarray | None = None, *,
                 splits: int | None = SPLITS, rng: np.random.Generator | None = None) -> None:
        self.groups = list(groups)
        rng = rng if rng is not None else np.random.default_rng(0)
        items = [np.asarray(g.item) for g in self.groups]
        annotators = [np.asarray(g.annotator) for g in self.groups]
        self.item_ids, item_codes = _codes(items)
        self.annotator_ids, annotator_codes = _codes(annotators)
        self.deltas = [g.delta if g.delta is not None else delta for g in self.groups]
        if any(d is None for d in self.deltas):
            raise ValueError("every group needs a category distance (delta)")
        self.kinds = sorted({g.kind for g in self.groups})
        kind_of = [self.kinds.index(g.kind) for g in self.groups]
        self.full = [linearise(codes, a, np.asarray(g.value), d)
                     for g, codes, a, d in zip(self.groups, item_codes, annotator_codes, self.deltas)]
        n_i, n_a = len(self.item_ids), len(self.annotator_ids)
        self._items = np.zeros((len(self.groups), n_i))
        self._loadings = np.zeros((len(self.groups), n_a, len(self.kinds)))
        used = np.zeros(n_a, dtype=bool)
        for k, (lin, codes) in enumerate(zip(self.full, annotator_codes)):
            if lin is None:
                continue
            jackknife = lin.item_jackknife if ITEM_VARIANCE == "jackknife" else None
            self._items[k, lin.items] = jackknife if jackknife is not None else lin.item_influence
            work = np.bincount(codes[lin.rows], minlength=n_a)
            used |= work > 0
            self._loadings[k, :, kind_of[k]] = 2.0 * lin.g_total * work
        self.n_items = int(np.count_nonzero(np.abs(self._items).sum(axis=0)))
        self.n_annotators = int(used.sum())
        # σ² per kind: cross-fitted products of the propensities, pooled over groups (and splits)
        products = np.zeros(len(self.kinds))
        weights = np.zeros(len(self.kinds))
        found = [pairs(codes, a, np.asarray(g.value), d)
                 for g, codes, a, d in zip(self.groups, item_codes, annotator_codes, self.deltas)]
        self._kind_of = kind_of
        self._crossed: list[tuple[int, float, Crossed]] = []  # (group, j/(j − 1), its products)
        if splits is None:
            for k, group_pairs in enumerate(found):
                crossed = None if group_pairs is None else cross_products(group_pairs, n_a)
                if crossed is not None and len(crossed.annotators) >= 2:
                    j = len(crossed.annotators)
                    products[kind_of[k]] += j / (j - 1) * crossed.total
                    weights[kind_of[k]] += j
                    self._crossed.append((k, j / (j - 1), crossed))
        self._pooled = weights
        self._noise: np.ndarray | None = None
        for _ in range(splits or 0):
            half = rng.random(n_i) < 0.5
            for k, group_pairs in enumerate(found):
                if group_pairs is None:
                    continue
                side = half[group_pairs.item]
                fits = [fit_effects(group_pairs.subset(member), n_a) for member in (side, ~side)]
                if fits[0] is None or fits[1] is None:
                    continue
                both = np.intersect1d(fits[0][1], fits[1][1])
                if len(both) < 2:
                    continue
                j = len(both)
                products[kind_of[k]] += j / (j - 1) * float((fits[0][0][both] * fits[1][0][both]).mean()) * j
                weights[kind_of[k]] += j
        self.unbiased_spread = np.where(weights > 0, products / np.maximum(weights, 1), 0.0)
        self.spread = np.maximum(self.unbiased_spread, 0.0)

    def alpha(self, k: int) -> float | None:
        lin = self.full[k]
        return None if lin is None else lin.alpha

    def group_items(self, k: int) -> int:
        lin = self.full[k]
        return 0 if lin is None else lin.n_items

    def estimate(self, weights: Sequence[float]) -> float | None:
        total = 0.0
        for w, lin in zip(weights, self.full):
            if w:
                if lin is None:
                    return None
                total += w * lin.alpha
        return total

    def influence(self, weights: Sequence[float]) -> Influence:
        w = np.asarray(weights, dtype=float)
        return Influence(w @ self._items, np.tensordot(w, self._loadings, axes=1))

    def covariance(self, a: Influence, b: Influence) -> tuple[float, float]:
        """(items, annotators) components of Cov(a, b)."""
        n_i = max(self.n_items, 2)
        scale = 1.0 if ITEM_VARIANCE == "jackknife" else n_i / (n_i - 1)
        items = scale * float(a.items @ b.items)
        annotators = float(((a.loadings * b.loadings).sum(axis=0) * self.unbiased_spread).sum())
        return items, annotators

    def contrast(self, weights: Sequence[float]) -> Contrast:
        estimate = self.estimate(weights)
        inf = self.influence(weights)
        var_items, var_annotators = self.covariance(inf, inf)
        if var_items + var_annotators <= 0.0:
            var_annotators = 0.0
        total = var_items + var_annotators
        se = math.sqrt(max(total, 0.0)) if estimate is not None else None
        noise = self.spread_noise(inf)
        return Contrast(estimate, se, satterthwaite(var_items, self.n_items, var_annotators, self.n_annotators, noise),
                        var_items, var_annotators, self.n_items, self.n_annotators)

    def spread_noise(self, inf: Influence) -> float:
        """The variance of a contrast's V_annotators from the items' noise in the estimated
        spreads (the J − 1 degrees of freedom count the annotators' own). V_annotators =
        Σ_g a_g·(‖b_g‖² − Σ_i ‖u_gi‖²), b_g a group's fitted propensities and u_gi item i's
        influence on them: to first order ‖β‖² + 2·β·Σ_i u_i + Σ_{i ≠ k} u_i·u_k, a U-statistic over
        the items. Its variance, 4·Σ_i (β·u_i)² + 2·Σ_{i ≠ k} (u_i·u_k)² (a-weighted over groups), is
        estimated with b for β less b's own noise: 4·Σ_i g_i² − 2·Σ_{i≠k} h_ik² − 4·Σ_i h_ii², with
        g_i = Σ_g a_g·u_gi·b_g and h_ik = Σ_g a_g·u_gi·u_gk. 0 with random splits (`splits`)."""
        if not self._crossed:
            return 0.0
        square = (inf.loadings**2).sum(axis=0)
        a = np.array([c * square[self._kind_of[k]] / self._pooled[self._kind_of[k]] for k, c, _ in self._crossed])
        return max(float(a @ self._noise_terms() @ a), 0.0)

    def _noise_terms(self) -> np.ndarray:
        """spread_noise's quadratic form in the a_g, M_pq = 4·F_pq − 2·G_pq − 4·O_pq over the items
        groups p and q share (F: Σ_i (u_pi·b_p)(u_qi·b_q); O: Σ_i ‖u_pi‖²·‖u_qi‖²; G: Σ_{i≠k}
        (u_pi·u_pk)(u_qi·u_qk) = ‖U_pᵀU_q‖² − O), the same for every contrast: computed once."""
        if self._noise is not None:
            return self._noise
        n_a = len(self.annotator_ids)
        full = []
        for _, _, x in self._crossed:
            u = np.zeros((len(x.items), n_a))
            u[:, x.annotators] = x.u
            full.append((x.items, u, x.u @ x.b))
        size = len(full)
        out = np.zeros((size, size))
        for p in range(size):
            for q in range(p, size):
                (items_p, u_p, f_p), (items_q, u_q, f_q) = full[p], full[q]
                if p == q:
                    at_p = at_q = slice(None)
                else:
                    if not len(items_p) or not len(items_q) or items_p[0] > items_q[-1] or items_q[0] > items_p[-1]:
                        continue  # item codes are sorted: groups of different windows rarely overlap
                    _, at_p, at_q = np.intersect1d(items_p, items_q, assume_unique=True, return_indices=True)
                    if not len(at_p):
                        continue
                x, y = u_p[at_p], u_q[at_q]
                own = float(((x * x).sum(axis=1) * (y * y).sum(axis=1)).sum())
                between = float(((x.T @ y) ** 2).sum()) - own  # the sum over i ≠ k
                out[p, q] = out[q, p] = 4.0 * float(f_p[at_p] @ f_q[at_q]) - 2.0 * between - 4.0 * own
        self._noise = out
        return out


def satterthwaite(var_items: float, n_items: int, var_annotators: float, n_annotators: int,
                  noise: float = 0.0) -> float:
    """Degrees of freedom of the sum of the two components (Welch–Satterthwaite: 2·V²/Var(V̂)),
    `noise` the variance of V_annotators's estimate beyond its J − 1 degrees of freedom (the
    items' noise in the spread, Design.spread_noise)."""
    parts = [(var_items, n_items - 1), (var_annotators, n_annotators - 1)]
    denominator = sum(v * v / df for v, df in parts if v > 0 and df > 0) + noise / 2.0
    total = var_items + var_annotators
    # at least 1: a noisy spread can drive the formula below it, and Student's t is not defined there
    return max(total * total / denominator, 1.0) if denominator > 0 else float("inf")


def contrast(groups: Sequence[Group], weights: Sequence[float], delta: np.ndarray | None = None, *,
             splits: int | None = SPLITS, rng: np.random.Generator | None = None) -> Contrast:
    """Σ w_g α_g over `groups` with its two-way SE, df and p-value (module docstring)."""
    return Design(groups, delta, splits=splits, rng=rng).contrast(weights)


def _codes(arrays: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One code space over several arrays of ids: (the distinct ids, each array as codes)."""
    if not arrays or not sum(len(a) for a in arrays):
        return np.zeros(0, dtype=np.int64), [np.zeros(0, dtype=np.int64) for _ in arrays]
    ids, inverse = np.unique(np.concatenate(arrays), return_inverse=True)
    cuts = np.cumsum([len(a) for a in arrays])[:-1]
    return ids, np.split(inverse.astype(np.int64), cuts)
