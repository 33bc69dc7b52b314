"""Finding and reading `guidelines.yaml`, the project config (kind: project)."""

from __future__ import annotations

from pathlib import Path

from guidelines_tool.errors import ConfigError
from guidelines_tool.model import Finding, ProjectConfig

CONFIG_NAME = "guidelines.yaml"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` that holds `guidelines.yaml`."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_NAME} found in {here} or any parent folder "
        "(run `guidelines init` to create a guideline project)"
    )


def read_config(root: Path) -> tuple[ProjectConfig, list[Finding]]:
    """The project config, and the findings reading it produced (defaults where it is broken)."""
    from guidelines_tool.loading import parse_file_text, read_text

    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"{path} does not exist")
    text, findings = read_text(path, CONFIG_NAME)
    if text is None:
        return ProjectConfig(), findings
    parsed = parse_file_text(text, CONFIG_NAME)
    return parsed.project or ProjectConfig(), parsed.findings
