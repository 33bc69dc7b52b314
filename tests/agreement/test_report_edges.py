"""Report set-up cases a one-line mutant of agreement/report.py survived without (see
scripts/mutation.py); each docstring names the mutant it kills."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidelines_tool.agreement.report import agreement_report
from guidelines_tool.annotations import read_annotations
from guidelines_tool.project import load_project


def _csv(path: Path, *, task: str | None = None) -> Path:
    rows = ["item,annotator,label" + (",task" if task else "")]
    labels = ["low", "mid", "high"]
    for i in range(12):
        for j, who in enumerate(("ann", "ben")):
            rows.append(f"i{i},{who},{labels[(i + j * (i % 3 == 0)) % 3]}" + (f",{task}" if task else ""))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_task_column_without_a_project_reads_labels_as_they_come(tmp_path):
    """Kills `project and table.task_id` → `or` (a task id with no project to look it up in)."""
    table = read_annotations([_csv(tmp_path / "r.csv", task="grade")], task="grade")
    assert table.task_id == "grade"
    report = agreement_report(table, n_boot=0)
    assert report.task == "grade" and report.scale == "nominal"
    assert report.categories == ("high", "low", "mid")  # no project: the labels' own order


def test_task_labels_without_values_have_no_numeric_scores(tmp_path):
    """A task whose labels carry no `value` orders them but gives no numbers (ordinal α needs
    only the order). Kills `values and all(...)` → `or` (float(None))."""
    (tmp_path / "guidelines.yaml").write_text("kind: project\nname: T\n", encoding="utf-8")
    (tmp_path / "guidelines" / "grade").mkdir(parents=True)
    (tmp_path / "guidelines" / "grade" / "task.yaml").write_text(
        "kind: task\nid: grade\ntitle: Grade\nscale: ordinal\nlabels:\n"
        "  - {id: low, name: Low}\n  - {id: mid, name: Mid}\n  - {id: high, name: High}\n", encoding="utf-8")
    project = load_project(tmp_path)
    table = read_annotations([_csv(tmp_path / "r.csv", task="grade")], project=project)
    report = agreement_report(table, project=project, n_boot=0)
    assert report.scale == "ordinal" and report.categories == ("low", "mid", "high")
    assert report.overall.coefficients["krippendorff_alpha"].value is not None


def test_the_default_seed_is_the_cli_default(tmp_path):
    """`agreement_report` called without a seed gives the intervals `guidelines agreement`
    prints without `--seed` (0). Kills `seed: int = 0` → 1."""
    from guidelines_tool.cli import options

    table = read_annotations([_csv(tmp_path / "r.csv")])
    assert options.seed_option()(lambda **kw: kw).__click_params__[0].default == 0
    default = agreement_report(table, n_boot=200)
    zero = agreement_report(table, n_boot=200, seed=0)
    one = agreement_report(table, n_boot=200, seed=1)
    alpha = {name: r.overall.coefficients["krippendorff_alpha"].ci for name, r in
             (("default", default), ("zero", zero), ("one", one))}
    assert alpha["default"] == alpha["zero"] != alpha["one"]


def _small(tmp_path: Path) -> Path:
    """Three annotators; cy rates only item i3, which has no gold label."""
    rows = ["item,annotator,label",
            "i1,ann,x", "i1,ben,x",
            "i2,ann,x", "i2,ben,y",
            "i3,ann,y", "i3,ben,y", "i3,cy,z"]
    path = tmp_path / "small.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_by_annotator_accuracy_and_coefficients(tmp_path):
    """Kills dropping `value`/`reason` from (or `n: 0` → 1 in) the accuracy of an annotator with
    no gold item, dropping α from an annotator's row, and a gold label outside the categories
    coded 0 (the first category) instead of -1 (no gold)."""
    from guidelines_tool.annotations import Gold

    table = read_annotations([_small(tmp_path)])
    gold = Gold({"i1": "x", "i2": "w"}, [])  # w is no category: i2 has no usable gold
    report = agreement_report(table, by="annotator", gold=gold, n_boot=0)
    rows = {g.name: g for g in report.groups}
    assert set(rows["ann"].summary.coefficients) == {"percent_agreement", "krippendorff_alpha"}
    assert [rows[k].summary.n_annotators for k in ("ann", "ben", "cy")] == [1, 1, 1]
    assert rows["ann"].extra["accuracy"] == {"value": 1.0, "n": 1}
    assert rows["ben"].extra["accuracy"] == {"value": 1.0, "n": 1}
    assert rows["cy"].extra["accuracy"] == {"value": None, "n": 0, "reason": "no gold item rated"}
    assert report.accuracy == {"value": 1.0, "n": 2, "reason": None}


def test_by_label_counts_items_where_the_label_occurs(tmp_path):
    """Kills `presence > 0` → `> 1` in the per-label item count: x occurs on i1 (twice) and i2
    (once), so on 2 items; z on one item, once."""
    table = read_annotations([_small(tmp_path)])
    report = agreement_report(table, by="label", n_boot=0)
    rows = {g.name: g.summary for g in report.groups}
    assert {k: (s.n_items, s.n_annotations, s.n_pairable_items, s.n_annotators) for k, s in rows.items()} == {
        "x": (2, 3, 2, 2), "y": (2, 3, 2, 2), "z": (1, 1, 1, 1)}  # z: cy alone, once


def test_gate_passes_at_exactly_the_threshold(tmp_path):
    """`--min-agreement` is a minimum: α equal to it passes. Kills `<` → `<=` in _gate."""
    table = read_annotations([_csv(tmp_path / "r.csv")])
    alpha = agreement_report(table, n_boot=0).overall.coefficients["krippendorff_alpha"].value
    at = agreement_report(table, n_boot=0, min_agreement=alpha).gate
    above = agreement_report(table, n_boot=0, min_agreement=alpha + 1e-9).gate
    assert at.passed and at.reason.endswith(f"meets {alpha:g}")
    assert not above.passed and "is below" in above.reason


def test_interval_and_ratio_scales_are_accepted(tmp_path):
    """Kills dropping a metric from METRICS: `--scale interval` (and ratio) on numeric labels."""
    path = tmp_path / "n.csv"
    path.write_text("item,annotator,label\n" + "".join(
        f"i{i},a,{1 + i % 4}\ni{i},b,{1 + (i + (i % 3 == 0)) % 4}\n" for i in range(16)), encoding="utf-8")
    table = read_annotations([path])
    for scale in ("nominal", "ordinal", "interval", "ratio"):
        report = agreement_report(table, scale=scale, n_boot=0)
        assert report.scale == scale and report.overall.coefficients["krippendorff_alpha"].value is not None
    values = {s: agreement_report(table, scale=s, n_boot=0).overall.coefficients["krippendorff_alpha"].value
              for s in ("nominal", "interval", "ratio")}
    assert len(set(values.values())) == 3  # each metric weighs the disagreements its own way


def test_gate_to_dict(tmp_path):
    """The JSON report's `gate`: kills dropping a key from Gate.to_dict."""
    table = read_annotations([_csv(tmp_path / "r.csv")])
    gate = agreement_report(table, n_boot=0, min_agreement=0.99).gate
    assert gate.to_dict() == {"min_agreement": 0.99, "passed": False, "reason": gate.reason}
    assert "gate" not in agreement_report(table, n_boot=0).to_dict()
    assert agreement_report(table, n_boot=0, min_agreement=0.99).to_dict()["gate"] == gate.to_dict()


