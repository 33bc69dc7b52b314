"""The experiment file (`kind: experiment`): schema errors at file:line:column through `validate`,
and the typed record loading makes of it."""

from __future__ import annotations

from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.project import load_experiments, load_project

GOOD = """\
kind: experiment
id: pps-wording
task: pps
rules: [PPS-001]
arms:
  A: {commit: 1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a, ref: main}
  B: {commit: 2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b, ref: variant}
unit: item
seed: 3
assignment: experiments/pps-wording/assignment.csv
sample: {items_per_arm: 120, per_item: 3, annotators: 6}
measure: {coefficient: krippendorff_alpha, scale: nominal, items: all}
decision: {rule: two_sided_t, confidence: 0.9, min_items: 40}
"""


def test_a_valid_experiment_loads_into_a_typed_record(guideline_project):
    root = guideline_project(files={"experiments/pps-wording.yaml": GOOD})
    project = load_project(root)
    assert not [f for f in project.load_findings if f.severity == "error"]
    experiment = project.experiment("pps-wording")
    assert experiment is not None
    assert (experiment.task, experiment.rules, experiment.unit, experiment.seed) == ("pps", ("PPS-001",), "item", 3)
    assert experiment.commit("B") == "2b" * 20 and experiment.arms["B"].ref == "variant"
    assert (experiment.items_per_arm, experiment.per_item, experiment.items) == (120, 3, "all")
    assert (experiment.confidence, experiment.min_items) == (0.9, 40)


def test_experiments_load_alone_as_load_project_gives_them(guideline_project):
    """`log` and `changelog` read the experiments without parsing every rule file: the same
    records, and a broken rule file does not stand in the way."""
    root = guideline_project(files={"experiments/pps-wording.yaml": GOOD,
                                    "guidelines/pps/rules/PPS-009.yaml": "id: [unclosed\n"})
    assert load_experiments(root) == load_project(root).experiments
    assert [e.id for e in load_experiments(root)] == ["pps-wording"]
    assert load_experiments(guideline_project(tmp_root := root.parent / "none")) == ()
    assert tmp_root.is_dir()


def test_validate_points_at_the_line_and_column_of_a_bad_value(guideline_project, monkeypatch):
    bad = GOOD.replace("unit: item", "unit: items").replace("seed: 3\n", "seed: 3\ncolour: red\n")
    root = guideline_project(files={"experiments/pps-wording.yaml": bad})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "experiments/pps-wording.yaml:8:7: error GL103 unit: 'items' is not one of 'item', 'annotator' (did you mean 'item'?)",
        "experiments/pps-wording.yaml:10:1: error GL101 unknown key 'colour'",
    ]


def test_a_missing_arm_is_a_schema_error(guideline_project, monkeypatch):
    bad = GOOD.replace("  B: {commit: 2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b, ref: variant}\n", "")
    root = guideline_project(files={"experiments/pps-wording.yaml": bad})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert result.exit_code == 1
    assert "'B' is a required property" in result.stdout or "missing" in result.stdout
