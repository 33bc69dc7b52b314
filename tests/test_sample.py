"""The bundled sample project stays a coherent, realistic guideline project.

These checks are a cheap, independent safety net beside `guidelines validate` (which also runs on
the sample): they hold the sample to what the docs, the demo and the other tests rely on.
"""

from __future__ import annotations

import csv
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from guidelines_tool.loading import parse_yaml
from guidelines_tool.model import Project, Rule
from guidelines_tool.project import load_project
from guidelines_tool.schema import schema_texts
from guidelines_tool.validation import validate

SAMPLE = Path(__file__).resolve().parent.parent / "sample_guidelines"
SCHEMA_KINDS = {"project", "task", "rule"}


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(SAMPLE)


def _active(project: Project) -> list[Rule]:
    return [rule for rule in project.rules if rule.status == "active"]


def test_loads_without_findings(project: Project) -> None:
    assert project.load_findings == ()
    assert project.config.name == "Retail labeling"
    assert project.config.docs.title == "Retail labeling guidelines"


def test_validates_without_errors_or_warnings() -> None:
    result = validate(SAMPLE)
    assert [str(finding.to_dict()) for finding in result.findings] == []
    assert result.rules >= 25


def test_schema_copies_match_the_tool() -> None:
    """The modelines point at sample_guidelines/schemas/; refresh them with `guidelines schema -o`."""
    for kind, text in schema_texts().items():
        assert (SAMPLE / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8") == text, kind


def test_size_and_spread(project: Project) -> None:
    assert len(project.tasks) >= 2
    assert len(project.rules) >= 25
    assert {"product-photo-subject", "support-ticket-intent"} <= set(project.tasks)
    # most rules live one per file, a few inline in a task file
    inline = [r for r in project.rules if r.source.pointer]
    assert 1 <= len(inline) < len(project.rules) // 2
    statuses = Counter(rule.status for rule in project.rules)
    assert statuses["deprecated"] >= 2 and statuses["draft"] >= 1


def test_rule_ids_unique_and_files_named_by_id(project: Project) -> None:
    ids = [rule.id for rule in project.rules]
    assert len(ids) == len(set(ids))
    for rule in project.rules:
        if not rule.source.pointer:
            assert Path(rule.source.path).stem == rule.id


def test_labels_decisions_and_examples_within_the_task(project: Project) -> None:
    for rule in project.rules:
        assert rule.task in project.tasks, rule.id
        task_labels = set(project.tasks[rule.task].label_ids)
        assert rule.labels and set(rule.labels) <= task_labels, rule.id
        assert rule.decision is None or rule.decision in rule.labels, rule.id
        # a rule's examples and near misses stay within the labels it decides between
        for example in rule.examples + rule.counterexamples:
            assert set(example.labels) <= set(rule.labels), (rule.id, example.input)
            assert example.input and example.why, (rule.id, example.input)


def test_references_resolve(project: Project) -> None:
    ids = {rule.id for rule in project.rules}
    for rule in project.rules:
        for target in rule.overrides + rule.see_also:
            assert target in ids and target != rule.id, (rule.id, target)
        if rule.replaced_by:
            assert rule.replaced_by in ids, rule.id


def test_deprecations(project: Project) -> None:
    for rule in project.rules:
        if rule.status == "deprecated":
            replacement = project.rule(rule.replaced_by or "")
            assert replacement is not None and replacement.status == "active", rule.id
        else:
            assert rule.replaced_by is None, rule.id


def test_active_rules_are_complete(project: Project) -> None:
    deprecated = {rule.id for rule in project.rules if rule.status == "deprecated"}
    for rule in _active(project):
        assert rule.examples, rule.id
        assert rule.when.strip() and rule.rationale.strip(), rule.id
        # an active rule does not lean on a retired one
        assert not (set(rule.overrides) | set(rule.see_also)) & deprecated, rule.id


def test_no_unflagged_conflicts(project: Project) -> None:
    """Two active rules with one scope and different decisions are ordered by `overrides`."""
    for a, b in combinations(_active(project), 2):
        if a.task == b.task and set(a.labels) == set(b.labels) and a.decision != b.decision:
            assert b.id in a.overrides or a.id in b.overrides, (a.id, b.id)


def test_overrides_have_no_cycle(project: Project) -> None:
    edges = {rule.id: set(rule.overrides) for rule in project.rules}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert not [rule_id for rule_id in edges if reaches(rule_id, rule_id, set())]


def test_labels_carry_codebook_fields(project: Project) -> None:
    for task in project.tasks.values():
        assert len(set(task.label_ids)) == len(task.label_ids)
        for label in task.labels:
            assert label.definition and label.include and label.exclude, (task.id, label.id)
        if task.scale == "ordinal":
            values = [label.value for label in task.labels]
            assert None not in values and values == sorted(values), task.id


def test_ambiguous_cases_are_resolved_and_dated(project: Project) -> None:
    cases = [case for rule in project.rules for case in rule.ambiguous_cases]
    assert len(cases) >= 15
    for case in cases:
        assert case.case and case.resolution
        assert len(case.decided) == 10 and case.decided[4] == "-", case


def test_every_yaml_file_declares_kind_and_schema_modeline() -> None:
    for path in [SAMPLE / "guidelines.yaml", *sorted((SAMPLE / "guidelines").rglob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        data, findings = parse_yaml(text, path.name)
        assert not findings and data["kind"] in SCHEMA_KINDS, path
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        # the modeline points at <project root>/schemas/<kind>.schema.json
        target = (path.parent / first[len(prefix):]).resolve()
        assert target == (SAMPLE / "schemas" / f"{data['kind']}.schema.json").resolve(), path


def test_annotation_batches_use_known_tasks_and_labels(project: Project) -> None:
    files = sorted((SAMPLE / "annotations").glob("*.csv"))
    assert files
    ids = {rule.id for rule in project.rules}
    columns = ["item", "annotator", "label", "task", "guideline_rev", "annotated_at", "rules", "batch"]
    pps_items: set[str] = set()
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == columns, path
            rows = list(reader)
        pairs = Counter((row["task"], row["item"], row["annotator"]) for row in rows)
        assert max(pairs.values()) == 1, path
        for row in rows:
            assert row["label"] in project.tasks[row["task"]].label_ids, row
            assert all(rule_id in ids for rule_id in filter(None, row["rules"].split(";"))), row
            if row["task"] == "product-photo-subject":
                pps_items.add(row["item"])
    assert len(pps_items) >= 60


def test_gold_labels_are_known(project: Project) -> None:
    files = sorted((SAMPLE / "gold").glob("*.csv"))
    assert files
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                assert row["label"] in project.tasks[row["task"]].label_ids, row
