"""Output of `impact` and `hotspots`: text, json and markdown (a pull-request comment), by name."""

from __future__ import annotations

import json
from typing import Any

from guidelines_tool.hotspots import HotspotReport
from guidelines_tool.impact import ImpactReport, RevisionImpact
from guidelines_tool.reporters import Reporter

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
    return f"{stats.n_items} items, α {_num(stats.alpha)}"


def _unresolved_line(report: ImpactReport) -> str:
    if not report.unresolved_count:
        return "every annotation resolved to a guideline revision"
    parts = ", ".join(f"{REASON_TEXT[k]} {v}" for k, v in sorted(report.unresolved.items()) if v)
    return f"{report.unresolved_count} annotations resolved to no revision and were left out ({parts})"


class ImpactTextReporter(Reporter):
    """One block per revision, aligned, for a terminal."""

    name = "text"

    def render(self, report: ImpactReport) -> str:
        out = []
        for r in report.revisions:
            out += self._revision(r)
        if not report.revisions:
            out.append("no rule revision to analyse (none changed a rule's meaning in the annotated tasks)")
        out.append(_unresolved_line(report))
        out += [f"note: {note}" for note in report.notes]
        return "\n".join(out) + "\n"

    def _revision(self, r: RevisionImpact) -> list[str]:
        s, c = r.spec, r.comparison
        lines = [
            f"{s.rule}  {s.commit[:7]}  {s.date[:10]}  {s.author}  {s.change} ({s.level})  task {s.task}",
            f"  governed by {r.governed_by}: before {_window(c.before)} ({c.before.n_annotations} annotations)"
            f" → after {_window(c.after)} ({c.after.n_annotations} annotations)",
            f"  delta {_num(c.delta, True)} {_ci(c.delta_ci)}   control {_num(c.control_delta, True)}"
            f" ({c.control_before.n_items}→{c.control_after.n_items} items)   DiD {_num(c.did, True)} {_ci(c.did_ci)}",
            f"  verdict: {VERDICT_MARK[r.verdict]}"
            + (f"   (confounded with {', '.join(s.confounded_with)}: changed in the same commit)"
               if s.confounded_with else ""),
            "",
        ]
        return lines


class ImpactJsonReporter(Reporter):
    """The issue's JSON shape; sorted keys so the same inputs give byte-identical output."""

    name = "json"

    def render(self, report: ImpactReport) -> str:
        return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class ImpactMarkdownReporter(Reporter):
    """A pull-request comment: one table row per revision, regressions first in the summary."""

    name = "md"

    def render(self, report: ImpactReport) -> str:
        counts = {v: sum(r.verdict == v for r in report.revisions) for v in VERDICT_MARK}
        out = ["### Guideline impact on agreement", "",
               f"{counts['improved']} improved · {counts['regressed']} regressed · "
               f"{counts['no_clear_change']} no clear change · {counts['insufficient_data']} too little data", "",
               "| rule | commit | date | change | governed by | α before (items) | α after (items) | Δ [CI] | control Δ | DiD [CI] | verdict | confounded with |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in report.revisions:
            s, c = r.spec, r.comparison
            out.append(
                f"| `{s.rule}` | `{s.commit[:7]}` | {s.date[:10]} | {s.change} ({s.level}) | {r.governed_by} "
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


class HotspotJsonReporter(Reporter):
    name = "json"

    def render(self, report: HotspotReport) -> str:
        return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class HotspotMarkdownReporter(Reporter):
    name = "md"

    def render(self, report: HotspotReport) -> str:
        out = [f"### Disagreement hotspots — `{report.task}`", "",
               f"{report.n_items} items, Krippendorff's α {_num(report.alpha)}", "",
               "| confused labels | share of disagreement |", "|---|---|"]
        out += [f"| `{p.a}` ↔ `{p.b}` | {p.share:.0%} |" for p in report.pairs]
        out += ["", "| rule to clarify | covers | title |", "|---|---|---|"]
        out += [f"| `{h.rule}` | {h.share:.0%} | {h.title} |" for h in report.rules]
        out += ["", "| item | agreement | labels | cited rules |", "|---|---|---|---|"]
        out += [f"| `{i.item}` | {i.agreement:.2f} | {', '.join(f'{k}×{v}' for k, v in i.labels.items())} "
                f"| {', '.join(i.rules)} |" for i in report.items]
        out += ["", "| annotator | α vs others | annotations | gold accuracy |", "|---|---|---|---|"]
        out += [f"| `{a.annotator}` | {_num(a.agreement_with_others)} | {a.n_annotations} "
                f"| {_num(a.gold_accuracy) if a.gold_n else ''} |" for a in report.annotators]
        return "\n".join(out) + "\n"


HOTSPOT_REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls for cls in (HotspotTextReporter, HotspotJsonReporter, HotspotMarkdownReporter)
}
