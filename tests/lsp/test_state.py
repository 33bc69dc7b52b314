"""ProjectState: incremental checking gives exactly what a fresh `validate` gives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from guidelines_tool.lint import find_problems
from guidelines_tool.lsp.state import ProjectState, blind
from guidelines_tool.validation import read_project, validate

TESTS = Path(__file__).resolve().parent.parent
RULE1 = "guidelines/pps/rules/PPS-001.yaml"
TASK_FILE = "guidelines/pps/task.yaml"


def flat(by_path: dict) -> list:
    return [finding for findings in by_path.values() for finding in findings]


def same_as_validate(state: ProjectState) -> None:
    assert flat(state.findings()) == validate(state.root, overlay=state.overlay).findings


def lint_case_files() -> list:
    cases = []
    for path in sorted((TESTS / "lint" / "cases").glob("*.yaml")):
        spec = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        cases += [pytest.param(case["files"], id=f"{path.stem}-{n}") for n, case in enumerate(spec["cases"])]
    return cases


@pytest.mark.parametrize("files", lint_case_files())
def test_lint_never_reads_prose(tmp_path: Path, files: dict, write_project):
    """The state re-lints only when something a check reads changed; `blind()` empties what no
    check may read. Here every check is run on the lint cases with that prose emptied: the same
    problems must come out. A check that starts reading prose fails this and must be allowed for
    in `state.blind`."""
    _parsed, project = read_project(write_project(tmp_path, files))
    blinded = replace(project, rules=tuple(blind(r) for r in project.rules),
                      all_tasks=tuple(blind(t) for t in project.all_tasks),
                      tasks={key: blind(task) for key, task in project.tasks.items()})
    assert find_problems(blinded) == find_problems(project)


def test_a_sequence_of_edits_matches_validate_each_time(tmp_path: Path, write_project, base):
    root = write_project(tmp_path)
    state = ProjectState(root)
    same_as_validate(state)
    state.set_buffer(RULE1, base.rule.replace("title: The product wins", "title: The product wins, mostly"))  # prose
    same_as_validate(state)
    state.set_buffer(RULE1, base.rule.replace("decision: product", "decision: packaging"))  # lint sees it
    same_as_validate(state)
    state.set_buffer(TASK_FILE, base.task.replace("  - {id: person, name: Person}\n", ""))  # a label goes
    same_as_validate(state)
    state.set_buffer("guidelines/pps/rules/new.yaml", base.rule)  # an unsaved new file: a duplicate id
    same_as_validate(state)
    assert [f.code for f in flat(state.findings())].count("GL202") == 2
    state.drop_buffer("guidelines/pps/rules/new.yaml")
    state.set_buffer(TASK_FILE, "kind: task\nid: [broken\n")  # the task no longer parses
    same_as_validate(state)
    state.set_buffer("guidelines.yaml", "kind: project\nname: X\nlint:\n  disable: [GL206]\n")
    same_as_validate(state)


def test_prose_edits_reuse_the_lint_problems(tmp_path: Path, write_project, base):
    root = write_project(tmp_path)
    state = ProjectState(root)
    state.findings()
    problems = state._lint_problems
    state.set_buffer(RULE1, "# a comment moves every line\n" + base.rule.replace("Both are in focus.", "Both are sharp."))
    found = state.findings()
    assert state._lint_problems is problems  # not re-run
    assert flat(found) == validate(root, overlay=state.overlay).findings
    state.set_buffer(RULE1, base.rule.replace("decision: product", "decision: persn"))
    state.findings()
    assert state._lint_problems is not problems


def test_files_on_disk_come_and_go(tmp_path: Path, write_project, base):
    root = write_project(tmp_path)
    state = ProjectState(root)
    state.findings()
    extra = root / "guidelines/pps/rules/extra.yaml"
    extra.write_text(base.rule, encoding="utf-8")
    state.disk_changed("guidelines/pps/rules/extra.yaml")
    same_as_validate(state)
    extra.unlink()
    state.disk_changed("guidelines/pps/rules/extra.yaml")
    same_as_validate(state)
    assert flat(state.findings()) == []


def test_the_model_keeps_the_last_good_records_of_a_broken_file(tmp_path: Path, write_project):
    root = write_project(tmp_path)
    state = ProjectState(root)
    state.findings()
    state.set_buffer(TASK_FILE, "kind: task\nid: pps\nlabels: [\n")
    state.refresh()
    assert state.project.tasks == {}  # what validate sees
    assert state.model().tasks["pps"].label_ids == ("product", "person", "packaging")


def test_another_guideline_folder_rereads_the_project(tmp_path: Path, write_project, base):
    root = write_project(tmp_path, {"other/pps/rules/PPS-009.yaml": base.rule.replace("PPS-001", "PPS-009")})
    state = ProjectState(root)
    state.findings()
    state.set_buffer("guidelines.yaml", "kind: project\nname: X\nguidelines: other\n")
    same_as_validate(state)
    assert [rule.id for rule in state.project.rules] == ["PPS-009"]


def test_a_broken_file_keeps_its_ids_known_edit_after_edit(tmp_path: Path, write_project, base):
    # issue 17 item 8 in the editor: while PPS-004 does not parse, `overrides: [PPS-004]` is not an
    # unknown rule; an edit that keeps the file broken but changes its id re-lints the citer
    rule4 = "guidelines/pps/rules/PPS-004.yaml"
    root = write_project(tmp_path, {RULE1: base.rule + "overrides: [PPS-004]\n", rule4: base.rule.replace("PPS-001", "PPS-004")})
    state = ProjectState(root)
    same_as_validate(state)
    state.set_buffer(rule4, "kind: rule\nid: PPS-004\ntitle: [unclosed\n")
    same_as_validate(state)
    assert [f.code for f in flat(state.findings())] == ["GL001"]
    state.set_buffer(rule4, "kind: rule\nid: PPS-044\ntitle: [unclosed\n")  # still broken, and the name still says PPS-004
    same_as_validate(state)
    state.set_buffer(rule4, "kind: rule\nid: PPS-044\ntitle: [unclosed\n")
    state.set_buffer(RULE1, base.rule + "overrides: [PPS-044]\n")
    same_as_validate(state)
    state.set_buffer(rule4, "kind: rule\nid: PPS-045\ntitle: [unclosed\n")  # now PPS-044 is unknown
    same_as_validate(state)
    assert "GL208" in [f.code for f in flat(state.findings())]


def test_filling_in_template_text_re_lints(tmp_path: Path, write_project, base):
    # template-text (GL212) reads whether prose starts with TODO: writing the title clears it
    root = write_project(tmp_path, {RULE1: base.rule.replace("title: The product wins", "title: TODO a title")})
    state = ProjectState(root)
    same_as_validate(state)
    assert [f.code for f in flat(state.findings())] == ["GL212"]
    state.set_buffer(RULE1, base.rule.replace("title: The product wins", "title: The product wins, mostly"))
    same_as_validate(state)
    state.set_buffer(RULE1, base.rule.replace("when: Both are in focus.", "when: TODO later"))
    same_as_validate(state)
    assert [f.code for f in flat(state.findings())] == ["GL212"]
