"""Guideline paths that are not regular files (a FIFO, a link to a device, a dangling link, a
link loop): validate reports each as a finding and fmt as an error, without blocking or reading
without limit; the other files are still checked (issue 17 item 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guidelines_tool.loading import MAX_FILE_BYTES, read_text


pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and symlinks need a POSIX system")
RULES = "guidelines/pps/rules"


@pytest.fixture
def special_project(tmp_path: Path, base_rule: str, guideline_project) -> Path:
    """The base project with a FIFO, a link to /dev/zero, a dangling link and a link loop among its rules."""
    root = guideline_project(tmp_path, {f"{RULES}/PPS-002.yaml": base_rule.replace("PPS-001", "PPS-002").replace("labels: [product, person]", "labels: [product, persn]")})
    folder = root / RULES
    os.mkfifo(folder / "fifo.yaml")
    os.symlink("/dev/zero", folder / "zero.yaml")
    os.symlink("missing.yaml", folder / "dangling.yaml")
    os.symlink("loop.yaml", folder / "loop.yaml")
    return root


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    # a subprocess with a timeout: before the fix, reading the FIFO blocked forever
    return subprocess.run([sys.executable, "-m", "guidelines_tool", *args], cwd=root, capture_output=True,
                          text=True, timeout=60)


def test_validate_reports_each_special_file_and_checks_the_rest(special_project: Path):
    root = special_project
    proc = run(root, "validate", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    by_path = {f["path"].rsplit("/", 1)[-1]: f for f in findings}
    assert by_path["fifo.yaml"]["code"] == "GL009" and "named pipe" in by_path["fifo.yaml"]["message"]
    assert by_path["zero.yaml"]["code"] == "GL009" and "device" in by_path["zero.yaml"]["message"]
    assert by_path["dangling.yaml"]["code"] == "GL009"
    assert "missing.yaml" in by_path["dangling.yaml"]["message"] and "does not exist" in by_path["dangling.yaml"]["message"]
    assert by_path["loop.yaml"]["code"] == "GL009" and "loop" in by_path["loop.yaml"]["message"]
    assert by_path["PPS-002.yaml"]["code"] == "GL206"  # the regular files are still checked
    assert "Traceback" not in proc.stderr


def test_fmt_reports_each_special_file_and_formats_the_rest(special_project: Path, base_rule: str):
    root = special_project
    messy = root / RULES / "PPS-003.yaml"
    messy.write_text(base_rule.replace("PPS-001", "PPS-003").replace("kind: rule\n", "") + "kind: rule\n", encoding="utf-8")
    proc = run(root, "fmt")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    said = proc.stdout + proc.stderr
    for name in ("fifo.yaml", "zero.yaml", "dangling.yaml", "loop.yaml"):
        assert name in said, said
    assert "named pipe" in said and "device" in said
    assert messy.read_text(encoding="utf-8").startswith("kind: rule\n")  # formatted all the same


def test_a_file_larger_than_the_limit_is_refused_without_reading_it_all(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    text, findings = read_text(big, "big.yaml")
    assert text is None and findings[0].code == "GL008"
