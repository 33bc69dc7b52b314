"""The `guidelines` command line. Commands parse options, call one core function, hand the
result to a reporter and exit with its code. No logic lives here.

Exit codes: 0 clean, 1 findings (or a failed gate), 2 usage or configuration error,
3 internal error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from guidelines_tool import __version__
from guidelines_tool.errors import GuidelinesError
from guidelines_tool.reporters.findings import REPORTER_BY_NAME as VALIDATE_FORMATS
from guidelines_tool.schema import KINDS as SCHEMA_KINDS

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


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "-f", "output_format", type=click.Choice(sorted(VALIDATE_FORMATS)), default=None,
    help="Report format (default: text; github when GITHUB_ACTIONS=true).",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--project", "project_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Project folder (default: found from the first PATH or the current folder).",
)
def validate_command(paths: tuple[Path, ...], output_format: str | None, strict: bool, project_dir: Path | None) -> None:
    """Check guideline files: YAML, schema and semantic lint.

    With PATHs (files or folders, as pre-commit passes them) the whole project is still read,
    so cross-file checks work; only findings in those files are reported.
    """
    from guidelines_tool.validation import validate

    root = project_root(project_dir or (paths[0] if paths else None))
    result = validate(root, list(paths) or None)
    reporter = VALIDATE_FORMATS[output_format or _default_format()]()
    click.echo(reporter.render(result), nl=False)
    click.echo(reporter.summary(result), err=True)
    _write_step_summary(result)
    sys.exit(result.exit_code(strict=strict))


def _write_step_summary(result) -> None:
    """On GitHub Actions, also append a Markdown summary (annotations show only a handful)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from guidelines_tool.reporters.findings import MarkdownReporter

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(MarkdownReporter().render(result))
    except OSError as exc:
        click.echo(f"warning: cannot write the step summary to {target}: {exc.strerror}", err=True)


@cli.command("schema")
@click.option("--kind", "-k", type=click.Choice(SCHEMA_KINDS), help="One schema (default: all).")
@click.option(
    "--output", "-o", "output_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Write <kind>.schema.json files into this folder instead of printing.",
)
def schema_command(kind: str | None, output_dir: Path | None) -> None:
    """Print or write the JSON Schemas (for editors: yaml-language-server, JetBrains)."""
    from guidelines_tool.schema import schema_file_name, schema_texts

    texts = schema_texts()
    kinds = [kind] if kind else list(SCHEMA_KINDS)
    if output_dir is None:
        if kind:
            click.echo(texts[kind], nl=False)
        else:  # several documents: one JSON object keyed by kind
            click.echo(json.dumps({k: json.loads(texts[k]) for k in kinds}, indent=2, ensure_ascii=False))
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in kinds:
        (output_dir / schema_file_name(name)).write_text(texts[name], encoding="utf-8")
        click.echo(f"wrote {output_dir / schema_file_name(name)}", err=True)



# --- authoring: init, new-rule, fmt (issue 2) ---------------------------------------------


@cli.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="Project name (default: from the folder name).")
@click.option("--force", is_flag=True, help="Overwrite files the scaffold would write if they exist.")
def init_command(directory: Path, name: str | None, force: bool) -> None:
    """Scaffold a guideline repository in DIRECTORY (default: here).

    Writes guidelines.yaml, a sample task with two rules, the JSON Schemas, mkdocs.yml and docs/,
    pre-commit and GitHub Actions config, and VS Code settings. Refuses to overwrite files.
    """
    from guidelines_tool.scaffold import init_project

    scaffold = init_project(directory, name=name, force=force)
    for path in scaffold.files:
        click.echo(path)
    click.echo(f"created a guideline project in {directory} ({len(scaffold.files)} files)", err=True)
    click.echo("next: git init, `guidelines validate`, `guidelines new-rule --task review-sentiment`", err=True)


