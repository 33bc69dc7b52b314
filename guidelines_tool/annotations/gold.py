"""Gold files: adjudicated labels (`item,label[,task]`), read and checked like annotations."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from guidelines_tool.annotations.chunk import finding
from guidelines_tool.annotations.encoding import _text
from guidelines_tool.annotations.reading import _read_file, detect_format
from guidelines_tool.errors import DataError
from guidelines_tool.model import Finding, Project


@dataclass(frozen=True)
class Gold:
    """Adjudicated labels: item id → label (for one task), and the findings reading produced."""

    labels: dict[str, str]
    problems: list[Finding]


def read_gold(
    path: Path | str, *, project: Project | None = None, task: str | None = None,
) -> Gold:
    """A gold file (`item,label[,task]`, any supported tabular format), checked like annotations."""
    path = Path(path)
    chunk = _read_file(path, detect_format(path))
    problems = list(chunk.problems)
    names = chunk.table.column_names
    missing = [c for c in ("item", "label") if c not in names]
    if missing:
        raise DataError(f"{path}: gold file lacks column(s) {', '.join(missing)}")
    # NFC like the annotations' values, so that gold and judgements compare equal
    items, labels = ([unicodedata.normalize("NFC", v) if v else v
                      for v in _text(chunk.table.column(name)).to_pylist()]
                     for name in ("item", "label"))
    tasks = (_text(chunk.table.column("task")).to_pylist() if "task" in names
             else [None] * len(items))
    allowed = set(project.tasks[task].label_ids) if project and task in project.tasks else None
    out: dict[str, str] = {}
    for item, label, t, n in zip(items, labels, tasks, chunk.lines.tolist()):
        if task is not None and t and t != task:
            continue
        if not item or not label:
            problems.append(finding(str(path), n, "empty-item" if not item else
                                    "empty-label", "empty item or label; gold row ignored"))
        elif allowed is not None and label not in allowed:
            problems.append(finding(str(path), n, "unknown-label",
                                    f"gold label {label!r} is not in task {task!r}"))
        elif item in out and out[item] != label:
            problems.append(finding(str(path), n, "duplicate",
                                    f"item {item!r} has two gold labels; first one kept"))
        else:
            out.setdefault(item, label)
    return Gold(out, problems)
