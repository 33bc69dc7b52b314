"""MkDocs hooks of the tool's own documentation site: the reference pages are generated from the
code at build time, so they cannot drift from it.

- `reference/format.md` from `schemas/*.schema.json` (the source of truth for the file formats);
- `reference/lint.md` from the lint registry (`guidelines_tool.lint.CHECKS` and `code_table()`),
  each check's module docstring with its passing and failing example;
- `reference/cli.md` from the click command tree (`guidelines_tool.cli.cli`), walked recursively,
  so a command added later appears without touching this site.

The sample project's pages come from the `guidelines` plugin itself (see `mkdocs.yml`).
Every function here is pure (inputs → Markdown) except the two MkDocs events at the end.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation

log = logging.getLogger("mkdocs.hooks.tooldocs")

FORMAT_PAGE = "reference/format.md"
LINT_PAGE = "reference/lint.md"
CLI_PAGE = "reference/cli.md"
KIND_ORDER = ("project", "task", "rule", "annotation")
WHERE = {  # where each kind of document lives in a guideline repository
    "project": "`guidelines.yaml` at the repository root",
    "task": "`guidelines/<task-id>/task.yaml`",
    "rule": "`guidelines/<task-id>/rules/*.yaml` (one rule a file by convention), or inline under a task's `rules:`",
    "annotation": "one row (CSV) or record (JSON Lines, Parquet) of an annotation batch, e.g. `annotations/*.csv`",
}
FRONT = "---\ntitle: {title}\nrender_macros: false\n---\n\n"
GENERATED_NOTE = (
    "!!! note \"Generated\"\n"
    "    This page is generated at build time from {source}: it always matches the code it documents.\n\n"
)


# --- Markdown helpers ----------------------------------------------------------------------


def code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    """Text fit for a Markdown table cell: one line, pipes escaped outside code spans."""
    parts = re.split(r"(`+[^`]*?`+)", text.replace("\n", " "))
    return "".join(part if part.startswith("`") else part.replace("|", r"\|") for part in parts)


def table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def value_text(value: Any) -> str:
    """A schema value (example, enum member, default) as YAML-compatible inline JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


# --- format reference (schemas/*.schema.json) ------------------------------------------------


def load_schemas(folder: Path) -> dict[str, dict]:
    """Every `<kind>.schema.json` in `folder`, in the order a reader meets them."""
    found = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
             for p in sorted(folder.glob("*.schema.json"))}
    order = [kind for kind in KIND_ORDER if kind in found] + sorted(set(found) - set(KIND_ORDER))
    return {kind: found[kind] for kind in order}


