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
@click.option("--experiment", default=None,
              help="Build the pilot site of experiment NAME (arm B's wording, with a banner) into "
                   "<site_dir>-experiments/NAME.")
@config_file_option()
def build_command(strict: bool, site_dir: Path | None, rev: str | None, experiment: str | None,
                  config_file: Path | None) -> int:
    """Build the site with MkDocs, in-process."""
    from guidelines_tool.docs.site import build_site

    root = project_root()
    data = None
    if experiment is not None:
        from guidelines_tool.docs.site import _load, mkdocs_config_path
        from guidelines_tool.experiment.site import pilot_site_data, pilot_site_dir

        if rev is not None:
            raise click.UsageError("--experiment builds the working tree with arm B's wording: drop --rev")
        data = pilot_site_data(root, experiment)
        if site_dir is None:
            site_dir = pilot_site_dir(Path(_load(mkdocs_config_path(root, config_file)).site_dir), experiment)
    result = build_site(root, config_file=config_file, strict=strict, site_dir=site_dir, rev=rev, data=data)
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
