"""Reading annotation records: long-format CSV / JSON Lines / Parquet, Label Studio exports
(JSON, JSON-MIN, CSV) and Prodigy JSONL, into dictionary-encoded numpy columns.

One code path: every reader produces an Arrow table of the record columns plus each row's line
(or record) number; `_normalise` checks and encodes it. Bad rows are never dropped silently: each
becomes a finding with file and line, and the summary counts rows read, used and rejected by
reason (read = used + rejected + other tasks). Nothing here prints or exits.

A judgement is identified by (task, item, annotator) plus its guideline revision: the same
annotator labelling an item again under another revision is a re-label, kept (impact compares
the two); figures pooled over revisions take each annotator's latest (`AnnotationTable.pooled`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa

from guidelines_tool.agreement import Ratings, masi_matrix
from guidelines_tool.errors import DataError
from guidelines_tool.model import Finding, Project, Task

class _LazyCompute:
    """pyarrow.compute on first use: the CSV path never needs it, and importing it costs about
    as much CPU as encoding a million rows."""

    def __getattr__(self, name: str):
        import pyarrow.compute

        return getattr(pyarrow.compute, name)


pc = _LazyCompute()

InputFormat = Literal["csv", "jsonl", "parquet", "labelstudio", "prodigy"]
INPUT_FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet", "labelstudio", "prodigy")
Duplicates = Literal["error", "first", "last"]
REQUIRED = ("item", "annotator", "label")
OPTIONAL = ("task", "guideline_rev", "annotated_at", "rules", "batch", "scope")
EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
    ".pq": "parquet", ".json": "labelstudio",
}

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
}


@dataclass(frozen=True)
class ReadSummary:
    """How many rows were read, used, and rejected (by reason), and how many belonged to other
    tasks than the one asked for."""

    read: int
    used: int
    rejected: dict[str, int]
    other_task: int = 0
    # used rows that re-label an (item, annotator) under another guideline revision: kept
    # for `impact` and `--by revision`; pooled figures use each annotator's latest judgement
    relabelled: int = 0

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"read": self.read, "used": self.used,
                                  "rejected": dict(sorted(self.rejected.items())),
                                  "other_task": self.other_task}
        if self.relabelled:  # only when there are some: the shape files without revisions had
            out["relabelled"] = self.relabelled
        return out


@dataclass(frozen=True, eq=False)
class AnnotationTable:
    """Annotation records as dictionary-encoded columns (codes index the value tuples; -1 = absent).

    `label` codes index `labels`; for a multi-label table each entry of `labels` is a canonical
    `;`-joined set and `label_sets` holds its members. `rules` codes index `rule_sets` (the
    distinct sets of cited rule ids). `annotated_at` is datetime64[us] UTC (NaT when absent).
    """

    item: np.ndarray
    items: Sequence[str]  # LazyStrings for large files: converted on first use
    annotator: np.ndarray
    annotators: tuple[str, ...]
    label: np.ndarray
    labels: tuple[str, ...]
    label_sets: tuple[tuple[str, ...], ...]
    task: np.ndarray
    tasks: tuple[str, ...]
    guideline_rev: np.ndarray
    revisions: tuple[str, ...]
    annotated_at: np.ndarray
    rules: np.ndarray
    rule_sets: tuple[tuple[str, ...], ...]
    batch: np.ndarray
    batches: tuple[str, ...]
    file: np.ndarray
    files: tuple[str, ...]
    line: np.ndarray
    multi_label: bool = False
    task_id: str | None = None  # the task these rows are for (project task or --task)
    problems: list[Finding] = field(default_factory=list)
    summary: ReadSummary = ReadSummary(0, 0, {})
    duplicate_error: bool = False  # duplicates found under the `error` policy
    relabelled: int = 0  # rows re-labelling an (item, annotator) under another revision
    # the rules whose scope the row's item is in (`scope` column: rule ids, `;`-joined), known
    # independently of the labels; codes index `scope_sets`; None when the files have no scope
    scope: np.ndarray | None = None
    scope_sets: tuple[tuple[str, ...], ...] = ((),)

    def __len__(self) -> int:
        return int(self.item.size)

    def select(self, rows: np.ndarray) -> AnnotationTable:
        """The rows in a boolean mask (value tuples kept, so codes stay comparable)."""
        mask = np.asarray(rows, dtype=bool)
        columns = ("item", "annotator", "label", "task", "guideline_rev", "annotated_at",
                   "rules", "batch", "file", "line")
        data = {name: getattr(self, name)[mask] for name in columns}
        if self.scope is not None:
            data["scope"] = self.scope[mask]
        return _replace(self, **data)

    def pooled(self) -> AnnotationTable:
        """The table with each (item, annotator)'s latest judgement only: what figures pooled
        over guideline revisions use (`ratings()` does this itself). Row i of the result is
        row i of `ratings()`."""
        if not self.relabelled:
            return self
        return _replace(self.select(self.latest_judgements()), relabelled=0)

    def latest_judgements(self) -> np.ndarray:
        """Mask of each (task, item, annotator)'s latest row: by `annotated_at`, then by
        file order (rows without a time come first). All true without re-labels."""
        n = len(self)
        if not n:
            return np.ones(0, dtype=bool)
        key = ((self.task.astype(np.int64) + 1) * (len(self.items) + 1) + self.item) \
            * (len(self.annotators) + 1) + self.annotator
        times = np.asarray(self.annotated_at, dtype="datetime64[us]").view(np.int64)
        order = np.lexsort((np.arange(n), times, key))  # NaT is the smallest int64
        last = np.r_[key[order][1:] != key[order][:-1], True]
        mask = np.zeros(n, dtype=bool)
        mask[order[last]] = True
        return mask

    def label_mask(self, label_id: str) -> np.ndarray:
        """Rows whose label (or label set) contains `label_id`."""
        hits = np.array([label_id in members for members in self.label_sets], dtype=bool)
        return hits[self.label] if hits.size else np.zeros(len(self), dtype=bool)

    def rule_mask(self, rule_id: str) -> np.ndarray:
        """Rows whose annotator cited `rule_id`."""
        hits = np.array([rule_id in members for members in self.rule_sets], dtype=bool)
        return hits[self.rules] if hits.size else np.zeros(len(self), dtype=bool)

    def label_order(self) -> tuple[str, ...]:
        """The labels in use, in their natural order: numbers numerically, then text."""
        used = {self.labels[u] for u in np.flatnonzero(np.bincount(
            self.label[self.label >= 0], minlength=len(self.labels)))}
        return tuple(sorted(used, key=_natural))

    def ratings(
        self,
        *,
        categories: Sequence[str] | None = None,
        numeric: Sequence[float] | None = None,
    ) -> Ratings:
        """The rows as `Ratings` (items and annotators renumbered over the rows present).

        Single-label: categories are `categories` (the task's labels, in scale order) or the
        labels seen, sorted. Multi-label: categories are the distinct label sets, with MASI
        distances between them.
        """
        if self.relabelled:
            # pooled over revisions: each annotator's latest judgement of an item counts
            return self.pooled().ratings(categories=categories, numeric=numeric)
        item, items = _compact(self.item, self.items)
        annotator, annotators = _compact(self.annotator, self.annotators)
        if self.multi_label:
            used, value = np.unique(self.label, return_inverse=True)
            sets = [frozenset(self.label_sets[u]) for u in used]
            return Ratings(item, annotator, value, tuple(self.labels[u] for u in used), None,
                           items, annotators, masi_matrix(sets))
        order = tuple(categories) if categories is not None else self.label_order()
        position = {c: k for k, c in enumerate(order)}
        remap = np.array([position.get(v, -1) for v in self.labels], dtype=np.int64)
        value = remap[self.label] if self.labels else self.label
        if (value < 0).any():
            raise DataError("labels outside the category list: " + ", ".join(
                sorted({self.labels[c] for c in self.label[value < 0]})[:5]))
        return Ratings(item, annotator, value, order,
                       None if numeric is None else np.asarray(numeric, dtype=float),
                       items, annotators)


def _natural(label: str) -> tuple:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _compact(codes: np.ndarray, values: tuple) -> tuple[np.ndarray, tuple]:
    """Renumber codes over the values actually used (no sort when all are used)."""
    used = np.bincount(codes, minlength=len(values)) > 0
    if used.all():
        return codes, values
    rank = np.cumsum(used) - 1
    return rank[codes], tuple(np.array(values, dtype=object)[used].tolist())


def _replace(table: AnnotationTable, **changes: object) -> AnnotationTable:
    from dataclasses import replace

    return replace(table, **changes)


# --- reading --------------------------------------------------------------------------------


@dataclass
class _Chunk:
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
    """Read, check and encode annotation files (see the module docstring).

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


def _hints(project: Project | None, task: str | None) -> _Hints:
    """The task names and labels a Label Studio export's controls are matched against."""
    tasks = project.tasks if project is not None else {}
    if task is not None:
        chosen = [tasks[task]] if task in tasks else []
        return _Hints(frozenset([task]), frozenset(l for t in chosen for l in t.label_ids))
    return _Hints(frozenset(tasks), frozenset(l for t in tasks.values() for l in t.label_ids))


def _read_file(path: Path, fmt: str, hints: _Hints | None = None) -> _Chunk:
    hints = hints or _NO_HINTS
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


def _finding(path: str, line: int, kind: str, message: str, severity: str | None = None
             ) -> Finding:
    code, default = CODES[kind]
    severity = severity or default
    return Finding(path, line, 0 if line == 0 else 1, code, kind, severity, message)


def _read_csv(path: Path) -> _Chunk:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its BOM: Excel's "Unicode text"
        data = data.decode("utf-16").encode("utf-8")
    # Excel's "sep=;" first line names the delimiter; line numbers still count it
    sep_line = re.match(rb"(?:\xef\xbb\xbf)?sep=([^\r\n])\r?\n", data[:16])
    if sep_line:
        chunk = _read_csv_data(path, data[sep_line.end():], sep_line.group(1).decode())
        chunk.lines = chunk.lines + 1
        chunk.problems = [replace(p, line=p.line + 1) if p.line else p for p in chunk.problems]
        return chunk
    return _read_csv_data(path, data, None)


def _read_csv_data(path: Path, data: bytes, delimiter: str | None) -> _Chunk:
    import pyarrow.csv as pacsv

    text_head = data[:65536].decode("utf-8-sig", errors="replace")
    first = next(csv.reader(io.StringIO(text_head)), None)
    if not first:
        return _Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64))
    delimiter = delimiter or _delimiter(text_head,
                                        "\t" if path.suffix.lower() == ".tsv" else ",")
    header = next(csv.reader(io.StringIO(text_head), delimiter=delimiter))
    bad_rows: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = row.number
        if number is None and row.text:  # pyarrow cannot count lines when values span them
            at = data.find(row.text.encode())
            number = data.count(b"\n", 0, at) + 1 if at >= 0 else None
        bad_rows.append((number, f"has {row.actual_columns} fields, the header has "
                                 f"{row.expected_columns}"))
        return "skip"

    def parse(newlines_in_values: bool) -> pa.Table:
        bad_rows.clear()
        return pacsv.read_csv(
            pa.BufferReader(data),  # zero-copy: no Python file object in the way
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                             newlines_in_values=newlines_in_values),
            convert_options=pacsv.ConvertOptions(
                column_types={name: _CSV_TYPE for name in header}, strings_can_be_null=False),
        )

    # pyarrow parses in parallel blocks only when no quoted value spans lines; try that, and
    # parse again serially when the records do not line up one per line
    try:
        table = parse(False)
        simple = not bad_rows and _one_record_per_line(data, table.num_rows)
    except pa.ArrowInvalid:
        table, simple = None, False
    if table is None or (not simple and b'"' in data):
        table = parse(True)
    if simple:
        chunk = _Chunk(str(path), table, np.arange(2, table.num_rows + 2, dtype=np.int32))
        chunk.read = table.num_rows
        return chunk
    chunk = _Chunk(str(path), table, _csv_lines(data, table.num_rows, bad_rows, delimiter))
    for number, message in bad_rows:
        chunk.problems.append(_finding(str(path), number or 0, "malformed-record",
                                       f"row {message}; row skipped"))
    chunk.rejected["malformed-record"] += len(bad_rows)
    chunk.read = table.num_rows + len(bad_rows)
    return chunk


