"""Output of `impact` and `hotspots`: text, json and markdown (a pull-request comment), by name
(`IMPACT_REPORTERS`, `HOTSPOTS_REPORTERS`). Importing this module stays cheap (no numpy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.output import json_text, md_cell

from guidelines_tool.impact_warnings import WARNINGS

if TYPE_CHECKING:
    from guidelines_tool.hotspots import HotspotReport
    from guidelines_tool.impact import ImpactReport, RevisionImpact

REASON_TEXT = {"unknown_revision": "unknown revision", "no_timestamp": "no revision and no timestamp",
               "before_first_commit": "dated before the first commit"}
VERDICT_MARK = {"improved": "improved ▲", "regressed": "REGRESSED ▼", "no_clear_change": "no clear change",
                "inconclusive": "inconclusive ?", "insufficient_data": "too little data"}


WIDTH = 100  # terminal columns the text reports are laid out for
LEGEND = ("items, α: how many items each rule governs before and after the commit (before, after), "
          "and the agreement on them. control: the change on the task's other items over the same commit (annotators "
          "getting better, an easier batch). DiD: the rule's change minus the control's, with its 95 % "
          "interval (items and annotators both counted as samples); where the rule has earlier "
          "states, against those (marked ᵇ), not the window just before, which is what prompts an edit; where "
          "the rule was already drifting before the commit, against that drift carried forward (marked ᵗ).")
SCOPE_NOTE = {"scope": "the items in its scope", "citations": "the items citing it",
              "labels": "the items carrying its labels"}


def _num(value: float | None, signed: bool = False, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _ci(ci, digits: int = 3) -> str:
    return "" if ci is None else f"[{ci[0]:+.{digits}f}, {ci[1]:+.{digits}f}]"


def _p(name: str, value: float | None) -> str:
    if value is None:
        return f"{name} —"
    if value < 0.001:
        return f"{name} < 0.001"
    return f"{name} = {value:.3f}" if value < 0.1 else f"{name} = {value:.2f}"


def fdr_line(fdr: float, tests: int) -> str:
    """How verdicts are held to the false discovery rate, in one line."""
    return (f"A revision is called improved or regressed when its q-value is {fdr:g} or less: Benjamini–Hochberg "
            f"over the {tests} revision{'' if tests == 1 else 's'} checked, so about {100 * fdr:g} % of such calls "
            "are expected to be chance.")


def explain(row: dict) -> str:
    """One sentence a lead understands for one revision (its to_dict() form)."""
    verdict = row.get("verdict")
    tests = row.get("tests") or 0
    annotators = row.get("annotators") or {}
    union = annotators.get("before", 0) + annotators.get("after", 0) - annotators.get("shared", 0)
    who = f"annotators shared: {annotators.get('shared', 0)} of {union}" if union else ""
    parts: list[str] = []
    if verdict == "insufficient_data":
        return f"too little data: {row.get('reason') or 'fewer items than min_items on a side'}"
    if verdict == "inconclusive":
        withheld = ", ".join(row.get("withheld_by") or row.get("warnings") or [])
        estimate = row.get("did") if row.get("did") is not None else row.get("delta")
        name = "DiD" if row.get("did") is not None else "change"
        parts.append(f"withheld ({withheld}): {name} {_num(estimate, True, 2)}, {_p('p', row.get('p_value'))}")
    else:
        checked = f" after checking {tests} revision{'' if tests == 1 else 's'}" if tests else ""
        parts.append(_p("q", row.get("q_value")) + checked)
        adjusted = row.get("adjusted_ci")
        if adjusted:
            parts.append(f"interval adjusted for the calls made (false coverage rate) {_ci(adjusted['ci'], 2)}")
    trend = row.get("trend") or {}
    if row.get("estimate") == "trend":
        parts.append(f"against the drift of the rule's earlier states carried forward "
                     f"({_num(trend.get('per_state'), True, 3)} a state over {trend.get('states')} states, "
                     f"{_p('p', trend.get('p_value'))})")
    elif row.get("estimate") == "baseline":
        adjacent = row.get("adjacent") or {}
        just_before = (f" (just before: {_num(adjacent.get('did'), True, 2)}, {_p('p', adjacent.get('p_value'))})"
                       if adjacent else "")
        parts.append("against the rule's earlier states" + just_before)
    selection = row.get("selection") or {}
    if selection.get("adjusted_by") == "conditional":
        parts.append(f"conditional on its having been the worst-agreeing of {selection.get('worst_of')} rules")
    if who:
        parts.append(who)
    warnings = [w for w in row.get("warnings") or [] if w not in (row.get("withheld_by") or [])]
    if warnings:
        parts.append("warnings: " + ", ".join(warnings))
    if verdict in ("improved", "regressed") and not trend:
        parts.append("a drift already under way could not be checked (that needs four guideline states "
                     "before the commit)")
    return "; ".join(parts)


def _unresolved_line(report: ImpactReport) -> str:
    if not report.unresolved_count:
        return "every annotation resolved to a guideline revision"
    parts = ", ".join(f"{REASON_TEXT[k]} {v}" for k, v in sorted(report.unresolved.items()) if v)
    return f"{report.unresolved_count} annotations resolved to no revision and were left out ({parts})"


def _counts(report: ImpactReport) -> dict[str, int]:
    return {v: sum(r.verdict == v for r in report.revisions) for v in VERDICT_MARK}


def _counts_line(report: ImpactReport) -> str:
    counts = _counts(report)
    n = len(report.revisions)
    return (f"{n} rule revision{'' if n == 1 else 's'}: {counts['improved']} improved, "
            f"{counts['regressed']} regressed, {counts['no_clear_change']} no clear change, "
            f"{counts['inconclusive']} inconclusive, {counts['insufficient_data']} too little data")


def _labels_note(report: ImpactReport) -> str | None:
    """Why some revisions were measured on the items carrying the rule's labels, in words."""
    by_labels = [r for r in report.revisions if r.governed_by == "labels"]
    if not by_labels:
        return None
    uncited = any(r.spec.citable_before and r.spec.citable_after for r in by_labels)
    why = ("the data has no `rules` citations" if uncited and len(by_labels) == len(report.revisions)
           else "nobody could cite the rule on one side of the commit (it was added, deprecated or "
                "removed there)" + (", or the data has no citations" if uncited else ""))
    return (f"* governed by labels: {why}, so its items are those where any annotator chose one of "
            "its labels: chosen by the outcome itself, so no verdict rests on them (labels_fallback).")


