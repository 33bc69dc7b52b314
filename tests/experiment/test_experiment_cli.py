"""`guidelines experiment plan` and `analyse` end to end: a real git repository with the proposed
wording on a branch, the plan's batches, simulated annotations for both arms."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.project import load_project
from guidelines_tool.simulate import confusion_for_alpha

TASK = "kind: task\nid: t\ntitle: T\nscale: nominal\nlabels:\n" + "".join(
    f"  - {{id: {x}, name: {x.upper()}}}\n" for x in "abcd")
RULE = ("kind: rule\nid: R-1\ntask: t\ntitle: Rule R-1\nstatus: active\nlabels: [a, b]\ndecision: a\n"
        "when: {when}\nexamples:\n  - {{input: x, label: a}}\n")
OTHER = RULE.replace("R-1", "R-2").replace("[a, b]", "[c, d]").replace("decision: a", "decision: c").replace(
    "label: a", "label: c")
NOISE = 0.05
ITEMS = 600


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path, monkeypatch, gitkit) -> Path:
    """main: R-1 and R-2; branch `variant`: R-1 reworded; branch `two-tasks`: a label added."""
    root = gitkit.make_repo(tmp_path / "repo", {"guidelines.yaml": gitkit.CONFIG, "guidelines/t/task.yaml": TASK,
                                                "guidelines/t/rules/r1.yaml": RULE.format(when="Both are visible."),
                                                "guidelines/t/rules/r2.yaml": OTHER.format(when="Either.")})
    gitkit.git(root, "checkout", "-q", "-b", "variant")
    gitkit.commit(root, "R-1: clearer wording", {"guidelines/t/rules/r1.yaml": RULE.format(when="Both in focus.")})
    gitkit.git(root, "checkout", "-q", "-b", "relabel", "main")
    gitkit.commit(root, "a new label", {"guidelines/t/task.yaml": TASK + "  - {id: e, name: E}\n",
                                        "guidelines/t/rules/r1.yaml": RULE.format(when="Both in focus.")})
    gitkit.git(root, "checkout", "-q", "main")
    (root / "items.csv").write_text("item,stratum,text\n" + "".join(
        f"i{k:03d},{'day' if k % 3 else 'night'},photo {k}\n" for k in range(ITEMS)), encoding="utf-8")
    (root / "annotators.csv").write_text("annotator\n" + "".join(f"ann{k}\n" for k in range(6)), encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def plan(*extra: str) -> tuple[int, str, str]:
    return run("experiment", "plan", "pilot", "--rule", "R-1", "--variant", "variant", "--items", "items.csv",
               "--annotators", "annotators.csv", "--seed", "7", *extra)


def simulate(root: Path, effect: float, wrong: float = 0.0, seed: int = 1, base_alpha: float = 0.55) -> Path:
    """Three of six annotators per item; each arm's rule confusion set so that α on its items is
    base_alpha (A) and base_alpha + effect (B); `wrong` of the rows shown the other arm's wording
    (and tagged with its revision, as a tool that served the wrong page would)."""
    rng = np.random.default_rng(seed)
    arms = {r["id"]: r["arm"] for r in csv.DictReader((root / "experiments/pilot/assignment.csv").open())
            if r["kind"] == "item"}

    experiment = load_project(root).experiment("pilot")
    sha = {arm: experiment.commit(arm) for arm in "AB"}
    confusion = {"A": confusion_for_alpha(base_alpha, NOISE, 4), "B": confusion_for_alpha(base_alpha + effect, NOISE, 4)}
    path = root / "annotations.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["item", "annotator", "label", "guideline_rev", "experiment"])
        for item, arm in sorted(arms.items()):
            truth = int(rng.integers(0, 2))
            for who in rng.choice(6, 3, replace=False):
                shown = ("B" if arm == "A" else "A") if rng.random() < wrong else arm
                value = truth if rng.random() >= confusion[shown] else 1 - truth
                if rng.random() < NOISE:
                    value = int(rng.integers(0, 4))
                out.writerow([item, f"ann{who}", "abcd"[value], sha[shown], "pilot"])
    return path


def test_plan_writes_a_valid_experiment_file_the_split_and_tagged_batches(repo, gitkit):
    code, out, err = plan()
    assert code == 0, err
    assert "items: A 300, B 300" in out and "seed 7" in out
    assert (repo / "experiments/pilot.yaml").is_file()
    assert run("validate")[0] == 0
    assert run("fmt", "--check", "experiments/pilot.yaml")[0] == 0
    assignment = list(csv.DictReader((repo / "experiments/pilot/assignment.csv").open()))
    items = [r for r in assignment if r["kind"] == "item"]
    assert len(items) == ITEMS and {r["kind"] for r in assignment} == {"item", "annotator"}
    # balanced within strata
    for stratum in ("day", "night"):
        arms = [r["arm"] for r in items if r["stratum"] == stratum]
        assert abs(arms.count("A") - arms.count("B")) <= 1
    batch = list(csv.DictReader((repo / "experiments/pilot/batch-B.csv").open()))
    head = gitkit.git(repo, "rev-parse", "variant").strip()
    assert {r["guideline_rev"] for r in batch} == {head} and {r["experiment"] for r in batch} == {"pilot"}
    assert {r["item"] for r in batch} == {r["id"] for r in items if r["arm"] == "B"}
    assert batch[0]["text"].startswith("photo ")
    tasks = json.loads((repo / "experiments/pilot/batch-A.labelstudio.json").read_text())
    assert tasks[0]["data"]["guideline_rev"] == gitkit.git(repo, "rev-parse", "main").strip()


def test_the_split_is_reproducible_and_depends_on_the_seed(repo):
    plan()
    first = (repo / "experiments/pilot/assignment.csv").read_text()
    assert plan()[0] == 2  # the plan is fixed: no silent overwrite
    assert plan("--force")[0] == 0
    assert (repo / "experiments/pilot/assignment.csv").read_text() == first
    rows = (repo / "items.csv").read_text().splitlines()
    (repo / "items.csv").write_text("\n".join([rows[0], *reversed(rows[1:])]) + "\n")  # order does not matter
    plan("--force")
    assert (repo / "experiments/pilot/assignment.csv").read_text() == first
    code, _, _ = run("experiment", "plan", "pilot", "--rule", "R-1", "--variant", "variant", "--items",
                     "items.csv", "--seed", "8", "--force")
    assert code == 0 and (repo / "experiments/pilot/assignment.csv").read_text() != first


def test_plan_refuses_a_variant_that_does_not_change_the_rule_or_changes_labels(repo):
    code, _, err = run("experiment", "plan", "p", "--rule", "R-2", "--variant", "variant", "--items", "items.csv")
    assert code == 2 and "does not change rule R-2 (it changes R-1)" in err
    code, _, err = run("experiment", "plan", "p", "--rule", "R-1", "--variant", "relabel", "--items", "items.csv")
    assert code == 2 and "changes task(s) t" in err
    code, _, err = run("experiment", "plan", "p", "--rule", "R-1", "--variant", "nope")
    assert code == 2 and "unknown revision 'nope'" in err


def test_planted_effect_is_found(repo):
    plan()
    simulate(repo, effect=0.15)
    code, out, err = run("experiment", "analyse", "pilot", "annotations.csv", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["verdict"] == "b_better"
    assert result["delta_ci"][0] < 0.15 < result["delta_ci"][1]
    assert set(result["arms"]["A"]) >= {"commit", "alpha", "ci", "n_items", "n_annotators"}
    assert result["arms"]["A"]["n_items"] == result["arms"]["B"]["n_items"] == 300
    assert result["design_checks"]["rows"]["contaminated"] == 0
    assert result["confusions"][0]["labels"] == ["a", "b"] and result["confusions"][0]["change"] < 0
    text = run("experiment", "analyse", "pilot", "annotations.csv")[1]
    assert "verdict: b_better" in text and "a / b:" in text


def test_no_effect_gives_no_clear_difference(repo):
    plan()
    simulate(repo, effect=0.0, seed=3)
    result = json.loads(run("experiment", "analyse", "pilot", "annotations.csv", "--format", "json")[1])
    assert result["verdict"] == "no_clear_difference"
    assert result["p_value"] > 0.05


def test_rows_under_the_wrong_arm_are_reported_and_left_out(repo):
    plan()
    simulate(repo, effect=0.15, wrong=0.2)
    result = json.loads(run("experiment", "analyse", "pilot", "annotations.csv", "--format", "json")[1])
    rows = result["design_checks"]["rows"]
    assert 0.15 < rows["contaminated"] / rows["read"] < 0.25
    assert rows["used"] == rows["read"] - rows["contaminated"]
    assert result["arms"]["A"]["n_judgements"] + result["arms"]["B"]["n_judgements"] == rows["used"]
    assert any("other arm's revision: left out" in w for w in result["design_checks"]["warnings"])
    assert result["delta_ci"][0] < 0.15 < result["delta_ci"][1] and result["verdict"] != "a_better"
    kept = json.loads(run("experiment", "analyse", "pilot", "annotations.csv", "--format", "json",
                          "--keep-contaminated")[1])
    assert kept["design_checks"]["rows"]["used"] == rows["read"]
    assert kept["delta"] < result["delta"]  # intention to treat: contamination dilutes the difference


def test_too_few_items_is_insufficient_data(repo):
    (repo / "items.csv").write_text("item\n" + "".join(f"i{k:03d}\n" for k in range(40)))
    plan()
    simulate(repo, effect=0.15)
    result = json.loads(run("experiment", "analyse", "pilot", "annotations.csv", "--format", "json")[1])
    assert result["verdict"] == "insufficient_data" and result["arms"]["A"]["n_items"] == 20


def test_power_from_past_data_and_a_warning_when_items_are_too_few(repo):
    plan()
    past = simulate(repo, effect=0.0, seed=5)
    (repo / "past").mkdir()
    past.rename(repo / "past" / "annotations.csv")  # a folder of annotation files
    (repo / "small.csv").write_text("item\n" + "".join(f"s{k:03d}\n" for k in range(60)))
    code, out, err = run("experiment", "plan", "small", "--rule", "R-1", "--variant", "variant", "--items",
                         "small.csv", "--past", "past", "--effect", "0.1", "--format", "json")
    assert code == 0, err
    power = json.loads(out)["power"]
    assert power["past"]["n_items"] == ITEMS and 300 < power["items_80"] < power["items_90"] < 5000
    assert power["at_plan"] < 0.3
    assert any("too few for 80 % power" in w for w in json.loads(out)["warnings"])


def test_analyse_an_unknown_experiment_is_a_usage_error(repo):
    (repo / "a.csv").write_text("item,annotator,label\ni1,x,a\n")
    code, _, err = run("experiment", "analyse", "nope", "a.csv")
    assert code == 2 and "no experiment 'nope'" in err


def test_unit_annotator_splits_the_annotators(repo):
    code, out, err = plan("--unit", "annotator")
    assert code == 0, err
    assignment = list(csv.DictReader((repo / "experiments/pilot/assignment.csv").open()))
    people = [r["arm"] for r in assignment if r["kind"] == "annotator"]
    assert sorted(people) == ["A"] * 3 + ["B"] * 3
    assert {r["arm"] for r in assignment if r["kind"] == "item"} == {"both"}
    assert "no carry-over" in out


def test_label_studio_tasks_come_back_tagged_with_their_arm(repo):
    """The Label Studio batches, annotated and exported as Label Studio exports them, are read
    back with each task's guideline_rev: no row is untagged or contaminated."""
    plan()
    rng = np.random.default_rng(2)
    export = []
    for arm in "AB":
        tasks = json.loads((repo / f"experiments/pilot/batch-{arm}.labelstudio.json").read_text())
        for number, task in enumerate(tasks):
            annotations = [{"completed_by": int(who), "result": [
                {"type": "choices", "from_name": "label", "to_name": "text",
                 "value": {"choices": [str(rng.choice(["a", "b"]))]}}]} for who in rng.choice(6, 3, replace=False)]
            export.append({"id": len(export) + 1, "data": task["data"], "annotations": annotations})
    (repo / "export.json").write_text(json.dumps(export))
    code, out, err = run("experiment", "analyse", "pilot", "export.json", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["design_checks"]["rows"]
    assert rows["read"] == rows["used"] == 3 * ITEMS
    assert rows["untagged"] == rows["contaminated"] == 0


def rule_when(repo: Path) -> str:
    return (repo / "guidelines/t/rules/r1.yaml").read_text().split("when: ")[1].splitlines()[0]


def test_conclude_b_cherry_picks_the_wording_and_records_the_analysis(repo, gitkit):
    plan()
    gitkit.git(repo, "add", "-A")
    gitkit.git(repo, "commit", "-q", "-m", "experiment pilot: plan")  # main moved on: no fast-forward
    simulate(repo, effect=0.15)
    code, out, err = run("experiment", "conclude", "pilot", "annotations.csv", "--adopt", "B")
    assert code == 0, err
    assert "adopted B — cherry-picked 1 commit(s)" in out, out
    assert rule_when(repo) == "Both in focus."
    assert gitkit.git(repo, "log", "-1", "--format=%s").startswith("experiment pilot: adopt B (b_better, B - A +")
    assert gitkit.git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    text = (repo / "experiments/pilot.yaml").read_text()
    assert "conclusion:" in text and "adopted: B" in text and "method: cherry-pick" in text
    assert run("validate")[0] == 0 and run("fmt", "--check", "experiments/pilot.yaml")[0] == 0

    conclusion = load_project(repo).experiment("pilot").conclusion
    assert conclusion.adopted == "B" and conclusion.verdict == "b_better" and len(conclusion.commits) == 1
    assert conclusion.ci[0] < conclusion.delta < conclusion.ci[1]
    code, _, err = run("experiment", "conclude", "pilot", "--adopt", "A")
    assert code == 2 and "already concluded" in err
    # the rule's history shows the experiment next to the revision it brought
    code, out, err = run("log", "R-1")
    assert code == 0, err
    picked = conclusion.commits[0]
    block = out.split(picked[:7])[1]
    assert "experiment pilot: adopted B (b_better, B − A +" in block.splitlines()[2]
    revisions = json.loads(run("log", "R-1", "--format", "json")[1])["revisions"]
    assert revisions[0]["commit"] == picked and revisions[0]["experiment"].startswith("experiment pilot: adopted B")
    assert "experiment" not in revisions[1]
    # and the changelog lists it in the release (here: the unreleased changes) it landed in
    code, out, err = run("changelog")
    assert code == 0, err
    assert "### Experiments" in out and "- experiment pilot: adopted B (b_better" in out
    releases = json.loads(run("changelog", "--format", "json")[1])["releases"]
    assert releases[0]["experiments"][0].startswith("experiment pilot: adopted B")


def test_conclude_b_fast_forwards_when_the_branch_has_not_moved(repo):
    plan()  # the plan stays uncommitted: HEAD is still arm A's commit
    code, out, err = run("experiment", "conclude", "pilot", "--adopt", "B")
    assert code == 0, err
    assert "fast-forwarded" in out and rule_when(repo) == "Both in focus."


def test_conclude_a_keeps_the_wording(repo):
    plan()
    simulate(repo, effect=0.0, seed=3)
    code, out, err = run("experiment", "conclude", "pilot", "annotations.csv", "--adopt", "A")
    assert code == 0, err
    assert "no rule changed" in out and rule_when(repo) == "Both are visible."
    assert "method: none" in (repo / "experiments/pilot.yaml").read_text()


def test_conclude_refuses_a_dirty_tree(repo):
    plan()
    (repo / "guidelines/t/task.yaml").write_text(TASK + "# edited\n")
    code, _, err = run("experiment", "conclude", "pilot", "--adopt", "B")
    assert code == 2 and "uncommitted changes" in err
    assert rule_when(repo) == "Both are visible."


def test_docs_build_experiment_publishes_arm_b_with_a_banner_beside_the_main_site(repo):
    """The real MkDocs build: the pilot site has R-1's new wording under a banner, the main site
    keeps the current wording and has no banner."""
    plan()
    (repo / "docs").mkdir()
    (repo / "mkdocs.yml").write_text("site_name: T\nplugins: [guidelines]\nmarkdown_extensions: [admonition]\n")
    code, out, err = run("docs", "build", "--experiment", "pilot")
    assert code == 0, err
    pilot = (repo / "site-experiments/pilot/tasks/t/index.html").read_text()
    assert "Both in focus." in pilot and "Both are visible." not in pilot.split("R-2")[0]
    assert "You are in the pilot of R-1&#x27;s new wording" in pilot or "You are in the pilot of R-1's new wording" in pilot
    assert pilot.count("admonition-title\">Pilot") == 1  # R-2 is not piloted
    assert run("docs", "build")[0] == 0
    main = (repo / "site/tasks/t/index.html").read_text()
    assert "Both are visible." in main and "Both in focus." not in main and "Pilot" not in main
    code, _, err = run("docs", "build", "--experiment", "nope")
    assert code == 2 and "no experiment 'nope'" in err


def test_site_revision_history_shows_the_concluded_experiment_next_to_its_revision(repo, gitkit):
    """The real MkDocs build: after `conclude --adopt B`, R-1's revision table on the site has the
    experiment and its result in the row of the revision it brought; R-2's table has no such column."""
    plan()
    gitkit.git(repo, "add", "-A")
    gitkit.git(repo, "commit", "-q", "-m", "experiment pilot: plan")
    simulate(repo, effect=0.15)
    assert run("experiment", "conclude", "pilot", "annotations.csv", "--adopt", "B")[0] == 0
    picked = load_project(repo).experiment("pilot").conclusion.commits[0]
    (repo / "docs").mkdir()
    (repo / "mkdocs.yml").write_text("site_name: T\nplugins: [guidelines]\nmarkdown_extensions: [admonition]\n")
    code, _, err = run("docs", "build")
    assert code == 0, err
    page = html.unescape((repo / "site/tasks/t/index.html").read_text())
    r1, r2 = page.split('id="R-2"')[0], page.split('id="R-2"')[1]
    table = r1.split("Revision history")[1]
    assert "<th>Experiment</th>" in table
    rows = table.split("<tr>")[2:]
    assert len(rows) == 2  # the adopted revision (newest first) and the first one
    assert f"<code>{picked[:7]}</code>" in rows[0]
    assert 'data-label="Experiment">experiment pilot: adopted B (b_better, B − A +' in rows[0]
    assert 'data-label="Experiment">–' in rows[1]
    assert "Revision history" in r2 and "<th>Experiment</th>" not in r2


def test_untagged_foreign_and_outside_rows_are_counted(repo, gitkit):
    plan()
    path = simulate(repo, effect=0.0, seed=4)
    head = gitkit.git(repo, "rev-parse", "relabel").strip()  # a revision of neither arm
    arms = {r["id"]: r["arm"] for r in csv.DictReader((repo / "experiments/pilot/assignment.csv").open())
            if r["kind"] == "item"}
    in_a = sorted(i for i, arm in arms.items() if arm == "A")
    in_b = sorted(i for i, arm in arms.items() if arm == "B")
    with path.open("a", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerows([[in_a[0], "ann9", "a", "", "pilot"], [in_a[1], "ann9", "a", "", "pilot"],  # untagged, arm A only
                       [in_a[2], "ann7", "a", "", "pilot"], [in_b[0], "ann7", "b", "", "pilot"],  # both arms
                       [in_b[1], "ann8", "b", head, "pilot"],  # foreign
                       ["zzz", "ann0", "a", "", ""]])  # not an item of the experiment
    result = json.loads(run("experiment", "analyse", "pilot", "annotations.csv", "--format", "json")[1])
    rows = result["design_checks"]["rows"]
    assert (rows["untagged"], rows["foreign"], rows["outside"]) == (4, 1, 1)
    assert rows["used"] == rows["read"] - 2
    assert result["design_checks"]["one_arm_annotators"] == ["ann9"]
    md = run("experiment", "analyse", "pilot", "annotations.csv", "--format", "md")[1]
    assert md.startswith("### Experiment `pilot`: R-1") and "| A |" in md and "carry no guideline_rev" in md


def _links(repo: Path) -> dict[str, set[str]]:
    out = {}
    for arm in "AB":
        rows = list(csv.DictReader((repo / f"experiments/pilot/batch-{arm}.csv").open()))
        tasks = json.loads((repo / f"experiments/pilot/batch-{arm}.labelstudio.json").read_text())
        assert [r["guideline_url"] for r in rows] == [t["data"]["guideline_url"] for t in tasks]
        out[arm] = {r["guideline_url"] for r in rows}
    return out


def test_batches_link_to_the_rule_on_the_site_of_their_arm(repo):
    """With site_url in mkdocs.yml, arm A's rows link to the rule on the main site, arm B's to the
    pilot site beside it; the real MkDocs build puts both pages where the links point."""
    (repo / "docs").mkdir()
    (repo / "mkdocs.yml").write_text("site_name: T\nsite_url: https://example.org/guidelines/\n"
                                     "plugins: [guidelines]\nmarkdown_extensions: [admonition]\n")
    code, out, err = plan()
    assert code == 0, err
    assert _links(repo) == {"A": {"https://example.org/guidelines/tasks/t/#R-1"},
                            "B": {"https://example.org/guidelines-experiments/pilot/tasks/t/#R-1"}}
    assert "  B  https://example.org/guidelines-experiments/pilot/tasks/t/#R-1" in out
    assert "set site_url" not in out
    assert json.loads(plan("--force", "--format", "json")[1])["links"]["A"].endswith("/guidelines/tasks/t/#R-1")
    # the pages exist where the links point, and the anchor is the rule's section
    assert run("docs", "build")[0] == 0 and run("docs", "build", "--experiment", "pilot")[0] == 0
    assert 'id="R-1"' in (repo / "site/tasks/t/index.html").read_text()
    pilot = (repo / "site-experiments/pilot/tasks/t/index.html").read_text()
    assert 'id="R-1"' in pilot and "Both in focus." in pilot
    # --pilot-url names the pilot's address when it is published elsewhere
    code, out, err = plan("--force", "--pilot-url", "https://pilot.example.org/")
    assert code == 0, err
    assert _links(repo)["B"] == {"https://pilot.example.org/tasks/t/#R-1"}
    code, _, err = plan("--force", "--pilot-url", "pilot.example.org")
    assert code == 2 and "--pilot-url must be an http(s) address" in err


def test_without_a_site_url_batches_link_to_the_built_pages_and_the_plan_says_how_to_set_it(repo):
    code, out, err = plan()
    assert code == 0, err
    links = _links(repo)
    assert links == {"A": {"site/tasks/t/index.html#R-1"}, "B": {"site-experiments/pilot/tasks/t/index.html#R-1"}}
    assert "set site_url in mkdocs.yml" in out and "--pilot-url URL" in out
    # the paths are where `docs build` (and `docs build --experiment`) write the pages
    (repo / "docs").mkdir()
    (repo / "mkdocs.yml").write_text("site_name: T\nplugins: [guidelines]\nmarkdown_extensions: [admonition]\n")
    assert run("docs", "build")[0] == 0 and run("docs", "build", "--experiment", "pilot")[0] == 0
    for arm in "AB":
        path, fragment = next(iter(links[arm])).split("#")
        assert f'id="{fragment}"' in (repo / path).read_text()
    # a site at a host's root: the pilot's address is not known, the plan says how to give it
    (repo / "mkdocs.yml").write_text("site_name: T\nsite_url: https://example.org\nplugins: [guidelines]\n")
    code, out, err = plan("--force")
    assert code == 0, err
    assert _links(repo) == {"A": {"https://example.org/tasks/t/#R-1"},
                            "B": {"site-experiments/pilot/tasks/t/index.html#R-1"}}
    assert "--pilot-url URL" in out and "set site_url" not in out
