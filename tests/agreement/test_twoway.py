"""Two-way (items × annotators) standard errors of α contrasts, checked against the definition of
α, brute-force deletion and derivatives, and the sampling distribution they estimate."""

from __future__ import annotations

import numpy as np
import pytest

from guidelines_tool import agreement, simulate
from guidelines_tool.agreement.twoway import Design, Group, annotator_effects, contrast, linearise, p_value, quantile

NOMINAL4 = 1.0 - np.eye(4)


def _random_ratings(rng, items=60, annotators=7, per_item=3, q=4):
    who = np.argsort(rng.random((items, annotators)), axis=1)[:, :per_item]
    return np.repeat(np.arange(items), per_item), who.ravel(), rng.integers(0, q, items * per_item)


def _alpha(item, annotator, value, categories=4, metric="nominal", numeric=None):
    _, it = np.unique(item, return_inverse=True)
    ratings = agreement.Ratings(it, annotator, value, tuple(range(categories)), numeric)
    return agreement.krippendorff_alpha(ratings, metric).value


@pytest.mark.parametrize("metric", ["nominal", "interval", "ratio"])
def test_alpha_is_krippendorffs(metric):
    rng = np.random.default_rng(1)
    item, annotator, value = _random_ratings(rng)
    item[:5] = 99  # one item rated many times, and items rated once are left out
    scores = np.array([1.0, 2.0, 4.0, 7.0])
    delta = agreement.metric_distance(metric, scores)
    lin = linearise(item, annotator, value, delta)
    assert lin.alpha == pytest.approx(_alpha(item, annotator, value, metric=metric, numeric=scores))
    assert lin.item_influence.sum() == pytest.approx(0.0, abs=1e-12)  # the homogeneous linearisation
    assert lin.cell_influence.sum() == pytest.approx(0.0, abs=1e-12)


def test_undefined_alpha_is_none():
    assert linearise(np.array([0, 1]), np.array([0, 0]), np.array([1, 2]), NOMINAL4) is None  # nothing pairable
    assert linearise(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([2, 2, 2, 2]), NOMINAL4) is None


def test_item_influence_is_the_derivative_of_alpha_in_the_item_weight():
    # α with item weights w (each item's coincidences times w_i); numerical derivative at w = 1
    rng = np.random.default_rng(2)
    item, annotator, value = _random_ratings(rng, items=25)
    lin = linearise(item, annotator, value, NOMINAL4)

    def weighted_alpha(w):
        o = np.zeros((4, 4))
        for i in range(25):
            v = value[item == i]
            c = np.bincount(v, minlength=4).astype(float)
            o += w[i] * (np.outer(c, c) - np.diag(c)) / (len(v) - 1)
        n_c = o.sum(axis=1)
        n = n_c.sum()
        return 1 - (n - 1) * (o * NOMINAL4).sum() / (n_c @ NOMINAL4 @ n_c)

    eps = 1e-6
    numeric = [(weighted_alpha(np.where(np.arange(25) == i, 1 + eps, 1.0)) - weighted_alpha(np.ones(25))) / eps
               for i in range(25)]
    # the homogeneous form drops the (n − 1) → n correction: equal up to O(1/n)
    assert lin.item_influence == pytest.approx(np.array(numeric) - np.mean(numeric), abs=2e-3)


def test_item_jackknife_is_the_brute_force_delete_one_jackknife():
    rng = np.random.default_rng(3)
    item, annotator, value = _random_ratings(rng, items=40)
    lin = linearise(item, annotator, value, NOMINAL4)
    without = np.array([_alpha(item[item != i], annotator[item != i], value[item != i]) for i in range(40)])
    assert lin.item_jackknife == pytest.approx(np.sqrt(39 / 40) * (without.mean() - without))
    assert (lin.item_jackknife**2).sum() == pytest.approx(39 / 40 * ((without - without.mean())**2).sum())


