"""The `guidelines` command line. A command parses options, calls one core function, hands the
result to a reporter and returns the result's exit code; `GuidelinesGroup.invoke` below is the one
place that catches the tool's errors and the one place that turns a code into the exit status.

Exit codes: 0 clean, 1 findings (or a failed gate), 2 usage or configuration error,
3 internal error.

One module per command family: `validate` (validate, schema), `authoring` (init, new-rule, fmt),
`history` (log, diff, changelog, release), `data` (agreement, impact, hotspots: they read annotation files), `docs`,
`demo`; `options` holds the options several commands share.
"""

from __future__ import annotations

import sys

import click

from guidelines_tool import __version__
from guidelines_tool.errors import EXIT_CLEAN, EXIT_INTERNAL, GuidelinesError

EXIT_INTERRUPTED = 130  # as a shell reports SIGINT


class GuidelinesGroup(click.Group):
    """Maps the tool's errors to a message and exit code (users never see a traceback), and every
    command's returned exit code to the process's exit status."""

    def invoke(self, ctx: click.Context) -> None:
        ctx.exit(self._run(ctx))

    def _run(self, ctx: click.Context) -> int:
        try:
            code = super().invoke(ctx)
        except GuidelinesError as exc:
            click.echo(f"error: {exc}", err=True)
            return exc.exit_code
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # click's own: --help, usage errors; click prints them and exits
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            return EXIT_CLEAN  # the reader (e.g. `head`) has all it wanted
        except Exception as exc:  # the one catch point for bugs: say so, keep it short
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("please report this with the command you ran", err=True)
            return EXIT_INTERNAL
        if not isinstance(code, int):  # a command that forgot to return its result's code is a bug
            click.echo(f"internal error: {ctx.invoked_subcommand} returned {code!r}, not an exit code", err=True)
            return EXIT_INTERNAL
        return code


@click.group(cls=GuidelinesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guidelines")
def cli() -> None:
    """Annotation guidelines as versioned, validated decision rules."""


def _add_commands() -> None:
    # Listed here, in `--help` order (click sorts them by name), rather than registered by
    # decorators at import: one place shows every command and the module it lives in.
    from guidelines_tool.cli import authoring, data, demo, docs, history, validate

    for command in (
        validate.validate_command, validate.schema_command,
        authoring.init_command, authoring.new_rule_command, authoring.fmt_command,
        history.log_command, history.diff_command, history.changelog_command, history.release_command,
        data.agreement_command, data.impact_command, data.hotspots_command,
        demo.demo_command, docs.docs_group,
    ):
        cli.add_command(command)


_add_commands()


def main() -> None:
    # A file name that is not UTF-8 reaches us with surrogate escapes (as os names it); write
    # it back as its own bytes, like git and ls do, instead of failing on a strict UTF-8 stdout.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    cli(prog_name="guidelines")
