"""`guidelines agreement` end to end (CliRunner) and the report it is built on."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from guidelines_tool import agreement as ag
from guidelines_tool.agreement import variance as av
from guidelines_tool.cli import cli


NAMES = {"percent_agreement", "cohen_kappa", "scott_pi", "fleiss_kappa", "krippendorff_alpha",
         "gwet_ac1", "brennan_prediger"}


def write_ratings(path: Path, seed: int = 0, n_items: int = 120, annotators=("ann", "ben", "cy"),
                  labels=("a", "b", "c"), extra=None) -> Path:
    rng = np.random.default_rng(seed)
    rows = ["item,annotator,label,batch,guideline_rev"]
    for i in range(n_items):
        truth = labels[rng.integers(len(labels))]
        for who in annotators:
            label = truth if rng.random() < 0.75 else labels[rng.integers(len(labels))]
            rows.append(f"it{i},{who},{label},b{i % 2},{'v1' if i < n_items // 2 else 'v2'}")
    path.write_text("\n".join(rows + (extra or [])) + "\n")
    return path


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no guidelines.yaml above: works without a project
    return CliRunner()


def run(runner: CliRunner, *args: str):
    return runner.invoke(cli, ["agreement", *args], catch_exceptions=False)


def test_json_overall_matches_the_coefficients(runner: CliRunner, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "r.csv")
    result = run(runner, str(path), "--format", "json", "--bootstrap", "200", "--seed", "3")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    overall = data["overall"]
    assert (overall["n_items"], overall["n_annotations"], overall["n_annotators"]) == (120, 360, 3)
    assert set(overall["coefficients"]) == NAMES
    rows = list(csv.DictReader(path.open()))
    r = ag.encode([x["item"] for x in rows], [x["annotator"] for x in rows],
                  [x["label"] for x in rows])
    alpha = overall["coefficients"]["krippendorff_alpha"]
    assert alpha["value"] == pytest.approx(ag.krippendorff_alpha(r).value, abs=1e-12)
    assert alpha["ci"][0] < alpha["value"] < alpha["ci"][1] and alpha["reason"] is None
    cohen = overall["coefficients"]["cohen_kappa"]
    assert cohen["value"] is None and cohen["ci"] is None and "two annotators" in cohen["reason"]
    assert data["interval_method"] == "95% percentile bootstrap over items, n=200"
    assert data["groups"] == []
    assert "read 360 rows, used 360" in result.stderr
    again = run(runner, str(path), "--format", "json", "--bootstrap", "200", "--seed", "3")
    assert again.stdout == result.stdout  # seeded: byte-identical


def test_two_annotators_get_cohen_and_scott(runner: CliRunner, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "r.csv", annotators=("ann", "ben"))
    data = json.loads(run(runner, str(path), "--format", "json", "--bootstrap", "0").stdout)
    coefficients = data["overall"]["coefficients"]
    assert all(coefficients[n]["value"] is not None for n in NAMES)
    assert coefficients["cohen_kappa"]["ci"] is None and data["interval_method"] is None


@pytest.mark.parametrize("by", ["batch", "revision"])
def test_by_batch_and_revision(runner: CliRunner, tmp_path: Path, by: str) -> None:
    path = write_ratings(tmp_path / "r.csv")
    data = json.loads(run(runner, str(path), "--by", by, "--format", "json",
                          "--bootstrap", "50").stdout)
    names = [g["group"] for g in data["groups"]]
    assert names == (["b0", "b1"] if by == "batch" else ["v1", "v2"])
    assert sum(g["n_annotations"] for g in data["groups"]) == 360
    assert all(set(g["coefficients"]) == NAMES for g in data["groups"])


def test_by_label_has_binary_alpha_and_confusions(runner: CliRunner, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "r.csv")
    data = json.loads(run(runner, str(path), "--by", "label", "--format", "json",
                          "--bootstrap", "50").stdout)
    assert [g["group"] for g in data["groups"]] == ["a", "b", "c"]
    rows = list(csv.DictReader(path.open()))
    binary = ag.encode([x["item"] for x in rows], [x["annotator"] for x in rows],
                       [x["label"] == "a" for x in rows], categories=[False, True])
    got = data["groups"][0]["coefficients"]["krippendorff_alpha"]["value"]
    assert got == pytest.approx(ag.krippendorff_alpha(binary).value, abs=1e-12)
    pairs = data["confusion_pairs"]
    assert len(pairs) == 3 and sum(p["share"] for p in pairs) == pytest.approx(1.0)
    assert pairs[0]["share"] >= pairs[-1]["share"]


def test_by_annotator_with_gold(runner: CliRunner, tmp_path: Path, annotation_data: Path) -> None:
    result = run(runner, str(annotation_data / "good.csv"), "--by", "annotator", "--gold",
                 str(annotation_data / "gold.csv"), "--format", "json", "--bootstrap", "0")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    by_name = {g["group"]: g for g in data["groups"]}
    assert by_name["alice"]["accuracy"] == {"value": 1.0, "n": 3}
    assert by_name["bob"]["accuracy"]["value"] == pytest.approx(2 / 3)
    assert by_name["alice"]["coefficients"]["percent_agreement"]["value"] == pytest.approx(2 / 3)
    assert data["overall"]["accuracy"]["n"] == 6
    assert "gold.csv:5" in result.stderr  # the gold row without an item


def test_gate_fails_below_the_threshold(runner: CliRunner, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "r.csv")
    low = run(runner, str(path), "--min-agreement", "0.95", "--bootstrap", "0")
    assert low.exit_code == 1
    assert "agreement gate failed: Krippendorff's α" in low.stderr and "below 0.95" in low.stderr
    ok = run(runner, str(path), "--min-agreement", "0.1", "--bootstrap", "0")
    assert ok.exit_code == 0 and "PASS" in ok.stdout


def test_duplicates_error_reports_then_exits_1(runner: CliRunner, annotation_data: Path) -> None:
    result = run(runner, str(annotation_data / "malformed.csv"))
    assert result.exit_code == 1 and result.stdout == ""
    assert "malformed.csv:9: error ANN008" in result.stderr
    assert "malformed.csv:6: error ANN009" in result.stderr
    assert "read 8 rows, used 3, rejected 5" in result.stderr
    kept = run(runner, str(annotation_data / "malformed.csv"), "--duplicates", "first",
               "--bootstrap", "0")
    assert kept.exit_code == 0 and "warning ANN008" in kept.stderr


def test_csv_and_markdown_formats(runner: CliRunner, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "r.csv")
    out = run(runner, str(path), "--format", "csv", "--by", "batch", "--bootstrap", "20").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["group"] for r in rows} == {"overall", "b0", "b1"} and len(rows) == 21
    md = run(runner, str(path), "--format", "md", "--bootstrap", "0").stdout
    assert "| Krippendorff's alpha |" in md and "| Coefficient | Value |" in md


def test_inside_a_project_labels_and_scale_come_from_the_task(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              make_project: Callable) -> None:
    make_project(tmp_path, {"grade": (["low", "mid", "high"], "ordinal", False)})
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "r.csv"
    path.write_text("item,annotator,label\n" + "".join(
        f"{i},{a},{lab}\n" for i, labs in enumerate(
            [("low", "low"), ("low", "mid"), ("high", "high"), ("mid", "high"), ("mid", "mid"),
             ("high", "nope")]) for a, lab in zip("xy", labs)))
    result = CliRunner().invoke(cli, ["agreement", str(path), "--format", "json",
                                      "--bootstrap", "0"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["task"] == "grade" and data["scale"] == "ordinal" and data["weights"] == "linear"
    assert "label 'nope' is not in task 'grade'" in result.stderr
    r = ag.encode([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5], list("xyxyxyxyxyx"),
                  ["low", "low", "low", "mid", "high", "high", "mid", "high", "mid", "mid",
                   "high"], categories=["low", "mid", "high"])
    expected = ag.krippendorff_alpha(r, "ordinal").value
    assert data["overall"]["coefficients"]["krippendorff_alpha"]["value"] == pytest.approx(
        expected, abs=1e-12)
    scale = CliRunner().invoke(cli, ["agreement", str(path), "--format", "json",
                                     "--bootstrap", "0", "--scale", "nominal"])
    assert json.loads(scale.stdout)["scale"] == "nominal"


def test_multi_label_reports_masi_alpha_and_per_label(runner: CliRunner,
                                                      annotation_data: Path) -> None:
    data = json.loads(run(runner, str(annotation_data / "good.jsonl"), "--format", "json",
                          "--bootstrap", "0", "--by", "label").stdout)
    assert data["multi_label"] and data["scale"] == "masi"
    coefficients = data["overall"]["coefficients"]
    assert coefficients["fleiss_kappa"]["value"] is None
    assert "multi-label" in coefficients["fleiss_kappa"]["reason"]
    assert [g["group"] for g in data["groups"]] == ["ads", "spam"]


def test_bad_input_is_a_clear_error_not_a_traceback(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, str(tmp_path / "absent.csv"))
    assert result.exit_code == 2 and "no such file" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("item,annotator,label\n")
    result = run(runner, str(empty))
    assert result.exit_code == 2 and "no usable annotations" in result.stderr


def test_numeric_labels_without_a_project_keep_their_values(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(4)
    values = [2, 3, 10, 25]
    rows, matrix = ["item,annotator,label"], np.full((3, 40), np.nan)
    for i in range(40):
        for a in range(3):
            v = values[rng.integers(4)]
            rows.append(f"{i},{a},{v}")
            matrix[a, i] = v
    path = tmp_path / "n.csv"
    path.write_text("\n".join(rows) + "\n")
    data = json.loads(run(runner, str(path), "--scale", "interval", "--format", "json",
                          "--bootstrap", "0").stdout)
    assert data["categories"] == ["2", "3", "10", "25"]  # numeric, not text, order
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")
    got = data["overall"]["coefficients"]["krippendorff_alpha"]["value"]
    assert got == pytest.approx(expected, abs=1e-9)


def test_markdown_is_inert_for_hostile_batch_names(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("item,annotator,label,batch\n1,a,x,<b>bold</b>\n1,b,x,<b>bold</b>\n"
                    "2,a,y,<b>bold</b>\n2,b,x,<b>bold</b>\n")
    md = run(runner, str(path), "--format", "md", "--bootstrap", "0", "--by", "batch").stdout
    assert "<b>" not in md and "&lt;b&gt;bold&lt;/b&gt;" in md


def test_ordered_scale_on_text_labels_without_a_task_is_an_error(runner: CliRunner,
                                                                  tmp_path: Path) -> None:
    # without a task file nothing says that bad < ok < good: alphabetical order would weigh
    # bad↔good as a small disagreement and bad↔ok as a large one
    path = tmp_path / "r.csv"
    path.write_text("item,annotator,label\n1,a,bad\n1,b,ok\n2,a,good\n2,b,good\n")
    for scale in ("ordinal", "interval"):
        result = runner.invoke(cli, ["agreement", str(path), "--scale", scale])
        assert result.exit_code == 2 and "order" in result.stderr
    assert run(runner, str(path), "--scale", "nominal", "--bootstrap", "0").exit_code == 0
    numbers = tmp_path / "n.csv"
    numbers.write_text("item,annotator,label\n1,a,1\n1,b,3\n2,a,2\n2,b,2\n")
    assert run(runner, str(numbers), "--scale", "ordinal", "--bootstrap", "0").exit_code == 0


def test_single_judgement_items_are_counted_apart_and_leave_pairwise_coefficients_alone(
        runner: CliRunner, tmp_path: Path) -> None:
    import krippendorff

    paired = write_ratings(tmp_path / "paired.csv", seed=3, annotators=("ann", "ben"))
    lonely = [f"solo{i},{('ann', 'ben')[i % 2]},{'abc'[i % 3]},b0,v1" for i in range(40)]
    mixed = write_ratings(tmp_path / "mixed.csv", seed=3, annotators=("ann", "ben"), extra=lonely)
    a, b = (json.loads(run(runner, str(p), "--format", "json", "--bootstrap", "0").stdout)
            for p in (paired, mixed))
    assert (a["overall"]["n_items"], a["overall"]["n_pairable_items"]) == (120, 120)
    assert (b["overall"]["n_items"], b["overall"]["n_pairable_items"]) == (160, 120)
    # α (pairable values only, Krippendorff 2011), raw agreement, Cohen, Scott and
    # Brennan-Prediger observe agreement on pairable items only: the lonely items change nothing
    for name in ("krippendorff_alpha", "percent_agreement", "cohen_kappa", "scott_pi",
                 "brennan_prediger"):
        assert b["overall"]["coefficients"][name]["value"] == pytest.approx(
            a["overall"]["coefficients"][name]["value"], abs=1e-12), name
    # the peer agrees: a reliability matrix with the lonely items as mostly-missing columns
    rows = list(csv.DictReader(mixed.open()))
    items = sorted({r["item"] for r in rows})
    who = sorted({r["annotator"] for r in rows})
    matrix = np.full((len(who), len(items)), np.nan)
    for r in rows:
        matrix[who.index(r["annotator"]), items.index(r["item"])] = "abc".index(r["label"])
    peer = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert b["overall"]["coefficients"]["krippendorff_alpha"]["value"] == pytest.approx(peer, abs=1e-9)
    text = run(runner, str(mixed), "--bootstrap", "0").stdout
    assert "160 items (120 with two judgements or more)" in text
    table = list(csv.DictReader(io.StringIO(run(runner, str(mixed), "--format", "csv",
                                                "--bootstrap", "0").stdout)))
    assert {r["n_pairable_items"] for r in table} == {"120"}


def test_relabelling_under_a_later_revision_is_no_duplicate(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    base = write_ratings(tmp_path / "base.csv", seed=5, n_items=60)
    rows = list(csv.DictReader(base.open()))
    # ann labels the v1 items again under v2 (rule changed), later in time
    again = [f"{r['item']},ann,{'a' if r['label'] != 'a' else 'b'},{r['batch']},v2"
             for r in rows if r["annotator"] == "ann" and r["guideline_rev"] == "v1"]
    path = write_ratings(tmp_path / "relabel.csv", seed=5, n_items=60, extra=again)
    result = run(runner, str(path), "--format", "json", "--bootstrap", "0")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["read"]["relabelled"] == 30 and report["read"]["rejected"] == {}
    assert "30 re-label an item under another guideline revision" in result.stderr
    # pooled: ann's latest judgement (the v2 one: last in the file, no times) counts once
    latest = [r for r in rows if not (r["annotator"] == "ann" and r["guideline_rev"] == "v1")]
    latest += [dict(zip(("item", "annotator", "label", "batch", "guideline_rev"), line.split(",")))
               for line in again]
    expected = tmp_path / "latest.csv"
    with expected.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(latest)
    pooled = json.loads(run(runner, str(expected), "--format", "json", "--bootstrap", "0").stdout)
    assert report["overall"] == pooled["overall"]
    by = json.loads(run(runner, str(path), "--format", "json", "--bootstrap", "0",
                        "--by", "revision").stdout)
    assert {g["group"]: g["n_annotations"] for g in by["groups"]} == {"v1": 90, "v2": 120}
    # the same judgement twice under one revision stays a duplicate
    dup = write_ratings(tmp_path / "dup.csv", seed=5, n_items=60, extra=again[:1] + again[:1])
    assert run(runner, str(dup), "--bootstrap", "0").exit_code == 1


# --- analytic standard errors beside the bootstrap interval ---------------------------------


def test_json_and_csv_carry_the_analytic_se(runner: CliRunner, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "r.csv", annotators=("ann", "ben"))
    data = json.loads(run(runner, str(path), "--format", "json", "--bootstrap", "300").stdout)
    rows = list(csv.DictReader(path.open()))
    r = ag.encode([x["item"] for x in rows], [x["annotator"] for x in rows],
                  [x["label"] for x in rows])
    assert "Gwet (2014)" in data["se_method"]
    for name, c in data["overall"]["coefficients"].items():
        expected = av.analytic_se(name, r)
        assert c["se"] == pytest.approx(expected.se, rel=1e-12), name
        assert c["analytic_ci"] == pytest.approx(list(expected.ci), rel=1e-12), name
        assert c["ci"] is not None and c["ci_reason"] is None  # the bootstrap CI is kept
    table = list(csv.DictReader(io.StringIO(
        run(runner, str(path), "--format", "csv", "--bootstrap", "0").stdout)))
    by_name = {t["coefficient"]: t for t in table}
    assert float(by_name["cohen_kappa"]["se"]) == pytest.approx(
        data["overall"]["coefficients"]["cohen_kappa"]["se"], rel=1e-12)
    assert by_name["cohen_kappa"]["ci_low"] == "" and "--bootstrap 0" in by_name[
        "cohen_kappa"]["ci_reason"]
    text = run(runner, str(path), "--bootstrap", "100").stdout
    assert "se 0." in text


def test_a_null_bootstrap_interval_says_why(runner: CliRunner, tmp_path: Path) -> None:
    # two pairable items (one x x, one y y) among single judgements: α is defined only in
    # resamples that draw both, about 40 % of them
    lines = ["item,annotator,label", "p1,a,x", "p1,b,x", "p2,a,y", "p2,b,y"]
    lines += [f"s{i},a,{'xy'[i % 2]}" for i in range(8)]
    path = tmp_path / "few.csv"
    path.write_text("\n".join(lines) + "\n")
    data = json.loads(run(runner, str(path), "--format", "json", "--bootstrap", "400").stdout)
    alpha = data["overall"]["coefficients"]["krippendorff_alpha"]
    assert alpha["value"] is not None and alpha["ci"] is None
    assert alpha["ci_reason"].startswith("only ") and "of 400 bootstrap resamples" in alpha[
        "ci_reason"]
    assert "(no interval: only" in run(runner, str(path), "--bootstrap", "400").stdout


def test_a_null_standard_error_says_why(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"  # one item with two judgements: α has a value, no variance
    path.write_text("item,annotator,label\np1,a,x\np1,b,y\ns1,a,x\ns2,a,y\n")
    data = json.loads(run(runner, str(path), "--format", "json", "--bootstrap", "0").stdout)
    alpha = data["overall"]["coefficients"]["krippendorff_alpha"]
    assert alpha["value"] is not None and alpha["se"] is None
    assert alpha["se_reason"].startswith("fewer than two items")
    rows = list(csv.DictReader(io.StringIO(
        run(runner, str(path), "--format", "csv", "--bootstrap", "0").stdout)))
    assert [r["se_reason"] for r in rows if r["coefficient"] == "krippendorff_alpha"] == [
        alpha["se_reason"]]


# --- what the report says about itself: missing breakdowns, small samples, width ------------


def strip_columns(path: Path, *drop: str) -> Path:
    rows = list(csv.DictReader(path.open()))
    keep = [name for name in rows[0] if name not in drop]
    out = path.with_name(f"{path.stem}-without.csv")
    out.write_text(",".join(keep) + "\n" + "".join(",".join(r[k] for k in keep) + "\n" for r in rows))
    return out


@pytest.mark.parametrize("by, column", [("batch", "batch"), ("revision", "guideline_rev")])
def test_a_breakdown_by_a_column_the_files_lack_says_so(runner: CliRunner, tmp_path: Path, by: str,
                                                        column: str) -> None:
    # before: one "(none)" row holding everything, and no word about why
    path = strip_columns(write_ratings(tmp_path / "r.csv"), "batch", "guideline_rev")
    result = run(runner, str(path), "--by", by, "--format", "json", "--bootstrap", "0")
    data = json.loads(result.stdout)
    assert data["groups"] == [] and data["by"] == by
    assert data["warnings"] == [f"no annotation has a {column} (the files have no `{column}` column, "
                                f"or it is empty): there is nothing to break down by {by}"]
    assert f"warning: no annotation has a {column}" in result.stderr
    text = run(runner, str(path), "--by", by, "--bootstrap", "0").stdout
    assert f"By {by}: none (no annotation has a {column})" in text and "(none)" not in text


def test_annotations_without_a_batch_are_counted_in_a_warning(runner: CliRunner, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "r.csv", n_items=60, extra=[f"x{i},{w},a,,v1" for i in range(4)
                                                                 for w in ("ann", "ben")])
    result = run(runner, str(path), "--by", "batch", "--format", "json", "--bootstrap", "0")
    data = json.loads(result.stdout)
    assert [g["group"] for g in data["groups"]] == ["b0", "b1", "(none)"]
    assert "8 of 188 annotations have no batch: they form the (none) row" in data["warnings"]


def test_revision_breakdown_points_at_impact_when_only_times_are_given(runner: CliRunner,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "timed.csv"
    path.write_text("item,annotator,label,annotated_at\n" + "".join(
        f"i{i},{w},{'ab'[(i + k) % 2 if k else 0]},2026-01-0{1 + i % 5}T10:00:00Z\n"
        for i in range(40) for k, w in enumerate(("x", "y"))))
    data = json.loads(run(runner, str(path), "--by", "revision", "--format", "json",
                          "--bootstrap", "0").stdout)
    assert data["groups"] == []
    assert "`guidelines impact` places each annotation under a revision by its annotated_at" in data[
        "warnings"][0]


def test_a_small_sample_is_warned_about_and_its_se_agrees_with_its_interval(runner: CliRunner,
                                                                            tmp_path: Path) -> None:
    # the 4-row file: one item judged three times (all agree), one judged once. Gwet's
    # formula as irrCAC codes it gave se 1.000 beside the interval [1.000, 1.000]
    path = tmp_path / "four.csv"
    path.write_text("item,annotator,label\n1,a,x\n1,b,x\n1,c,x\n2,a,x\n")
    result = run(runner, str(path), "--bootstrap", "400")
    assert "se 1.000" not in result.stdout
    assert result.stdout.splitlines()[3].startswith("  Percent agreement       1.000  [1.000, 1.000]  no se:")
    warning = ("only 1 item has two judgements or more, fewer than min_items (30): the coefficients and "
               "their intervals rest on too few items to be trusted")
    assert f"warning: {warning}" in result.stderr
    data = json.loads(run(runner, str(path), "--format", "json", "--bootstrap", "400").stdout)
    pa = data["overall"]["coefficients"]["percent_agreement"]
    assert pa["se"] is None and pa["se_reason"].startswith("fewer than two items with two judgements")
    assert data["warnings"] == [warning] and data["min_items"] == 30
    # 30 pairable items or more: no warning
    big = write_ratings(tmp_path / "r.csv", n_items=30)
    assert "warning" not in run(runner, str(big), "--bootstrap", "0").stderr


def test_min_items_comes_from_the_project_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 make_project: Callable) -> None:
    make_project(tmp_path, {"t": (["a", "b", "c"], "nominal", False)})
    with (tmp_path / "guidelines.yaml").open("a") as config:
        config.write("agreement: {min_items: 10}\n")
    monkeypatch.chdir(tmp_path)
    path = write_ratings(tmp_path / "r.csv", n_items=12)
    result = CliRunner().invoke(cli, ["agreement", str(path), "--by", "batch", "--bootstrap", "0",
                                      "--format", "json"])
    data = json.loads(result.stdout)
    assert data["min_items"] == 10 and "warning: only" not in result.stderr  # 12 items overall
    # the two batches of 6 items each are below it: marked, and said once
    assert "warning: 2 of 2 batch groups" in result.stderr
    assert data["warnings"] == ["2 of 2 batch groups have fewer than min_items (10) items with two "
                                "judgements or more (marked * in the text output)"]
    text = CliRunner().invoke(cli, ["agreement", str(path), "--by", "batch", "--bootstrap", "0"]).stdout
    assert any(line.split()[:2] == ["b0", "6*"] for line in text.splitlines())


@pytest.mark.parametrize("by", ["batch", "revision", "label", "annotator"])
def test_text_breakdown_fits_100_columns_and_names_the_rest(runner: CliRunner, tmp_path: Path,
                                                            by: str, annotation_data: Path) -> None:
    # before: ~250 characters a row, every coefficient with its interval
    path = write_ratings(tmp_path / "r.csv")
    result = run(runner, str(path), "--by", by, "--bootstrap", "200")
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 100, max(lines, key=len)
    section = result.stdout.split(f"By {by}")[1]
    assert "--format csv, json or md" in section  # where the other coefficients are
    rows = [line.split() for line in section.splitlines()[2:] if line.startswith("  ") and line.strip()]
    names = {"batch": ["b0", "b1"], "revision": ["v1", "v2"], "label": ["a", "b", "c"],
             "annotator": ["ann", "ben", "cy"]}[by]
    assert [row[0] for row in rows[:len(names)]] == names
    if by in ("batch", "revision", "label"):  # α with its interval on every row
        assert all("[" in " ".join(row) for row in rows[:len(names)])


def test_a_group_without_an_interval_or_value_says_why(runner: CliRunner, tmp_path: Path) -> None:
    # batch "tiny": two items that agree on one label, α undefined; batch "few": an interval from
    # too few defined resamples; annotator "cy" shares no item with anybody
    path = write_ratings(tmp_path / "r.csv", n_items=40, extra=[
        "t1,ann,a,tiny,v1", "t1,ben,a,tiny,v1", "t2,ann,a,tiny,v1", "t2,ben,a,tiny,v1",
        "f1,ann,a,few,v1", "f1,ben,a,few,v1", "f2,ann,b,few,v1", "f2,ben,b,few,v1",
        "f3,ann,a,few,v1", "f4,ann,b,few,v1", "f5,ann,a,few,v1", "f6,ben,b,few,v1",
        "s1,dee,a,b0,v1"])
    text = run(runner, str(path), "--by", "batch", "--bootstrap", "400").stdout
    flat = " ".join(text.split())
    tiny = next(line for line in text.splitlines() if line.strip().startswith("tiny"))
    assert "—" in tiny and "note " in tiny
    assert "the ratings use a single category" in flat or "single category" in flat
    few = next(line for line in text.splitlines() if line.strip().startswith("few"))
    assert "note " in few and "bootstrap resamples have a defined value" in flat
    by_annotator = run(runner, str(path), "--by", "annotator", "--bootstrap", "0").stdout
    dee = next(line for line in by_annotator.splitlines() if line.strip().startswith("dee"))
    assert "note " in dee and "shares no item with another annotator" in " ".join(by_annotator.split())