class SchemaDoc:
    """One schema walked into documentable objects: the document itself and every object type it
    reaches (through `$ref`, `items`, `oneOf`/`anyOf` or an inline `properties`)."""

    def __init__(self, kind: str, schema: dict) -> None:
        self.kind, self.schema = kind, schema
        self.defs: dict[str, dict] = schema.get("$defs", {})
        self.objects: dict[str, dict] = {}  # object name ("" for the document) → its schema
        self._collect("", schema)

    def anchor(self, obj: str, prop: str | None = None) -> str:
        """`rule` (the document), `rule-example` (an object type), `rule.example.input` (a key)."""
        def safe(part: str) -> str:
            return re.sub(r"[^A-Za-z0-9_]+", "-", part).strip("-")

        if prop is None:
            return "-".join(safe(part).lower() for part in (self.kind, obj) if part)
        return ".".join(safe(part) for part in (self.kind, obj, prop) if part)

    def target(self, node: dict) -> tuple[str | None, dict]:
        """Follow a local `$ref`: (definition name, its schema); (None, node) otherwise."""
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            return name, self.defs.get(name, {})
        return None, node

    def _collect(self, name: str, node: dict) -> None:
        if name in self.objects:
            return
        self.objects[name] = node
        for prop, sub in node.get("properties", {}).items():
            for obj_name, obj in self._objects_in(sub, f"{name}.{prop}" if name else prop):
                self._collect(obj_name, obj)

    def _objects_in(self, node: Any, path: str) -> Iterator[tuple[str, dict]]:
        if not isinstance(node, dict):
            return
        ref_name, target = self.target(node)
        if ref_name is not None:
            node, path = target, ref_name
        if "properties" in node:
            yield path, node
            return
        for key in ("items", "additionalProperties"):
            yield from self._objects_in(node.get(key), path)
        for key in ("oneOf", "anyOf"):
            for branch in node.get(key, ()):
                yield from self._objects_in(branch, path)

    def type_text(self, node: dict) -> str:
        """The value's type in words, with links to object types documented on the page."""
        ref_name, target = self.target(node)
        if ref_name is not None:
            if "properties" in target:
                return f"[{ref_name}](#{self.anchor(ref_name)})"
            return self.type_text(target)
        if "const" in node:
            return f"always {code(value_text(node['const']))}"
        if "enum" in node:
            return "one of " + ", ".join(code(value_text(v)) for v in node["enum"])
        for key in ("oneOf", "anyOf"):
            if key in node:
                return " or ".join(dict.fromkeys(self.type_text(branch) for branch in node[key]))
        kinds = node.get("type")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
        words = []
        for kind in kinds:
            if kind == "array":
                words.append("list of " + (self.type_text(node["items"]) if "items" in node else "any"))
            elif kind == "object" and "properties" in node:
                words.append("object")
            elif kind == "object" and isinstance(node.get("additionalProperties"), dict):
                words.append("map of string → " + self.type_text(node["additionalProperties"]))
            else:
                words.append(kind)
        return " or ".join(words) or "any"

    def facts(self, node: dict, seen: frozenset = frozenset()) -> list[str]:
        """Constraints on a value: patterns, lengths, ranges, formats (following `$ref`s)."""
        ref_name, target = self.target(node)
        if ref_name is not None:
            if ref_name in seen or "properties" in target:
                return []
            return self.facts(target, seen | {ref_name})
        out = []
        if "pattern" in node:
            out.append(f"pattern {code(node['pattern'])}")
        if "format" in node:
            out.append(f"format {code(node['format'])}")
        if node.get("minLength") == 1:
            out.append("not empty")
        elif "minLength" in node:
            out.append(f"at least {node['minLength']} characters")
        if "minItems" in node:
            out.append(f"at least {node['minItems']} item" + ("s" if node["minItems"] != 1 else ""))
        bounds = (("maxLength", "at most {} characters"), ("maxItems", "at most {} items"),
                  ("minimum", "≥ {}"), ("maximum", "≤ {}"),
                  ("exclusiveMinimum", "> {}"), ("exclusiveMaximum", "< {}"))
        out += [words.format(node[key]) for key, words in bounds if key in node]
        if node.get("uniqueItems"):
            out.append("no duplicates")
        if isinstance(node.get("propertyNames"), dict) and "pattern" in node["propertyNames"]:
            out.append(f"keys match {code(node['propertyNames']['pattern'])}")
        if "default" in node:
            out.append(f"default {code(value_text(node['default']))}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                out += [f"each: {fact}" for fact in self.facts(node[key], seen)]
        for key in ("oneOf", "anyOf"):
            for branch in node.get(key, ()):
                out += self.facts(branch, seen)
        return list(dict.fromkeys(out))

    def is_object(self, node: dict) -> bool:
        return "properties" in self.target(node)[1]

    def parts(self, node: dict, seen: frozenset = frozenset()) -> list[str]:
        """What the alternatives (`oneOf`), list items and map values of a value are, in words."""
        ref_name, target = self.target(node)
        if ref_name is not None:
            if ref_name in seen or "properties" in target:
                return []
            node, seen = target, seen | {ref_name}
        out = []
        for key in ("oneOf", "anyOf"):
            for branch in node.get(key, ()):
                text = self.described(branch, "description")
                out.append(f"{self.type_text(branch)}" + (f": {text}" if text and not self.is_object(branch) else ""))
                out += self.parts(branch, seen)
        for key, words in (("items", "each item"), ("additionalProperties", "each value")):
            sub = node.get(key)
            if isinstance(sub, dict) and not self.is_object(sub):
                text = self.described(sub, "description")
                if text:
                    out.append(f"{words}: {text}")
                out += self.parts(sub, seen)
        return list(dict.fromkeys(out))

    def described(self, node: dict, key: str) -> Any:
        """A property's own `description`/`examples`, else its `$ref` target's."""
        if key in node:
            return node[key]
        _name, target = self.target(node)
        return target.get(key) if target is not node else None

    def object_section(self, name: str, node: dict) -> str:
        out = []
        if name:  # the document's own table sits under the document heading
            out.append(f"### {self.kind} › {name} {{#{self.anchor(name)}}}\n")
            text = self.described(node, "description")
            if text:
                out.append(f"{text}\n")
        required = set(node.get("required", ()))
        closed = node.get("additionalProperties") is False
        rows = []
        for prop, sub in node.get("properties", {}).items():
            description = self.described(sub, "description") or ""
            facts = self.facts(sub)
            examples = self.described(sub, "examples") or []
            detail = description
            parts = [part for part in self.parts(sub) if part != description]
            if parts:
                detail += "".join(f"<br>– {part}" for part in parts)
            if facts:
                facts_text = "; ".join(facts)
                detail += "<br>" + facts_text[0].upper() + facts_text[1:] + "."
            if examples:
                detail += "<br>Example" + ("s" if len(examples) > 1 else "") + ": " + ", ".join(
                    code(value_text(e)) for e in examples)
            key = f'<span id="{self.anchor(name, prop)}"></span>{code(prop)}'
            rows.append((key, self.type_text(sub), "yes" if prop in required else "", detail))
        out.append(table(["Key", "Type", "Required", "Description"], rows))
        if closed:
            out.append("Other keys are rejected (`GL101 unknown-key`).\n")
        return "\n".join(out)

    def page_section(self, source: str) -> str:
        title = self.schema.get("title", self.kind)
        declared = f" (`kind: {self.kind}`)" if "kind" in self.schema.get("properties", {}) else ""
        out = [f"## {title}{declared} {{#{self.anchor('')}}}\n"]
        if self.schema.get("description"):
            out.append(f"{self.schema['description']}\n")
        out.append(f"- **Where:** {WHERE.get(self.kind, 'see the schema')}\n"
                   f"- **Schema:** {code(source)} — print it with `guidelines schema --kind {self.kind}`\n")
        required = self.schema.get("required", ())
        if required:
            out.append("- **Required keys:** " + ", ".join(
                f"[{code(key)}](#{self.anchor('', key)})" for key in required) + "\n")
        examples = self.schema.get("examples")
        if examples:
            out.append("Example:\n\n```json\n" + json.dumps(examples[0], indent=2, ensure_ascii=False) + "\n```\n")
        for name, node in self.objects.items():
            out.append(self.object_section(name, node))
        return "\n".join(out)

    def property_anchors(self) -> list[str]:
        """The anchor of every documented property (the test checks each is on the page)."""
        return [self.anchor(name, prop) for name, node in self.objects.items() for prop in node.get("properties", {})]


def format_reference(schemas: Mapping[str, dict], folder: str = "schemas") -> str:
    """The format reference page: one section per schema, one table per object type."""
    out = [FRONT.format(title="Format reference"), "# Format reference\n",
           GENERATED_NOTE.format(source=f"the JSON Schemas in `{folder}/`"),
           "Every guideline file is YAML and declares its `kind`. The same schemas give your editor "
           "completion and hover text (see [Authoring rules](../getting-started/authoring.md)) and are "
           "what `guidelines validate` checks. Object types used inside a document are linked from the "
           "*Type* column.\n",
           table(["Kind", "Document", "Where"],
                 ((code(kind), f"[{schema.get('title', kind)}](#{SchemaDoc(kind, schema).anchor('')})", WHERE.get(kind, ""))
                  for kind, schema in schemas.items()))]
    for kind, schema in schemas.items():
        out.append(SchemaDoc(kind, schema).page_section(f"{folder}/{kind}.schema.json"))
    return "\n".join(out)


# --- lint reference (guidelines_tool.lint) -----------------------------------------------------


def docstring_markdown(doc: str) -> str:
    """A check module's docstring (reST-ish: `Passing::` + an indented block) as Markdown."""
    lines = inspect.cleandoc(doc).splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.rstrip().endswith("::"):
            out.append(line)
            continue
        label = line.rstrip()[:-1]
        out.append(f"**{label.rstrip(':')}**" if label.rstrip(":").strip() and len(label) < 40 else label)
        block = []
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith((" ", "\t"))):
            block.append(lines[index])
            index += 1
        body = textwrap.dedent("\n".join(block)).strip("\n")
        out += ["", "```yaml", body, "```", ""]
    return "\n".join(out).strip() + "\n"


