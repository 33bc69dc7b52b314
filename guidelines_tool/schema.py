"""The JSON Schemas (project, task, rule, annotation) and validation of documents against them.

`schemas/` at the repo top is the source of truth; a built wheel carries a copy inside the
package (see setup.py), so the same call works from a source checkout and an installed wheel.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

KINDS: tuple[str, ...] = ("project", "task", "rule", "annotation")
_SOURCE_DIR = Path(__file__).resolve().parent.parent / "schemas"


def schema_file_name(kind: str) -> str:
    return f"{kind}.schema.json"


@cache
def schema_texts() -> dict[str, str]:
    """Kind → JSON text of its schema, from the package data (or the source tree)."""
    return {kind: _read(schema_file_name(kind)) for kind in KINDS}


def schema_for(kind: str) -> dict[str, Any]:
    """The parsed schema of one kind (a fresh copy: callers may not share it)."""
    return json.loads(schema_texts()[kind])


def _read(name: str) -> str:
    packaged = resources.files("guidelines_tool").joinpath("schemas", name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (_SOURCE_DIR / name).read_text(encoding="utf-8")
