"""Where the guidelines are still ambiguous: the "which rule to clarify next" answer.

From one task's annotations: the label pairs behind most disagreement, the items with the lowest
agreement (with their labels and cited rules), the rules to clarify next, and the annotators who
deviate most from the others (and from gold when given). Pure functions over the annotation table
and the project.

Rules to clarify: where annotators cite rules (`rules` column), each rule is measured on the items
that cite it — its share of all observed disagreement, α there and the pair confused most — and
ranked by that share: the rule whose items hold the most disagreement is the one whose rewording
would remove the most. An item citing several rules (in one cell, or one rule per annotator)
gives each an equal part of its disagreement, so the rules' shares and the share of the items
citing no rule add up to 100 %: no disagreement is counted twice. Without citations the only
link is a rule's `labels`: rules whose labels cover a confused pair, ranked by the disagreement
those pairs hold. Several rules often share a pair and each counts it whole (the disagreement
cannot be split by what nobody said), so those shares overlap; the output says which basis it
used and how its shares are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from guidelines_tool import agreement
from guidelines_tool.annotations import AnnotationTable, Gold
from guidelines_tool.errors import DataError
from guidelines_tool.model import Project


@dataclass(frozen=True)
class ItemHotspot:
    item: str
    n_annotations: int
    agreement: float  # share of agreeing annotator pairs on the item
    labels: dict[str, int]
    rules: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "n_annotations": self.n_annotations,
                "agreement": round(self.agreement, 6), "labels": self.labels,
                "rules": list(self.rules)}


@dataclass(frozen=True)
class RuleHotspot:
    rule: str
    title: str
    share: float  # of all observed disagreement: on the items citing the rule, or on its pairs
    pairs: tuple[tuple[str, str], ...]  # most confused first
    cited_on_low_items: int  # low-agreement items where an annotator cited it
    n_labels: int = 2
    pairs_share: tuple[float, ...] = ()  # each pair's share of all observed disagreement
    basis: str = "labels"  # "citations": measured on the items citing the rule
    n_items: int = 0  # items citing the rule (citations basis)
    alpha: float | None = None  # α on those items (citations basis)

    @property
    def top_share(self) -> float:
        """The share of the most confused pair the rule decides."""
        return self.pairs_share[0] if self.pairs_share else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = {"rule": self.rule, "title": self.title, "basis": self.basis, "share": round(self.share, 6),
               "pairs": [list(p) for p in self.pairs], "cited_on_low_items": self.cited_on_low_items}
        if self.basis == "citations":
            out |= {"n_items": self.n_items, "alpha": _round(self.alpha)}
        return out


@dataclass(frozen=True)
class AnnotatorHotspot:
    annotator: str
    n_annotations: int
    agreement_with_others: float | None  # α-scaled (1 − D_o(annotator) / D_e)
    percent_agreement: float | None
    gold_accuracy: float | None = None
    gold_n: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = {"annotator": self.annotator, "n_annotations": self.n_annotations,
               "alpha_vs_others": _round(self.agreement_with_others),
               "percent_agreement": _round(self.percent_agreement)}
        if self.gold_n:
            out |= {"gold_accuracy": _round(self.gold_accuracy), "gold_n": self.gold_n}
        return out


@dataclass(frozen=True)
class HotspotReport:
    task: str | None
    alpha: float | None
    n_items: int
    pairs: list[agreement.ConfusionPair]
    items: list[ItemHotspot]
    rules: list[RuleHotspot]
    annotators: list[AnnotatorHotspot]
    # citations basis: the share of all disagreement on items citing no rule (with the rules'
    # shares, listed or not, it makes 100 %); None on the labels basis
    uncited_share: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task, "alpha": _round(self.alpha), "n_items": self.n_items,
            "uncited_share": _round(self.uncited_share),
            "confused_pairs": [{"labels": [p.a, p.b], "pairs": round(p.pairs, 6),
                                "share": round(p.share, 6)} for p in self.pairs],
            "items": [i.to_dict() for i in self.items],
            "rules": [r.to_dict() for r in self.rules],
            "annotators": [a.to_dict() for a in self.annotators],
        }


def hotspots(
    project: Project | None, table: AnnotationTable, *, top: int = 10, gold: Gold | None = None
) -> HotspotReport:
    """The disagreement hotspots of one task's annotations."""
    if len(table) == 0:
        raise DataError("no usable annotations were read")
    task = project.tasks.get(table.task_id) if project is not None and table.task_id else None
    categories = None if table.multi_label or task is None else task.label_ids
    table = table.pooled()  # re-labels under a later revision: the latest judgement, row for row
    ratings = table.ratings(categories=categories)
    metric = "nominal" if table.multi_label or task is None else task.scale
    alpha = agreement.krippendorff_alpha(ratings, metric).value
    all_pairs = agreement.confusion_pairs(ratings, metric, top=10**6)
    items = _low_items(table, ratings, top)
    uncited = None
    if project is None or table.task_id is None:
        rules = []
    elif any(table.rule_sets):
        rules, uncited = _rules_by_citations(project, table, ratings, metric, items, top)
    else:
        rules = _rules(project, table.task_id, all_pairs, items, top)
    annotators = _annotators(ratings, metric, gold)
    n_items = int((ratings.counts.sum(axis=1) > 0).sum())
    return HotspotReport(table.task_id, alpha, n_items, all_pairs[:top], items, rules, annotators[:top], uncited)


