"""What a reader hands on: one file's record columns (`Chunk`) before anything is checked.

A reader's job is format → columns: it turns one file into an Arrow table of the record columns
(REQUIRED and OPTIONAL, named as the long format names them) plus each row's line or record
number, and reports what it could not read as findings. Everything that does not depend on the
format (trimming, codes, empty values, tasks, labels, duplicates) is normalise.py's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from guidelines_tool.model import Finding


REQUIRED = ("item", "annotator", "label")
OPTIONAL = ("task", "guideline_rev", "annotated_at", "rules", "batch", "scope")


# the label of an explicit "none of these" answer (Prodigy's accepted empty `accept` list):
# the empty set of a multi-label task; no character a label can hold after trimming
_EMPTY_SET = "\x00(none)"
EMPTY_SET_LABEL = "(none)"  # how the empty set is shown among a multi-label task's labels


# finding codes: stable, never reused
CODES = {
    "unreadable": ("ANN001", "error"),
    "missing-column": ("ANN002", "error"),
    "empty-item": ("ANN003", "error"),
    "empty-annotator": ("ANN004", "error"),
    "empty-label": ("ANN005", "error"),
    "unknown-label": ("ANN006", "error"),
    "unknown-task": ("ANN007", "error"),
    "duplicate": ("ANN008", "error"),
    "malformed-record": ("ANN009", "error"),
    "bad-timestamp": ("ANN010", "warning"),
    "skipped": ("ANN011", "warning"),
    "other-control": ("ANN012", "warning"),
    "no-choice": ("ANN013", "error"),
    "no-records": ("ANN014", "warning"),
    "control-character": ("ANN015", "error"),
    "long-number": ("ANN016", "warning"),
    "open-quote": ("ANN017", "warning"),
}


@dataclass
class Chunk:
    """One file's records before validation: an Arrow table, each row's line, the file's own
    findings (unreadable records, skipped annotations) and their reasons."""

    path: str
    table: pa.Table
    lines: np.ndarray
    problems: list[Finding] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    read: int = 0
    by_record: bool = False  # `lines` are record numbers (a JSON document), not lines
    hint: str = ""  # what the file looks like, for the missing-column message
    multi_label: bool = False  # the file says its answers are label sets (Prodigy's config)


@dataclass(frozen=True)
class Hints:
    """What the caller knows that a file may not say: the task asked for (or the project's
    task ids) and the labels they allow. Label Studio exports name their answers after the
    labeling config's controls; these pick the control that holds the task's answer."""

    names: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()


NO_HINTS = Hints()


def shown(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: its repr, cut to `limit` characters (a hostile file's
    5 MB label must not become a 5 MB message per row)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 14]}... ({len(text)} chars)"


def finding(path: str, line: int, kind: str, message: str, severity: str | None = None
            ) -> Finding:
    code, default = CODES[kind]
    severity = severity or default
    return Finding(path, line, 0 if line == 0 else 1, code, kind, severity, message)
