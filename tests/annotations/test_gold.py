"""Gold files: adjudicated labels checked like annotations."""

from __future__ import annotations

from pathlib import Path

from guidelines_tool.annotations import read_gold


def test_gold_file(annotation_data: Path) -> None:
    gold = read_gold(annotation_data / "gold.csv")
    assert gold.labels == {"p1": "product", "p2": "person", "p3": "person"}
    assert [(p.line, p.code) for p in gold.problems] == [(5, "ANN003")]


def test_gold_csv_with_semicolons_is_read(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("item;label\np1;x\np2;y\n")
    assert read_gold(path).labels == {"p1": "x", "p2": "y"}
