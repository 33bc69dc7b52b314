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
    se = f"se {c.se:.3f}" if c.se is not None else (f"no se: {c.se_reason}" if c.se_reason else "")
    why = f"(no interval: {c.ci_reason})" if why_none and c.ci is None and c.ci_reason else ""
    return "  ".join(part for part in (_ci(c), se, why) if part)


WIDTH = 100  # terminal columns the text report is laid out for
NAME_WIDTH = 20  # a longer group name is cut (the JSON, CSV and Markdown keep it whole)
OTHER_FORMATS = "other coefficients: --format csv, json or md"


def _wrapped(line: str, indent: int) -> list[str]:
    """A line cut at WIDTH columns between words, its continuation indented."""
    import textwrap

    if len(line) <= WIDTH:
        return [line]
    return textwrap.wrap(line, WIDTH, subsequent_indent=" " * indent, break_on_hyphens=False,
                         break_long_words=False)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cut(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


class _Notes:
    """Why a cell holds no value or no interval: one numbered note per distinct reason."""

    def __init__(self) -> None:
        self.reasons: dict[str, int] = {}

    def mark(self, reason: str | None) -> str:
        if not reason:
            return "—"
        number = self.reasons.setdefault(reason, len(self.reasons) + 1)
        return f"note {number}"

    def lines(self, *, wrap: bool = True) -> list[str]:
        out = []
        for reason, number in self.reasons.items():
            line = f"  note {number}: {reason}"
            out += _wrapped(line, 10) if wrap else [line]
        return out


def _align(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    return ["  " + "  ".join(cell.rjust(w) if k in right else cell.ljust(w)
                             for k, (cell, w) in enumerate(zip(row, widths))).rstrip()
            for row in rows]


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
            out += [""] + self._groups(report)
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
        head = (f"{task}{_plural(o.n_items, 'item')}{pairable}, {_plural(o.n_annotations, 'annotation')}, "
                f"{_plural(o.n_annotators, 'annotator')} (scale {report.scale}{weights})")
        return "\n".join(_wrapped(head, 2)) + (f"\nintervals: {report.interval}" if report.interval else "")

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
            # the reasons wrap under the interval column, so the lines fit 100 columns
            lines += _wrapped(f"  {_title(name, report):<22} {_number(c.value):>6}  {tail}".rstrip(), 33)
        return lines

    def _groups(self, report: AgreementReport) -> list[str]:
        """The breakdown as a table of essentials (percent agreement and α with their
        intervals; per annotator, agreement with the others and accuracy): every coefficient
        of every group is in the csv, json and md formats, which the title names."""
        from guidelines_tool.agreement.report import BY_COLUMN

        by = report.by
        if not report.groups:
            column = BY_COLUMN.get(by or "", by)
            return [f"By {by}: none (no annotation has a {column})"]
        notes = _Notes()
        if by == "annotator":
            rows, right = self._annotator_rows(report, notes), {1, 2, 3, 4}
        elif by == "label":
            rows, right = self._label_rows(report, notes), {1, 2, 3}
        else:
            rows, right = self._group_rows(report, notes), {1, 2, 3, 5}
        out = [f"By {by} ({OTHER_FORMATS}):"] + _align(rows, right)
        out += notes.lines()
        if any(report.below_min_items(g) for g in report.groups):
            out += _wrapped(f"  * fewer than min_items ({report.min_items}) items with two judgements "
                            "or more: too few to trust", 4)
        return out

    def _cells(self, c: Coefficient | None, report: AgreementReport, notes: _Notes) -> tuple[str, str]:
        """A coefficient's value and interval cells: a note number where one is missing."""
        if c is None:
            return "—", ""
        if c.value is None:
            return "—", notes.mark(c.reason)
        if c.ci is None:
            return _number(c.value), notes.mark(c.ci_reason) if report.interval else ""
        return _number(c.value), _ci(c)

    def _group_rows(self, report: AgreementReport, notes: _Notes) -> list[tuple[str, ...]]:
        rows = [(str(report.by), "items", "annotations", "agree", "CI", "α", "CI")]
        for g in report.groups:
            s = g.summary
            flag = "*" if report.below_min_items(g) else ""
            rows.append((_cut(g.name), f"{s.n_items}{flag}", str(s.n_annotations),
                         *self._cells(s.coefficients.get("percent_agreement"), report, notes),
                         *self._cells(s.coefficients.get("krippendorff_alpha"), report, notes)))
        return rows

    def _label_rows(self, report: AgreementReport, notes: _Notes) -> list[tuple[str, ...]]:
        rows = [("label", "items", "annotations", "α (label or not)", "CI")]
        for g in report.groups:
            s = g.summary
            rows.append((_cut(g.name), str(s.n_items), str(s.n_annotations),
                         *self._cells(s.coefficients.get("krippendorff_alpha"), report, notes)))
        return rows

    def _annotator_rows(self, report: AgreementReport, notes: _Notes) -> list[tuple[str, ...]]:
        gold = any("accuracy" in g.extra for g in report.groups)
        rows = [("annotator", "items", "agree", "α vs others", "")
                + (("accuracy vs gold (items)",) if gold else ())]
        for g in report.groups:
            s = g.summary
            agree, _ = self._cells(s.coefficients.get("percent_agreement"), report, notes)
            alpha = s.coefficients.get("krippendorff_alpha")
            why = notes.mark(alpha.reason) if alpha is not None and alpha.value is None else ""
            row = (_cut(g.name), str(s.n_items), agree, _number(alpha.value if alpha else None), why)
            if gold:
                acc = g.extra.get("accuracy") or {}
                row += (f"{_number(acc.get('value'))} ({acc.get('n', 0)})" if acc.get("value") is not None
                        else notes.mark(acc.get("reason")),)
            rows.append(row)
        return rows


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
            notes = _Notes()
            for g in report.groups:
                cells = [self._cell(c, report, notes) for c in g.summary.coefficients.values()]
                if with_accuracy:
                    cells.append(_number(g.extra["accuracy"]["value"]))
                out.append(f"| {md_cell(g.name)} | {g.summary.n_items} | "
                           f"{g.summary.n_annotations} | " + " | ".join(cells) + " |")
            if notes.reasons:  # why a cell has no value or no interval
                out += [""] + [f"{md_cell(line.strip())}  " for line in notes.lines(wrap=False)]
        if report.warnings:
            out += [""] + [f"> **Warning:** {md_cell(w)}  " for w in report.warnings]
        if report.gate is not None:
            out += ["", ("✅ " if report.gate.passed else "❌ ") + report.gate.reason]
        return "\n".join(out) + "\n"


    @staticmethod
    def _cell(c: Coefficient, report: AgreementReport, notes: _Notes) -> str:
        if c.value is None:
            return f"— ({notes.mark(c.reason)})"
        if c.ci is None and report.interval and c.ci_reason:
            return f"{_number(c.value)} ({notes.mark(c.ci_reason)})"
        return f"{_number(c.value)} {_ci(c)}".strip()


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
