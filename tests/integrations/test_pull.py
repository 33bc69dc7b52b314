"""The long-format files `pull` writes, read back by the tool's own annotation reader."""

from __future__ import annotations

import json

import pytest

from guidelines_tool.annotations import read_annotations
from guidelines_tool.integrations.pull import write_rows
from guidelines_tool.project import load_project

ROWS = [
    {"item": "i1", "annotator": "7", "label": "product", "annotated_at": "2026-03-01T10:00:00Z", "guideline_rev": "abc"},
    {"item": "i1", "annotator": "8", "label": "person", "annotated_at": "2026-03-01T10:00:01Z", "guideline_rev": None},
    {"item": "i2", "annotator": "7", "label": "packaging", "annotated_at": "2026-03-01T10:00:02Z", "guideline_rev": "abc",
     "batch": "b1"},
]


@pytest.mark.parametrize("name", ["out.csv", "out.tsv", "out.jsonl", "out.parquet"])
def test_pulled_rows_read_back_as_written(tmp_path, guideline_project, name):
    root = guideline_project(tmp_path / "p")
    write_rows(ROWS, tmp_path / name)
    table = read_annotations([tmp_path / name], project=load_project(root))
    assert table.summary.used == 3 and not table.problems
    got = [(table.items[i], table.annotators[a], table.labels[l], table.revisions[r] if r >= 0 else None)
           for i, a, l, r in zip(table.item, table.annotator, table.label, table.guideline_rev)]
    assert sorted(got, key=str) == sorted([(r["item"], r["annotator"], r["label"], r["guideline_rev"]) for r in ROWS], key=str)


def test_multi_label_answers_survive_csv_and_jsonl(tmp_path, guideline_project):
    root = guideline_project(tmp_path / "p", {"guidelines/pps/task.yaml":
                                          "kind: task\nid: pps\ntitle: T\nmulti_label: true\nlabels:\n"
                                          "  - {id: product, name: Product}\n  - {id: person, name: Person}\n"})
    rows = [{"item": "i1", "annotator": "7", "label": ["person", "product"], "annotated_at": None, "guideline_rev": None},
            {"item": "i1", "annotator": "8", "label": ["product"], "annotated_at": None, "guideline_rev": None}]
    for name in ("m.csv", "m.jsonl"):
        write_rows(rows, tmp_path / name)
        table = read_annotations([tmp_path / name], project=load_project(root))
        assert sorted(table.labels[c] for c in table.label) == ["person;product", "product"], name
    assert json.loads((tmp_path / "m.jsonl").read_text().splitlines()[0])["label"] == ["person", "product"]


def test_each_row_gets_the_commit_of_the_push_live_at_its_time():
    from guidelines_tool.integrations import Pulled
    from guidelines_tool.integrations.publish_log import PublishEntry, Timeline
    from guidelines_tool.integrations.pull import PullResult, _stamp

    pushes = [PublishEntry("label-studio", "http://ls", "3", "pps", v, c, t) for v, c, t in (
        ("v1.0.0", "c1", "2026-03-01T10:00:00.500000+00:00"), ("v1.1.0", "c2", "2026-03-02T10:00:00+00:00"))]
    rows = [{"item": str(n), "annotator": "7", "label": ["product"], "annotated_at": at}
            for n, at in enumerate(("2026-03-01T10:00:00.400Z", "2026-03-01T10:00:00.600Z",
                                    "2026-03-02T09:59:59Z", "2026-03-02T10:00:00Z", None))]
    result = PullResult(Pulled(rows), "pps")
    _stamp(result, Timeline(pushes, tool="label-studio", url="http://ls/", project="3"), multi_label=False)
    assert [row.get("guideline_rev") for row in rows] == [None, "c1", "c1", "c2", None]
    assert (result.stamped, result.before_first_push) == (3, 1)  # and one without a time
    assert {row["label"] for row in rows} == {"product"}  # a single choice, not a list of one
