"""The random split: deterministic, order-free, balanced within strata and overall."""

from __future__ import annotations

import pytest

from guidelines_tool.errors import DataError
from guidelines_tool.experiment.assign import Assignment, read_assignment, split


def test_the_same_ids_and_seed_give_the_same_split_whatever_their_order():
    ids = [f"i{k}" for k in range(101)]
    assert split(ids, 3) == split(list(reversed(ids)), 3) == split(ids + ids[:5], 3)
    assert split(ids, 3) != split(ids, 4)


@pytest.mark.parametrize("sizes", [(7, 9, 11), (1, 1, 1, 1, 1), (50,), (2, 3)])
def test_each_stratum_and_the_whole_differ_by_at_most_one(sizes):
    strata = {f"s{s}-{k}": f"s{s}" for s, size in enumerate(sizes) for k in range(size)}
    arms = split(strata, 11, strata)
    for stratum in set(strata.values()):
        members = [arms[i] for i, s in strata.items() if s == stratum]
        assert abs(members.count("A") - members.count("B")) <= 1
    values = list(arms.values())
    assert abs(values.count("A") - values.count("B")) <= 1


def test_the_split_is_not_the_sorted_order():
    arms = split([f"i{k:03d}" for k in range(200)], 0)
    first = [arms[f"i{k:03d}"] for k in range(100)]
    assert 30 < first.count("A") < 70  # a random half, not the first 100 ids


def test_the_assignment_file_round_trips_and_bad_rows_name_their_line(tmp_path):
    assignment = Assignment({"i1": "A", "i2": "B"}, {"ann": "both"}, {"i1": "day"}, frozenset({"i1"}))
    path = tmp_path / "assignment.csv"
    path.write_text(assignment.to_csv())
    assert read_assignment(path) == assignment
    path.write_text("kind,id,arm\nitem,i1,A\nitem,i2,C\n")
    with pytest.raises(DataError, match=r"assignment.csv:3: expected kind item\|annotator"):
        read_assignment(path)
    path.write_text("kind,id,arm\nitem,i1,A\nitem,i1,B\n")
    with pytest.raises(DataError, match="listed twice"):
        read_assignment(path)
