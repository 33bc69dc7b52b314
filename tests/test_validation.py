"""validation.validate's `overlay`: text that stands in for files on disk (an editor's buffers)."""

from __future__ import annotations

from pathlib import Path

from guideline_project import RULE, write_project
from guidelines_tool.validation import validate

RULE_FILE = "guidelines/pps/rules/PPS-001.yaml"


def lines(result) -> list[str]:
    return [f"{f.path}:{f.line}:{f.column}: {f.code}" for f in result.findings]


def test_overlay_text_is_checked_instead_of_the_file(tmp_path: Path):
    root = write_project(tmp_path)
    broken = RULE.replace("decision: product", "decision: prodct")
    assert lines(validate(root, overlay={RULE_FILE: broken})) == [f"{RULE_FILE}:6:11: GL206", f"{RULE_FILE}:6:11: GL207"]
    assert validate(root).findings == []  # the disk is untouched


def test_overlay_keys_may_be_absolute_paths(tmp_path: Path):
    root = write_project(tmp_path)
    broken = RULE.replace("decision: product", "decision: prodct")
    assert lines(validate(root, overlay={root / RULE_FILE: broken})) == [f"{RULE_FILE}:6:11: GL206", f"{RULE_FILE}:6:11: GL207"]


def test_an_unsaved_new_file_in_the_guideline_folder_is_read(tmp_path: Path):
    root = write_project(tmp_path)
    copy = "guidelines/pps/rules/copy.yaml"
    found = lines(validate(root, overlay={copy: RULE}))
    assert found == [f"{RULE_FILE}:2:5: GL202", f"{copy}:2:5: GL202"]


def test_an_overlay_file_outside_the_guideline_folder_is_not_a_guideline_file(tmp_path: Path):
    root = write_project(tmp_path)
    assert validate(root, overlay={"docs/notes.yaml": "kind: rule\n"}).findings == []


def test_the_config_can_come_from_the_overlay(tmp_path: Path):
    root = write_project(tmp_path, {RULE_FILE: RULE.replace("decision: product", "decision: prodct")})
    config = "kind: project\nname: Test guidelines\nlint:\n  disable: [unknown-label, GL207]\n"
    assert validate(root, overlay={"guidelines.yaml": config}).findings == []


def test_an_overlay_over_the_size_limit_is_refused_like_the_file(tmp_path: Path):
    root = write_project(tmp_path)
    huge = RULE + "# " + "x" * (10 * 1024 * 1024) + "\n"
    assert lines(validate(root, overlay={RULE_FILE: huge})) == [f"{RULE_FILE}:1:1: GL008"]
