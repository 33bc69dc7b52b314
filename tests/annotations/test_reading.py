"""Reading files: format by extension or --input-format, clear errors for what cannot be
read, files as tools and spreadsheets write them, tool exports end to end."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool.annotations import read_annotations
from guidelines_tool.cli import cli
from guidelines_tool.errors import DataError


def test_input_format_overrides_the_extension(tmp_path: Path, annotation_data: Path) -> None:
    path = tmp_path / "export.txt"
    shutil.copy(annotation_data / "good.csv", path)
    with pytest.raises(DataError, match="--input-format"):
        read_annotations([path])
    assert len(read_annotations([path], input_format="csv")) == 6


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[{]")
    with pytest.raises(DataError, match="broken.json:1"):
        read_annotations([path])
    with pytest.raises(DataError, match="no such file"):
        read_annotations([tmp_path / "absent.csv"])


def test_corrupt_parquet_and_bad_encoding_are_clear_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match="broken.parquet: cannot read as parquet"):
        read_annotations([broken])
    latin = tmp_path / "latin.csv"
    latin.write_bytes("item,annotator,label\n1,a,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin.csv: cannot read as csv"):
        read_annotations([latin])


def test_files_as_tools_and_spreadsheets_write_them(robust_case: tuple[Path, dict],
                                                    rows: Callable) -> None:
    """BOM, CRLF, quoted newlines, Excel's `sep=` line, decimal commas, Parquet dictionary and
    large_string columns, JSONL with a bad line in the middle or trailing blank lines."""
    path, case = robust_case
    t = read_annotations([path])
    assert [list(r) for r in rows(t)] == case["rows"]
    assert t.line.tolist() == case["lines"]
    assert [[p.line, p.code] for p in t.problems] == case["problems"]
    assert (t.summary.read, t.summary.rejected) == (case["read"], case["rejected"])
    assert t.summary.read == t.summary.used + sum(t.summary.rejected.values())


@pytest.mark.parametrize("name, fmt, pairable", [("labelstudio_min.json", None, 2),
                                                 ("labelstudio_export.csv", "labelstudio", 2),
                                                 ("prodigy_multi.jsonl", "prodigy", 1)])
def test_agreement_runs_on_tool_exports(tmp_path: Path, monkeypatch, name: str, fmt, pairable: int,
                                        annotation_data: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no project
    args = ["agreement", str(annotation_data / name), "--format", "json", "--bootstrap", "0"]
    result = CliRunner().invoke(cli, args + (["--input-format", fmt] if fmt else []))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["overall"]["n_pairable_items"] == pairable
    assert report["read"]["read"] == report["read"]["used"] + sum(report["read"]["rejected"].values())
