"""The history commands: `log`, `diff`, `changelog`, `release` (rule revisions read from git)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from guidelines_tool.cli.common import project_root, warn_finding
from guidelines_tool.cli.options import format_option, since_option
from guidelines_tool.errors import EXIT_CLEAN
from guidelines_tool.reporters.history import CHANGELOG_REPORTERS, DIFF_REPORTERS, LOG_REPORTERS

if TYPE_CHECKING:
    from guidelines_tool.history import History

SHOWN_PROBLEMS = 5  # old broken versions are worth knowing about, not worth a screenful


class ProgressBar:
    """A `progress(done, total)` callback that shows a bar on stderr once a walk takes a moment.

    Nothing is drawn when stderr is not a terminal, nor for walks done within half a second.
    """

    def __init__(self, label: str, delay: float = 0.5) -> None:
        import time

        self.label, self.delay, self.clock = label, delay, time.monotonic
        self.started = self.clock()
        self.bar = None
        self.shown = 0
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or (self.bar is None and self.clock() - self.started < self.delay):
            return
        if self.bar is None or self.bar.length != total or done < self.shown:
            self.close()
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.shown = 0
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def read_history_shown(root: Path) -> History:
    """The project's history, with a progress bar while it is read and its notes and
    unparsable old versions on stderr."""
    from guidelines_tool.history import read_history

    progress = ProgressBar("reading rule history")
    try:
        history = read_history(root, progress=progress)
    finally:
        progress.close()
    for note in history.notes:
        click.echo(f"note: {note}", err=True)
    for finding in history.problems[:SHOWN_PROBLEMS]:
        warn_finding(finding)
    if len(history.problems) > SHOWN_PROBLEMS:
        click.echo(f"warning: ... and {len(history.problems) - SHOWN_PROBLEMS} more unparsable old versions", err=True)
    return history


@click.command("log")
@click.argument("rule_id")
@format_option(LOG_REPORTERS)
def log_command(rule_id: str, output_format: str) -> int:
    """Every revision of one rule, newest first, across renames and moves.

    History is read along the first-parent line of the config's `branch` (its
    `origin/` copy in CI checkouts; HEAD, with a note, when neither exists). Shallow
    clones are refused: fetch the full history first.
    """
    from guidelines_tool.history import rule_revisions
    from guidelines_tool.reporters.history import RuleLog

    from guidelines_tool.experiment.conclude import revision_notes
    from guidelines_tool.project import load_experiments

    root = project_root()
    history = read_history_shown(root)
    revisions = rule_revisions(history, rule_id)
    log = RuleLog(rule_id, revisions, history.branch, revision_notes(load_experiments(root)))
    click.echo(LOG_REPORTERS[output_format]().render(log))
    return EXIT_CLEAN


@click.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@format_option(DIFF_REPORTERS)
def diff_command(old: str | None, new: str | None, output_format: str) -> int:
    """Rule-level diff between two revisions (default: HEAD vs the working tree) and its bump.

    One revision: that revision vs the working tree. `--format md` is a table for a
    pull-request comment. Works in shallow clones (it reads only the two trees).
    """
    from guidelines_tool.history import compare

    comparison = compare(project_root(), old, new)
    for finding in comparison.problems:
        warn_finding(finding)
    click.echo(DIFF_REPORTERS[output_format]().render(comparison))
    return EXIT_CLEAN


@click.command("changelog")
@since_option(help="Only releases after this release tag (or version).")
@format_option(CHANGELOG_REPORTERS, default="md")
def changelog_command(since: str | None, output_format: str) -> int:
    """Rules added / changed / deprecated / removed per release tag; unreleased changes on top."""
    from guidelines_tool.releases import build_changelog

    from guidelines_tool.experiment.conclude import attach_experiments
    from guidelines_tool.project import load_experiments

    root = project_root()
    history = read_history_shown(root)
    changelog = attach_experiments(build_changelog(history, since=since), history, load_experiments(root))
    click.echo(CHANGELOG_REPORTERS[output_format]().render(changelog), nl=False)
    return EXIT_CLEAN


@click.command("release")
@click.option("--dry-run", is_flag=True, help="Show the version and changelog; create no tag.")
def release_command(dry_run: bool) -> int:
    """Tag the next semantic version (annotated tag; its message is the release's changelog).

    The bump is the highest level of everything since the last release tag; the first
    release is 1.0.0. Refuses on uncommitted changes, when nothing changed, and when HEAD
    is not the tip of the release branch.
    """
    from guidelines_tool.history import create_tag
    from guidelines_tool.releases import plan_release
    from guidelines_tool.reporters.history import release_text, section_markdown

    root = project_root()
    plan = plan_release(read_history_shown(root))
    if not dry_run:
        create_tag(root, plan.tag, plan.commit.sha, section_markdown(plan.section))
    click.echo(release_text(plan, dry_run=dry_run), nl=False)
    return EXIT_CLEAN
