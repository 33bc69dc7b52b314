"""The validate formats field by field on a small fixed result: a key a reader needs (SARIF's rule
metadata, GitLab's fingerprint, JUnit's counts) cannot go missing unnoticed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from guidelines_tool import __version__
from guidelines_tool.lint import code_table
from guidelines_tool.model import Finding
from guidelines_tool.reporters.findings import INFORMATION_URI, VALIDATE_REPORTERS
from guidelines_tool.validation import ValidationResult

ERROR = Finding("g/a.yaml", 3, 7, "GL206", "unknown-label", "error", "m1")
WARNING = Finding("g/c.yaml", 1, 1, "GL303", "rule-without-examples", "warning", "m2")
RESULT = ValidationResult([ERROR, WARNING], 3, 2)


def render(name: str, result: ValidationResult = RESULT) -> str:
    return VALIDATE_REPORTERS[name]().render(result)


def test_sarif_log_rules_and_results_exactly():
    log = json.loads(render("sarif"))
    assert {k: v for k, v in log.items() if k != "runs"} == {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0"}
    (run,) = log["runs"]
    assert set(run) == {"tool", "results"}
    driver = run["tool"]["driver"]
    assert {k: v for k, v in driver.items() if k != "rules"} == {
        "name": "guidelines", "version": __version__, "informationUri": INFORMATION_URI}
    table = code_table()
    assert driver["rules"][0] == {
        "id": "GL001", "name": table["GL001"][0], "shortDescription": {"text": table["GL001"][2]},
        "defaultConfiguration": {"level": table["GL001"][1]}, "helpUri": f"{INFORMATION_URI}#gl001"}
    index = [rule["id"] for rule in driver["rules"]]
    assert run["results"] == [
        {"ruleId": "GL206", "ruleIndex": index.index("GL206"), "level": "error", "message": {"text": "m1"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "g/a.yaml", "uriBaseId": "%SRCROOT%"},
                                             "region": {"startLine": 3, "startColumn": 7}}}]},
        {"ruleId": "GL303", "ruleIndex": index.index("GL303"), "level": "warning", "message": {"text": "m2"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "g/c.yaml", "uriBaseId": "%SRCROOT%"},
                                             "region": {"startLine": 1, "startColumn": 1}}}]},
    ]


def test_sarif_unknown_code_has_no_rule_index():
    other = Finding("g/x.yaml", 1, 1, "GL999", "nothing", "error", "m")
    (result,) = json.loads(render("sarif", ValidationResult([other], 1, 0)))["runs"][0]["results"]
    assert result["ruleIndex"] == -1


def test_gitlab_code_quality_exactly():
    issues = json.loads(render("gitlab"))
    fingerprints = [issue.pop("fingerprint") for issue in issues]
    assert issues == [
        {"description": "GL206 m1", "check_name": "GL206 unknown-label", "severity": "major",
         "location": {"path": "g/a.yaml", "lines": {"begin": 3}}},
        {"description": "GL303 m2", "check_name": "GL303 rule-without-examples", "severity": "minor",
         "location": {"path": "g/c.yaml", "lines": {"begin": 1}}},
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", f) for f in fingerprints) and len(set(fingerprints)) == 2
    assert json.loads(render("gitlab"))[0]["fingerprint"] == fingerprints[0]  # stable across runs


def test_junit_exactly():
    assert render("junit") == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="guidelines validate" tests="3" failures="1" errors="0">\n'
        '  <testsuite name="guidelines validate" tests="3" failures="1" errors="0" skipped="0">\n'
        '    <testcase classname="guidelines.validate" name="g/a.yaml"><failure type="GL206" message="1 error">'
        "g/a.yaml:3:7: GL206 m1\n</failure></testcase>\n"
        '    <testcase classname="guidelines.validate" name="g/c.yaml"><system-out>'
        "g/c.yaml:1:1: GL303 m2 (warning)\n</system-out></testcase>\n"
        '    <testcase classname="guidelines.validate" name="1 other files"/>\n'
        "  </testsuite>\n</testsuites>\n"
    )


def test_junit_when_every_file_has_findings():
    """No "other files" case when all files had findings (and never a negative count)."""
    text = render("junit", ValidationResult([ERROR, WARNING], 2, 2))
    assert 'tests="2" failures="1"' in text and "other files" not in text
    text = render("junit", ValidationResult([ERROR, WARNING], 1, 2))
    assert 'tests="2"' in text and "other files" not in text


def test_markdown_exactly():
    assert render("markdown") == (
        "### guidelines validate\n\n3 files, 2 rules: 1 error, 1 warning\n\n"
        "| where | severity | check | message |\n|---|---|---|---|\n"
        "| `g/a.yaml:3:7` | error | `GL206` unknown-label | m1 |\n"
        "| `g/c.yaml:1:1` | warning | `GL303` rule-without-examples | m2 |\n"
    )
    assert render("markdown", ValidationResult([], 3, 2)) == "### guidelines validate\n\n3 files, 2 rules: no problems\n"


def test_github_levels_and_summary_with_skipped_files():
    lines = render("github").splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning"]
    reporter = VALIDATE_REPORTERS["text"]()
    skipped = ValidationResult([], 1, 1, skipped=["a.yaml", "b.yaml"])
    assert reporter.summary(skipped) == "1 file, 1 rule: no problems; skipped 2 files outside the guidelines: a.yaml, b.yaml"


def test_github_message_escapes_percent_cr_and_lf():
    """The runner reads a CR or LF as the end of the command: kills dropping any of the three
    `_gh_data` escapes."""
    finding = Finding("g/a.yaml", 2, 5, "GL001", "yaml-syntax", "error", "50% done\r\nnext\rline")
    text = render("github", ValidationResult([finding], 1, 0))
    assert text == "::error file=g/a.yaml,line=2,col=5,title=GL001 yaml-syntax::50%25 done%0D%0Anext%0Dline\n"


# --- issue 17: ',' and ':' in a GitHub path property, JUnit failures per file -------------------


def _parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command read the way the Actions runner reads it (ActionCommand.TryParseV2):
    properties split on `,`, each on its first `=`, then `%2C`, `%3A`, `%0D`, `%0A`, `%25`
    unescaped."""
    assert line.startswith("::")
    head, _, data = line[2:].partition("::")
    command, _, props = head.partition(" ")

    def unescape(text: str, *, prop: bool) -> str:
        pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
        for escaped, plain in pairs + [("%25", "%")]:
            text = text.replace(escaped, plain)
        return text

    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = unescape(value, prop=True)
    return command, properties, unescape(data, prop=False)


