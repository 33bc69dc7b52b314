"""Output of `impact` and `hotspots`: text, json and markdown (a pull-request comment), by name."""

from __future__ import annotations

import html
import json
from typing import Any

from guidelines_tool.hotspots import HotspotReport
from guidelines_tool.impact import ImpactReport, RevisionImpact
from guidelines_tool.reporters.findings import Reporter

REASON_TEXT = {"unknown_revision": "unknown revision", "no_timestamp": "no revision and no timestamp",
               "before_first_commit": "dated before the first commit"}
VERDICT_MARK = {"improved": "improved ▲", "regressed": "REGRESSED ▼", "no_clear_change": "no clear change",
                "insufficient_data": "too little data"}


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f"[{ci[0]:+.3f}, {ci[1]:+.3f}]"


def _window(stats: Any) -> str:
    return f"α {_num(stats.alpha)} ({stats.n_items} items)"


def _unresolved_line(report: ImpactReport) -> str:
    if not report.unresolved_count:
        return "every annotation resolved to a guideline revision"
    parts = ", ".join(f"{REASON_TEXT[k]} {v}" for k, v in sorted(report.unresolved.items()) if v)
    return f"{report.unresolved_count} annotations resolved to no revision and were left out ({parts})"


class ImpactTextReporter(Reporter):
    """One aligned row per revision, for a terminal; the governed-item definition and the
    confounded rules in the last columns."""

    name = "text"
    HEADER = ("rule", "commit", "date", "author", "change", "governed by", "before", "after",
              "delta [95% CI]", "control", "DiD [95% CI]", "verdict", "confounded with")

    def render(self, report: ImpactReport) -> str:
        if not report.revisions:
            out = ["no rule revision to analyse (none changed a rule's meaning in the annotated tasks)"]
        else:
            out = _align([self.HEADER] + [self._row(r) for r in report.revisions])
        out.append("")
        if any(r.governed_by == "labels" for r in report.revisions):
            out.append("governed by labels: items where any annotator chose one of the rule's labels "
                       "(no citations in the data, or the rule could not be cited on one side)")
        out.append(_unresolved_line(report))
        out += [f"note: {note}" for note in report.notes]
        return "\n".join(out) + "\n"

    def _row(self, r: RevisionImpact) -> tuple[str, ...]:
        s, c = r.spec, r.comparison
        return (s.rule, s.commit[:7], s.date[:10], s.author, f"{s.change} ({s.level})", r.governed_by,
                _window(c.before), _window(c.after), f"{_num(c.delta, True)} {_ci(c.delta_ci)}".strip(),
                _num(c.control_delta, True), f"{_num(c.did, True)} {_ci(c.did_ci)}".strip(),
                VERDICT_MARK[r.verdict], ", ".join(s.confounded_with))


