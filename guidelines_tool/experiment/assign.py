"""The random split of an experiment's units (items, or annotators) between arms A and B.

Deterministic and order-free: the ids are de-duplicated and sorted, then, stratum by stratum in
sorted order, permuted by numpy's PCG64 generator seeded with the plan's seed; the first half of
each permutation goes to A, the rest to B. A stratum of odd size gives its extra unit to the arm
that is smaller so far (A on a tie), so the arms differ by at most one unit overall and by at most
one within each stratum. The same ids, strata and seed give the same split on any machine
(numpy guarantees the PCG64 stream for a given seed).

The assignment file (CSV, written by `experiment plan`, read by `experiment analyse`) has one row
per unit: `kind` (item | annotator), `id`, `arm` (A | B | both), `stratum`, `governed` (1 when the
primary measure reads the item).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from guidelines_tool.errors import DataError

METHOD = ("sorted ids permuted by numpy PCG64 (seed {seed}) within each stratum; first half to A, "
          "an odd stratum's extra unit to the smaller arm")
COLUMNS = ("kind", "id", "arm", "stratum", "governed")


def split(ids: Iterable[str], seed: int, strata: Mapping[str, str] | None = None) -> dict[str, str]:
    """id → "A" | "B" (module docstring). `strata`: id → stratum (missing ids: stratum "")."""
    strata = strata or {}
    by_stratum: dict[str, list[str]] = {}
    for unit in sorted(set(ids)):
        by_stratum.setdefault(strata.get(unit, ""), []).append(unit)
    rng = np.random.default_rng(seed)
    arms: dict[str, str] = {}
    sizes = {"A": 0, "B": 0}
    for stratum in sorted(by_stratum):
        units = by_stratum[stratum]
        order = [units[i] for i in rng.permutation(len(units))]
        half = len(order) // 2
        extra = "A" if sizes["A"] <= sizes["B"] else "B"
        cut = half + (1 if len(order) % 2 and extra == "A" else 0)
        for position, unit in enumerate(order):
            arms[unit] = "A" if position < cut else "B"
        sizes["A"] += cut
        sizes["B"] += len(order) - cut
    return arms


@dataclass(frozen=True)
class Assignment:
    """Who is in which arm: `items` and `annotators` map ids to "A", "B" or "both"."""

    items: dict[str, str]
    annotators: dict[str, str] = field(default_factory=dict)
    strata: dict[str, str] = field(default_factory=dict)  # item → stratum
    governed: frozenset[str] = frozenset()  # the items the primary measure reads

    def counts(self, kind: str = "item") -> dict[str, int]:
        units = self.items if kind == "item" else self.annotators
        out = {"A": 0, "B": 0, "both": 0}
        for arm in units.values():
            out[arm] += 1
        return out

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for unit in sorted(self.items):
            writer.writerow(("item", unit, self.items[unit], self.strata.get(unit, ""),
                             1 if unit in self.governed else 0))
        for unit in sorted(self.annotators):
            writer.writerow(("annotator", unit, self.annotators[unit], "", ""))
        return buffer.getvalue()


def read_assignment(path: Path) -> Assignment:
    """The assignment file back (DataError with file and line on a bad row)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise DataError(f"{path}: cannot read the assignment file: {error.strerror or error}") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("kind", "id", "arm") if c not in (reader.fieldnames or ())]
    if missing:
        raise DataError(f"{path}:1: the assignment file lacks column(s) {', '.join(missing)}")
    items: dict[str, str] = {}
    annotators: dict[str, str] = {}
    strata: dict[str, str] = {}
    governed: set[str] = set()
    for row in reader:
        line = reader.line_num
        kind, unit, arm = ((row.get(column) or "").strip() for column in ("kind", "id", "arm"))
        if kind not in ("item", "annotator") or not unit or arm not in ("A", "B", "both"):
            raise DataError(f"{path}:{line}: expected kind item|annotator, an id and arm A|B|both; "
                            f"got {kind!r}, {unit!r}, {arm!r}")
        target = items if kind == "item" else annotators
        if unit in target:
            raise DataError(f"{path}:{line}: {kind} {unit!r} is listed twice")
        target[unit] = arm
        if kind == "item":
            if row.get("stratum"):
                strata[unit] = row["stratum"]
            if (row.get("governed") or "").strip() in ("1", "true", "yes"):
                governed.add(unit)
    return Assignment(items, annotators, strata, frozenset(governed))