def test_annotator_effects_find_the_careless_annotator_and_spare_its_partners():
    rng = np.random.default_rng(4)
    period = simulate.Period(400, 0.02, {"R": 0.05})
    scopes = (simulate.Scope("R", (0, 1), 1.0),)
    offsets = np.zeros((6, 1))
    offsets[2] = 0.3  # annotator 2 swaps the pair far more often
    batch = simulate.simulate_period(period, scopes, n_labels=4, annotators=6, per_item=3, rng=rng,
                                     governed_items=400, annotator_confusion=offsets)
    effect, present = annotator_effects(batch.item, batch.annotator, batch.value, NOMINAL4, 6)
    assert list(present) == list(range(6))
    assert np.argmax(effect) == 2
    # the others are near each other: summing pairs would have lowered them all by 2's share
    others = np.delete(effect, 2)
    assert others.max() - others.min() < 0.3 * (effect[2] - others.mean())
    # two annotators cannot be told apart: the fit splits their pairs evenly, without failing
    two, _ = annotator_effects(np.repeat(np.arange(50), 2), np.tile([0, 1], 50), rng.integers(0, 2, 100),
                               NOMINAL4, 2)
    assert two[0] == pytest.approx(two[1])


def test_a_group_against_itself_is_zero_with_zero_variance():
    rng = np.random.default_rng(5)
    item, annotator, value = _random_ratings(rng)
    group = Group(item, annotator, value)
    c = contrast([group, group], [1.0, -1.0], NOMINAL4)
    assert c.estimate == 0.0 and c.se == 0.0 and c.p_value == 1.0


def test_p_value_and_interval_agree_and_match_students_t():
    from scipy import stats

    for z, df in ((2.0, 5.0), (1.0, 3.5), (13.0, 20.0)):
        assert p_value(z, df) == pytest.approx(2 * stats.t.sf(z, df), rel=1e-9)
    assert p_value(2.5, 1e7) == pytest.approx(2 * stats.norm.sf(2.5), rel=1e-12)  # past 10,000 df: the normal
    for p, df in ((0.975, 3.3), (0.975, 25.0), (0.995, 140.0), (0.9995, 20.0)):
        assert quantile(p, df) == pytest.approx(stats.t.ppf(p, df), abs=3e-5)
    rng = np.random.default_rng(6)
    a, b = (Group(*_random_ratings(rng)) for _ in range(2))
    c = contrast([a, b], [-1.0, 1.0], NOMINAL4)
    lo, hi = c.interval(1 - c.p_value)  # the interval at 1 − p just touches 0
    assert min(abs(lo), abs(hi)) == pytest.approx(0.0, abs=1e-6)
    # the 95 % interval: estimate ∓ se·t(0.975, df), lower end first
    lo, hi = c.interval(0.95)
    half = c.se * stats.t.ppf(0.975, c.df)
    assert lo < c.estimate < hi
    assert (lo, hi) == pytest.approx((c.estimate - half, c.estimate + half), rel=1e-6)


def _crossed(rng, sd, annotators, items=150, noise=0.12, shift=0):
    """One α group of a rule's items, rated by `annotators` fresh annotators with their own
    confusion (SD `sd`): annotators and items both drawn anew."""
    confusion = simulate.confusion_for_alpha(0.5, noise, 6, (0, 1))
    offsets = rng.normal(0.0, sd, size=(annotators, 1))
    batch = simulate.simulate_period(simulate.Period(items, noise, {"R": confusion}, first_item=shift),
                                     (simulate.Scope("R", (0, 1), 1.0),), n_labels=6, annotators=annotators,
                                     per_item=3, rng=rng, governed_items=items, annotator_confusion=offsets)
    return batch


