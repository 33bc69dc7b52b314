"""Inter-annotator agreement: pure statistics over integer-coded arrays.

One module, one job (read them in this order):

- `distances`    agreement weights (Gwet) and disagreement distances (Krippendorff, MASI)
- `ratings`      the `Ratings` record, rating patterns and Krippendorff's coincidence matrix
- `coefficients` point estimates: α, percent agreement, Fleiss, AC1/AC2, Brennan–Prediger,
                 Conger, Cohen, Scott, Bangdiwala; an undefined value is None with its reason
- `bootstrap`    replicates of the coefficients by resampling (items today): every
                 resampling scheme lives here
- `intervals`    named coefficients with their percentile bootstrap intervals
- `diagnostics`  per label, per annotator, confusion pairs, accuracy against gold
- `variance`     analytic standard errors as Gwet (2014) / irrCAC and SAS compute them
- `twoway`       contrasts of α (arm B − arm A, a difference in differences) with items *and*
                 annotators random: two-way standard errors, df, p-values (impact, experiments)
- `report`       `guidelines agreement`: an annotation table → an `AgreementReport`

This module re-exports the public names of the statistics, so `agreement.krippendorff_alpha`,
`agreement.Ratings` or `agreement.alpha_bootstrap` read the same as before the package was
split. `variance`, `twoway` and `report` are imported as modules of their own (`report` reads annotation
tables, so importing the statistics does not import the readers). Names with a leading
underscore are shared between this package's modules, not used outside it. To replace a
function in a test, patch it in the module that calls it (e.g. `bootstrap.resample`): patching
the name re-exported here does not reach callers inside the package.
"""

from __future__ import annotations

from guidelines_tool.agreement.bootstrap import alpha_bootstrap, resample
from guidelines_tool.agreement.coefficients import (
    COEFFICIENT_FUNCTIONS,
    COEFFICIENTS,
    NO_PAIRS,
    ONE_CATEGORY,
    Coefficient,
    bangdiwala_b,
    brennan_prediger,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
    undefined,
)
from guidelines_tool.agreement.diagnostics import (
    AnnotatorAgreement,
    ConfusionPair,
    accuracy,
    annotator_agreement,
    binary_alphas,
    category_distance,
    confusion_pairs,
)
from guidelines_tool.agreement.distances import (
    METRICS,
    SCALE_WEIGHTS,
    WEIGHTS,
    Metric,
    gwet_weights,
    masi_distance,
    masi_matrix,
    metric_distance,
    ordinal_distance,
)
from guidelines_tool.agreement.intervals import (
    all_coefficients,
    coefficient,
    interval_method,
    interval_reason,
    percentile_interval,
)
from guidelines_tool.agreement.ratings import (
    Patterns,
    Ratings,
    coincidence_matrix,
    count_patterns,
    encode,
)

__all__ = [
    "COEFFICIENTS",
    "COEFFICIENT_FUNCTIONS",
    "METRICS",
    "NO_PAIRS",
    "ONE_CATEGORY",
    "SCALE_WEIGHTS",
    "WEIGHTS",
    "AnnotatorAgreement",
    "Coefficient",
    "ConfusionPair",
    "Metric",
    "Patterns",
    "Ratings",
    "accuracy",
    "all_coefficients",
    "alpha_bootstrap",
    "annotator_agreement",
    "bangdiwala_b",
    "binary_alphas",
    "brennan_prediger",
    "category_distance",
    "coefficient",
    "cohen_kappa",
    "coincidence_matrix",
    "confusion_pairs",
    "conger_kappa",
    "count_patterns",
    "encode",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_weights",
    "interval_method",
    "interval_reason",
    "krippendorff_alpha",
    "masi_distance",
    "masi_matrix",
    "metric_distance",
    "ordinal_distance",
    "percent_agreement",
    "percentile_interval",
    "resample",
    "scott_pi",
    "undefined",
]
