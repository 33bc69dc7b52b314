"""The fast YAML path gives exactly what ruamel's safe loader gives, finds what it must, and
positions agree with ruamel's round-trip loader."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from guidelines_tool.loading import Locator, locate_text, parse_file_text, parse_yaml, positions
from guidelines_tool.model import Source
from guidelines_tool.project import load_project

SAMPLE = Path(__file__).resolve().parent.parent / "sample_guidelines"


def reference(text: str):
    """ruamel.yaml's own safe load, dates as ISO strings (what the schemas expect)."""
    def plain(value):
        if isinstance(value, dict):
            return {k if isinstance(k, str) else str(plain(k)): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return value
    return plain(YAML(typ="safe").load(text))


SCALARS = [
    "1", "-3", "0o17", "0x1F", "1_000", "2.5", "1e3", ".inf", "-.inf", "~", "null", "Null", "", "true", "False",
    "yes", "no", "on", "2026-01-02", "2026-01-02T10:00:00Z", "2026-01-02 10:00:00.5", "'1'", '"x\\ty"', "Tuesday",
    "NaNa", "nope", "fal", "T000-0001", ".5", "+1", "01", "1.2.3", "-x", "'<<'",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_resolve_like_ruamel(scalar: str):
    text = f"a: {scalar}\nb:\n  - {scalar}\n{scalar or 'k'}: key\n"
    assert parse_yaml(text, "x") == (reference(text), [])


keys = st.text(alphabet="abcdefgh_-", min_size=1, max_size=6)
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, width=32),
    st.text(max_size=20), st.sampled_from(SCALARS), st.dates(),
)
documents = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


@settings(max_examples=100, deadline=None)
@given(data=st.dictionaries(keys, documents, min_size=1, max_size=5), flow=st.booleans())
def test_any_document_loads_like_ruamel(data, flow):
    yaml = YAML(typ="safe")
    yaml.default_flow_style = flow
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    assert parse_yaml(text, "x") == (reference(text), [])


def test_anchors_aliases_tags_and_merge_keys_load_like_ruamel():
    text = "base: &b {x: 1, y: [2, 3]}\ncopy: *b\nname: &n N\nrefs: [*n, *b]\ntagged: !!str 12\nmerged:\n  <<: *b\n  z: 4\n"
    assert parse_yaml(text, "x") == (reference(text), [])


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        ("a: 1\nb:\n  c: 2\n  c: 3\n", "GL003", 4, 3),
        ("- {a: 1, a: 2}\n", "GL003", 1, 10),
        ("a: 1\n\tb: 2\n", "GL004", 2, 1),
        ("\ufeffa: 1\n", "GL005", 1, 1),
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
         "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", "GL007", 7, 5),
        ("a: " + "[" * 70 + "]" * 70 + "\n", "GL010", 1, 67),
        ("a: 1\n---\nb: 2\n", "GL011", 2, 1),
        ("a: [1\n", "GL001", 2, 1),
    ],
)
def test_problems_are_findings_with_a_place(text, code, line, column):
    findings = parse_file_text(text, "f.yaml").findings
    assert [(f.code, f.line, f.column) for f in findings] == [(code, line, column)]


def test_sample_positions_agree_with_the_round_trip_loader():
    for path in sorted(SAMPLE.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        found = positions(text)
        node = YAML().load(text)
        todo = [((), node)]
        while todo:
            pointer, node = todo.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, child in items:
                expected = node.lc.key(key) if isinstance(node, dict) else node.lc.item(key)
                assert found[pointer + (key,)][:2] == tuple(expected), (path, pointer + (key,))
                todo.append((pointer + (key,), child))


def test_locate_points_at_key_or_value_and_falls_back_to_the_parent():
    text = "kind: rule\nexamples:\n  - input: a\n    label: b\n"
    assert str(locate_text(text, Source("r.yaml", ("examples", 0, "label")))) == "r.yaml:4:5"
    assert str(locate_text(text, Source("r.yaml", ("examples", 0, "label")), value=True)) == "r.yaml:4:12"
    assert str(locate_text(text, Source("r.yaml", ("examples", 0, "missing")))) == "r.yaml:3:5"
    assert str(locate_text(text, Source("r.yaml", ("nothing",)))) == "r.yaml:1:1"


def test_locator_reads_each_file_once(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("x: 1\ny: 2\n")
    locate = Locator(tmp_path)
    assert str(locate(Source("a.yaml", ("y",)))) == "a.yaml:2:1"
    (tmp_path / "a.yaml").write_text("changed: true\n")
    assert str(locate(Source("a.yaml", ("y",)))) == "a.yaml:2:1"


def test_quiz_fields_load_into_the_records(tmp_path, guideline_project):
    """`media` and `quiz: false` on examples, `label`/`quiz` on ambiguous cases, `quiz:` in the config."""
    rule = """kind: rule
id: PPS-002
task: pps
title: Boxes
labels: [product, packaging]
when: Boxed.
examples:
  - {input: A closed shoe box, media: media/box.png, label: packaging}
  - {input: An open box, label: product, quiz: false}
ambiguous_cases:
  - {case: Gift box with a window, resolution: Packaging, label: packaging}
  - {case: Tin, resolution: Depends, quiz: false}
"""
    root = guideline_project(tmp_path, {
        "guidelines.yaml": "kind: project\nname: T\nquiz: {pass_mark: 0.9, results: quiz/results.json}\n",
        "guidelines/pps/rules/PPS-002.yaml": rule})
    project = load_project(root)
    loaded = project.rule("PPS-002")
    assert [(e.media, e.quiz) for e in loaded.examples] == [("media/box.png", True), ("", False)]
    assert [(c.label, c.labels, c.quiz) for c in loaded.ambiguous_cases] == [
        ("packaging", ("packaging",), True), ("", (), False)]
    assert (project.config.quiz.pass_mark, project.config.quiz.results) == (0.9, "quiz/results.json")
    assert load_project(guideline_project(tmp_path / "plain")).config.quiz.pass_mark == 0.8
