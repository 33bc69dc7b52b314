"""One task's annotations as arrays, tied to commits; revisions, their windows and the items
they govern (steps 1-4 of the method in `guidelines_tool.impact`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from datetime import timezone
from statistics import NormalDist
from typing import TYPE_CHECKING, Literal

import numpy as np

from guidelines_tool import agreement
from guidelines_tool.annotations import AnnotationTable
from guidelines_tool.errors import HistoryError
from guidelines_tool.model import Project

if TYPE_CHECKING:
    from guidelines_tool.history import History, RuleRevision

WindowMode = Literal["adjacent", "rule"]
Verdict = Literal["improved", "regressed", "no_clear_change", "insufficient_data", "inconclusive"]
VERDICTS: tuple[str, ...] = ("improved", "regressed", "no_clear_change", "insufficient_data", "inconclusive")
GovernedBy = Literal["scope", "citations", "labels"]
AnnotatorMode = Literal["all", "shared"]

UNRESOLVED_REASONS: tuple[str, ...] = ("unknown_revision", "no_timestamp", "before_first_commit")
# resolution codes per annotation: a commit position (>= 0) or one of these
UNKNOWN_REVISION, NO_TIMESTAMP, BEFORE_FIRST_COMMIT = -1, -2, -3
REASON_BY_CODE = {UNKNOWN_REVISION: "unknown_revision", NO_TIMESTAMP: "no_timestamp",
                  BEFORE_FIRST_COMMIT: "before_first_commit"}
# changes that leave the rule's meaning as it was cannot move agreement
SKIPPED_LEVELS = ("none",)
NOT_CITABLE_STATUSES = ("deprecated",)
NORMAL = NormalDist()



# --- resolution ----------------------------------------------------------------------------


def resolve_positions(
    rev_code: np.ndarray,
    rev_position: np.ndarray,
    when: np.ndarray,
    commit_times: np.ndarray,
) -> np.ndarray:
    """Each annotation's commit position along the first-parent line, or a negative reason code.

    `rev_code` indexes the distinct `guideline_rev` values (-1 where absent) and `rev_position`
    gives each value's resolved position (-1 when it resolves to nothing). Annotations without a
    revision fall back to `when` (datetime64, NaT when absent): the newest commit of the line
    dated at or before it. `commit_times` are the line's commit dates, oldest commit first.
    A revision that was given but is unknown is reported, not silently replaced by the time.
    """
    rev_code = np.asarray(rev_code)
    positions = np.full(len(rev_code), NO_TIMESTAMP, dtype=np.int64)
    has_rev = rev_code >= 0
    if len(rev_position):
        resolved = np.asarray(rev_position, dtype=np.int64)[np.where(has_rev, rev_code, 0)]
        positions[has_rev] = np.where(resolved[has_rev] >= 0, resolved[has_rev], UNKNOWN_REVISION)
    by_time = ~has_rev & ~np.isnat(when)
    positions[by_time] = commit_at_positions(when[by_time], commit_times)
    return positions


def commit_at_positions(when: np.ndarray, commit_times: np.ndarray) -> np.ndarray:
    """Vectorised `History.commit_at`: the newest commit of the line at or before `when`
    (BEFORE_FIRST_COMMIT when none). As in history.py a commit cannot take effect before the
    ones under it, so the line's dates are replaced by their running maximum before bisecting."""
    times = np.asarray(commit_times, dtype="datetime64[us]")
    if len(times) == 0:
        return np.full(len(when), BEFORE_FIRST_COMMIT, dtype=np.int64)
    effective = np.maximum.accumulate(times)
    index = np.searchsorted(effective, np.asarray(when, dtype="datetime64[us]"), side="right") - 1
    return np.where(index >= 0, index, BEFORE_FIRST_COMMIT).astype(np.int64)


def commit_times(commits: list) -> np.ndarray:
    """The commits' tz-aware dates as datetime64[us] UTC."""
    stamps = [c.date.astimezone(timezone.utc).replace(tzinfo=None) for c in commits]
    return np.array(stamps, dtype="datetime64[us]")


