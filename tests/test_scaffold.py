"""`guidelines init`: the scaffold is complete, consistent, validates clean and builds a site."""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from guidelines_tool.cli import cli
from guidelines_tool.docs.site import build_site
from guidelines_tool.errors import GuidelinesError
from guidelines_tool.install_source import InstallSource
from guidelines_tool.project import load_project
from guidelines_tool.scaffold import default_name, init_project, template_files, yaml_scalar
from guidelines_tool.schema import schema_texts

EXPECTED_FILES = [
    ".github/workflows/guidelines.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".vscode/extensions.json",
    ".vscode/settings.json",
    "docs/contributing.md",
    "guidelines.yaml",
    "guidelines/review-sentiment/rules/RS-001.yaml",
    "guidelines/review-sentiment/rules/RS-002.yaml",
    "guidelines/review-sentiment/task.yaml",
    "mkdocs.yml",
    "schemas/annotation.schema.json",
    "schemas/experiment.schema.json",
    "schemas/project.schema.json",
    "schemas/rule.schema.json",
    "schemas/task.schema.json",
]
GUIDELINE_KIND = {
    "guidelines.yaml": "project",
    "guidelines/review-sentiment/task.yaml": "task",
    "guidelines/review-sentiment/rules/RS-001.yaml": "rule",
    "guidelines/review-sentiment/rules/RS-002.yaml": "rule",
}


def load(path: Path):
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("init") / "retail-photos"
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == EXPECTED_FILES
    return root


def test_writes_every_file(scaffold):
    written = sorted(p.relative_to(scaffold).as_posix() for p in scaffold.rglob("*") if p.is_file())
    assert written == EXPECTED_FILES


def test_name_comes_from_the_folder(scaffold):
    assert load(scaffold / "guidelines.yaml")["name"] == "Retail photos"
    assert load(scaffold / "mkdocs.yml")["site_name"] == "Retail photos"
    assert (scaffold / "docs" / "contributing.md").read_text().startswith("# Changing the Retail photos guidelines\n")


