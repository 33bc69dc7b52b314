"""`publish label-studio` and `pull label-studio` (issue 15): parse the options, call
`integrations.publish` / `integrations.pull`, say what happened on stderr.

The token comes only from LABEL_STUDIO_API_KEY: a flag would land in shell history and CI logs,
a file could be committed with the guidelines.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from guidelines_tool.cli.common import project_root
from guidelines_tool.cli.options import task_option
from guidelines_tool.errors import EXIT_CLEAN
from guidelines_tool.integrations.label_studio.client import TOKEN_VARIABLE
from guidelines_tool.integrations.label_studio.config import DATA_TYPES

URL_OPTION = click.option(
    "--url", envvar="LABEL_STUDIO_URL", default="http://localhost:8080", show_default=True,
    help="The Label Studio server (or set LABEL_STUDIO_URL).")


def _progress(label: str):
    from guidelines_tool.cli.history import ProgressBar

    return ProgressBar(label)


def _note_all(notes, problems=()) -> None:
    for problem in problems:
        click.echo(f"warning: {problem.path}:{problem.line}: {problem.message}", err=True)
    for note in notes:
        click.echo(f"note: {note}", err=True)


def _optional_root() -> Path | None:
    """The guideline project around the working folder, or None outside one."""
    from guidelines_tool.project import find_root
    from guidelines_tool.errors import ConfigError

    try:
        return find_root()
    except ConfigError:
        return None


@click.group("publish")
def publish_group() -> None:
    """Push the guidelines into a labeling tool, where annotators work."""


@publish_group.command("label-studio")
@task_option(required=True, help="The task whose labels and rules to push.")
@click.option("--project", "project_id", type=click.IntRange(min=1), help="The Label Studio project to update.")
@click.option("--create", "title", help="Create a new project with this title instead.")
@URL_OPTION
@click.option("--site-url", help="The published guidelines' home page, for the links in the instructions "
                                 "(default: site_url in mkdocs.yml).")
@click.option("--data-type", type=click.Choice(sorted(DATA_TYPES)), default="text", show_default=True,
              help="What a new project's items are (an existing project keeps its own data tags).")
@click.option("--dry-run", is_flag=True, help="Print the labeling config and instructions; change nothing.")
@click.option("--force", is_flag=True, help="Push even when removed labels orphan existing annotations.")
def publish_label_studio_command(task_id: str, project_id: int | None, title: str | None, url: str,
                                 site_url: str | None, data_type: str, dry_run: bool, force: bool) -> int:
    """Write TASK's labels (the labeling config's choices) and rules (the project's
    instructions, stamped with the guideline version and commit) into a Label Studio project,
    and record the push in .guidelines/publish-log.jsonl.

    The token is read from LABEL_STUDIO_API_KEY (a personal access token, or a legacy token on
    a server that allows them). Refused, with exit status 1, when removed labels would orphan
    annotations of the project (unless --force); with 2 when the guideline files have
    uncommitted changes.
    """
    from guidelines_tool.integrations import Target
    from guidelines_tool.integrations.publish import publish, refusal

    if (project_id is None) == (title is None):
        raise click.UsageError("give either --project ID or --create TITLE")
    target = Target(url=url, project=str(project_id) if project_id else None, create=title)
    progress = _progress("reading the project's annotations")
    try:
        result = publish(project_root(), "label-studio", target, task_id, token=os.environ.get(TOKEN_VARIABLE, ""),
                         site_url=site_url, data_type=data_type, dry_run=dry_run, force=force, progress=progress)
    finally:
        progress.close()
    _note_all(result.notes, result.problems)
    plan = result.plan
    changes = ", ".join(part for part in (f"adds {', '.join(plan.added)}" if plan.added else "",
                                          f"removes {', '.join(plan.removed)}" if plan.removed else "") if part)
    if dry_run:
        click.echo(_dry_run_text(result, title, url))
        click.echo(f"dry run: nothing written{'; the push ' + changes if changes else ''}", err=True)
        if plan.orphans and not force:
            raise refusal(plan, task_id)
        return EXIT_CLEAN
    click.echo(f"pushed task {task_id} ({result.stamp.version}, commit {result.stamp.commit[:12]}) to "
               f"{result.pushed.project_url}" + (f"; {changes}" if changes else ""))
    if plan.orphans:
        click.echo(f"warning: forced: {sum(plan.orphans.values())} annotations use removed labels "
                   f"({', '.join(sorted(plan.orphans))})", err=True)
    click.echo(_next_steps(result, task_id), err=True)
    return EXIT_CLEAN


def _next_steps(result, task_id: str) -> str:
    """Commit the log, then pull: as commands that run as printed from the working folder."""
    import shlex

    from guidelines_tool.cli.invocation import invocation

    log = shlex.quote(os.path.relpath(result.log))
    pushed = result.pushed
    message = shlex.quote(f"Publish {task_id} {result.stamp.version} to Label Studio project {pushed.project}")
    tool = invocation().from_folder(Path("."))
    pull = (f"{tool} pull label-studio --project {pushed.project} --url {shlex.quote(pushed.url)} "
            f"-o {shlex.quote(f'label-studio-{pushed.project}.csv')}")
    return (f"recorded in {log}: commit it with the guidelines, so that a pull can tell which rules each "
            f"annotation was made under:\n  git add {log} && git commit -m {message} -- {log}\n"
            f"after annotating, pull the annotations back:\n  {pull}")


def _dry_run_text(result, title: str | None, url: str) -> str:
    """The config and the instructions a push would write, each headed by an XML comment."""
    plan, stamp = result.plan, result.stamp
    where = f"project {plan.target.project}" if plan.target.project else f"new project {title!r}"
    return (f"<!-- labeling config for {where} at {url} -->\n{plan.config}\n"
            f"<!-- instructions (guidelines {stamp.version}, commit {stamp.commit[:12]}) -->\n{plan.instructions}")


@click.group("pull")
def pull_group() -> None:
    """Pull annotations back from a labeling tool."""


@pull_group.command("label-studio")
@click.option("--project", "project_id", required=True, type=click.IntRange(min=1), help="The Label Studio project.")
@URL_OPTION
@task_option()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (.csv, .tsv, .jsonl or .parquet) instead of CSV on standard output.")
def pull_label_studio_command(project_id: int, url: str, task_id: str | None, output: Path | None) -> int:
    """Every annotation of a Label Studio project as a long-format annotation file: item,
    annotator, label, annotated_at, and guideline_rev — the commit of the push that was live when
    the annotation was made (.guidelines/publish-log.jsonl). Cancelled annotations, drafts and
    predictions are left out and counted. `agreement` and `impact` read the file like any other.
    """
    from guidelines_tool.integrations import Target
    from guidelines_tool.integrations.pull import excluded_text, output_format, pull, render_text, write_rows

    output_format(output)  # a bad extension fails before the download, not after
    target = Target(url=url, project=str(project_id))
    progress = _progress("pulling tasks")
    try:
        result = pull(_optional_root(), "label-studio", target,
                      token=os.environ.get(TOKEN_VARIABLE, ""), task=task_id, progress=progress)
    finally:
        progress.close()
    shown = 20
    _note_all([], result.problems)
    for finding in result.pulled.problems[:shown]:
        click.echo(f"{finding.path}: {finding.severity} {finding.code} {finding.message}", err=True)
    if len(result.pulled.problems) > shown:
        click.echo(f"... and {len(result.pulled.problems) - shown} more", err=True)
    if output is None:
        click.echo(render_text(result.rows, "csv"), nl=False)
    else:
        write_rows(result.rows, output)
    annotators = len({row.get("annotator") for row in result.rows})
    click.echo(f"pulled {len(result.rows)} judgements by {annotators} annotator{'s' if annotators != 1 else ''} "
               f"on {result.pulled.tasks} tasks from project {project_id}; left out: "
               f"{excluded_text(result.pulled.excluded)}", err=True)
    if result.pushes:
        click.echo(f"guideline_rev: {result.stamped} from {result.pushes} push{'es' if result.pushes != 1 else ''}"
                   + (f", {result.before_first_push} made before the first push (none)" if result.before_first_push else ""),
                   err=True)
    _note_all(result.notes)
    if output is not None:
        click.echo(f"wrote {output}", err=True)
    return EXIT_CLEAN
