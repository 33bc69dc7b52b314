"""Typed records for everything the tool reads: projects, tasks, labels, rules, findings.

Loose input (YAML mappings, CSV rows) becomes these records at the boundary (`loading/`); no
code after it handles raw dicts. Records are frozen so they can be shared, hashed and compared.

Positions are not stored as line/column: every record carries a `Source` (file path plus the
path of keys and indexes inside the YAML document). `loading.locate()` turns a Source into
line:column only for the few places a finding is reported, so the fast path never pays for
position tracking.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

Scale = Literal["nominal", "ordinal", "interval", "ratio"]
Status = Literal["draft", "active", "deprecated"]
Severity = Literal["error", "warning"]
Pointer = tuple  # tuple[str | int, ...]: keys and list indexes from the document root

SCALES: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
STATUSES: tuple[str, ...] = ("draft", "active", "deprecated")


@dataclass(frozen=True, order=True)
class Source:
    """Where a record came from: a file (posix path relative to the project root) and a pointer."""

    path: str
    pointer: Pointer = ()

    def child(self, *keys: str | int) -> Source:
        return Source(self.path, self.pointer + tuple(keys))


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based line and column in a file."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in a guideline file. Ordered by (path, line, column, code)."""

    path: str
    line: int
    column: int
    code: str
    name: str
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    value: float | None = None
    source: Source = field(default=Source(""), compare=False)


@dataclass(frozen=True)
class AgreementPolicy:
    metric: str = "krippendorff_alpha"
    confidence: float = 0.95
    bootstrap: int = 2000
    min_items: int = 30
    target: float | None = 0.8
    # the false discovery rate `impact` holds its verdicts to (Benjamini–Hochberg q-values)
    fdr: float = 0.05
    # The fields an `agreement:` block set; None = every field is meant (built in code). A task's
    # block overrides the project's policy field by field, not the built-in defaults wholesale.
    explicit: frozenset[str] | None = field(default=None, compare=False, repr=False)

    def over(self, base: AgreementPolicy) -> AgreementPolicy:
        """This policy's explicitly set fields on top of `base`."""
        if self.explicit is None:
            return self
        return replace(base, **{name: getattr(self, name) for name in self.explicit})


@dataclass(frozen=True)
class Example:
    input: str
    label: str | tuple[str, ...]
    why: str = ""
    media: str = ""  # a picture (or other file) of the item; `input` then describes it
    quiz: bool = True  # False: never asked in a quiz
    source: Source = field(default=Source(""), compare=False)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.label if isinstance(self.label, tuple) else (self.label,)


@dataclass(frozen=True)
class AmbiguousCase:
    case: str
    resolution: str
    decided: str = ""  # ISO date as written
    by: str = ""  # who decided it
    label: str | tuple[str, ...] = ""  # the label the resolution gives (what a quiz asks for)
    quiz: bool = True  # False: never asked in a quiz
    source: Source = field(default=Source(""), compare=False)

    @property
    def labels(self) -> tuple[str, ...]:
        if isinstance(self.label, tuple):
            return self.label
        return (self.label,) if self.label else ()


@dataclass(frozen=True)
class Rule:
    """A decision rule. Identity is `id`; `source` says where this version of it lives."""

    id: str
    task: str
    title: str
    status: Status = "active"
    labels: tuple[str, ...] = ()
    decision: str | None = None
    when: str = ""
    unless: tuple[str, ...] = ()
    rationale: str = ""
    examples: tuple[Example, ...] = ()
    counterexamples: tuple[Example, ...] = ()
    ambiguous_cases: tuple[AmbiguousCase, ...] = ()
    overrides: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()
    replaced_by: str | None = None
    tags: tuple[str, ...] = ()
    source: Source = field(default=Source(""), compare=False)

    def content(self) -> dict[str, Any]:
        """The rule's fields as plain data (no source): what diffs and history compare."""
        return {name: _plain(getattr(self, name)) for name in RULE_FIELDS}


RULE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Rule) if f.name != "source")


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    description: str = ""
    scale: Scale = "nominal"
    multi_label: bool = False
    labels: tuple[Label, ...] = ()
    agreement: AgreementPolicy | None = None
    source: Source = field(default=Source(""), compare=False)

    @property
    def label_ids(self) -> tuple[str, ...]:
        return tuple(label.id for label in self.labels)

    def content(self) -> dict[str, Any]:
        return {
            f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "source"
        }


