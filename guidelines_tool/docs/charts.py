"""Agreement-over-time charts, drawn at build time with matplotlib (Agg) into PNG bytes.

The images are files inside the site: nothing is fetched from a CDN when an annotator reads it.
Output is reproducible: no timestamps or software stamps in the PNG metadata, fixed size and DPI.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from guidelines_tool.docs.pagekit import QualityPoint, chart_path

PNG_METADATA = {"Software": None}  # matplotlib would stamp its version; keep builds byte-identical


def render_charts(
    series: Mapping[str, Sequence[QualityPoint]],
    revisions: Mapping[str, Sequence[tuple[datetime, str]]] | None = None,
    target: Mapping[str, float | None] | None = None,
) -> dict[str, bytes]:
    """One PNG per task (path as `render.chart_path()`): α per guideline revision, rule revisions
    marked as dashed vertical lines (`revisions[task]` = (date, rule id) pairs), target as a line."""
    return {
        chart_path(task_id): chart_png(points, (revisions or {}).get(task_id, ()), (target or {}).get(task_id))
        for task_id, points in sorted(series.items())
    }


def chart_png(points: Sequence[QualityPoint], marks: Sequence[tuple[datetime, str]], target: float | None) -> bytes:
    figure = chart_figure(points, marks, target)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata=PNG_METADATA)
    return buffer.getvalue()


MIN_SPAN = timedelta(days=6)  # the narrowest time axis: a week of day ticks


def chart_figure(points: Sequence[QualityPoint], marks: Sequence[tuple[datetime, str]], target: float | None):
    """The chart as a matplotlib Figure (drawn by `chart_png`)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3), dpi=100)
    axes = figure.add_subplot()
    dated = [(p.date, p.alpha) for p in points if p.date is not None and p.alpha is not None]
    if dated:
        axes.plot([d for d, _ in dated], [a for _, a in dated], marker="o", color="#3f51b5", label="α")
    for when, rules in marks:
        if when is None:
            continue
        axes.axvline(when, color="#9e9e9e", linestyle="--", linewidth=0.8)
        names = rules.split(", ")
        text = names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
        text = text.replace("$", r"\$")  # rule ids are text: no mathtext from untrusted input
        axes.annotate(text, (when, 1.0), rotation=90, fontsize="x-small", color="#616161",
                      xytext=(2, -2), textcoords="offset points", va="top")
    if marks:
        axes.plot([], [], color="#9e9e9e", linestyle="--", linewidth=0.8, label="rule revision")
    if target is not None:
        axes.axhline(target, color="#2e7d32", linewidth=0.8, label=f"target {target:g}")
    axes.set_ylim(min([0.0] + [a for _, a in dated]) - 0.05, 1.05)
    axes.set_ylabel("Krippendorff's α")
    axes.grid(True, alpha=0.3)
    if dated or marks:
        axes.legend(loc="lower right", fontsize="small")
    # Guideline states are dated by day: commits seconds apart (a scripted history, a CI replay)
    # made matplotlib pick second ticks ("12:00:01"). The axis spans at least a week of day ticks
    # and labels are dates.
    when = [d for d, _ in dated] + [m for m, _ in marks if m is not None]
    if when:
        low, high = min(when), max(when)
        if high - low < MIN_SPAN:
            middle = low + (high - low) / 2
            axes.set_xlim(middle - MIN_SPAN / 2, middle + MIN_SPAN / 2)
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure
