"""Label Studio exports: JSON (tasks with their annotations' results), JSON-MIN and CSV (one flat
record per annotation, the answer under the control's name).

An export names its answers after the labeling config's controls, not after the task: the
control that holds the task's answer is chosen by the task's name or labels (`Hints`), else
from what the values look like; when that is not clear, a finding says which to pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import NO_HINTS, REQUIRED, Chunk, Hints, finding, shown
from guidelines_tool.annotations.encoding import _text
from guidelines_tool.annotations.json_records import (
    _MAX_DIGITS,
    _cell,
    _set_records,
    long_number_finding,
    long_numbers,
    loads,
)
from guidelines_tool.errors import DataError


# Label Studio result types that hold a classification answer, and the key of their value
_LS_ANSWERS = {"choices": "choices", "taxonomy": "taxonomy", "rating": "rating",
               "number": "number"}
# keys of a JSON-MIN / CSV record that Label Studio adds itself (the rest are the task's data
# and one column per control)
_LS_META = frozenset({
    "id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "was_cancelled",
    "agreement", "draft", "drafts", "predictions", "annotations", "completions",
    "total_annotations", "cancelled_annotations", "total_predictions", "inner_id", "project",
    "updated_by", "comment_count", "unresolved_comment_count", "last_comment_updated_at",
    "comment_authors", "file_upload", "meta", "data", "ground_truth", "skipped", "result_count",
    "item", "item_id", "guideline_rev", "batch", "task", "completed_by",
})


def _read_labelstudio(path: Path, data: bytes, hints: Hints = NO_HINTS) -> Chunk:
    """Label Studio exports: JSON (a list of tasks with annotations[].result[]; `completions`
    in exports before 1.0) or JSON-MIN (one flat object per annotation, the answer under the
    control's name). One row per (task, annotator, answering control)."""
    text = data.decode("utf-8-sig")
    if not text.strip():  # an empty file says so, as an empty CSV does (not "Expecting value")
        return Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64), by_record=True)
    try:
        tasks = loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg} at column "
                        f"{exc.colno})") from exc
    except RecursionError as exc:
        raise DataError(f"{path}: JSON nested too deeply (more than about 1,000 levels) to be "
                        "an export") from exc
    if isinstance(tasks, dict):
        if not _looks_like_task(tasks):
            keys = ", ".join(shown(k, 30) for k in list(tasks)[:8]) or "none"
            raise DataError(
                f"{path}: holds one JSON object (keys: {keys}), not a list of tasks: a Label "
                "Studio JSON export is [{\"id\": ..., \"data\": {...}, \"annotations\": "
                "[...]}, ...], JSON-MIN a list of flat records")
        tasks = [tasks]  # one task, as the API returns it
    if not isinstance(tasks, list):
        raise DataError(f"{path}: holds a JSON {type(tasks).__name__}, not a list of tasks: a "
                        "Label Studio export is a JSON list")
    chunk = Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64), by_record=True)
    if len(text) > _MAX_DIGITS and re.search(r"\d{%d}" % (_MAX_DIGITS + 1), text):
        _report_long_numbers(chunk, text, tasks)
    objects = [t for t in tasks if isinstance(t, dict)]
    full = any("annotations" in t or "completions" in t for t in objects)
    if objects and not full and _looks_flat_labelstudio(objects[0].keys()):
        return _labelstudio_flat(chunk, tasks, list(range(1, len(tasks) + 1)), hints)
    if tasks and not full and all(isinstance(t, dict) and any(c in t for c in REQUIRED)
                                  for t in tasks):
        # a plain JSON array of annotation records (long format), not a Label Studio export
        _set_records(chunk, tasks, list(range(1, len(tasks) + 1)))
        chunk.read = len(tasks)
        return chunk
    rows: list[dict] = []
    for t, task in enumerate(tasks, start=1):
        rows.extend(_labelstudio_rows(str(path), t, task, chunk))
    rows = _one_control(chunk, rows, hints)
    chunk.read = len(rows) + sum(chunk.rejected.values())  # before _set_records rejects any
    _set_records(chunk, rows, [r["_line"] for r in rows])
    if tasks and not chunk.read:
        chunk.problems.append(finding(str(path), 0, "no-records", (
            f"{len(tasks)} task(s), none with an annotation: nothing to read (Label Studio "
            "exports unannotated tasks only when asked to)")))
    return chunk


