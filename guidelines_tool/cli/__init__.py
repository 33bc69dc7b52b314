"""The `guidelines` command line. A command parses options, calls one core function, hands the
result to a reporter and returns the result's exit code; `GuidelinesGroup.invoke` below is the one
place that catches the tool's errors and the one place that turns a code into the exit status.

Exit codes: 0 clean, 1 findings (or a failed gate), 2 usage or configuration error,
3 internal error.

One module per command family: `validate` (validate, schema), `authoring` (init, new-rule, fmt),
`history` (log, diff, changelog, release), `data` (agreement, impact, hotspots: the commands that
read annotation files), `docs`, `demo`, `quiz` (quiz build, quiz score), `lsp`, `integrations`
(publish and pull: labeling tools); `options` holds the options several commands share,
`common` the few helpers they share (finding the project, printing a warning, whether to
colour) and `invocation` how the tool was run (so that a command it prints runs as printed).
read annotation files), `docs`, `demo`, `quiz` (quiz build, quiz score), `lsp`, `experiment`
(experiment plan, analyse, conclude); `options` holds the options several commands share, `common`
the few helpers they share (finding the project, printing a warning, whether to colour) and
`invocation` how the tool was run (so that a command it prints runs as printed).
"""

from __future__ import annotations

import importlib
import sys

import click

from guidelines_tool import __version__
from guidelines_tool.errors import EXIT_CLEAN, EXIT_INTERNAL, GuidelinesError

EXIT_INTERRUPTED = 130  # as a shell reports SIGINT

# Every command, and the module of guidelines_tool.cli that holds it. A command's module is
# imported when the command is looked up, so `guidelines validate` does not import the history,
# agreement and docs commands (nor the reporter registries their --format choices come from).
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "validate_command"),
    "schema": ("validate", "schema_command"),
    "init": ("authoring", "init_command"),
    "new-rule": ("authoring", "new_rule_command"),
    "fmt": ("authoring", "fmt_command"),
    "log": ("history", "log_command"),
    "diff": ("history", "diff_command"),
    "changelog": ("history", "changelog_command"),
    "release": ("history", "release_command"),
    "agreement": ("data", "agreement_command"),
    "impact": ("data", "impact_command"),
    "hotspots": ("data", "hotspots_command"),
    "demo": ("demo", "demo_command"),
    "docs": ("docs", "docs_group"),
    "quiz": ("quiz", "quiz_group"),
    "lsp": ("lsp", "lsp_command"),
    "publish": ("integrations", "publish_group"),
    "pull": ("integrations", "pull_group"),
    "experiment": ("experiment", "experiment_group"),
}


class GuidelinesGroup(click.Group):
    """Maps the tool's errors to a message and exit code (users never see a traceback), and every
    command's returned exit code to the process's exit status.

    `lazy` names commands by (module, attribute) under guidelines_tool.cli; each is imported on
    first lookup. Reading `commands` loads them all (what click's own code and the docs expect).
    """

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs) -> None:
        self._lazy = dict(lazy or {})
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:
        for name in list(self._lazy):
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def _load(self, name: str) -> None:
        module, attribute = self._lazy.pop(name)
        self._commands[name] = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._commands, *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            self._load(cmd_name)
        return self._commands.get(cmd_name)

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


@click.group(cls=GuidelinesGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guidelines")
def cli() -> None:
    """Annotation guidelines as versioned, validated decision rules."""


def main() -> None:
    # A file name that is not UTF-8 reaches us with surrogate escapes (as os names it); write
    # it back as its own bytes, like git and ls do, instead of failing on a strict UTF-8 stdout.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    cli(prog_name="guidelines")