@dataclass(frozen=True)
class DocsConfig:
    title: str = "Annotation guidelines"


@dataclass(frozen=True)
class QuizConfig:
    """`quiz:` in guidelines.yaml: the share of right answers that passes, and the results file
    (`guidelines quiz score --format json` output) the quality page shows."""

    pass_mark: float = 0.8
    results: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    """`guidelines.yaml` (kind: project). Paths are relative to the project root."""

    name: str = "Guidelines"
    guidelines: str = "guidelines"
    annotations: str = "annotations"
    gold: str = "gold"
    branch: str = "main"
    release_tag_prefix: str = "v"
    agreement: AgreementPolicy = AgreementPolicy()
    docs: DocsConfig = DocsConfig()
    quiz: QuizConfig = QuizConfig()
    source: Source = field(default=Source("guidelines.yaml"), compare=False)


@dataclass(frozen=True)
class ExperimentArm:
    """One arm of a guideline experiment: the guidelines at `commit` (`ref` as the lead named it)."""

    commit: str
    ref: str = ""


@dataclass(frozen=True)
class ExperimentConclusion:
    """What `experiment conclude` recorded: the arm adopted, the analysis it rested on, and the
    commits that brought the adopted wording onto the branch (none when A stays)."""

    adopted: str  # "A" | "B"
    verdict: str = ""
    delta: float | None = None
    ci: tuple[float, float] | None = None
    p_value: float | None = None
    method: str = ""  # fast-forward | cherry-pick | none
    commits: tuple[str, ...] = ()
    date: str = ""
    source: Source = field(default=Source(""), compare=False)


@dataclass(frozen=True)
class Experiment:
    """A guideline experiment (`kind: experiment`, experiments/<id>.yaml): the pre-registered plan
    of an A/B test of a rule's wording, and its conclusion once there is one."""

    id: str
    task: str
    rules: tuple[str, ...]
    arms: dict[str, ExperimentArm]  # "A", "B"
    unit: str = "item"  # item | annotator
    seed: int = 0
    assignment: str = ""  # the arm assignment file, relative to the project root
    title: str = ""
    items_per_arm: int = 0
    per_item: int = 0
    annotators: int = 0
    scale: str = "nominal"
    items: str = "governed"  # governed | all: which items the primary measure reads
    confidence: float = 0.95
    min_items: int = 30
    effect: float = 0.10
    planned: str = ""
    conclusion: ExperimentConclusion | None = None
    source: Source = field(default=Source(""), compare=False)

    def commit(self, arm: str) -> str:
        found = self.arms.get(arm)
        return found.commit if found else ""


@dataclass(frozen=True)
class Project:
    """A loaded guideline project: config, tasks and rules, plus the findings loading produced."""

    root: Path
    config: ProjectConfig
    tasks: dict[str, Task]
    rules: tuple[Rule, ...]
    files: tuple[str, ...] = ()  # every guideline file read, relative posix paths
    load_findings: tuple[Finding, ...] = ()
    # for lint: the `kind` each mapping file declares (None when absent), and every task
    # as read, duplicates included (`tasks` keeps the first of each id)
    kinds: dict[str, Any] = field(default_factory=dict)
    all_tasks: tuple[Task, ...] = ()
    # ids that files which could not be read seem to define → that file: known, though unread
    unread_ids: dict[str, str] = field(default_factory=dict)
    experiments: tuple[Experiment, ...] = ()  # experiments/*.yaml, in file order

    def experiment(self, experiment_id: str) -> Experiment | None:
        return next((e for e in self.experiments if e.id == experiment_id), None)

    def rules_of(self, task_id: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.task == task_id)

    @cached_property
    def rules_by_id(self) -> dict[str, Rule]:
        """Each rule id's first definition (lint reports any later duplicate)."""
        by_id: dict[str, Rule] = {}
        for rule in self.rules:
            by_id.setdefault(rule.id, rule)
        return by_id

    def rule(self, rule_id: str) -> Rule | None:
        return self.rules_by_id.get(rule_id)

    def policy_for(self, task_id: str) -> AgreementPolicy:
        task = self.tasks.get(task_id)
        return task.agreement.over(self.config.agreement) if task and task.agreement else self.config.agreement


def _plain(value: Any) -> Any:
    """Records and tuples → dicts and lists, for comparison and JSON."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if f.compare}
    return value
