"""YAML → model records, with source pointers. The only module that reads YAML.

Parsing is split in two so the common path stays fast: `parse_yaml()` turns text into plain
data (ruamel.yaml's safe loader, YAML 1.2), and `locate()` re-reads a file with the round-trip
loader only when a finding in it needs a line and column.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from guidelines_tool.model import (
    AgreementPolicy,
    AmbiguousCase,
    DocsConfig,
    Example,
    Finding,
    Label,
    Location,
    Project,
    ProjectConfig,
    Rule,
    Source,
    Task,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
KINDS = ("project", "task", "rule")


@dataclass
class ParsedFile:
    """What one guideline file holds, as records, plus the findings reading it produced."""

    path: str
    kind: str | None = None
    data: Any = None
    tasks: list[Task] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    project: ProjectConfig | None = None
    findings: list[Finding] = field(default_factory=list)


def syntax_finding(path: str, line: int, column: int, message: str) -> Finding:
    return Finding(path, line, column, "GL001", "yaml-syntax", "error", message)


def parse_yaml(text: str, path: str) -> tuple[Any, list[Finding]]:
    """Parse one YAML 1.2 document into plain data; problems become findings, never exceptions."""
    if text.startswith("\ufeff"):
        text = text[1:]
    yaml = YAML(typ="safe")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, [syntax_finding(path, line, col, message or "invalid YAML")]
    except (YAMLError, RecursionError, ValueError) as exc:
        return None, [syntax_finding(path, 1, 1, f"invalid YAML: {exc}")]
    return _plain_scalars(data), []


def _plain_scalars(data: Any) -> Any:
    """Dates and times become ISO strings: the schemas say `string` for them."""
    if isinstance(data, dict):
        return {str(key): _plain_scalars(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain_scalars(item) for item in data]
    if isinstance(data, (_dt.date, _dt.datetime)):
        return data.isoformat()
    return data


def read_text(path: Path, rel: str) -> tuple[str | None, list[Finding]]:
    """Read a file as UTF-8 text; size and encoding problems become findings."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [syntax_finding(rel, 1, 1, f"cannot read file: {exc.strerror}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [syntax_finding(rel, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [syntax_finding(rel, line, column, "file is not valid UTF-8")]


def parse_file_text(text: str, path: str) -> ParsedFile:
    """Parse a guideline file's text into records (used for the work tree and for git blobs)."""
    data, findings = parse_yaml(text, path)
    parsed = ParsedFile(path=path, data=data, findings=findings)
    if findings:
        return parsed
    if data is None:
        parsed.findings.append(
            Finding(path, 1, 1, "GL002", "empty-file", "error", "file is empty")
        )
        return parsed
    if not isinstance(data, dict):
        return parsed
    parsed.kind = data.get("kind") if isinstance(data.get("kind"), str) else None
    root = Source(path)
    if parsed.kind == "task":
        task = build_task(data, root)
        if task:
            parsed.tasks.append(task)
        for index, item in enumerate(_list(data.get("rules"))):
            rule = build_rule(item, root.child("rules", index), default_task=_str(data.get("id")))
            if rule:
                parsed.rules.append(rule)
    elif parsed.kind == "rule":
        rule = build_rule(data, root)
        if rule:
            parsed.rules.append(rule)
    elif parsed.kind == "project":
        parsed.project = build_project(data, root)
    return parsed


def build_task(data: dict, source: Source) -> Task | None:
    task_id = _str(data.get("id"))
    if not task_id:
        return None
    labels = []
    for index, item in enumerate(_list(data.get("labels"))):
        if isinstance(item, dict) and _str(item.get("id")):
            labels.append(
                Label(
                    id=_str(item.get("id")),
                    name=_str(item.get("name")) or _str(item.get("id")),
                    definition=_str(item.get("definition")),
                    include=_strs(item.get("include")),
                    exclude=_strs(item.get("exclude")),
                    value=_number(item.get("value")),
                    source=source.child("labels", index),
                )
            )
    scale = data.get("scale") if data.get("scale") in ("nominal", "ordinal", "interval", "ratio") else "nominal"
    return Task(
        id=task_id,
        title=_str(data.get("title")) or task_id,
        description=_str(data.get("description")),
        scale=scale,
        multi_label=bool(data.get("multi_label", False)),
        labels=tuple(labels),
        agreement=build_policy(data["agreement"]) if isinstance(data.get("agreement"), dict) else None,
        source=source,
    )


def build_rule(data: Any, source: Source, default_task: str = "") -> Rule | None:
    if not isinstance(data, dict) or not _str(data.get("id")):
        return None
    status = data.get("status") if data.get("status") in ("draft", "active", "deprecated") else "active"
    return Rule(
        id=_str(data.get("id")),
        task=_str(data.get("task")) or default_task,
        title=_str(data.get("title")),
        status=status,
        labels=_strs(data.get("labels")),
        decision=_str(data.get("decision")) or None,
        when=_str(data.get("when")),
        unless=_strs(data.get("unless")),
        rationale=_str(data.get("rationale")),
        examples=_examples(data.get("examples"), source.child("examples")),
        counterexamples=_examples(data.get("counterexamples"), source.child("counterexamples")),
        ambiguous_cases=tuple(
            AmbiguousCase(
                case=_str(item.get("case")),
                resolution=_str(item.get("resolution")),
                decided=_str(item.get("decided")),
                source=source.child("ambiguous_cases", index),
            )
            for index, item in enumerate(_list(data.get("ambiguous_cases")))
            if isinstance(item, dict)
        ),
        overrides=_strs(data.get("overrides")),
        see_also=_strs(data.get("see_also")),
        replaced_by=_str(data.get("replaced_by")) or None,
        tags=_strs(data.get("tags")),
        source=source,
    )


def build_policy(data: dict) -> AgreementPolicy:
    default = AgreementPolicy()
    return AgreementPolicy(
        metric=_str(data.get("metric")) or default.metric,
        confidence=_number(data.get("confidence")) or default.confidence,
        bootstrap=int(_number(data.get("bootstrap")) or default.bootstrap),
        min_items=int(_number(data.get("min_items")) or default.min_items),
        target=_number(data.get("target")) if "target" in data else default.target,
    )


def build_project(data: dict, source: Source) -> ProjectConfig:
    default = ProjectConfig()
    docs = data.get("docs") if isinstance(data.get("docs"), dict) else {}
    return ProjectConfig(
        name=_str(data.get("name")) or default.name,
        guidelines=_str(data.get("guidelines")) or default.guidelines,
        annotations=_str(data.get("annotations")) or default.annotations,
        gold=_str(data.get("gold")) or default.gold,
        branch=_str(data.get("branch")) or default.branch,
        release_tag_prefix=_str(data.get("release_tag_prefix")) if "release_tag_prefix" in data else default.release_tag_prefix,
        agreement=build_policy(data["agreement"]) if isinstance(data.get("agreement"), dict) else default.agreement,
        docs=DocsConfig(title=_str(docs.get("title")) or _str(data.get("name")) or DocsConfig().title),
        source=source,
    )


def locate(root: Path, source: Source) -> Location:
    """Line and column (1-based) of the value `source.pointer` names, read with the round-trip loader.

    Falls back to the deepest position that exists, so a finding always has a place.
    """
    try:
        text = (root / source.path).read_text(encoding="utf-8-sig")
        node = YAML().load(text)
    except (OSError, UnicodeDecodeError, YAMLError, RecursionError, ValueError):
        return Location(source.path)
    return locate_in(node, source.path, source.pointer)


def locate_in(node: Any, path: str, pointer: tuple) -> Location:
    """Walk a round-trip node along `pointer`; point at the last key or item reached."""
    line, column = 0, 0
    lc = getattr(node, "lc", None)
    if lc is not None:
        line, column = lc.line, lc.col
    for key in pointer:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(key, int) and isinstance(node, list):
                line, column = lc.item(key)
            else:
                line, column = lc.key(key)
            node = node[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return Location(path, line + 1, column + 1)


def _examples(value: Any, source: Source) -> tuple[Example, ...]:
    result = []
    for index, item in enumerate(_list(value)):
        if isinstance(item, dict):
            label = item.get("label")
            result.append(
                Example(
                    input=_str(item.get("input")),
                    label=_strs(label) if isinstance(label, list) else _str(label),
                    why=_str(item.get("why")),
                    source=source.child(index),
                )
            )
    return tuple(result)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(_str(item) for item in _list(value) if _str(item))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def guideline_files(root: Path, config: ProjectConfig) -> list[Path]:
    """Every YAML file under the project's guideline folder, in a stable order."""
    folder = root / config.guidelines
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_files(root: Path, paths: list[Path]) -> list[ParsedFile]:
    """Read and parse guideline files (paths absolute or relative to the cwd)."""
    parsed = []
    for path in paths:
        rel = relative_path(root, path)
        text, findings = read_text(path, rel)
        parsed.append(ParsedFile(path=rel, findings=findings) if text is None else parse_file_text(text, rel))
    return parsed


def load_project(root: Path) -> Project:
    """Load `guidelines.yaml` and every task and rule file under the guideline folder."""
    from guidelines_tool.config import read_config

    config, config_findings = read_config(root)
    parsed = load_files(root, guideline_files(root, config))
    return assemble(root, config, parsed, config_findings)


def assemble(
    root: Path, config: ProjectConfig, parsed: list[ParsedFile], findings: list[Finding] = ()
) -> Project:
    """Parsed files → one Project (rules in file order; duplicates kept for lint to report)."""
    tasks: dict[str, Task] = {}
    rules: list[Rule] = []
    all_findings = list(findings)
    for item in parsed:
        all_findings.extend(item.findings)
        for task in item.tasks:
            tasks.setdefault(task.id, task)
        rules.extend(item.rules)
    return Project(
        root=root,
        config=config,
        tasks=tasks,
        rules=tuple(rules),
        files=tuple(item.path for item in parsed),
        load_findings=tuple(sorted(all_findings)),
    )


def relative_path(root: Path, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()
