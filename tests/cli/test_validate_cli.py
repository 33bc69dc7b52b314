"""`guidelines validate` end to end through click: exact output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli

WARN_RULE = "kind: rule\nid: PPS-002\ntask: pps\ntitle: T\nlabels: [product, packaging]\nwhen: Boxed.\n"
BAD_RULE = "kind: rule\nid: PPS-003\ntask: pps\ntitle: T\nlabels: [product, persn]\nwhen: Boxed.\nexamples: [{input: a, label: product}]\n"


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["validate", *args])


def test_clean_project(tmp_path: Path, guideline_project):
    result = invoke("--project", str(guideline_project(tmp_path)))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "3 files, 1 rule: no problems\n")


def test_error_exact_output(tmp_path: Path, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    result = invoke("--project", str(root))
    assert result.exit_code == 1
    assert result.stdout == "guidelines/pps/rules/PPS-003.yaml:5:19: error GL206 'persn' is not a label of task pps (did you mean 'person'?)\n"
    assert result.stderr == "4 files, 2 rules: 1 error, 0 warnings\n"


def test_warnings_fail_only_with_strict(tmp_path: Path, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-002.yaml": WARN_RULE})
    relaxed = invoke("--project", str(root))
    assert relaxed.exit_code == 0
    assert relaxed.stdout == "guidelines/pps/rules/PPS-002.yaml:2:1: warning GL303 active rule PPS-002 has no examples\n"
    assert invoke("--project", str(root), "--strict").exit_code == 1


def test_json_format(tmp_path: Path, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    data = json.loads(invoke("--project", str(root), "--format", "json").stdout)
    assert data == {
        "findings": [
            {
                "path": "guidelines/pps/rules/PPS-003.yaml", "line": 5, "column": 19, "code": "GL206",
                "name": "unknown-label", "severity": "error",
                "message": "'persn' is not a label of task pps (did you mean 'person'?)",
            }
        ],
        "summary": {"files": 4, "rules": 2, "errors": 1, "warnings": 0},
    }


def test_found_from_the_current_folder(tmp_path: Path, monkeypatch, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    monkeypatch.chdir(root / "guidelines" / "pps")
    result = invoke()
    assert result.exit_code == 1
    assert result.stdout.startswith("guidelines/pps/rules/PPS-003.yaml:5:19: error GL206")


def test_no_project_is_a_usage_error(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke()
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no guidelines.yaml found in")


def test_missing_path_is_a_usage_error(tmp_path: Path, guideline_project):
    result = invoke("--project", str(guideline_project(tmp_path)), str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_unknown_format_is_a_usage_error(tmp_path: Path, guideline_project):
    assert invoke("--project", str(guideline_project(tmp_path)), "--format", "xml").exit_code == 2


def test_file_arguments_read_the_whole_project_but_report_only_those_files(tmp_path: Path, guideline_project):
    twin = "kind: rule\nid: PPS-001\ntask: pps\ntitle: Twin\nlabels: [product]\nwhen: w\nexamples: [{input: a, label: product}]\n"
    root = guideline_project(tmp_path, {"guidelines/pps/rules/twin.yaml": twin, "guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    result = invoke(str(root / "guidelines/pps/rules/twin.yaml"))
    assert result.exit_code == 1
    # the clash with PPS-001.yaml is found although only twin.yaml was named; PPS-003's error is not shown
    assert result.stdout == (
        "guidelines/pps/rules/twin.yaml:2:5: error GL202 rule id 'PPS-001' is defined more than once "
        "(also in guidelines/pps/rules/PPS-001.yaml)\n"
    )
    assert result.stderr == "1 file, 3 rules: 1 error, 0 warnings\n"


def test_folder_argument_covers_the_files_under_it(tmp_path: Path, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    result = invoke("--project", str(root), str(root / "guidelines/pps/rules"))
    assert result.exit_code == 1
    assert result.stderr == "2 files, 2 rules: 1 error, 0 warnings\n"


def test_files_outside_the_guidelines_are_skipped_and_said_so(tmp_path: Path, guideline_project):
    root = guideline_project(tmp_path, {"mkdocs.yml": "site_name: x\n"})
    result = invoke(str(root / "mkdocs.yml"), str(root / "guidelines.yaml"))
    assert result.exit_code == 0
    assert result.stderr == "1 file, 1 rule: no problems; skipped 1 file outside the guidelines: mkdocs.yml\n"


def test_github_actions_selects_annotations_and_writes_a_summary(tmp_path: Path, monkeypatch, guideline_project):
    root = guideline_project(tmp_path / "p", {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = invoke("--project", str(root))
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=guidelines/pps/rules/PPS-003.yaml,line=5,col=19,title=GL206 unknown-label::"
        "'persn' is not a label of task pps (did you mean 'person'?)\n"
    )
    text = summary.read_text(encoding="utf-8")
    assert "4 files, 2 rules: 1 error, 0 warnings" in text
    assert "`guidelines/pps/rules/PPS-003.yaml:5:19`" in text
    assert invoke("--project", str(root), "--format", "text").stdout.startswith("guidelines/pps/rules/PPS-003.yaml:5:19: error GL206")


def test_sample_project_validates_clean():
    sample = Path(__file__).resolve().parents[2] / "sample_guidelines"
    result = invoke("--project", str(sample), "--strict")
    assert result.exit_code == 0, result.stdout


def test_missing_guideline_folder_is_a_finding(tmp_path: Path, guideline_project):
    root = guideline_project(tmp_path, {"guidelines.yaml": "kind: project\nname: T\nguidelines: rules\n"})
    result = invoke("--project", str(root))
    assert result.exit_code == 1
    assert result.stdout == "guidelines.yaml:3:13: error GL103 guideline folder 'rules' does not exist (no task or rule files were checked)\n"


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "github", "junit", "markdown"])
def test_machine_formats_stay_utf8_with_a_file_name_that_is_not(tmp_path: Path, fmt: str, guideline_project):
    """A Latin-1 file name (bytes b"caf\\xe9") must not crash a format nor make its output invalid UTF-8."""

    root = guideline_project(tmp_path)
    name = os.fsdecode(b"caf\xe9.yaml")
    (root / "guidelines" / "pps" / "rules" / name).write_text(BAD_RULE, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.run([sys.executable, "-m", "guidelines_tool", "validate", "--project", str(root), "--format", fmt],
                          env=env, capture_output=True)
    assert proc.returncode == 1, proc.stderr
    text = proc.stdout.decode("utf-8")  # strict: raises on invalid UTF-8
    assert "GL206" in text
    if fmt == "sarif":  # a URI reference: the file name's own bytes, percent-encoded
        assert "caf%E9.yaml" in text
    elif fmt in ("json", "gitlab"):
        payload = json.dumps(json.loads(text))
        assert "caf\\udce9.yaml" in payload  # the byte survives as its escape: os.fsencode gives it back
    else:
        assert "caf\\xe9.yaml" in text


# --- colour: on a terminal only, NO_COLOR respected, --color to decide -------------------------

ANSI = "\x1b["


def on_a_terminal(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """What `guidelines validate` writes to stdout when stdout is a real terminal (a pty)."""
    import pty

    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "GITHUB_ACTIONS")}
    proc = subprocess.Popen([sys.executable, "-m", "guidelines_tool", "validate", "--project", str(root), *args],
                            stdout=slave, stderr=subprocess.DEVNULL, env={**environment, **(env or {})})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 1
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_colour_on_a_terminal_unless_no_color(tmp_path: Path, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    assert "\x1b[1;31merror\x1b[0m" in on_a_terminal(root)
    assert ANSI not in on_a_terminal(root, env={"NO_COLOR": "1"})
    assert ANSI in on_a_terminal(root, env={"NO_COLOR": ""})  # no-color.org: set and not empty
    assert ANSI not in on_a_terminal(root, "--color", "never")
    assert ANSI in on_a_terminal(root, "--color", "always", env={"NO_COLOR": "1"})  # asked for: given


def test_no_colour_in_a_pipe_unless_always(tmp_path: Path, monkeypatch, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    assert ANSI not in invoke("--project", str(root)).stdout  # CliRunner's stdout is no terminal
    assert ANSI not in invoke("--project", str(root), "--color", "auto").stdout
    coloured = invoke("--project", str(root), "--color", "always")
    assert coloured.stdout.startswith("\x1b[1mguidelines/pps/rules/PPS-003.yaml:5:19:\x1b[0m \x1b[1;31merror")
    assert coloured.exit_code == 1
    # the machine formats never carry colour, whatever is asked
    assert ANSI not in invoke("--project", str(root), "--color", "always", "--format", "json").stdout
    assert invoke("--project", str(root), "--color", "sometimes").exit_code == 2
