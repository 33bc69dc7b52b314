"""Reading annotation files: each file's format (from `--input-format` or its extension), its
reader, then normalisation of all files together into one `AnnotationTable`."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import NO_HINTS, Chunk, Hints, finding
from guidelines_tool.annotations.csv import _read_csv
from guidelines_tool.annotations.jsonl import _read_jsonl
from guidelines_tool.annotations.labelstudio import (
    _labelstudio_csv, _labelstudio_rows, _one_control, _read_labelstudio,
)
from guidelines_tool.annotations.normalise import _normalise
from guidelines_tool.annotations.parquet import _read_parquet
from guidelines_tool.annotations.prodigy import _read_prodigy
from guidelines_tool.annotations.source import not_utf8, read_bytes, text_bytes
from guidelines_tool.annotations.table import AnnotationTable
from guidelines_tool.errors import DataError
from guidelines_tool.model import Finding, Project


InputFormat = Literal["csv", "jsonl", "parquet", "labelstudio", "prodigy"]
INPUT_FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet", "labelstudio", "prodigy")
Duplicates = Literal["error", "first", "last"]
EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
    ".pq": "parquet", ".json": "labelstudio",
}


def detect_format(path: Path, input_format: str | None = None) -> str:
    """The reader for a file: `input_format` if given, else from the extension."""
    if input_format:
        if input_format not in INPUT_FORMATS:
            raise DataError(f"unknown input format {input_format!r}")
        return input_format
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            f"pass --input-format ({'|'.join(INPUT_FORMATS)})"
        )
    return fmt


def read_annotations(
    paths: Iterable[Path | str],
    *,
    input_format: str | None = None,
    project: Project | None = None,
    task: str | None = None,
    duplicates: Duplicates = "error",
    relabel_by_time: bool = False,
) -> AnnotationTable:
    """Read, check and encode annotation files (see the package docstring).

    A repeated (task, item, annotator) under another `guideline_rev` is a re-label, not a
    duplicate; with `relabel_by_time` (what `impact` asks for: it places each judgement by its
    revision, else its time) so is one at another `annotated_at`.

    With a project, labels are checked against the task's label set; the task is `task`, the
    project's only task, or (with a `task` column) must be chosen with `task`. Raises DataError
    for files that cannot be read at all or an ambiguous task.
    """
    if duplicates not in ("error", "first", "last"):
        raise DataError(f"--duplicates must be error, first or last, not {duplicates!r}")
    hints = _hints(project, task)
    chunks = []
    for raw in paths:
        path = Path(raw)
        chunks.append(_read_file(path, detect_format(path, input_format), hints))
    try:
        return _normalise(chunks, project=project, task=task, duplicates=duplicates,
                          relabel_by_time=relabel_by_time)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        # values Arrow cannot turn into text (invalid UTF-8 in a binary Parquet column, ...)
        names = ", ".join(c.path for c in chunks)
        raise DataError(f"{names}: cannot read the values: {str(exc).splitlines()[0]}") from exc


def _hints(project: Project | None, task: str | None) -> Hints:
    """The task names and labels a Label Studio export's controls are matched against."""
    tasks = project.tasks if project is not None else {}
    if task is not None:
        chosen = [tasks[task]] if task in tasks else []
        return Hints(frozenset([task]), frozenset(l for t in chosen for l in t.label_ids))
    return Hints(frozenset(tasks), frozenset(l for t in tasks.values() for l in t.label_ids))


def _read_file(path: Path, fmt: str, hints: Hints | None = None,
               extra: tuple[str, ...] = ()) -> Chunk:
    """One file through its format's reader. The bytes come from `read_bytes` (regular files
    only, the size checked before the read); whatever cannot be read is a DataError naming
    the file, and the line where there is one. `extra`: columns kept besides the record
    columns (a gold file's `rule`), in the long formats (CSV, JSON Lines, Parquet)."""
    hints = hints or NO_HINTS
    data = read_bytes(path)
    if fmt != "parquet":
        data = text_bytes(path, data, fmt)
    try:
        if fmt == "labelstudio" and path.suffix.lower() not in (".csv", ".tsv"):
            chunk = _read_labelstudio(path, data, hints)
        elif fmt in ("csv", "labelstudio"):  # Label Studio's CSV / TSV exports are CSV
            chunk = _labelstudio_csv(_read_csv(path, data, extra), hints)
        elif fmt == "prodigy":
            chunk = _read_prodigy(path, data)
        else:
            chunk = {"jsonl": _read_jsonl, "parquet": _read_parquet}[fmt](path, data, extra)
    except MemoryError as exc:
        raise DataError(f"{path}: not enough memory to read it as {fmt} "
                        f"({len(data):,} bytes)") from exc
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read as {fmt}: {_reason(exc, data, fmt)}") from exc
    if not chunk.read and not chunk.problems:
        # the summary's "no usable annotations" must have something above it to point at
        what = "the file is empty" if not data.strip(b"\xef\xbb\xbf \t\r\n") else \
            "no annotation records in the file"
        chunk.problems.append(finding(str(path), 0, "no-records", what))
    return chunk


def _reason(exc: Exception, data: bytes, fmt: str) -> str:
    """Why a reader failed, in the user's terms: a text file that is not UTF-8 is named by its
    line (judged from the bytes, not from the parser's message), anything else by the parser."""
    bad = not_utf8(data) if fmt != "parquet" else None
    if bad is not None:
        # guessing a legacy code page could rename annotators silently: say what to do
        return (f"{bad}; the file is not UTF-8 (a spreadsheet's legacy encoding, or not text "
                "at all?): save it as UTF-8, e.g. Excel's \"CSV UTF-8\"")
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    # a parser may quote the row it choked on: a 5 MB row is no message
    return reason if len(reason) <= 300 else reason[:300] + f"... ({len(reason):,} characters)"


def labelstudio_export_rows(tasks: Sequence[object], *, source: str, project: Project | None = None,
                            task: str | None = None) -> tuple[list[dict], list[Finding], Counter]:
    """Rows of Label Studio export tasks already in memory (the JSON export's shape, as
    `pull label-studio` fetches it page by page): the same rows, problems and exclusion counts
    (reason → n) as reading that export from a file."""
    chunk = Chunk(source, pa.table({}), np.zeros(0, dtype=np.int64), by_record=True)
    rows = [row for t, obj in enumerate(tasks, start=1) for row in _labelstudio_rows(source, t, obj, chunk)]
    rows = _one_control(chunk, rows, _hints(project, task))
    return rows, chunk.problems, chunk.rejected
