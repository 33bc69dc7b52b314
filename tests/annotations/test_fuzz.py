"""The readers under a mutation fuzzer (fuzzing.py): a few thousand mutated files per format,
each read as `agreement` reads it, must give the tool's own error or a table that loses
nothing; never a traceback, a crash or a hang. Each format runs in a child process, so that a
crash (pyarrow's were segmentation faults) or a hang fails the test and names the case.

GUIDELINES_FUZZ_CASES and GUIDELINES_FUZZ_SEED run more cases, or other ones, by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.annotations.fuzzing import FORMATS

ROOT = Path(__file__).resolve().parents[2]
CASES = int(os.environ.get("GUIDELINES_FUZZ_CASES", "2000"))
SEED = int(os.environ.get("GUIDELINES_FUZZ_SEED", "0"))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_mutated_files_give_a_clear_error_or_lose_nothing(fmt: str, tmp_path: Path) -> None:
    progress = tmp_path / "current-case"
    command = [sys.executable, "-m", "tests.annotations.fuzzing", fmt, str(CASES), str(SEED),
               "--keep", str(tmp_path / "failed"), "--progress", str(progress)]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=60 + CASES * 0.25)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung on {progress.with_suffix('.name').read_text()} (input: {progress})")
    if done.returncode < 0:
        pytest.fail(f"crashed (signal {-done.returncode}) on "
                    f"{progress.with_suffix('.name').read_text()} (input: {progress})")
    failures = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and not failures, (
        f"{len(failures)} of {CASES} cases failed (inputs in {tmp_path / 'failed'}):\n"
        + "\n".join(json.dumps(f) for f in failures[:10]) + done.stderr[-2000:])
