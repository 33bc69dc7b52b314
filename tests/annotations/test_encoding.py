"""Encoding values: whitespace trimmed and merged, Unicode normalised to NFC."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from guidelines_tool.annotations import read_annotations


def test_whitespace_is_trimmed_and_merged(tmp_path: Path, codes: Callable) -> None:
    path = tmp_path / "ws.csv"
    path.write_text("item,annotator,label\n p1 ,a,x\np1,b, x\u00a0\np2,a,é\n")
    t = read_annotations([path])
    assert codes(t, "item") == ["p1", "p1", "p2"] and codes(t, "label") == ["x", "x", "é"]


def test_labels_differing_only_in_unicode_normalisation_are_one_label(tmp_path):
    # "café" typed on macOS (NFD: e + combining acute) and on Windows (NFC: é) is one label;
    # so is "naïve" whose non-ASCII letter sits in the middle of the string
    path = tmp_path / "nfd.csv"
    path.write_bytes("item,annotator,label\n"
                     "p1,a,caf\u00e9\np1,b,cafe\u0301\n"
                     "p2,a,na\u00efve\np2,b,nai\u0308ve\n".encode())
    table = read_annotations([path])
    assert sorted(table.labels) == ["caf\u00e9", "na\u00efve"]
    assert table.label.tolist()[0] == table.label.tolist()[1]
    assert table.label.tolist()[2] == table.label.tolist()[3]
