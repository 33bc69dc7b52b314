"""The project on disk: its root found from anywhere inside it, its config read (with defaults
and findings when broken), its files found and assembled into one Project."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidelines_tool.errors import ConfigError
from guidelines_tool.project import CONFIG_NAME, find_root, guideline_files, load_project, read_config, read_project

SAMPLE = Path(__file__).resolve().parent.parent / "sample_guidelines"


def test_the_root_is_found_from_a_folder_or_a_file_inside_it(guideline_project, tmp_path):
    root = guideline_project(tmp_path / "project")
    assert find_root(root) == root.resolve()
    assert find_root(root / "guidelines" / "pps" / "rules") == root.resolve()
    assert find_root(root / "guidelines" / "pps" / "task.yaml") == root.resolve()


def test_no_root_is_a_config_error_that_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"no guidelines.yaml found in .* or any parent folder \(run `guidelines init`"):
        find_root(tmp_path)


def test_the_config_is_read_with_its_findings(guideline_project, tmp_path):
    root = guideline_project(files={CONFIG_NAME: "kind: project\nname: P\nguidelines: rules-here\n"})
    config, findings = read_config(root)
    assert (config.name, config.guidelines, findings) == ("P", "rules-here", [])
    (root / CONFIG_NAME).write_text("kind: project\nname: [unclosed\n", encoding="utf-8")
    config, findings = read_config(root)
    assert config.guidelines == "guidelines"  # the defaults, and the reason
    assert [(f.path, f.code) for f in findings] == [(CONFIG_NAME, "GL001")]
    (root / CONFIG_NAME).unlink()
    with pytest.raises(ConfigError, match="guidelines.yaml does not exist"):
        read_config(root)


def test_guideline_files_are_the_yaml_files_under_the_folder_in_order(guideline_project):
    root = guideline_project(files={"guidelines/pps/rules/b.yml": "kind: rule\n", "guidelines/pps/notes.md": "x",
                                    "guidelines/a.yaml": "kind: task\n"})
    config, _ = read_config(root)
    assert [p.relative_to(root).as_posix() for p in guideline_files(root, config)] == [
        "guidelines/a.yaml", "guidelines/pps/rules/PPS-001.yaml", "guidelines/pps/rules/b.yml", "guidelines/pps/task.yaml"]
    (root / CONFIG_NAME).write_text("kind: project\nname: P\nguidelines: missing\n", encoding="utf-8")
    assert guideline_files(root, read_config(root)[0]) == []


def test_load_and_read_project_assemble_the_same_rules(guideline_project):
    """validate reads the config as one of the project's files (a finding when broken); the other
    commands load the project around it (an error when it is missing)."""
    root = guideline_project()
    loaded = load_project(root)
    parsed, read = read_project(root)
    assert [rule.id for rule in loaded.rules] == [rule.id for rule in read.rules] == ["PPS-001"]
    assert loaded.files == ("guidelines/pps/rules/PPS-001.yaml", "guidelines/pps/task.yaml")
    assert read.files == (CONFIG_NAME, *loaded.files) and parsed[0].path == CONFIG_NAME
    assert read.kinds[CONFIG_NAME] == "project"
    (root / CONFIG_NAME).unlink()
    with pytest.raises(ConfigError):
        load_project(root)
    _, read = read_project(root)
    assert [(f.path, f.code) for f in read.load_findings] == [(CONFIG_NAME, "GL009")]


def test_sample_project_loads_without_findings():
    project = load_project(SAMPLE)
    assert project.load_findings == ()
    assert len(project.rules) >= 25


def test_task_agreement_block_overrides_project_policy_field_by_field(tmp_path):
    """A task that sets only `target` keeps the project's confidence and bootstrap, not the defaults."""
    (tmp_path / "guidelines.yaml").write_text(
        "kind: project\nname: p\nagreement: {confidence: 0.9, bootstrap: 500, min_items: 12}\n", encoding="utf-8")
    (tmp_path / "guidelines").mkdir()
    (tmp_path / "guidelines" / "t.yaml").write_text(
        "kind: task\nid: t\ntitle: T\nlabels: [{id: a}, {id: b}]\nagreement: {target: 0.7}\n", encoding="utf-8")
    project = load_project(tmp_path)
    policy = project.policy_for("t")
    assert (policy.confidence, policy.bootstrap, policy.min_items, policy.target) == (0.9, 500, 12, 0.7)
    assert project.config.agreement.target == 0.8  # the project keeps its own (default) target
    assert project.tasks["t"].content()["agreement"] == {
        "metric": "krippendorff_alpha", "confidence": 0.95, "bootstrap": 2000, "min_items": 30, "target": 0.7,
        "fdr": 0.05}
