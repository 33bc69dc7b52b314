"""The JSON Schemas: well-formed, editor-friendly (draft-07 subset, descriptions and examples
everywhere), strict (unknown keys rejected, URL-safe ids), and the schema
findings `validate` builds from them point at the offending key or value. That the wheel
ships them: test_packaging.py."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from guidelines_tool.schema import KINDS, check_document, schema_for, schema_texts
from guidelines_tool.validation import validate

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "schemas"
FORBIDDEN = {"unevaluatedProperties", "unevaluatedItems", "prefixItems", "dependentSchemas", "dependentRequired", "$dynamicRef", "$dynamicAnchor"}


def walk(node, path=()):
    """Every (path, subschema) in a schema."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, path + (index,))


def properties(schema):
    """Every (path, property schema) under a `properties` keyword."""
    for path, node in walk(schema):
        if path and path[-1] == "properties" and isinstance(node, dict) and "properties" not in path[:-1][-1:]:
            for name, sub in node.items():
                yield path + (name,), sub


def resolve(schema, sub):
    while "$ref" in sub:
        sub = schema["$defs"][sub["$ref"].split("/")[-1]]
    return sub


def test_schema_texts_match_the_source_files():
    texts = schema_texts()
    assert sorted(texts) == sorted(KINDS) == ["annotation", "experiment", "project", "rule", "task"]
    for kind, text in texts.items():
        assert text == (SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_2020_12_and_draft_07(kind):
    schema = schema_for(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("kind", KINDS)
def test_schema_stays_in_the_draft_07_compatible_subset(kind):
    for path, node in walk(schema_for(kind)):
        if "$ref" in node:
            assert set(node) == {"$ref"}, f"keywords beside $ref at {path}"
            assert node["$ref"].startswith("#/$defs/"), path
        assert not FORBIDDEN & set(node), f"{FORBIDDEN & set(node)} at {path}"
        assert "definitions" not in node


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_has_description_and_valid_examples(kind):
    schema = schema_for(kind)
    checked = 0
    for path, sub in properties(schema):
        target = resolve(schema, sub)
        assert target.get("description"), f"no description at {path}"
        assert target.get("examples"), f"no examples at {path}"
        validator = jsonschema.Draft202012Validator({**target, "$defs": schema.get("$defs", {})})
        for example in target["examples"]:
            assert validator.is_valid(example), f"example {example!r} at {path} fails its own schema"
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys_are_rejected_everywhere(kind):
    for path, node in walk(schema_for(kind)):
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, f"open object at {path}"


@pytest.mark.parametrize(
    ("kind", "field", "good", "bad"),
    [
        ("rule", "id", ["PPS-004", "A", "INT-12-B", "X9"], ["pps-004", "PPS-", "-PPS", "PPS--1", "PPS 1", "PPS_1", "PPS/1", "ÄB"]),
        ("task", "id", ["product-photo-subject", "a", "t1", "0-x"], ["Product", "-a", "a_b", "a b", "a/b", "ä"]),
    ],
)
def test_ids_are_url_safe(kind, field, good, bad):
    schema = schema_for(kind)
    sub = resolve(schema, schema["properties"][field])
    validator = jsonschema.Draft202012Validator(sub)
    assert all(validator.is_valid(value) for value in good)
    assert not any(validator.is_valid(value) for value in bad)


def test_inline_rules_have_the_fields_of_a_rule_file():
    rule = schema_for("rule")
    inline = schema_for("task")["$defs"]["inlineRule"]
    assert set(inline["properties"]) == set(rule["properties"])
    assert "kind" not in inline["required"] and "task" not in inline["required"]
    for name in rule["$defs"]:
        assert schema_for("task")["$defs"][name] == rule["$defs"][name]


def test_unknown_key_points_at_the_key_and_suggests():
    problems = check_document("rule", {"kind": "rule", "id": "A-1", "task": "t", "title": "T", "labels": ["a"], "when": "w", "exmaples": []})
    assert [(p.pointer, p.kind[0]) for p in problems] == [(("exmaples",), "GL101")]
    assert "did you mean 'examples'" in problems[0].message


def test_missing_key_points_at_the_mapping_that_lacks_it():
    problems = check_document("rule", {"kind": "rule", "id": "A-1", "task": "t", "title": "T", "labels": ["a"], "when": "w", "ambiguous_cases": [{"case": "c"}]})
    assert [(p.pointer, p.kind[0], p.message) for p in problems] == [
        (("ambiguous_cases", 0), "GL102", "missing required key 'resolution' in ambiguous_cases[0]")
    ]


def test_one_of_reports_the_closest_alternative():
    data = {"kind": "rule", "id": "A-1", "task": "t", "title": "T", "labels": ["a"], "when": "w", "examples": [{"input": "x", "label": ["a", 3]}]}
    problems = check_document("rule", data)
    assert [(p.pointer, p.message) for p in problems] == [(("examples", 0, "label", 1), "examples[0].label[1]: 3 is not of type 'string'")]


def test_schema_findings_have_line_and_column(guideline_project, tmp_path):
    rule = "kind: rule\nid: PPS-002\ntask: pps\ntitle: T\nstatus: actve\nlabels: [product]\nwhen: w\ncolour: red\n"
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-002.yaml": rule})
    found = [(f.line, f.column, f.code, f.message) for f in validate(root).findings if f.code.startswith("GL1")]
    assert found == [
        (5, 9, "GL103", "status: 'actve' is not one of 'draft', 'active', 'deprecated' (did you mean 'active'?)"),
        (8, 1, "GL101", "unknown key 'colour'"),
    ]


def test_example_media_refuses_script_and_data_urls():
    """`media` names a file or an http(s) URL; a script or data URL is a schema finding that says why."""
    def rule(media: str) -> dict:
        return {"kind": "rule", "id": "PPS-001", "task": "pps", "title": "t", "labels": ["product"], "when": "w",
                "examples": [{"input": "A bag", "media": media, "label": "product", "quiz": False}]}

    for good in ("media/bag.png", "/media/bag.png", "https://cdn.example.com/bag.webp", "bag.mp3"):
        assert check_document("rule", rule(good)) == [], good
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", "data:image/png;base64,AAAA", "vbscript:x", "a b.png"):
        problems = check_document("rule", rule(bad))
        assert [p.pointer for p in problems] == [("examples", 0, "media")], bad
        assert "javascript:, vbscript: and data: URLs are refused" in problems[0].message


def test_ambiguous_case_label_and_quiz_flag_and_project_quiz_block():
    rule = {"kind": "rule", "id": "PPS-001", "task": "pps", "title": "t", "labels": ["product"], "when": "w",
            "ambiguous_cases": [{"case": "c", "resolution": "r", "label": "product", "quiz": False},
                                {"case": "c", "resolution": "r", "label": ["product", "person"]}]}
    assert check_document("rule", rule) == []
    project = {"kind": "project", "name": "P", "quiz": {"pass_mark": 0.75, "results": "quiz/results.json"}}
    assert check_document("project", project) == []
    assert [p.kind[1] for p in check_document("project", {**project, "quiz": {"pass_mark": 80}})] == ["invalid-value"]


# --- the fast path (issue 17 item 16): declared, installed, and giving the pure path's verdicts ----

def test_jsonschema_rs_is_a_declared_dependency_and_active_here():
    import tomllib

    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    from guidelines_tool.validation import fast_paths

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {Requirement(line).name: Requirement(line) for line in project["dependencies"]}
    assert "jsonschema-rs" in declared, "the fast validator must come with a plain `pip install`"
    marker = declared["jsonschema-rs"].marker
    if marker is None or marker.evaluate(default_environment()):
        assert fast_paths() == {"yaml-c-parser": True, "jsonschema-rs": True}


def _documents() -> list:
    """Every YAML document the tests hold (malformed corpus, lint cases, sample, fmt cases)."""
    from guidelines_tool.loading import parse_yaml

    tests = Path(__file__).parent
    docs = []
    paths = [*sorted((tests / "malformed").iterdir()), *sorted((tests.parent / "sample_guidelines").rglob("*.yaml"))]
    for path in paths:
        try:
            data, _ = parse_yaml(path.read_bytes().decode("utf-8"), path.name)
        except UnicodeDecodeError:
            continue
        docs.append(data)
    from ruamel.yaml import YAML

    for path in sorted((tests / "lint" / "cases").glob("*.yaml")):
        for case in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["cases"]:
            for text in case["files"].values():
                if isinstance(text, str):
                    docs.append(parse_yaml(text, "case.yaml")[0])
    return [doc for doc in docs if isinstance(doc, dict)]


def test_the_fast_validator_gives_the_pure_validators_verdicts():
    from guidelines_tool.schema import _fast_validator, _validator

    documents = _documents()
    assert len(documents) > 100
    checked = 0
    for kind in ("project", "task", "rule"):
        fast, pure = _fast_validator(kind), _validator(kind)
        assert fast is not None
        for data in documents:
            try:
                verdict = fast.is_valid(data)
            except (ValueError, TypeError, OverflowError):
                continue  # check_document hands these to the pure validator
            assert verdict == pure.is_valid(data), (kind, data)
            checked += 1
    assert checked > 300