def test_validates_clean_and_is_formatted(scaffold, monkeypatch):
    monkeypatch.chdir(scaffold)
    result = CliRunner().invoke(cli, ["validate", "--strict", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["summary"]["rules"] == 2
    result = CliRunner().invoke(cli, ["fmt", "--check"])
    assert result.exit_code == 0, result.output


def test_project_holds_a_task_with_codebook_and_two_rules(scaffold):
    project = load_project(scaffold)
    assert project.load_findings == ()
    (task,) = project.tasks.values()
    assert len(task.labels) >= 2
    assert all(label.definition and label.include and label.exclude for label in task.labels)
    rules = project.rules_of(task.id)
    assert len(rules) == 2
    assert all(rule.examples for rule in rules)
    assert any(rule.counterexamples for rule in rules)


def test_schemas_are_the_tools_own(scaffold):
    for kind, text in schema_texts().items():
        written = (scaffold / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
        assert json.loads(written) == json.loads(text)


@pytest.mark.parametrize("path", sorted(GUIDELINE_KIND))
def test_guideline_files_start_with_a_modeline_to_their_schema(scaffold, path):
    first = (scaffold / path).read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    target = ((scaffold / path).parent / match[1]).resolve()
    assert target == (scaffold / "schemas" / f"{GUIDELINE_KIND[path]}.schema.json").resolve()
    assert target.is_file()


def test_mkdocs_yml_is_the_agreed_one(scaffold):
    assert load(scaffold / "mkdocs.yml") == {
        "site_name": "Retail photos",
        "docs_dir": "docs",
        "theme": {"name": "material", "font": False, "features": ["content.tabs.link", "search.highlight", "navigation.sections"]},
        "plugins": ["search", "guidelines"],
        "markdown_extensions": [
            "admonition", "pymdownx.details", "pymdownx.superfences",
            {"pymdownx.tabbed": {"alternate_style": True}}, {"toc": {"permalink": True}}, "tables",
        ],
        "extra": {"version": {"provider": "mike"}},  # Material's version picker for `mike deploy`
    }  # fmt: skip
    assert (scaffold / "docs").is_dir()


def test_vscode_maps_the_schemas_and_recommends_the_yaml_extension(scaffold):
    settings = json.loads((scaffold / ".vscode" / "settings.json").read_text())
    assert settings["yaml.schemas"] == {
        "./schemas/project.schema.json": ["guidelines.yaml"],
        "./schemas/task.schema.json": ["guidelines/**/task.yaml"],
        "./schemas/rule.schema.json": ["guidelines/**/rules/*.yaml"],
        "./schemas/experiment.schema.json": ["experiments/*.yaml"],
    }
    for schema in settings["yaml.schemas"]:
        assert (scaffold / schema).is_file()
    extensions = json.loads((scaffold / ".vscode" / "extensions.json").read_text())
    assert "redhat.vscode-yaml" in extensions["recommendations"]


def test_vscode_starts_the_language_server_with_settings_the_extension_declares(scaffold):
    settings = json.loads((scaffold / ".vscode" / "settings.json").read_text())
    assert settings["guidelines.lsp.command"] == ["guidelines", "lsp"]
    extension = json.loads((Path(__file__).parent.parent / "editors/vscode/package.json").read_text())
    declared = extension["contributes"]["configuration"]["properties"]
    for key, value in settings.items():
        if key.startswith("guidelines."):
            assert key in declared, key
            assert isinstance(value, {"array": list, "number": (int, float), "boolean": bool}[declared[key]["type"]])
    result = CliRunner().invoke(cli, [*settings["guidelines.lsp.command"][1:], "--help"])
    assert result.exit_code == 0 and "language server" in result.output


def test_pre_commit_runs_fmt_and_a_serial_validate(scaffold):
    config = load(scaffold / ".pre-commit-config.yaml")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["guidelines-validate"]["require_serial"] is True
    assert hooks["guidelines-validate"]["entry"] == "guidelines validate"
    assert hooks["guidelines-fmt"]["entry"] == "guidelines fmt"
    for hook in hooks.values():
        pattern = re.compile(hook["files"])
        assert pattern.search("guidelines.yaml")
        assert pattern.search("guidelines/review-sentiment/rules/RS-001.yaml")
        assert pattern.search("experiments/pps-007-wording.yaml")
        assert not pattern.search("experiments/pps-007-wording/batch-A.csv")
        assert not pattern.search("mkdocs.yml")


def test_ci_validates_pull_requests_on_full_history(scaffold):
    workflow = load(scaffold / ".github" / "workflows" / "guidelines.yml")
    assert "pull_request" in workflow["on"]  # a string key in YAML 1.2 (PyYAML would say True)
    steps = workflow["jobs"]["validate"]["steps"]
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = [step["run"] for step in steps if "run" in step]
    assert "guidelines validate --format github" in runs
    assert "guidelines fmt --diff" in runs


def install_step(root: Path) -> str:
    steps = load(root / ".github" / "workflows" / "guidelines.yml")["jobs"]["validate"]["steps"]
    return next(step["run"] for step in steps if step.get("name") == "Install guidelines_tool")


def test_ci_installs_the_tool_from_where_this_copy_came_from(tmp_path):
    """The pin comes from install_source (PEP 610; real installs of each kind: test_packaging.py)."""
    source = InstallSource("guidelines-tool @ git+https://example.com/t.git@" + "a" * 40, "was installed from there")
    init_project(tmp_path, tool=source)
    workflow = load(tmp_path / ".github" / "workflows" / "guidelines.yml")
    assert workflow["env"] == {"GUIDELINES_TOOL": source.requirement}
    assert 'pip install "$GUIDELINES_TOOL"' in install_step(tmp_path)


def test_without_a_source_ci_fails_at_install_and_says_what_to_set(tmp_path):
    init_project(tmp_path, tool=InstallSource(None, "was installed from the folder file:///x, which a CI runner cannot reach"))
    assert load(tmp_path / ".github" / "workflows" / "guidelines.yml")["env"] == {"GUIDELINES_TOOL": ""}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", install_step(tmp_path)],
                          capture_output=True, text=True, env={"PATH": os.environ["PATH"], "GUIDELINES_TOOL": ""})
    assert done.returncode == 1
    assert done.stdout == (
        "::error file=.github/workflows/guidelines.yml,title=Where should CI install guidelines_tool from?::"
        "GUIDELINES_TOOL at the top of .github/workflows/guidelines.yml is empty: set it to the pip requirement "
        "your team installs guidelines_tool from (see the comment above it).\n"
    )


def test_gitignore_keeps_the_built_site_out(scaffold):
    assert "site/" in (scaffold / ".gitignore").read_text().splitlines()


# --- refusing to overwrite ----------------------------------------------------------------------


def test_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "guidelines.yaml").write_text("mine\n")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "guidelines.yaml" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["guidelines.yaml"]
    assert (tmp_path / "guidelines.yaml").read_text() == "mine\n"


def test_force_overwrites_only_the_scaffold(tmp_path):
    (tmp_path / "guidelines.yaml").write_text("mine\n")
    (tmp_path / "notes.txt").write_text("keep\n")
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--force", "--name", "Retail"])
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "guidelines.yaml")["name"] == "Retail"
    assert (tmp_path / "notes.txt").read_text() == "keep\n"


