"""`publish label-studio` / `pull label-studio` where no Label Studio server is needed: what
they refuse before connecting, a server that is down, the SDK missing, the dry run of a new
project. The round trip with a real server is tests/integrations/test_label_studio_roundtrip.py."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from guidelines_tool.cli import cli


@pytest.fixture
def repo(make_repo, guideline_project, monkeypatch):
    """The small valid project, committed, as the working folder."""
    repo = make_repo("g")
    guideline_project(repo.path)
    repo.commit("initial guidelines")
    monkeypatch.chdir(repo.path)
    return repo


def run(args, token="0123456789abcdef", **env):
    return CliRunner().invoke(cli, args, env={"LABEL_STUDIO_API_KEY": token, "LABEL_STUDIO_URL": None, **env})


def dead_url() -> str:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_dry_run_of_a_new_project_needs_no_server_and_writes_nothing(repo):
    result = run(["publish", "label-studio", "--task", "pps", "--create", "New", "--dry-run",
                  "--url", dead_url(), "--data-type", "image"], token="")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<!-- labeling config for new project 'New' at http://127.0.0.1:")
    assert '<Image name="image" value="$image" />' in result.stdout
    assert '<Choice value="Packaging" alias="packaging" hotkey="a" />' in result.stdout
    assert f"commit {repo.head()[:12]}" in result.stdout and "<h2>PPS-001" in result.stdout
    assert "dry run: nothing written" in result.stderr and "no site_url" not in result.stderr
    assert "mkdocs.yml" in result.stderr  # there is none: the note says the links are missing
    assert not (repo.path / ".guidelines").exists()


def test_uncommitted_guidelines_are_not_pushed(repo):
    rule = repo.path / "guidelines/pps/rules/PPS-001.yaml"
    rule.write_text(rule.read_text().replace("The product wins", "The product wins, mostly"))
    result = run(["publish", "label-studio", "--task", "pps", "--project", "3", "--url", dead_url()])
    assert result.exit_code == 2
    assert "uncommitted changes to the guidelines (guidelines/pps/rules/PPS-001.yaml)" in result.stderr
    dry = run(["publish", "label-studio", "--task", "pps", "--create", "x", "--dry-run"], token="")
    assert dry.exit_code == 0 and "a push would be refused" in dry.stderr
    assert "The product wins, mostly" in dry.stdout  # the dry run shows the work tree


def test_a_commit_of_broken_guidelines_is_not_pushed(repo):
    repo.commit("break it", {"guidelines/pps/task.yaml": "kind: task\nid: pps\nlabels: 3\n"})
    result = run(["publish", "label-studio", "--task", "pps", "--create", "x", "--dry-run"], token="")
    assert result.exit_code == 2 and "the guidelines do not validate (6 errors: " in result.stderr
    assert "fix them (`guidelines validate`) before pushing" in result.stderr


def test_publish_needs_one_target_and_a_known_task(repo):
    neither = run(["publish", "label-studio", "--task", "pps"])
    assert neither.exit_code == 2 and "either --project ID or --create TITLE" in neither.stderr
    both = run(["publish", "label-studio", "--task", "pps", "--project", "1", "--create", "x"])
    assert both.exit_code == 2
    unknown = run(["publish", "label-studio", "--task", "nope", "--create", "x", "--dry-run"])
    assert unknown.exit_code == 2 and "no task 'nope' in the guidelines (tasks: pps)" in unknown.stderr


@pytest.mark.parametrize("command", [
    ["pull", "label-studio", "--project", "3"],
    ["publish", "label-studio", "--task", "pps", "--project", "3"],
])
def test_a_server_that_is_down_is_said_to_be(repo, command):
    url = dead_url()
    result = run(command + ["--url", url])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert f"error: cannot reach Label Studio at {url}" in result.stderr and "is the server running" in result.stderr


@pytest.mark.parametrize("url, example", [
    ("127.0.0.1:8080", "like http://127.0.0.1:8080,"), ("localhost:8080", "like http://localhost:8080,"),
    ("ftp://127.0.0.1:8080", "like http://localhost:8080,"),
])
def test_an_address_that_is_not_http_is_said_to_be(repo, url, example):
    result = run(["pull", "label-studio", "--project", "3", "--url", url])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "must be the http:// or https:// address of the Label Studio server" in result.stderr
    assert example in result.stderr


@pytest.fixture
def web_server():
    """A real HTTP server that is not Label Studio (a folder served as files), on 127.0.0.1."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=os.devnull))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("command", [
    ["pull", "label-studio", "--project", "3"],
    ["publish", "label-studio", "--task", "pps", "--project", "3"],
    ["publish", "label-studio", "--task", "pps", "--create", "New"],
])
def test_a_server_that_is_not_label_studio_is_said_to_be(repo, web_server, command):
    result = run(command + ["--url", web_server + "/projects/3/"])
    assert result.exit_code == 2 and "Traceback" not in result.stderr and "<html" not in result.stderr.lower()
    assert f"{web_server}/projects/3 answered " in result.stderr and "not Label Studio's API" in result.stderr
    assert f"(perhaps {web_server})?" in result.stderr
    assert not (repo.path / ".guidelines").exists()


def test_no_token_is_said_to_be(repo):
    result = run(["pull", "label-studio", "--project", "3", "--url", dead_url()], token="")
    assert result.exit_code == 2 and "LABEL_STUDIO_API_KEY is not set" in result.stderr
    assert "personal access token" in result.stderr


def test_an_output_format_pull_cannot_write_fails_first(repo):
    result = run(["pull", "label-studio", "--project", "3", "--url", dead_url(), "-o", "out.xlsx"])
    assert result.exit_code == 2 and "out.xlsx: cannot tell the format from '.xlsx'" in result.stderr


def test_without_the_sdk_the_command_says_what_to_install(repo):
    script = ("import sys; sys.modules['label_studio_sdk'] = None; sys.argv = ['guidelines', 'pull', "
              "'label-studio', '--project', '1']; from guidelines_tool.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=repo.path,
                          env={**os.environ, "LABEL_STUDIO_API_KEY": "x"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "need the Label Studio SDK, which is an optional extra" in done.stderr
    command = shlex.split(done.stderr.splitlines()[-1])
    assert command[:4] == [sys.executable, "-m", "pip", "install"] and len(command) == 5
    requirement = Requirement(command[4])  # as the installed metadata spells it: order varies
    assert requirement.name == "label-studio-sdk" and requirement.specifier == SpecifierSet(">=2.1,<3")
