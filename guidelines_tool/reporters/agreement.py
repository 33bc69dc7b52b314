"""Output of `guidelines agreement`: text, json, csv and markdown (`AGREEMENT_REPORTERS`).

Each reporter turns an AgreementReport into a string; the CLI writes it. The read summary and
the row problems go to stderr through `problems_text` so that stdout stays machine-readable.
Importing this module stays cheap (no numpy): the CLI builds its `--format` choices from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.output import json_text, md_cell

if TYPE_CHECKING:
    from guidelines_tool.agreement import Coefficient
    from guidelines_tool.agreement.report import AgreementReport, Summary
    from guidelines_tool.model import Finding

TITLES = {
    "percent_agreement": "Percent agreement", "cohen_kappa": "Cohen's kappa",
    "scott_pi": "Scott's pi", "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha", "gwet_ac1": "Gwet's AC1",
    "brennan_prediger": "Brennan-Prediger",
}


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _ci(c: Coefficient) -> str:
    return f"[{c.ci[0]:.3f}, {c.ci[1]:.3f}]" if c.ci else ""


def _ci_and_se(c: Coefficient, why_none: bool) -> str:
    se = f"se {c.se:.3f}" if c.se is not None else ""
    why = f"(no interval: {c.ci_reason})" if why_none and c.ci is None and c.ci_reason else ""
    return "  ".join(part for part in (_ci(c), se, why) if part)


def _title(name: str, report: AgreementReport) -> str:
    title = TITLES.get(name, name)
    if name == "gwet_ac1" and report.weights not in ("identity", "masi"):
        title = "Gwet's AC2"
    return title


class TextReporter(Reporter):
    """Aligned plain text for a terminal."""

    name = "text"

    def render(self, report: AgreementReport) -> str:
        out = [self._header(report), ""]
        out += self._coefficients(report, report.overall)
        if report.accuracy is not None:
            out.append(f"  {'Accuracy vs gold':<22} {_number(report.accuracy['value'])}"
                       f"  (n={report.accuracy['n']})")
        if report.by:
            out += ["", f"By {report.by}:"]
            out += self._groups(report)
        if report.confusion:
            out += ["", "Confusions behind most disagreement:"]
            out += [f"  {c.a} ↔ {c.b}: {c.share:.0%} of disagreement ({c.pairs:g} pairs)"
                    for c in report.confusion]
        if report.gate is not None:
            out += ["", ("PASS: " if report.gate.passed else "FAIL: ") + report.gate.reason]
        return "\n".join(out) + "\n"

    def _header(self, report: AgreementReport) -> str:
        o = report.overall
        task = f"task {report.task}: " if report.task else ""
        weights = f", weights {report.weights}" if report.weights not in ("identity",) else ""
        pairable = (f" ({o.n_pairable_items} with two judgements or more)"
                    if o.n_pairable_items is not None and o.n_pairable_items != o.n_items else "")
        head = (f"{task}{o.n_items} items{pairable}, {o.n_annotations} annotations, "
                f"{o.n_annotators} annotators (scale {report.scale}{weights})")
        return head + (f"\nintervals: {report.interval}" if report.interval else "")

    def _coefficients(self, report: AgreementReport, summary: Summary) -> list[str]:
        from guidelines_tool.agreement import COEFFICIENTS

        lines = []
        for name in COEFFICIENTS:
            c = summary.coefficients.get(name)
            if c is None:
                continue
            # "no interval" only when resamples were drawn: with --bootstrap 0 it is every line
            tail = (_ci_and_se(c, report.interval is not None) if c.value is not None
                    else f"({c.reason})")
            lines.append(f"  {_title(name, report):<22} {_number(c.value):>6}  {tail}".rstrip())
        return lines

    def _groups(self, report: AgreementReport) -> list[str]:
        lines = []
        for g in report.groups:
            s = g.summary
            parts = []
            for name, c in s.coefficients.items():
                short = {"krippendorff_alpha": "alpha", "percent_agreement": "agree"}.get(
                    name, name)
                parts.append(f"{short} {_number(c.value)} {_ci(c)}".rstrip())
            acc = g.extra.get("accuracy")
            if acc:
                parts.append(f"accuracy {_number(acc['value'])} (n={acc['n']})")
            lines.append(f"  {g.name:<20} items {s.n_items:>6}  ann {s.n_annotations:>7}  "
                         + "  ".join(parts))
        return lines


class JsonReporter(Reporter):
    """The issue's JSON shape (`overall`, `groups`), plus context keys."""

    name = "json"

    def render(self, report: AgreementReport) -> str:
        return json_text(report.to_dict()) + "\n"