def count_unresolved(positions: np.ndarray) -> dict[str, int]:
    """Annotations that resolved to no commit, by reason (every reason listed, zero or not)."""
    return {REASON_BY_CODE[code]: int((positions == code).sum()) for code in sorted(REASON_BY_CODE, reverse=True)}


# --- one task's data as arrays ---------------------------------------------------------------


@dataclass(frozen=True)
class TaskAnnotations:
    """One task's resolved annotations, sorted by commit position (then by time, where the data
    has it) so windows are slices.

    `cite_row`/`cite_rule` list (annotation row, index into `rule_ids`) pairs, sorted by row.
    `scope_item`/`scope_rule` list (item, index into `rule_ids`) pairs: the rules whose scope
    each item is in, known independently of the labels (a `scope` column or `--scope FILE`);
    empty when the data has no scope.
    """

    item: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    position: np.ndarray
    categories: tuple[str, ...]
    cite_row: np.ndarray
    cite_rule: np.ndarray
    rule_ids: tuple[str, ...]
    numeric: tuple[float, ...] | None = None
    members: tuple[tuple[str, ...], ...] | None = None  # labels in each category (multi-label sets)
    distance: np.ndarray | None = None  # category distances overriding the metric (MASI)
    scope_item: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    scope_rule: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def build(
        cls,
        item: np.ndarray,
        annotator: np.ndarray,
        value: np.ndarray,
        position: np.ndarray,
        categories: tuple[str, ...],
        *,
        cite_row: np.ndarray | None = None,
        cite_rule: np.ndarray | None = None,
        rule_ids: tuple[str, ...] = (),
        numeric: tuple[float, ...] | None = None,
        members: tuple[tuple[str, ...], ...] | None = None,
        distance: np.ndarray | None = None,
        scope_item: np.ndarray | None = None,
        scope_rule: np.ndarray | None = None,
        when: np.ndarray | None = None,
    ) -> TaskAnnotations:
        """Keep resolved rows (position >= 0), sort them by position (and `when`, datetime64 or
        numbers, where given: placebo splits inside a guideline state follow time), remap
        citations."""
        keep = np.flatnonzero(np.asarray(position) >= 0)
        if when is not None:
            time = np.asarray(when)[keep]
            time = time.astype("datetime64[us]").astype(np.int64) if np.issubdtype(time.dtype, np.datetime64) \
                else np.asarray(time, dtype=float)
            order = keep[np.lexsort((time, np.asarray(position)[keep]))]
        else:
            order = keep[np.argsort(np.asarray(position)[keep], kind="stable")]
        new_row = np.full(len(position), -1, dtype=np.int64)
        new_row[order] = np.arange(len(order))
        rows = np.asarray(cite_row if cite_row is not None else [], dtype=np.int64)
        rules = np.asarray(cite_rule if cite_rule is not None else [], dtype=np.int64)
        mapped = new_row[rows] if len(rows) else rows
        valid = mapped >= 0
        cite_order = np.argsort(mapped[valid], kind="stable")
        return cls(
            item=np.asarray(item)[order],
            annotator=np.asarray(annotator)[order],
            value=np.asarray(value)[order],
            position=np.asarray(position, dtype=np.int64)[order],
            categories=tuple(categories),
            cite_row=mapped[valid][cite_order],
            cite_rule=rules[valid][cite_order],
            rule_ids=tuple(rule_ids),
            numeric=numeric,
            members=members,
            distance=distance,
            scope_item=np.asarray(scope_item if scope_item is not None else np.zeros(0, dtype=np.int64)),
            scope_rule=np.asarray(scope_rule if scope_rule is not None else [], dtype=np.int64),
        )

    @property
    def has_citations(self) -> bool:
        return len(self.cite_row) > 0

    @property
    def has_scope(self) -> bool:
        return len(self.scope_item) > 0

    @cached_property
    def item_codes(self) -> int:
        """One more than the largest item code (items are integer codes)."""
        return int(np.max(self.item)) + 1 if len(self.item) else 0

    @cached_property
    def relabels(self) -> bool:
        """Whether some annotator judged some item more than once (under several revisions)."""
        if not len(self.item):
            return False
        pair = np.asarray(self.item, dtype=np.int64) * (int(np.max(self.annotator)) + 1) \
            + np.asarray(self.annotator, dtype=np.int64)
        return bool(len(np.unique(pair)) < len(pair))

    def scoped(self, rule: str) -> np.ndarray:
        """The items in the rule's scope (by the scope column or file)."""
        if rule not in self.rule_ids:
            return self.scope_item[:0]
        return self.scope_item[self.scope_rule == self.rule_ids.index(rule)]

    def rows(self, window: Window) -> slice:
        lo, hi = np.searchsorted(self.position, [window.start, window.stop], side="left")
        return slice(int(lo), int(hi))


