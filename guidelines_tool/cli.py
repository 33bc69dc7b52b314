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


def _optional_project():
    """The guideline project around the working directory, or None outside one."""
    from guidelines_tool.config import find_root
    from guidelines_tool.errors import ConfigError

    try:
        root = find_root()
    except ConfigError:
        return None
    from guidelines_tool.loading import load_project

    return load_project(root)


@cli.command("agreement")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--task", help="Task id (needed when the data or the project has several).")
@click.option("--scale", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]),
              help="Measurement scale: α's metric and the weights (default: the task's scale).")
@click.option("--by", "by", type=click.Choice(["batch", "revision", "label", "annotator"]),
              help="Break the figures down by batch, guideline revision, label or annotator.")
@click.option("--gold", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Adjudicated labels (item,label[,task]): accuracy per annotator.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "md"]),
              default="text", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0),
              help="Bootstrap resamples over items (default: the project's, else 2000; 0: none).")
@click.option("--min-agreement", type=float,
              help="CI gate: exit 1 when Krippendorff's α is below this value.")
@click.option("--input-format",
              type=click.Choice(["csv", "jsonl", "parquet", "labelstudio", "prodigy"]),
              help="Read every FILE in this format (default: from the extension).")
@click.option("--duplicates", type=click.Choice(["error", "first", "last"]), default="error",
              show_default=True, help="Repeated (item, annotator) judgements: fail, or keep one.")
def agreement_command(files, task, scale, by, gold, fmt, seed, n_boot, min_agreement,
                      input_format, duplicates) -> None:
    """Inter-annotator agreement of annotation FILES, with bootstrap intervals."""
    from guidelines_tool.agreement_report import agreement_report
    from guidelines_tool.agreement_reporters import REPORTER_BY_NAME, problems_text
    from guidelines_tool.annotations import read_annotations, read_gold

    project = _optional_project()
    table = read_annotations(files, input_format=input_format, project=project, task=task,
                             duplicates=duplicates)
    click.echo(problems_text(table.problems, table.summary.to_dict()), err=True, nl=False)
    if table.duplicate_error:
        click.echo("error: duplicate (item, annotator) judgements; fix them or pass "
                   "--duplicates first|last to keep one", err=True)
        raise SystemExit(1)
    policy = project.policy_for(table.task_id or "") if project is not None else None
    gold_labels = read_gold(gold, project=project, task=table.task_id) if gold else None
    if gold_labels is not None and gold_labels.problems:
        click.echo(problems_text(gold_labels.problems, None), err=True, nl=False)
    report = agreement_report(
        table, project=project, scale=scale, by=by, gold=gold_labels,
        n_boot=n_boot if n_boot is not None else (policy.bootstrap if policy else 2000),
        seed=seed, confidence=policy.confidence if policy else 0.95,
        min_agreement=min_agreement,
    )
    click.echo(REPORTER_BY_NAME[fmt]().render(report), nl=False)
    if report.gate is not None and not report.gate[1]:
        click.echo(f"agreement gate failed: {report.gate[2]}", err=True)
    raise SystemExit(report.exit_code)


# --- impact, hotspots, demo (issue 5) -----------------------------------------------------


# --- docs (issue 6) -----------------------------------------------------------------------


def main() -> None:
    cli(prog_name="guidelines")


if __name__ == "__main__":
    sys.exit(main())