def _looks_like_task(value: dict) -> bool:
    """A single task object (what the API returns for one task), a JSON-MIN record or a long
    format record, rather than some other JSON object."""
    keys = {str(k).lower() for k in value}
    return bool(keys & {"data", "annotations", "completions"}) or (
        _looks_flat_labelstudio(keys) or set(REQUIRED) <= keys)


def _report_long_numbers(chunk: Chunk, text: str, tasks: list) -> None:
    """A warning for each integer longer than Python converts (kept as its digits), at the
    line where the file writes it as a value."""
    for number in dict.fromkeys(long_numbers(tasks)):
        at = re.search(r"[:\[,]\s*(%s)\s*[,\]}]" % re.escape(number), text)
        line = text.count("\n", 0, at.start(1)) + 1 if at else 0
        chunk.problems.append(long_number_finding(chunk.path, line, [number]))


def _labelstudio_csv(chunk: Chunk, hints: Hints) -> Chunk:
    """A Label Studio CSV export (the JSON-MIN records as columns, answers of multi-choice
    controls as JSON text) becomes long-format rows; any other CSV passes through."""
    names = chunk.table.column_names
    if not chunk.table.num_rows or not _looks_flat_labelstudio(names):
        return chunk
    columns = {name: _text(chunk.table.column(name)).to_pylist() for name in names}
    records = [{name: columns[name][r] for name in names} for r in range(chunk.table.num_rows)]
    lines = chunk.lines.tolist()
    chunk.read = 0
    return _labelstudio_flat(chunk, records, lines, hints)


def _looks_flat_labelstudio(keys) -> bool:
    """A JSON-MIN record or CSV header: Label Studio's own `annotation_id` / `annotator`
    beside the task `id`, and no long-format `item` + `label` pair."""
    names = {str(k).strip().lower() for k in keys}
    return ("annotator" in names and ("annotation_id" in names or "id" in names)
            and not {"item", "label"} <= names)


def _one_control(chunk: Chunk, rows: list[dict], hints: Hints) -> list[dict]:
    """Rows of one control stand for the task, whatever the control is called. With several,
    the control named like the task asked for (or a project task) is kept, the others are
    counted as set aside; with no such name, each row's task is its control's name, so that
    the choice is the user's (`--task`)."""
    controls = sorted({r["_control"] for r in rows if r["_control"] is not None})
    if len(controls) <= 1:
        for r in rows:
            r.pop("task", None)
            r.pop("_control", None)
        return rows
    chosen = [c for c in controls if c in hints.names]
    if not chosen and hints.labels:  # else the control whose answers are the task's labels
        def answers(control: str) -> set[str]:
            out: set[str] = set()
            for r in rows:
                if r["_control"] == control:
                    label = r["label"]
                    out.update(label if isinstance(label, list) else [label])
            return out
        chosen = [c for c in controls if answers(c) <= hints.labels]
    if len(chosen) == 1:
        others = [r for r in rows if r["_control"] != chosen[0]]
        if others:
            names = ", ".join(c for c in controls if c != chosen[0])
            chunk.problems.append(finding(chunk.path, 0, "other-control", (
                f"{len(others)} answers of control(s) {names} set aside: the task is "
                f"{chosen[0]!r}")))
            chunk.rejected["other-control"] += len(others)
        rows = [r for r in rows if r["_control"] == chosen[0]]
        for r in rows:
            r.pop("task", None)
    for r in rows:
        r.pop("_control", None)
    return rows


def _ls_answer(kind: str, value: object) -> object:
    """A result's answer: a list of choices, taxonomy leaves, or a number as text."""
    if not isinstance(value, dict):
        return None
    answer = value.get(_LS_ANSWERS[kind])
    if kind == "taxonomy":  # paths from the root: the chosen node is the last of each
        return [p[-1] for p in answer or [] if isinstance(p, list) and p]
    return answer


