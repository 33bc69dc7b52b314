"""The VS Code extension in editors/vscode/ builds with the npm registry alone: `npm ci`, the
TypeScript compile and `vsce package` give a .vsix that carries the client library. Skipped where
npm is not installed."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "editors" / "vscode"
NPM = shutil.which("npm")


@pytest.mark.slow
@pytest.mark.skipif(NPM is None, reason="npm is not installed")
def test_the_extension_builds_into_a_vsix(tmp_path: Path):
    build = tmp_path / "vscode"
    shutil.copytree(SOURCE, build, ignore=shutil.ignore_patterns("node_modules", "out", "*.vsix"))

    def run(*command: str) -> None:
        done = subprocess.run(command, cwd=build, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    run(NPM, "ci", "--no-audit", "--no-fund")
    run(NPM, "run", "compile")
    run(NPM, "run", "package")
    (vsix,) = build.glob("*.vsix")
    names = zipfile.ZipFile(vsix).namelist()
    assert "extension/out/extension.js" in names
    assert "extension/node_modules/vscode-languageclient/package.json" in names
    assert not any(name.startswith("extension/src/") for name in names)