@pytest.mark.parametrize("sd, annotators, low, high", [(0.0, 6, 0.7, 1.1), (0.10, 6, 0.85, 1.2), (0.10, 12, 0.85, 1.2)])
def test_the_two_way_se_matches_the_spread_over_fresh_items_and_annotators(sd, annotators, low, high):
    # the brute force: draw the items and the annotators again 300 times and look at α's spread;
    # items-only SEs are 1.5-2.5x too small when annotators differ (sd 0.10). When they do not
    # differ, the annotators' spread is estimated near 0, as often below it as above; one α of 150
    # items by six annotators loads on all of them alike, that estimate's noise outweighs the items'
    # part, and a quarter of the totals fall below 0 and back to the items' part: SE ~1.2x too large
    rng = np.random.default_rng(7)
    delta = 1.0 - np.eye(6)
    alphas, variances, items_only = [], [], []
    for _ in range(300):
        b = _crossed(rng, sd, annotators)
        design = Design([Group(b.item, b.annotator, b.value)], delta, rng=rng)
        c = design.contrast([1.0])
        alphas.append(c.estimate)
        variances.append(c.se**2)
        items_only.append(c.var_items)
    ratio = np.std(alphas, ddof=1) / np.sqrt(np.mean(variances))
    assert low < ratio < high
    if sd:
        assert np.std(alphas, ddof=1) / np.sqrt(np.mean(items_only)) > 1.4


def test_the_same_annotators_before_and_after_cancel_out_of_a_difference():
    # the same six annotators with their own confusion rate two windows: their readings are in
    # both, so the difference's annotator component is small; with other annotators after, it is not
    rng = np.random.default_rng(8)
    confusion = simulate.confusion_for_alpha(0.5, 0.06, 6, (0, 1))
    offsets = rng.normal(0.0, 0.10, size=(16, 1))
    scopes = (simulate.Scope("R", (0, 1), 1.0),)

    def window(active, first):
        return simulate.simulate_period(simulate.Period(300, 0.06, {"R": confusion}, first_item=first), scopes,
                                        n_labels=6, annotators=16, per_item=3, rng=rng, governed_items=300,
                                        active=np.array(active), annotator_confusion=offsets)

    same = [window(range(6), 0), window(range(6), 1000)]
    other = [window(range(6), 0), window(range(6, 12), 1000)]
    delta = 1.0 - np.eye(6)
    stay, move = (Design([Group(b.item, b.annotator, b.value, kind="R") for b in pair], delta, rng=rng)
                  .contrast([-1.0, 1.0]) for pair in (same, other))
    assert stay.var_annotators < 0.2 * stay.var_items
    assert move.var_annotators > stay.var_annotators * 5
    assert move.df < stay.df  # few annotators: few degrees of freedom


def _alike_window(rng, active, first: int, items: int, pool: int):
    """One window of `items` items of rule R at α 0.5, 3 judgements an item by the `active`
    annotators of a `pool`, all reading the rule alike."""
    confusion = simulate.confusion_for_alpha(0.5, 0.06, 6, (0, 1))
    return simulate.simulate_period(simulate.Period(items, 0.06, {"R": confusion}, first_item=first),
                                    (simulate.Scope("R", (0, 1), 1.0),), n_labels=6, annotators=pool,
                                    per_item=3, rng=rng, governed_items=items, active=np.array(active))


def test_with_annotators_all_alike_the_annotator_component_is_zero_on_average_when_the_set_changes():
    # issue 11's turnover cells: six annotators before, three of them and three others after, all
    # reading the rule alike. The contrast loads on the annotators (the set changed), so a spread
    # estimated above 0 on average inflates the SE: flooring the noisy estimate of σ² at 0 did
    # (V_annotators +22 % of V_items here, the SE 12 % too large in bench/attribution.py); the
    # unbiased estimate averages 0 and the SE matches the spread of the estimate
    rng = np.random.default_rng(15)
    delta = 1.0 - np.eye(6)
    estimates, items, annotators, spreads = [], [], [], []
    for _ in range(300):
        pair = [_alike_window(rng, range(6), 0, 500, 9), _alike_window(rng, range(3, 9), 10_000, 500, 9)]
        design = Design([Group(b.item, b.annotator, b.value, kind="R") for b in pair], delta)
        c = design.contrast([-1.0, 1.0])
        estimates.append(c.estimate)
        items.append(c.var_items)
        annotators.append(c.var_annotators)
        spreads.append(design.unbiased_spread[0])
    assert abs(np.mean(spreads)) < 3 * np.std(spreads) / np.sqrt(len(spreads))
    assert abs(np.mean(annotators)) < 0.1 * np.mean(items)
    assert 0.9 < np.std(estimates, ddof=1) / np.sqrt(np.mean(np.add(items, annotators))) < 1.1


