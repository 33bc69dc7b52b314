"""Shared by the annotations tests: the data files, a guideline project on disk, and readers of
an AnnotationTable's columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from guidelines_tool.project import load_project

DATA = Path(__file__).resolve().parents[1] / "data" / "annotations"
#: Files as tools and spreadsheets write them, with what reading each must give (cases.json).
ROBUST = DATA / "robust"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `robust_case` runs once per file of tests/data/annotations/robust, as
    (path, expected) from that folder's cases.json."""
    if "robust_case" in metafunc.fixturenames:
        cases = json.loads((ROBUST / "cases.json").read_text())
        names = sorted(cases)
        metafunc.parametrize("robust_case", [(ROBUST / name, cases[name]) for name in names],
                             ids=names)


@pytest.fixture(scope="session")
def annotation_data() -> Path:
    """tests/data/annotations: small annotation and gold files of every format."""
    return DATA


TASK_YAML = """\
kind: task
id: {id}
title: {id}
scale: {scale}
multi_label: {multi}
labels:
{labels}
"""


@pytest.fixture(scope="session")
def make_project() -> Callable:
    """make_project(root, {task_id: (labels, scale, multi_label)}): a real guideline project
    on disk (guidelines.yaml and one task file per task), loaded. The same as in
    tests/agreement/conftest.py."""

    def make(root: Path, tasks: dict[str, tuple[list[str], str, bool]]):
        (root / "guidelines.yaml").write_text("kind: project\nname: Test\n")
        for task_id, (labels, scale, multi) in tasks.items():
            folder = root / "guidelines" / task_id
            folder.mkdir(parents=True)
            body = "".join(f"  - {{id: {lab}, name: {lab}, value: {k}}}\n"
                           for k, lab in enumerate(labels, start=1))
            (folder / "task.yaml").write_text(TASK_YAML.format(
                id=task_id, scale=scale, multi=str(multi).lower(), labels=body))
        return load_project(root)

    return make


def _codes(table, column: str) -> list:
    values = getattr(table, {"item": "items", "annotator": "annotators", "label": "labels",
                             "batch": "batches", "guideline_rev": "revisions"}[column])
    return [values[c] if c >= 0 else None for c in getattr(table, column)]


@pytest.fixture(scope="session")
def codes() -> Callable[..., list]:
    """codes(table, column): a column's values row by row (None where absent)."""
    return _codes


def _rows(table) -> list[tuple]:
    return list(zip(_codes(table, "item"), _codes(table, "annotator"), _codes(table, "label")))


@pytest.fixture(scope="session")
def rows() -> Callable[..., list[tuple]]:
    """rows(table): (item, annotator, label) of each row."""
    return _rows


_CHILD = """
import json, sys
from guidelines_tool.annotations import read_annotations
from guidelines_tool.errors import GuidelinesError
try:
    t = read_annotations([sys.argv[1]], input_format=sys.argv[2] or None)
except GuidelinesError as exc:
    print(json.dumps({"error": str(exc)}))
else:
    values = lambda col, vals: [vals[c] if c >= 0 else None for c in col.tolist()]
    print(json.dumps({
        "rows": list(zip(values(t.item, t.items), values(t.annotator, t.annotators),
                         values(t.label, t.labels))),
        "lines": t.line.tolist(), "summary": t.summary.to_dict(),
        "problems": [[p.line, p.code, p.message] for p in t.problems]}))
"""


@pytest.fixture(scope="session")
def read_in_child() -> Callable[..., dict]:
    """read_in_child(path, input_format=None, timeout=120): read_annotations in a child process,
    for input that once crashed or hung the reader: a crash or a hang fails the test instead of
    ending the test run. Returns rows, lines, summary and problems, or {"error": message}."""
    import subprocess
    import sys

    def run(path: Path, input_format: str | None = None, timeout: float = 120) -> dict:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(path), input_format or ""],
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"reader died with {done.returncode}: {done.stderr[-2000:]}"
        assert not done.stderr, done.stderr[-2000:]
        return json.loads(done.stdout)

    return run
