"""How the tool was run, so that a command it prints runs as printed: the bare name when PATH
finds this very script, the path as typed when it does not, `python -m guidelines_tool` for a
module run. Real files and PATH strings, no patched lookups."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from guidelines_tool.cli.invocation import Invocation, invocation


def script(folder: Path, name: str = "guidelines") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\necho run\n")
    path.chmod(0o755)
    return path


def test_on_path_it_is_the_bare_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = script(tmp_path / "bin")
    monkeypatch.chdir(tmp_path)
    found = invocation(str(exe), path=str(tmp_path / "bin"))
    assert found == Invocation(("guidelines",), on_path=True)
    assert found.from_folder(Path("demo")) == "guidelines"


def test_not_on_path_it_is_the_path_as_typed_seen_from_the_folder(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    script(tmp_path / ".venv" / "bin")
    monkeypatch.chdir(tmp_path)
    found = invocation(".venv/bin/guidelines", path="/usr/bin:/bin")
    assert found == Invocation((".venv/bin/guidelines",), on_path=False)
    # `cd guidelines-demo && ...`: a relative path must be relative to where the cd lands
    assert found.from_folder(Path("guidelines-demo")) == "../.venv/bin/guidelines"
    assert found.from_folder(Path("a/b")) == "../../.venv/bin/guidelines"
    # an absolute folder gets an absolute path: no guessing how far up the user is
    assert found.from_folder(tmp_path / "elsewhere") == shlex.quote(str(tmp_path / ".venv/bin/guidelines"))


def test_another_guidelines_on_path_is_not_this_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script(tmp_path / "other")
    mine = script(tmp_path / "venv" / "bin")
    monkeypatch.chdir(tmp_path)
    found = invocation(str(mine), path=str(tmp_path / "other"))
    assert found.argv == (str(mine),) and not found.on_path


def test_a_module_run_is_python_dash_m(tmp_path: Path) -> None:
    main = Path(__file__).resolve().parents[2] / "guidelines_tool" / "__main__.py"
    found = invocation(str(main), path="", executable="/opt/py 3/bin/python3")
    assert found.argv == ("/opt/py 3/bin/python3", "-m", "guidelines_tool")
    assert found.from_folder(Path("demo")) == "'/opt/py 3/bin/python3' -m guidelines_tool"
    python = script(tmp_path / "bin", "python3")
    assert invocation(str(main), path=str(tmp_path / "bin"), executable=str(python)).argv == (
        "python3", "-m", "guidelines_tool")
    # a virtual environment's python links to the system's, which lacks the tool: not "python3"
    venv_python = tmp_path / "venv" / "bin" / "python3"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(python)
    assert invocation(str(main), path=str(tmp_path / "bin"), executable=str(venv_python)).argv == (
        str(venv_python), "-m", "guidelines_tool")


def test_paths_with_spaces_are_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script(tmp_path / "my tools")
    monkeypatch.chdir(tmp_path)
    found = invocation("my tools/guidelines", path="")
    assert found.from_folder(Path("demo")) == "'../my tools/guidelines'"


def test_an_unknown_host_falls_back_to_the_name(tmp_path: Path) -> None:
    # inside another program (a test runner, a notebook) argv[0] is not ours
    assert invocation("/usr/lib/python3/site-packages/pytest/__main__.py", path="").argv == ("guidelines",)
