"""`guidelines new-rule`: next free id, a skeleton that validates, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from guidelines_tool.authoring import next_rule_id, new_rule
from guidelines_tool.cli import cli
from guidelines_tool.model import Project, ProjectConfig, Rule, Task
from guidelines_tool.project import load_project
from guidelines_tool.scaffold import init_project

CASES = YAML(typ="safe", pure=True).load((Path(__file__).parent / "data" / "new_rule_ids.yaml").read_text())
RULES_DIR = Path("guidelines/review-sentiment/rules")


def load(path: Path):
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_next_rule_id(case):
    tasks = {task: Task(task, task) for task in {*case["rules"].values(), case["task"]}}
    rules = tuple(Rule(rule_id, task, rule_id) for rule_id, task in case["rules"].items())
    project = Project(Path("."), ProjectConfig(), tasks, rules)
    assert next_rule_id(project, case["task"]) == case["expect"]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    init_project(tmp_path, name="Reviews")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_writes_the_next_rule_and_prints_its_path(project):
    result = CliRunner().invoke(cli, ["new-rule", "--task", "review-sentiment", "--title", "Emoji: the words win"])
    assert result.exit_code == 0, result.output
    assert result.stdout == str(RULES_DIR / "RS-003.yaml") + "\n"
    assert "RS-003" in result.stderr
    rule = load(project / RULES_DIR / "RS-003.yaml")
    assert rule["id"] == "RS-003"
    assert rule["task"] == "review-sentiment"
    assert rule["title"] == "Emoji: the words win"
    assert rule["status"] == "draft"
    assert rule["labels"] == ["positive", "negative"]
    assert rule["decision"] == "positive"
    assert rule["when"].strip()
    assert rule["examples"][0]["label"] == "positive"
    assert rule["counterexamples"][0]["label"] == "negative"
    again = CliRunner().invoke(cli, ["new-rule", "--task", "review-sentiment"])
    assert again.stdout == str(RULES_DIR / "RS-004.yaml") + "\n"


def test_the_new_rule_validates_and_is_formatted(project):
    CliRunner().invoke(cli, ["new-rule", "--task", "review-sentiment"])
    result = CliRunner().invoke(cli, ["validate", "--strict", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["rules"] == 3
    assert CliRunner().invoke(cli, ["fmt", "--check"]).exit_code == 0


def test_the_modeline_points_at_the_rule_schema(project):
    created = new_rule(project, "review-sentiment")
    first = created.path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../../schemas/rule.schema.json"
    assert (created.path.parent / "../../../schemas/rule.schema.json").resolve() == (project / "schemas" / "rule.schema.json").resolve()
    assert not any("schema" in note for note in created.notes)


def test_a_file_elsewhere_gets_its_own_relative_modeline(project):
    created = new_rule(project, "review-sentiment", path=Path("guidelines/review-sentiment/more/deep/x.yaml"))
    first = created.path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../../../schemas/rule.schema.json"
    assert load_project(project).rule("RS-003") is not None


def test_a_file_outside_the_guideline_folder_gets_a_note(project):
    result = CliRunner().invoke(cli, ["new-rule", "--task", "review-sentiment", "--file", "drafts/RS.yaml"])
    assert result.exit_code == 0
    assert "outside the guideline folder" in result.stderr
    assert (project / "drafts" / "RS.yaml").is_file()


def test_schemas_found_above_the_project(tmp_path):
    """A sample project inside the tool's repository uses the repository's schemas/."""
    init_project(tmp_path)
    (tmp_path / "sample").mkdir()
    for name in ("guidelines.yaml", "guidelines"):
        (tmp_path / name).rename(tmp_path / "sample" / name)
    created = new_rule(tmp_path / "sample", "review-sentiment")
    target = re.search(r"\$schema=(\S+)", created.path.read_text())[1]
    assert (created.path.parent / target).resolve() == (tmp_path / "schemas" / "rule.schema.json").resolve()


def test_missing_schemas_are_noted(tmp_path, monkeypatch):
    init_project(tmp_path)
    for schema in (tmp_path / "schemas").iterdir():
        schema.unlink()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["new-rule", "--task", "review-sentiment"])
    assert result.exit_code == 0
    assert "guidelines schema -o" in result.stderr


def test_unknown_task_is_a_usage_error(project):
    result = CliRunner().invoke(cli, ["new-rule", "--task", "nope"])
    assert result.exit_code == 2
    assert "unknown task 'nope'" in result.stderr and "review-sentiment" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in (project / RULES_DIR).iterdir()) == ["RS-001.yaml", "RS-002.yaml"]


def test_an_existing_file_is_not_overwritten(project):
    target = project / RULES_DIR / "mine.yaml"
    target.write_text("# mine\n")
    result = CliRunner().invoke(cli, ["new-rule", "--task", "review-sentiment", "--file", str(target)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert target.read_text() == "# mine\n"


def test_outside_a_project_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["new-rule", "--task", "t"])
    assert result.exit_code == 2
    assert "guidelines init" in result.stderr


@pytest.mark.parametrize("title", ["no", "Equal focus — the product wins", "a: b # c", "'quoted' \"twice\"", "1e3"])
def test_any_title_reads_back(project, title):
    created = new_rule(project, "review-sentiment", title=title)
    assert load(created.path)["title"] == title


def test_a_task_with_one_label_gets_no_counterexample(tmp_path):
    init_project(tmp_path)
    task_file = tmp_path / "guidelines" / "solo" / "task.yaml"
    task_file.parent.mkdir()
    task_file.write_text("kind: task\nid: solo\ntitle: Solo\nlabels:\n  - id: yes-label\n    name: Yes\n")
    created = new_rule(tmp_path, "solo")
    assert created.rule_id == "SOL-001"
    rule = load(created.path)
    assert rule["labels"] == ["yes-label"] and "counterexamples" not in rule
    assert load_project(tmp_path).load_findings == ()


def test_ids_of_deleted_rules_are_not_reused(make_repo, tmp_path, monkeypatch):
    init_project(tmp_path, name="Reviews")
    repo = make_repo(tmp_path)
    repo.commit("scaffold")
    monkeypatch.chdir(tmp_path)
    created = new_rule(tmp_path, "review-sentiment")
    assert created.rule_id == "RS-003"
    repo.commit("add RS-003")
    repo.commit("drop RS-003 again", {str(RULES_DIR / "RS-003.yaml"): None})
    again = new_rule(tmp_path, "review-sentiment")
    assert again.rule_id == "RS-004"
    assert again.notes == ()


def test_outside_git_the_history_check_is_noted(project):
    created = new_rule(project, "review-sentiment")
    assert any("not checked" in note and "git" in note for note in created.notes)


def test_the_rule_goes_where_the_tasks_rules_already_live(project):
    moved = project / "guidelines" / "all-rules"
    moved.mkdir()
    for rule in (project / RULES_DIR).iterdir():
        rule.rename(moved / rule.name)
    created = new_rule(project, "review-sentiment")
    assert created.path == moved / "RS-003.yaml"


def test_a_new_rule_switched_to_active_with_its_template_text_is_a_finding(guideline_project, tmp_path: Path):
    # issue 17 item 11: the skeleton validates as a draft; made active unedited it must not pass
    from guidelines_tool.validation import validate

    root = guideline_project(tmp_path)
    created = new_rule(root, "pps")
    assert [f.code for f in validate(root).findings if f.path.endswith(created.path.name)] == []
    text = created.path.read_text(encoding="utf-8")
    assert "status: draft" in text
    created.path.write_text(text.replace("status: draft", "status: active"), encoding="utf-8")
    found = [f for f in validate(root).findings if f.code == "GL212"]
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].path == created.path.relative_to(root).as_posix()
    assert "title, when, rationale, examples[0].input, examples[0].why" in found[0].message
    assert validate(root).exit_code() == 1