def test_a_file_in_the_way_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "file")])
    assert result.exit_code == 2
    assert "is a file" in result.stderr
    with pytest.raises(GuidelinesError, match="not a folder"):
        init_project(tmp_path / "file")


@pytest.mark.parametrize("in_the_way", ["docs", "guidelines.yaml/"])
def test_something_in_the_way_is_a_usage_error_even_with_force(tmp_path, in_the_way):
    if in_the_way.endswith("/"):
        (tmp_path / in_the_way).mkdir()
    else:
        (tmp_path / in_the_way).write_text("a file where a folder goes\n")
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--force"])
    assert result.exit_code == 2
    assert "in the way" in result.stderr
    assert len(list(tmp_path.iterdir())) == 1


def test_init_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert (tmp_path / "guidelines.yaml").is_file()


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Retail photo labeling", "no", "yes: really # not a comment", "Ünïcødé — 写真", "2026", "'quoted'", "- dash"]
)
def test_any_project_name_reads_back(tmp_path, name):
    init_project(tmp_path, name=name)
    assert load(tmp_path / "guidelines.yaml")["name"] == name
    assert load(tmp_path / "guidelines.yaml")["docs"]["title"] == name
    assert load(tmp_path / "mkdocs.yml")["site_name"] == name
    assert load_project(tmp_path).load_findings == ()


@pytest.mark.parametrize(
    ("value", "written"), [("Retail photos", "Retail photos"), ("no", '"no"'), ("1e3", '"1e3"'), ("a: b", '"a: b"')]
)
def test_yaml_scalar_quotes_only_when_needed(value, written):
    assert yaml_scalar(value) == written


@pytest.mark.parametrize(("folder", "name"), [("retail-photos", "Retail photos"), ("support_tickets", "Support tickets")])
def test_default_name(tmp_path, folder, name):
    assert default_name(tmp_path / folder) == name


def test_templates_are_package_data_with_dot_names():
    files = template_files()
    assert ".github/workflows/guidelines.yml" in files and ".gitignore" in files
    assert not any(part.startswith("dot-") for path in files for part in path.split("/"))


# --- the site builds --------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_scaffold_builds_a_site(tmp_path):
    # the plugin is found by its entry point, as in a user's install (the suite runs from
    # `pip install -e .`; test_packaging builds a site from a wheel install too)
    assert "guidelines" in {e.name for e in entry_points(group="mkdocs.plugins")}, "pip install -e . first"
    init_project(tmp_path / "project", name="Retail photos")
    result = build_site(tmp_path / "project", site_dir=tmp_path / "site", strict=True)
    html = "\n".join(p.read_text(encoding="utf-8") for p in result.site_dir.rglob("*.html"))
    assert "RS-001" in html and "Sarcasm is labelled by what it means" in html
    assert "Praise and complaint of equal weight are mixed" in html


def test_every_option_of_every_command_says_what_it_does():
    """`guidelines docs serve --help` showed `-f, --config-file FILE` and nothing else."""
    import click

    from guidelines_tool.cli import cli

    def walk(command, path):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, path + [name])
        else:
            yield path, command

    bare = [(" ".join(path), param.opts) for path, command in walk(cli, [])
            for param in command.params if isinstance(param, click.Option) and not param.help]
    assert bare == []