def test_the_spread_noise_by_hand():
    # V_annotators = Σ_g a_g·(‖b_g‖² − Σ_i ‖u_gi‖²) over two groups of one kind sharing a third of
    # their items; the variance estimate 4·Σ_i g_i² − 2·Σ_{i≠k} h_ik² − 4·Σ_i h_ii² by brute force
    rng = np.random.default_rng(16)
    item, annotator, value = _random_ratings(rng, items=40, annotators=6)
    other = _random_ratings(rng, items=40, annotators=6)
    groups = [Group(item, annotator, value, kind="R"), Group(other[0] + 27, other[1], other[2], kind="R")]
    design = Design(groups, NOMINAL4)
    inf = design.influence([-1.0, 1.0])
    square = float((inf.loadings**2).sum())
    u = np.zeros((2, len(design.item_ids), len(design.annotator_ids)))
    b = np.zeros((2, len(design.annotator_ids)))
    scale = np.zeros(2)
    for k, c, x in design._crossed:
        u[k][np.ix_(x.items, x.annotators)] = x.u
        b[k][x.annotators] = x.b
        scale[k] = c * square / design._pooled[0]
    assert np.abs(u.sum(axis=1)).max() < 1e-6 * np.abs(u).max()  # influences at the fit sum to 0 (but the ridge)
    assert (scale * ((b**2).sum(axis=1) - (u**2).sum(axis=(1, 2)))).sum() == pytest.approx(
        design.covariance(inf, inf)[1], rel=1e-9)
    h = np.einsum("g,gij,gkj->ik", scale, u, u)
    g = np.einsum("g,gij,gj->i", scale, u, b)
    off = h - np.diag(np.diag(h))
    by_hand = 4 * (g**2).sum() - 2 * (off**2).sum() - 4 * (np.diag(h)**2).sum()
    assert design.spread_noise(inf) == pytest.approx(max(by_hand, 0.0), rel=1e-9)
    assert by_hand > 0


def test_the_spread_noise_matches_the_spread_of_v_annotators_and_lowers_the_df():
    # annotators alike, the set changed: V_annotators is 0 on average, and as noisy as the items'
    # part; its noise estimate is its variance over fresh items, and the df are few
    rng = np.random.default_rng(17)
    delta = 1.0 - np.eye(6)
    annotators, noise, df = [], [], []
    for _ in range(300):
        pair = [_alike_window(rng, range(6), 0, 300, 12), _alike_window(rng, range(6, 12), 10_000, 300, 12)]
        design = Design([Group(b.item, b.annotator, b.value, kind="R") for b in pair], delta)
        inf = design.influence([-1.0, 1.0])
        annotators.append(design.covariance(inf, inf)[1])
        noise.append(design.spread_noise(inf))
        df.append(design.contrast([-1.0, 1.0]).df)
    assert 0.75 < np.mean(noise) / np.var(annotators) < 1.33
    assert np.median(df) < 10  # 600 items, but the annotators' part is as uncertain as 12 annotators make it


