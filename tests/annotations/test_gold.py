"""Gold files: adjudicated labels checked like annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from guidelines_tool.annotations import read_gold
from guidelines_tool.project import load_project


def test_gold_file(annotation_data: Path) -> None:
    gold = read_gold(annotation_data / "gold.csv")
    assert gold.labels == {"p1": "product", "p2": "person", "p3": "person"}
    assert [(p.line, p.code) for p in gold.problems] == [(5, "ANN003")]


def test_gold_csv_with_semicolons_is_read(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("item;label\np1;x\np2;y\n")
    assert read_gold(path).labels == {"p1": "x", "p2": "y"}


def test_extra_columns_are_kept_per_item_and_a_multi_label_set_is_checked_member_by_member(tmp_path, guideline_project):
    """A quiz key (`quiz-gold.csv`) names the deciding rule of each item; a multi-label task's gold
    is a `;`-joined set whose members are each a label of the task."""
    root = guideline_project(tmp_path / "p", {"guidelines/tags/task.yaml": (
        "kind: task\nid: tags\ntitle: Tags\nmulti_label: true\nlabels:\n  - {id: a, name: A}\n  - {id: b, name: B}\n")})
    project = load_project(root)
    path = tmp_path / "quiz-gold.csv"
    path.write_text("item,label,rule,task\nq1,a;b,R-1,tags\nq2,b,,tags\nq3,a;zz,R-2,tags\nq4,a,R-9,other\n")
    gold = read_gold(path, project=project, task="tags", extra=("rule", "missing"))
    assert gold.labels == {"q1": "a;b", "q2": "b"}
    assert gold.extra == {"rule": {"q1": "R-1"}}  # empty cells and absent columns are left out
    assert [(p.line, p.message) for p in gold.problems] == [(4, "gold label 'zz' is not in task 'tags'")]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_extra_columns_are_kept_in_every_long_format(tmp_path, suffix):
    """The readers convert only the record columns (a hostile file's 100,000 columns cost
    nothing); the columns a caller asks for besides them are kept in each long format."""
    rows = [{"item": "q1", "label": "a", "rule": "R-1", "note": "x"},
            {"item": "q2", "label": "b", "rule": "R-2", "note": "y"}]
    path = tmp_path / f"quiz-gold{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(rows), path)
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        path.write_text("item,label,rule,note\nq1,a,R-1,x\nq2,b,R-2,y\n")
    gold = read_gold(path, extra=("rule",))
    assert gold.labels == {"q1": "a", "q2": "b"}
    assert gold.extra == {"rule": {"q1": "R-1", "q2": "R-2"}}
    # and a line the fast JSON reader leaves to the line reader keeps them too
    if suffix == ".jsonl":
        path.write_text(path.read_text() + "null\n")
        assert read_gold(path, extra=("rule",)).extra == {"rule": {"q1": "R-1", "q2": "R-2"}}
