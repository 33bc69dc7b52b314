"""Reading annotation files: each file's format (from `--input-format` or its extension), its
reader, then normalisation of all files together into one `AnnotationTable`."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pyarrow as pa

from guidelines_tool.annotations.chunk import NO_HINTS, Chunk, Hints
from guidelines_tool.annotations.csv import _read_csv
from guidelines_tool.annotations.jsonl import _read_jsonl
from guidelines_tool.annotations.labelstudio import _labelstudio_csv, _read_labelstudio
from guidelines_tool.annotations.normalise import _normalise
from guidelines_tool.annotations.parquet import _read_parquet
from guidelines_tool.annotations.prodigy import _read_prodigy
from guidelines_tool.annotations.table import AnnotationTable
from guidelines_tool.errors import DataError
from guidelines_tool.model import Project


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
        if not path.is_file():
            raise DataError(f"{path}: no such file")
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


def _read_file(path: Path, fmt: str, hints: Hints | None = None) -> Chunk:
    hints = hints or NO_HINTS
    try:
        if fmt == "labelstudio" and path.suffix.lower() not in (".csv", ".tsv"):
            return _read_labelstudio(path, hints)
        if fmt in ("csv", "labelstudio"):  # Label Studio's CSV / TSV exports are CSV
            return _labelstudio_csv(_read_csv(path), hints)
        return {"jsonl": _read_jsonl, "parquet": _read_parquet, "prodigy": _read_prodigy}[fmt](path)
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, csv.Error) as exc:
        reason = str(exc).splitlines()[0]
        if isinstance(exc, UnicodeDecodeError) or "invalid UTF8" in reason:
            # guessing a legacy code page could rename annotators silently: say what to do
            reason += ("; the file is not UTF-8 (a spreadsheet's legacy encoding?): save it as "
                       "UTF-8, e.g. Excel's \"CSV UTF-8\"")
        raise DataError(f"{path}: cannot read as {fmt}: {reason}") from exc
