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
    from guidelines_tool.cli.invocation import invocation
    from guidelines_tool.demo import run_demo

    directory = directory or Path("guidelines-demo")
    # the commands the demo prints run from the demo folder with the tool as it was invoked
    lines = run_demo(directory, progress=lambda message: click.echo(f"… {message}", err=True),
                     command=invocation().from_folder(directory))
    for line in lines:
        click.echo(line)
    return EXIT_CLEAN
