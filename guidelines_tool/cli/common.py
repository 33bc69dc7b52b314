"""What several command families share beyond options: finding the project, printing warnings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

if TYPE_CHECKING:
    from guidelines_tool.model import Finding, Project


def project_root(path: Path | None = None) -> Path:
    """The project folder around `path` (default: the current folder); ConfigError outside one."""
    from guidelines_tool.project import find_root

    return find_root(path)


def optional_project() -> Project | None:
    """The guideline project around the working directory, or None outside one."""
    from guidelines_tool.errors import ConfigError
    from guidelines_tool.project import find_root

    try:
        root = find_root()
    except ConfigError:
        return None
    from guidelines_tool.project import load_project

    return load_project(root)


def warn_finding(finding: Finding) -> None:
    """A problem that does not stop the command (an unparsable old version), on stderr."""
    click.echo(f"warning: {finding.path}:{finding.line}:{finding.column}: {finding.message}", err=True)


def use_color(mode: str, stream: IO[str]) -> bool:
    """Whether to colour what goes to `stream`: `always` and `never` say so; `auto` colours a
    terminal only, and not when NO_COLOR is set to anything but the empty string (no-color.org:
    an explicit `--color always` still wins) or TERM is `dumb`."""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
