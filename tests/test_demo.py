"""`guidelines demo` end to end: the story's repository, its batches, and that every verdict the
demo prints is the effect the story planted."""

from __future__ import annotations

import json
import re
import subprocess

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
    assert len(log.stdout.splitlines()) == len(demo.STORY) + 1
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
