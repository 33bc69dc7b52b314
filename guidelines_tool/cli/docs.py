"""`docs render`, `docs build`, `docs serve`: the annotators' site (MkDocs, plugin `guidelines`)."""

from __future__ import annotations

from pathlib import Path

import click

from guidelines_tool.cli.common import project_root
from guidelines_tool.cli.options import config_file_option
from guidelines_tool.errors import EXIT_CLEAN


@click.group("docs")
def docs_group() -> None:
    """The annotators' site (MkDocs, plugin `guidelines`)."""


@docs_group.command("render")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the Markdown pages and chart images into.")
@click.option("--rev", default=None, help="Render a release (tag, version or commit) instead of the work tree.")
def render_command(out: Path, rev: str | None) -> int:
    """Write the site's pages as plain Markdown (for any Markdown site generator)."""
    from guidelines_tool.docs.site import write_pages

    problems: list[str] = []
    written = write_pages(project_root(), out, rev=rev, problems=problems)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"wrote {len(written)} files to {out}")
    return EXIT_CLEAN


@docs_group.command("build")
@click.option("--strict", is_flag=True, help="Fail on any MkDocs warning.")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site (default: mkdocs.yml's site_dir; <site_dir>-versions/<rev> with --rev).")
@click.option("--rev", default=None, help="Build a release (tag, version or commit) into its own folder.")
@config_file_option()
def build_command(strict: bool, site_dir: Path | None, rev: str | None, config_file: Path | None) -> int:
    """Build the site with MkDocs, in-process."""
    from guidelines_tool.docs.site import build_site

    result = build_site(project_root(), config_file=config_file, strict=strict, site_dir=site_dir, rev=rev)
    click.echo(f"built {result.pages} pages into {result.site_dir}")
    return EXIT_CLEAN


@docs_group.command("serve")
@click.option("-a", "--dev-addr", default=None, metavar="IP:PORT", help="Address to serve on.")
@config_file_option()
@click.option("--open", "open_in_browser", is_flag=True, help="Open the site in a browser.")
def serve_command(dev_addr: str | None, config_file: Path | None, open_in_browser: bool) -> int:
    """Serve the site with live reload; editing a guideline file rebuilds it."""
    from guidelines_tool.docs.site import serve_site

    serve_site(project_root(), config_file=config_file, dev_addr=dev_addr, open_in_browser=open_in_browser)
    return EXIT_CLEAN