def _labelstudio_csv(chunk: _Chunk, hints: _Hints) -> _Chunk:
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


def _delimiter(head: str, default: str) -> str:
    """The header's delimiter: `default`, unless `item` and `label` (which annotation and
    gold files both need) only appear when the header is split at `;`, a tab or `|` (Excel
    writes "CSV" with `;` in many locales)."""
    needed = {"item", "label"}
    def columns(sep: str) -> set[str]:
        return {c.strip().lower() for c in next(csv.reader(io.StringIO(head), delimiter=sep), [])}

    if needed <= columns(default):
        return default
    return next((sep for sep in (";", "\t", "|", ",") if sep != default
                 and needed <= columns(sep)), default)


# the parallel CSV reader builds the dictionaries itself: no string column, no second pass
_CSV_TYPE = pa.dictionary(pa.int32(), pa.string())


def _one_record_per_line(data: bytes, n_rows: int) -> bool:
    """Whether every line after the header is one record. Blank lines, values spanning lines
    and skipped rows all leave fewer records than lines, so counting newlines is enough."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return lines == n_rows + 1


def _csv_lines(data: bytes, n_rows: int, bad: list, delimiter: str) -> np.ndarray:
    """The 1-based line of each parsed data row (blank and malformed lines skipped)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if not ends.size or ends[-1] != buf.size - 1:
        ends = np.r_[ends, buf.size]
    starts = np.r_[0, ends[:-1] + 1]
    length = ends - starts
    cr_only = (length == 1) & (buf[np.minimum(starts, buf.size - 1)] == 13)
    nonblank = np.flatnonzero((length > 0) & ~cr_only) + 1  # 1-based line numbers
    skip = np.array([number for number, _ in bad if number], dtype=np.int64)
    lines = nonblank[1:]
    if skip.size:
        lines = lines[~np.isin(lines, skip)]
    if lines.size == n_rows:
        return lines
    # quoted values spanning lines: let the csv module tell where each record starts (pyarrow
    # read the values already, whatever their length: lift the module's 128 KiB field limit)
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter)
    starts, previous = [], 0
    for row in reader:
        if row:
            starts.append(previous + 1)
        previous = reader.line_num
    starts = [s for s in starts[1:] if s not in set(skip.tolist())]
    return np.array(starts[:n_rows] + [0] * max(0, n_rows - len(starts)), dtype=np.int64)


