"""hotspots: which rule to clarify next — by the items citing each rule when the data has
citations, by the rules' labels otherwise — and how the text and Markdown reports read."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from guidelines_tool.annotations import read_annotations
from guidelines_tool.cli import cli
from guidelines_tool.hotspots import hotspots
from guidelines_tool.project import load_project
from guidelines_tool.reporters.impact import HotspotMarkdownReporter, HotspotTextReporter

# the helper project's task (labels product, person, packaging) with three rules over overlapping
# labels: FOCUS and FACE both decide product ↔ person, so label pairs cannot tell them apart; only
# what annotators cite can


def _rule(rule_id: str, labels: str, title: str) -> str:
    return (f"kind: rule\nid: {rule_id}\ntask: pps\ntitle: {title}\nlabels: [{labels}]\n"
            f"decision: product\nwhen: Sometimes.\nexamples:\n  - {{input: x, label: product}}\n")


FILES = {
    "guidelines/pps/rules/PPS-001.yaml": None,
    "guidelines/pps/rules/FOCUS.yaml": _rule("FOCUS", "product, person", "Equal focus, the product wins"),
    "guidelines/pps/rules/FACE.yaml": _rule("FACE", "product, person", "A face makes it a person photo"),
    "guidelines/pps/rules/BOX.yaml": _rule("BOX", "product, packaging", "The box is packaging"),
}
SPLIT = [("product", "person", "product"), ("person", "person", "product")]  # disputed items
AGREED_PP = [("product",) * 3, ("person",) * 3, ("product", "product", "person")]
AGREED_BOX = [("packaging",) * 3, ("product",) * 3, ("packaging", "packaging", "product")]


def _rows(patterns, rule_id, first, n):
    rows = []
    for k in range(n):
        labels = patterns[k % len(patterns)]
        rows += [(f"i{first + k}", f"a{j}", label, rule_id) for j, label in enumerate(labels)]
    return rows


@pytest.fixture()
def project_dir(guideline_project, tmp_path):
    guideline_project(tmp_path, FILES)
    # FACE's items are the disputed ones; FOCUS's and BOX's are mostly agreed
    rows = _rows(SPLIT, "FACE", 0, 40) + _rows(AGREED_PP, "FOCUS", 100, 60) + _rows(AGREED_BOX, "BOX", 200, 60)
    lines = ["item,annotator,label,rules"] + [",".join(r) for r in rows]
    (tmp_path / "cited.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "uncited.csv").write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    return tmp_path


def _report(root, name, **kwargs):
    project = load_project(root)
    table = read_annotations([root / name], project=project, task="pps")
    return hotspots(project, table, **kwargs)


def test_with_citations_the_rule_whose_items_hold_the_disagreement_comes_first(project_dir):
    report = _report(project_dir, "cited.csv")
    first = report.rules[0]
    assert (first.rule, first.basis, first.n_items) == ("FACE", "citations", 40)
    assert first.pairs[0] == ("product", "person")
    # FACE's 40 items hold more of the disagreement than FOCUS's 60, and agree far less
    by_rule = {h.rule: h for h in report.rules}
    assert first.share > by_rule["FOCUS"].share and first.alpha < by_rule["FOCUS"].alpha
    assert sum(h.share for h in report.rules) == pytest.approx(1.0)  # every item cites one rule
    assert by_rule["BOX"].pairs[0] == ("product", "packaging")


def test_an_item_citing_several_rules_gives_each_an_equal_part_so_shares_add_up(project_dir):
    # disputed items where both FACE and FOCUS are cited (in one cell, or one rule per annotator),
    # and disputed items citing nothing: before, each cited rule counted the whole item (the
    # shares summed past 100 %)
    both = [(i, a, label, "FACE;FOCUS") for i, a, label, _ in _rows(SPLIT, "", 300, 20)]
    apart = [(i, a, label, "FACE" if a == "a0" else "FOCUS") for i, a, label, _ in _rows(SPLIT, "", 400, 20)]
    none = [(i, a, label, "") for i, a, label, _ in _rows(SPLIT, "", 500, 20)]
    rows = _rows(SPLIT, "FACE", 0, 40) + _rows(AGREED_BOX, "BOX", 200, 60) + both + apart + none
    (project_dir / "several.csv").write_text("item,annotator,label,rules\n" + "".join(",".join(r) + "\n" for r in rows))
    report = _report(project_dir, "several.csv")
    by_rule = {h.rule: h for h in report.rules}
    assert sum(h.share for h in report.rules) + report.uncited_share == pytest.approx(1.0)
    # the 40 items citing both hold as much disagreement as FACE's own 40 and the 20 uncited ones
    # together hold half of that: FOCUS gets half of the shared items, FACE its own and the other half
    shared = by_rule["FOCUS"].share
    assert by_rule["FACE"].share == pytest.approx(3 * shared) and report.uncited_share == pytest.approx(shared)
    assert by_rule["FOCUS"].n_items == 40 and by_rule["FACE"].n_items == 80  # items citing it: not split
    text = " ".join(HotspotTextReporter().render(report).split())
    assert "an item citing several rules gives each an equal part of its disagreement" in text
    assert f"items citing no rule {report.uncited_share:.0%}" in text


def test_without_citations_rules_sharing_a_pair_are_ranked_by_their_labels(project_dir):
    report = _report(project_dir, "uncited.csv")
    assert {h.basis for h in report.rules} == {"labels"}
    # FOCUS and FACE decide the same pair: labels alone cannot separate them
    top_two = report.rules[:2]
    assert {h.rule for h in top_two} == {"FACE", "FOCUS"} and top_two[0].share == top_two[1].share


def test_deprecated_and_uncited_rules_are_not_proposed(project_dir):
    (project_dir / "guidelines/pps/rules/BOX.yaml").write_text(
        _rule("BOX", "product, packaging", "The box is packaging") + "status: deprecated\nreplaced_by: FOCUS\n")
    report = _report(project_dir, "cited.csv")
    assert "BOX" not in {h.rule for h in report.rules}


def test_text_report_leads_with_the_rules_and_fits_100_columns(project_dir):
    text = HotspotTextReporter().render(_report(project_dir, "cited.csv", top=3))
    lines = text.splitlines()
    assert lines[2] == "Rules to clarify next — the disagreement on the items citing each rule:"
    header, first = lines[3].split(), lines[4].split()
    assert header[:5] == ["rule", "share", "α", "there", "items"] and first[0] == "FACE"
    assert all(len(line) <= 100 for line in lines)
    uncited = HotspotTextReporter().render(_report(project_dir, "uncited.csv"))
    assert "the data has no `rules` citations" in " ".join(uncited.split())
    # label-based shares overlap (a pair counts for each rule covering it): the report says so
    assert "shares overlap: a confused pair counts for every rule whose labels cover it" in " ".join(uncited.split())
    assert all(len(line) <= 100 for line in uncited.splitlines())


def test_long_titles_are_cut_to_the_terminal_width(project_dir):
    long_title = "A face makes it a person photo " + "unless the product is in sharp focus " * 4
    (project_dir / "guidelines/pps/rules/FACE.yaml").write_text(_rule("FACE", "product, person", long_title.strip()))
    text = HotspotTextReporter().render(_report(project_dir, "cited.csv"))
    face = next(line for line in text.splitlines() if line.strip().startswith("FACE"))
    assert len(face) == 100 and face.endswith("…")


def test_markdown_puts_the_rules_table_first(project_dir):
    md = HotspotMarkdownReporter().render(_report(project_dir, "cited.csv"))
    tables = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| `")]
    assert tables[0].startswith("| rule to clarify | share of disagreement (items citing it) | α there |")
    assert "| `FACE` |" in md


def test_json_says_which_basis_ranked_the_rules(project_dir, monkeypatch):
    monkeypatch.chdir(project_dir)
    out = CliRunner().invoke(cli, ["hotspots", "cited.csv", "--format", "json"], catch_exceptions=False).stdout
    first = json.loads(out)["rules"][0]
    assert (first["rule"], first["basis"], first["n_items"]) == ("FACE", "citations", 40)
    assert 0 < first["share"] < 1 and first["alpha"] < 0.5