def test_items_rated_twice_count_and_items_rated_once_do_not_by_hand():
    # three items rated twice: (0, 0), (0, 1), (1, 1), and an item rated once. n = 6 pairable values,
    # three of each category; T = 2 (item 1's pair, both orders, weight 1/(m − 1) = 1);
    # E = 3·3·2 = 18; α = 1 − (n − 1)·T/E = 1 − 5·2/18 = 4/9
    item = np.array([0, 0, 1, 1, 2, 2, 3])
    annotator = np.array([0, 1, 0, 1, 0, 1, 0])
    value = np.array([0, 0, 0, 1, 1, 1, 0])
    lin = linearise(item, annotator, value, NOMINAL4)
    assert lin.alpha == pytest.approx(4 / 9)
    assert lin.n_items == 3 and list(lin.items) == [0, 1, 2] and list(lin.rows) == [0, 1, 2, 3, 4, 5]
    # without item 0: (0, 1), (1, 1): α = 1 − 3·2/(1·3·2) = 0; without item 1: α = 1; without item 2: α = 0.
    # The jackknife influences: √(2/3)·(mean − α₋ᵢ) = √(2/3)·(1/3, −2/3, 1/3)
    assert lin.item_jackknife == pytest.approx(np.sqrt(2 / 3) * np.array([1 / 3, -2 / 3, 1 / 3]))
    # the linearisation: g_T = −n/E = −1/3; g_c = −T/E + n·T·2(δn)_c/E² = −1/9 + 6·2·2·3/18² = 1/9 for both
    # categories used; U_i = g_T·T_i + Σ g_c = (2/9, 2/9 − 2/3, 2/9); a judgement's z = g_T·(2·d/(m − 1) − T/n)
    # + g_c: 2/9 when it agrees with its partner (d = 0), −4/9 when not (d = 1)
    assert lin.g_total == pytest.approx(-1 / 3)
    assert lin.item_influence == pytest.approx([2 / 9, -4 / 9, 2 / 9])
    assert lin.cell_influence == pytest.approx([2 / 9, 2 / 9, -4 / 9, -4 / 9, 2 / 9, 2 / 9])
    # as a design, with item 3 rated by a third annotator alone: 3 items and 2 annotators count (annotator
    # 2 has no pairable judgement), and the items' variance is Σ jackknife² = 2/3·(1 + 4 + 1)/9 = 4/9
    c = Design([Group(item, np.array([0, 1, 0, 1, 0, 1, 2]), value)], NOMINAL4).contrast([1.0])
    assert (c.n_items, c.n_annotators) == (3, 2)
    assert c.estimate == pytest.approx(4 / 9) and c.var_items == pytest.approx(4 / 9)


