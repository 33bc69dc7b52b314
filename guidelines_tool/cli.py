"""The `guidelines` command line. Commands parse options, call one core function, hand the
result to a reporter and exit with its code. No logic lives here.

Exit codes: 0 clean, 1 findings (or a failed gate), 2 usage or configuration error,
3 internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from guidelines_tool import __version__
from guidelines_tool.errors import GuidelinesError

EXIT_INTERNAL = 3


class GuidelinesGroup(click.Group):
    """Maps the tool's errors to a message and exit code: users never see a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GuidelinesError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            ctx.exit(0)
        except Exception as exc:  # the one catch point for bugs: say so, keep it short
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("please report this with the command you ran", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=GuidelinesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guidelines")
def cli() -> None:
    """Annotation guidelines as versioned, validated decision rules."""


def project_root(path: Path | None = None) -> Path:
    from guidelines_tool.config import find_root

    return find_root(path)


# --- validate, schema (issue 2) ---------------------------------------------------------


# --- authoring: init, new-rule, fmt (issue 2) ---------------------------------------------


# --- history: log, diff, changelog, release (issue 3) ------------------------------------


# --- agreement (issue 4) ------------------------------------------------------------------


# --- impact, hotspots, demo (issue 5) -----------------------------------------------------


# --- docs (issue 6) -----------------------------------------------------------------------


@cli.group("docs")
def docs_group() -> None:
    """The annotators' site (MkDocs, plugin `guidelines`)."""


@docs_group.command("render")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the Markdown pages and chart images into.")
@click.option("--rev", default=None, help="Render a release (tag, version or commit) instead of the work tree.")
def render_command(out: Path, rev: str | None) -> None:
    """Write the site's pages as plain Markdown (for any Markdown site generator)."""
    from guidelines_tool.docs.site import write_pages

    written = write_pages(project_root(), out, rev=rev)
    click.echo(f"wrote {len(written)} files to {out}")


@docs_group.command("build")
@click.option("--strict", is_flag=True, help="Fail on any MkDocs warning.")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site (default: mkdocs.yml's site_dir; <site_dir>-versions/<rev> with --rev).")
@click.option("--rev", default=None, help="Build a release (tag, version or commit) into its own folder.")
@click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The MkDocs config (default: mkdocs.yml at the project root).")
def build_command(strict: bool, site_dir: Path | None, rev: str | None, config_file: Path | None) -> None:
    """Build the site with MkDocs, in-process."""
    from guidelines_tool.docs.site import build_site

    result = build_site(project_root(), config_file=config_file, strict=strict, site_dir=site_dir, rev=rev)
    click.echo(f"built {result.pages} pages into {result.site_dir}")


@docs_group.command("serve")
@click.option("-a", "--dev-addr", default=None, metavar="IP:PORT", help="Address to serve on.")
@click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--open", "open_in_browser", is_flag=True, help="Open the site in a browser.")
def serve_command(dev_addr: str | None, config_file: Path | None, open_in_browser: bool) -> None:
    """Serve the site with live reload; editing a guideline file rebuilds it."""
    from guidelines_tool.docs.site import serve_site

    serve_site(project_root(), config_file=config_file, dev_addr=dev_addr, open_in_browser=open_in_browser)


def main() -> None:
    cli(prog_name="guidelines")


if __name__ == "__main__":
    sys.exit(main())
