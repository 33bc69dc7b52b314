"""`guidelines demo` end to end: the story's repository, its batches, and that every verdict the
demo prints is the effect the story planted."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool import demo
from guidelines_tool.cli import cli

VERDICT_TEXT = {"improved ▲": "improved", "REGRESSED ▼": "regressed", "no clear change": "no_clear_change",
                "too little data": "insufficient_data", "inconclusive ?": "inconclusive"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    target = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    return target, result


def _impact_json(target, monkeypatch) -> dict:
    monkeypatch.chdir(target)
    files = sorted(str(p.relative_to(target)) for p in (target / "annotations").glob("*.csv"))
    result = CliRunner().invoke(cli, ["impact", *files, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_story_plants_exactly_the_clarification_the_harm_and_its_revert():
    assert demo.planted_effects() == {(3, "PPS-004"): "improved", (5, "PPS-007"): "regressed", (8, "PPS-007"): "improved"}
    assert demo.STORY[3].message.startswith("Clarify PPS-004")
    assert demo.STORY[5].message.startswith("PPS-007: any person")
    assert demo.STORY[8].message.startswith("Revert PPS-007")


def test_every_verdict_is_the_effect_the_story_planted(built, monkeypatch):
    target, _ = built
    shas = subprocess.run(["git", "rev-list", "--first-parent", "--reverse", "HEAD"], cwd=target,
                          capture_output=True, text=True, check=True).stdout.split()
    planted = demo.planted_effects()
    report = _impact_json(target, monkeypatch)
    seen = {}
    for revision in report["revisions"]:
        k = shas.index(revision["commit"])
        expected = planted.get((k, revision["rule"]))
        if expected:
            assert revision["verdict"] == expected, revision
            assert revision["governed_by"] == "citations"
            assert revision["q_value"] <= 0.05 and revision["q_value"] >= revision["p_value"]
        elif revision["governed_by"] == "labels":  # chosen by their labels: never a verdict
            assert revision["verdict"] in ("inconclusive", "insufficient_data"), revision
            assert "labels_fallback" in revision["warnings"]
        else:  # no planted effect: no verdict either way
            assert revision["verdict"] in ("no_clear_change", "insufficient_data"), revision
        seen[(k, revision["rule"])] = revision["verdict"]
    assert report["multiplicity"] == {"method": "bh", "q": 0.05,
                                      "tests": sum(r["q_value"] is not None for r in report["revisions"])}
    assert set(planted) <= set(seen)
    # revisions made before annotation started have nothing to compare with
    assert {v for (k, _), v in seen.items() if k < demo.FIRST_ANNOTATED} == {"insufficient_data"}


def test_the_printed_table_carries_the_same_verdicts(built, monkeypatch):
    target, result = built
    report = _impact_json(target, monkeypatch)
    impact_text = result.stdout.split("$ guidelines impact")[1].split("$ guidelines hotspots")[0]
    printed = []
    for line in impact_text.splitlines():
        if re.match(r"PPS-\d{3} ", line):
            verdict = next(v for text, v in VERDICT_TEXT.items() if line.rstrip().endswith(text))
            printed.append((line.split()[0], verdict))
    assert printed == [(r["rule"], r["verdict"]) for r in report["revisions"]]
    # the label-governed rows are marked and the fallback explained
    assert "0, 0*" in impact_text and "* governed by labels: nobody could cite the rule" in impact_text
    # every verdict other than "no clear change" is said in a sentence, and the warnings explained
    flat = " ".join(impact_text.split())
    assert re.search(r"q [<=] 0\.\d+ after checking \d+ revisions; .*annotators shared: 6 of 6", flat)
    assert "labels_fallback: no citations and no scope" in flat


def test_where_to_look_next_names_the_rules_with_their_numbers(built):
    _, result = built
    next_steps = result.stdout.split("Where to look next:")[1]
    flat = " ".join(next_steps.split())
    assert re.search(r"1\. PPS-007's revision of 2026-05-11 \(\w{7}, Tom Becker\) cut agreement on the items "
                     r"citing it \(\d+ items before and \d+ after\) from α 0\.\d\d to -?0\.\d\d "
                     r"\(DiD -0\.\d\d, CI -0\.\d\d to -0\.\d\d; q [<=] 0\.\d+ after checking \d+ revisions\)", flat)
    assert "its revision of 2026-06-22 brought it back" in flat
    # the rule planted as still disputed is the one hotspots sends the lead to
    assert re.search(r"Clarify PPS-015 next \(Mannequins[^)]*\): the \d+ items citing it hold \d+% of the "
                     r"recent batches' disagreement at α 0\.\d\d, mostly product ↔ person", flat)
    assert "PPS-004's revision of 2026-04-13 lifted agreement" in flat
    assert "Annotator eli agrees least" in flat
    assert "36 annotations could not be tied to a guideline revision" in flat
    # what the verdicts cannot say, and where a clean answer comes from
    assert "cannot tell a rule's effect from annotators learning" in flat and "an experiment decides" in flat


def test_the_output_fits_100_columns(built):
    target, result = built
    long = [line for line in result.stdout.splitlines() if len(line) > 100 and str(target) not in line]
    assert long == []


def test_progress_goes_to_stderr_and_the_repository_is_complete(built):
    target, result = built
    assert "… building" in result.stderr and "… linking each rule revision" in result.stderr
    assert "…" not in result.stdout.split("\n")[0]
    log = subprocess.run(["git", "log", "--oneline"], cwd=target, capture_output=True, text=True, check=True)
    # the story, the annotations, the experiment (plan, pilot batch, adopted wording, its record), the README
    assert len(log.stdout.splitlines()) == len(demo.STORY) + 6
    tags = subprocess.run(["git", "tag"], cwd=target, capture_output=True, text=True, check=True).stdout.split()
    assert {"v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"} <= set(tags)
    assert (target / "guidelines/product-photo-subject/rules/people/PPS-004.yaml").is_file()
    assert len(list((target / "annotations").glob("*.csv"))) == len(demo.STORY) - demo.FIRST_ANNOTATED
    status = subprocess.run(["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True, check=True)
    assert status.stdout == ""  # everything the demo wrote is committed


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["demo", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "Traceback" not in result.output
    assert result.stderr.startswith("error:")  # no progress line before the refusal
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_demo_refuses_a_file_in_place_of_the_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "f")])
    assert result.exit_code == 2 and "Traceback" not in result.output


# --- the commands the demo prints, and the README it writes -----------------------------------

REPO = Path(__file__).resolve().parents[1]


def _csv_rows(target: Path) -> list[dict[str, str]]:
    return [row for path in sorted((target / "annotations").glob("*.csv"))
            for row in csv.DictReader(path.open(encoding="utf-8"))]


def test_the_readme_tells_the_story_the_demo_built(built):
    target, result = built
    readme = (target / "README.md").read_text(encoding="utf-8")
    # before: the sample project's README (three annotators, two batches, a sample_guidelines
    # folder that is not there)
    assert "sample_guidelines" not in readme and "three annotators" not in readme
    rows = _csv_rows(target)
    annotators = sorted({row["annotator"] for row in rows})
    batches = sorted({row["batch"] for row in rows})
    flat = " ".join(readme.split())
    assert f"{len(rows)} annotations of {len({row['item'] for row in rows})} items by {len(annotators)} annotators" in flat
    assert all(name in flat for name in annotators) and f"in {len(batches)} batches" in flat
    assert all(f"| {name} |" in readme for name in batches)
    assert f"{len(demo.STORY)} commits" in flat
    gold = list(csv.DictReader((target / "gold" / f"{demo.TASK}.csv").open()))
    assert f"adjudicated labels for {len(gold)} items" in flat
    for (k, rule), verdict in demo.planted_effects().items():
        assert f"{rule}, " in flat and f"agreement {verdict}" in flat
    # committed with the data, and the story's commits carry no README of another project
    tracked = subprocess.run(["git", "ls-files", "README.md"], cwd=target, capture_output=True, text=True,
                             check=True).stdout
    first = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=target, capture_output=True,
                           text=True, check=True).stdout.strip()
    in_first = subprocess.run(["git", "cat-file", "-e", f"{first}:README.md"], cwd=target).returncode
    assert tracked.strip() == "README.md" and in_first != 0
    assert result.stdout.rstrip().endswith(f"The story, the data and more to try: {target / 'README.md'}")


def test_readme_numbers_are_counted_from_the_data_not_written_in():
    from guidelines_tool.demo_readme import readme

    shas = [f"{k:040x}" for k in range(len(demo.STORY))]
    batches, gold = demo.simulate_batches(shas)
    kept = dict(list(batches.items())[:4])
    kept["batch-02"] = kept["batch-02"][:30]
    text = " ".join(readme(demo.story_facts(), shas=shas, batches=kept, gold=gold[:7], command="g",
                           other_tasks=[]).split())
    n = sum(map(len, kept.values()))
    assert f"{n} annotations" in text and "in 4 batches" in text and "| batch-02 |" in text
    assert "| batch-05 |" not in text and "adjudicated labels for 7 items" in text
    assert "other task" not in text and "g log PPS-007" in text


def test_the_closing_hint_names_the_tool_as_invoked(tmp_path):
    assert demo.closing_hint(Path("guidelines-demo"), "guidelines") == [
        "", "Next: cd guidelines-demo && guidelines impact annotations/*.csv --format md",
        "The story, the data and more to try: guidelines-demo/README.md"]
    hint = demo.closing_hint(Path("my demo"), "../.venv/bin/guidelines")
    assert hint[1] == "Next: cd 'my demo' && ../.venv/bin/guidelines impact annotations/*.csv --format md"
    assert "not on your PATH" in " ".join(hint)


@pytest.mark.slow
def test_the_printed_commands_run_as_printed_after_the_readme_first_command(tmp_path):
    # the README's first command ends by running the demo through .venv/bin/guidelines, which is
    # not on PATH: the demo's closing hint used to say `guidelines impact ...` (command not found)
    first = next(line for line in (REPO / "README.md").read_text().splitlines() if "guidelines demo" in line)
    steps = [step.strip() for step in first.split("#")[0].split("&&")]
    assert steps[:2] == ["python3 -m venv .venv", ".venv/bin/pip install ."] and steps[2] == ".venv/bin/guidelines demo"
    from tests.test_packaging import FreshEnv, build_wheel, source_copy

    # `python3 -m venv .venv && .venv/bin/pip install .`, offline: the package from a wheel of
    # this tree, its dependencies from the environment running the tests
    home = tmp_path / "user"
    FreshEnv(home / ".venv").install(str(build_wheel(source_copy(tmp_path / "src"), tmp_path / "wheel")))
    path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep)
                           if d and not (Path(d) / "guidelines").exists())
    env = {**os.environ, "PATH": path, "PYTHONPATH": "", "PYTHONNOUSERSITE": "1"}
    demo_run = subprocess.run(["bash", "-c", steps[2]], cwd=home, env=env, capture_output=True, text=True)
    assert demo_run.returncode == 0, demo_run.stderr[-3000:]
    hint = next(line for line in demo_run.stdout.splitlines() if line.startswith("Next: "))
    assert hint == "Next: cd guidelines-demo && ../.venv/bin/guidelines impact annotations/*.csv --format md"
    done = subprocess.run(["bash", "-c", hint.removeprefix("Next: ")], cwd=home, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("### Guideline impact on agreement")
    # every command of the README the demo wrote runs as printed from the demo folder
    readme = (home / "guidelines-demo" / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n")[1].split("```")[0].splitlines()
    assert len(block) >= 6 and all(line.startswith("../.venv/bin/guidelines ") for line in block)
    for line in block:
        ran = subprocess.run(["bash", "-c", line], cwd=home / "guidelines-demo", env=env, capture_output=True,
                             text=True)
        assert ran.returncode == 0, (line, ran.stderr[-2000:])


# --- the experiment the story ends with ---------------------------------------------------------

from guidelines_tool import demo_experiment  # noqa: E402


def _printed_commands(stdout: str) -> list[str]:
    """The experiment's commands as the demo prints them (continuation lines joined)."""
    block = stdout.split("Three commands")[1].split("\n\n")[0].split(":\n", 1)[1]
    joined = block.replace(" \\\n", " ")
    return [" ".join(line.split()) for line in joined.splitlines()]