def _labelstudio_rows(path: str, t: int, task: object, chunk: Chunk) -> list[dict]:
    def skip(kind: str, message: str, reason: str | None = None) -> None:
        chunk.problems.append(finding(path, 0, kind, f"record {t}: {message}"))
        chunk.rejected[reason or kind] += 1

    if not isinstance(task, dict):
        skip("malformed-record", "not a task object")
        return []
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    item = next((data[k] for k in ("item", "item_id") if data.get(k) not in (None, "")),
                task.get("id"))
    annotations = task.get("annotations")
    if annotations is None:  # exports before Label Studio 1.0
        annotations = task.get("completions")
    rows = []
    # drafts (unsubmitted work) and predictions (a model's) are no annotator's judgement
    for a, ann in enumerate(annotations or [], start=1):
        where = f"task {task.get('id', '?')} annotation {a}"
        if not isinstance(ann, dict):
            skip("malformed-record", f"{where} is not an object")
            continue
        if ann.get("was_cancelled") or ann.get("skipped"):
            skip("skipped", f"{where} was cancelled (skipped by the annotator)",
                 "skipped (cancelled or empty)")
            continue
        who = ann.get("completed_by")
        if isinstance(who, dict):  # older exports: the user object; ids match int exports
            who = who.get("id", who.get("email"))
        if who in (None, "") and isinstance(ann.get("created_username"), str):
            # "email, id" in recent exports: the id, as completed_by would give it
            who = ann["created_username"].rsplit(",", 1)[-1].strip() or None
        answers = [r for r in ann.get("result") or []
                   if isinstance(r, dict) and isinstance(r.get("type"), str)
                   and r["type"] in _LS_ANSWERS]
        if not answers:
            skip("skipped", f"{where} has no `choices`, `taxonomy` or `rating` result",
                 "skipped (cancelled or empty)")
            continue
        for result in answers:
            rows.append({
                "item": _cell(item), "annotator": _cell(who),
                "label": _cell(_ls_answer(result["type"], result.get("value"))),
                "task": _control_name(result.get("from_name")),
                "_control": _control_name(result.get("from_name")),
                "annotated_at": _cell(ann.get("created_at")),
                "guideline_rev": _cell(data.get("guideline_rev", meta.get("guideline_rev"))),
                "batch": _cell(data.get("batch", meta.get("batch"))), "_line": t,
            })
    return rows


def _control_name(name: object) -> str | None:
    """A result's `from_name` as a control name (text, whatever JSON value a file holds)."""
    if name is None or isinstance(name, str):
        return name
    return json.dumps(name, sort_keys=True)


def _flat_answer(value: object) -> tuple[str, object]:
    """A JSON-MIN / CSV cell: ("answer", labels) for a control's answer, ("text", value) for
    a plain value (a single choice, or task data), ("other", None) for anything else (spans,
    boxes, nested data), ("none", None) when empty. CSV cells hold the JSON text."""
    if value is None or value == "":
        return "none", None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return "none", None
        if text[0] in "{[":
            try:
                parsed = loads(text)
            except (json.JSONDecodeError, RecursionError):
                return "text", value
            if isinstance(parsed, (dict, list)):
                return _flat_answer(parsed)
        return "text", value
    if isinstance(value, bool):
        return "text", str(value).lower()
    if isinstance(value, (int, float)):
        return "text", _cell(value)
    if isinstance(value, dict):
        kind = next((k for k in _LS_ANSWERS if _LS_ANSWERS[k] in value), None)
        if kind is None:
            return "other", None
        answer = _ls_answer(kind, value)
        return "answer", answer if isinstance(answer, list) else _cell(answer)
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            return "answer", value
        parts = [_flat_answer(v) for v in value]
        if parts and all(kind == "answer" for kind, _ in parts):
            members: list[str] = []
            for _, answer in parts:
                members += answer if isinstance(answer, list) else [answer]
            return "answer", members
    return "other", None


