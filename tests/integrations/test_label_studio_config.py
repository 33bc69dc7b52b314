"""The Label Studio labeling config written from a task: choices, aliases, hints, hotkeys that
stay put across releases, and a project's own config kept around our control."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from guidelines_tool.integrations.label_studio.config import (
    KEY_POOL, ConfigError, assign_hotkeys, build_config, other_hotkeys, read_choices,
)
from guidelines_tool.model import Label, Task

LABELS = (Label("product", "Product"), Label("person", "Person"), Label("packaging", "Packaging"))
TASK = Task("pps", "Photos", labels=LABELS)


def keys_of(task: Task, *kept, used=frozenset()) -> dict[str, str]:
    return assign_hotkeys(task.label_ids, {label.id: label.name for label in task.labels}, list(kept), used)


def choices(config: str, control: str = "pps") -> list[dict[str, str]]:
    root = ET.fromstring(config)
    (element,) = [el for el in root.iter("Choices") if el.get("name") == control]
    return [dict(choice.attrib) for choice in element]


def test_a_new_project_gets_one_object_and_our_control():
    config = build_config(None, TASK, keys_of(TASK), {"product": 'The "item" & more'}, data_type="image")
    root = ET.fromstring(config)
    assert [child.tag for child in root] == ["Image", "Choices"]
    assert root[0].attrib == {"name": "image", "value": "$image"}
    assert root[1].attrib == {"name": "pps", "toName": "image", "choice": "single-radio", "required": "true"}
    assert choices(config) == [
        {"value": "Product", "alias": "product", "hotkey": "p", "hint": 'The "item" & more'},
        {"value": "Person", "alias": "person", "hotkey": "e"},
        {"value": "Packaging", "alias": "packaging", "hotkey": "a"},
    ]


def test_multi_label_tasks_get_checkboxes_and_shared_names_stay_distinct():
    task = Task("t", "T", multi_label=True, labels=(Label("a", "Same"), Label("b", "Same"), Label("c", " Odd  name ")))
    config = build_config("", task, {}, {})
    assert ET.fromstring(config).find("Choices").get("choice") == "multiple"
    assert [c["value"] for c in choices(config, "t")] == ["Same (a)", "Same (b)", "Odd name"]


def test_adding_a_label_moves_no_other_key():
    before = keys_of(TASK)
    grown = Task("pps", "Photos", labels=(Label("other", "Other"), Label("pet", "Pet"), *LABELS))
    after = keys_of(grown, before)
    assert {label: after[label] for label in before} == before
    assert len(set(after.values())) == len(after)


def test_the_project_keys_win_over_the_log_and_other_controls_keep_theirs():
    project = {"product": "x"}
    log = {"product": "q", "person": "x", "packaging": "k"}
    keys = keys_of(TASK, project, log, used=frozenset({"k"}))
    assert keys["product"] == "x"          # the project's own key
    assert keys["person"] != "x"           # the log's key is taken: derived instead
    assert keys["packaging"] not in ("k", "x")  # another control holds k


def test_u_is_never_given_and_more_labels_than_keys_leave_the_last_without():
    labels = tuple(Label(f"u{i}", f"U {i}") for i in range(len(KEY_POOL) + 2))
    keys = keys_of(Task("t", "T", labels=labels))
    assert "u" not in keys.values()
    assert len(keys) == len(KEY_POOL) and set(keys.values()) == set(KEY_POOL)


def test_an_existing_config_keeps_its_data_layout_notes_and_other_controls():
    existing = """<View>
  <!-- lead's note: photos come from the CDN -->
  <Header value="Look at the photo"/>
  <Image name="photo" value="$url" zoom="true"/>
  <Choices name="quality" toName="photo"><Choice value="Blurry" hotkey="b"/></Choices>
  <Choices name="pps" toName="photo" showInline="true" choice="multiple">
    <Choice value="Product" alias="product" hotkey="z"/>
    <Choice value="Box" alias="box"/>
  </Choices>
</View>"""
    before = read_choices(existing, "pps")
    assert before.keys == {"product": "z", "box": ""} and before.to_name == "photo"
    used = other_hotkeys(existing, "pps")
    assert used == frozenset({"b"})
    config = build_config(existing, TASK, keys_of(TASK, before.keys, used=used), {})
    root = ET.fromstring(config, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    assert "lead's note" in config
    assert [el.get("name") for el in root.iter("Choices")] == ["quality", "pps"]
    ours = [el for el in root.iter("Choices") if el.get("name") == "pps"][0]
    assert ours.get("showInline") == "true" and ours.get("choice") == "single-radio"
    assert [(c["alias"], c.get("hotkey")) for c in choices(config)] == [("product", "z"), ("person", "p"), ("packaging", "a")]


def test_a_config_without_our_control_gets_it_beside_its_first_data_tag():
    existing = '<View><View><Text name="review" value="$body"/></View><Header value="x"/></View>'
    root = ET.fromstring(build_config(existing, TASK, {}, {}))
    inner = root.find("View")
    assert [child.tag for child in inner] == ["Text", "Choices"] and inner[1].get("toName") == "review"
    assert read_choices(existing, "pps") is None


def test_a_config_that_is_not_xml_is_said_to_be_so():
    with pytest.raises(ConfigError, match="not XML"):
        build_config("<View><Choices>", TASK, {}, {})


def test_a_new_control_labels_the_named_object_and_follows_it():
    layout = '<View><Header value="Quiz"/><Image name="image" value="$image"/><Text name="text" value="$text"/></View>'
    root = ET.fromstring(build_config(layout, TASK, keys_of(TASK), {}, to_name="text"))
    assert [(child.tag, child.get("name")) for child in root] == [
        ("Header", None), ("Image", "image"), ("Text", "text"), ("Choices", "pps")]
    assert root[3].get("toName") == "text"
    # without it (or naming no object) the first object, as for any project
    for to_name in (None, "nothing"):
        root = ET.fromstring(build_config(layout, TASK, keys_of(TASK), {}, to_name=to_name))
        assert [child.tag for child in root] == ["Header", "Image", "Choices", "Text"] and root[2].get("toName") == "image"
