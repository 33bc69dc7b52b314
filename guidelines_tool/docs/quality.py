"""The quality page for leads: agreement over time per task (chart + table), the impact of each
rule revision, and the disagreement hotspots."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from guidelines_tool.docs.pagekit import (
    QUALITY, VERDICT_WORDS, Links, QualityPoint, chart_path, fmt_date, fmt_number, front_matter, href,
    md_table,
)
from guidelines_tool.docs.safe import plain
from guidelines_tool.model import Project

def quality_page(project: Project, links: Links, history: Any, impact: Any, hotspots: Any,
                 series: Mapping[str, Sequence[QualityPoint]]) -> str:
    out = [front_matter("Agreement and quality"), "# Agreement and quality\n",
           "For leads: how well annotators agree, which rule revisions moved agreement, "
           "and where they still disagree.\n", "## Agreement over time\n"]
    if not series:
        out.append("No agreement over time available: it needs annotation data and the guidelines' git "
                   "history.\n")
    for task_id in sorted(series):
        points = series[task_id]
        task = project.tasks.get(task_id)
        out.append(f"### {plain(task.title if task else task_id)}\n")
        # The alt text is an attribute: no YAML text in it (the heading above names the task).
        out.append(f"![Chart: agreement over time, rule revisions marked]({href(QUALITY, chart_path(task_id))})\n")
        rows = [[fmt_date(p.date), f"`{plain(p.commit[:10])}`" if p.commit else "(before the first change)",
                 plain(p.release or ""), links.rules_list(p.rules_changed, QUALITY), fmt_number(p.alpha),
                 str(p.n_items), str(p.n_annotations)] for p in points]
        out.append(md_table(["From", "Guideline revision", "Release", "Rules changed", "Krippendorff's α",
                             "Items", "Annotations"], rows))
    out.append("\n## Impact of rule revisions\n")
    out.append(impact_table(impact, links))
    out.append("\n## Hotspots\n")
    out.append(hotspots_text(hotspots, project))
    return "\n".join(out)


def impact_table(impact: Any, links: Links) -> str:
    from guidelines_tool.impact_warnings import WARNINGS
    from guidelines_tool.reporters.impact import explain, fdr_line

    if impact is None:
        return "No impact analysis available (it needs git history and annotation data).\n"
    data = impact.to_dict() if hasattr(impact, "to_dict") else impact
    revisions = data.get("revisions", [])
    if not revisions:
        return "No rule revision could be linked to annotations.\n"
    multiplicity = data.get("multiplicity") or {}
    tests = multiplicity.get("tests") or 0
    rows, words = [], []
    for row in revisions:
        rule, commit = links.rule(str(row.get("rule")), QUALITY), f"`{plain(str(row.get('commit', ''))[:10])}`"
        rows.append([
            rule, commit, plain(str(row.get("date", ""))[:10]), plain(str(row.get("change", ""))),
            fmt_number((row.get("before") or {}).get("alpha")), fmt_number((row.get("after") or {}).get("alpha")),
            fmt_number(row.get("delta")), fmt_number(row.get("did")),
            plain(VERDICT_WORDS.get(str(row.get("verdict")), str(row.get("verdict")))),
        ])
        # each verdict in one sentence, under the table: as a column it pushed the verdict out of
        # sight on a desktop page (tests/docs/test_accessibility.py)
        words.append(f"- {rule} {commit}: {plain(explain({**row, 'tests': tests}))}\n")
    text = md_table(["Rule", "Commit", "Date", "Change", "α before", "α after", "Δ", "Δ vs control", "Verdict"], rows)
    text += "\n**In words**\n\n" + "".join(words)
    if multiplicity:
        text += "\n" + plain(fdr_line(float(multiplicity.get("q", 0.05)), tests)) + "\n"
    placebo = data.get("placebo")
    if placebo:
        text += "\n" + placebo_text(placebo)
    seen = [code for code in WARNINGS if any(code in (row.get("warnings") or ()) for row in revisions)]
    if seen:
        text += "\n**What the warnings mean**\n\n" + "".join(f"- `{code}`: {plain(WARNINGS[code])}\n" for code in seen)
    unresolved = (data.get("unresolved") or {}).get("count")
    if unresolved:
        text += f"\n{fmt_number(unresolved)} annotations could not be tied to a guideline revision.\n"
    return text


def placebo_text(placebo: Mapping) -> str:
    """The placebo runs beside the verdicts: the method's false-positive rate on this project."""
    runs = placebo.get("runs") or 0
    if not runs:
        return ("**Placebo check**: no position where no rule changed had enough items on both sides to "
                "re-run the analysis.\n")
    rate = placebo.get("false_positive_rate")
    sd, se = placebo.get("null_sd"), placebo.get("mean_se")
    spread = (f" Their estimates spread {fmt_number(sd)} (SD) against the {fmt_number(se)} standard error "
              "the analysis reports." if sd is not None and se is not None else "")
    return (f"**Placebo check**: the same analysis re-run {runs} times where no rule changed found an effect "
            f"(p ≤ 0.05) in {fmt_number(100 * rate if rate is not None else None, 1)} % of them; a method "
            f"calibrated on this project's data finds one in about 5 %.{spread}\n")


def hotspots_text(hotspots: Any, project: Project | None = None) -> str:
    """Hotspot reports (one per task, or one) as tables: columns from their records' keys."""
    if hotspots is None:
        return "No hotspot analysis available (it needs annotation data).\n"
    if isinstance(hotspots, Mapping) and not _is_report(hotspots):
        reports = [hotspots[key] for key in sorted(hotspots)]
    elif isinstance(hotspots, (list, tuple)):
        reports = list(hotspots)
    else:
        reports = [hotspots]
    out = []
    for report in reports:
        data = report.to_dict() if hasattr(report, "to_dict") else report
        if data.get("task"):
            task = project.tasks.get(str(data["task"])) if project else None
            out.append(f"### {plain(task.title if task else str(data['task']))}\n")
        if data.get("alpha") is not None:
            out.append(f"Krippendorff's α over all items: {fmt_number(data['alpha'])} "
                       f"({fmt_number(data.get('n_items'))} items).\n")
        for key, value in sorted(data.items()):
            if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
                columns = list(dict.fromkeys(column for item in value for column in item))  # record order
                out.append(f"**{plain(key.replace('_', ' ').capitalize())}**\n")
                out.append(md_table([plain(c.replace("_", " ")) for c in columns],
                                    ([_cell(item.get(column), column) for column in columns] for item in value)))
    return "\n".join(out) or "No disagreement hotspots found.\n"


def _is_report(value: Mapping) -> bool:
    return any(key in value for key in ("confused_pairs", "items", "rules", "annotators", "task"))


def _cell(value: Any, column: str = "") -> str:
    if isinstance(value, float) and column == "share":
        return f"{value:.0%}"
    if isinstance(value, float) and (column == "pairs" or column.startswith("n_")):
        # disagreeing pairs are weighted 1/(m − 1) per item: a count, fractional now and then
        return f"{value:.1f}".removesuffix(".0")
    if isinstance(value, float):
        return fmt_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{plain(str(k))}: {_cell(v)}" for k, v in sorted(value.items()))
    return plain("" if value is None else str(value))

