"""`guidelines agreement`'s formats on small reports built from real CSV files: each title, row,
column and gate line a reader relies on is asserted (targeted, so that wording changes elsewhere
in the output do not break them)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from guidelines_tool.agreement import COEFFICIENTS
from guidelines_tool.agreement.report import agreement_report
from guidelines_tool.annotations import Gold, read_annotations
from guidelines_tool.model import Finding
from guidelines_tool.reporters.agreement import AGREEMENT_REPORTERS, problems_text

ROWS = ["item,annotator,label,batch",
        "i1,ann,x,b1", "i1,ben,x,b1",
        "i2,ann,x,b1", "i2,ben,y,b1",
        "i3,ann,y,b2", "i3,ben,y,b2", "i3,cy,z,b2",
        "i4,ann,z,b2", "i4,ben,z,b2", "i5,ann,x,b2"]


# written out, not read from TITLES: a title lost there must fail here
TITLE_TEXTS = ["Percent agreement", "Cohen's kappa", "Scott's pi", "Fleiss' kappa", "Krippendorff's alpha",
               "Gwet's AC1", "Brennan-Prediger"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("agreement")) / "r.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    return read_annotations([path])


def render(name, report) -> str:
    return AGREEMENT_REPORTERS[name]().render(report)


def test_text_names_every_coefficient_and_the_header(table):
    report = agreement_report(table, n_boot=200, seed=0)
    lines = render("text", report).splitlines()
    assert lines[0] == "5 items (4 with two judgements or more), 10 annotations, 3 annotators (scale nominal)"
    assert lines[1].startswith("intervals: ")
    rows = [line for line in lines[3:] if line.startswith("  ") and line[2] != " "]  # not a wrapped reason
    titled = [line[2:24].strip() for line in rows[:len(COEFFICIENTS)]]
    assert titled == TITLE_TEXTS
    alpha = report.overall.coefficients["krippendorff_alpha"]
    assert f"  {'Krippendorff' + chr(39) + 's alpha':<22} {alpha.value:>6.3f}  [{alpha.ci[0]:.3f}, {alpha.ci[1]:.3f}]  se {alpha.se:.3f}" in lines


def test_text_without_bootstrap_says_nothing_about_intervals(table):
    text = render("text", agreement_report(table, n_boot=0))
    assert "intervals:" not in text and "no interval" not in text


def test_ordinal_weights_make_ac1_ac2(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("item,annotator,label\n" + "".join(
        f"i{i},a,{1 + i % 3}\ni{i},b,{1 + (i + (i % 4 == 0)) % 3}\n" for i in range(12)), encoding="utf-8")
    report = agreement_report(read_annotations([path]), scale="ordinal", n_boot=0)
    assert report.weights not in ("identity", "masi")
    lines = [line for line in render("text", report).splitlines() if line.startswith("  ")]
    titled = [line.split("  ")[1].strip() for line in lines[:len(COEFFICIENTS)]]
    assert titled == [("Gwet's AC2" if t == "Gwet's AC1" else t) for t in TITLE_TEXTS]  # only AC1 renamed
    assert "| Gwet's AC2 |" in render("md", report)
    assert ", weights " in render("text", report).splitlines()[0]


def test_by_annotator_with_gold_and_a_gate_in_every_format(table):
    gold = Gold({"i1": "x", "i2": "y", "i4": "z"}, [])
    report = agreement_report(table, by="annotator", gold=gold, n_boot=0, min_agreement=0.99)
    text = render("text", report)
    assert "\nBy annotator (other coefficients: --format csv, json or md):\n" in text
    assert "  Accuracy vs gold       0.833  (n=6)" in text.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.startswith(("  ann ", "  ben ", "  cy "))}
    # items, agreement with the others (ann: 3 of 5 pairs), α vs the others, accuracy (items)
    assert rows == {"ann": ["5", "0.600", "0.467", "0.667", "(3)"], "ben": ["4", "0.600", "0.467", "1.000", "(3)"],
                    "cy": ["1", "0.000", "-0.333", "note", "1"]}
    assert "  note 1: no gold item rated" in text.splitlines()
    assert text.rstrip().splitlines()[-1].startswith("FAIL: Krippendorff's α ")
    md = render("md", report)
    assert "### By annotator" in md and "| Accuracy vs gold |" in md
    assert "| ann | 5 | 5 | " in md and md.rstrip().splitlines()[-1].startswith("❌ ")
    rows = list(csv.reader(io.StringIO(render("csv", report))))
    assert rows[0] == ["group", "n_items", "n_annotations", "n_annotators", "coefficient", "value", "ci_low",
                       "ci_high", "reason", "n_pairable_items", "se", "analytic_ci_low", "analytic_ci_high",
                       "ci_reason", "se_reason"]
    assert all(len(row) == len(rows[0]) for row in rows)
    accuracy = [row for row in rows if row[4] == "accuracy"]
    assert [row[0] for row in accuracy] == ["overall", "ann", "ben", "cy"]
    assert accuracy[-1][5] == "" and accuracy[-1][8] == "no gold item rated"
    passed = agreement_report(table, n_boot=0, min_agreement=-1.0)
    assert render("text", passed).rstrip().splitlines()[-1].startswith("PASS: ")
    assert render("md", passed).rstrip().splitlines()[-1].startswith("✅ ")


def test_by_label_lists_the_confusions(table):
    report = agreement_report(table, by="label", n_boot=0)
    text = render("text", report)
    assert "\n\nConfusions behind most disagreement:\n" in text  # after a blank line
    pair = report.confusion[0]
    assert f"  {pair.a} ↔ {pair.b}: {pair.share:.0%} of disagreement ({pair.pairs:g} pairs)" in text


def test_csv_row_per_group_and_coefficient_with_intervals(table):
    report = agreement_report(table, by="batch", n_boot=200, seed=0)
    rows = list(csv.DictReader(io.StringIO(render("csv", report))))
    assert {row["group"] for row in rows} == {"overall", "b1", "b2"}
    overall = {row["coefficient"]: row for row in rows if row["group"] == "overall"}
    alpha = report.overall.coefficients["krippendorff_alpha"]
    row = overall["krippendorff_alpha"]
    assert (float(row["value"]), float(row["ci_low"]), float(row["ci_high"])) == (alpha.value, *alpha.ci)
    assert float(row["se"]) == alpha.se and row["n_pairable_items"] == "4"
    assert (float(row["analytic_ci_low"]), float(row["analytic_ci_high"])) == alpha.analytic_ci
    assert row["reason"] == "" and row["ci_reason"] == "" and row["se_reason"] == ""
    cohen = overall["cohen_kappa"]  # three annotators: undefined, and the row says why
    assert cohen["value"] == "" and cohen["reason"] == report.overall.coefficients["cohen_kappa"].reason != ""


def test_md_coefficients_table_and_groups(table):
    report = agreement_report(table, by="batch", n_boot=200, seed=0)
    md = render("md", report)
    assert md.startswith("**5** items (4 with two judgements or more), **10** annotations, **3** annotators; scale `nominal`; ")
    assert "| Coefficient | Value | 95% CI | SE | Note |" in md
    for title in TITLE_TEXTS:
        assert f"| {title} | " in md
    assert "### By batch" in md and "| b1 | 2 | 4 | " in md and "| b2 | 3 | 6 | " in md


def test_problems_text_limit_and_summary():
    problems = [Finding("a.csv", n, 1, "AN101", "bad-row", "warning", f"row {n}") for n in (2, 3, 4)]
    summary = {"read": 10, "used": 7, "rejected": {"empty label": 2, "unknown label": 1}, "other_task": 4}
    text = problems_text(problems, summary, limit=2)
    assert text == ("a.csv:2: warning AN101 row 2\na.csv:3: warning AN101 row 3\n... and 1 more problems\n"
                    "read 10 rows, used 7, rejected 3 (empty label 2, unknown label 1), 4 for other tasks\n")
    assert problems_text(problems[:1], None) == "a.csv:2: warning AN101 row 2\n"
    assert problems_text([], {"read": 1, "used": 1, "rejected": {}, "other_task": 0}) == \
        "read 1 rows, used 1, rejected 0 (none)\n"
