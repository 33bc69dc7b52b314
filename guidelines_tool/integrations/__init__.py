"""Labeling tools: a task's labels and rules pushed to where annotators work, their judgements
pulled back, each stamped with the guideline revision that was live when it was made.

One small interface, `LabelingTool`, with three methods: `plan()` reads the tool's side and says
what a push would write (read-only: `--dry-run` stops there), `apply()` writes it, `pull()` turns
the tool's annotations into long-format rows. Everything that is not about one tool lives beside
it in this package — the version stamp (`stamp.py`), the instructions (`instructions.py`), the
publish log (`publish_log.py`), refusing a push that would orphan annotations (`publish.py`),
writing the long-format file (`pull.py`) — so another tool (Argilla, CVAT) only implements the
three methods. Label Studio is the one implementation (`label_studio/`); `TOOLS` lists it.

Nothing here prints or exits: the CLI does (`cli/integrations.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from guidelines_tool.errors import EXIT_FINDINGS, GuidelinesError
from guidelines_tool.model import Finding, Project, Task

Progress = Callable[[int, int], None]  # (done, total)


class IntegrationError(GuidelinesError):
    """The labeling tool cannot be reached, refuses the token, or answers unexpectedly."""


class OrphanedAnnotations(GuidelinesError):
    """A push would remove labels that existing annotations use (exit 1: the change, not the
    command, is at fault — like a failed gate)."""

    exit_code = EXIT_FINDINGS


@dataclass(frozen=True)
class Stamp:
    """Which guidelines a push carries: the release `version` (`git describe` form when HEAD is
    past the tag, `unreleased` before any), the full `commit` sha and its ISO `date`."""

    version: str
    commit: str
    date: str


@dataclass(frozen=True)
class Target:
    """Where to push or pull: a tool's server and a project on it, or the title of a project to
    create (`create`; `project` is None then)."""

    url: str
    project: str | None = None
    create: str | None = None


@dataclass(frozen=True)
class Guidelines:
    """What a push writes: the task (its labels), instructions as sanitised HTML, the stamp, the
    hotkeys earlier pushes gave the labels (label id → key), and the kind of data a new project
    shows (`text`, `image`, ...)."""

    task: Task
    instructions: str
    stamp: Stamp
    hotkeys: Mapping[str, str] = field(default_factory=dict)
    data_type: str = "text"


@dataclass(frozen=True)
class PushPlan:
    """What a push would write and what it would change. `orphans`: label → annotations of the
    project that use a label the push removes. `state`: the tool's own, for `apply()`."""

    target: Target
    config: str
    instructions: str
    hotkeys: Mapping[str, str]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    orphans: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    state: Any = None


@dataclass(frozen=True)
class Pushed:
    """A push the tool accepted: the project it went to and when (ISO 8601 UTC, the server's
    clock when it says, since annotation times are the server's too)."""

    url: str
    project: str
    time: str
    project_url: str = ""


@dataclass
class Pulled:
    """Judgements pulled from a tool as long-format rows (`item`, `annotator`, `label`,
    `annotated_at`, and `task` / `batch` / `guideline_rev` where the data has them), the
    problems the export reader found, what was left out by reason, and how many tasks were read."""

    rows: list[dict[str, Any]]
    problems: list[Finding] = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)
    tasks: int = 0


class LabelingTool(Protocol):
    """A labeling tool the rules can be pushed to and judgements pulled from."""

    name: str

    def plan(self, target: Target, guidelines: Guidelines, *, progress: Progress | None = None) -> PushPlan:
        """Read the project (if any) and work out the config and instructions to write."""

    def apply(self, plan: PushPlan) -> Pushed:
        """Write the plan: create or update the project."""

    def pull(self, target: Target, *, project: Project | None, task: str | None,
             progress: Progress | None = None) -> Pulled:
        """Every annotation of the project, as long-format rows."""


def tool(name: str, *, url: str, token: str) -> LabelingTool:
    """The implementation registered under `name`, connected to `url` with `token`."""
    from guidelines_tool.integrations.label_studio import LabelStudio

    tools: dict[str, Callable[..., LabelingTool]] = {LabelStudio.name: LabelStudio}
    if name not in tools:
        raise IntegrationError(f"unknown labeling tool {name!r} (known: {', '.join(sorted(tools))})")
    return tools[name](url=url, token=token)