def _labelstudio_flat(chunk: Chunk, records: list, lines: list[int], hints: Hints) -> Chunk:
    """Label Studio JSON-MIN / CSV: one flat record per annotation, the task's data and one
    key per control spread beside `id`, `annotator`, `created_at`, ... The control is the key
    named like the task, else the one whose values are the task's labels, else the one whose
    values are answers (multi-choice JSON) or differ between annotators of one task (data
    never does), else the only one whose values repeat across tasks; several or none: a
    finding that names the candidates."""
    path = chunk.path
    good = [(n, r) for n, r in zip(lines, records) if isinstance(r, dict)]
    for n, r in zip(lines, records):
        if not isinstance(r, dict):
            chunk.problems.append(finding(path, 0 if chunk.by_record else n,
                                          "malformed-record", "not a JSON object; skipped"))
            chunk.rejected["malformed-record"] += 1
    keys: dict[str, None] = {}
    for _, r in good:
        keys.update(dict.fromkeys(r))
    lower = {str(k).strip().lower(): k for k in keys}
    def field(r: dict, name: str) -> object:
        key = lower.get(name)
        return None if key is None else r.get(key)

    candidates = [k for k in keys if str(k).strip().lower() not in _LS_META]
    cells = {k: [_flat_answer(r.get(k)) for _, r in good] for k in candidates}
    usable = [k for k in candidates if not any(kind == "other" for kind, _ in cells[k])
              and any(kind != "none" for kind, _ in cells[k])]

    def members(kind_value: tuple[str, object]) -> list[str]:
        kind, value = kind_value
        if kind == "none":
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    controls = [k for k in usable if k in hints.names]
    if not controls and hints.labels:
        controls = [k for k in usable if all(set(members(c)) <= hints.labels for c in cells[k])]
    if not controls:
        ids = [json.dumps(_cell(field(r, "item") or field(r, "item_id") or field(r, "id")))
               for _, r in good]  # as text: an id may be any JSON value
        def varies(k: str) -> bool:
            seen: dict[object, str] = {}
            for i, (kind, value) in zip(ids, cells[k]):
                if kind == "none":
                    continue
                text = json.dumps(value, sort_keys=True)
                if seen.setdefault(i, text) != text:
                    return True
            return False
        controls = [k for k in usable if any(kind == "answer" for kind, _ in cells[k])
                    or varies(k)]
        if not controls and len(set(ids)) < len(ids):
            # tasks with several annotations, all in agreement: an answer still repeats
            # across tasks (few labels, many tasks), while a task's own text rarely does;
            # only when just one column does so is it taken
            def repeats(k: str) -> bool:
                first: dict[str, object] = {}
                for i, (kind, value) in zip(ids, cells[k]):
                    if kind != "none" and first.setdefault(json.dumps(value), i) != i:
                        return True
                return False
            repeating = [k for k in usable if repeats(k)]
            controls = repeating if len(repeating) == 1 else []
    if not controls and len(usable) == 1:
        controls = usable
    if not controls:
        names = ", ".join(repr(k) for k in usable) or "none"
        chunk.problems.append(finding(path, 1, "missing-column", (
            f"Label Studio JSON-MIN or CSV export: cannot tell which column holds the answer "
            f"(candidates: {names}); all {len(good)} rows rejected. Pass --task with the "
            "control's name, run inside a guideline project whose task lists the labels, or "
            "export as JSON")))
        chunk.rejected["missing-column"] += len(good)
        chunk.read = sum(chunk.rejected.values())  # every row: none could be used
        chunk.table, chunk.lines = pa.table({}), np.zeros(0, dtype=np.int64)  # counted here
        return chunk
    rows: list[dict] = []
    out_lines: list[int] = []
    for index, (n, r) in enumerate(good):
        where = f"record {n}: " if chunk.by_record else ""
        at = 0 if chunk.by_record else n
        def skip(message: str, reason: str) -> None:
            chunk.problems.append(finding(path, at, "skipped", where + message))
            chunk.rejected[reason] += 1

        cancelled = str(field(r, "was_cancelled")).strip().lower() in ("true", "1")
        answered = [k for k in controls if cells[k][index][0] != "none"]
        if cancelled:
            skip("annotation was cancelled (skipped by the annotator)",
                 "skipped (cancelled or empty)")
            continue
        if field(r, "annotator") in (None, "") and not answered:
            skip(f"task {_cell(field(r, 'id'))} has no annotation", "skipped (no annotation)")
            continue
        item = next((v for v in (field(r, "item"), field(r, "item_id"), field(r, "id"))
                     if v not in (None, "")), None)
        for k in controls:
            kind, value = cells[k][index]
            if kind == "none":
                skip(f"no answer for {shown(k)}", "skipped (cancelled or empty)")
                continue
            rows.append({"item": _cell(item), "annotator": _cell(field(r, "annotator")),
                         "label": value if isinstance(value, list) else _cell(value),
                         "task": _cell(k) if len(controls) > 1 else None,
                         "annotated_at": _cell(field(r, "created_at")),
                         "guideline_rev": _cell(field(r, "guideline_rev")),
                         "batch": _cell(field(r, "batch"))})
            out_lines.append(n)
    if len(controls) == 1:
        for row in rows:
            row.pop("task")
    chunk.read = len(rows) + sum(chunk.rejected.values())  # before _set_records rejects any
    _set_records(chunk, rows, out_lines)
    return chunk
