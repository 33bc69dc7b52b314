"""validate: every file of the malformed corpus gives findings on that file and exit 1 (never a
traceback); an overlay (path → text) stands in for files on disk (an editor's buffers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.lint import code_table
from guidelines_tool.validation import validate

CORPUS = Path(__file__).parent / "malformed"
CASES = sorted(CORPUS.iterdir())
WARNING_ONLY = {"bom-utf8.yaml"}  # read in full, a warning only: exit 1 under --strict


def run_validate(root: Path, *args: str):
    return CliRunner().invoke(cli, ["validate", "--project", str(root), "--format", "json", *args])


def test_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_file_gives_findings(guideline_project, tmp_path: Path, case: Path):
    rel = f"guidelines/pps/rules/{case.name}"
    root = guideline_project(tmp_path, {rel: case.read_bytes()})
    result = run_validate(root, *(["--strict"] if case.name in WARNING_ONLY else []))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    mine = [finding for finding in report["findings"] if finding["path"] == rel]
    assert mine, report
    assert all(finding["line"] >= 1 and finding["column"] >= 1 for finding in mine)


def test_malformed_project_file(guideline_project, tmp_path: Path):
    root = guideline_project(tmp_path, {"guidelines.yaml": "kind: project\nname: [unclosed\n"})
    result = run_validate(root)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"][0]["path"] == "guidelines.yaml"


def test_file_over_the_size_limit(guideline_project, tmp_path: Path):
    root = guideline_project(tmp_path)
    big = root / "guidelines/pps/rules/huge.yaml"
    with big.open("w") as handle:  # 50 MB of valid YAML: refused before it is read
        line = "# " + "x" * 1021 + "\n"
        for _ in range(50 * 1024):
            handle.write(line)
    result = run_validate(root)
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert (finding["path"], finding["line"], finding["column"], finding["code"]) == ("guidelines/pps/rules/huge.yaml", 1, 1, "GL008")


# --- validate(overlay=...): text that stands in for files on disk (an editor's buffers) -------------

RULE_FILE = "guidelines/pps/rules/PPS-001.yaml"


def lines(result) -> list[str]:
    return [f"{f.path}:{f.line}:{f.column}: {f.code}" for f in result.findings]


def test_overlay_text_is_checked_instead_of_the_file(guideline_project):
    root = guideline_project()
    broken = (root / RULE_FILE).read_text().replace("decision: product", "decision: prodct")
    assert lines(validate(root, overlay={RULE_FILE: broken})) == [f"{RULE_FILE}:6:11: GL206", f"{RULE_FILE}:6:11: GL207"]
    assert validate(root).findings == []  # the disk is untouched


def test_overlay_keys_may_be_absolute_paths(guideline_project):
    root = guideline_project()
    broken = (root / RULE_FILE).read_text().replace("decision: product", "decision: prodct")
    assert lines(validate(root, overlay={root / RULE_FILE: broken})) == [f"{RULE_FILE}:6:11: GL206", f"{RULE_FILE}:6:11: GL207"]


def test_an_unsaved_new_file_in_the_guideline_folder_is_read(guideline_project):
    root = guideline_project()
    copy = "guidelines/pps/rules/copy.yaml"
    found = lines(validate(root, overlay={copy: (root / RULE_FILE).read_text()}))
    assert found == [f"{RULE_FILE}:2:5: GL202", f"{copy}:2:5: GL202"]


def test_an_overlay_file_outside_the_guideline_folder_is_not_a_guideline_file(guideline_project):
    root = guideline_project()
    assert validate(root, overlay={"docs/notes.yaml": "kind: rule\n"}).findings == []


def test_the_config_can_come_from_the_overlay(guideline_project, tmp_path):
    rule = (guideline_project(tmp_path / "base") / RULE_FILE).read_text()
    root = guideline_project(tmp_path / "p", {RULE_FILE: rule.replace("decision: product", "decision: prodct")})
    config = "kind: project\nname: Test guidelines\nlint:\n  disable: [unknown-label, GL207]\n"
    assert validate(root, overlay={"guidelines.yaml": config}).findings == []


def test_an_overlay_over_the_size_limit_is_refused_like_the_file(guideline_project):
    root = guideline_project()
    huge = (root / RULE_FILE).read_text() + "# " + "x" * (10 * 1024 * 1024) + "\n"
    assert lines(validate(root, overlay={RULE_FILE: huge})) == [f"{RULE_FILE}:1:1: GL008"]


def test_a_byte_order_mark_is_a_warning_that_fmt_fixes(guideline_project, tmp_path: Path):
    # YAML allows a leading BOM and the editor shows the file clean: CI warns (policy, issue 17
    # item 10), says why and how to fix, and reads the rest of the file as usual
    rel = "guidelines/pps/rules/PPS-001.yaml"
    root = guideline_project(tmp_path)
    path = root / rel
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"labels: [product, person]", b"labels: [product, persn]"))
    result = validate(root)
    bom = [f for f in result.findings if f.code == "GL005"]
    assert [(f.path, f.line, f.column, f.severity) for f in bom] == [(rel, 1, 1, "warning")]
    assert "guidelines fmt" in bom[0].message
    assert any(f.code == "GL206" for f in result.findings)  # the rest of the file is still checked
    path.write_bytes(b"\xef\xbb\xbf" + (root / rel).read_bytes()[3:].replace(b"persn", b"person"))
    clean_but_bom = validate(root)
    assert clean_but_bom.exit_code() == 0 and clean_but_bom.exit_code(strict=True) == 1

    assert code_table()["GL005"][1] == "warning"


def test_a_file_that_failed_to_parse_still_counts_for_references(guideline_project, tmp_path: Path, base_rule):
    # issue 17 item 8: a broken rule or task file is reported once, in itself; references to what
    # it defines (overrides, see_also, replaced_by, task) are not also called unknown elsewhere
    rules = "guidelines/pps/rules"
    citing = base_rule.replace("PPS-001", "PPS-002") + "overrides: [PPS-004]\nsee_also: [PPS-005, PPS-006, PPS-009]\n"
    root = guideline_project(tmp_path, {
        f"{rules}/PPS-002.yaml": citing,
        f"{rules}/PPS-004.yaml": "kind: rule\nid: PPS-004\ntitle: [unclosed\n",  # a syntax error
        f"{rules}/PPS-005.yaml": b"kind: rule\nid: PPS-005\ntitle: caf\xe9\n",  # not UTF-8: only the name tells
        "guidelines/qa/task.yaml": "kind: task\nid: qa\ntitle: QA\nrules:\n  - {id: PPS-006, when: x\n",
        f"{rules}/QA-001.yaml": base_rule.replace("PPS-001", "QA-001").replace("task: pps", "task: qa"),
    })
    findings = validate(root).findings
    codes = {(f.path.rsplit("/", 1)[-1], f.code) for f in findings}
    assert ("PPS-004.yaml", "GL001") in codes and ("PPS-005.yaml", "GL006") in codes and ("task.yaml", "GL001") in codes
    references = [f for f in findings if f.code in ("GL208", "GL204")]
    # only the id no file defines is unknown
    assert [(f.path, f.message) for f in references] == [
        (f"{rules}/PPS-002.yaml", "see_also names unknown rule 'PPS-009' (did you mean 'PPS-002'?)")
    ]


@pytest.mark.parametrize("prefix", ["", "%YAML 1.2\n---\n", "# a tag sends it to the full loader\n"], ids=["fast", "directive", "tagged"])
def test_a_time_inside_a_flow_mapping_is_valid_yaml(guideline_project, tmp_path: Path, prefix: str, base_rule):
    # issue 17 item 9: libyaml's scanner refuses `:` inside a plain scalar in flow context
    # (`10:00:00`), YAML 1.2 allows it, and the editor and check-jsonschema accept it
    rule = prefix + base_rule.replace("PPS-001", "PPS-002") + (
        "ambiguous_cases:\n"
        f"  - {{case: c, resolution: r, decided: 2026-01-15 10:00:00, by: {'!!str ' if 'tag' in prefix else ''}lead}}\n"
        "see_also: [PPS-001, {at: 10:30}]\n"
        "oops: 1\n"
    )
    rel = "guidelines/pps/rules/PPS-002.yaml"
    root = guideline_project(tmp_path, {rel: rule})
    found = [(f.code, f.line, f.column) for f in validate(root).findings if f.path == rel]
    offset = prefix.count("\n")
    assert ("GL001", ) not in [(code,) for code, _l, _c in found], found
    # the file is read: what is wrong in it is found, at the right place
    assert ("GL101", 13 + offset, 1) in found  # unknown key 'oops'
    assert any(code == "GL103" and line == 12 + offset for code, line, _c in found)  # {at: 10:30} is not a rule id
