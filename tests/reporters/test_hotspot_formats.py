"""The hotspots text and Markdown layout: column headers, the width rule, label pairs (cases for
one-line mutants of reporters/impact.py's hotspot part that tests/test_hotspots.py let through)."""

from __future__ import annotations

import pytest

from guidelines_tool.annotations import read_annotations
from guidelines_tool.hotspots import hotspots
from guidelines_tool.project import load_project
from guidelines_tool.reporters import impact as ri


def _rule(rule_id: str, labels: str) -> str:
    return (f"kind: rule\nid: {rule_id}\ntask: pps\ntitle: Rule {rule_id}\nlabels: [{labels}]\n"
            f"decision: product\nwhen: Sometimes.\nexamples:\n  - {{input: x, label: product}}\n")


@pytest.fixture(scope="module")
def reports(tmp_path_factory, write_project):
    root = tmp_path_factory.mktemp("hotspots")
    write_project(root, {"guidelines/pps/rules/PPS-001.yaml": None,
                         "guidelines/pps/rules/FACE.yaml": _rule("FACE", "product, person")})
    rows = ["item,annotator,label,rules"]
    for i in range(30):
        labels = ("product", "person", "product") if i % 2 else ("person", "person", "person")
        rows += [f"i{i},a{j},{label},FACE" for j, label in enumerate(labels)]
    (root / "cited.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "uncited.csv").write_text("\n".join(r.rsplit(",", 1)[0] for r in rows) + "\n", encoding="utf-8")
    project = load_project(root)
    return {name: hotspots(project, read_annotations([root / f"{name}.csv"], project=project, task="pps"))
            for name in ("cited", "uncited")}


def test_fit_cuts_only_past_the_width():
    assert ri._fit("x" * 100) == "x" * 100
    assert ri._fit("x" * 101) == "x" * 99 + "…"


def test_pair_shows_both_labels():
    assert ri._pair(("a", "b")) == "a ↔ b" and ri._pair(None) == ""


def test_text_rule_tables_per_basis(reports):
    lines = ri.HotspotTextReporter().render(reports["cited"]).splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["rule"])
    assert lines[header].split() == ["rule", "share", "α", "there", "items", "confused", "most", "title"]
    face = lines[header + 1].split()
    rule = reports["cited"].rules[0]
    assert face[:4] == ["FACE", f"{rule.share:.0%}", f"{rule.alpha:.2f}", str(rule.n_items)]
    assert " ".join(face[4:7]) in ("person ↔ product", "product ↔ person")
    lines = ri.HotspotTextReporter().render(reports["uncited"]).splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["rule"])
    assert lines[header].split() == ["rule", "share", "confused", "most", "title"]


def test_text_sections_in_order(reports):
    text = ri.HotspotTextReporter().render(reports["cited"])
    order = [text.index(s) for s in ("Rules to clarify next", "\n\nLabel pairs behind most disagreement:\n",
                                     "\n\nItems with the lowest agreement (share of agreeing pairs):\n",
                                     "\n\nAnnotators who deviate most from the others:\n")]
    assert order == sorted(order)
    annotators = text.split("Annotators who deviate most from the others:\n")[1].splitlines()
    assert annotators[0].split() == ["annotator", "α", "vs", "others", "annotations"]


def test_markdown_tables(reports):
    md = ri.HotspotMarkdownReporter().render(reports["cited"])
    for header in ("| confused labels | share of disagreement |", "| item | agreement | labels | cited rules |",
                   "| annotator | α vs others | annotations | gold accuracy |"):
        assert f"\n\n{header}\n|---|" in md
    md = ri.HotspotMarkdownReporter().render(reports["uncited"])
    assert "\n| rule to clarify | covers (its labels' confused pairs) | title |\n|---|---|---|\n| `FACE` | " in md
