"""`pull <tool>`: a labeling project's annotations as a long-format annotation file, each row
stamped with the guideline revision that was live when it was made — the commit of the last push
to that project (publish log) at or before the annotation's time. `agreement`, `impact` and the
other commands then read the file like any other.

Rows made before the first push, or pulled outside a guideline project, keep no `guideline_rev`
(impact then places them by `annotated_at`); the result says how many.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guidelines_tool.errors import ConfigError, GuidelinesError
from guidelines_tool.integrations import Progress, Pulled, Target, tool
from guidelines_tool.integrations.publish_log import LOG_PATH, Timeline, parse_time, read_log
from guidelines_tool.model import Finding, Project

COLUMNS = ("item", "annotator", "label", "annotated_at", "guideline_rev", "task", "batch")
ALWAYS = COLUMNS[:5]
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


@dataclass
class PullResult:
    pulled: Pulled
    task: str | None
    stamped: int = 0  # rows given a guideline_rev from the publish log
    before_first_push: int = 0
    pushes: int = 0  # publish-log entries for this project
    notes: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.pulled.rows


def pull(root: Path | None, tool_name: str, target: Target, *, token: str, task: str | None = None,
         progress: Progress | None = None) -> PullResult:
    """Every annotation of the project as long-format rows, `guideline_rev` from the log."""
    project = _project(root)
    entries, problems = read_log(root) if root is not None else ([], [])
    timeline = Timeline(entries, tool=tool_name, url=target.url, project=target.project or "")
    task = task or _task_of(project, timeline)
    if task is not None and project is not None and task not in project.tasks:
        raise ConfigError(f"no task {task!r} in the guidelines (tasks: {', '.join(sorted(project.tasks))})")
    pulled = tool(tool_name, url=target.url, token=token).pull(target, project=project, task=task, progress=progress)
    result = PullResult(pulled, task, pushes=len(timeline.entries), problems=problems)
    if task is not None:
        timeline = Timeline([e for e in timeline.entries if e.task == task], tool=tool_name,
                            url=target.url, project=target.project or "")
    _stamp(result, timeline, _multi_label(project, task))
    if root is None:
        result.notes.append("not inside a guideline project: no publish log, so no guideline_rev")
    elif not timeline:
        result.notes.append(_no_push_note(entries, tool_name, target))
    return result


def _no_push_note(entries, tool_name: str, target: Target) -> str:
    note = (f"{LOG_PATH} has no push to project {target.project} at {target.url}: no guideline_rev "
            "(impact will place the annotations by their time)")
    # The same server under another name (localhost / 127.0.0.1) looks like another server: a
    # project id is only unique on one server, so the user says which, but is told what exists.
    elsewhere = sorted({e.url for e in entries if e.tool == tool_name and e.project == target.project})
    if elsewhere:
        note += f"; it has pushes to project {target.project} at {', '.join(elsewhere)}: pass that --url if it is this server"
    return note


def _project(root: Path | None) -> Project | None:
    if root is None:
        return None
    from guidelines_tool.project import load_project

    return load_project(root)


def _task_of(project: Project | None, timeline: Timeline) -> str | None:
    """The task pushed to this project, else the project's only task."""
    pushed = timeline.tasks()
    if len(pushed) == 1:
        return pushed[0]
    if project is not None and len(project.tasks) == 1:
        return next(iter(project.tasks))
    return None


def _multi_label(project: Project | None, task: str | None) -> bool:
    found = project.tasks.get(task) if project is not None and task else None
    return bool(found and found.multi_label)


def _stamp(result: PullResult, timeline: Timeline, multi_label: bool) -> None:
    for row in result.rows:
        label = row.get("label")
        if isinstance(label, list) and len(label) == 1 and not multi_label:
            row["label"] = label[0]  # Label Studio stores a single choice as a list of one
        when = parse_time(str(row.get("annotated_at") or ""))
        entry = timeline.entry_at(when)
        if entry is not None:
            row["guideline_rev"] = entry.commit
            result.stamped += 1
        elif timeline and when is not None:
            result.before_first_push += 1


# --- writing the long format ----------------------------------------------------------------


def output_format(path: Path | None) -> str:
    """The file format `path`'s extension names (CSV on standard output)."""
    if path is None:
        return "csv"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise GuidelinesError(f"{path}: cannot tell the format from {path.suffix or 'no extension'!r}; "
                              f"use one of {', '.join(sorted(FORMATS))}")
    return fmt


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    """The long format's columns: always item..guideline_rev, then `task` and `batch` when used."""
    return [c for c in COLUMNS if c in ALWAYS or any(row.get(c) not in (None, "") for row in rows)]


def render_text(rows: list[dict[str, Any]], fmt: str) -> str:
    """CSV, TSV or JSON Lines text of the rows (multi-label answers `;`-joined in CSV)."""
    columns = columns_of(rows)
    if fmt == "jsonl":
        return "".join(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) + "\n" for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(row.get(c)) for c in columns])
    return out.getvalue()


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    """Write the rows to `path` in the format of its extension (all or nothing: a temporary
    file renamed into place)."""
    fmt = output_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    if fmt == "parquet":
        _write_parquet(rows, partial)
    else:
        partial.write_text(render_text(rows, fmt), encoding="utf-8", newline="")
    partial.replace(path)


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = columns_of(rows)
    data = {}
    for c in columns:
        values = [row.get(c) for row in rows]
        if any(isinstance(v, list) for v in values):
            data[c] = pa.array([v if isinstance(v, list) or v is None else [v] for v in values], pa.list_(pa.string()))
        else:
            data[c] = pa.array([None if v is None else str(v) for v in values], pa.string())
    pq.write_table(pa.table(data), path)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return ";".join(value) if isinstance(value, list) else str(value)


def excluded_text(excluded: Counter) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in sorted(excluded.items())) or "none"
