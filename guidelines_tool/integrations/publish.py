"""`publish <tool>`: push a task's labels and rules into a labeling tool's project, stamped with
the guideline version and commit, and record the push in the publish log.

The push is refused when the guideline files are not committed (the stamp would lie) and when it
would orphan annotations (a label removed that annotations of the project use) unless forced.
A dry run reads the tool but writes nothing: not the project, not the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guidelines_tool.errors import ConfigError, GuidelinesError
from guidelines_tool.integrations import (
    Guidelines, OrphanedAnnotations, Progress, Pushed, PushPlan, Stamp, Target, tool,
)
from guidelines_tool.integrations.instructions import instructions_html, make_site, site_from_mkdocs
from guidelines_tool.integrations.publish_log import PublishEntry, append_entry, latest_hotkeys, read_log
from guidelines_tool.integrations.stamp import stamp_of, uncommitted_error
from guidelines_tool.model import Finding, Project


@dataclass(frozen=True)
class PublishResult:
    plan: PushPlan
    stamp: Stamp
    pushed: Pushed | None = None  # None: a dry run
    log: Path | None = None
    notes: tuple[str, ...] = ()
    problems: tuple[Finding, ...] = field(default=())


def publish(root: Path, tool_name: str, target: Target, task_id: str, *, token: str,
            site_url: str | None = None, data_type: str = "text", dry_run: bool = False,
            force: bool = False, progress: Progress | None = None) -> PublishResult:
    """Plan the push, and unless `dry_run`, refuse it or make it and log it."""
    project, stamp, notes = _checked(root, task_id, dry_run=dry_run)
    task = project.tasks[task_id]
    site, why = (make_site(site_url), "") if site_url else site_from_mkdocs(root)
    if site is None:
        notes.append(f"the instructions do not link to the published site or the quiz: {why} "
                     "(set site_url in mkdocs.yml, or pass --site-url)")
    entries, problems = read_log(root)
    guidelines = Guidelines(task=task, instructions=instructions_html(project, task, stamp, site), stamp=stamp,
                            hotkeys=latest_hotkeys(entries, task.id), data_type=data_type)
    labeling = tool(tool_name, url=target.url, token=token)
    plan = labeling.plan(target, guidelines, progress=progress)
    notes.extend(plan.notes)
    if dry_run:
        return PublishResult(plan, stamp, notes=tuple(notes), problems=tuple(problems))
    if plan.orphans and not force:
        raise refusal(plan, task_id)
    pushed = labeling.apply(plan)
    entry = PublishEntry(tool=tool_name, url=pushed.url, project=pushed.project, task=task.id,
                         version=stamp.version, commit=stamp.commit, time=pushed.time, hotkeys=dict(plan.hotkeys))
    return PublishResult(plan, stamp, pushed, append_entry(root, entry), tuple(notes), tuple(problems))


def _checked(root: Path, task_id: str, *, dry_run: bool) -> tuple[Project, Stamp, list[str]]:
    """The project, if its guideline files are committed (a dry run only notes that they are
    not), validate without errors and define the task with labels; and HEAD's stamp."""
    from guidelines_tool.project import load_project
    from guidelines_tool.validation import validate

    project = load_project(root)
    stamp, changed = stamp_of(root, project.config)
    notes = []
    if changed:
        if not dry_run:
            raise uncommitted_error(changed)
        notes.append(str(uncommitted_error(changed)).replace("commit them first", "a push would be refused"))
    errors = [f for f in validate(root).findings if f.severity == "error"]
    if errors:
        first = "; ".join(f"{f.path}:{f.line}:{f.column}: {f.message}" for f in errors[:3])
        raise ConfigError(f"the guidelines do not validate ({len(errors)} error{'s' if len(errors) > 1 else ''}: "
                          f"{first}); fix them (`guidelines validate`) before pushing")
    task = project.tasks.get(task_id)
    if task is None:
        raise ConfigError(f"no task {task_id!r} in the guidelines (tasks: {', '.join(sorted(project.tasks)) or 'none'})")
    if not task.labels:
        raise ConfigError(f"task {task_id!r} has no labels to push")
    return project, stamp, notes


def refusal(plan: PushPlan, task_id: str) -> GuidelinesError:
    """The error for a push that would orphan annotations, naming the labels."""
    count = sum(plan.orphans.values())
    labels = ", ".join(f"{label} ({n} annotation{'s' if n != 1 else ''})" for label, n in sorted(plan.orphans.items()))
    where = f"project {plan.target.project}" if plan.target.project else "the project"
    return OrphanedAnnotations(
        f"the push would orphan {count} annotation{'s' if count != 1 else ''} in {where}: task "
        f"{task_id!r} no longer has label{'s' if len(plan.orphans) > 1 else ''} {labels}. Keep the "
        "label (deprecate the rules that use it instead), or pass --force to push anyway: those "
        "annotations would no longer match a choice")
