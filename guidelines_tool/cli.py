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


@cli.command("fmt")
@click.option("--check", is_flag=True, help="Write nothing; list files that would change and exit 1 if any.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def fmt_command(check: bool, paths: tuple[Path, ...]) -> None:
    """Rewrite guideline files in canonical key order and style, keeping comments.

    With no PATHS: guidelines.yaml and every file of the project's guideline folder.
    """
    from guidelines_tool.formatting import format_paths

    report = format_paths(list(paths), check=check)
    for outcome in report.outcomes:
        if outcome.status in ("reformatted", "would-reformat"):
            click.echo(outcome.path)
        elif outcome.status == "error":
            click.echo(f"{outcome.path}:{outcome.line}:{outcome.column}: {outcome.message}", err=True)
        elif outcome.status == "skipped":
            click.echo(f"{outcome.path}: skipped: {outcome.message}", err=True)
    click.echo(fmt_summary(report), err=True)
    sys.exit(report.exit_code)


def fmt_summary(report) -> str:
    def files(n: int) -> str:
        return f"{n} file{'' if n == 1 else 's'}"

    unchanged = sum(1 for o in report.outcomes if o.status == "unchanged")
    parts = [f"{files(len(report.changed))} {'would be reformatted' if report.check else 'reformatted'}"]
    parts.append(f"{unchanged} unchanged")
    if report.errors:
        parts.append(f"{files(len(report.errors))} could not be formatted")
    return ", ".join(parts)


# --- history: log, diff, changelog, release (issue 3) ------------------------------------


# --- agreement (issue 4) ------------------------------------------------------------------


# --- impact, hotspots, demo (issue 5) -----------------------------------------------------


# --- docs (issue 6) -----------------------------------------------------------------------


def main() -> None:
    cli(prog_name="guidelines")


if __name__ == "__main__":
    sys.exit(main())
