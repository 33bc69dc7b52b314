"""The table's re-labels: pooled figures take each annotator's latest judgement, and so do
impact's windows and hotspots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from guidelines_tool.annotations import read_annotations
from guidelines_tool.hotspots import hotspots
from guidelines_tool.impact import TaskAnnotations, Window, window_ratings


def test_impact_window_counts_a_relabelling_annotator_once() -> None:
    # item 0: annotator 0 said a (rev at position 1), then b (position 2); annotator 1 said b
    data = TaskAnnotations.build(
        np.array([0, 0, 0, 1, 1]), np.array([0, 1, 0, 0, 1]), np.array([0, 1, 1, 0, 0]),
        np.array([1, 1, 2, 1, 1]), ("a", "b"))
    ratings = window_ratings(data, data.rows(Window(0, 3)))
    assert ratings.n_ratings == 4
    pairs = sorted(zip(ratings.item.tolist(), ratings.annotator.tolist(), ratings.value.tolist()))
    assert pairs == [(0, 0, 1), (0, 1, 1), (1, 0, 0), (1, 1, 0)]


def test_hotspots_on_relabelled_data_use_the_latest_judgements(tmp_path: Path,
                                                               make_project: Callable) -> None:
    lines = ["item,annotator,label,guideline_rev,rules"]
    for i in range(12):
        lines += [f"i{i},a,x,v1,R-1", f"i{i},b,{'x' if i % 3 else 'y'},v1,R-1"]
    lines += [f"i{i},a,y,v2,R-2" for i in range(0, 12, 3)]  # a agrees with b after the change
    path = tmp_path / "relabel.csv"
    path.write_text("\n".join(lines) + "\n")
    project = make_project(tmp_path, {"t": (["x", "y"], "nominal", False)})
    table = read_annotations([path], project=project)
    assert table.summary.relabelled == 4 and len(table) == 28
    pooled = table.pooled()
    assert len(pooled) == 24 and pooled.ratings().n_ratings == 24
    report = hotspots(project, table)
    assert report.alpha == pytest.approx(1.0)  # nobody disagrees once a's v1 labels are replaced