def _read_parquet(path: Path) -> _Chunk:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return _Chunk(str(path), table, np.arange(1, table.num_rows + 1), read=table.num_rows)


def _json_lines(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _read_jsonl(path: Path) -> _Chunk:
    """JSON Lines; Prodigy exports (`_input_hash` / `answer` keys) are recognised by content.

    pyarrow's JSON reader first; a file it rejects (a malformed line, a field whose type
    changes between lines) is read line by line so that each bad line can be reported.
    """
    fast = _read_jsonl_arrow(path)
    if fast is not None:
        return fast
    lines = _json_lines(path)
    records, chunk = _parse_json_lines(path, lines)
    if records and any(any(k in r for k in _PRODIGY_IDS) for _, r in records[:50]):
        return _prodigy_chunk(path, records, chunk)
    rows = [dict(r, _line=n) for n, r in records]
    chunk.table = _records_table(rows)
    chunk.lines = np.array([n for n, _ in records], dtype=np.int64)
    chunk.read = len(lines)
    return chunk


_PRODIGY_KEYS = ("_input_hash", "_annotator_id", "_session_id", "answer")
_PRODIGY_IDS = ("_input_hash", "_task_hash", "_annotator_id", "_session_id")  # Prodigy's own


def _read_jsonl_arrow(path: Path) -> _Chunk | None:
    """The whole file through pyarrow.json, or None when it needs the line-by-line reader."""
    import pyarrow.json as pajson

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return None  # a byte-order mark: leave it to the text reader
    try:
        table = pajson.read_json(pa.BufferReader(data))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    names = table.column_names
    if any(key in names for key in _PRODIGY_KEYS) or any(
            pa.types.is_struct(table.schema.field(c).type) for c in REQUIRED if c in names):
        return None
    keep = [c for c in (*REQUIRED, *OPTIONAL) if c in names]
    if any(pa.types.is_floating(table.schema.field(c).type) for c in keep
           if c != "annotated_at"):
        # pyarrow reads integers beyond int64 as doubles: 12345678901234567890123 and ...124
        # would become one id; Python's json keeps them exact
        return None
    table = table.select(keep) if keep else pa.table({"_empty": pa.nulls(table.num_rows)})
    if _one_record_per_line(data, table.num_rows - 1):
        lines = np.arange(1, table.num_rows + 1, dtype=np.int32)
    else:  # blank lines: number the non-blank ones
        lines = np.array([n for n, _ in _json_lines(path)], dtype=np.int64)
        if lines.size != table.num_rows:
            return None
    chunk = _Chunk(str(path), table, lines)
    chunk.read = table.num_rows
    return chunk


def _parse_json_lines(path: Path, lines: list[tuple[int, str]]) -> tuple[list, _Chunk]:
    chunk = _Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64))
    records = []
    for n, line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            chunk.problems.append(_finding(str(path), n, "malformed-record",
                                           f"not valid JSON ({exc.msg}); line skipped"))
            chunk.rejected["malformed-record"] += 1
            continue
        except RecursionError:  # hostile input: thousands of nested brackets
            chunk.problems.append(_finding(str(path), n, "malformed-record",
                                           "JSON nested too deeply; line skipped"))
            chunk.rejected["malformed-record"] += 1
            continue
        if not isinstance(record, dict):
            chunk.problems.append(_finding(str(path), n, "malformed-record",
                                           "not a JSON object; line skipped"))
            chunk.rejected["malformed-record"] += 1
            continue
        records.append((n, record))
    return records, chunk


def _cell(value: object) -> object:
    """A JSON value as a record cell: lists of strings stay lists, scalars become strings."""
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict,)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _records_table(rows: list[dict]) -> pa.Table:
    """Arrow table of the record columns from dicts; only columns some record has."""
    present = [c for c in (*REQUIRED, *OPTIONAL) if any(c in r for r in rows)]
    data = {}
    for name in present:
        values = [_cell(r.get(name)) for r in rows]
        if any(isinstance(v, list) for v in values):
            values = [v if isinstance(v, list) or v is None else [v] for v in values]
            data[name] = pa.array(values, type=pa.list_(pa.string()))
        else:
            data[name] = pa.array(values, type=pa.string())
    return pa.table(data) if data else pa.table({"_empty": pa.array([None] * len(rows))})


@dataclass(frozen=True)
class _Hints:
    """What the caller knows that a file may not say: the task asked for (or the project's
    task ids) and the labels they allow. Label Studio exports name their answers after the
    labeling config's controls; these pick the control that holds the task's answer."""

    names: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()


_NO_HINTS = _Hints()

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


