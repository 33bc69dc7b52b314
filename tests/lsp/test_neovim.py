"""The Neovim set-up the site documents, tried for real: `nvim --headless` loads the configuration
block for its version from docs/getting-started/editors.md, opens a rule file with a misspelt label
and reads back the diagnostics `guidelines lsp` sent. Skipped where nvim is not installed
(`.ci/run` installs Debian's)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "getting-started" / "editors.md"
NVIM = shutil.which("nvim")

HARNESS = """
local file, out = vim.env.GUIDELINES_FILE, vim.env.GUIDELINES_OUT
vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(found, { lnum = d.lnum, col = d.col, message = d.message, severity = d.severity })
end
vim.fn.writefile({ vim.fn.json_encode(found) }, out)
vim.cmd("qa!")
"""


def nvim_version() -> tuple[int, int]:
    first = subprocess.run([NVIM, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    major, minor = re.search(r"v(\d+)\.(\d+)", first).groups()
    return int(major), int(minor)


def documented_config(version: tuple[int, int]) -> str:
    """The page's `lua` block for this Neovim version."""
    blocks = dict(re.findall(r'```lua title="([^"]+)"\n(.*?)```', PAGE.read_text(encoding="utf-8"), re.S))
    if version >= (0, 11):
        return blocks["Neovim 0.11 and later"]
    if version >= (0, 8):
        return blocks["Neovim 0.8 to 0.10"]
    return blocks["Neovim 0.7"]


def test_the_page_documents_every_neovim_version():
    blocks = re.findall(r'```lua title="([^"]+)"', PAGE.read_text(encoding="utf-8"))
    assert blocks == ["Neovim 0.11 and later", "Neovim 0.8 to 0.10", "Neovim 0.7"]


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (apt-get install neovim)")
def test_neovim_shows_the_servers_diagnostics(tmp_path: Path, write_project, base):
    root = write_project(tmp_path / "project", {"guidelines/pps/rules/PPS-001.yaml": base.rule.replace("person]", "persn]")})
    (tmp_path / "init.lua").write_text(documented_config(nvim_version()), encoding="utf-8")
    (tmp_path / "harness.lua").write_text(HARNESS, encoding="utf-8")
    out = tmp_path / "diagnostics.json"
    bin_dir = str(Path(sys.executable).parent)  # where `guidelines` is installed
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "GUIDELINES_FILE": str(root / "guidelines/pps/rules/PPS-001.yaml"), "GUIDELINES_OUT": str(out),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([NVIM, "--headless", "-i", "NONE", "-u", str(tmp_path / "init.lua"),
                           "-c", f"luafile {tmp_path / 'harness.lua'}"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.is_file(), done.stdout + done.stderr
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found == [{"lnum": 4, "col": 18, "severity": 1,
                      "message": "'persn' is not a label of task pps (did you mean 'person'?)"}]
