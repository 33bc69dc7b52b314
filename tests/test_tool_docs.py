"""The tool's own documentation site (`mkdocs.yml` + `docs/` at the repository top).

The site is built for real, in-process, with `strict` (any MkDocs warning — a broken link or
anchor included — aborts the build), and its HTML is checked against the code it documents,
walked independently of the hook that generated it: every schema property and pattern, every
lint code, every command and option, and the sample project's rule anchors.

The `guidelines` plugin is found through its entry point, so the package must be installed
(`pip install -e .`, as `scripts/test.sh` does).
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from importlib.metadata import entry_points
from pathlib import Path

import click
import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from guidelines_tool.cli import cli
from guidelines_tool.lint import CHECKS, code_table
from guidelines_tool.project import load_project

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = sorted((REPO / "schemas").glob("*.schema.json"))


def load_hooks():
    spec = importlib.util.spec_from_file_location("tool_docs_hooks", REPO / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = load_hooks()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    installed = {entry.name for entry in entry_points(group="mkdocs.plugins")}
    assert "guidelines" in installed, "the guidelines plugin is not installed: pip install -e ."
    out = tmp_path_factory.mktemp("tool-site")
    config = load_config(str(REPO / "mkdocs.yml"), site_dir=str(out), strict=True)
    build(config)  # raises mkdocs.exceptions.Abort on any warning: strict
    return out


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def ids(text: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', text))


# --- the built site -------------------------------------------------------------------------


def test_every_schema_property_and_pattern_is_in_the_format_reference(site):
    text = page(site, "reference/format")
    anchors = ids(text)
    missing = []
    for path in SCHEMAS:
        kind = path.name.removesuffix(".schema.json")
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert kind in anchors, kind
        for key in _property_names(schema):
            if not any(a.startswith(f"{kind}.") and a.endswith(f".{key}") for a in anchors):
                missing.append(f"{kind}: {key}")
        for pattern in _values_of(schema, "pattern"):
            if html.escape(pattern, quote=False) not in text:
                missing.append(f"{kind}: pattern {pattern}")
        for description in _values_of(schema, "description"):
            words = re.sub(r"`([^`]*)`", r"\1", description).split()[:4]  # Markdown renders the rest
            if html.escape(" ".join(words), quote=False) not in re.sub(r"</?code>", "", text):
                missing.append(f"{kind}: description {description[:40]!r}")
    assert missing == [], "\n".join(missing)


def test_every_lint_code_is_in_the_lint_reference_with_its_examples(site):
    text = page(site, "reference/lint")
    anchors = ids(text)
    for code, (name, severity, _summary) in code_table().items():
        assert code.lower() in anchors and code in text and name in text, code
    for code, module in CHECKS.items():
        section = text.split(f'id="{code.lower()}"', 1)[1].split("<h2", 1)[0]
        assert module.SEVERITY in section
        if "Failing::" in module.__doc__:
            assert "Failing" in section and "<code" in section, code  # the example as a code block
            first = re.search(r"Failing::\s*\n\s*(\S[^\n]*)", module.__doc__).group(1).strip()
            plain = re.sub(r"<[^>]+>", "", section)  # the highlighter splits tokens into spans
            assert html.escape(first.split("#")[0].strip(), quote=False) in plain, code


def test_the_language_servers_links_of_codes_land_on_their_lint_reference_entries(site):
    from guidelines_tool.lsp.diagnostics import DOCS_URL, code_href

    anchors = ids(page(site, "reference/lint"))
    for code in code_table():
        path, _, anchor = code_href(code).removeprefix(DOCS_URL).partition("#")
        assert (site / path / "index.html").is_file() and anchor in anchors, code


def test_every_command_and_option_is_in_the_cli_reference(site):
    text = page(site, "reference/cli")
    anchors = ids(text)
    for path, command in _commands(cli, ()):
        assert ("-".join(path) or "guidelines") in anchors, path
        for param in command.params:
            for opt in getattr(param, "opts", ()):
                if opt.startswith("--"):
                    assert opt in text, (path, opt)


def test_sample_guidelines_are_rendered_by_the_plugin(site):
    project = load_project(REPO / "sample_guidelines")
    assert project.rule("PPS-004") is not None
    for rule in project.rules:
        assert rule.id in ids(page(site, f"sample/tasks/{rule.task}")), rule.id
    home = page(site, "")
    for task_id in project.tasks:  # listed in the nav, not only reachable by link
        assert f'href="sample/tasks/{task_id}/"' in home, task_id


def test_getting_started_pages_are_in_the_nav(site):
    home = page(site, "")
    for name in ("getting-started/authoring/", "getting-started/editors/", "getting-started/ci/", "getting-started/agreement/",
                 "getting-started/publishing/", "reference/format/", "reference/lint/", "reference/cli/"):
        assert f'href="{name}"' in home, name


# --- the generators, on inputs of their own ---------------------------------------------------


def test_a_command_added_later_appears_in_the_cli_reference():
    @click.group()
    def tool():
        """A tool."""

    @tool.group("data")
    def data():
        """Data commands."""

    @data.command("export")
    @click.argument("files", nargs=-1, required=True)
    @click.option("--to", type=click.Choice(["csv", "json"]), default="csv", show_default=True, help="Target | format.")
    def export(files, to):
        """Export FILES.

        Writes one file per input.
        """

    text = hooks.cli_reference(tool, prog_name="tool")
    assert "### `tool data` {#data}" in text
    assert "#### `tool data export` {#data-export}" in text
    assert "Usage: tool data export [OPTIONS] FILES..." in text
    assert r"Target \| format." in text and "`--to [csv|json]`" in text  # pipe escaped outside code only
    assert "Writes one file per input." in text
    assert hooks.command_paths(tool, "tool") == ["tool", "tool data", "tool data export"]


def test_format_reference_documents_nested_objects_through_refs():
    schema = {
        "title": "Widget", "description": "A widget.", "type": "object", "additionalProperties": False,
        "required": ["kind", "parts"],
        "properties": {
            "kind": {"const": "widget", "description": "Always widget."},
            "parts": {"type": "array", "items": {"$ref": "#/$defs/part"}, "minItems": 1, "description": "Its parts."},
            "code": {"$ref": "#/$defs/code"},
        },
        "$defs": {
            "code": {"type": "string", "pattern": "^W-[0-9]+$", "description": "A widget code.", "examples": ["W-1"]},
            "part": {"type": "object", "description": "One part.", "properties": {
                "size": {"enum": ["s", "m"], "description": "How big."}}},
        },
    }
    text = hooks.format_reference({"widget": schema})
    assert "## Widget (`kind: widget`) {#widget}" in text
    assert "[part](#widget-part)" in text and "### widget › part {#widget-part}" in text
    assert 'id="widget.part.size"' in text and 'one of `"s"`, `"m"`' in text
    assert "Pattern `^W-[0-9]+$`" in text and "A widget code." in text and '`"W-1"`' in text
    assert "| yes |" in text and "At least 1 item" in text


def test_docstring_examples_become_yaml_code_blocks():
    doc = '''Rules must be nice.

    Passing::

        kind: rule
        id: A-1

    Failing::

        id: a-1      # GL999
    '''
    assert hooks.docstring_markdown(doc) == (
        "Rules must be nice.\n\n**Passing**\n\n```yaml\nkind: rule\nid: A-1\n```\n\n"
        "**Failing**\n\n```yaml\nid: a-1      # GL999\n```\n"
    )


# --- independent walks of what the site documents ---------------------------------------------


def _property_names(node) -> set[str]:
    names = set()
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            names |= set(node["properties"])
        for value in node.values():
            names |= _property_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= _property_names(value)
    return names


def _values_of(node, key: str) -> set[str]:
    found = set()
    if isinstance(node, dict):
        if isinstance(node.get(key), str):
            found.add(node[key])
        for name, value in node.items():
            if name != "properties" or not isinstance(value, dict):
                found |= _values_of(value, key)
            else:
                for sub in value.values():
                    found |= _values_of(sub, key)
    elif isinstance(node, list):
        for value in node:
            found |= _values_of(value, key)
    return found


def _commands(command: click.Command, path: tuple[str, ...]):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, path + (name,))