def _read_labelstudio(path: Path, hints: _Hints = _NO_HINTS) -> _Chunk:
    """Label Studio exports: JSON (a list of tasks with annotations[].result[]; `completions`
    in exports before 1.0) or JSON-MIN (one flat object per annotation, the answer under the
    control's name). One row per (task, annotator, answering control)."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise DataError(f"{path}: JSON nested too deeply to be an export") from exc
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise DataError(f"{path}: a Label Studio export is a JSON list of tasks")
    chunk = _Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64), by_record=True)
    objects = [t for t in tasks if isinstance(t, dict)]
    full = any("annotations" in t or "completions" in t for t in objects)
    if objects and not full and _looks_flat_labelstudio(objects[0].keys()):
        return _labelstudio_flat(chunk, tasks, list(range(1, len(tasks) + 1)), hints)
    if tasks and not full and all(isinstance(t, dict) and any(c in t for c in REQUIRED)
                                  for t in tasks):
        # a plain JSON array of annotation records (long format), not a Label Studio export
        chunk.table = _records_table(tasks)
        chunk.lines = np.arange(1, len(tasks) + 1, dtype=np.int64)
        chunk.read = len(tasks)
        return chunk
    rows: list[dict] = []
    for t, task in enumerate(tasks, start=1):
        rows.extend(_labelstudio_rows(str(path), t, task, chunk))
    rows = _one_control(chunk, rows, hints)
    chunk.table = _records_table(rows)
    chunk.lines = np.array([r["_line"] for r in rows], dtype=np.int64)
    chunk.read = len(rows) + sum(chunk.rejected.values())
    return chunk


def _looks_flat_labelstudio(keys) -> bool:
    """A JSON-MIN record or CSV header: Label Studio's own `annotation_id` / `annotator`
    beside the task `id`, and no long-format `item` + `label` pair."""
    names = {str(k).strip().lower() for k in keys}
    return ("annotator" in names and ("annotation_id" in names or "id" in names)
            and not {"item", "label"} <= names)


def _one_control(chunk: _Chunk, rows: list[dict], hints: _Hints) -> list[dict]:
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
            chunk.problems.append(_finding(chunk.path, 0, "other-control", (
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


def _labelstudio_rows(path: str, t: int, task: object, chunk: _Chunk) -> list[dict]:
    def skip(kind: str, message: str, reason: str | None = None) -> None:
        chunk.problems.append(_finding(path, 0, kind, f"record {t}: {message}"))
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
                   if isinstance(r, dict) and r.get("type") in _LS_ANSWERS]
        if not answers:
            skip("skipped", f"{where} has no `choices`, `taxonomy` or `rating` result",
                 "skipped (cancelled or empty)")
            continue
        for result in answers:
            rows.append({
                "item": _cell(item), "annotator": _cell(who),
                "label": _cell(_ls_answer(result["type"], result.get("value"))),
                "task": _cell(result.get("from_name")), "_control": result.get("from_name"),
                "annotated_at": _cell(ann.get("created_at")),
                "guideline_rev": _cell(data.get("guideline_rev", meta.get("guideline_rev"))),
                "batch": _cell(data.get("batch", meta.get("batch"))), "_line": t,
            })
    return rows


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
                parsed = json.loads(text)
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


def _labelstudio_flat(chunk: _Chunk, records: list, lines: list[int], hints: _Hints) -> _Chunk:
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
            chunk.problems.append(_finding(path, 0 if chunk.by_record else n,
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
        ids = [_cell(field(r, "item") or field(r, "item_id") or field(r, "id")) for _, r in good]
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
        chunk.problems.append(_finding(path, 1, "missing-column", (
            f"Label Studio JSON-MIN or CSV export: cannot tell which column holds the answer "
            f"(candidates: {names}); all {len(good)} rows rejected. Pass --task with the "
            "control's name, run inside a guideline project whose task lists the labels, or "
            "export as JSON")))
        chunk.rejected["missing-column"] += len(good)
        chunk.read = len(records)
        return chunk
    rows: list[dict] = []
    out_lines: list[int] = []
    for index, (n, r) in enumerate(good):
        where = f"record {n}: " if chunk.by_record else ""
        at = 0 if chunk.by_record else n
        def skip(message: str, reason: str) -> None:
            chunk.problems.append(_finding(path, at, "skipped", where + message))
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
                skip(f"no answer for {k!r}", "skipped (cancelled or empty)")
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
    chunk.table = _records_table(rows)
    chunk.lines = np.array(out_lines, dtype=np.int64)
    chunk.read = len(rows) + sum(chunk.rejected.values())
    return chunk


def _read_prodigy(path: Path) -> _Chunk:
    records, chunk = _parse_json_lines(path, _json_lines(path))
    return _prodigy_chunk(path, records, chunk)


def _prodigy_chunk(path: Path, records: list, chunk: _Chunk) -> _Chunk:
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
            chunk.problems.append(_finding(str(path), n, "malformed-record",
                                           f"`answer` is {answer!r}, not accept/reject/ignore"))
            chunk.rejected["malformed-record"] += 1
            continue
        if answer == "ignore" or (answer == "reject" and "accept" in r):
            chunk.problems.append(_finding(str(path), n, "skipped",
                                           f"answer {answer!r}: not a judgement; line skipped"))
            chunk.rejected["skipped (ignored or rejected)"] += 1
            continue
        if "accept" not in r and "label" not in r:
            # spans (ner.manual), relations, free text: no classification answer to compare
            chunk.problems.append(_finding(str(path), n, "skipped", (
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


# --- checking and encoding ------------------------------------------------------------------


def _text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as trimmed strings (empty strings stay empty: callers treat them as absent).

    No Python scalars go into Arrow compute calls on the common paths here: pyarrow imports
    pandas (~0.3 s) to convert the first one.
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        arr = pc.binary_join(pc.cast(arr, pa.list_(pa.string())), ";")
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return pc.utf8_trim_whitespace(arr)


class LazyStrings(Sequence):
    """An Arrow string array read as a sequence of str, converted to Python only when first
    indexed or iterated: a million item ids are often never looked at."""

    __slots__ = ("_array", "_list")

    def __init__(self, array: pa.Array) -> None:
        self._array = array
        self._list: list[str] | None = None

    def _values(self) -> list[str]:
        if self._list is None:
            self._list = self._array.to_pylist()
        return self._list

    def __len__(self) -> int:
        return len(self._array)

    def __getitem__(self, index):
        return self._values()[index]

    def __iter__(self):
        return iter(self._values())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # mutable-looking sequence semantics, like a list

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        # np.array(items, dtype=object) in one step, not one __getitem__ per value
        return np.array(self._values(), dtype=dtype if dtype is not None else object)

    def __repr__(self) -> str:
        return f"LazyStrings({len(self)} values)"


def _sequence(values: Sequence[str]) -> Sequence[str]:
    return values if isinstance(values, LazyStrings) else tuple(values)


@dataclass
class _Coded:
    """A column as codes (-1 = absent or empty) into its distinct trimmed values."""

    codes: np.ndarray
    values: list[str]


def _code(column: pa.ChunkedArray | pa.Array) -> tuple[_Coded, bool]:
    """Dictionary-encode a column (lists `;`-joined); trimming and the empty check run on the
    distinct values only, not on every row. Also says whether the column was a list.

    CSV columns arrive dictionary-encoded by the parallel CSV reader, with one dictionary for
    all chunks: their codes are read straight from the Arrow buffers.
    """
    if isinstance(column, pa.ChunkedArray) and pa.types.is_dictionary(column.type):
        if column.num_chunks > 1:  # one dictionary for every chunk (Parquet may differ)
            column = pa.table({"c": column}).unify_dictionaries().column(0)
        chunks = column.chunks
        dictionary = chunks[0].dictionary if chunks else pa.array([], pa.string())
        if not pa.types.is_string(dictionary.type):
            dictionary = pc.cast(dictionary, pa.string())
        parts = [_numpy(c.indices, fill=-1) for c in chunks]
        idx = parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else \
            np.zeros(0, dtype=np.int32)
        return _clean(idx, dictionary), False
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    is_list = pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)
    if is_list:
        # an empty list is an empty label, as a blank cell of the same file as CSV would be
        # (only Prodigy's accepted empty `accept` says "none of these" explicitly)
        arr = pc.binary_join(pc.cast(arr, pa.list_(pa.string())), ";")
    elif not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    encoded = pc.dictionary_encode(arr)
    return _clean(_numpy(encoded.indices, fill=-1), encoded.dictionary), is_list


def _clean(idx: np.ndarray, dictionary: pa.Array) -> _Coded:
    """Codes into trimmed, NFC-normalised, non-empty distinct values (merging values equal
    once trimmed and normalised: "café" typed as e + combining accent is the same label)."""
    if _plainly_clean(dictionary) and _is_nfc(dictionary):
        # the usual case: every distinct value is already clean, the codes stand as they are
        return _Coded(idx, LazyStrings(dictionary))
    remap = np.full(len(dictionary) + 1, -1, dtype=np.int64)  # idx -1 → last → -1
    index: dict[str, int] = {}
    values: list[str] = []
    for k, raw in enumerate(dictionary.to_pylist()):
        v = unicodedata.normalize("NFC", raw).strip() if raw is not None else ""
        if v:
            j = index.get(v)
            if j is None:
                j = index[v] = len(values)
                values.append(v)
            remap[k] = j
    return _Coded(remap[idx], values)


def _is_nfc(strings: pa.Array) -> bool:
    """True when every string is in Unicode NFC (ASCII always is: checked first, in Arrow)."""
    if not len(strings) or _numpy(pc.string_is_ascii(strings), fill=1).all():
        return True
    return _numpy(pc.equal(pc.utf8_normalize(strings, "NFC"), strings), fill=1).all()


def _plainly_clean(strings: pa.Array) -> bool:
    """True when no string is empty or starts/ends with whitespace, judged from the UTF-8
    buffers (a non-ASCII first or last byte counts as doubtful: the caller checks in Python)."""
    if not pa.types.is_string(strings.type) or strings.null_count:
        return False
    n = len(strings)
    if not n:
        return True
    _, offsets_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=n + 1, offset=strings.offset * 4)
    if (np.diff(offsets) <= 0).any():
        return False
    data = np.frombuffer(data_buf, dtype=np.uint8)
    ends = np.concatenate([data[offsets[:-1]], data[offsets[1:] - 1]])
    return not ((ends == 32) | ((ends >= 9) & (ends <= 13)) | (ends >= 0x80)).any()


def _map(fn, columns: list, n_rows: int) -> list:
    """fn over columns; on large files in threads (Arrow's kernels release the GIL)."""
    if n_rows < 200_000 or len(columns) < 2 or all(
            pa.types.is_dictionary(c.type) for c in columns):  # encoded already: cheap
        return [fn(c) for c in columns]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(columns), 4)) as pool:
        return list(pool.map(fn, columns))