def lint_reference(checks: Mapping[str, ModuleType], codes: Mapping[str, tuple[str, str, str]]) -> str:
    """The lint-rule reference: the table of every code, then each check with its examples."""
    out = [FRONT.format(title="Lint rules"), "# Lint rules\n",
           GENERATED_NOTE.format(source="the lint registry (`guidelines_tool/lint/`) and its module docstrings"),
           "`guidelines validate` reports each problem as `path:line:col: CODE message`. Codes are stable "
           "and never reused; each also has a readable name. **GL0xx**: reading YAML; **GL1xx**: the JSON "
           "Schema; **GL2xx**: semantic errors; **GL3xx**: semantic warnings (they fail the run only with "
           "`--strict`).\n",
           "Turn a check off, or change its severity, in `guidelines.yaml` — by code or by name:\n",
           "```yaml\nlint:\n  disable: [GL303]                  # or rule-without-examples\n"
           "  severity: {possible-conflict: error}\n```\n",
           "## All codes\n",
           table(["Code", "Name", "Severity", "What it reports"],
                 ((f"[{code_}](#{code_.lower()})", code(name), severity, text)
                  for code_, (name, severity, text) in codes.items()))]
    for code_, (name, severity, text) in codes.items():
        out.append(f"## {code_} · {name} {{#{code_.lower()}}}\n")
        out.append(f"**Severity:** {severity} · **Name:** {code(name)}\n")
        module = checks.get(code_)
        if module is not None and module.__doc__:
            out.append(docstring_markdown(module.__doc__))
            out.append(f"Source: `{module.__name__.replace('.', '/')}.py`\n")
        else:
            out.append(f"{text}\n")
    return "\n".join(out)


