"""`validate` (schema and semantic lint of guideline files) and `schema` (the JSON Schemas)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from guidelines_tool.cli.common import project_root, use_color
from guidelines_tool.cli.options import color_option, format_option, paths_argument, project_option
from guidelines_tool.errors import EXIT_CLEAN
from guidelines_tool.reporters.findings import VALIDATE_REPORTERS
from guidelines_tool.schema import KINDS as SCHEMA_KINDS


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


@click.command("validate")
@paths_argument()
@format_option(VALIDATE_REPORTERS, default=None, short=True,
               help="Report format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@project_option()
@color_option()
def validate_command(paths: tuple[Path, ...], output_format: str | None, strict: bool, project_dir: Path | None,
                     color: str) -> int:
    """Check guideline files: YAML, schema and semantic lint.

    With PATHs (files or folders, as pre-commit passes them) the whole project is still read,
    so cross-file checks work; only findings in those files are reported.
    """
    from guidelines_tool.validation import validate

    root = project_root(project_dir or (paths[0] if paths else None))
    result = validate(root, list(paths) or None)
    name = output_format or _default_format()
    colored = name == "text" and use_color(color, sys.stdout)
    reporter = VALIDATE_REPORTERS[name](color=True) if colored else VALIDATE_REPORTERS[name]()
    # color=: click would strip the codes from a stream it does not think is a terminal
    click.echo(reporter.render(result), nl=False, color=colored)
    click.echo(reporter.summary(result), err=True)
    _write_step_summary(result)
    return result.exit_code(strict=strict)


def _write_step_summary(result) -> None:
    """On GitHub Actions, also append a Markdown summary (annotations show only a handful)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(VALIDATE_REPORTERS["markdown"]().render(result))
    except OSError as exc:
        click.echo(f"warning: cannot write the step summary to {target}: {exc.strerror}", err=True)


@click.command("schema")
@click.option("--kind", "-k", type=click.Choice(SCHEMA_KINDS), help="One schema (default: all).")
@click.option(
    "--output", "-o", "output_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Write <kind>.schema.json files into this folder instead of printing.",
)
def schema_command(kind: str | None, output_dir: Path | None) -> int:
    """Print or write the JSON Schemas (for editors: yaml-language-server, JetBrains)."""
    from guidelines_tool.schema import schema_file_name, schema_texts

    texts = schema_texts()
    kinds = [kind] if kind else list(SCHEMA_KINDS)
    if output_dir is None:
        if kind:
            click.echo(texts[kind], nl=False)
        else:  # several documents: one JSON object keyed by kind
            click.echo(json.dumps({k: json.loads(texts[k]) for k in kinds}, indent=2, ensure_ascii=False))
        return EXIT_CLEAN
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in kinds:
        (output_dir / schema_file_name(name)).write_text(texts[name], encoding="utf-8")
        click.echo(f"wrote {output_dir / schema_file_name(name)}", err=True)
    return EXIT_CLEAN