def test_quantile_above_20_df_is_the_published_cornish_fisher_series():
    from scipy import stats

    # Abramowitz & Stegun 26.7.5 (Student's t from the normal quantile x, four terms in 1/ν), written
    # out from the handbook: the series itself, to rounding, wherever quantile() uses it
    def published(x, nu):
        g1 = (x**3 + x) / 4
        g2 = (5 * x**5 + 16 * x**3 + 3 * x) / 96
        g3 = (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384
        g4 = (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160
        return x + g1 / nu + g2 / nu**2 + g3 / nu**3 + g4 / nu**4

    for p in (0.975, 0.995, 0.9995):
        x = stats.norm.ppf(p)
        for nu in (20.0, 37.5, 400.0):
            assert quantile(p, nu) == pytest.approx(published(x, nu), rel=1e-13, abs=0)
        # and the series is what it claims: what is left of t is of order 1/ν⁵ (under 1e-8 at 100 df)
        assert quantile(p, 100.0) == pytest.approx(stats.t.ppf(p, 100.0), abs=1e-8)
    assert quantile(0.975, 19.99) == pytest.approx(stats.t.ppf(0.975, 19.99), abs=1e-6)  # below 20: exact t


def test_pairs_by_hand_and_an_item_rated_once_neither_pairs_nor_warns():
    import warnings

    from guidelines_tool.agreement.twoway import pairs

    # item 5 rated 0, 1, 1 by annotators 0, 1, 2 (three pairs of weight 1/2); item 7 once (no pair);
    # item 9 rated 0, 0 by annotators 1, 2 (one pair of weight 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a division by an item's m − 1 = 0 would print a RuntimeWarning
        found = pairs(np.array([5, 5, 5, 7, 9, 9]), np.array([0, 1, 2, 0, 1, 2]), np.array([0, 1, 1, 2, 0, 0]),
                      1.0 - np.eye(3))
    got = sorted(zip(found.item.tolist(), found.first.tolist(), found.second.tolist(), found.gap.tolist(),
                     found.weight.tolist()))
    assert got == [(5, 0, 1, 1.0, 0.5), (5, 0, 2, 1.0, 0.5), (5, 1, 2, 0.0, 0.5), (9, 1, 2, 0.0, 1.0)]


def _careless(rng, items=200, annotators=6, first_item=0):
    period = simulate.Period(items, 0.05, {"R": 0.1}, first_item=first_item)
    offsets = np.zeros((annotators, 1))
    offsets[:2] = 0.3  # two annotators swap the pair far more often
    return simulate.simulate_period(period, (simulate.Scope("R", (0, 1), 1.0),), n_labels=4, annotators=annotators,
                                    per_item=3, rng=rng, governed_items=items, annotator_confusion=offsets)


def test_the_annotators_spread_is_the_cross_fitted_product_of_the_halves_effects():
    # σ² = J/(J − 1)·mean_j b_j⁽¹⁾·b_j⁽²⁾ from the propensities fitted on each half of the items (one
    # split, the same random halves: the design draws one uniform number per item, in item order)
    b = _careless(np.random.default_rng(9))
    # a seventh annotator rates one item (with annotator 0): it is in one half only, so it has no product
    item, annotator, value = (np.append(x, extra) for x, extra in
                              ((b.item, [10_000, 10_000]), (b.annotator, [6, 0]), (b.value, [1, 1])))
    design = Design([Group(item, annotator, value)], NOMINAL4, splits=1, rng=np.random.default_rng(10))
    ids = np.unique(item)
    first = np.isin(item, ids[np.random.default_rng(10).random(len(ids)) < 0.5])
    halves = [annotator_effects(item[r], annotator[r], value[r], NOMINAL4, 7) for r in (first, ~first)]
    assert [6 in h[1] for h in halves].count(True) == 1
    both = np.intersect1d(halves[0][1], halves[1][1])
    j = len(both)
    assert j == 6
    expected = j / (j - 1) * float((halves[0][0][both] * halves[1][0][both]).mean())
    assert expected > 0  # two careless annotators: a spread to speak of
    assert design.spread == pytest.approx([expected], rel=1e-9)
    # and a contrast loads on it by L_j = 2·g_T·n_j (n_j: j's judgements): V_annotators = σ²·Σ_j L_j²
    lin = linearise(item, annotator, value, NOMINAL4)
    loading = 2.0 * lin.g_total * np.bincount(annotator[lin.rows], minlength=7)
    c = design.contrast([1.0])
    assert c.var_annotators == pytest.approx(expected * float((loading**2).sum()), rel=1e-9)
    # the items' part is the delete-one jackknife's; df by Welch–Satterthwaite over 201 items and 7 annotators
    assert c.var_items == pytest.approx(float((lin.item_jackknife**2).sum()), rel=1e-12)
    assert (c.n_items, c.n_annotators) == (201, 7)
    assert c.df == pytest.approx((c.var_items + c.var_annotators)**2
                                 / (c.var_items**2 / 200 + c.var_annotators**2 / 6), rel=1e-12)


def test_the_default_spread_is_the_mean_over_every_split_in_closed_form():
    # b² − Σ_i u_i² against the halves' products averaged over 500 random splits (equal to first
    # order in an item's influence): within 2 %, and no seed
    b = _careless(np.random.default_rng(9))
    groups = [Group(b.item, b.annotator, b.value)]
    closed = Design(groups, NOMINAL4, rng=np.random.default_rng(1))
    assert closed.unbiased_spread[0] > 0  # two careless annotators
    assert closed.unbiased_spread == pytest.approx(Design(groups, NOMINAL4, rng=np.random.default_rng(2)).unbiased_spread,
                                                   rel=1e-12)
    many = Design(groups, NOMINAL4, splits=500, rng=np.random.default_rng(1))
    assert closed.unbiased_spread[0] == pytest.approx(many.unbiased_spread[0], rel=0.02)


def test_a_group_with_one_item_leaves_a_half_empty_and_adds_no_spread():
    import warnings

    # a rule cited on a single item after the commit: one half of the split has no pair of it
    b = _careless(np.random.default_rng(11))
    alone = Design([Group(b.item, b.annotator, b.value, kind="R")], NOMINAL4, splits=1, rng=np.random.default_rng(12))
    single = Group(np.array([10_000, 10_000]), np.array([0, 1]), np.array([0, 1]), kind="S")  # its id sorts last
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a kind with no cross-fitted product must not divide 0 by 0 on the way
        both = Design([Group(b.item, b.annotator, b.value, kind="R"), single], NOMINAL4, splits=1,
                      rng=np.random.default_rng(12))
    assert (both.group_items(0), both.group_items(1)) == (200, 1)
    assert both.kinds == ["R", "S"]
    assert both.spread[1] == 0.0
    assert both.spread[0] == pytest.approx(alone.spread[0], rel=1e-12)  # the same halves of the rule's items
    assert both.alpha(1) == pytest.approx(0.0)  # one item, one disagreement: 1 − (2 − 1)·2/2


def test_an_undefined_group_has_no_alpha_no_items_and_no_estimate():
    agreed = Group(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([2, 2, 2, 2]))  # one category: α undefined
    design = Design([agreed, Group(*_random_ratings(np.random.default_rng(13)))], NOMINAL4)
    assert design.alpha(0) is None and design.group_items(0) == 0 and design.group_items(1) == 60
    c = design.contrast([1.0, -1.0])
    assert c.estimate is None and c.se is None and c.p_value is None and c.interval() is None
    assert design.contrast([0.0, 1.0]).estimate == pytest.approx(design.alpha(1))  # a zero weight skips it


def test_satterthwaite_by_hand():
    from guidelines_tool.agreement.twoway import satterthwaite

    # (0.04 + 0.01)² / (0.04²/10 + 0.01²/1) = 0.0025 / 0.00026
    assert satterthwaite(0.04, 11, 0.01, 2) == pytest.approx(0.0025 / 0.00026)
    assert satterthwaite(0.04, 11, 0.0, 1) == pytest.approx(10.0)  # one component: its own df
    assert satterthwaite(0.0, 40, 0.09, 5) == pytest.approx(4.0)
    assert satterthwaite(0.0, 1, 0.0, 1) == float("inf")  # no variance at all
    # the spread's own noise (Design.spread_noise) adds half its variance: 2·V²/Var(V̂)
    assert satterthwaite(0.04, 11, -0.01, 2, noise=0.0004) == pytest.approx(0.03**2 / (0.04**2 / 10 + 0.0002))
    assert satterthwaite(0.001, 11, 0.0, 2, noise=1.0) == 1.0  # never below 1


def test_annotator_effects_are_the_weighted_least_squares_fit_of_the_pairs():
    # every pair's disagreement, less the weighted mean, regressed on b_first + b_second with weights
    # 1/(m − 1): np.linalg.lstsq on the explicit design matrix (full rank: seven annotators, items rated 3-4 times)
    from guidelines_tool.agreement.twoway import pairs

    rng = np.random.default_rng(14)
    item = np.repeat(np.arange(80), 3)
    item[::7] = 80  # one item rated many times
    annotator = np.concatenate([rng.permutation(7)[:3] for _ in range(80)])
    value = rng.integers(0, 4, len(item))
    found = pairs(item, annotator, value, NOMINAL4)
    effect, present = annotator_effects(item, annotator, value, NOMINAL4, 9)  # codes 7 and 8 never rate
    assert list(present) == list(range(7)) and effect[7] == effect[8] == 0.0
    x = np.zeros((len(found.gap), 7))
    np.add.at(x, (np.arange(len(found.gap)), found.first), 1.0)
    np.add.at(x, (np.arange(len(found.gap)), found.second), 1.0)
    y = found.gap - np.average(found.gap, weights=found.weight)
    root = np.sqrt(found.weight)
    expected = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
    assert effect[:7] == pytest.approx(expected, abs=1e-9)
