"""`guidelines init`: scaffold a working guideline repository.

The files are real templates in `guidelines_tool/data/init/` (shipped as package data), copied with
three substitutions: the project name for `__PROJECT_NAME__`; in the CI workflow, where CI installs
the tool from for `__GUIDELINES_TOOL__` (install_source.py: the source this copy was installed
from); and a leading `dot-` in a path part for `.` (package-data globs skip dot files, so `.github/`
is stored as `dot-github/`). The JSON Schemas are written to `schemas/` from
`schema.schema_texts()`, so the editor modelines and `.vscode/settings.json` point at files that
exist.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from guidelines_tool.errors import GuidelinesError
from guidelines_tool.formatting import write_atomic
from guidelines_tool.install_source import InstallSource, install_source, workflow_env

PLACEHOLDER = "__PROJECT_NAME__"
TOOL_PLACEHOLDER = "  GUIDELINES_TOOL: __GUIDELINES_TOOL__\n"  # the whole line: a comment goes with it
WORKFLOW = ".github/workflows/guidelines.yml"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Scaffold:
    """What `init` wrote: the target folder and the files, relative posix paths, sorted."""

    root: Path
    files: tuple[str, ...]
    tool: InstallSource  # where the CI workflow installs guidelines_tool from


def template_files() -> dict[str, str]:
    """Relative target path → template text, for every file of the scaffold (schemas excluded)."""
    base = resources.files("guidelines_tool").joinpath("data", "init")
    return dict(sorted(_walk(base, PurePosixPath())))


def _walk(folder: Traversable, prefix: PurePosixPath):
    for entry in folder.iterdir():
        name = "." + entry.name[4:] if entry.name.startswith("dot-") else entry.name
        if entry.is_dir():
            yield from _walk(entry, prefix / name)
        elif entry.is_file():
            yield str(prefix / name), entry.read_text(encoding="utf-8")


def scaffold_files(name: str, tool: InstallSource | None = None) -> dict[str, str]:
    """Every file `init` writes, with its content: templates filled in, plus the schemas.

    `tool`: where the workflow installs guidelines_tool from (default: where this copy came from).
    """
    from guidelines_tool.schema import schema_texts

    files = {path: fill(path, text, name) for path, text in template_files().items()}
    files[WORKFLOW] = files[WORKFLOW].replace(TOOL_PLACEHOLDER, workflow_env(tool or install_source()))
    for kind, text in schema_texts().items():
        files[f"schemas/{kind}.schema.json"] = text if text.endswith("\n") else text + "\n"
    return dict(sorted(files.items()))


def fill(path: str, text: str, name: str) -> str:
    """Put the project name in; in YAML quoted when it would not read back as the same string."""
    value = yaml_scalar(name) if path.endswith(YAML_SUFFIXES) else name
    return text.replace(PLACEHOLDER, value)


def yaml_scalar(value: str) -> str:
    """`value` as a YAML flow scalar: plain when that is safe in YAML 1.1 and 1.2, else JSON-quoted."""
    plain_safe = (
        re.fullmatch(r"[A-Za-z][\w .()'/&+-]*", value)
        and not value.endswith((" ", ":"))
        and value.lower() not in {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}
    )
    return value if plain_safe else json.dumps(value, ensure_ascii=False)


def default_name(target: Path) -> str:
    """A readable project name from the folder name: `retail-photos` → `Retail photos`."""
    words = re.sub(r"[-_.]+", " ", target.resolve().name).strip()
    return (words[:1].upper() + words[1:]) if words else "Annotation guidelines"


def init_project(
    target: Path, *, name: str | None = None, force: bool = False, tool: InstallSource | None = None
) -> Scaffold:
    """Write the scaffold into `target` (created if missing).

    Refuses, before writing anything, when a file it would write already exists (unless `force`).
    """
    if target.exists() and not target.is_dir():
        raise GuidelinesError(f"{target} exists and is not a folder")
    tool = tool or install_source()
    files = scaffold_files(name or default_name(target), tool)
    blocked = [path for path in files if _blocked(target, path)]
    if blocked:
        raise GuidelinesError(
            f"cannot write {blocked[0]} in {target}: a folder or file is in the way; nothing was written"
        )
    existing = [path for path in files if (target / path).exists()]
    if existing and not force:
        shown = ", ".join(existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise GuidelinesError(
            f"{target} already has {shown}; nothing was written (use --force to overwrite these files)"
        )
    for path, text in files.items():
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.exists():
            write_atomic(destination, text)
        else:
            destination.write_text(text, encoding="utf-8")
    return Scaffold(target, tuple(files), tool)


def _blocked(target: Path, path: str) -> bool:
    """A folder where the file goes, or a file where one of its folders goes."""
    destination = target / path
    if destination.is_dir():
        return True
    return any(parent.exists() and not parent.is_dir() for parent in destination.parents)
