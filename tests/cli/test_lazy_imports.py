"""Start-up stays light: the commands that run on every commit (pre-commit, editors) import no
numpy, pyarrow, mkdocs, matplotlib or git, even though every `--format` choice is built from a
reporter registry at import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "pyarrow", "mkdocs", "matplotlib", "git")
PROBE = """
import sys
from guidelines_tool.cli import main
sys.argv = ["guidelines", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["validate"], ["fmt", "--check"]], ids=" ".join)
def test_no_heavy_import(tmp_path, args):
    sample = tmp_path / "sample"
    shutil.copytree(REPO / "sample_guidelines", sample)
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=sample, capture_output=True, text=True)
    loaded = set(done.stderr.splitlines()[-1].split())
    assert "guidelines_tool" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_version_imports_no_command_module(tmp_path):
    probe = PROBE.replace('name.split(".")[0] for name in sys.modules', "name for name in sys.modules")
    done = subprocess.run([sys.executable, "-c", probe, "--version"], cwd=tmp_path, capture_output=True, text=True)
    loaded = done.stderr.splitlines()[-1].split()
    assert [m for m in loaded if m.startswith(("guidelines_tool.cli.", "guidelines_tool.reporters"))] == []


def test_every_listed_command_resolves_to_itself():
    import click

    from guidelines_tool.cli import COMMANDS, cli

    ctx = click.Context(cli, info_name="guidelines")
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
    assert cli.get_command(ctx, "no-such-command") is None