def _low_items(table: AnnotationTable, ratings: agreement.Ratings, top: int) -> list[ItemHotspot]:
    counts = ratings.counts
    r = counts.sum(axis=1)
    pairable = np.flatnonzero(r >= 2)
    agree = (counts[pairable] * (counts[pairable] - 1)).sum(axis=1) / (r[pairable] * (r[pairable] - 1))
    names = np.asarray([str(name) for name in ratings.items], dtype=str)[pairable]
    # lowest agreement first, then the most rated, then by name (vectorised: a million items)
    order = np.lexsort((names, -r[pairable], agree))[:top]
    chosen = pairable[order]
    cited: dict[int, set[str]] = {int(i): set() for i in chosen}
    if table.rule_sets:
        # ratings keep the table's row order: its item codes pick the rows of the chosen items
        for row in np.flatnonzero(np.isin(ratings.item, chosen)):
            cited[int(ratings.item[row])].update(table.rule_sets[table.rules[row]])
    out = []
    for k, i in zip(order, chosen):
        row = counts[i]
        labels = {str(ratings.categories[c]): int(row[c]) for c in np.flatnonzero(row)}
        out.append(ItemHotspot(str(names[k]), int(r[i]), float(agree[k]),
                               dict(sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))),
                               tuple(sorted(cited[int(i)]))))
    return out