class CsvReporter(Reporter):
    """One row per (group, coefficient): group is `overall` for the overall figures."""

    name = "csv"

    FIELDS = ("group", "n_items", "n_annotations", "n_annotators", "coefficient", "value",
              "ci_low", "ci_high", "reason", "n_pairable_items", "se", "analytic_ci_low",
              "analytic_ci_high", "ci_reason", "se_reason")

    def render(self, report: AgreementReport) -> str:
        import csv  # imported here, as the numbers below: every CLI start would pay for it
        import io

        from guidelines_tool.agreement.report import Group

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.FIELDS)
        for g in [Group("overall", report.overall), *report.groups]:
            s = g.summary
            pairable = "" if s.n_pairable_items is None else s.n_pairable_items
            for name, c in s.coefficients.items():
                writer.writerow([g.name, s.n_items, s.n_annotations, s.n_annotators, name,
                                 "" if c.value is None else repr(c.value),
                                 c.ci[0] if c.ci else "", c.ci[1] if c.ci else "",
                                 c.reason or "", pairable,
                                 "" if c.se is None else repr(c.se),
                                 c.analytic_ci[0] if c.analytic_ci else "",
                                 c.analytic_ci[1] if c.analytic_ci else "", c.ci_reason or "",
                                 c.se_reason or ""])
            acc = g.extra.get("accuracy") if g.name != "overall" else report.accuracy
            if acc:
                writer.writerow([g.name, s.n_items, s.n_annotations, s.n_annotators,
                                 "accuracy", "" if acc["value"] is None else repr(acc["value"]),
                                 "", "", acc.get("reason") or "", pairable, "", "", "", "", ""])
        return buf.getvalue()


class MarkdownReporter(Reporter):
    """GitHub-flavoured Markdown tables (for a CI step summary or the docs)."""

    name = "md"

    def render(self, report: AgreementReport) -> str:
        from guidelines_tool.agreement import COEFFICIENTS

        o = report.overall
        pairable = (f" ({o.n_pairable_items} with two judgements or more)"
                    if o.n_pairable_items is not None and o.n_pairable_items != o.n_items else "")
        out = [f"**{o.n_items}** items{pairable}, **{o.n_annotations}** annotations, "
               f"**{o.n_annotators}** annotators; scale `{report.scale}`"
               + (f"; {report.interval}" if report.interval else ""), "",
               "| Coefficient | Value | 95% CI | SE | Note |", "|---|---:|---|---:|---|"]
        for name in COEFFICIENTS:
            c = o.coefficients[name]
            se = "" if c.se is None else f"{c.se:.3f}"
            out.append(f"| {_title(name, report)} | {_number(c.value)} | {_ci(c)} | {se} | "
                       f"{md_cell(c.reason or (c.ci_reason if report.interval else None) or '')} |")
        if report.groups:
            names = list(report.groups[0].summary.coefficients)
            out += ["", f"### By {report.by}", "",
                    "| Group | Items | Annotations | " + " | ".join(
                        TITLES.get(n, n) for n in names) + " |",
                    "|---|---:|---:|" + "---:|" * len(names)]
            with_accuracy = any("accuracy" in g.extra for g in report.groups)
            if with_accuracy:
                out[-2] += " Accuracy vs gold |"
                out[-1] += "---:|"
            for g in report.groups:
                cells = [f"{_number(c.value)} {_ci(c)}".strip()
                         for c in g.summary.coefficients.values()]
                if with_accuracy:
                    cells.append(_number(g.extra["accuracy"]["value"]))
                out.append(f"| {md_cell(g.name)} | {g.summary.n_items} | "
                           f"{g.summary.n_annotations} | " + " | ".join(cells) + " |")
        if report.gate is not None:
            out += ["", ("✅ " if report.gate.passed else "❌ ") + report.gate.reason]
        return "\n".join(out) + "\n"


AGREEMENT_REPORTERS = registry(TextReporter, JsonReporter, CsvReporter, MarkdownReporter)


def problems_text(
    problems: list[Finding], summary: dict[str, object] | None, limit: int | None = None
) -> str:
    """Row problems (file:line: message; all of them unless `limit`) and the read summary,
    for stderr."""
    lines = []
    for p in problems if limit is None else problems[:limit]:
        where = f"{p.path}:{p.line}" if p.line else p.path
        lines.append(f"{where}: {p.severity} {p.code} {p.message}")
    if limit is not None and len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problems")
    if summary is None:
        return "".join(f"{line}\n" for line in lines)
    rejected = summary.get("rejected") or {}
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(rejected.items())) or "none"
    other = summary.get("other_task") or 0
    relabelled = summary.get("relabelled") or 0
    lines.append(f"read {summary['read']} rows, used {summary['used']}, rejected "
                 f"{sum(rejected.values())} ({reasons})"
                 + (f", {other} for other tasks" if other else "")
                 + (f"; {relabelled} re-label an item under another guideline revision "
                    "(pooled figures use each annotator's latest judgement, --by revision "
                    "each one)" if relabelled else ""))
    return "\n".join(lines) + "\n"
