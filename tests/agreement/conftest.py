"""Shared by the agreement tests: the published worked examples (shared/vectors), random
ratings, and the annotation files and projects the report tests read."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from guidelines_tool.agreement import Ratings, encode
from guidelines_tool.project import load_project


def _vectors_dir() -> Path | None:
    # The published vectors live in shared/ beside the clone (walk up to find them, so new ones
    # are picked up); tests/data/vectors is a copy, so a clone on its own still runs them all.
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "vectors"
        if candidate.is_dir():
            return candidate
    bundled = Path(__file__).resolve().parents[1] / "data" / "vectors"
    return bundled if bundled.is_dir() else None


VECTORS = _vectors_dir()
VECTOR_FILES = sorted(VECTORS.glob("*.json")) if VECTORS else []
DATA = Path(__file__).resolve().parents[1] / "data"

# names the vectors use for coefficients the package calls otherwise
ALIASES = {"bennett_S": "brennan_prediger"}


def _load_vector(path: Path) -> tuple[dict, Ratings]:
    spec = json.loads(path.read_text())
    with open(path.parent / spec["data_file"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    cast = int if spec.get("value_type") == "int" else str
    values = [cast(r["value"]) for r in rows]
    domain = spec.get("ordered_domain") or spec.get("categories")
    categories = [cast(v) for v in domain] if domain else None
    ratings = encode([r["unit"] for r in rows], [r["coder"] for r in rows], values,
                     categories=categories)
    return spec, ratings


def _vector_entries() -> list:
    """(path, index) of every expected value of every published vector."""
    cases = []
    for path in VECTOR_FILES:
        spec = json.loads(path.read_text())
        for k, exp in enumerate(spec["expected"]):
            detail = exp.get("metric") or exp.get("weights") or ""
            cases.append(pytest.param((path, k),
                                      id=f"{path.stem}-{exp['coefficient']}-{detail}-{k}"))
    return cases


def _printed_statistics(checked: tuple[str, ...], not_reproduced: dict) -> list:
    """(path, index, field) of every statistic in `checked` that a vector entry prints; those
    in `not_reproduced` ((vector, index, field) → why) run as strict expected failures."""
    cases = []
    for path in VECTOR_FILES:
        spec = json.loads(path.read_text())
        for k, entry in enumerate(spec["expected"]):
            for field in checked:
                if field not in entry:
                    continue
                marks = ()
                why = not_reproduced.get((path.stem, k, field))
                if why:
                    marks = (pytest.mark.xfail(reason=why, strict=True),)
                cases.append(pytest.param((path, k, field), marks=marks,
                                          id=f"{path.stem}-{entry['coefficient']}-{k}-{field}"))
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `vector_entry` runs once per expected value of every published
    vector, as (vector file, index of the entry); one that takes `printed_statistic` once per
    printed statistic its module lists in CHECKED, as (vector file, index, field), with the
    module's NOT_REPRODUCED entries as strict expected failures."""
    if "vector_entry" in metafunc.fixturenames:
        metafunc.parametrize("vector_entry", _vector_entries())
    if "printed_statistic" in metafunc.fixturenames:
        module = metafunc.module
        metafunc.parametrize("printed_statistic",
                             _printed_statistics(module.CHECKED, module.NOT_REPRODUCED))


def _random_ratings(seed: int, *, n_items=60, n_annotators=4, q=5, missing=0.25) -> Ratings:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n_items)
    items, annotators, values = [], [], []
    for i in range(n_items):
        for a in range(n_annotators):
            if rng.random() < missing:
                continue
            v = truth[i] if rng.random() < 0.6 else rng.integers(0, q)
            items.append(i)
            annotators.append(a)
            values.append(int(v) + 1)
    return encode(items, annotators, values, categories=list(range(1, q + 1)))


def _reliability_matrix(r: Ratings) -> np.ndarray:
    m = np.full((r.n_annotators, r.n_items), np.nan)
    m[r.annotator, r.item] = r.scores()[r.value]
    return m


@pytest.fixture(scope="session")
def vectors_dir() -> Path | None:
    """The folder of published vectors (None when there is none)."""
    return VECTORS


@pytest.fixture(scope="session")
def vector_files() -> list[Path]:
    """The published vectors' JSON files, sorted."""
    return VECTOR_FILES


@pytest.fixture
def printed_statistics(request: pytest.FixtureRequest) -> list:
    """What `printed_statistic` runs over for the requesting module (pytest.param objects):
    a meta-test checks that it is not silently empty."""
    return _printed_statistics(request.module.CHECKED, request.module.NOT_REPRODUCED)


@pytest.fixture(scope="session")
def load_vector() -> Callable[[Path], tuple[dict, Ratings]]:
    """A vector's spec and its ratings."""
    return _load_vector


@pytest.fixture(scope="session")
def aliases() -> dict[str, str]:
    """Names the vectors use for coefficients the package calls otherwise."""
    return ALIASES


@pytest.fixture(scope="session")
def random_ratings() -> Callable[..., Ratings]:
    """random_ratings(seed, *, n_items, n_annotators, q, missing): items with a true category
    that each annotator gives 60 % of the time, `missing` of the judgements absent."""
    return _random_ratings


@pytest.fixture(scope="session")
def reliability_matrix() -> Callable[[Ratings], np.ndarray]:
    """Annotators × items matrix of the ratings' numeric values (NaN: not rated), as the
    krippendorff package takes it."""
    return _reliability_matrix


@pytest.fixture(scope="session")
def annotation_data() -> Path:
    """tests/data/annotations: small annotation and gold files of every format."""
    return DATA / "annotations"


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
    tests/annotations/conftest.py."""

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
