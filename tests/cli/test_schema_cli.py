"""`guidelines schema` end to end through click."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.schema import KINDS, schema_texts

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def test_schema_command_prints_one_kind():
    result = CliRunner().invoke(cli, ["schema", "--kind", "rule"])
    assert result.exit_code == 0
    assert result.stdout == (SCHEMA_DIR / "rule.schema.json").read_text(encoding="utf-8")


def test_schema_command_prints_all_kinds_as_one_json_object():
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert sorted(json.loads(result.stdout)) == sorted(KINDS)


def test_schema_command_writes_files(tmp_path):
    result = CliRunner().invoke(cli, ["schema", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{kind}.schema.json" for kind in KINDS)
    assert (tmp_path / "out" / "task.schema.json").read_text(encoding="utf-8") == schema_texts()["task"]


def test_schema_command_rejects_unknown_kind():
    assert CliRunner().invoke(cli, ["schema", "--kind", "label"]).exit_code == 2
