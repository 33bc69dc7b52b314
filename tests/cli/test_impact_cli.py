"""`guidelines impact` and `guidelines hotspots` end to end on a real git repository."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool.annotations import read_annotations
from guidelines_tool.cli import cli
from guidelines_tool.history import read_history
from guidelines_tool.impact import agreement_over_time, change_positions
from guidelines_tool.project import load_project
from guidelines_tool.validation import validate

LABELS = ("a", "b", "c", "d")
TASK = "kind: task\nid: t\ntitle: T\nscale: nominal\nlabels:\n" + "".join(
    f"  - {{id: {x}, name: {x.upper()}}}\n" for x in LABELS)


def rule(rule_id: str, labels: tuple[str, str], when: str, status: str = "active") -> str:
    return (f"kind: rule\nid: {rule_id}\ntask: t\ntitle: Rule {rule_id}\nstatus: {status}\n"
            f"labels: [{labels[0]}, {labels[1]}]\ndecision: {labels[0]}\nwhen: {when}\n")


NOISY_AB = [("a", "a", "b"), ("a", "b", "b"), ("a", "a", "a"), ("b", "a", "b"), ("b", "b", "b"), ("a", "b", "a")] * 7
CLEAN_AB = [("a", "a", "a"), ("b", "b", "b")] * 20
CLEAN_CD = [("c", "c", "c"), ("d", "d", "d")] * 20
NOISY_CD = [tuple({"a": "c", "b": "d"}[x] for x in p) for p in NOISY_AB]


def _two_commits(root, gitkit) -> list[str]:
    """A-1 (a/b) and B-1 (c/d) added, then A-1 clarified (day 10)."""
    return [
        gitkit.commit(root, "start", {"guidelines.yaml": gitkit.CONFIG, "guidelines/t/task.yaml": TASK,
                                      "guidelines/t/rules/A-1.yaml": rule("A-1", ("a", "b"), "Vague."),
                                      "guidelines/t/rules/B-1.yaml": rule("B-1", ("c", "d"), "Clear.")},
                      date=gitkit.BASE_DATE),
        gitkit.commit(root, "clarify A-1", {"guidelines/t/rules/A-1.yaml": rule("A-1", ("a", "b"), "Precise.")},
                      date=gitkit.BASE_DATE + timedelta(days=10)),
    ]


def _three_commits(root, gitkit) -> list[str]:
    """_two_commits, then B-1 reworded badly (day 20)."""
    return _two_commits(root, gitkit) + [
        gitkit.commit(root, "reword B-1", {"guidelines/t/rules/B-1.yaml": rule("B-1", ("c", "d"), "Muddled.")},
                      date=gitkit.BASE_DATE + timedelta(days=20)),
    ]


@pytest.fixture(scope="module")
def repo(tmp_path_factory, gitkit) -> dict:
    """Commit 0 adds A-1 (a/b) and B-1 (c/d); commit 1 clarifies A-1; commit 2 rewords B-1 badly
    and is tagged v1.0.0; commit 3 only moves B-1 (no change of meaning)."""
    root = gitkit.make_repo(tmp_path_factory.mktemp("impact") / "repo")
    shas = _three_commits(root, gitkit)
    gitkit.tag(root, "v1.0.0", shas[2])
    shas.append(gitkit.commit(root, "move B-1", {"guidelines/t/rules/B-1.yaml": None,
                                                 "guidelines/t/rules/moved/B-1.yaml": rule("B-1", ("c", "d"), "Muddled.")},
                              date=gitkit.BASE_DATE + timedelta(days=30)))
    rows = []
    # period 0: A noisy, B clean; resolved by full sha
    rows += _rows(NOISY_AB, 0, "A-1", rev=shas[0]) + _rows(CLEAN_CD, 100, "B-1", rev=shas[0])
    # period 1: both clean; by abbreviated sha and by time
    rows += _rows(CLEAN_AB, 200, "A-1", rev=shas[1][:7]) + _rows(CLEAN_CD, 300, "B-1", when="2026-01-15T10:00:00Z")
    # period 2: B noisy; by tag and by release version
    rows += _rows(CLEAN_AB, 400, "A-1", rev="v1.0.0") + _rows(NOISY_CD, 500, "B-1", rev="1.0.0")
    # unresolvable rows, one reason each (counted, never dropped silently)
    rows += _rows([("a", "a")], 900, "", rev="deadbeef") * 1
    rows += _rows([("a", "a"), ("b", "b")], 910, "", when="2025-06-01T00:00:00Z")
    rows += _rows([("c", "c"), ("d", "d"), ("c", "d")], 920, "")
    path = root / "annotations.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "annotator", "label", "guideline_rev", "annotated_at", "rules"])
        writer.writerows(rows)
    return {"root": root, "shas": shas, "csv": path}


def _rows(patterns, first, rule_id, *, rev="", when=""):
    out = []
    for k, pattern in enumerate(patterns):
        for annotator, label in enumerate(pattern):
            out.append([f"i{first + k}", f"ann{annotator}", label, rev, when, rule_id])
    return out


def run(repo: dict, *args: str):
    cwd = os.getcwd()
    os.chdir(repo["root"])
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)


def test_impact_json_links_each_revision_to_its_effect(repo):
    result = run(repo, "impact", "annotations.csv", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_key = {(r["rule"], r["commit"]): r for r in report["revisions"]}
    shas = repo["shas"]
    clarified = by_key[("A-1", shas[1])]
    assert clarified["verdict"] == "improved"
    assert clarified["governed_by"] == "citations"
    assert clarified["before"]["n_items"] == 42 and clarified["after"]["n_items"] == 40
    assert clarified["after"]["alpha"] == pytest.approx(1.0)
    muddled = by_key[("B-1", shas[2])]
    assert muddled["verdict"] == "regressed"
    assert muddled["did_ci"][1] < 0
    # the first commit added both rules: nothing before it, and they are confounded
    added = by_key[("A-1", shas[0])]
    assert added["verdict"] == "insufficient_data" and added["confounded_with"] == ["B-1"]
    assert added["governed_by"] == "labels"  # it could not be cited before it existed
    # the pure move is skipped
    assert ("B-1", shas[3]) not in by_key
    assert report["unresolved"] == {"count": 12, "by_reason": {
        "before_first_commit": 4, "no_timestamp": 6, "unknown_revision": 2}}


def test_json_is_byte_identical_across_runs(repo):
    first = run(repo, "impact", "annotations.csv", "--format", "json").stdout
    second = run(repo, "impact", "annotations.csv", "--format", "json").stdout
    assert first == second
    # the seed only splits items to estimate the annotators' spread: it never moves an estimate
    other = json.loads(run(repo, "impact", "annotations.csv", "--format", "json", "--seed", "9").stdout)
    assert [r["did"] for r in other["revisions"]] == [r["did"] for r in json.loads(first)["revisions"]]


def test_every_revision_has_p_q_warnings_annotators_and_scope(repo):
    report = json.loads(run(repo, "impact", "annotations.csv", "--format", "json").stdout)
    tested = [r for r in report["revisions"] if r["p_value"] is not None]
    assert report["multiplicity"] == {"method": "bh", "q": 0.05, "tests": len(tested)} and len(tested) == 2
    for r in report["revisions"]:
        assert {"p_value", "q_value", "warnings", "annotators", "scope"} <= set(r)
        assert r["verdict"] in ("improved", "regressed", "no_clear_change", "insufficient_data", "inconclusive")
        assert r["annotators"] == {"before": 3 if r["before"]["n_items"] else 0, "after": 3, "shared": 3 if r["before"]["n_items"] else 0}
        assert r["scope"] == r["governed_by"]
    for r in tested:  # BH with two tests: q = min(2p, max(p)) (statsmodels checks the general case)
        assert r["q_value"] >= r["p_value"] and r["q_value"] <= min(1.0, 2 * r["p_value"]) + 1e-9
        assert r["adjusted_ci"]["method"] == "fcr"
    added = next(r for r in report["revisions"] if r["commit"] == repo["shas"][0] and r["rule"] == "A-1")
    assert added["warnings"] == ["labels_fallback", "several_rules_changed"]
    assert "reason" in added and "min_items = 30" in added["reason"]


def test_fdr_option_sets_the_verdicts_threshold(repo):
    # (finalise's own tests check which verdicts a threshold leaves; here, that the option reaches it)
    strict = json.loads(run(repo, "impact", "annotations.csv", "--format", "json", "--fdr", "0.01").stdout)
    assert strict["multiplicity"]["q"] == 0.01
    text = " ".join(run(repo, "impact", "annotations.csv", "--fdr", "0.01").stdout.split())
    assert "q-value is 0.01 or less: Benjamini–Hochberg over the 2 revisions checked, so about 1 % of such" in text
    bad = run(repo, "impact", "annotations.csv", "--fdr", "1.5")
    assert bad.exit_code == 2 and "--fdr" in bad.stderr


def test_fdr_policy_key_in_guidelines_yaml(repo, tmp_path):
    root = tmp_path / "strict"
    shutil.copytree(repo["root"], root)
    config = (root / "guidelines.yaml").read_text()
    (root / "guidelines.yaml").write_text(config.rstrip("\n") + "\nagreement:\n  fdr: 0.000001\n")
    report = json.loads(run({"root": root}, "impact", "annotations.csv", "--format", "json").stdout)
    assert report["multiplicity"]["q"] == 0.000001

    assert not [f for f in validate(root).findings if "fdr" in f.message]  # the schema knows the key


def test_fail_on_regression_is_a_ci_gate(repo):
    result = run(repo, "impact", "annotations.csv", "--fail-on-regression")
    assert result.exit_code == 1
    assert "regressed" in result.stderr and "B-1" in result.stderr and "Holm over 2 revisions" in result.stderr
    assert run(repo, "impact", "annotations.csv", "--rule", "A-1", "--fail-on-regression").exit_code == 0


def test_the_gate_covers_only_the_revisions_since_with_holm(repo):
    since_clarify = json.loads(run(repo, "impact", "annotations.csv", "--since", repo["shas"][1],
                                   "--fail-on-regression", "--format", "json").stdout)
    assert since_clarify["gate"] == {"revisions": 2, "method": "holm",
                                     "failed": [{"rule": "B-1", "commit": repo["shas"][2]}]}
    # before the muddling commit only: nothing to fail
    only_clarify = run(repo, "impact", "annotations.csv", "--rule", "A-1", "--since", repo["shas"][1],
                       "--fail-on-regression", "--format", "json")
    assert only_clarify.exit_code == 0
    assert json.loads(only_clarify.stdout)["gate"] == {"revisions": 1, "method": "holm", "failed": []}
    assert "gate" not in json.loads(run(repo, "impact", "annotations.csv", "--format", "json").stdout)


def test_rule_and_since_filters(repo):
    only_a = json.loads(run(repo, "impact", "annotations.csv", "--rule", "A-1", "--format", "json").stdout)
    assert {r["rule"] for r in only_a["revisions"]} == {"A-1"}
    since = json.loads(run(repo, "impact", "annotations.csv", "--since", "v1.0.0", "--format", "json").stdout)
    assert [(r["rule"], r["commit"]) for r in since["revisions"]] == [("B-1", repo["shas"][2])]
    unknown = run(repo, "impact", "annotations.csv", "--since", "nope")
    assert unknown.exit_code == 2 and "nope" in unknown.stderr


def test_window_rule_pools_the_versions_and_says_so(repo):
    result = run(repo, "impact", "annotations.csv", "--window", "rule", "--format", "json")
    report = json.loads(result.stdout)
    assert report["window"] == "rule"
    muddled = next(r for r in report["revisions"] if r["rule"] == "B-1" and r["commit"] == repo["shas"][2])
    # B-1's previous version spans periods 0 and 1
    assert muddled["before"]["n_items"] == 80
    text = run(repo, "impact", "annotations.csv", "--window", "rule").stdout
    assert "--window rule" in text


def test_text_and_markdown(repo):
    text = run(repo, "impact", "annotations.csv").stdout
    assert "A-1" in text and "improved" in text and "REGRESSED" in text
    assert "12 annotations resolved to no revision" in text
    flat = " ".join(text.split())
    assert re.search(r"q < 0\.001 after checking 2 revisions; .*; annotators shared: 3 of 3", flat)
    assert "Warnings:" in text and "labels_fallback: no citations and no scope" in flat  # each code, explained
    md = run(repo, "impact", "annotations.csv", "--format", "md").stdout
    assert md.startswith("### Guideline impact on agreement")
    assert "| `B-1` |" in md and "**REGRESSED ▼**" in md
    assert "on 42 items before and 40 after" in md  # counts, not an agreement change (issue 17)
    assert "- `labels_fallback`: no citations and no scope" in md and "Benjamini–Hochberg" in md


def test_hotspots_find_the_confused_pair_and_rule(repo):
    result = run(repo, "hotspots", "annotations.csv", "--format", "json", "--top", "3")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["confused_pairs"][0]["labels"] in (["a", "b"], ["c", "d"])
    assert {r["rule"] for r in report["rules"]} == {"A-1", "B-1"}
    assert len(report["items"]) == 3
    lowest, next_ = report["items"][0], report["items"][1]
    assert (lowest["item"], lowest["agreement"], lowest["labels"]) == ("i922", 0.0, {"c": 1, "d": 1})
    assert next_["agreement"] == pytest.approx(1 / 3) and next_["rules"] == ["A-1"]


def test_hotspots_with_gold(repo, tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("item,label\ni0,a\ni1,b\ni2,a\ni3,b\n")
    report = json.loads(run(repo, "hotspots", "annotations.csv", "--gold", str(gold), "--format", "json").stdout)
    assert any("gold_accuracy" in a for a in report["annotators"])


def test_agreement_over_time_has_one_point_per_guideline_state(repo):
    project = load_project(repo["root"])
    table = read_annotations([repo["csv"]], project=project)
    points = agreement_over_time(project, read_history(repo["root"]), table, bootstrap=200)
    assert [p.commit for p in points] == repo["shas"][:3]
    assert [p.stats.n_items for p in points] == [82, 80, 82]
    assert points[1].stats.alpha == pytest.approx(1.0)
    assert points[2].release == "v1.0.0" and points[0].release is None
    assert points[1].rules_changed == ("A-1",)
    assert points[0].to_dict()["alpha_ci"] is not None


def test_sample_project_every_task_without_task_option(tmp_path, gitkit):
    root = tmp_path / "sample"
    shutil.copytree(Path(__file__).resolve().parents[2] / "sample_guidelines", root)
    gitkit.make_repo(root)
    gitkit.commit(root, "sample", date=gitkit.BASE_DATE)
    sample = {"root": root}
    result = run(sample, "impact", *sorted(str(p.relative_to(root)) for p in root.glob("annotations/*.csv")),
                 "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {r["task"] for r in report["revisions"]} == {"product-photo-subject", "review-sentiment",
                                                        "support-ticket-intent"}
    # one commit: nothing before it, every revision is insufficient data
    assert {r["verdict"] for r in report["revisions"]} == {"insufficient_data"}
    spots = run(sample, "hotspots", "annotations/product-photo-subject-batch-01.csv",
                "annotations/product-photo-subject-batch-02.csv", "--format", "md")
    assert spots.exit_code == 0 and spots.stdout.startswith("### Disagreement hotspots")


def test_bad_input_is_a_clear_error_not_a_traceback(repo, tmp_path, gitkit):
    empty = tmp_path / "empty.csv"
    empty.write_text("item,annotator,label\n")
    result = run(repo, "impact", str(empty))
    assert result.exit_code == 2 and "no usable annotations" in result.stderr
    plain = tmp_path / "no-git"
    (plain / "guidelines/t").mkdir(parents=True)
    (plain / "guidelines.yaml").write_text(gitkit.CONFIG)
    (plain / "guidelines/t/task.yaml").write_text(TASK)
    (plain / "a.csv").write_text("item,annotator,label\ni1,x,a\ni1,y,b\n")
    result = run({"root": plain}, "impact", "a.csv")
    assert result.exit_code == 2 and "git" in result.stderr and "Traceback" not in result.output


def test_a_pure_move_does_not_cut_a_window(repo):
    history = read_history(repo["root"])
    assert [history.index_of(c.sha) for c in history.task_change_commits("t")] == [0, 1, 2, 3]
    assert change_positions(history, "t") == [0, 1, 2]


HOSTILE = ('item,annotator,label\n"<img src=x onerror=alert(1)>",x|y,l1\n'
           '"<img src=x onerror=alert(1)>",z,l2\n"a\\|b",x|y,l1\n"a\\|b",z,l1\n')


def test_hotspots_markdown_is_inert_for_hostile_ids(tmp_path, monkeypatch):
    # item ids and annotator names come from data files; the Markdown lands in PR comments
    # and mkdocs pages, where raw HTML would run and a pipe would split the table row
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text(HOSTILE)
    md = CliRunner().invoke(cli, ["hotspots", "a.csv", "--format", "md"],
                            catch_exceptions=False).stdout
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "| x\\|y |" in md and "a\\\\\\|b" in md
    assert "None" not in md  # no task: no "— None" heading


def test_hotspots_report_what_they_ignored_in_the_gold_file(tmp_path, monkeypatch):
    # gold rows with an empty or unknown label are dropped from accuracy: say so, as
    # `agreement --gold` does, instead of dropping them silently
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text("item,annotator,label\n1,x,l1\n1,y,l2\n2,x,l1\n2,y,l1\n")
    (tmp_path / "gold.csv").write_text("item,label\n1,l1\n2,\n")
    result = CliRunner().invoke(cli, ["hotspots", "a.csv", "--gold", "gold.csv"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "gold.csv:3:" in result.stderr and "gold row ignored" in result.stderr


# --- annotators, scope, placebo, batches tagged by release ----------------------------------------


@pytest.fixture(scope="module")
def turnover(tmp_path_factory, gitkit) -> dict:
    """A-1 is clarified in commit 1; the annotators before (x0..x2) and after (y0..y2) differ;
    scope.csv assigns every item to its rule."""
    root = gitkit.make_repo(tmp_path_factory.mktemp("turnover") / "repo")
    shas = _two_commits(root, gitkit)
    rows, scope = [], []
    for first, patterns, who, rev, rule_id in ((0, NOISY_AB, "x", shas[0], "A-1"), (100, CLEAN_CD, "x", shas[0], "B-1"),
                                                (200, CLEAN_AB, "y", shas[1], "A-1"), (300, CLEAN_CD, "y", shas[1], "B-1"),
                                                (400, CLEAN_AB, "x", shas[1], "A-1")):
        for k, pattern in enumerate(patterns):
            scope.append([f"i{first + k}", rule_id])
            for a, label in enumerate(pattern):
                rows.append([f"i{first + k}", f"{who}{a}", label, rev, ""])
    with (root / "annotations.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "annotator", "label", "guideline_rev", "rules"])
        writer.writerows(rows)
    with (root / "scope.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["item", "scope"]] + scope)
    return {"root": root, "shas": shas}


def _revision(report: dict, rule_id: str, sha: str) -> dict:
    return next(r for r in report["revisions"] if r["rule"] == rule_id and r["commit"] == sha)


def test_annotator_counts_turnover_and_annotators_shared(turnover):
    # x0..x2 before; after, y0..y2 and (on items 400+) x0..x2 again: 3 of 6 shared
    report = json.loads(run(turnover, "impact", "annotations.csv", "--scope", "scope.csv", "--format", "json").stdout)
    clarified = _revision(report, "A-1", turnover["shas"][1])
    assert clarified["annotators"] == {"before": 3, "after": 6, "shared": 3}
    assert "annotator_turnover" not in clarified["warnings"]  # half shared: at the threshold, not below
    shared = json.loads(run(turnover, "impact", "annotations.csv", "--scope", "scope.csv", "--annotators", "shared",
                            "--format", "json").stdout)
    assert shared["annotators"] == "shared"
    only_x = _revision(shared, "A-1", turnover["shas"][1])
    assert only_x["after"]["n_annotations"] == 3 * len(CLEAN_AB)  # y0..y2 left out
    assert only_x["annotators"] == {"before": 3, "after": 6, "shared": 3}  # who worked, before the restriction


def test_disjoint_annotators_fire_the_turnover_warning(turnover, tmp_path):
    root = tmp_path / "disjoint"
    shutil.copytree(turnover["root"], root)
    lines = (root / "annotations.csv").read_text().splitlines()
    (root / "annotations.csv").write_text("\n".join(line for line in lines if not line.startswith("i4")) + "\n")
    report = json.loads(run({"root": root}, "impact", "annotations.csv", "--format", "json").stdout)
    clarified = _revision(report, "A-1", turnover["shas"][1])
    assert clarified["annotators"] == {"before": 3, "after": 3, "shared": 0}
    assert "annotator_turnover" in clarified["warnings"]
    text = " ".join(run({"root": root}, "impact", "annotations.csv").stdout.split())
    assert "annotators shared: 0 of 6" in text and "annotator_turnover: fewer than half" in text
    none_shared = json.loads(run({"root": root}, "impact", "annotations.csv", "--annotators", "shared",
                                 "--format", "json").stdout)
    assert _revision(none_shared, "A-1", turnover["shas"][1])["verdict"] == "insufficient_data"


def test_scope_file_and_scope_column_are_preferred_to_citations(turnover, tmp_path):
    by_file = json.loads(run(turnover, "impact", "annotations.csv", "--scope", "scope.csv", "--format", "json").stdout)
    clarified = _revision(by_file, "A-1", turnover["shas"][1])
    assert clarified["scope"] == clarified["governed_by"] == "scope"
    assert clarified["before"]["n_items"] == len(NOISY_AB) and clarified["verdict"] == "improved"
    assert any("scope" in note for note in [run(turnover, "impact", "annotations.csv", "--scope", "scope.csv").stdout])
    # the same scope as a column of the annotations

    root = tmp_path / "column"
    shutil.copytree(turnover["root"], root)
    scope = dict(line.split(",") for line in (root / "scope.csv").read_text().splitlines()[1:])
    lines = (root / "annotations.csv").read_text().splitlines()
    (root / "annotations.csv").write_text("\n".join([lines[0] + ",scope"] + [
        line + "," + scope[line.split(",")[0]] for line in lines[1:]]) + "\n")
    by_column = json.loads(run({"root": root}, "impact", "annotations.csv", "--format", "json").stdout)
    assert _revision(by_column, "A-1", turnover["shas"][1])["scope"] == "scope"
    assert [r["did"] for r in by_column["revisions"]] == [r["did"] for r in by_file["revisions"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("item,label\ni1,a\n")
    result = run(turnover, "impact", "annotations.csv", "--scope", str(bad))
    assert result.exit_code == 2 and "item and scope" in result.stderr


def test_placebo_runs_report_the_false_positive_rate_and_null_spread(turnover):
    result = run(turnover, "impact", "annotations.csv", "--scope", "scope.csv", "--placebo", "5", "--format", "json")
    placebo = json.loads(result.stdout)["placebo"]
    assert set(placebo) == {"runs", "false_positive_rate", "null_sd", "mean_se"}
    assert 1 <= placebo["runs"] <= 5 and 0.0 <= placebo["false_positive_rate"] <= 1.0
    text = " ".join(run(turnover, "impact", "annotations.csv", "--scope", "scope.csv", "--placebo", "5").stdout.split())
    assert f"placebo: {placebo['runs']} re-runs where no rule changed" in text
    assert "placebo" not in json.loads(run(turnover, "impact", "annotations.csv", "--format", "json").stdout)


@pytest.fixture(scope="module")
def releases(tmp_path_factory, gitkit) -> dict:
    """Batches tagged by release (issue 17): v1.0.0 on the start, A-1 and B-1 changed in two
    commits, v2.0.0 on the second. Nothing was annotated between the two releases."""
    root = gitkit.make_repo(tmp_path_factory.mktemp("releases") / "repo")
    shas = _three_commits(root, gitkit)
    gitkit.tag(root, "v1.0.0", shas[0])
    gitkit.tag(root, "v2.0.0", shas[2])
    rows = (_rows(NOISY_AB, 0, "A-1", rev="v1.0.0") + _rows(CLEAN_CD, 100, "B-1", rev="v1.0.0")
            + _rows(CLEAN_AB, 200, "A-1", rev="v2.0.0") + _rows(NOISY_CD, 300, "B-1", rev="v2.0.0"))
    with (root / "annotations.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "annotator", "label", "guideline_rev", "annotated_at", "rules"])
        writer.writerows(rows)
    return {"root": root, "shas": shas}


def test_batches_tagged_by_release_say_why_too_little_data_and_what_to_do(releases):
    report = json.loads(run(releases, "impact", "annotations.csv", "--format", "json").stdout)
    clarified = _revision(report, "A-1", releases["shas"][1])
    assert clarified["verdict"] == "insufficient_data"
    assert clarified["reason"].startswith("42 items before and 0 after; each side needs min_items = 30")
    assert "--window rule" in clarified["reason"]
    text = " ".join(run(releases, "impact", "annotations.csv").stdout.split())
    assert "too little data: 42 items before and 0 after; each side needs min_items = 30" in text
    pooled = json.loads(run(releases, "impact", "annotations.csv", "--window", "rule", "--format", "json").stdout)
    assert _revision(pooled, "A-1", releases["shas"][1])["verdict"] == "improved"


def test_agreement_over_time_lists_every_rule_changed_since_the_last_annotated_state(releases):
    project = load_project(releases["root"])
    table = read_annotations([releases["root"] / "annotations.csv"], project=project)
    points = agreement_over_time(project, read_history(releases["root"]), table, bootstrap=200)
    assert [p.release for p in points] == ["v1.0.0", "v2.0.0"]
    assert points[1].rules_changed == ("A-1", "B-1")  # A-1 changed between the releases, B-1 in v2.0.0