def test_the_story_ends_with_a_rewording_piloted_on_half_the_items_and_adopted(built, monkeypatch):
    target, result = built
    from guidelines_tool.project import load_project

    experiment = load_project(target).experiment(demo_experiment.NAME)
    assert experiment.rules == (demo_experiment.RULE,)
    done = experiment.conclusion
    assert done.adopted == "B" and done.verdict == "b_better" and done.ci[0] > 0
    assignment = list(csv.DictReader((target / experiment.assignment).open()))
    arms = [row["arm"] for row in assignment if row["kind"] == "item"]
    assert len(arms) == demo_experiment.PILOT_ITEMS and arms.count("A") == arms.count("B")
    # the adopted wording is on main, and the rule's history says which experiment brought it
    rule = (target / f"guidelines/{demo.TASK}/rules/{demo_experiment.RULE}.yaml").read_text()
    assert "not a living person" in rule
    monkeypatch.chdir(target)
    log = CliRunner().invoke(cli, ["log", demo_experiment.RULE])
    assert log.exit_code == 0 and "experiment pps-015-wording: adopted B (b_better, B − A +" in log.stdout
    # the batches link each arm to the rule on its own site (no site_url: the built pages' paths)
    batch = list(csv.DictReader((target / "experiments/pps-015-wording/batch-B.csv").open()))
    assert {row["guideline_url"] for row in batch} == {
        f"site-experiments/pps-015-wording/tasks/{demo.TASK}/index.html#PPS-015"}
    # the three commands are printed, runnable as printed where they can run again
    assert _printed_commands(result.stdout) == [f"guidelines {c}" for c in demo_experiment.COMMANDS]
    again = CliRunner().invoke(cli, demo_experiment.COMMANDS[1].split())
    assert again.exit_code == 0
    printed = result.stdout.split(f"$ guidelines {demo_experiment.COMMANDS[1]}\n")[1]
    assert " ".join(again.stdout.split()) in " ".join(printed.split())
    # plan and conclude have run: running them again is refused with a reason, nothing changed
    for command, reason in ((0, "exists (concluded: adopted B): a plan is fixed before data comes back"), (2, "already concluded")):
        refused = CliRunner().invoke(cli, demo_experiment.COMMANDS[command].split())
        assert refused.exit_code == 2 and reason in refused.stderr, refused.output
    status = subprocess.run(["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True, check=True)
    assert status.stdout == ""


def test_the_readmes_show_the_experiment_in_the_three_commands_the_demo_ran(built):
    target, _ = built
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("A guideline experiment in three commands")[1].split("```bash\n")[1].split("```")[0]
    commands = [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith("guidelines ")]
    assert commands == [f"guidelines {c}" for c in demo_experiment.COMMANDS]
    demo_readme = (target / "README.md").read_text(encoding="utf-8")
    section = demo_readme.split("## The experiment")[1].split("## ")[0]
    code = section.split("```\n")[1].splitlines()
    assert [line.split(" experiment ", 1)[1] for line in code] == [c.split("experiment ", 1)[1] for c in demo_experiment.COMMANDS]
    assert "`b_better`" in section and "adopted" in section


def test_the_commits_the_readme_and_docs_quote_are_the_demos(built):
    target, _ = built
    shas = subprocess.run(["git", "log", "--format=%h %s"], cwd=target, capture_output=True, text=True,
                          check=True).stdout
    harmful = next(line.split()[0] for line in shas.splitlines() if "any person in a setting" in line)
    assert f"({harmful}, Tom Becker)" in (REPO / "README.md").read_text(encoding="utf-8")
    quoted = re.findall(r"^· \S+  ([0-9a-f]{7})  ", (REPO / "docs/getting-started/agreement.md").read_text(encoding="utf-8"),
                        re.MULTILINE)
    assert quoted and all(sha in shas.split() for sha in quoted)
