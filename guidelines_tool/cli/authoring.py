"""Writing guideline files: `init` (scaffold a project), `new-rule`, `fmt` (canonical style)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from guidelines_tool.cli.common import project_root
from guidelines_tool.cli.options import paths_argument, task_option
from guidelines_tool.errors import EXIT_CLEAN

if TYPE_CHECKING:
    from guidelines_tool.formatting import FmtReport


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="Project name (default: from the folder name).")
@click.option("--force", is_flag=True, help="Overwrite files the scaffold would write if they exist.")
def init_command(directory: Path, name: str | None, force: bool) -> int:
    """Scaffold a guideline repository in DIRECTORY (default: here).

    Writes guidelines.yaml, a sample task with two rules, the JSON Schemas, mkdocs.yml and docs/,
    pre-commit and GitHub Actions config, and VS Code settings. Refuses to overwrite files.
    """
    from guidelines_tool.scaffold import init_project

    scaffold = init_project(directory, name=name, force=force)
    for path in scaffold.files:
        click.echo(path)
    click.echo(f"created a guideline project in {directory} ({len(scaffold.files)} files)", err=True)
    click.echo("next: git init, `guidelines validate`, `guidelines new-rule --task review-sentiment`", err=True)
    return EXIT_CLEAN


@click.command("new-rule")
@task_option(required=True, help="The task the rule belongs to.")
@click.option("--title", help="The rule's title (default: a TODO to fill in).")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: beside the task's rule files, else guidelines/<task>/rules/<ID>.yaml).")
def new_rule_command(task_id: str, title: str | None, file: Path | None) -> int:
    """Write a new rule with the next free id for TASK, and print its path."""
    from guidelines_tool.authoring import new_rule

    created = new_rule(project_root(), task_id, title=title, path=file)
    click.echo(os.path.relpath(created.path))
    for note in created.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"created {created.rule_id} (draft) for task {task_id}", err=True)
    return EXIT_CLEAN


@click.command("fmt")
@click.option("--check", is_flag=True, help="Write nothing; list files that would change and exit 1 if any.")
@click.option("--diff", "show_diff", is_flag=True, help="Like --check, but print the changes as a unified diff.")
@paths_argument()
def fmt_command(check: bool, show_diff: bool, paths: tuple[Path, ...]) -> int:
    """Rewrite guideline files in canonical key order and style, keeping comments.

    Keys in the documented order (unknown keys last, as written), 2-space indent with sequences
    indented under their key, multi-line strings as literal blocks; quoting, short flow
    collections, an opening `---` and CRLF line endings stay as written; a byte-order mark is
    dropped. A file is only rewritten when the result holds the same data and every comment;
    otherwise it is reported with line:col and left untouched. With no PATHS: guidelines.yaml
    and every file of the guideline folder.
    """
    from guidelines_tool.formatting import format_paths

    report = format_paths(list(paths), check=check, diff=show_diff)
    for outcome in report.outcomes:
        if outcome.diff:
            click.echo(outcome.diff, nl=False)
        elif outcome.status in ("reformatted", "would-reformat"):
            click.echo(outcome.path)
        elif outcome.status == "error":
            click.echo(f"{outcome.path}:{outcome.line}:{outcome.column}: {outcome.message}", err=True)
        elif outcome.status == "skipped":
            click.echo(f"{outcome.path}: skipped: {outcome.message}", err=True)
    click.echo(fmt_summary(report), err=True)
    return report.exit_code


def fmt_summary(report: FmtReport) -> str:
    """One line for stderr: how many files were (or would be) reformatted, unchanged, failed."""
    def files(n: int) -> str:
        return f"{n} file{'' if n == 1 else 's'}"

    unchanged = sum(1 for o in report.outcomes if o.status == "unchanged")
    parts = [f"{files(len(report.changed))} {'would be reformatted' if report.check else 'reformatted'}"]
    parts.append(f"{unchanged} unchanged")
    if report.errors:
        parts.append(f"{files(len(report.errors))} could not be formatted")
    return ", ".join(parts)
