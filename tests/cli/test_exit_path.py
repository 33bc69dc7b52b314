"""One exit path: every command returns its result's exit code (or raises the tool's typed errors)
and `GuidelinesGroup.invoke` alone turns it into the exit status — 0 clean, 1 findings, 2 usage or
input error, 3 internal error."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from guidelines_tool import cli as cli_package
from guidelines_tool.cli import GuidelinesGroup, cli
from guidelines_tool.errors import DataError, DuplicateJudgementsError

CLI_DIR = Path(cli_package.__file__).parent
BAD_RULE = "kind: rule\nid: PPS-003\ntask: pps\ntitle: T\nlabels: [product, persn]\nwhen: Boxed.\nexamples: [{input: a, label: product}]\n"


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


# --- each code, reached by a real command ---------------------------------------------------------


def test_0_a_clean_result(tmp_path, guideline_project):
    result = CliRunner().invoke(cli, ["validate", "--project", str(guideline_project(tmp_path))])
    assert result.exit_code == 0, result.output


def test_1_a_result_with_findings(tmp_path, guideline_project):
    root = guideline_project(tmp_path, {"guidelines/pps/rules/PPS-003.yaml": BAD_RULE})
    assert CliRunner().invoke(cli, ["validate", "--project", str(root)]).exit_code == 1


def test_2_the_tools_error_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no guidelines.yaml here nor above: ConfigError
    result = CliRunner().invoke(cli, ["new-rule", "--task", "pps"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_2_duplicates_end_impact_and_1_end_agreement(tmp_path, monkeypatch, guideline_project):
    root = guideline_project(tmp_path)
    (root / "a.csv").write_text("item,annotator,label\ni1,ann,product\ni1,ann,person\ni1,bob,product\n")
    monkeypatch.chdir(root)
    agreement = CliRunner().invoke(cli, ["agreement", "a.csv"])
    hotspots = CliRunner().invoke(cli, ["hotspots", "a.csv"])
    assert (agreement.exit_code, hotspots.exit_code) == (1, 2)
    for result in (agreement, hotspots):
        assert result.stderr.endswith("error: duplicate (item, annotator) judgements; fix them or pass "
                                      "--duplicates first|last to keep one\n")


# --- the one path itself, at its seam ---------------------------------------------------------------


def probe_group() -> click.Group:
    """A group of the tool's class whose commands end every way a command can end."""
    group = GuidelinesGroup("probe")

    @group.command("returns")
    @click.argument("code", type=int)
    def returns(code: int) -> int:
        return code

    @group.command("raises")
    @click.argument("code", type=int)
    def raises(code: int) -> int:
        raise DuplicateJudgementsError("twice", exit_code=code)

    @group.command("data-error")
    def data_error() -> int:
        raise DataError("no such file")

    @group.command("bug")
    def bug() -> int:
        return {}["missing"]

    @group.command("forgets")
    def forgets() -> None:
        click.echo("done")

    return group


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_a_returned_code_is_the_exit_status(code):
    assert CliRunner().invoke(probe_group(), ["returns", str(code)]).exit_code == code


@pytest.mark.parametrize("code", [1, 2])
def test_a_typed_error_exits_with_its_own_code(code):
    result = CliRunner().invoke(probe_group(), ["raises", str(code)])
    assert (result.exit_code, result.stderr) == (code, "error: twice\n")


def test_the_tools_errors_exit_2():
    result = CliRunner().invoke(probe_group(), ["data-error"])
    assert (result.exit_code, result.stderr) == (2, "error: no such file\n")


def test_3_a_bug_is_an_internal_error_without_traceback():
    result = CliRunner().invoke(probe_group(), ["bug"])
    assert result.exit_code == 3
    assert result.stderr == ("internal error: KeyError: 'missing'\n"
                             "please report this with the command you ran\n")


def test_3_a_command_that_returns_no_code_is_a_bug_not_a_success():
    result = CliRunner().invoke(probe_group(), ["forgets"])
    assert result.exit_code == 3
    assert "forgets returned None, not an exit code" in result.stderr


def test_usage_errors_stay_clicks():
    assert CliRunner().invoke(probe_group(), ["returns", "x"]).exit_code == 2
    assert CliRunner().invoke(probe_group(), ["returns", "--help"]).exit_code == 0


# --- and no other exit in the command modules --------------------------------------------------------


def exits(path: Path) -> list[str]:
    """Each way out of the process in a module: sys.exit/exit calls, raise SystemExit, ctx.exit."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in ("exit", "_exit", "abort"):
                found.append(f"{path.name}:{node.lineno}: {ast.unparse(node.func)}()")
        if isinstance(node, ast.Raise) and node.exc is not None and "SystemExit" in ast.unparse(node.exc):
            found.append(f"{path.name}:{node.lineno}: raise SystemExit")
    return found


def test_the_group_is_the_only_place_that_exits():
    found = [exit_ for path in sorted(CLI_DIR.glob("*.py")) for exit_ in exits(path)]
    assert found == [f"__init__.py:{_invoke_line()}: ctx.exit()"]


def _invoke_line() -> int:
    source = (CLI_DIR / "__init__.py").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(source, 1) if "ctx.exit(self._run(ctx))" in line)
