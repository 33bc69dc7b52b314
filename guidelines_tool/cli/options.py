"""Options and arguments that several commands take, one decorator per family, so that each reads
the same (name, type, default, help) wherever it appears.

`format_option` takes its choices from the command's reporter registry (`<COMMAND>_REPORTERS`):
a format is added by adding a reporter, never by editing a list here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]

TASK_HELP = "Task id (needed when the data or the project has several)."


def format_option(reporters: Mapping[str, Any], *, default: str | None = "text", short: bool = False,
                  help: str | None = None) -> Decorator:
    """`--format` (dest `output_format`): the names of `reporters`, in their registry order."""
    names = ("--format", "-f") if short else ("--format",)
    return click.option(*names, "output_format", type=click.Choice(list(reporters)), default=default,
                        show_default=default is not None, help=help or "Output format.")


def color_option() -> Decorator:
    """`--color auto|always|never` (dest `color`): whether text output is coloured; auto means on
    a terminal, unless NO_COLOR is set (see `common.use_color`)."""
    return click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True,
                        help="Colour the text output: auto = on a terminal unless NO_COLOR is set.")


def task_option(*, required: bool = False, help: str = TASK_HELP) -> Decorator:
    """`--task` (dest `task_id`): the id of a task of the project."""
    return click.option("--task", "task_id", required=required, help=help)


def gold_option() -> Decorator:
    """`--gold`: a CSV file of adjudicated labels."""
    # no exists=True: the reader names what is wrong (a dangling link, a FIFO), click says
    # "does not exist" of both
    return click.option("--gold", type=click.Path(dir_okay=False, path_type=Path),
                        help="Adjudicated labels (item,label[,task]): accuracy per annotator.")


def seed_option() -> Decorator:
    """`--seed`: the random seed (the same seed, the same intervals: agreement's bootstrap,
    impact's split of the items for the annotators' spread)."""
    return click.option("--seed", type=int, default=0, show_default=True,
                        help="Random seed: the same seed gives the same numbers.")


def bootstrap_option(*, minimum: int) -> Decorator:
    """`--bootstrap` (dest `n_boot`): resamples over items; None lets the task's policy decide."""
    none = "; 0: none" if minimum == 0 else ""  # click shows the range itself
    return click.option(
        "--bootstrap", "n_boot", type=click.IntRange(min=minimum),
        help=f"Bootstrap resamples over items (default: the task's agreement policy, else 2000{none}).")


def duplicates_option() -> Decorator:
    """`--duplicates`: what to do with repeated (item, annotator) judgements."""
    return click.option("--duplicates", type=click.Choice(["error", "first", "last"]), default="error",
                        show_default=True, help="Repeated (item, annotator) judgements: fail, or keep one.")


def input_format_option() -> Decorator:
    """`--input-format`: the annotation files' format when the extension does not tell."""
    return click.option("--input-format", type=click.Choice(["csv", "jsonl", "parquet", "labelstudio", "prodigy"]),
                        help="Read every FILE in this format (default: from the extension).")


def since_option(*, help: str) -> Decorator:
    """`--since`: a lower bound on the history shown. What it accepts (any commit, or release tags
    only) and whether it is included is the command's, so each says so in its help."""
    return click.option("--since", help=help)


def project_option() -> Decorator:
    """`--project` (dest `project_dir`): the project folder, when it is not found from the paths."""
    return click.option(
        "--project", "project_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Project folder (default: found from the first PATH or the current folder).")


def config_file_option() -> Decorator:
    """`-f/--config-file`: the MkDocs config of the site commands."""
    return click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="The MkDocs config (default: mkdocs.yml at the project root).")


def paths_argument() -> Decorator:
    """PATHS: guideline files or folders (as pre-commit passes them); none means the whole project."""
    return click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


def annotation_files_argument() -> Decorator:
    """FILES: one or more annotation files."""
    return click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
