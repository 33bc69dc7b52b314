"""How the user ran this tool, so that a command it prints (the demo's closing hint, its README)
runs as printed from where the user is.

`guidelines` is often not on PATH: the README's first command installs it into `.venv/bin` and
runs it by that path. A printed `guidelines impact ...` would then fail with "command not found".
So: the bare name when PATH finds this very script; the path as typed when it does not (seen
from the folder the printed command changes into); `python -m guidelines_tool` for a module run.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

NAME = "guidelines"
PACKAGE = "guidelines_tool"


@dataclass(frozen=True)
class Invocation:
    """The words that run the tool again from the current folder, and whether PATH finds it."""

    argv: tuple[str, ...]
    on_path: bool

    def from_folder(self, folder: Path) -> str:
        """The command as a shell would take it after `cd folder`: a relative script path is
        made relative to that folder when the folder is relative too (as the user typed both),
        absolute otherwise; words are shell-quoted."""
        first, *rest = self.argv
        if os.sep in first and not os.path.isabs(first):
            first = (os.path.relpath(first, folder) if not Path(folder).is_absolute()
                     else os.path.abspath(first))
        return " ".join(shlex.quote(word) for word in (first, *rest))


def invocation(argv0: str | None = None, *, path: str | None = None,
               executable: str | None = None) -> Invocation:
    """How this process was started (`argv0`: default sys.argv[0]; `path`: default $PATH;
    `executable`: default sys.executable), as words to run the tool again."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    script = Path(argv0)
    if script.name == "__main__.py" and script.parent.name == PACKAGE:  # python -m guidelines_tool
        # the same path, not the same file: a virtual environment's python is a link to the
        # system's, which does not have the tool
        python = Path(executable).name
        found = shutil.which(python, path=path)
        same = found is not None and os.path.abspath(found) == os.path.abspath(executable)
        return Invocation((python if same else executable, "-m", PACKAGE), on_path=True)
    if script.stem == NAME:  # the console script (guidelines, guidelines.exe)
        if _same(shutil.which(NAME, path=path), argv0):
            return Invocation((NAME,), on_path=True)
        return Invocation((argv0,), on_path=False)
    # run from another program (a test runner, a notebook): nothing better than the name
    return Invocation((NAME,), on_path=shutil.which(NAME, path=path) is not None)


def _same(found: str | None, path: str) -> bool:
    try:
        return found is not None and os.path.samefile(found, path)
    except OSError:
        return False
