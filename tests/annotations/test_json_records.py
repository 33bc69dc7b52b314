"""JSON read by every JSON reader: hostile nesting is a finding or a clear error."""

from __future__ import annotations

import pytest

from guidelines_tool.annotations import read_annotations
from guidelines_tool.errors import DataError


@pytest.mark.parametrize("name, fmt", [("deep.json", "labelstudio"), ("deep.jsonl", "jsonl"),
                                       ("deep.jsonl", "prodigy")])
def test_deeply_nested_json_is_reported_not_a_crash(tmp_path, name, fmt):
    path = tmp_path / name
    nested = "[" * 100_000 + "]" * 100_000
    if fmt == "labelstudio":
        path.write_text(nested)
        with pytest.raises(DataError, match="nested"):
            read_annotations([path], input_format=fmt)
        return
    first = ('{"_input_hash": 1, "_annotator_id": "a", "label": "x", "answer": "accept"}'
             if fmt == "prodigy" else '{"item": "p1", "annotator": "a", "label": "x"}')
    path.write_text(first + "\n" + nested + "\n")
    table = read_annotations([path], input_format=fmt)
    assert [(p.line, p.name) for p in table.problems] == [(2, "malformed-record")]
    assert "nested" in table.problems[0].message