@pytest.mark.parametrize("path", ["guidelines/a,b.yaml", "guidelines/x:y.yaml", "g/line=3,col=9.yaml",
                                  "g/100%,sure:.yaml", "g/plain.yaml"])
def test_github_annotation_path_survives_commas_and_colons(path):
    """Kills dropping `.replace(",", "%2C")` or `.replace(":", "%3A")` from `_gh_property`: an
    unescaped comma splits the file property, and the runner puts the annotation elsewhere."""
    finding = Finding(path, 4, 2, "GL206", "unknown-label", "error", "a, b: c")
    text = render("github", ValidationResult([finding], 1, 1))
    command, properties, data = _parse_workflow_command(text.rstrip("\n"))
    assert (command, data) == ("error", "a, b: c")
    assert properties == {"file": path, "line": "4", "col": "2", "title": "GL206 unknown-label"}


def test_github_annotation_escapes_path_exactly():
    finding = Finding("g/a,b:c.yaml", 1, 1, "GL001", "yaml-syntax", "warning", "m")
    text = render("github", ValidationResult([finding], 1, 1))
    assert text == "::warning file=g/a%2Cb%3Ac.yaml,line=1,col=1,title=GL001 yaml-syntax::m\n"


def test_junit_counts_failing_files_not_errors():
    """Kills `failures += len(errors)` (and `failures += 1` per finding): JUnit's `failures` counts
    failing test cases, and a test case here is a file."""
    findings = [
        Finding("g/a.yaml", 1, 1, "GL201", "unknown-kind", "error", "one"),
        Finding("g/a.yaml", 2, 1, "GL206", "unknown-label", "error", "two"),
        Finding("g/a.yaml", 3, 1, "GL303", "rule-without-examples", "warning", "three"),
        Finding("g/b.yaml", 1, 1, "GL001", "yaml-syntax", "error", "four"),
        Finding("g/c.yaml", 1, 1, "GL303", "rule-without-examples", "warning", "only a warning"),
    ]
    root = ET.fromstring(VALIDATE_REPORTERS["junit"]().render(ValidationResult(findings, 5, 4)))
    suite = root.find("testsuite")
    assert (root.get("failures"), suite.get("failures")) == ("2", "2")
    assert (root.get("tests"), suite.get("tests")) == ("4", "4")  # a, b, c and "2 other files"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert cases["g/a.yaml"].find("failure").get("message") == "2 errors"
    assert cases["g/b.yaml"].find("failure").get("message") == "1 error"
    assert cases["g/c.yaml"].find("failure") is None and "only a warning" in cases["g/c.yaml"].find("system-out").text