# --- revisions and windows -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Window:
    """Commit positions [start, stop) along the first-parent line."""

    start: int
    stop: int


@dataclass(frozen=True)
class RevisionSpec:
    """What the core needs to know about one rule revision (built from history.RuleRevision)."""

    rule: str
    task: str
    commit: str
    date: str
    author: str
    change: str
    level: str
    position: int
    labels: tuple[str, ...]  # the rule's labels at this version (the previous one's when removed)
    citable_before: bool  # could annotators cite the rule under the before state?
    citable_after: bool
    previous_position: int | None = None  # R's previous meaningful revision (window="rule")
    next_position: int | None = None
    confounded_with: tuple[str, ...] = ()


def adjacent_windows(position: int, change_points: list[int], end: int) -> tuple[Window, Window]:
    """Before: since the previous commit that changed the task; after: until the next one."""
    points = sorted(set(change_points))
    earlier = [p for p in points if p < position]
    later = [p for p in points if p > position]
    before = Window(earlier[-1] if earlier else 0, position)
    after = Window(position, later[0] if later else end)
    return before, after


def rule_windows(spec: RevisionSpec, end: int) -> tuple[Window, Window]:
    """The rule's whole previous version against its whole new one."""
    start = spec.previous_position if spec.previous_position is not None else 0
    stop = spec.next_position if spec.next_position is not None else end
    return Window(start, spec.position), Window(spec.position, stop)


def governed_items(
    data: TaskAnnotations, rows: slice | np.ndarray, spec: RevisionSpec, by: GovernedBy
) -> np.ndarray:
    """Items of a window (a slice or row indices) that the rule governs: in its scope (by the
    scope column or file), cited it, or (by labels) got one of its labels from any annotator."""
    return _governed(data, rows, spec.rule, spec.labels, by)


def _governed(data: TaskAnnotations, rows: slice | np.ndarray, rule: str, labels: tuple[str, ...],
              by: GovernedBy) -> np.ndarray:
    rows = _as_slice(rows)
    if by == "scope":
        return np.intersect1d(np.unique(data.item[rows]), data.scoped(rule))
    if by == "citations":
        if rule not in data.rule_ids:
            return np.empty(0, dtype=data.item.dtype)
        code = data.rule_ids.index(rule)
        if isinstance(rows, slice):
            lo, hi = np.searchsorted(data.cite_row, [rows.start, rows.stop], side="left")
            cited = data.cite_row[lo:hi][data.cite_rule[lo:hi] == code]
        else:
            pairs = _citations_within(data, rows)
            cited = data.cite_row[pairs][data.cite_rule[pairs] == code]
            cited = cited[np.isin(cited, rows)]
        return np.unique(data.item[cited])
    members = data.members or tuple((c,) for c in data.categories)
    codes = [k for k, labels_ in enumerate(members) if set(labels_) & set(labels)]
    chose = np.isin(data.value[rows], codes)
    return np.unique(data.item[rows][chose])


