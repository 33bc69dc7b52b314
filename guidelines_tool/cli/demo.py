"""`demo`: a sample repository with a months-long history and annotation batches, analysed."""

from __future__ import annotations

from pathlib import Path

import click

from guidelines_tool.errors import EXIT_CLEAN


@click.command("demo")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def demo_command(directory: Path | None) -> int:
    """Build a sample guideline repository with a months-long history and simulated annotation
    batches in DIRECTORY (default: ./guidelines-demo), then run validate, impact and hotspots."""
    from guidelines_tool.demo import run_demo

    lines = run_demo(directory or Path("guidelines-demo"),
                     progress=lambda message: click.echo(f"… {message}", err=True))
    for line in lines:
        click.echo(line)
    return EXIT_CLEAN
