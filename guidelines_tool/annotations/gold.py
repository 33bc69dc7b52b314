"""Gold files: adjudicated labels (`item,label[,task]`), read and checked like annotations."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from guidelines_tool.annotations.chunk import finding, shown
from guidelines_tool.annotations.encoding import _text
from guidelines_tool.annotations.reading import _read_file, detect_format
from guidelines_tool.errors import DataError
from guidelines_tool.model import Finding, Project


@dataclass(frozen=True)
class Gold:
    """Adjudicated labels: item id → label (for one task; a multi-label task's set `;`-joined), the
    `extra` columns asked for (column → item → value), and the findings reading produced."""

    labels: dict[str, str]
    problems: list[Finding]
    extra: dict[str, dict[str, str]] = field(default_factory=dict)


def read_gold(
    path: Path | str, *, project: Project | None = None, task: str | None = None,
    extra: Sequence[str] = (),
) -> Gold:
    """A gold file (`item,label[,task]`, any supported tabular format), checked like annotations.
    `extra`: further columns to keep per item (a quiz key's `rule`); absent ones are left out."""
    path = Path(path)
    chunk = _read_file(path, detect_format(path), extra=tuple(extra))
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
    kept = {name: _text(chunk.table.column(name)).to_pylist() for name in extra if name in names}
    chosen = project.tasks.get(task) if project and task else None
    allowed = set(chosen.label_ids) if chosen is not None else None
    out: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {name: {} for name in kept}
    for row, (item, label, t, n) in enumerate(zip(items, labels, tasks, chunk.lines.tolist())):
        if task is not None and t and t != task:
            continue
        # a multi-label task's gold is a `;`-joined set, as in annotation CSVs: check each member
        members = label.split(";") if label and chosen is not None and chosen.multi_label else [label]
        unknown = [m for m in members if allowed is not None and m not in allowed]
        if not item or not label:
            problems.append(finding(str(path), n, "empty-item" if not item else
                                    "empty-label", "empty item or label; gold row ignored"))
        elif unknown:
            problems.append(finding(str(path), n, "unknown-label",
                                    f"gold label {shown(unknown[0])} is not in task {task!r}"))
        elif item in out and out[item] != label:
            problems.append(finding(str(path), n, "duplicate",
                                    f"item {shown(item)} has two gold labels; first one kept"))
        else:
            if item not in out:
                for name, values in kept.items():
                    if values[row]:
                        columns[name][item] = values[row]
            out.setdefault(item, label)
    return Gold(out, problems, columns)
