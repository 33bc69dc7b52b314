"""What a lint check yields: where (a Source pointer) and what. The runner adds code and severity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from guidelines_tool.model import Source


@dataclass(frozen=True)
class Problem:
    """One problem a check found: the runner turns it into a Finding."""

    source: Source
    message: str
    at_value: bool = False  # point at the value (`decision: pesron`) rather than at its key


def duplicate_ids(records: Iterable, what: str) -> Iterator[Problem]:
    """A problem at every occurrence of an id defined more than once, naming the other files.

    Every occurrence is reported, so a check limited to one changed file (as pre-commit runs
    it) still sees the clash.
    """
    places: dict[str, list] = defaultdict(list)
    for record in records:
        places[record.id].append(record)
    for record_id, records_with_id in places.items():
        if len(records_with_id) < 2:
            continue
        for record in records_with_id:
            others = ", ".join(sorted({o.source.path for o in records_with_id if o is not record}))
            message = f"{what} id {record_id!r} is defined more than once (also in {others})"
            yield Problem(record.source.child("id"), message, at_value=True)


def rule_citations(rule) -> Iterator[tuple[Source, str, str]]:
    """(where, field, cited id) for every rule a rule's `overrides` and `see_also` name."""
    for field in ("overrides", "see_also"):
        for index, other in enumerate(getattr(rule, field)):
            yield rule.source.child(field, index), field, other