def warnings_seen(report: ImpactReport) -> list[str]:
    return [code for code in WARNINGS if any(code in r.warnings for r in report.revisions)]


def _placebo_line(report: ImpactReport) -> str | None:
    p = report.placebo
    if p is None:
        return None
    if not p.runs:
        return "placebo: no position where no rule changed has enough items on both sides"
    spread = (f"; their estimates spread {_num(p.null_sd)} against a reported SE of {_num(p.mean_se)}"
              if p.null_sd is not None and p.mean_se is not None else "")
    return (f"placebo: {p.runs} re-runs where no rule changed: {_pct(p.false_positive_rate)} had p ≤ 0.05 "
            f"(5 % expected of a calibrated method){spread}")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _gate_line(report: ImpactReport) -> str | None:
    g = report.gate
    if g is None:
        return None
    if not g.failed:
        return f"gate: none of the {g.revisions} revisions checked cut agreement (Holm, 5 %)"
    names = ", ".join(f"{r.spec.rule}@{r.spec.commit[:7]}" for r in g.failed)
    return f"gate: agreement fell after {names} (Holm over {g.revisions} revisions, 5 %)"


def _commits(report: ImpactReport) -> list[list[RevisionImpact]]:
    """Revisions grouped by (commit, task), in report order."""
    groups: list[list[RevisionImpact]] = []
    for r in report.revisions:
        if groups and (groups[-1][0].spec.commit, groups[-1][0].spec.task) == (r.spec.commit, r.spec.task):
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def _several(group: list[RevisionImpact]) -> str:
    rules = {r.spec.rule for r in group} | {x for r in group for x in r.spec.confounded_with}
    if len(rules) < 2:
        return ""
    return f"{len(rules)} rules changed in this commit (several_rules_changed)"


def _change(spec: Any) -> str:
    # additions and deprecations are always minor: the level only says something for edits
    return f"{spec.change} ({spec.level})" if spec.change == "changed" else spec.change


def _row_dict(r: RevisionImpact, report: ImpactReport) -> dict:
    return {**r.to_dict(), "tests": r.tests or report.tests}


