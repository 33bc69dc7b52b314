"""Prodigy JSONL exports: binary (`label` + accept/reject) and choice (`accept` list) answers."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from guidelines_tool.annotations.chunk import _EMPTY_SET, Chunk, finding, shown
from guidelines_tool.annotations.json_records import (
    _cell,
    _json_lines,
    _parse_json_lines,
    _set_records,
)


_PRODIGY_KEYS = ("_input_hash", "_annotator_id", "_session_id", "answer")
_PRODIGY_IDS = ("_input_hash", "_task_hash", "_annotator_id", "_session_id")  # Prodigy's own


def _read_prodigy(path: Path, data: bytes) -> Chunk:
    records, chunk = _parse_json_lines(path, _json_lines(data))
    return _prodigy_chunk(path, records, chunk)


def _prodigy_chunk(path: Path, records: list, chunk: Chunk) -> Chunk:
    """Prodigy JSONL: binary (`label` + answer accept/reject) or choice (`accept` list).

    Following Prodigy's semantics: `answer: ignore` is no judgement (skipped, counted); in the
    choice interface `reject` says the question itself is wrong (skipped, counted), while
    `accept` with an empty `accept` list is an explicit "none of these options" answer: the
    empty label set of a multi-label task (a single-label task has no label for it, and
    rejects the row with that reason). Item: `meta.id`, else `id`, else `_input_hash` (the
    input, whatever options were shown), else `_task_hash`. Annotator: `_annotator_id`, else
    `_session_id` (both "dataset-name" in named multi-user sessions).
    """
    binary_labels = {r.get("label") for _, r in records
                     if "accept" not in r and isinstance(r.get("label"), (str, int, float))}
    unparsable = sum(chunk.rejected.values())  # lines that were no JSON object
    rows, lines = [], []

    def bad(n: int, message: str, kind: str = "malformed-record",
            reason: str = "malformed-record") -> None:
        chunk.problems.append(finding(str(path), n, kind, f"{message}; line skipped"))
        chunk.rejected[reason] += 1

    for n, r in records:
        answer = r.get("answer")
        if answer not in ("accept", "reject", "ignore") or not isinstance(answer, str):
            bad(n, f"`answer` is {shown(answer)}, not accept/reject/ignore")
            continue
        if answer == "ignore" or (answer == "reject" and "accept" in r):
            bad(n, f"answer {answer!r}: not a judgement", "skipped",
                "skipped (ignored or rejected)")
            continue
        if "accept" not in r and "label" not in r:
            # spans (ner.manual), relations, free text: no classification answer to compare
            bad(n, "neither `label` (binary) nor `accept` (choice): not a classification "
                   "record", "skipped", "skipped (not a classification)")
            continue
        accept, label = r.get("accept"), r.get("label")
        if "accept" in r and not (accept is None or isinstance(accept, list) and all(
                isinstance(v, (str, int, float)) or v is None for v in accept)):
            bad(n, f"`accept` is {shown(accept)}: a choice answer is a list of option ids")
            continue
        if "accept" not in r and not isinstance(label, (str, int, float)):
            bad(n, f"`label` is {shown(label)}: a binary answer's label is one text")
            continue
        meta = r.get("meta") if isinstance(r.get("meta"), dict) else {}
        item = next((v for v in (meta.get("id"), r.get("id"), r.get("_input_hash"),
                                 r.get("_task_hash")) if v not in (None, "")), None)
        if item is None or isinstance(item, (dict, list)):
            bad(n, "no item id: `meta.id`, `id`, `_input_hash` and `_task_hash` are all "
                   "missing, null or not a single value", "empty-item", "empty-item")
            continue
        if "accept" in r:
            label = accept
            if isinstance(label, list) and not [v for v in label if v not in (None, "")]:
                label = _EMPTY_SET  # accepted with nothing chosen: "none of these"
        else:
            label = answer
            if len(binary_labels) > 1:
                item = f"{item}#{r.get('label')}"  # one binary decision per (input, label)
        who = r.get("_annotator_id") or r.get("_session_id")
        stamp = r.get("_timestamp")
        when = (datetime.fromtimestamp(stamp, timezone.utc).isoformat()
                if isinstance(stamp, (int, float)) and not isinstance(stamp, bool)
                and 0 <= stamp < 1e11 else stamp)
        rows.append({"item": _cell(item), "annotator": _cell(who), "label": _cell(label),
                     "annotated_at": _cell(when),
                     "guideline_rev": _cell(meta.get("guideline_rev", r.get("guideline_rev"))),
                     "batch": _cell(meta.get("batch", r.get("batch")))})
        lines.append(n)
    _set_records(chunk, rows, lines)
    chunk.read = len(records) + unparsable
    chunk.multi_label = any(
        isinstance(r.get("config"), dict) and r["config"].get("choice_style") == "multiple"
        for _, r in records)
    return chunk
