"""Label Studio as a `LabelingTool`: the task's labels become a `<Choices>` control (`config.py`),
the rules the project's instructions; annotations come back through the JSON export, a page of
tasks at a time, and are read by the same normalisation as an export file
(`annotations.labelstudio_export_rows`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from guidelines_tool.integrations import (
    Guidelines, IntegrationError, Progress, Pulled, Pushed, PushPlan, Target,
)
from guidelines_tool.integrations.publish_log import push_time
from guidelines_tool.integrations.label_studio import config as ls_config
from guidelines_tool.integrations.label_studio.client import Connection
from guidelines_tool.integrations.label_studio.labeling import labeling_config
from guidelines_tool.model import Project

PAGE_SIZE = 100  # tasks a request: one page of ids, then one export of them


class LabelStudio:
    name = "label-studio"

    def __init__(self, *, url: str, token: str) -> None:
        self.connection = Connection(url, token)

    # --- push ------------------------------------------------------------------------------

    def plan(self, target: Target, guidelines: Guidelines, *, progress: Progress | None = None) -> PushPlan:
        task = guidelines.task
        project = self.connection.project(target.project) if target.project else {}
        existing = project.get("label_config")
        try:
            built = labeling_config(existing, task, hotkeys=guidelines.hotkeys, data_type=guidelines.data_type)
        except ls_config.ConfigError as exc:
            raise IntegrationError(f"project {target.project}: {exc}") from None
        before, keys, config = built.before, built.hotkeys, built.config
        old = before.labels if before else ()
        removed = tuple(label for label in old if label not in task.label_ids)
        notes = []
        if existing and before is None:
            notes.append(f"the project's config has no <Choices name=\"{task.id}\">: adding one beside its data")
        orphans = {}
        if removed and int(project.get("total_annotations_number") or 0):
            used = self._labels_used(target.project, task.id, progress)
            orphans = {label: used[label] for label in removed if used[label]}
        return PushPlan(target=target, config=config, instructions=guidelines.instructions, hotkeys=keys,
                        added=tuple(label for label in task.label_ids if before is not None and label not in old),
                        removed=removed, orphans=orphans, notes=tuple(notes))

    def apply(self, plan: PushPlan) -> Pushed:
        if plan.target.project:
            project, when = self.connection.update_project(plan.target.project, plan.config, plan.instructions)
        else:
            project, when = self.connection.create_project(plan.target.create or "", plan.config, plan.instructions)
        local = datetime.now(timezone.utc)
        project_id = str(project.get("id", plan.target.project))
        return Pushed(url=self.connection.url, project=project_id, time=push_time(when, local).isoformat(),
                      project_url=self.connection.project_url(project_id))

    def _labels_used(self, project_id: str, control: str, progress: Progress | None) -> Counter:
        """How many submitted annotations use each answer of our control."""
        used: Counter = Counter()
        for task in self._export(project_id, progress):
            for annotation in task.get("annotations") or ():
                if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
                    continue
                answers = set()
                for result in annotation.get("result") or ():
                    if isinstance(result, dict) and result.get("from_name") == control:
                        value = result.get("value") if isinstance(result.get("value"), dict) else {}
                        answers.update(str(choice) for choice in value.get("choices") or ())
                used.update(answers)
        return used

    # --- pull ------------------------------------------------------------------------------

    def pull(self, target: Target, *, project: Project | None, task: str | None,
             progress: Progress | None = None) -> Pulled:
        from guidelines_tool.annotations import labelstudio_export_rows

        tasks = self._export(target.project or "", progress)
        source = self.connection.project_url(target.project or "")
        rows, problems, rejected = labelstudio_export_rows(tasks, source=source, project=project, task=task)
        excluded = Counter(rejected)
        objects = [t for t in tasks if isinstance(t, dict)]
        excluded["predictions"] += sum(len(t.get("predictions") or ()) for t in objects)
        excluded["drafts"] += sum(len(t.get("drafts") or ()) for t in objects)
        return Pulled(rows=[{k: v for k, v in row.items() if not k.startswith("_")} for row in rows],
                      problems=problems, excluded=+excluded, tasks=len(tasks))

    def _export(self, project_id: str, progress: Progress | None) -> list[dict]:
        tasks: list[dict] = []
        for ids, total in self.connection.task_pages(project_id, PAGE_SIZE):
            if ids:
                tasks.extend(self.connection.export(project_id, ids))
            if progress is not None:
                progress(len(tasks), max(total, len(tasks)))
        return tasks