# --- CLI reference (guidelines_tool.cli) -------------------------------------------------------


def walk_commands(command: click.Command, ctx: click.Context) -> Iterator[tuple[click.Command, click.Context]]:
    """Every command under `command` (itself included), depth first, in `--help` order."""
    yield command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk_commands(sub, click.Context(sub, info_name=name, parent=ctx, **sub.context_settings))


def help_text(command: click.Command) -> str:
    """The command's help as Markdown paragraphs (click's `\\b` and `\\f` markers honoured)."""
    text = inspect.cleandoc(command.help or command.short_help or "").split("\f")[0]
    paragraphs = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b\n"):
            paragraphs.append("```text\n" + paragraph[2:] + "\n```")
        else:
            paragraphs.append(" ".join(paragraph.split()))
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def command_anchor(ctx: click.Context) -> str:
    return "-".join(ctx.command_path.split()[1:]) or "guidelines"


def command_section(command: click.Command, ctx: click.Context) -> str:
    depth = len(ctx.command_path.split())
    heading = "#" * min(depth + 1, 4)
    out = [f"{heading} `{ctx.command_path}` {{#{command_anchor(ctx)}}}\n", help_text(command),
           "```text\n" + command.get_usage(ctx) + "\n```\n"]
    arguments = [p for p in command.get_params(ctx) if isinstance(p, click.Argument)]
    if arguments:
        out.append(table(["Argument", "Required", "Count"],
                         ((code(p.make_metavar(ctx)), "yes" if p.required else "",
                           "any number" if p.nargs == -1 else ("one" if p.nargs == 1 else str(p.nargs))) for p in arguments)))
    options = [p.get_help_record(ctx) for p in command.get_params(ctx) if isinstance(p, click.Option)]
    options = [record for record in options if record]
    if options:
        out.append(table(["Option", "Description"], ((code(opts), text) for opts, text in options)))
    if isinstance(command, click.Group):
        subs = [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]
        prefix = command_anchor(ctx) + "-" if depth > 1 else ""
        out.append(table(["Command", "Does"],
                         ((f"[`{name}`](#{prefix}{name})", sub.get_short_help_str(limit=200))
                          for name, sub in subs if sub is not None and not sub.hidden)))
    return "\n".join(out)