def test_an_ordered_scale_without_an_order_names_the_first_five_labels(tmp_path):
    """Kills `order[:5]` → `[:6]` in the message a user reads to fix `--scale` without a project."""
    from guidelines_tool.errors import DataError

    path = tmp_path / "w.csv"
    path.write_text("item,annotator,label\n" + "".join(f"i{i},a,{c}\ni{i},b,{c}\n" for i, c in enumerate("abcdefg")),
                    encoding="utf-8")
    with pytest.raises(DataError, match=r"these labels are not numbers \(a, b, c, d, e, \.\.\.\); run inside"):
        agreement_report(read_annotations([path]), scale="ordinal", n_boot=0)


def test_by_label_counts_the_annotators_of_each_label(tmp_path):
    """ann uses x, y and z, ben only x: x has 2 annotators, y and z one each (kills summing the
    annotator × label matrix over the wrong axis, which the symmetric data above cannot tell)."""
    path = tmp_path / "labels.csv"
    path.write_text("item,annotator,label\ni1,ann,x\ni1,ben,x\ni2,ann,y\ni2,ben,x\ni3,ann,z\ni3,ben,x\n",
                    encoding="utf-8")
    report = agreement_report(read_annotations([path]), by="label", n_boot=0)
    assert {g.name: g.summary.n_annotators for g in report.groups} == {"x": 2, "y": 1, "z": 1}


def test_the_small_sample_warning_starts_below_min_items(tmp_path):
    """Kills `n >= min_items` → `>` in _small_sample and the `n == 1` plural (12 items rated twice)."""
    table = read_annotations([_csv(tmp_path / "r.csv")])
    assert agreement_report(table, n_boot=0, min_items=12).warnings == []
    assert agreement_report(table, n_boot=0, min_items=13).warnings == [
        "only 12 items have two judgements or more, fewer than min_items (13): the coefficients and their "
        "intervals rest on too few items to be trusted"]
    one = tmp_path / "one.csv"
    one.write_text("item,annotator,label\ni1,ann,low\ni1,ben,low\ni2,ann,mid\n", encoding="utf-8")
    assert agreement_report(read_annotations([one]), n_boot=0, min_items=2).warnings[0].startswith(
        "only 1 item has two judgements or more, fewer than min_items (2)")
    assert agreement_report(table, n_boot=0).min_items == 30  # the policy's default


def test_a_group_at_exactly_min_items_is_not_flagged(tmp_path):
    """Kills `n < self.min_items` → `<=` in below_min_items: two batches of six items rated twice."""
    rows = ["item,annotator,label,batch"] + [f"i{i},{who},{'low' if (i + j * (i % 2)) % 2 else 'mid'},b{i // 6}"
                                             for i in range(12) for j, who in enumerate(("ann", "ben"))]
    path = tmp_path / "b.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    table = read_annotations([path])
    at = agreement_report(table, by="batch", n_boot=0, min_items=6)
    assert [g.summary.n_pairable_items for g in at.groups] == [6, 6]
    assert not any(at.below_min_items(g) for g in at.groups) and not any("batch groups" in w for w in at.warnings)
    above = agreement_report(table, by="batch", n_boot=0, min_items=7)
    assert all(above.below_min_items(g) for g in above.groups)
    assert "2 of 2 batch groups have fewer than min_items (7) items with two judgements or more (marked * in the " \
        "text output)" in above.warnings
    assert not agreement_report(table, by="label", n_boot=0, min_items=100).below_min_items(
        agreement_report(table, by="label", n_boot=0, min_items=100).groups[0])  # only batch and revision groups
