"""The warnings an `impact` revision can carry, each with what it means: one source for the core
(their order), the text and md reports and the site's quality page. No imports: reporters that
print them stay cheap to import."""

from __future__ import annotations

WARNINGS: dict[str, str] = {
    "annotator_turnover": (
        "fewer than half of the annotators who worked in either window worked in both. The interval "
        "counts annotators as a sample (items and annotators resampled together), so it is wider, "
        "but a change in who annotates is not the rule's doing: --annotators shared compares only "
        "those who worked in both windows."),
    "regression_to_mean": (
        "agreement on the rule's items was unusually low just before the commit (it was the task's "
        "worst-agreeing rule then, what `hotspots` points at, or well below the rule's own longer "
        "history): part of any rise after it is chance coming back. Where the data has earlier "
        "states of the rule, the estimate is against those (they were not what prompted the edit); "
        "otherwise its p-value and interval are conditional on the rule having looked worst, and when "
        "it looked worst by a margin chance explains (under 2 standard errors) the verdict is withheld "
        "unless that conditional test is decisive (p ≤ 0.001): the estimate still carries the dip, and "
        "short of that nothing in this data tells the two apart. An "
        "experiment (`guidelines experiment plan`) or a longer history does."),
    "pre_trend": (
        "agreement on the rule's items was already moving against the other items before the "
        "commit: the window just before sits well above (or below) the rule's earlier states, or "
        "reads the change differently from them, or (with four or more states before the commit) the "
        "line through them was already rising or falling the way the estimate goes; then the estimate "
        "shown is against that line carried forward (marked ᵗ). Annotators learning the distinction "
        "look like an effect of the revision, so such a call is withheld. A slow drift can hide in "
        "two or three states: an experiment randomises it away."),
    "label_dependent_citations": (
        "annotators cite the rule far more often with some labels than with others (e.g. only when "
        "choosing its decision label), so the items citing it are chosen by their labels: selection "
        "on the outcome; the verdict is withheld. A scope column or --scope FILE assigns items to "
        "rules independently of the labels."),
    "low_citation_rate": (
        "most judgements of the rule's items do not cite it, so uncited items of the rule sit among "
        "the other items; the control is therefore the items citing other rules (when there are "
        "enough), which the output says."),
    "labels_fallback": (
        "no citations and no scope: the rule's items are those where someone chose one of its "
        "labels, i.e. chosen by the outcome itself; the verdict is withheld. Cite rules in the "
        "`rules` column, or give a scope column or --scope FILE."),
    "several_rules_changed": (
        "other rules of the task changed in the same commit; the control leaves their items out, but "
        "annotators met all the changes at once. When the rules share many items the verdict is "
        "withheld."),
}