@cli.command("new-rule")
@click.option("--task", "task_id", required=True, help="The task the rule belongs to.")
@click.option("--title", help="The rule's title (default: a TODO to fill in).")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: beside the task's rule files, else guidelines/<task>/rules/<ID>.yaml).")
def new_rule_command(task_id: str, title: str | None, file: Path | None) -> None:
    """Write a new rule with the next free id for TASK, and print its path."""
    from guidelines_tool.authoring import new_rule

    created = new_rule(project_root(), task_id, title=title, path=file)
    click.echo(os.path.relpath(created.path))
    for note in created.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"created {created.rule_id} (draft) for task {task_id}", err=True)


@cli.command("fmt")
@click.option("--check", is_flag=True, help="Write nothing; list files that would change and exit 1 if any.")
@click.option("--diff", "show_diff", is_flag=True, help="Like --check, but print the changes as a unified diff.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def fmt_command(check: bool, show_diff: bool, paths: tuple[Path, ...]) -> None:
    """Rewrite guideline files in canonical key order and style, keeping comments.

    Keys in the documented order (unknown keys last, as written), 2-space indent with sequences
    indented under their key, multi-line strings as literal blocks; quoting, short flow
    collections, an opening `---` and CRLF line endings stay as written; a byte-order mark is
    dropped. A file is only rewritten when the result holds the same data and every comment;
    otherwise it is reported with line:col and left untouched. With no PATHS: guidelines.yaml
    and every file of the guideline folder.
    """
    from guidelines_tool.formatting import format_paths

    report = format_paths(list(paths), check=check, diff=show_diff)
    for outcome in report.outcomes:
        if outcome.diff:
            click.echo(outcome.diff, nl=False)
        elif outcome.status in ("reformatted", "would-reformat"):
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


class _ProgressBar:
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


def _history(root: Path):
    from guidelines_tool.history import read_history

    progress = _ProgressBar("reading rule history")
    try:
        history = read_history(root, progress=progress)
    finally:
        progress.close()
    for note in history.notes:
        click.echo(f"note: {note}", err=True)
    shown = 5  # old broken versions are worth knowing about, not worth a screenful
    for finding in history.problems[:shown]:
        click.echo(f"warning: {finding.path}:{finding.line}:{finding.column}: {finding.message}", err=True)
    if len(history.problems) > shown:
        click.echo(f"warning: ... and {len(history.problems) - shown} more unparsable old versions", err=True)
    return history


@cli.command("log")
@click.argument("rule_id")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def log_command(rule_id: str, output_format: str) -> None:
    """Every revision of one rule, newest first, across renames and moves.

    History is read along the first-parent line of the config's `branch` (its
    `origin/` copy in CI checkouts; HEAD, with a note, when neither exists). Shallow
    clones are refused: fetch the full history first.
    """
    from guidelines_tool.history import rule_revisions
    from guidelines_tool.reporters.history import LOG_REPORTERS

    history = _history(project_root())
    revisions = rule_revisions(history, rule_id)
    click.echo(LOG_REPORTERS[output_format]().render(rule_id, revisions, history.branch))


@cli.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def diff_command(old: str | None, new: str | None, output_format: str) -> None:
    """Rule-level diff between two revisions (default: HEAD vs the working tree) and its bump.

    One revision: that revision vs the working tree. `--format md` is a table for a
    pull-request comment. Works in shallow clones (it reads only the two trees).
    """
    from guidelines_tool.history import compare
    from guidelines_tool.reporters.history import DIFF_REPORTERS

    comparison = compare(project_root(), old, new)
    for finding in comparison.problems:
        click.echo(f"warning: {finding.path}:{finding.line}:{finding.column}: {finding.message}", err=True)
    click.echo(DIFF_REPORTERS[output_format]().render(comparison))


@cli.command("changelog")
@click.option("--since", help="Only releases after this release tag (or version).")
@click.option("--format", "output_format", type=click.Choice(["md", "json"]), default="md", show_default=True)
def changelog_command(since: str | None, output_format: str) -> None:
    """Rules added / changed / deprecated / removed per release tag; unreleased changes on top."""
    from guidelines_tool.reporters.history import CHANGELOG_REPORTERS
    from guidelines_tool.releases import build_changelog

    changelog = build_changelog(_history(project_root()), since=since)
    click.echo(CHANGELOG_REPORTERS[output_format]().render(changelog), nl=False)


@cli.command("release")
@click.option("--dry-run", is_flag=True, help="Show the version and changelog; create no tag.")
def release_command(dry_run: bool) -> None:
    """Tag the next semantic version (annotated tag; its message is the release's changelog).

    The bump is the highest level of everything since the last release tag; the first
    release is 1.0.0. Refuses on uncommitted changes, when nothing changed, and when HEAD
    is not the tip of the release branch.
    """
    from guidelines_tool.history import create_tag
    from guidelines_tool.reporters.history import release_text, section_markdown
    from guidelines_tool.releases import plan_release

    root = project_root()
    plan = plan_release(_history(root))
    if not dry_run:
        create_tag(root, plan.tag, plan.commit.sha, section_markdown(plan.section))
    click.echo(release_text(plan, dry_run=dry_run), nl=False)



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


DUPLICATES_OPTION = click.option(
    "--duplicates", type=click.Choice(["error", "first", "last"]), default="error", show_default=True,
    help="Repeated (item, annotator) judgements: fail, or keep one.")


def _read_table(files, project, task, duplicates, *, duplicate_exit: int, **options):
    """Read annotation FILES; row problems and the read summary go to stderr, and unresolved
    duplicates end the command with `duplicate_exit`."""
    from guidelines_tool.annotations import read_annotations
    from guidelines_tool.reporters.agreement import problems_text

    table = read_annotations(files, project=project, task=task, duplicates=duplicates, **options)
    click.echo(problems_text(table.problems, table.summary.to_dict()), err=True, nl=False)
    if table.duplicate_error:
        click.echo("error: duplicate (item, annotator) judgements; fix them or pass "
                   "--duplicates first|last to keep one", err=True)
        raise SystemExit(duplicate_exit)
    return table


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
@DUPLICATES_OPTION
def agreement_command(files, task, scale, by, gold, fmt, seed, n_boot, min_agreement,
                      input_format, duplicates) -> None:
    """Inter-annotator agreement of annotation FILES, with bootstrap intervals."""
    from guidelines_tool.agreement_report import agreement_report
    from guidelines_tool.reporters.agreement import REPORTER_BY_NAME, problems_text
    from guidelines_tool.annotations import read_gold

    project = _optional_project()
    table = _read_table(files, project, task, duplicates, duplicate_exit=1, input_format=input_format)
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


def _annotation_table(files, project, task, duplicates="error"):
    """Read annotation FILES for one task (impact, hotspots)."""
    # a judgement repeated at another time may fall under another revision: impact's windows
    # tell, so it is a re-label here, not a duplicate
    return _read_table(files, project, task, duplicates, duplicate_exit=2, relabel_by_time=True)


def _annotation_tables(files, project, task, duplicates="error"):
    """One table per task: `impact` without --task analyses every task the files cover."""
    from guidelines_tool.errors import DataError

    try:
        return [_annotation_table(files, project, task, duplicates)]
    except DataError as exc:
        if task is not None or project is None or "cover several tasks" not in str(exc):
            raise
    tables = [_annotation_table(files, project, task_id, duplicates) for task_id in sorted(project.tasks)]
    return [table for table in tables if len(table)]


@cli.command("impact")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rule", "rule_id", help="Only this rule's revisions.")
@click.option("--task", help="Task id (needed when the data or the project has several).")
@click.option("--since", help="Only revisions at or after this commit, tag or release (a pull request's new "
                              "commits: what --fail-on-regression gates).")
@click.option("--window", type=click.Choice(["adjacent", "rule"]), default="adjacent", show_default=True,
              help="adjacent: the states just before and after the commit; rule: the rule's whole "
                   "previous version vs its new one (more data, other changes mixed in).")
@click.option("--annotators", type=click.Choice(["all", "shared"]), default="all", show_default=True,
              help="shared: compare only annotators who worked both before and after each commit.")
@click.option("--scope", "scope_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Item -> rule ids (columns item, scope): which rule governs which item, independently "
                   "of the labels. Preferred to citations (a `scope` column in FILES works too).")
@click.option("--fdr", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              help="False discovery rate of the verdicts (default: the agreement policy's fdr, 0.05).")
@click.option("--placebo", type=click.IntRange(min=0), default=0, show_default=True,
              help="Re-run the analysis at N positions where no rule changed: this project's false-"
                   "positive rate and null spread.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed (annotator spread and placebo).")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=100), hidden=True,
              help="No longer used (impact's intervals are analytic, items and annotators random); "
                   "accepted so that existing scripts still run.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@click.option("--fail-on-regression", is_flag=True,
              help="Exit 1 when a revision at or after --since cut agreement (Holm over those revisions).")