def _as_slice(rows: slice | np.ndarray) -> slice | np.ndarray:
    """A run of consecutive row indices as the slice it is (the windows' usual shape)."""
    if isinstance(rows, slice) or len(rows) == 0:
        return rows
    if int(rows[-1]) - int(rows[0]) + 1 == len(rows):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _citations_within(data: TaskAnnotations, rows: slice | np.ndarray) -> slice:
    """The citation pairs whose rows lie in the span of `rows` (citations are sorted by row)."""
    if isinstance(rows, slice):
        lo, hi = rows.start, rows.stop
    elif len(rows):
        lo, hi = int(rows.min()), int(rows.max()) + 1
    else:
        lo = hi = 0
    a, b = np.searchsorted(data.cite_row, [lo, hi], side="left")
    return slice(int(a), int(b))


def governed_definition(data: TaskAnnotations, spec: RevisionSpec) -> GovernedBy:
    """The scope when the data has one (items assigned to rules independently of the labels:
    the clean definition); else citations when the task's data has any and annotators could
    cite the rule on both sides; otherwise its labels, on both sides, so before and after measure
    the same kind of item set (a rule cannot be cited before it is added or after it is
    deprecated)."""
    if data.has_scope:
        return "scope"
    if data.has_citations and spec.citable_before and spec.citable_after:
        return "citations"
    return "labels"



def change_positions(history: History, task_id: str) -> list[int]:
    """Positions of the commits that changed what the task's guidelines say: the history's task
    change commits, less those whose every change to the task is of level `none` (a file move,
    reformatting) — such a commit leaves annotators under the same guidelines, so it must not
    cut a window in two."""
    meaningful = {
        r.index for revisions in history.revisions.values() for r in revisions
        if r.level not in SKIPPED_LEVELS and _task_of(r) == task_id
    }
    meaningful |= {r.index for r in history.task_revisions.get(task_id, []) if r.level not in SKIPPED_LEVELS}
    positions = (history.index_of(c.sha) for c in history.task_change_commits(task_id))
    return [p for p in positions if p in meaningful]


def _since_position(history: History, since: str | None) -> int:
    if since is None:
        return 0
    commit = history.resolve(since)
    if commit is None:
        raise HistoryError(f"--since {since}: no such commit, tag or release on the line")
    return history.index_of(commit.sha)


def table_positions(history: History, table: AnnotationTable, times: np.ndarray | None = None) -> np.ndarray:
    """Each row's commit position (or negative reason code): `guideline_rev` first, else time."""
    rev_position = np.array(
        [_resolve_index(history, rev) for rev in table.revisions], dtype=np.int64
    )
    when = np.asarray(table.annotated_at, dtype="datetime64[us]")
    return resolve_positions(table.guideline_rev, rev_position, when,
                             commit_times(history.commits) if times is None else times)


def _resolve_index(history: History, rev: str) -> int:
    commit = history.resolve(str(rev))
    return -1 if commit is None else history.index_of(commit.sha)


def task_annotations(project: Project | None, table: AnnotationTable, positions: np.ndarray,
                     scope: Mapping[str, Sequence[str]] | None = None) -> TaskAnnotations:
    """One task's table as core arrays: categories in the task's label order, citations as pairs,
    the scope (from `scope`, item id -> rule ids, else the table's `scope` column) as pairs."""
    task = project.tasks.get(table.task_id) if project is not None and table.task_id else None
    if table.multi_label:
        used, value = np.unique(table.label, return_inverse=True)
        sets = [frozenset(table.label_sets[u]) for u in used]
        categories = tuple(table.labels[u] for u in used)
        members = tuple(tuple(sorted(s)) for s in sets)
        distance, numeric = agreement.masi_matrix(sets), None
    else:
        order = list(task.label_ids) if task else []
        categories = tuple(order + sorted(set(table.labels) - set(order)))
        position = {c: k for k, c in enumerate(categories)}
        remap = np.array([position[v] for v in table.labels] or [0], dtype=np.int64)
        value = remap[table.label]
        members, distance = None, None
        values = [label.value for label in task.labels] if task else []
        numeric = (tuple(float(v) for v in values) if values and len(values) == len(categories)
                   and all(v is not None for v in values) else None)
    scope_pairs = _scope_pairs(table, scope)
    rule_ids = tuple(sorted({r for members_ in table.rule_sets for r in members_} | {r for _, r in scope_pairs}))
    cite_row, cite_rule = _citation_pairs(table, rule_ids)
    index = {r: k for k, r in enumerate(rule_ids)}
    return TaskAnnotations.build(
        table.item, table.annotator, value, positions, categories,
        cite_row=cite_row, cite_rule=cite_rule, rule_ids=rule_ids, numeric=numeric,
        members=members, distance=distance,
        scope_item=np.array([i for i, _ in scope_pairs], dtype=np.int64),
        scope_rule=np.array([index[r] for _, r in scope_pairs], dtype=np.int64),
        when=table.annotated_at,
    )


