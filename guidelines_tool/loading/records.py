"""Plain data → model records (tasks, rules, the project config, experiments) with their
source pointers; loose values fall back to defaults and the schema reports them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from guidelines_tool.model import (
    AgreementPolicy,
    AmbiguousCase,
    DocsConfig,
    Example,
    Experiment,
    ExperimentArm,
    ExperimentConclusion,
    Label,
    ProjectConfig,
    QuizConfig,
    Rule,
    Source,
    Task,
)


def build_task(data: dict, source: Source) -> Task | None:
    """A task mapping → Task (None without an id); loose values fall back to defaults, schema reports them."""
    task_id = as_str(data.get("id"))
    if not task_id:
        return None
    labels = []
    for index, item in enumerate(as_list(data.get("labels"))):
        if isinstance(item, dict) and as_str(item.get("id")):
            labels.append(
                Label(
                    id=as_str(item.get("id")),
                    name=as_str(item.get("name")) or as_str(item.get("id")),
                    definition=as_str(item.get("definition")),
                    include=_strs(item.get("include")),
                    exclude=_strs(item.get("exclude")),
                    value=_number(item.get("value")),
                    source=source.child("labels", index),
                )
            )
    scale = data.get("scale") if data.get("scale") in ("nominal", "ordinal", "interval", "ratio") else "nominal"
    return Task(
        id=task_id,
        title=as_str(data.get("title")) or task_id,
        description=as_str(data.get("description")),
        scale=scale,
        multi_label=bool(data.get("multi_label", False)),
        labels=tuple(labels),
        agreement=build_policy(data["agreement"]) if isinstance(data.get("agreement"), dict) else None,
        source=source,
    )


def build_rule(data: Any, source: Source, default_task: str = "", *, memo: dict | None = None) -> Rule | None:
    """A rule mapping → Rule (None without an id); inline rules take the enclosing task by default.

    `memo` (history's, shared by every version of every file) hands back the examples already
    built from the very same parsed list at the same place, so versions share them.
    """
    if not isinstance(data, dict) or not as_str(data.get("id")):
        return None
    fields = {name: read(data.get(name), source, memo) for name, read in RULE_READERS.items()}
    fields["task"] = fields["task"] or default_task
    return Rule(**fields, source=source)


def _status(value: Any, source: Source, memo: dict | None) -> str:
    return value if value in ("draft", "active", "deprecated") else "active"


def _ambiguous_cases(value: Any, source: Source, memo: dict | None) -> tuple[AmbiguousCase, ...]:
    return tuple(
        AmbiguousCase(
            case=as_str(item.get("case")),
            resolution=as_str(item.get("resolution")),
            decided=as_str(item.get("decided")),
            by=as_str(item.get("by")),
            label=_label(item.get("label")),
            quiz=item.get("quiz") is not False,
            source=source.child("ambiguous_cases", index),
        )
        for index, item in enumerate(as_list(value))
        if isinstance(item, dict)
    )


# Each rule field is read from the key of the same name alone (`value` is None when the key is
# absent), so a field's value depends on that one entry and the rule's source: history builds
# a new version of a rule from the fields of its unchanged entries and reads only the new ones.
RULE_READERS: dict[str, Any] = {
    "id": lambda value, source, memo: as_str(value),
    "task": lambda value, source, memo: as_str(value),  # build_rule falls back to the enclosing task
    "title": lambda value, source, memo: as_str(value),
    "status": _status,
    "labels": lambda value, source, memo: _strs(value),
    "decision": lambda value, source, memo: as_str(value) or None,
    "when": lambda value, source, memo: as_str(value),
    "unless": lambda value, source, memo: _strs(value),
    "rationale": lambda value, source, memo: as_str(value),
    "examples": lambda value, source, memo: _examples(value, source, "examples", memo),
    "counterexamples": lambda value, source, memo: _examples(value, source, "counterexamples", memo),
    "ambiguous_cases": _ambiguous_cases,
    "overrides": lambda value, source, memo: _strs(value),
    "see_also": lambda value, source, memo: _strs(value),
    "replaced_by": lambda value, source, memo: as_str(value) or None,
    "tags": lambda value, source, memo: _strs(value),
}


def build_policy(data: dict) -> AgreementPolicy:
    """An `agreement:` mapping → AgreementPolicy: defaults for what is missing, and which fields it set
    (so a task's partial block overrides only those fields of the project's policy)."""
    default = AgreementPolicy()
    given = {
        "metric": as_str(data.get("metric")) or None,
        "confidence": _number(data.get("confidence")),
        "bootstrap": None if _number(data.get("bootstrap")) is None else int(data["bootstrap"]),
        "min_items": None if _number(data.get("min_items")) is None else int(data["min_items"]),
        "fdr": _number(data.get("fdr")),
    }
    given = {name: value for name, value in given.items() if value is not None}
    if "target" in data:  # `target: null` is meaningful: no target
        given["target"] = _number(data.get("target"))
    return replace(default, **given, explicit=frozenset(given))


def build_project(data: dict, source: Source) -> ProjectConfig:
    """`guidelines.yaml` → ProjectConfig, defaults for what is missing."""
    default = ProjectConfig()
    docs = data.get("docs") if isinstance(data.get("docs"), dict) else {}
    return ProjectConfig(
        name=as_str(data.get("name")) or default.name,
        guidelines=as_str(data.get("guidelines")) or default.guidelines,
        annotations=as_str(data.get("annotations")) or default.annotations,
        gold=as_str(data.get("gold")) or default.gold,
        branch=as_str(data.get("branch")) or default.branch,
        release_tag_prefix=as_str(data.get("release_tag_prefix")) if "release_tag_prefix" in data else default.release_tag_prefix,
        agreement=build_policy(data["agreement"]) if isinstance(data.get("agreement"), dict) else default.agreement,
        docs=DocsConfig(title=as_str(docs.get("title")) or as_str(data.get("name")) or DocsConfig().title),
        quiz=_quiz_config(data.get("quiz")),
        source=source,
    )


def build_experiment(data: dict, source: Source) -> Experiment | None:
    """An experiment mapping → Experiment (None without an id); loose values fall back to
    defaults, the schema reports them."""
    experiment_id = as_str(data.get("id"))
    if not experiment_id:
        return None
    arms_data = data.get("arms") if isinstance(data.get("arms"), dict) else {}
    arms = {}
    for name in ("A", "B"):
        arm = arms_data.get(name) if isinstance(arms_data.get(name), dict) else {}
        arms[name] = ExperimentArm(commit=as_str(arm.get("commit")), ref=as_str(arm.get("ref")))
    sample = _mapping(data.get("sample"))
    measure = _mapping(data.get("measure"))
    decision = _mapping(data.get("decision"))
    power = _mapping(data.get("power"))
    return Experiment(
        id=experiment_id,
        task=as_str(data.get("task")),
        rules=_strs(data.get("rules")),
        arms=arms,
        unit=data.get("unit") if data.get("unit") in ("item", "annotator") else "item",
        seed=_int(data.get("seed"), 0),
        assignment=as_str(data.get("assignment")),
        title=as_str(data.get("title")),
        items_per_arm=_int(sample.get("items_per_arm"), 0),
        per_item=_int(sample.get("per_item"), 0),
        annotators=_int(sample.get("annotators"), 0),
        scale=as_str(measure.get("scale")) or "nominal",
        items=measure.get("items") if measure.get("items") in ("governed", "all") else "governed",
        confidence=_fraction(decision.get("confidence"), 0.95),
        min_items=_int(decision.get("min_items"), 30),
        effect=_number(power.get("effect")) or 0.10,
        planned=as_str(data.get("planned")),
        conclusion=_conclusion(data.get("conclusion"), source.child("conclusion")),
        source=source,
    )


def _conclusion(value: Any, source: Source) -> ExperimentConclusion | None:
    if not isinstance(value, dict) or value.get("adopted") not in ("A", "B"):
        return None
    ci = value.get("ci")
    pair = tuple(float(v) for v in ci) if isinstance(ci, list) and len(ci) == 2 and all(
        _number(v) is not None for v in ci) else None
    return ExperimentConclusion(
        adopted=value["adopted"], verdict=as_str(value.get("verdict")), delta=_number(value.get("delta")),
        ci=pair, p_value=_number(value.get("p_value")), method=as_str(value.get("method")),
        commits=_strs(value.get("commits")), date=as_str(value.get("date")), source=source,
    )


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int) -> int:
    number = _number(value)
    return int(number) if number is not None and float(number).is_integer() else default


def _fraction(value: Any, default: float) -> float:
    number = _number(value)
    return float(number) if number is not None and 0 < number < 1 else default


def _quiz_config(value: Any) -> QuizConfig:
    data = value if isinstance(value, dict) else {}
    mark = _number(data.get("pass_mark"))
    return QuizConfig(pass_mark=float(mark) if mark is not None and 0 <= mark <= 1 else QuizConfig().pass_mark,
                      results=as_str(data.get("results")) or None)


def _examples(value: Any, parent: Source, field: str, memo: dict | None = None) -> tuple[Example, ...]:
    if memo is not None and type(value) is list:
        key = (id(value), parent.path, parent.pointer, field)
        known = memo.get(key)
        if known is not None and known[0] is value:
            return known[1]
        built = _examples(value, parent, field)
        memo[key] = (value, built)  # the list is kept alive with it: its id stays its own
        return built
    source = parent.child(field)
    result = []
    for index, item in enumerate(as_list(value)):
        if isinstance(item, dict):
            result.append(
                Example(
                    input=as_str(item.get("input")),
                    label=_label(item.get("label")),
                    why=as_str(item.get("why")),
                    media=as_str(item.get("media")),
                    quiz=item.get("quiz") is not False,
                    source=source.child(index),
                )
            )
    return tuple(result)


def _label(value: Any) -> str | tuple[str, ...]:
    """An example's `label`: one id, or a tuple of ids (multi-label tasks)."""
    return _strs(value) if isinstance(value, list) else as_str(value)


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if type(value) is list and all(type(item) is str and item for item in value):
        return tuple(value)
    return tuple(as_str(item) for item in as_list(value) if as_str(item))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value
