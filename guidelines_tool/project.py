"""The guideline project on disk: find its root, read `guidelines.yaml`, assemble the Project.

`loading/` turns one file's YAML into records; this module knows which files make a project
(the config, then every YAML file under the guideline folder it names) and puts their records
together. It sits above `loading/` so that loading needs nothing from here.
"""

from __future__ import annotations

from collections.abc import Mapping
import os
from pathlib import Path

from guidelines_tool import loading
from guidelines_tool.errors import ConfigError
from guidelines_tool.loading import ParsedFile, load_files
from guidelines_tool.model import Experiment, Finding, Project, ProjectConfig, Rule, Task

CONFIG_NAME = "guidelines.yaml"
EXPERIMENTS = "experiments"  # experiments/<id>.yaml: guideline experiments (kind: experiment)


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` that holds `guidelines.yaml`."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_NAME} found in {here} or any parent folder "
        "(run `guidelines init` to create a guideline project)"
    )


def read_config(root: Path) -> tuple[ProjectConfig, list[Finding]]:
    """The project config, and the findings reading it produced (defaults where it is broken)."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"{path} does not exist")
    text, findings = loading.read_text(path, CONFIG_NAME)
    if text is None:
        return ProjectConfig(), findings
    # through the module, so that a test observing every parse (monkeypatch) sees this one too
    parsed = loading.parse_file_text(text, CONFIG_NAME)
    return parsed.project or ProjectConfig(), parsed.findings


def guideline_files(root: Path, config: ProjectConfig) -> list[Path]:
    """Every YAML path under the project's guideline folder, in a stable order.

    Not only regular files: a FIFO, a device link, a dangling link or a link loop named like a
    guideline file is listed too, so that reading it reports what it is instead of skipping it.
    """
    folder = root / config.guidelines
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and not p.is_dir())


def experiment_files(root: Path) -> list[Path]:
    """The experiment files: `experiments/*.yaml` at the project root (the batches and
    assignment files an experiment writes sit in a folder of its own beside them)."""
    folder = root / EXPERIMENTS
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_experiments(root: Path) -> tuple[Experiment, ...]:
    """The project's experiments alone, in file order: what `log` and `changelog` need, without
    parsing every rule file as `load_project` does (a 2,000-rule project: 0.9 s)."""
    return tuple(e for parsed in load_files(root, experiment_files(root)) for e in parsed.experiments)


def project_files(root: Path, config: ProjectConfig) -> list[Path]:
    """The guideline files, then the experiment files not among them (a guideline folder of
    `.` holds the experiments folder too)."""
    files = guideline_files(root, config)
    experiments = experiment_files(root)
    if not experiments:
        return files
    # realpath, not Path.resolve: a link loop among the guideline files is a finding, not a crash
    seen = {os.path.realpath(path) for path in files}
    return files + [path for path in experiments if os.path.realpath(path) not in seen]


def load_project(root: Path) -> Project:
    """Load `guidelines.yaml`, every task and rule file under the guideline folder, and the
    experiment files."""
    config, config_findings = read_config(root)
    parsed = load_files(root, project_files(root, config))
    return assemble(root, config, parsed, config_findings)


def read_project(
    root: Path, *, overlay: Mapping[str, str] | None = None, known: Mapping[str, ParsedFile] | None = None
) -> tuple[list[ParsedFile], Project]:
    """Every project file parsed (guidelines.yaml first) and the Project they make.

    Unlike `load_project`, the config is one of the project's files (validate checks and counts
    it) and a missing or unreadable config is a finding, not an error. `overlay` maps paths
    (absolute, or relative to `root`) to text read instead of the file on disk (an editor's unsaved
    buffers); a YAML path under the guideline folder that is only in the overlay is read too.
    `known` (relative path → an earlier parse) is reused for a file whose text is unchanged.
    """
    texts = {loading.relative_path(root, root / path): text for path, text in (overlay or {}).items()}
    config_file = load_files(root, [root / CONFIG_NAME], texts, known)[0]
    config = config_file.project or ProjectConfig()
    files = project_files(root, config)
    folder = loading.relative_path(root, root / config.guidelines)
    prefix = "" if folder == "." else f"{folder}/"
    unsaved = {root / rel for rel in texts if rel.endswith((".yaml", ".yml"))
               and (rel.startswith(prefix) or (rel.startswith(f"{EXPERIMENTS}/") and rel.count("/") == 1))}
    if unsaved - set(files):
        files = sorted(unsaved.union(files))
    parsed = [config_file, *load_files(root, files, texts, known)]
    return parsed, assemble(root, config, parsed)


def assemble(
    root: Path, config: ProjectConfig, parsed: list[ParsedFile], findings: list[Finding] = ()
) -> Project:
    """Parsed files → one Project (rules in file order; duplicates kept for lint to report)."""
    tasks: dict[str, Task] = {}
    all_tasks: list[Task] = []
    rules: list[Rule] = []
    experiments: list[Experiment] = []
    all_findings = list(findings)
    unread: dict[str, str] = {}
    for item in parsed:
        all_findings.extend(item.findings)
        for ident in item.unread_ids:
            unread.setdefault(ident, item.path)
        experiments.extend(item.experiments)
        for task in item.tasks:
            tasks.setdefault(task.id, task)
        all_tasks.extend(item.tasks)
        rules.extend(item.rules)
    return Project(
        root=root,
        config=config,
        tasks=tasks,
        rules=tuple(rules),
        files=tuple(item.path for item in parsed),
        load_findings=tuple(sorted(all_findings)),
        kinds={item.path: item.data.get("kind") for item in parsed if isinstance(item.data, dict)},
        all_tasks=tuple(all_tasks),
        unread_ids=unread,
        experiments=tuple(experiments),
    )