def _scope_pairs(table: AnnotationTable, scope: Mapping[str, Sequence[str]] | None) -> list[tuple[int, str]]:
    """(item code, rule id) for every rule whose scope each item is in: from the mapping when
    given (items it does not list are in no rule's scope), else from the `scope` column."""
    if scope is not None:
        code = {str(item): k for k, item in enumerate(table.items)}
        return sorted({(code[item], str(rule)) for item, rules in scope.items() if item in code for rule in rules})
    if table.scope is None:
        return []
    pairs = set()
    for k, rules in enumerate(table.scope_sets):
        if rules:
            for item in np.unique(table.item[table.scope == k]):
                pairs |= {(int(item), rule) for rule in rules}
    return sorted(pairs)


def _citation_pairs(table: AnnotationTable, rule_ids: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(row, rule code) for every rule cited on every row."""
    index = {r: k for k, r in enumerate(rule_ids)}
    rows, rules = [], []
    for code, cited in enumerate(table.rule_sets):
        if not cited:
            continue
        hits = np.flatnonzero(table.rules == code)
        for rule_id in cited:
            rows.append(hits)
            rules.append(np.full(len(hits), index[rule_id], dtype=np.int64))
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(rules)


def revision_specs(
    history: History, task_id: str, *, rule: str | None = None, since: int = 0
) -> list[RevisionSpec]:
    """The task's meaningful rule revisions (level `none`, e.g. pure moves, skipped)."""
    meaningful = {
        rule_id: [r for r in revisions if r.level not in SKIPPED_LEVELS and _task_of(r) == task_id]
        for rule_id, revisions in sorted(history.revisions.items())
    }
    by_position: dict[int, set[str]] = {}
    for rule_id, revisions in meaningful.items():
        for revision in revisions:
            by_position.setdefault(revision.index, set()).add(rule_id)
    specs = []
    for rule_id, revisions in meaningful.items():
        if rule is not None and rule_id != rule:
            continue
        for k, revision in enumerate(revisions):
            if revision.index < since:
                continue
            specs.append(_spec(revision, task_id, revisions, k, by_position))
    return sorted(specs, key=lambda s: (s.position, s.rule))


def _task_of(revision: RuleRevision) -> str:
    record = revision.rule or revision.previous
    return record.task if record is not None else ""


def _spec(revision: RuleRevision, task_id: str, revisions: list[RuleRevision], k: int,
          by_position: dict[int, set[str]]) -> RevisionSpec:
    current, previous = revision.rule, revision.previous
    labels = (current or previous).labels
    return RevisionSpec(
        rule=revision.rule_id,
        task=task_id,
        commit=revision.commit.sha,
        date=revision.commit.date.isoformat(),
        author=revision.commit.author,
        change=revision.change,
        level=revision.level,
        position=revision.index,
        labels=tuple(labels),
        citable_before=previous is not None and previous.status not in NOT_CITABLE_STATUSES,
        citable_after=current is not None and current.status not in NOT_CITABLE_STATUSES,
        previous_position=revisions[k - 1].index if k > 0 else None,
        next_position=revisions[k + 1].index if k + 1 < len(revisions) else None,
        confounded_with=tuple(sorted(by_position[revision.index] - {revision.rule_id})),
    )


