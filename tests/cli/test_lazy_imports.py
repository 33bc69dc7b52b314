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
