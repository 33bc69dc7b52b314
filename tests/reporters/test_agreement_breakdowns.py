"""`guidelines agreement --by …` in text and Markdown, the breakdown sections written out whole
(f-output's layout: essentials in 100 columns, numbered notes, the min_items mark), and the
layout helpers at their limits. The intervals are a seeded bootstrap (n=200, seed 0): the
statistics' own tests hold the numbers, these hold where each number goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidelines_tool.agreement.report import agreement_report
from guidelines_tool.annotations import Gold, read_annotations
from guidelines_tool.reporters import agreement as ra

LONG = "a-batch-with-a-very-long-name"
ROWS = ["item,annotator,label,batch",
        "i1,ann,x,b1", "i1,ben,x,b1", "i2,ann,x,b1", "i2,ben,y,b1",
        f"i3,ann,y,{LONG}", f"i3,ben,y,{LONG}", f"i3,cy,z,{LONG}", f"i4,ann,z,{LONG}", f"i4,ben,z,{LONG}",
        "i5,ann,x,b3"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("breakdowns")) / "r.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    return read_annotations([path])


def section(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(title)
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def test_by_batch_text(table):
    text = ra.TextReporter().render(agreement_report(table, by="batch", n_boot=200, seed=0))
    assert section(text, "By batch (other coefficients: --format csv, json or md):")[1:] == [
        "  batch                 items  annotations  agree  CI                  α  CI",
        "  a-batch-with-a-very…     2*            5  0.667  [0.333, 1.000]  0.333  [-0.250, 0.333]",
        "  b1                       2*            4  0.500  [0.000, 1.000]  0.000  [-0.500, 0.000]",
        "  b3                       1*            1      —  note 1              —  note 1",
        "  note 1: no pairable items: every item has fewer than two ratings",
        "  * fewer than min_items (30) items with two judgements or more: too few to trust"]
    few = ra.TextReporter().render(agreement_report(table, by="batch", n_boot=0, min_items=2))
    rows = section(few, "By batch (other coefficients: --format csv, json or md):")[1:]
    assert [row.split()[1] for row in rows[1:4]] == ["2", "2", "1*"] and rows[-1].startswith("  * fewer than min_items (2)")
    assert rows[3].split() == ["b3", "1*", "1", "—", "note", "1", "—", "note", "1"]
    assert rows[1].split() == [f"{LONG[:19]}…", "2", "5", "0.667", "0.333"]  # no interval drawn: no CI, no note


def test_by_label_text(table):
    text = ra.TextReporter().render(agreement_report(table, by="label", n_boot=200, seed=0))
    assert section(text, "By label (other coefficients: --format csv, json or md):")[1:] == [
        "  label  items  annotations  α (label or not)  CI",
        "  x          3            4             0.556  [-0.400, 1.000]",
        "  y          2            3             0.111  [-0.500, 0.429]",
        "  z          2            3             0.556  [-0.167, 1.000]"]


def test_by_annotator_text_without_and_with_gold(table):
    text = ra.TextReporter().render(agreement_report(table, by="annotator", n_boot=0))
    assert section(text, "By annotator (other coefficients: --format csv, json or md):")[1:] == [
        "  annotator  items  agree  α vs others",
        "  ann            5  0.600        0.467",
        "  ben            4  0.600        0.467",
        "  cy             1  0.000       -0.333"]
    gold = Gold({"i1": "x", "i2": "y", "i4": "z"}, [])
    text = ra.TextReporter().render(agreement_report(table, by="annotator", gold=gold, n_boot=0))
    assert section(text, "By annotator (other coefficients: --format csv, json or md):")[1:] == [
        "  annotator  items  agree  α vs others    accuracy vs gold (items)",
        "  ann            5  0.600        0.467    0.667 (3)",
        "  ben            4  0.600        0.467    1.000 (3)",
        "  cy             1  0.000       -0.333    note 1",
        "  note 1: no gold item rated"]


def test_by_batch_markdown_notes_number_each_reason_once(table):
    md = ra.MarkdownReporter().render(agreement_report(table, by="batch", n_boot=200, seed=0)).splitlines()
    start = md.index("### By batch")
    assert md[start + 2:start + 4] == [
        "| Group | Items | Annotations | Percent agreement | Cohen's kappa | Scott's pi | Fleiss' kappa "
        "| Krippendorff's alpha | Gwet's AC1 | Brennan-Prediger |", "|---|---:|---:|" + "---:|" * 7]
    assert md[start + 6] == "| b3 | 1 | 1 | — (note 3) | — (note 4) | — (note 5) | — (note 3) | — (note 3) | — (note 3) | — (note 3) |"
    assert md[start + 7:start + 13] == [
        "", "note 1: Cohen's κ is defined for exactly two annotators; these ratings have 3  ",
        "note 2: Scott's π is defined for exactly two annotators; these ratings have 3  ",
        "note 3: no pairable items: every item has fewer than two ratings  ",
        "note 4: Cohen's κ is defined for exactly two annotators; these ratings have 1  ",
        "note 5: Scott's π is defined for exactly two annotators; these ratings have 1  "]
    assert md[start + 13] == ""
    assert md[start + 14].startswith("> **Warning:** only 4 items have two judgements or more")


def test_by_batch_without_the_column(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("item,annotator,label\ni1,a,x\ni1,b,x\n", encoding="utf-8")
    text = ra.TextReporter().render(agreement_report(read_annotations([path]), by="batch", n_boot=0))
    assert "\nBy batch: none (no annotation has a batch)\n" in text


def test_layout_helpers_at_their_limits():
    assert ra._wrapped("x" * 100, 4) == ["x" * 100]
    words = " ".join(["word"] * 30)  # 149 characters
    wrapped = ra._wrapped(words, 4)
    assert len(wrapped) == 2 and len(wrapped[0]) <= 100 and wrapped[1].startswith("    word")
    assert ra._wrapped("y" * 120 + " z", 4) == ["y" * 120, "    z"]  # a long word is not broken
    assert ra._wrapped("x" * 90 + " well-known-reason", 4) == ["x" * 90, "    well-known-reason"]  # nor cut at a hyphen
    assert ra._cut("n" * 20) == "n" * 20 and ra._cut("n" * 21) == "n" * 19 + "…"
    assert ra._plural(1, "item") == "1 item" and ra._plural(0, "item") == "0 items" and ra._plural(2, "item") == "2 items"
    notes = ra._Notes()
    assert [notes.mark("b"), notes.mark(""), notes.mark(None), notes.mark("a"), notes.mark("b")] == \
        ["note 1", "—", "—", "note 2", "note 1"]
    assert notes.lines() == ["  note 1: b", "  note 2: a"]
    long_reason = ra._Notes()
    long_reason.mark("because " * 20)
    assert len(long_reason.lines()) == 2 and long_reason.lines()[1].startswith(" " * 10 + "because")
    assert long_reason.lines(wrap=False) == ["  note 1: " + "because " * 20]
    assert ra._align([("a", "1", "x"), ("bbb", "22", "")], {1}) == ["  a     1  x", "  bbb  22"]


def test_overall_reasons_wrap_under_the_interval_column(table):
    lines = ra.TextReporter().render(agreement_report(table, n_boot=0)).splitlines()
    cohen = lines.index("  Cohen's kappa               —  (Cohen's κ is defined for exactly two annotators; these ratings")
    assert lines[cohen + 1] == " " * 33 + "have 3)"
    assert lines[0] == "5 items (4 with two judgements or more), 10 annotations, 3 annotators (scale nominal)"


def test_the_min_items_note_wraps_under_its_star(table):
    text = ra.TextReporter().render(agreement_report(table, by="batch", n_boot=0, min_items=10**30))
    lines = text.splitlines()
    star = next(i for i, line in enumerate(lines) if line.startswith("  * fewer than min_items"))
    assert len(lines[star]) <= 100 and lines[star + 1].startswith("    ") and lines[star + 1][4] != " "