_NUMPY_TYPES = {pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32,
                pa.int64(): np.int64, pa.uint8(): np.uint8, pa.uint16(): np.uint16,
                pa.uint32(): np.uint32, pa.uint64(): np.uint64}


def _numpy(arr: pa.Array, fill: int | None = None) -> np.ndarray:
    """An Arrow integer or boolean array as numpy (zero-copy for integers without nulls);
    nulls become `fill`.

    Not `Array.to_numpy()`: its first call imports pandas when installed (~0.3 s of CPU).
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        if fill is None:
            raise ValueError("_numpy needs an array without nulls, or a fill value")
        valid = _numpy(pc.is_valid(arr))
        values = np.array(_numpy(_raw(arr)))
        values[~valid] = fill
        return values
    if pa.types.is_boolean(arr.type):
        bits = np.frombuffer(arr.buffers()[1], dtype=np.uint8)
        return np.unpackbits(bits, bitorder="little")[arr.offset:arr.offset + len(arr)] \
            .astype(bool)
    dtype = np.dtype(_NUMPY_TYPES[arr.type])
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr),
                         offset=arr.offset * dtype.itemsize)


def _raw(arr: pa.Array) -> pa.Array:
    """The values buffer of an integer array read as if it had no nulls (slots under nulls
    hold arbitrary numbers: the caller overwrites them)."""
    return pa.Array.from_buffers(arr.type, len(arr), [None, arr.buffers()[1]], 0, arr.offset)


def _merge(parts: list[_Coded], *, sort: bool) -> _Coded:
    """One coding of several files' columns; `sort` orders the values (small dictionaries)."""
    if len(parts) == 1 and (not sort or parts[0].values == sorted(parts[0].values)):
        return parts[0]
    index: dict[str, int] = {}
    values: list[str] = []
    coded = []
    for part in parts:
        remap = np.empty(len(part.values) + 1, dtype=np.int64)
        remap[-1] = -1
        for k, v in enumerate(part.values):
            j = index.get(v)
            if j is None:
                j = index[v] = len(values)
                values.append(v)
            remap[k] = j
        coded.append(remap[part.codes])
    codes = np.concatenate(coded)
    if sort and values:
        order = sorted(range(len(values)), key=values.__getitem__)
        rank = np.empty(len(values) + 1, dtype=np.int64)
        rank[order] = np.arange(len(values))
        rank[-1] = -1
        codes, values = rank[codes], [values[k] for k in order]
    return _Coded(codes, values)


def _absent(n: int) -> _Coded:
    # a read-only view of one value: an absent column costs no memory
    return _Coded(np.broadcast_to(np.int32(-1), n), [])


