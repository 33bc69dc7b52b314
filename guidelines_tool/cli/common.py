"""What several command families share beyond options: finding the project, printing warnings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