def _align(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _cell(text: str) -> str:
    """Free text in a Markdown table cell: pipes and line breaks would break the row, and
    item ids, labels and annotator names come from data files: no raw HTML."""
    return (html.escape(text, quote=False).replace("\\", "\\\\").replace("|", "\\|")
            .replace("\r", " ").replace("\n", " "))


class _JsonReporter(Reporter):
    """A report's `to_dict()`; sorted keys so the same inputs give byte-identical output."""

    name = "json"

    def render(self, report: ImpactReport | HotspotReport) -> str:
        return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class ImpactJsonReporter(_JsonReporter):
    """The issue's JSON shape."""


class ImpactMarkdownReporter(Reporter):
    """A pull-request comment: one table row per revision, regressions first in the summary."""

    name = "md"

    def render(self, report: ImpactReport) -> str:
        counts = {v: sum(r.verdict == v for r in report.revisions) for v in VERDICT_MARK}
        out = ["### Guideline impact on agreement", "",
               f"{counts['improved']} improved · {counts['regressed']} regressed · "
               f"{counts['no_clear_change']} no clear change · {counts['insufficient_data']} too little data", "",
               "| rule | commit | date | author | change | governed by | α before (items) | α after (items) | Δ [CI] | control Δ | DiD [CI] | verdict | confounded with |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in report.revisions:
            s, c = r.spec, r.comparison
            out.append(
                f"| `{s.rule}` | `{s.commit[:7]}` | {s.date[:10]} | {_cell(s.author)} | {s.change} ({s.level}) | {r.governed_by} "
                f"| {_num(c.before.alpha)} ({c.before.n_items}) | {_num(c.after.alpha)} ({c.after.n_items}) "
                f"| {_num(c.delta, True)} {_ci(c.delta_ci)} | {_num(c.control_delta, True)} "
                f"| {_num(c.did, True)} {_ci(c.did_ci)} | **{VERDICT_MARK[r.verdict]}** "
                f"| {', '.join(f'`{x}`' for x in s.confounded_with)} |"
            )
        out += ["", _unresolved_line(report) + "."]
        out += [f"> {note}" for note in report.notes]
        return "\n".join(out) + "\n"


IMPACT_REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls for cls in (ImpactTextReporter, ImpactJsonReporter, ImpactMarkdownReporter)
}


class HotspotTextReporter(Reporter):
    name = "text"

    def render(self, report: HotspotReport) -> str:
        out = [f"task {report.task}: {report.n_items} items, α {_num(report.alpha)}", "",
               "Label pairs behind most disagreement:"]
        out += [f"  {p.a} ↔ {p.b}: {p.share:.0%} of disagreement" for p in report.pairs] or ["  none"]
        out += ["", "Rules to clarify next (their labels cover the confused pairs):"]
        out += [f"  {h.rule}  {h.share:.0%}  {h.title}" + (f"  (cited on {h.cited_on_low_items} of the items below)"
                if h.cited_on_low_items else "") for h in report.rules] or ["  none"]
        out += ["", "Items with the lowest agreement:"]
        out += [f"  {i.item}  {i.agreement:.2f}  " + ", ".join(f"{k}×{v}" for k, v in i.labels.items())
                + (f"  rules: {', '.join(i.rules)}" if i.rules else "") for i in report.items] or ["  none"]
        out += ["", "Annotators who deviate most from the others:"]
        for a in report.annotators:
            gold = f"  gold accuracy {_num(a.gold_accuracy)} (n={a.gold_n})" if a.gold_n else ""
            out.append(f"  {a.annotator}  α vs others {_num(a.agreement_with_others)}  ({a.n_annotations} annotations){gold}")
        return "\n".join(out) + "\n"


class HotspotJsonReporter(_JsonReporter):
    """Hotspots as JSON."""


class HotspotMarkdownReporter(Reporter):
    name = "md"

    def render(self, report: HotspotReport) -> str:
        title = "### Disagreement hotspots" + (
            f" — {_cell(str(report.task))}" if report.task is not None else "")
        out = [title, "",
               f"{report.n_items} items, Krippendorff's α {_num(report.alpha)}", "",
               "| confused labels | share of disagreement |", "|---|---|"]
        out += [f"| {_cell(str(p.a))} ↔ {_cell(str(p.b))} | {p.share:.0%} |" for p in report.pairs]
        out += ["", "| rule to clarify | covers | title |", "|---|---|---|"]
        out += [f"| `{h.rule}` | {h.share:.0%} | {_cell(h.title)} |" for h in report.rules]
        out += ["", "| item | agreement | labels | cited rules |", "|---|---|---|---|"]
        out += [f"| {_cell(i.item)} | {i.agreement:.2f} | {_cell(', '.join(f'{k}×{v}' for k, v in i.labels.items()))} "
                f"| {', '.join(i.rules)} |" for i in report.items]
        out += ["", "| annotator | α vs others | annotations | gold accuracy |", "|---|---|---|---|"]
        out += [f"| {_cell(a.annotator)} | {_num(a.agreement_with_others)} | {a.n_annotations} "
                f"| {_num(a.gold_accuracy) if a.gold_n else ''} |" for a in report.annotators]
        return "\n".join(out) + "\n"


HOTSPOT_REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls for cls in (HotspotTextReporter, HotspotJsonReporter, HotspotMarkdownReporter)
}