def _normalise(
    chunks: list[_Chunk], *, project: Project | None, task: str | None, duplicates: str,
    relabel_by_time: bool = False,
) -> AnnotationTable:
    problems: list[Finding] = []
    rejected: Counter = Counter()
    read = 0
    parts: dict[str, list[_Coded]] = {name: [] for name in (*REQUIRED, *OPTIONAL)}
    stamps: list[np.ndarray] = []
    files, lines = [], []
    for f, chunk in enumerate(chunks):
        problems += chunk.problems
        rejected += chunk.rejected
        read += chunk.read
        chunk.table = _known_names(chunk)
        n = chunk.table.num_rows
        missing = [c for c in REQUIRED if c not in chunk.table.column_names]
        if missing and n:
            hint = chunk.hint
            problems.append(_finding(chunk.path, 1, "missing-column",
                                     f"missing required column(s) {', '.join(missing)}; "
                                     f"all {n} rows rejected{hint}"))
            rejected["missing-column"] += n
            continue
        if not n:
            continue
        present = [c for c in parts if c != "annotated_at" and c in chunk.table.column_names]
        _check_types(chunk, present)
        coded = dict(zip(present, _map(_code, [chunk.table.column(c) for c in present], n)))
        for name in parts:
            if name == "annotated_at":
                stamps.append(_chunk_times(chunk, problems))
            elif name in coded:
                parts[name].append(coded[name][0])
            else:
                parts[name].append(_absent(n))
        files.append(np.broadcast_to(np.int32(f), n))
        lines.append(chunk.lines)
    paths = tuple(c.path for c in chunks)
    if not files:
        return _empty_table(paths, problems, read, rejected)
    cols = {name: _merge(p, sort=name != "item") for name, p in parts.items()
            if name != "annotated_at"}
    file = files[0] if len(files) == 1 else np.concatenate(files)
    line = lines[0] if len(lines) == 1 else np.concatenate(lines)
    keep = np.ones(len(file), dtype=bool)

    by_record = [c.by_record for c in chunks]

    def place(r: int) -> str:
        """Where row r came from, for messages."""
        if by_record[file[r]]:
            return f"{paths[file[r]]} record {line[r]}"
        return f"{paths[file[r]]}:{line[r]}"

    def reject(mask: np.ndarray, kind: str, message, severity: str | None = None) -> None:
        nonlocal keep
        hit = mask & keep
        if not hit.any():
            return
        for r in np.flatnonzero(hit):
            text = message(r) if callable(message) else message
            if by_record[file[r]]:  # JSON documents: a record number, not a line
                problems.append(_finding(paths[file[r]], 0, kind, f"record {line[r]}: {text}",
                                         severity))
            else:
                problems.append(_finding(paths[file[r]], int(line[r]), kind, text, severity))
        rejected[kind] += int(hit.sum())
        keep &= ~hit

    for name in REQUIRED:
        reject(cols[name].codes < 0, f"empty-{name}", f"empty {name}; row rejected")

    task_obj, other_task = _select_task(cols["task"], project, task, keep, reject)
    # without a task: multi-label when some judgement holds several labels (lists of one
    # label, as Label Studio writes single choices, are single labels)
    multi = task_obj.multi_label if task_obj is not None else any(
        c.multi_label for c in chunks) or any(";" in v for v in cols["label"].values)
    if not multi and _EMPTY_SET in cols["label"].values:
        none = cols["label"].values.index(_EMPTY_SET)
        reject(cols["label"].codes == none, "no-choice",
               "accepted with no option chosen (\"none of these\"): a single-label task has no "
               "label for that answer; row rejected")
    if not multi:
        cols["label"] = _numeric_labels(cols["label"], task_obj)
    label_codes, labels, label_sets = _encode_labels(cols["label"], multi)
    if task_obj is not None:
        allowed = set(task_obj.label_ids)
        bad = np.array([any(m not in allowed for m in s) for s in label_sets] + [False])
        if bad.any():
            known = ", ".join(task_obj.label_ids)
            reject(bad[label_codes], "unknown-label",
                   lambda r: f"label {labels[label_codes[r]]!r} is not in task "
                             f"{task_obj.id!r} (labels: {known}); row rejected")

    items, annotators, tasks = cols["item"], cols["annotator"], cols["task"]
    stamps = stamps[0] if len(stamps) == 1 else np.concatenate(stamps)
    revs = cols["guideline_rev"]
    by_time = relabel_by_time and not np.isnat(stamps).all()

    def context() -> np.ndarray:
        """Each row's judgement context: its revision, and its time when asked."""
        codes = revs.codes.astype(np.int64) + 1
        if by_time:
            _, when = np.unique(np.asarray(stamps).view(np.int64), return_inverse=True)
            codes = codes * (int(when.max()) + 1) + when.reshape(-1)
        return codes

    relabels = bool(revs.values) or by_time
    dup_error = _check_duplicates(
        items.codes, annotators.codes, tasks.codes, items.values, annotators.values, keep,
        duplicates, reject, place, context if relabels else None)
    relabelled = _count_relabels(items.codes, annotators.codes, tasks.codes, keep,
                                 len(items.values), len(annotators.values)) \
        if relabels and not dup_error else 0
    rule_codes, rule_sets = _encode_sets(cols["rules"])
    scope_codes, scope_sets = _encode_sets(cols["scope"]) if cols["scope"].values else (None, ((),))
    problems.sort(key=lambda p: (paths.index(p.path) if p.path in paths else 0, p.line,
                                 p.code))
    summary = ReadSummary(read, int(keep.sum()), {k: v for k, v in rejected.items() if v},
                          other_task, relabelled)
    def kept(a: np.ndarray) -> np.ndarray:
        return a if every_row else a[keep]

    every_row = bool(keep.all())
    return AnnotationTable(
        kept(items.codes), _sequence(items.values), kept(annotators.codes),
        tuple(annotators.values),
        kept(label_codes), labels, label_sets, kept(tasks.codes), tuple(tasks.values),
        kept(cols["guideline_rev"].codes), tuple(cols["guideline_rev"].values), kept(stamps),
        kept(rule_codes), rule_sets, kept(cols["batch"].codes), tuple(cols["batch"].values),
        kept(file), paths, kept(line), multi, task_obj.id if task_obj is not None else task,
        problems, summary, dup_error, relabelled,
        scope=None if scope_codes is None else kept(scope_codes), scope_sets=scope_sets,
    )


def _known_names(chunk: _Chunk) -> pa.Table:
    """Column names as the format spells them: ` Item ` and `LABEL` (spreadsheet headers) are
    `item` and `label`. A column given twice is an error: which one holds the data?"""
    known = {*REQUIRED, *OPTIONAL}
    names = chunk.table.column_names
    renamed = [n.strip().lower() if n.strip().lower() in known else n for n in names]
    twice = sorted({n for n in renamed if n in known and renamed.count(n) > 1})
    if twice:
        raise DataError(f"{chunk.path}: column(s) {', '.join(twice)} appear more than once in "
                        "the header")
    return chunk.table.rename_columns(renamed) if renamed != names else chunk.table


def _check_types(chunk: _Chunk, names: list[str]) -> None:
    """Columns must hold text, numbers, booleans or lists of those (Parquet may hold structs
    or maps: those have no label or id to read)."""
    for name in names:
        kind = chunk.table.schema.field(name).type
        inner = kind.value_type if pa.types.is_dictionary(kind) else (
            kind.value_type if pa.types.is_list(kind) or pa.types.is_large_list(kind) else kind)
        if pa.types.is_nested(inner):  # binary stays: Spark writes strings as binary
            raise DataError(f"{chunk.path}: column {name!r} holds {kind}; expected text, "
                            "numbers or lists of text")


def _empty_table(paths, problems, read, rejected) -> AnnotationTable:
    empty = np.zeros(0, dtype=np.int64)
    return AnnotationTable(
        empty, (), empty, (), empty, (), (), empty, (), empty, (),
        np.zeros(0, dtype="datetime64[us]"), empty, (), empty, (), empty.astype(np.int32),
        paths, empty, problems=problems, summary=ReadSummary(read, 0, dict(rejected)),
    )


