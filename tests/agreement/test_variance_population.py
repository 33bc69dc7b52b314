"""The finite-population correction of the analytic variances (issue 17: ignoring it survived
the suite).

No published example prints a standard error with a finite population, so these hold the
documented relation (irrCAC: variance × (1 − n/N), Gwet 2014 §5): they kill ignoring the factor
(`f = 0`, `(1 - f)` dropped, `n/N` inverted) in every formula family."""

from __future__ import annotations

import math

import numpy as np
import pytest

from guidelines_tool.agreement import variance as av


@pytest.mark.parametrize(("name", "variant"), [(name, "raw") for name in av.RAW_COEFFICIENTS]
                         + [("krippendorff_alpha", "dist")])  # only α has a separate .dist variance
def test_finite_population_scales_the_multi_rater_se(name, variant, vector_files, load_vector, random_ratings):
    raw4raters = load_vector(next(p for p in vector_files if p.name == "gwet_raw4raters.json"))[1]
    for ratings in (raw4raters, random_ratings(3)):
        infinite = av.gwet_se(name, ratings, variant=variant)
        rated = int(np.unique(ratings.item).size)
        for population in (rated, 2 * rated, 10 * rated + 3):
            finite = av.gwet_se(name, ratings, variant=variant, population=population)
            assert finite.value == infinite.value
            assert finite.se == pytest.approx(infinite.se * math.sqrt(1 - rated / population), rel=1e-12, abs=1e-15), population
            assert finite.df == infinite.df
        census = av.gwet_se(name, ratings, variant=variant, population=rated)
        assert census.se == pytest.approx(0.0, abs=1e-12)  # every item rated: no sampling error


@pytest.mark.parametrize("name", av.TABLE_COEFFICIENTS)
def test_finite_population_scales_the_two_rater_table_se(name, random_ratings):
    ratings = random_ratings(5, n_annotators=2, missing=0.1)
    infinite = av.table_se(name, ratings)
    table, _ = av._pair_table(ratings)
    pairs = int(table.sum())
    for population in (2 * pairs, 5 * pairs + 1):
        finite = av.table_se(name, ratings, population=population)
        assert finite.value == infinite.value
        assert finite.se == pytest.approx(infinite.se * math.sqrt(1 - pairs / population), rel=1e-12)
    assert av.table_se(name, ratings, population=pairs).se == pytest.approx(0.0, abs=1e-40)
