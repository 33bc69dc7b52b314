"""The Label Studio labeling config: one `<Choices>` control named after the task, one `<Choice>`
a label — the label's name shown (`value`), its id stored in the results (`alias`), a hotkey, and
its definition as the hover hint. Pure XML work, no server.

A project's existing config is kept and only our control is rewritten in place: the project's
data tags (`<Image>`, `<Text>`, ...), layout and other controls stay as the lead built them.

Hotkeys stay put across releases: a label keeps the key the project (or, for a new project, the
last push of the task — the publish log) already gave it, and only labels without one get a key,
from what is left. So adding a label never moves another label's key.
"""

from __future__ import annotations

import string
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from collections.abc import Mapping, Sequence

from guidelines_tool.model import Task

# Data kinds a new project can show: (tag, name and `$field` of the task's data).
DATA_TYPES: dict[str, tuple[str, str]] = {
    "text": ("Text", "text"), "image": ("Image", "image"), "audio": ("Audio", "audio"),
    "video": ("Video", "video"), "html": ("HyperText", "html"),
}
# Label Studio binds `u` (unselect a region) on every labeling screen; tool keys are upper case.
RESERVED_KEYS = frozenset({"u"})
KEY_POOL = tuple(k for k in string.ascii_lowercase + "1234567890" if k not in RESERVED_KEYS)
CONTROL_TAGS = frozenset({"Choices", "Labels", "RectangleLabels", "PolygonLabels", "KeyPointLabels",
                          "BrushLabels", "EllipseLabels", "HyperTextLabels", "ParagraphLabels",
                          "TimeSeriesLabels", "TextArea", "Rating", "Number", "Taxonomy", "DateTime",
                          "Ranker", "Pairwise", "Relations", "Relation", "Choice", "Label"})


class ConfigError(ValueError):
    """The project's labeling config is not XML this module can edit."""


@dataclass(frozen=True)
class ExistingChoices:
    """What the project's config says about our control: each answer stored (alias, else the
    value) → its hotkey ("" without one), and the object tag it labels."""

    keys: Mapping[str, str]
    to_name: str | None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.keys)


def read_choices(config: str | None, control: str) -> ExistingChoices | None:
    """Our control in a project's config, or None when the config has none of that name."""
    element = _control(_parse(config), control) if config and config.strip() else None
    if element is None:
        return None
    keys = {}
    for choice in element.iter("Choice"):
        stored = choice.get("alias") or choice.get("value")
        if stored:
            keys[stored] = choice.get("hotkey") or ""
    return ExistingChoices(keys, element.get("toName"))


def other_hotkeys(config: str | None, control: str) -> frozenset[str]:
    """Keys the project's other controls use (ours must not take them)."""
    if not config or not config.strip():
        return frozenset()
    root = _parse(config)
    ours = _control(root, control)
    mine = set(ours.iter()) if ours is not None else set()
    return frozenset(el.get("hotkey", "").lower() for el in root.iter() if el not in mine and el.get("hotkey"))


def assign_hotkeys(labels: tuple[str, ...], names: Mapping[str, str], kept: Sequence[Mapping[str, str]],
                   used: frozenset[str] = frozenset()) -> dict[str, str]:
    """label id → key. `kept`: the keys labels had before (label → key), most binding first
    (the project's own config, then the publish log); a label keeps its key while it is free.
    The other labels, in task order, take the first free of: their id's letters, their name's
    letters, then any letter or digit. `used`: keys other controls hold. With more labels than
    keys, the last ones get none."""
    keys: dict[str, str] = {}
    taken: set[str] = set(used)
    for before in kept:
        for label in labels:
            key = before.get(label, "")
            if label not in keys and key and key not in taken and key not in RESERVED_KEYS:
                keys[label] = key
                taken.add(key)
    for label in labels:
        if label in keys:
            continue
        wanted = [c for c in (label + names.get(label, "")).lower() if c in KEY_POOL]
        free = next((k for k in (*wanted, *KEY_POOL) if k not in taken), None)
        if free is not None:
            keys[label] = free
            taken.add(free)
    return keys


def build_config(existing: str | None, task: Task, keys: Mapping[str, str], hints: Mapping[str, str], *,
                 data_type: str = "text", to_name: str | None = None) -> str:
    """The project's config with our control (name = the task id) written from the task's
    labels; a new project (empty config) gets a `<View>` with a `data_type` object first.
    A control that is not there yet labels the object named `to_name` (else the first object)
    and follows it."""
    root = _parse(existing) if existing and existing.strip() else ET.Element("View")
    control = _control(root, task.id)
    if control is None:
        target = _named_object(root, to_name) if to_name else None
        target = target if target is not None else _first_object(root)
        if target is None:
            tag, name = DATA_TYPES[data_type]
            target = ET.SubElement(root, tag, {"name": name, "value": f"${name}"})
        parent = _parent(root, target) or root
        control = ET.Element("Choices", {"name": task.id, "toName": target.get("name", "")})
        parent.insert(list(parent).index(target) + 1, control)
    attributes = {k: v for k, v in control.attrib.items() if k not in ("choice", "required")}
    control.clear()
    control.attrib.update(attributes)
    control.set("choice", "multiple" if task.multi_label else "single-radio")
    control.set("required", "true")
    for label, value in zip(task.labels, choice_values(task)):
        attrs = {"value": value, "alias": label.id}
        if keys.get(label.id):
            attrs["hotkey"] = keys[label.id]
        if hints.get(label.id):
            attrs["hint"] = hints[label.id]
        ET.SubElement(control, "Choice", attrs)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def choice_values(task: Task) -> list[str]:
    """The names shown, one per label: Label Studio needs them distinct, so a name that two
    labels share gets the label id beside it."""
    names = [" ".join(label.name.split()) or label.id for label in task.labels]
    return [f"{name} ({label.id})" if names.count(name) > 1 else name
            for name, label in zip(names, task.labels)]


def _parse(config: str) -> ET.Element:
    # comments are the lead's notes in the config: keep them
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    try:
        return ET.fromstring(config, parser=parser)
    except ET.ParseError as exc:
        raise ConfigError(f"the project's labeling config is not XML ({exc})") from exc


def _control(root: ET.Element, name: str) -> ET.Element | None:
    return next((el for el in root.iter("Choices") if el.get("name") == name), None)


def _first_object(root: ET.Element) -> ET.Element | None:
    """The first data tag (`<Image name=.. value="$image">`, ...): named, showing a `$field`."""
    return next((el for el in root.iter() if el.tag not in CONTROL_TAGS and el.get("name")
                 and str(el.get("value", "")).startswith("$")), None)


def _named_object(root: ET.Element, name: str) -> ET.Element | None:
    return next((el for el in root.iter() if el.tag not in CONTROL_TAGS and el.get("name") == name
                 and str(el.get("value", "")).startswith("$")), None)


def _parent(root: ET.Element, child: ET.Element) -> ET.Element | None:
    return next((el for el in root.iter() if child in list(el)), None)
