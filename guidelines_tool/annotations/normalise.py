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

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import (
    _EMPTY_SET,
    EMPTY_SET_LABEL,
    OPTIONAL,
    REQUIRED,
    Chunk,
    finding,
)
from guidelines_tool.annotations.encoding import _absent, _code, _Coded, _map, _merge, _sequence
from guidelines_tool.annotations.table import AnnotationTable, ReadSummary
from guidelines_tool.annotations.times import _chunk_times
from guidelines_tool.errors import DataError
from guidelines_tool.model import Finding, Project, Task


def _normalise(
    chunks: list[Chunk], *, project: Project | None, task: str | None, duplicates: str,
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
            problems.append(finding(chunk.path, 1, "missing-column",
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
                problems.append(finding(paths[file[r]], 0, kind, f"record {line[r]}: {text}",
                                        severity))
            else:
                problems.append(finding(paths[file[r]], int(line[r]), kind, text, severity))
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
    )


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