class ImpactTextReporter(Reporter):
    """For a terminal of 100 columns: one block per commit (date, sha, author), one aligned row
    per rule revision in it and, under a row that says more than "no clear change", the verdict
    in one sentence; then the warnings that fired, explained."""

    name = "text"
    HEADER = ("rule", "change", "items", "α", "control", "DiD [CI]", "verdict")

    def render(self, report: ImpactReport) -> str:
        if not report.revisions:
            out = ["no rule revision to analyse (none changed a rule's meaning in the annotated tasks)"]
        else:
            tasks = {r.spec.task for r in report.revisions}
            groups = _commits(report)
            table = _align([self.HEADER] + [self._row(r) for group in groups for r in group])
            out = [_counts_line(report)] + _wrap(fdr_line(report.fdr, report.tests)) + [""]
            out += _wrap(LEGEND) + ["", table[0]]
            rows = iter(table[1:])
            for group in groups:
                s = group[0].spec
                head = [s.date[:10], s.commit[:7], s.author] + ([f"task {s.task}"] if len(tasks) > 1 else [])
                several = _several(group)
                out += _wrap("· " + "  ".join(head) + (f"  — {several}" if several else ""), "  ")
                for r in group:
                    out.append(next(rows))
                    if r.verdict != "no_clear_change" or r.warnings:
                        out += _wrap("    " + explain(_row_dict(r, report)), "      ")
        out.append("")
        note = _labels_note(report)
        if note:
            out += _wrap(note)
        seen = warnings_seen(report)
        if seen:
            out.append("Warnings:")
            for code in seen:
                out += _wrap(f"  {code}: {WARNINGS[code]}", "    ")
        for line in (_placebo_line(report), _gate_line(report)):
            if line:
                out += _wrap(line)
        out += _wrap(_unresolved_line(report))
        out += [line for note in report.notes for line in _wrap(f"note: {note}", "  ")]
        return "\n".join(out) + "\n"

    def _row(self, r: RevisionImpact) -> tuple[str, ...]:
        s, c = r.spec, r.comparison
        mark = "*" if r.governed_by == "labels" else ""
        base = _estimate_mark(c)
        return (s.rule, _change(s), f"{c.before.n_items}, {c.after.n_items}{mark}",
                f"{_num(c.before.alpha, digits=2)} → {_num(c.after.alpha, digits=2)}",
                _num(c.control_delta, True, 2),
                f"{_num(c.estimate, True, 2)}{base} {_ci(c.ci, 2)}".strip(), VERDICT_MARK[r.verdict])


def _estimate_mark(c) -> str:
    """ᵗ: against the earlier states' drift carried forward; ᵇ: against the earlier states."""
    return "ᵗ" if c.from_trend else "ᵇ" if c.from_baseline else ""


