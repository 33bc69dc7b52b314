"""Normalisation: the readers' chunks checked and encoded into one `AnnotationTable`.

Everything here is format-independent. Bad rows are never dropped silently: each becomes a
finding with its file and line (a record number in JSON documents), and the summary counts rows
read, used and rejected by reason (read = used + rejected + other tasks). Nothing here prints
or exits.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import (
    _EMPTY_SET,
    EMPTY_SET_LABEL,
    OPTIONAL,
    REQUIRED,
    Chunk,
    finding,
    shown,
)
from guidelines_tool.annotations.encoding import (
    _absent,
    _code,
    _Coded,
    _control_name,
    _control_values,
    _map,
    _merge,
    _sequence,
)
from guidelines_tool.annotations.table import AnnotationTable, ReadSummary
from guidelines_tool.annotations.times import _chunk_times
from guidelines_tool.errors import DataError, SeveralTasksError
from guidelines_tool.model import Finding, Project, Task

#: The record columns normalisation codes (annotated_at is parsed as times instead).
CODED = tuple(name for name in (*REQUIRED, *OPTIONAL) if name != "annotated_at")


def _normalise(
    chunks: list[Chunk], *, project: Project | None, task: str | None, duplicates: str,
    relabel_by_time: bool = False,
) -> AnnotationTable:
    """The readers' chunks checked and encoded into one table, step by step:

    1. `_gather`: each file's columns, coded (a file without a required column is rejected);
    2. `_reject_empty`, `_reject_control_characters`: rows without an item, an annotator or
       a label, rows with a control character in a value;
    3. `_select_task`: the task the rows are for (rows of other tasks are set aside);
    4. `_is_multi_label`, `_reject_no_choice`, `_numeric_labels`, `_encode_labels`: labels
       or label sets, a rating scale's numbers spelled one way;
    5. `_reject_unknown_labels`: labels the task does not have;
    6. `_check_judgements`: duplicate judgements (by the `duplicates` policy) and re-labels.
    Raises DataError for a file whose columns cannot be used or an ambiguous task.
    """
    gathered = _gather(chunks)
    paths = tuple(c.path for c in chunks)
    if not gathered.files:
        return _empty_table(paths, gathered.problems, gathered.read, gathered.rejected)
    cols = {name: _merge(p, sort=name != "item") for name, p in gathered.parts.items()}
    rows = _Rows(paths, [c.by_record for c in chunks], gathered)
    _reject_empty(cols, rows)
    _reject_control_characters(cols, rows)
    task_obj, other_task = _select_task(cols["task"], project, task, rows.keep, rows.reject)
    multi = _is_multi_label(task_obj, chunks, cols["label"])
    if not multi:
        _reject_no_choice(cols["label"], rows)
        cols["label"] = _numeric_labels(cols["label"], task_obj)
    label_codes, labels, label_sets = _encode_labels(cols["label"], multi)
    if task_obj is not None:
        _reject_unknown_labels(label_codes, labels, label_sets, task_obj, rows)
    stamps = _joined(gathered.stamps)
    dup_error, relabelled = _check_judgements(cols, stamps, rows, duplicates, relabel_by_time)
    rule_codes, rule_sets = _encode_sets(cols["rules"])
    scope_codes, scope_sets = _encode_sets(cols["scope"]) if cols["scope"].values else (None, ((),))
    problems, keep = rows.problems, rows.keep
    problems.sort(key=lambda p: (paths.index(p.path) if p.path in paths else 0, p.line,
                                 p.code))
    summary = ReadSummary(gathered.read, int(keep.sum()),
                          {k: v for k, v in rows.rejected.items() if v}, other_task, relabelled)
    every_row = bool(keep.all())

    def kept(a: np.ndarray) -> np.ndarray:
        return a if every_row else a[keep]

    items, annotators, tasks = cols["item"], cols["annotator"], cols["task"]
    return AnnotationTable(
        kept(items.codes), _sequence(items.values), kept(annotators.codes),
        tuple(annotators.values),
        kept(label_codes), labels, label_sets, kept(tasks.codes), tuple(tasks.values),
        kept(cols["guideline_rev"].codes), tuple(cols["guideline_rev"].values), kept(stamps),
        kept(rule_codes), rule_sets, kept(cols["batch"].codes), tuple(cols["batch"].values),
        kept(rows.file), paths, kept(rows.line), multi,
        task_obj.id if task_obj is not None else task, problems, summary, dup_error, relabelled,
        scope=None if scope_codes is None else kept(scope_codes), scope_sets=scope_sets,
    )


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """One array of the files' arrays (the file's own when there is one)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


