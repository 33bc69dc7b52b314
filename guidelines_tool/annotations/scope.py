"""Scope files: which rules' scope each item is in (`item,scope`), known independently of the
labels annotators chose (item metadata, adjudication). `impact --scope FILE` prefers them to
citations."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from guidelines_tool.annotations.encoding import _text
from guidelines_tool.annotations.reading import _read_file, detect_format
from guidelines_tool.errors import DataError


def read_scope(path: Path | str) -> dict[str, tuple[str, ...]]:
    """Item id -> the rule ids whose scope it is in. Columns `item` and `scope` (or `rules`):
    rule ids, several `;`-joined or on several rows; any supported tabular format. An item the
    file does not list is in no rule's scope."""
    path = Path(path)
    chunk = _read_file(path, detect_format(path))
    names = chunk.table.column_names
    column = "scope" if "scope" in names else "rules" if "rules" in names else None
    if "item" not in names or column is None:
        raise DataError(f"{path}: a scope file needs the columns item and scope (rule ids, ';'-joined); "
                        f"it has {', '.join(names) or 'none'}")
    # NFC like the annotations' item ids, so that the two compare equal
    items = [unicodedata.normalize("NFC", v) if v else v for v in _text(chunk.table.column("item")).to_pylist()]
    rules = _text(chunk.table.column(column)).to_pylist()
    out: dict[str, set[str]] = {}
    for item, joined in zip(items, rules):
        if item:
            out.setdefault(item, set()).update(r.strip() for r in (joined or "").split(";") if r.strip())
    if not out:
        raise DataError(f"{path}: no item in the scope file")
    return {item: tuple(sorted(ids)) for item, ids in out.items()}