def _wrap(text: str, indent: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(text, WIDTH, subsequent_indent=indent) or [""]


def _align(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


class _JsonReporter(Reporter):
    """A report's `to_dict()`; sorted keys so the same inputs give byte-identical output."""

    name = "json"

    def render(self, report: ImpactReport | HotspotReport) -> str:
        return json_text(report.to_dict(), sort_keys=True) + "\n"


class ImpactJsonReporter(_JsonReporter):
    """The issue's JSON shape."""


class ImpactMarkdownReporter(Reporter):
    """A pull-request comment: the verdict counts and how they are held to a false discovery
    rate, the revisions that clearly moved agreement (regressions first) and those withheld in a
    sentence each, then the full table (folded when it is long) and the warnings explained."""

    name = "md"
    FOLD_OVER = 10  # rows: a longer table goes in a <details> block under the headline list

    def render(self, report: ImpactReport) -> str:
        counts = _counts(report)
        out = ["### Guideline impact on agreement", "",
               f"{counts['improved']} improved · {counts['regressed']} regressed · "
               f"{counts['no_clear_change']} no clear change · {counts['inconclusive']} inconclusive · "
               f"{counts['insufficient_data']} too little data", "", fdr_line(report.fdr, report.tests), ""]
        for verdict, title in (("regressed", "Regressed ▼"), ("improved", "Improved ▲"),
                               ("inconclusive", "Inconclusive (verdict withheld)")):
            moved = [r for r in report.revisions if r.verdict == verdict]
            if moved:
                out += [f"**{title}**", ""] + [self._sentence(r, report) for r in moved] + [""]
        table = ["| rule | commit | date | author | change | items from | α before (items) | α after (items) "
                 "| control Δ | DiD [CI] | p | q | verdict | warnings |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in report.revisions:
            s, c = r.spec, r.comparison
            base = _estimate_mark(c)
            table.append(
                f"| `{s.rule}` | `{s.commit[:7]}` | {s.date[:10]} | {md_cell(s.author)} | {s.change} ({s.level}) "
                f"| {r.governed_by} | {_num(c.before.alpha)} ({c.before.n_items}) | {_num(c.after.alpha)} "
                f"({c.after.n_items}) | {_num(c.control_delta, True)} "
                f"| {_num(c.estimate, True)}{base} {_ci(c.ci)}".rstrip()
                + f" | {_num(r.p_value)} | {_num(r.q_value)} | **{VERDICT_MARK[r.verdict]}** "
                f"| {', '.join(r.warnings)} |"
            )
        if len(report.revisions) > self.FOLD_OVER:
            out += [f"<details><summary>All {len(report.revisions)} rule revisions</summary>", ""] + table + ["", "</details>"]
        elif report.revisions:
            out += table
        out.append("")
        if any(r.comparison.from_baseline and not r.comparison.from_trend for r in report.revisions):
            out += ["ᵇ against the rule's earlier states, not the window just before the commit (which is what "
                    "prompts an edit, and so low partly by chance).", ""]
        if any(r.comparison.from_trend for r in report.revisions):
            out += ["ᵗ against the drift of the rule's earlier states carried forward: its agreement was already "
                    "moving that way before the commit (pre_trend).", ""]
        note = _labels_note(report)
        if note:
            out += ["\\" + note, ""]
        seen = warnings_seen(report)
        if seen:
            out += ["**Warnings**", ""] + [f"- `{code}`: {WARNINGS[code]}" for code in seen] + [""]
        for line in (_placebo_line(report), _gate_line(report)):
            if line:
                out += [line[0].upper() + line[1:] + ".", ""]
        out += [_unresolved_line(report) + "."]
        out += [f"> {note}" for note in report.notes]
        return "\n".join(out) + "\n"

    @staticmethod
    def _sentence(r: RevisionImpact, report: ImpactReport) -> str:
        s, c = r.spec, r.comparison
        where = SCOPE_NOTE[r.governed_by] + ("*" if r.governed_by == "labels" else "")
        return (f"- `{s.rule}` {_change(s)} in `{s.commit[:7]}` ({s.date[:10]}, {md_cell(s.author)}): "
                f"α {_num(c.before.alpha)} → {_num(c.after.alpha)} on {where} "
                f"(on {c.before.n_items} items before and {c.after.n_items} after), DiD {_num(c.estimate, True)} "
                f"{_ci(c.ci)}; {md_cell(explain(_row_dict(r, report)))}")


IMPACT_REPORTERS = registry(ImpactTextReporter, ImpactJsonReporter, ImpactMarkdownReporter)


def _fit(line: str) -> str:
    """A table line cut to the terminal width (only free text, such as a title, runs last)."""
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"


def _pair(pair: tuple[str, str] | None) -> str:
    return f"{pair[0]} ↔ {pair[1]}" if pair else ""


class HotspotTextReporter(Reporter):
    """The rules to clarify first (the answer a lead asks for), then the evidence: confused label
    pairs, the least agreed items, the annotators who deviate most. Aligned for 100 columns."""

    name = "text"

    def render(self, report: HotspotReport) -> str:
        out = [f"task {report.task}: {report.n_items} items, Krippendorff's α {_num(report.alpha)}", ""]
        out += self._rules(report)
        out += ["", "Label pairs behind most disagreement:"]
        out += [f"  {p.a} ↔ {p.b}: {p.share:.0%} of disagreement" for p in report.pairs] or ["  none"]
        out += ["", "Items with the lowest agreement (share of agreeing pairs):"]
        rows = [("item", "agree", "labels", "cited rules")] + [
            (str(i.item), f"{i.agreement:.2f}", ", ".join(f"{k}×{v}" for k, v in i.labels.items()), ", ".join(i.rules))
            for i in report.items]
        out += [_fit("  " + line) for line in _align(rows)] if report.items else ["  none"]
        out += ["", "Annotators who deviate most from the others:"]
        gold = any(a.gold_n for a in report.annotators)
        rows = [("annotator", "α vs others", "annotations") + (("gold accuracy (items)",) if gold else ())] + [
            (str(a.annotator), _num(a.agreement_with_others), str(a.n_annotations))
            + ((f"{_num(a.gold_accuracy)} ({a.gold_n})" if a.gold_n else "—",) if gold else ())
            for a in report.annotators]
        out += [_fit("  " + line) for line in _align(rows)] if report.annotators else ["  none"]
        return "\n".join(out) + "\n"

    @staticmethod
    def _rules(report: HotspotReport) -> list[str]:
        if not report.rules:
            return ["Rules to clarify next: none (no rule of the task decides a confused pair)"]
        if report.rules[0].basis == "citations":
            out = ["Rules to clarify next — the disagreement on the items citing each rule:"]
            rows = [("rule", "share", "α there", "items", "confused most", "title")] + [
                (h.rule, f"{h.share:.0%}", _num(h.alpha, digits=2), str(h.n_items),
                 _pair(h.pairs[0] if h.pairs else None), h.title) for h in report.rules]
        else:
            out = _wrap("Rules to clarify next — rules whose labels cover the confused pairs (the data "
                        "has no `rules` citations, so rules sharing a pair cannot be told apart):")
            rows = [("rule", "share", "confused most", "title")] + [
                (h.rule, f"{h.share:.0%}", _pair(h.pairs[0] if h.pairs else None), h.title) for h in report.rules]
        return out + [_fit("  " + line) for line in _align(rows)] + ["  " + line for line in _wrap(_shares_note(report))]


def _shares_note(report: HotspotReport) -> str:
    """How the rules' shares are counted, and (with citations) what they add up to."""
    if report.rules[0].basis != "citations":
        return ("share: the disagreement on the confused pairs the rule's labels cover; shares overlap: "
                "a confused pair counts for every rule whose labels cover it.")
    # whole per cents that add up to 100: the rest goes to the rules not listed
    listed, uncited = round(100 * sum(h.share for h in report.rules)), round(100 * (report.uncited_share or 0.0))
    return (f"share: of all the disagreement; an item citing several rules gives each an equal part of "
            f"its disagreement. These rules hold {listed}%, other rules {max(100 - listed - uncited, 0)}%, "
            f"items citing no rule {uncited}%: 100 % in all.")


class HotspotJsonReporter(_JsonReporter):
    """Hotspots as JSON."""


class HotspotMarkdownReporter(Reporter):
    """Hotspots as a pull-request comment: the rules to clarify first, then the evidence."""

    name = "md"

    def render(self, report: HotspotReport) -> str:
        title = "### Disagreement hotspots" + (
            f" — {md_cell(str(report.task))}" if report.task is not None else "")
        out = [title, "", f"{report.n_items} items, Krippendorff's α {_num(report.alpha)}", ""]
        if report.rules and report.rules[0].basis == "citations":
            out += ["| rule to clarify | share of disagreement (items citing it) | α there | items | confused most | title |",
                    "|---|---|---|---|---|---|"]
            out += [f"| `{h.rule}` | {h.share:.0%} | {_num(h.alpha)} | {h.n_items} "
                    f"| {md_cell(_pair(h.pairs[0] if h.pairs else None))} | {md_cell(h.title)} |" for h in report.rules]
        else:
            out += ["| rule to clarify | covers (its labels' confused pairs) | title |", "|---|---|---|"]
            out += [f"| `{h.rule}` | {h.share:.0%} | {md_cell(h.title)} |" for h in report.rules]
        if report.rules:
            out += ["", _shares_note(report)]
        out += ["", "| confused labels | share of disagreement |", "|---|---|"]
        out += [f"| {md_cell(str(p.a))} ↔ {md_cell(str(p.b))} | {p.share:.0%} |" for p in report.pairs]
        out += ["", "| item | agreement | labels | cited rules |", "|---|---|---|---|"]
        out += [f"| {md_cell(i.item)} | {i.agreement:.2f} | {md_cell(', '.join(f'{k}×{v}' for k, v in i.labels.items()))} "
                f"| {md_cell(', '.join(i.rules))} |" for i in report.items]
        out += ["", "| annotator | α vs others | annotations | gold accuracy |", "|---|---|---|---|"]
        out += [f"| {md_cell(a.annotator)} | {_num(a.agreement_with_others)} | {a.n_annotations} "
                f"| {_num(a.gold_accuracy) if a.gold_n else ''} |" for a in report.annotators]
        return "\n".join(out) + "\n"


HOTSPOTS_REPORTERS = registry(HotspotTextReporter, HotspotJsonReporter, HotspotMarkdownReporter)