@DUPLICATES_OPTION
def impact_command(files, rule_id, task, since, window, annotators, scope_file, fdr, placebo, seed, n_boot, fmt,
                   fail_on_regression, duplicates) -> None:
    """Link each rule revision to the agreement change it caused, from annotation FILES."""
    from guidelines_tool.annotations import read_scope
    from guidelines_tool.history import read_history
    from guidelines_tool.impact import compute_impact
    from guidelines_tool.reporters.impact import IMPACT_REPORTERS
    from guidelines_tool.loading import load_project

    root = project_root()
    project = load_project(root)
    tables = _annotation_tables(files, project, task, duplicates)
    scope = read_scope(scope_file) if scope_file else None
    history = read_history(root)
    report = compute_impact(project, history, tables, rule=rule_id, task=task, since=since,
                            seed=seed, window=window, bootstrap=n_boot, fdr=fdr, annotators=annotators,
                            scope=scope, placebo=placebo, gate=fail_on_regression)
    click.echo(IMPACT_REPORTERS[fmt]().render(report), nl=False)
    if fail_on_regression and report.gate is not None and report.gate.failed:
        names = ", ".join(f"{r.spec.rule}@{r.spec.commit[:7]}" for r in report.gate.failed)
        click.echo(f"agreement regressed after: {names} (Holm over {report.gate.revisions} revisions)", err=True)
        raise SystemExit(1)