def _rules_by_citations(project: Project, table: AnnotationTable, ratings: agreement.Ratings, metric: str,
                        items: list[ItemHotspot], top: int) -> tuple[list[RuleHotspot], float]:
    """Each rule on the items citing it: share of all observed disagreement (an item citing k
    rules gives each 1/k of its own), α, confused pairs; and the share on items citing none."""
    delta = agreement.category_distance(ratings, metric)
    counts = ratings.counts.astype(float)
    m = counts.sum(axis=1)
    # each item's observed disagreement, weighted as α weighs it (sums to the coincidence total)
    item_disagreement = ((counts @ delta) * counts).sum(axis=1) / np.maximum(m - 1, 1)
    total = float(item_disagreement.sum())
    # the distinct (item, rule) citations, once: each rule then looks only at those
    rule_ids = sorted({rule_id for members in table.rule_sets for rule_id in members})
    rule_code = {rule_id: k for k, rule_id in enumerate(rule_ids)}
    n_sets = len(table.rule_sets)
    pairs = np.unique(ratings.item.astype(np.int64) * n_sets + table.rules)
    pair_item, pair_set = np.divmod(pairs, n_sets)
    # each pair expanded to its set's members, without a Python loop over (a million) items
    flat = np.array([rule_code[r] for rules in table.rule_sets for r in rules], dtype=np.int64)
    set_sizes = np.array([len(rules) for rules in table.rule_sets], dtype=np.int64)
    sizes = set_sizes[pair_set]
    within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    members = flat[np.repeat((np.cumsum(set_sizes) - set_sizes)[pair_set], sizes) + within]
    n_rule_ids = max(len(rule_ids), 1)
    cite_item, cite_rule = np.divmod(np.unique(np.repeat(pair_item, sizes) * n_rule_ids + members), n_rule_ids)
    n_rules = np.bincount(cite_item, minlength=len(m))  # distinct rules cited on each item
    part = item_disagreement / np.maximum(n_rules, 1)
    uncited = float(item_disagreement[n_rules == 0].sum()) / total if total > 0 else 0.0
    out = []
    for rule in project.rules_of(table.task_id):
        if rule.status == "deprecated" or rule.id not in rule_code:
            continue
        cited = cite_item[cite_rule == rule_code[rule.id]]
        cited = cited[m[cited] >= 2]  # an item rated once holds no pairable disagreement
        if not len(cited):
            continue
        share = float(part[cited].sum()) / total if total > 0 else 0.0
        # α and pairs from the cited items' counts: no pass over every row per rule
        subset = replace(agreement.Ratings.from_counts(ratings.counts[cited], ratings.categories),
                         numeric=ratings.numeric, distance=ratings.distance)
        alpha = agreement.krippendorff_alpha(subset, metric).value
        pairs = agreement.confusion_pairs(subset, metric, top=2)
        out.append(RuleHotspot(
            rule.id, rule.title, share, tuple((str(p.a), str(p.b)) for p in pairs),
            sum(rule.id in item.rules for item in items), len(set(rule.labels)),
            tuple(p.share * share for p in pairs), "citations", len(cited),
            None if alpha is None or not np.isfinite(alpha) else float(alpha),
        ))
    # most disagreement first; among equals the lower agreement
    out.sort(key=lambda h: (-round(h.share, 12), h.alpha if h.alpha is not None else 1.0, h.rule))
    return [h for h in out if h.share > 0][:top], uncited


def _rules(project: Project, task_id: str, pairs: list, items: list[ItemHotspot],
           top: int) -> list[RuleHotspot]:
    out = []
    for rule in project.rules_of(task_id):
        if rule.status == "deprecated":
            continue
        covered = [p for p in pairs if {str(p.a), str(p.b)} <= set(rule.labels)]
        if not covered:
            continue
        cited = sum(rule.id in item.rules for item in items)
        out.append(RuleHotspot(rule.id, rule.title, sum(p.share for p in covered),
                               tuple((str(p.a), str(p.b)) for p in covered), cited, len(set(rule.labels)),
                               tuple(p.share for p in covered)))
    # the rules deciding the most confused pair first; among them the most specific (fewest
    # labels: a catch-all rule covers every pair without pointing anywhere), then the most covered
    out.sort(key=lambda h: (-round(h.top_share, 12), h.n_labels, -round(h.share, 12),
                            -h.cited_on_low_items, h.rule))
    return out[:top]


def _annotators(ratings: agreement.Ratings, metric: str, gold: Gold | None) -> list[AnnotatorHotspot]:
    rows = agreement.annotator_agreement(ratings, metric)
    accuracy: dict[int, tuple[float, int]] = {}
    if gold is not None:
        position = {c: k for k, c in enumerate(ratings.categories)}
        codes = np.array([position.get(gold.labels.get(str(i)), -1) for i in ratings.items], dtype=np.int64)
        correct, judged = agreement.accuracy(ratings, codes)
        accuracy = {a: (float(correct[a] / judged[a]) if judged[a] else None, int(judged[a]))
                    for a in range(len(judged))}
    out = []
    for a, row in enumerate(rows):
        acc, n = accuracy.get(a, (None, 0))
        out.append(AnnotatorHotspot(str(row.annotator), row.n_ratings, row.alpha.value,
                                    row.percent_agreement.value, acc, n))
    # most deviant first: lowest agreement with the others; undefined last
    return sorted(out, key=lambda h: (h.agreement_with_others is None,
                                      h.agreement_with_others if h.agreement_with_others is not None else 0.0,
                                      h.annotator))


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)
