"""A task's Label Studio labeling config, built the one way every writer of one builds it:
`publish label-studio` (onto a project's config) and `quiz build` (onto the quiz's own layout).
One builder, so a quiz project is a project like any other: a later push finds the task's
control and rewrites it in place (no second control beside it), keys and hints agree with the
work project, and exports name the answers after the task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from guidelines_tool.integrations.instructions import hint_text
from guidelines_tool.integrations.label_studio.config import (
    ExistingChoices, assign_hotkeys, build_config, other_hotkeys, read_choices,
)
from guidelines_tool.model import Task


@dataclass(frozen=True)
class LabelingConfig:
    config: str  # the XML to write
    hotkeys: dict[str, str]  # label id → key
    before: ExistingChoices | None  # the task's control as `existing` had it (None: none yet)


def labeling_config(existing: str | None, task: Task, *, hotkeys: Mapping[str, str] | None = None,
                    data_type: str = "text", to_name: str | None = None) -> LabelingConfig:
    """`existing` (a project's config, a quiz layout, or None for a new project) with the
    task's `<Choices>` control written from its labels. `hotkeys`: the keys the task's last
    push gave (the publish log); keys already in `existing` win. Raises `config.ConfigError`
    when `existing` is not XML."""
    before = read_choices(existing, task.id)
    keys = assign_hotkeys(task.label_ids, {label.id: label.name for label in task.labels},
                          [before.keys if before else {}, dict(hotkeys or {})], other_hotkeys(existing, task.id))
    config = build_config(existing, task, keys, {label.id: hint_text(label.definition) for label in task.labels},
                          data_type=data_type, to_name=to_name)
    return LabelingConfig(config, keys, before)
