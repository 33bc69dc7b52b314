"""Test helper: write a small, valid guideline project into a folder, with files replaced or added."""

from __future__ import annotations

from pathlib import Path

PROJECT = "kind: project\nname: Test guidelines\n"
TASK = """\
kind: task
id: pps
title: Primary subject of product photos
labels:
  - {id: product, name: Product}
  - {id: person, name: Person}
  - {id: packaging, name: Packaging}
"""
RULE = """\
kind: rule
id: PPS-001
task: pps
title: The product wins
labels: [product, person]
decision: product
when: Both are in focus.
examples:
  - {input: Model holds a bag, label: product}
"""
BASE = {
    "guidelines.yaml": PROJECT,
    "guidelines/pps/task.yaml": TASK,
    "guidelines/pps/rules/PPS-001.yaml": RULE,
}


def write_project(root: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """The base project plus `files` (path → text or bytes; None removes a base file)."""
    content: dict[str, str | bytes | None] = {**BASE, **(files or {})}
    for rel, text in content.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="")
    return root