def _select_task(task_col: _Coded, project, task, keep, reject) -> tuple[Task | None, int]:
    """The task the rows are for; rows of other tasks are set aside (counted, not rejected)."""
    has_column = bool((task_col.codes >= 0).any())
    known = project.tasks if project is not None else {}
    if task is not None and project is not None and task not in known:
        raise DataError(f"unknown task {task!r}; the project has: {', '.join(sorted(known))}")
    if has_column and project is not None:
        unknown = np.array([v not in known for v in task_col.values] + [False])
        reject(unknown[task_col.codes], "unknown-task",
               lambda r: f"task {task_col.values[task_col.codes[r]]!r} is not a task of the "
                         "project; row rejected")
    chosen = task
    if chosen is None and has_column:
        seen = sorted({task_col.values[c] for c in np.unique(task_col.codes[keep]) if c >= 0})
        if len(seen) > 1:
            raise DataError(f"the annotations cover several tasks ({', '.join(seen[:10])}); "
                            "choose one with --task")
        chosen = seen[0] if seen else None
    if chosen is None and project is not None:
        if len(known) > 1:
            raise DataError("the project has several tasks and the annotations have no `task` "
                            "column; choose one with --task")
        chosen = next(iter(known), None)
    other = 0
    if has_column and chosen is not None:
        code = task_col.values.index(chosen) if chosen in task_col.values else -2
        mine = (task_col.codes == code) | (task_col.codes < 0)
        other = int((keep & ~mine).sum())
        keep &= mine
    return (known.get(chosen) if chosen is not None else None), other


# a number written with a decimal comma, as spreadsheets in many locales save `;` CSV: 0,5
_DECIMAL_COMMA = re.compile(r"^\s*([-+]?\d+),(\d+)\s*$")


def _numeric_labels(col: _Coded, task: Task | None) -> _Coded:
    """Rating scales written as numbers: `1`, `1.0`, `1.00` and `1,0` (decimal comma) are one
    label (a spreadsheet round trip rewrites some rows only). Applies when every label is a number; the spelling
    kept is the task's label id with that value, else the shortest form (`1`, `0.5`)."""
    values = list(col.values)
    if not values or len(values) > 10_000:
        return col  # a rating scale has few values; ids-as-labels are not this case
    numbers = []
    for v in values:
        if v == _EMPTY_SET:  # rejected rows of a single-label task: no number, no matter
            numbers.append(math.nan)
            continue
        try:
            number = float(_DECIMAL_COMMA.sub(r"\1.\2", v))
        except ValueError:
            return col
        if not math.isfinite(number):
            return col
        numbers.append(number)
    spelling: dict[float, str] = {}
    if task is not None:
        for label_id in task.label_ids:
            try:
                spelling.setdefault(float(label_id), label_id)
            except ValueError:
                pass
    def canonical(number: float) -> str:
        if math.isnan(number):
            return _EMPTY_SET
        return spelling.get(number) or (str(int(number)) if number.is_integer() else repr(number))

    written = [canonical(n) for n in numbers]
    if written == values:
        return col
    distinct = sorted(set(written))
    index = {w: k for k, w in enumerate(distinct)}
    remap = np.array([index[w] for w in written] + [-1], dtype=np.int64)  # -1 stays absent
    return _Coded(remap[col.codes], distinct)


def _encode_sets(col: _Coded) -> tuple[np.ndarray, tuple[tuple[str, ...], ...]]:
    """`;`-joined sets → codes into canonical sorted member tuples (absent → the empty set)."""
    if not col.values:
        return np.broadcast_to(np.int32(0), len(col.codes)), ((),)
    canon = [() if j == _EMPTY_SET else tuple(sorted({m.strip() for m in j.split(";") if m.strip()}))
             for j in col.values]
    distinct = sorted(set(canon) | {()})
    index = {s: k for k, s in enumerate(distinct)}
    remap = np.array([index[s] for s in canon] + [index[()]], dtype=np.int64)
    return remap[col.codes], tuple(distinct)


def _encode_labels(col: _Coded, multi: bool):
    """Label codes (-1 absent), label strings and member tuples (one-member for single)."""
    if not multi:
        return col.codes, tuple(col.values), tuple((lab,) for lab in col.values)
    codes, sets = _encode_sets(col)
    codes = np.where(col.codes < 0, -1, codes)
    return codes, tuple(";".join(s) if s else EMPTY_SET_LABEL for s in sets), sets


def _pair_keys(rows, every, items_c, anns_c, tasks_c, n_items, n_annotators) -> np.ndarray:
    def at(a: np.ndarray) -> np.ndarray:
        return (a if every else a[rows]).astype(np.int64)

    return ((at(tasks_c) + 1) * (n_items + 1) + at(items_c)) * (n_annotators + 1) + at(anns_c)


def _count_relabels(items_c, anns_c, tasks_c, keep, n_items, n_annotators) -> int:
    """Kept rows that repeat a (task, item, annotator) under another guideline revision."""
    rows = np.flatnonzero(keep)
    if not rows.size:
        return 0
    key = _pair_keys(rows, rows.size == keep.size, items_c, anns_c, tasks_c, n_items,
                     n_annotators)
    if key.max() < 64 * len(key) + 1024:  # counting, not sorting, on the common path
        return int(key.size - np.count_nonzero(np.bincount(key)))
    return int(key.size - np.unique(key).size)


def _check_duplicates(items_c, anns_c, tasks_c, items, annotators, keep, policy, reject,
                      place, context=None) -> bool:
    """Report repeated (task, item, annotator) judgements; keep first/last or flag an error.

    With a `guideline_rev` column the revision is part of the key: an annotator labelling an
    item again under a later revision of the guidelines made a new judgement (what `impact`
    compares), not a duplicate. Rows without a revision count as one more revision.
    `context()` gives each row's (revision[, time]) code."""
    rows = np.flatnonzero(keep)
    if not rows.size:
        return False
    every = rows.size == keep.size  # no fancy indexing when nothing was rejected
    key = _pair_keys(rows, every, items_c, anns_c, tasks_c, len(items), len(annotators))
    if key.max() < 64 * len(key) + 1024 and np.bincount(key).max() <= 1:
        return False  # a counting pass proves there are none, without sorting
    if context is not None:  # renumbered first: pair × context codes could pass 2**63
        codes = context()
        _, pair = np.unique(key, return_inverse=True)
        _, code = np.unique(codes if every else codes[rows], return_inverse=True)
        key = pair.reshape(-1).astype(np.int64) * (int(code.max()) + 1) + code.reshape(-1)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    same_as_prev = np.r_[False, sorted_key[1:] == sorted_key[:-1]]
    if not same_as_prev.any():
        return False
    group_start = np.maximum.accumulate(np.where(~same_as_prev, np.arange(len(order)), 0))
    if policy == "last":
        same_as_next = np.r_[sorted_key[1:] == sorted_key[:-1], False]
        drop_sorted = same_as_next
        group_end = np.minimum.accumulate(
            np.where(~same_as_next, np.arange(len(order)), len(order))[::-1])[::-1]
        kept = rows[order[group_end]]
    else:
        drop_sorted = same_as_prev
        kept = rows[order[group_start]]
    drop = np.zeros(len(keep), dtype=bool)
    drop[rows[order[drop_sorted]]] = True
    partner = np.zeros(len(keep), dtype=np.int64)
    partner[rows[order]] = kept
    what = {"error": "duplicate judgement", "first": "duplicate judgement (first one kept)",
            "last": "duplicate judgement (last one kept)"}[policy]
    reject(drop, "duplicate", lambda r: (
        f"{what}: item {items[items_c[r]]!r} by annotator {annotators[anns_c[r]]!r} also at "
        f"{place(partner[r])}"),
        None if policy == "error" else "warning")
    return policy == "error"