@dataclass
class _Gathered:
    """Every file's coded columns in file order, and what the readers found and counted."""

    problems: list[Finding] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    read: int = 0
    parts: dict[str, list[_Coded]] = field(default_factory=lambda: {c: [] for c in CODED})
    stamps: list[np.ndarray] = field(default_factory=list)  # annotated_at, per file
    files: list[np.ndarray] = field(default_factory=list)  # each row's file index, per file
    lines: list[np.ndarray] = field(default_factory=list)  # each row's line, per file


def _gather(chunks: list[Chunk]) -> _Gathered:
    """Each file's record columns, coded, one file after the other, with its reader's findings.

    Checks the header (`_known_names`: each column once, matched without case or padding),
    that the required columns are there (a file without one has all its rows rejected, with
    one finding), and the columns' types (`_check_types`); parses `annotated_at` (a bad time
    is reported and the row kept without a time).
    """
    gathered = _Gathered()
    for f, chunk in enumerate(chunks):
        gathered.problems += chunk.problems
        gathered.rejected += chunk.rejected
        gathered.read += chunk.read
        chunk.table = _known_names(chunk)
        n = chunk.table.num_rows
        missing = [c for c in REQUIRED if c not in chunk.table.column_names]
        if missing and n:
            hint = chunk.hint
            gathered.problems.append(finding(chunk.path, 1, "missing-column",
                                             f"missing required column(s) {', '.join(missing)}; "
                                             f"all {n} rows rejected{hint}"))
            gathered.rejected["missing-column"] += n
            continue
        if not n:
            continue
        present = [c for c in gathered.parts if c in chunk.table.column_names]
        _check_types(chunk, present)
        coded = dict(zip(present, _map(_code, [chunk.table.column(c) for c in present], n)))
        for name, parts in gathered.parts.items():
            parts.append(coded[name][0] if name in coded else _absent(n))
        gathered.stamps.append(_chunk_times(chunk, gathered.problems))
        gathered.files.append(np.broadcast_to(np.int32(f), n))
        gathered.lines.append(chunk.lines)
    return gathered


class _Rows:
    """The rows still kept (`keep`, one flag a row of all files), and the one way to reject
    some: each rejected row becomes a finding at its file and line and is counted by reason."""

    def __init__(self, paths: tuple[str, ...], by_record: list[bool], gathered: _Gathered):
        self.paths = paths
        self.by_record = by_record  # per file: a JSON document, whose rows are records
        self.file = _joined(gathered.files)
        self.line = _joined(gathered.lines)
        self.keep = np.ones(len(self.file), dtype=bool)
        self.problems = gathered.problems
        self.rejected = gathered.rejected

    def place(self, r: int) -> str:
        """Where row r came from, for messages."""
        if self.by_record[self.file[r]]:
            return f"{self.paths[self.file[r]]} record {self.line[r]}"
        return f"{self.paths[self.file[r]]}:{self.line[r]}"

    def reject(self, mask: np.ndarray, kind: str, message: str | Callable[[int], str],
               severity: str | None = None) -> None:
        """Reject the kept rows of `mask` for reason `kind`; `message` is the finding's text,
        or a function of the row that gives it."""
        hit = mask & self.keep
        if not hit.any():
            return
        paths, file, line, by_record = self.paths, self.file, self.line, self.by_record
        for r in np.flatnonzero(hit):
            text = message(r) if callable(message) else message
            if by_record[file[r]]:  # JSON documents: a record number, not a line
                self.problems.append(finding(paths[file[r]], 0, kind,
                                             f"record {line[r]}: {text}", severity))
            else:
                self.problems.append(finding(paths[file[r]], int(line[r]), kind, text, severity))
        self.rejected[kind] += int(hit.sum())
        self.keep &= ~hit


def _reject_empty(cols: dict[str, _Coded], rows: _Rows) -> None:
    """Checks that every row has an item, an annotator and a label (blank once trimmed is
    empty)."""
    for name in REQUIRED:
        rows.reject(cols[name].codes < 0, f"empty-{name}", f"empty {name}; row rejected")


def _reject_control_characters(cols: dict[str, _Coded], rows: _Rows) -> None:
    """Checks that no value holds a control character other than tab, LF and CR: a NUL in an
    item id is corrupt data (a binary file, UTF-16 read as UTF-8), not an id to count, and an
    escape sequence in a label would reach the terminal."""
    for name in CODED:
        col = cols[name]
        bad = _control_values(col.values)
        if name == "label" and bad.any() and _EMPTY_SET in col.values:
            bad[col.values.index(_EMPTY_SET)] = False  # "none of these": the reader's mark
        if bad.any():
            values = col.values
            rows.reject(np.r_[bad, False][col.codes], "control-character", lambda r: (
                f"{name} {shown(values[col.codes[r]])} holds the control character "
                f"{_control_name(values[col.codes[r]])}; row rejected"))