def cli_reference(cli: click.Command, prog_name: str = "guidelines") -> str:
    """The CLI reference: every command and subcommand with its usage, arguments and options."""
    root = click.Context(cli, info_name=prog_name, **cli.context_settings)
    out = [FRONT.format(title="Command line"), "# Command line\n",
           GENERATED_NOTE.format(source="the click commands of `guidelines_tool.cli`"),
           "Run `guidelines COMMAND --help` for the same text in a terminal; `python -m guidelines_tool` "
           "works as well as `guidelines`. Exit codes: **0** clean, **1** findings or a failed gate, "
           "**2** usage or configuration error, **3** internal error.\n"]
    out += [command_section(command, ctx) for command, ctx in walk_commands(cli, root)]
    return "\n".join(out)


def command_paths(cli: click.Command, prog_name: str = "guidelines") -> list[str]:
    """`guidelines`, `guidelines validate`, `guidelines docs build`, ... (for tests)."""
    root = click.Context(cli, info_name=prog_name, **cli.context_settings)
    return [ctx.command_path for _command, ctx in walk_commands(cli, root)]


# --- all generated pages ---------------------------------------------------------------------


def reference_pages(repo: Path) -> dict[str, str]:
    """Every generated page of this site: path under docs/ → Markdown."""
    from guidelines_tool.cli import cli
    from guidelines_tool.lint import CHECKS, code_table

    return {
        FORMAT_PAGE: format_reference(load_schemas(repo / "schemas")),
        LINT_PAGE: lint_reference(CHECKS, code_table()),
        CLI_PAGE: cli_reference(cli),
    }


# --- MkDocs events -----------------------------------------------------------------------------


def _repo(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """`mkdocs serve` rebuilds when a schema, a lint check or a command changes."""
    repo = _repo(config)
    for path in (repo / "schemas", repo / "guidelines_tool" / "lint", repo / "guidelines_tool" / "cli"):
        if path.exists() and str(path) not in config.watch:
            config.watch.append(str(path))
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """Add the generated reference pages as virtual files."""
    from mkdocs.structure.files import File

    for path, content in reference_pages(_repo(config)).items():
        existing = files.get_file_from_path(path)
        if existing is not None:  # a hand-made copy would go stale: the generated page wins, loudly
            log.warning("docs/%s is generated from the code; the file in docs/ is ignored", path)
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def on_nav(nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
    """List the sample project's generated pages under the nav section that holds its home page.

    The plugin decides which pages a project gets (one per task, changelog, quality), so they
    cannot be named in `mkdocs.yml`; without this they would build but be missing from the nav.
    """
    plugin = config.plugins.get("guidelines")
    prefix = plugin.config.prefix.strip("/") if plugin is not None else ""
    if not prefix:
        return nav
    home = f"{prefix}/index.md"
    section = next((item for item in _sections(nav.items)
                    if any(getattr(child, "file", None) and child.file.src_uri == home for child in item.children)), None)
    if section is None:
        return nav
    listed = {page.file.src_uri for page in nav.pages}
    extra = sorted((f for f in files.documentation_pages() if f.src_uri.startswith(prefix + "/")
                    and f.src_uri not in listed and f.page is not None),
                   key=lambda f: (not f.src_uri.startswith(f"{prefix}/tasks/"), f.src_uri))
    last = max(i for i, page in enumerate(nav.pages) if page.file.src_uri.startswith(prefix + "/"))
    for offset, file in enumerate(extra, start=1):
        file.page.parent = section
        section.children.append(file.page)
        nav.pages.insert(last + offset, file.page)
    return nav


def _sections(items) -> Iterator:
    for item in items:
        if getattr(item, "is_section", False):
            yield item
            yield from _sections(item.children)
