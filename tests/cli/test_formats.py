"""The option registries: every command's `--format` choices are its reporter registry, and every
choice renders, end to end on the demo repository (real git history, real annotation batches)."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.reporters.agreement import AGREEMENT_REPORTERS
from guidelines_tool.reporters.base import Reporter
from guidelines_tool.reporters.findings import VALIDATE_REPORTERS
from guidelines_tool.reporters.history import CHANGELOG_REPORTERS, DIFF_REPORTERS, LOG_REPORTERS
from guidelines_tool.reporters.impact import HOTSPOTS_REPORTERS, IMPACT_REPORTERS

REGISTRIES = {
    "validate": VALIDATE_REPORTERS, "log": LOG_REPORTERS, "diff": DIFF_REPORTERS,
    "changelog": CHANGELOG_REPORTERS, "agreement": AGREEMENT_REPORTERS, "impact": IMPACT_REPORTERS,
    "hotspots": HOTSPOTS_REPORTERS,
}
ANNOTATIONS = "annotations/product-photo-subject-batch-0{}.csv"
# the arguments each command is run with on the demo (a tag, a rule with history, a few batches);
# validate runs on a project with a warning, so that every format has a finding to show
ARGS = {
    "validate": ["--project", "warned"], "log": ["PPS-004"], "diff": ["v1.0.0", "HEAD"], "changelog": [],
    "agreement": [ANNOTATIONS.format(1), "--bootstrap", "0"],
    "impact": [ANNOTATIONS.format(n) for n in (1, 2, 3, 4)] + ["--bootstrap", "100"],
    "hotspots": [ANNOTATIONS.format(1)],
}
CASES = [(command, name) for command, registry in REGISTRIES.items() for name in registry]


def format_choices() -> dict[str, list[str]]:
    """Every command of the tree that has `--format`, with its choices."""
    found = {}
    for name, command in cli.commands.items():
        for param in command.params:
            if "--format" in getattr(param, "opts", ()):
                assert isinstance(param.type, click.Choice)
                found[name] = list(param.type.choices)
    return found


def test_every_format_option_offers_its_registry_and_every_command_with_one_is_tested():
    assert format_choices() == {command: list(registry) for command, registry in REGISTRIES.items()}


@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_registry_keys_are_the_reporters_names(registry):
    for name, reporter in registry.items():
        assert issubclass(reporter, Reporter) and reporter.name == name


@pytest.fixture(scope="module")
def demo(tmp_path_factory, write_project):
    target = tmp_path_factory.mktemp("formats") / "demo"
    result = CliRunner().invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    rule = "kind: rule\nid: PPS-002\ntask: pps\ntitle: T\nlabels: [product, packaging]\nwhen: Boxed.\n"
    write_project(target / "warned", {"guidelines/pps/rules/PPS-002.yaml": rule})  # no examples: a warning
    return target


@pytest.mark.parametrize(("command", "name"), CASES)
def test_every_format_renders(demo, monkeypatch, command, name):
    monkeypatch.chdir(demo)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = CliRunner().invoke(cli, [command, *ARGS[command], "--format", name])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip(), f"{command} --format {name} printed nothing"
    if name in ("json", "sarif", "gitlab"):
        json.loads(result.stdout)