def _is_multi_label(task: Task | None, chunks: list[Chunk], labels: _Coded) -> bool:
    """Whether the labels are label sets: as the task says; without a task, when a file says
    so (Prodigy's config) or some judgement holds several labels (lists of one label, as Label
    Studio writes single choices, are single labels)."""
    if task is not None:
        return task.multi_label
    return any(c.multi_label for c in chunks) or any(";" in v for v in labels.values)


def _reject_no_choice(labels: _Coded, rows: _Rows) -> None:
    """Checks that no row of a single-label task is an explicit "none of these" answer
    (Prodigy's accepted empty choice): such a task has no label for it."""
    if _EMPTY_SET not in labels.values:
        return
    none = labels.values.index(_EMPTY_SET)
    rows.reject(labels.codes == none, "no-choice",
                "accepted with no option chosen (\"none of these\"): a single-label task has no "
                "label for that answer (give the task one, e.g. `none`, to count it as a "
                "judgement); row left out of the figures, counted as no-choice in the read "
                "summary")


def _reject_unknown_labels(codes: np.ndarray, labels: tuple[str, ...],
                           label_sets: tuple[tuple[str, ...], ...], task: Task,
                           rows: _Rows) -> None:
    """Checks that every label (every member of a label set) is one of the task's labels."""
    allowed = set(task.label_ids)
    bad = np.array([any(m not in allowed for m in s) for s in label_sets] + [False])
    if bad.any():
        known = ", ".join(task.label_ids)
        rows.reject(bad[codes], "unknown-label",
                    lambda r: f"label {shown(labels[codes[r]])} is not in task "
                              f"{task.id!r} (labels: {known}); row rejected")


def _check_judgements(cols: dict[str, _Coded], stamps: np.ndarray, rows: _Rows,
                      duplicates: str, relabel_by_time: bool) -> tuple[bool, int]:
    """Checks that each (task, item, annotator) is judged once per guideline revision (and,
    with `relabel_by_time`, once per `annotated_at`): a repeat is a duplicate, handled by the
    `duplicates` policy. Returns whether duplicates are an error, and how many kept rows
    re-label an item under another revision (or time)."""
    items, annotators, tasks = cols["item"], cols["annotator"], cols["task"]
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
        items.codes, annotators.codes, tasks.codes, items.values, annotators.values, rows.keep,
        duplicates, rows.reject, rows.place, context if relabels else None)
    relabelled = _count_relabels(items.codes, annotators.codes, tasks.codes, rows.keep,
                                 len(items.values), len(annotators.values)) \
        if relabels and not dup_error else 0
    return dup_error, relabelled


def _known_names(chunk: Chunk) -> pa.Table:
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


def _check_types(chunk: Chunk, names: list[str]) -> None:
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
               lambda r: f"task {shown(task_col.values[task_col.codes[r]])} is not a task of the "
                         "project; row rejected")
    chosen = task
    if chosen is None and has_column:
        seen = sorted({task_col.values[c] for c in np.unique(task_col.codes[keep]) if c >= 0})
        if len(seen) > 1:
            names = ", ".join(t if len(t) <= 40 else shown(t, 40) for t in seen[:10])
            more = f" and {len(seen) - 10} more" if len(seen) > 10 else ""
            raise SeveralTasksError(f"the annotations cover several tasks ({names}{more}); "
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


# a label that is a number as files write them: 1, 1.0, .5, -2, 1e3 (not Python's "1_0",
# "nan" or "inf"); decimal commas are the CSV reader's (csv.py)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _numeric_labels(col: _Coded, task: Task | None) -> _Coded:
    """Rating scales written as numbers: `1`, `1.0` and `1.00` are one label (a spreadsheet
    round trip rewrites some rows only). Applies when every label is a number; the spelling
    kept is the task's label id with that value, else the shortest form (`1`, `0.5`).
    A decimal comma (`1,0`) is a number only where the CSV reader made it one: in a file whose
    delimiter is not the comma; elsewhere `1,1` is the text its writer quoted."""
    values = list(col.values)
    if not values or len(values) > 10_000:
        return col  # a rating scale has few values; ids-as-labels are not this case
    numbers = []
    for v in values:
        if v == _EMPTY_SET:  # rejected rows of a single-label task: no number, no matter
            numbers.append(math.nan)
            continue
        if not _NUMBER.fullmatch(v):
            return col
        number = float(v)
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
        f"{what}: item {shown(items[items_c[r]])} by annotator {shown(annotators[anns_c[r]])} also at "
        f"{place(partner[r])}"),
        None if policy == "error" else "warning")
    return policy == "error"
