"""Prodigy JSONL exports: binary (`label` + accept/reject) and choice (`accept` list) answers."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from guidelines_tool.annotations.chunk import _EMPTY_SET, Chunk, finding
from guidelines_tool.annotations.json_records import (
    _cell,
    _json_lines,
    _parse_json_lines,
    _records_table,
)


_PRODIGY_KEYS = ("_input_hash", "_annotator_id", "_session_id", "answer")
_PRODIGY_IDS = ("_input_hash", "_task_hash", "_annotator_id", "_session_id")  # Prodigy's own


def _read_prodigy(path: Path) -> Chunk:
    records, chunk = _parse_json_lines(path, _json_lines(path))
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
    binary_labels = {r.get("label") for _, r in records if "accept" not in r and "label" in r}
    unparsable = sum(chunk.rejected.values())  # lines that were no JSON object
    rows, lines = [], []
    for n, r in records:
        answer = r.get("answer")
        if answer not in ("accept", "reject", "ignore"):
            chunk.problems.append(finding(str(path), n, "malformed-record",
                                          f"`answer` is {answer!r}, not accept/reject/ignore"))
            chunk.rejected["malformed-record"] += 1
            continue
        if answer == "ignore" or (answer == "reject" and "accept" in r):
            chunk.problems.append(finding(str(path), n, "skipped",
                                          f"answer {answer!r}: not a judgement; line skipped"))
            chunk.rejected["skipped (ignored or rejected)"] += 1
            continue
        if "accept" not in r and "label" not in r:
            # spans (ner.manual), relations, free text: no classification answer to compare
            chunk.problems.append(finding(str(path), n, "skipped", (
                "neither `label` (binary) nor `accept` (choice): not a classification "
                "record; line skipped")))
            chunk.rejected["skipped (not a classification)"] += 1
            continue
        meta = r.get("meta") if isinstance(r.get("meta"), dict) else {}
        item = next((v for v in (meta.get("id"), r.get("id"), r.get("_input_hash"),
                                 r.get("_task_hash")) if v not in (None, "")), None)
        if "accept" in r:
            label = r.get("accept")
            if isinstance(label, list) and not [v for v in label if v not in (None, "")]:
                label = _EMPTY_SET  # accepted with nothing chosen: "none of these"
        else:
            label = answer
            if len(binary_labels) > 1 and item is not None:
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
    chunk.table = _records_table(rows)
    chunk.lines = np.array(lines, dtype=np.int64)
    chunk.read = len(records) + unparsable
    chunk.multi_label = any(
        isinstance(r.get("config"), dict) and r["config"].get("choice_style") == "multiple"
        for _, r in records)
    return chunk