def _chunk_times(chunk: _Chunk, problems: list[Finding]) -> np.ndarray:
    """A file's annotated_at column as datetime64[us] UTC; unparsable values reported."""
    n = chunk.table.num_rows
    if "annotated_at" not in chunk.table.column_names:
        return np.broadcast_to(np.datetime64("NaT", "us"), n)
    column = chunk.table.column("annotated_at").combine_chunks()
    if pa.types.is_timestamp(column.type):  # typed already (Parquet, JSON): naive means UTC
        # nanoseconds (pandas' default) truncated: sub-microsecond digits mean nothing here
        column = column.cast(pa.timestamp("us", tz=column.type.tz), safe=False)
        return _numpy(pc.cast(column, pa.int64()), fill=np.iinfo(np.int64).min) \
            .view("datetime64[us]")
    return _timestamps(_text(column), lambda r, v: problems.append(_finding(
        chunk.path, int(chunk.lines[r]), "bad-timestamp",
        f"annotated_at {v!r} is not an ISO 8601 or Unix time; kept without a time")))


def _timestamps(arr: pa.Array, report) -> np.ndarray:
    """ISO 8601 strings → datetime64[us] UTC (naive times read as UTC); bad ones reported."""
    if arr.null_count == len(arr):
        return np.broadcast_to(np.datetime64("NaT", "us"), len(arr))
    try:
        cast = pc.cast(arr, pa.timestamp("us", tz="UTC")).cast(pa.int64())
        if not cast.null_count:
            return _numpy(cast).view("datetime64[us]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    coded, _ = _code(arr)
    codes, values = coded.codes, coded.values
    parsed = []
    for v in values:
        try:
            t = datetime.fromisoformat(v)
            t = t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
            parsed.append(np.datetime64(t.replace(tzinfo=None), "us"))
        except ValueError:
            parsed.append(_epoch(v))
    lookup = np.array(parsed + [np.datetime64("NaT")], dtype="datetime64[us]")
    out = lookup[np.where(codes >= 0, codes, len(values))]
    for r in np.flatnonzero((codes >= 0) & np.isnat(out)):
        report(r, arr[r].as_py())
    return out


def _epoch(value: str) -> np.datetime64:
    """A Unix time (as Prodigy's `_timestamp` and many exports write): seconds, or
    milliseconds when the number is too large to be seconds (after the year 5138); NaT when
    the value is no number."""
    try:
        number = float(value)
    except ValueError:
        return np.datetime64("NaT")
    if not math.isfinite(number) or number < 0 or number >= 1e14:
        return np.datetime64("NaT")
    seconds = number / 1000 if number >= 1e11 else number
    return np.datetime64(round(seconds * 1_000_000), "us")


# --- gold -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gold:
    """Adjudicated labels: item id → label (for one task), and the findings reading produced."""

    labels: dict[str, str]
    problems: list[Finding]


def read_gold(
    path: Path | str, *, project: Project | None = None, task: str | None = None,
) -> Gold:
    """A gold file (`item,label[,task]`, any supported tabular format), checked like annotations."""
    path = Path(path)
    chunk = _read_file(path, detect_format(path))
    problems = list(chunk.problems)
    names = chunk.table.column_names
    missing = [c for c in ("item", "label") if c not in names]
    if missing:
        raise DataError(f"{path}: gold file lacks column(s) {', '.join(missing)}")
    # NFC like the annotations' values, so that gold and judgements compare equal
    items, labels = ([unicodedata.normalize("NFC", v) if v else v
                      for v in _text(chunk.table.column(name)).to_pylist()]
                     for name in ("item", "label"))
    tasks = (_text(chunk.table.column("task")).to_pylist() if "task" in names
             else [None] * len(items))
    allowed = set(project.tasks[task].label_ids) if project and task in project.tasks else None
    out: dict[str, str] = {}
    for item, label, t, n in zip(items, labels, tasks, chunk.lines.tolist()):
        if task is not None and t and t != task:
            continue
        if not item or not label:
            problems.append(_finding(str(path), n, "empty-item" if not item else
                                     "empty-label", "empty item or label; gold row ignored"))
        elif allowed is not None and label not in allowed:
            problems.append(_finding(str(path), n, "unknown-label",
                                     f"gold label {label!r} is not in task {task!r}"))
        elif item in out and out[item] != label:
            problems.append(_finding(str(path), n, "duplicate",
                                     f"item {item!r} has two gold labels; first one kept"))
        else:
            out.setdefault(item, label)
    return Gold(out, problems)


def read_scope(path: Path | str) -> dict[str, tuple[str, ...]]:
    """A scope file: which rules' scope each item is in, known independently of the labels
    (item metadata, adjudication). Columns `item` and `scope` (or `rules`): rule ids, several
    `;`-joined or on several rows; any supported tabular format. `impact --scope FILE` prefers it
    to citations; an item the file does not list is in no rule's scope."""
    path = Path(path)
    chunk = _read_file(path, detect_format(path))
    names = chunk.table.column_names
    column = "scope" if "scope" in names else "rules" if "rules" in names else None
    if "item" not in names or column is None:
        raise DataError(f"{path}: a scope file needs the columns item and scope (rule ids, ';'-joined); "
                        f"it has {', '.join(names) or 'none'}")
    items = [unicodedata.normalize("NFC", v) if v else v for v in _text(chunk.table.column("item")).to_pylist()]
    rules = _text(chunk.table.column(column)).to_pylist()
    out: dict[str, set[str]] = {}
    for item, joined in zip(items, rules):
        if item:
            out.setdefault(item, set()).update(r.strip() for r in (joined or "").split(";") if r.strip())
    if not out:
        raise DataError(f"{path}: no item in the scope file")
    return {item: tuple(sorted(ids)) for item, ids in out.items()}
