"""Output of `impact` and `hotspots`: text, json and markdown (a pull-request comment), by name
(`IMPACT_REPORTERS`, `HOTSPOTS_REPORTERS`). Importing this module stays cheap (no numpy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.output import json_text, md_cell

if TYPE_CHECKING:
    from guidelines_tool.hotspots import HotspotReport
    from guidelines_tool.impact import ImpactReport, RevisionImpact

REASON_TEXT = {"unknown_revision": "unknown revision", "no_timestamp": "no revision and no timestamp",
               "before_first_commit": "dated before the first commit"}
VERDICT_MARK = {"improved": "improved ▲", "regressed": "REGRESSED ▼", "no_clear_change": "no clear change",
                "insufficient_data": "too little data"}


WIDTH = 100  # terminal columns the text reports are laid out for
CONFOUNDED = "their effects cannot be told apart"
LEGEND = ("items, α: the items each rule governs and the agreement on them, under the guidelines just "
          "before → just after the commit. control: the change on the task's other items over the same commit (annotators "
          "getting better, an easier batch). DiD: the rule's change minus the control's, with its "
          "confidence interval; improved or regressed when that interval excludes 0.")
CHANCE = ("A revision that changed nothing still gets a verdict now and then (about 1 in 20 at 95 % "
          "confidence): check a surprising verdict on the next batch.")


def _num(value: float | None, signed: bool = False, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _ci(ci: tuple[float, float] | None, digits: int = 3) -> str:
    return "" if ci is None else f"[{ci[0]:+.{digits}f}, {ci[1]:+.{digits}f}]"


def _unresolved_line(report: ImpactReport) -> str:
    if not report.unresolved_count:
        return "every annotation resolved to a guideline revision"
    parts = ", ".join(f"{REASON_TEXT[k]} {v}" for k, v in sorted(report.unresolved.items()) if v)
    return f"{report.unresolved_count} annotations resolved to no revision and were left out ({parts})"


def _counts_line(report: ImpactReport) -> str:
    counts = {v: sum(r.verdict == v for r in report.revisions) for v in VERDICT_MARK}
    n = len(report.revisions)
    return (f"{n} rule revision{'' if n == 1 else 's'}: {counts['improved']} improved, "
            f"{counts['regressed']} regressed, {counts['no_clear_change']} no clear change, "
            f"{counts['insufficient_data']} too little data")


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
            "its labels. That set is broader than what the rule decides: weaker evidence than the "
            "items citing it.")


def _commits(report: ImpactReport) -> list[list[RevisionImpact]]:
    """Revisions grouped by (commit, task), in report order."""
    groups: list[list[RevisionImpact]] = []
    for r in report.revisions:
        if groups and (groups[-1][0].spec.commit, groups[-1][0].spec.task) == (r.spec.commit, r.spec.task):
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def _confounded(group: list[RevisionImpact]) -> str:
    rules = {r.spec.rule for r in group} | {x for r in group for x in r.spec.confounded_with}
    if len(rules) < 2:
        return ""
    if len(group) == len(rules):
        return f"{len(rules)} rules changed together: {CONFOUNDED}"
    shown = {r.spec.rule for r in group}
    return f"changed together with {', '.join(sorted(rules - shown))}: {CONFOUNDED}"


def _change(spec: Any) -> str:
    # additions and deprecations are always minor: the level only says something for edits
    return f"{spec.change} ({spec.level})" if spec.change == "changed" else spec.change


class ImpactTextReporter(Reporter):
    """For a terminal of 100 columns: one block per commit (date, sha, author, confounding),
    one aligned row per rule revision in it; the full figures are in --format json and md."""

    name = "text"
    HEADER = ("rule", "change", "items", "α", "control", "DiD [CI]", "verdict")

    def render(self, report: ImpactReport) -> str:
        if not report.revisions:
            out = ["no rule revision to analyse (none changed a rule's meaning in the annotated tasks)"]
        else:
            tasks = {r.spec.task for r in report.revisions}
            groups = _commits(report)
            table = _align([self.HEADER] + [self._row(r) for group in groups for r in group])
            out = [_counts_line(report), ""] + _wrap(LEGEND) + ["", table[0]]
            rows = iter(table[1:])
            for group in groups:
                s = group[0].spec
                head = [s.date[:10], s.commit[:7], s.author] + ([f"task {s.task}"] if len(tasks) > 1 else [])
                confounded = _confounded(group)
                out += _wrap("· " + "  ".join(head) + (f"  — {confounded}" if confounded else ""), "  ")
                out += [next(rows) for _ in group]
        out.append("")
        note = _labels_note(report)
        if note:
            out += _wrap(note)
        if any(r.verdict in ("improved", "regressed") for r in report.revisions):
            out += _wrap(CHANCE)
        out += _wrap(_unresolved_line(report))
        out += [line for note in report.notes for line in _wrap(f"note: {note}", "  ")]
        return "\n".join(out) + "\n"

    def _row(self, r: RevisionImpact) -> tuple[str, ...]:
        s, c = r.spec, r.comparison
        mark = "*" if r.governed_by == "labels" else ""
        return (s.rule, _change(s), f"{c.before.n_items} → {c.after.n_items}{mark}",
                f"{_num(c.before.alpha, digits=2)} → {_num(c.after.alpha, digits=2)}",
                _num(c.control_delta, True, 2),
                f"{_num(c.did, True, 2)} {_ci(c.did_ci, 2)}".strip(), VERDICT_MARK[r.verdict])


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
    """A pull-request comment: the verdict counts, the revisions that clearly moved agreement
    (regressions first) in a sentence each, then the full table (folded when it is long)."""

    name = "md"
    FOLD_OVER = 10  # rows: a longer table goes in a <details> block under the headline list

    def render(self, report: ImpactReport) -> str:
        counts = {v: sum(r.verdict == v for r in report.revisions) for v in VERDICT_MARK}
        out = ["### Guideline impact on agreement", "",
               f"{counts['improved']} improved · {counts['regressed']} regressed · "
               f"{counts['no_clear_change']} no clear change · {counts['insufficient_data']} too little data", ""]
        for verdict, title in (("regressed", "Regressed ▼"), ("improved", "Improved ▲")):
            moved = [r for r in report.revisions if r.verdict == verdict]
            if moved:
                out += [f"**{title}**", ""] + [self._sentence(r) for r in moved] + [""]
        table = ["| rule | commit | date | author | change | governed by | α before (items) | α after (items) | Δ [CI] | control Δ | DiD [CI] | verdict | confounded with |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in report.revisions:
            s, c = r.spec, r.comparison
            table.append(
                f"| `{s.rule}` | `{s.commit[:7]}` | {s.date[:10]} | {md_cell(s.author)} | {s.change} ({s.level}) | {r.governed_by} "
                f"| {_num(c.before.alpha)} ({c.before.n_items}) | {_num(c.after.alpha)} ({c.after.n_items}) "
                f"| {_num(c.delta, True)} {_ci(c.delta_ci)}".rstrip() + f" | {_num(c.control_delta, True)} "
                f"| {_num(c.did, True)} {_ci(c.did_ci)}".rstrip() + f" | **{VERDICT_MARK[r.verdict]}** "
                f"| {', '.join(f'`{x}`' for x in s.confounded_with)} |"
            )
        if len(report.revisions) > self.FOLD_OVER:
            out += [f"<details><summary>All {len(report.revisions)} rule revisions</summary>", ""] + table + ["", "</details>"]
        elif report.revisions:
            out += table
        out.append("")
        note = _labels_note(report)
        if note:
            out += ["\\" + note, ""]
        out += [_unresolved_line(report) + "."]
        out += [f"> {note}" for note in report.notes]
        return "\n".join(out) + "\n"

    @staticmethod
    def _sentence(r: RevisionImpact) -> str:
        s, c = r.spec, r.comparison
        where = "the items citing it" if r.governed_by == "citations" else "the items carrying its labels*"
        confounded = f"; changed with {', '.join(f'`{x}`' for x in s.confounded_with)}" if s.confounded_with else ""
        return (f"- `{s.rule}` {_change(s)} in `{s.commit[:7]}` ({s.date[:10]}, {md_cell(s.author)}): "
                f"α {_num(c.before.alpha)} → {_num(c.after.alpha)} on {where} "
                f"({c.before.n_items} → {c.after.n_items} items), DiD {_num(c.did, True)} {_ci(c.did_ci)}{confounded}")


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