@cli.command("hotspots")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--task", help="Task id (needed when the data or the project has several).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Rows per list.")
@click.option("--gold", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Adjudicated labels (item,label[,task]): annotators' accuracy.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@DUPLICATES_OPTION
def hotspots_command(files, task, top, gold, fmt, duplicates) -> None:
    """Where annotators still disagree: confused labels, items, rules to clarify, annotators."""
    from guidelines_tool.annotations import read_gold
    from guidelines_tool.hotspots import hotspots
    from guidelines_tool.reporters.impact import HOTSPOT_REPORTERS

    project = _optional_project()
    table = _annotation_table(files, project, task, duplicates)
    gold_labels = read_gold(gold, project=project, task=table.task_id) if gold else None
    if gold_labels is not None and gold_labels.problems:
        from guidelines_tool.reporters.agreement import problems_text

        click.echo(problems_text(gold_labels.problems, None), err=True, nl=False)
    report = hotspots(project, table, top=top, gold=gold_labels)
    click.echo(HOTSPOT_REPORTERS[fmt]().render(report), nl=False)


@cli.command("demo")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def demo_command(directory) -> None:
    """Build a sample guideline repository with a months-long history and simulated annotation
    batches in DIRECTORY (default: ./guidelines-demo), then run validate, impact and hotspots."""
    from guidelines_tool.demo import run_demo

    lines = run_demo(directory or Path("guidelines-demo"),
                     progress=lambda message: click.echo(f"… {message}", err=True))
    for line in lines:
        click.echo(line)



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

    problems: list[str] = []
    written = write_pages(project_root(), out, rev=rev, problems=problems)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
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
    # A file name that is not UTF-8 reaches us with surrogate escapes (as os names it); write
    # it back as its own bytes, like git and ls do, instead of failing on a strict UTF-8 stdout.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    cli(prog_name="guidelines")


if __name__ == "__main__":
    sys.exit(main())
