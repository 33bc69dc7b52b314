"""Fixtures shared by the whole suite: real git repositories with fixed dates, and a small valid
guideline project. Fixtures for one area live beside its tests (tests/docs/conftest.py).

    def test_x(make_repo, guideline_project):
        repo = make_repo("repo", {"guidelines.yaml": CONFIG})       # a GitRepo under tmp_path
        sha = repo.commit("add rule", {"guidelines/t/rules/a.yaml": TEXT})
        repo.commit("drop it", {"guidelines/t/rules/a.yaml": None})  # None deletes
        root = guideline_project(files={"guidelines/pps/rules/PPS-002.yaml": RULE})

Tests that keep a repository as a plain Path use the session-scoped `gitkit` instead
(`gitkit.commit(repo, "msg", files)`, `gitkit.rule_yaml("R-1")`, `gitkit.run_cli("log")`, ...);
`write_project(root, files)` is guideline_project for module- or session-scoped fixtures.

Commit n (0-based) of a repository is dated 2026-01-01T00:00:00Z + n hours unless `date` is
given, for author and committer alike, so history output is the same on every run.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli

BASE_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)


class GitRepo:
    """A real git repository (never a mock): each method runs git in it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run git here and return its stdout (raises CalledProcessError on failure)."""
        # no system or user config: the machine's settings (signing, hooks, default branch) stay out
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.path), **(env or {})}
        done = subprocess.run(["git", *args], cwd=self.path, env=full_env, check=True, capture_output=True, text=True)
        return done.stdout

    def write(self, files: dict[str, str | None]) -> None:
        """Write (or, for None, delete) files in the work tree."""
        for rel, text in files.items():
            target = self.path / rel
            if text is None:
                if target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def commit(self, message: str, files: dict[str, str | None] | None = None, *, date: datetime | None = None,
               author: str | None = None, allow_empty: bool = False) -> str:
        """Write `files`, stage everything, commit with a fixed date; returns the new sha."""
        self.write(files or {})
        self.git("add", "-A")
        env = _date_env(date or self._next_date())
        if author:
            env |= {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.lower().replace(' ', '.')}@example.com"}
        self.git("commit", "-q", "-m", message, *(["--allow-empty"] if allow_empty else []), env=env)
        return self.head()

    def merge(self, branch: str, message: str, *, date: datetime | None = None) -> str:
        """Merge `branch` into the current branch with a merge commit (--no-ff)."""
        self.git("merge", "-q", "--no-ff", "-m", message, branch, env=_date_env(date or self._next_date()))
        return self.head()

    def tag(self, name: str, rev: str = "HEAD", *, message: str | None = None) -> None:
        """A lightweight tag, or an annotated one when `message` is given."""
        if message is None:
            self.git("tag", name, rev)
        else:
            self.git("tag", "-a", name, "-m", message, rev, env=_date_env(BASE_DATE))

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def _next_date(self) -> datetime:
        try:
            count = int(self.git("rev-list", "--all", "--count").strip() or 0)
        except subprocess.CalledProcessError:  # no commit yet
            count = 0
        return BASE_DATE + timedelta(hours=count)


def _date_env(date: datetime) -> dict[str, str]:
    stamp = date.isoformat()
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    """make_repo(path="repo", files=None, *, branch="main") → a new GitRepo (relative paths are
    under tmp_path; with `files`, a first commit holds them)."""

    def make(path: Path | str = "repo", files: dict[str, str | None] | None = None, *, branch: str = "main") -> GitRepo:
        repo = GitRepo(tmp_path / path)
        repo.path.mkdir(parents=True, exist_ok=True)
        repo.git("init", "-q", "-b", branch)
        for key, value in (("user.name", "Test Lead"), ("user.email", "lead@example.com"),
                           ("commit.gpgsign", "false"), ("tag.gpgsign", "false")):
            repo.git("config", key, value)
        if files:
            repo.commit("initial guidelines", files)
        return repo

    return make


# --- a small valid guideline project ------------------------------------------------------------

PROJECT = "kind: project\nname: Test guidelines\n"
TASK = """\
kind: task
id: pps
title: Primary subject of product photos
labels:
  - {id: product, name: Product}
  - {id: person, name: Person}
  - {id: packaging, name: Packaging}
"""
RULE = """\
kind: rule
id: PPS-001
task: pps
title: The product wins
labels: [product, person]
decision: product
when: Both are in focus.
examples:
  - {input: Model holds a bag, label: product}
"""
BASE_PROJECT = {
    "guidelines.yaml": PROJECT,
    "guidelines/pps/task.yaml": TASK,
    "guidelines/pps/rules/PPS-001.yaml": RULE,
}


def _write_project(root: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    for rel, content in {**BASE_PROJECT, **(files or {})}.items():
        if content is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


@pytest.fixture
def guideline_project(tmp_path: Path) -> Callable[..., Path]:
    """guideline_project(root=tmp_path, files=None) → root, holding a valid project (task `pps`,
    labels product / person / packaging, rule PPS-001) with `files` (path → text or bytes)
    replacing or adding files; None removes a base file."""

    def write(root: Path | None = None, files: dict[str, str | bytes | None] | None = None) -> Path:
        return _write_project(tmp_path if root is None else root, files)

    return write


@pytest.fixture(scope="session")
def write_project() -> Callable[..., Path]:
    """write_project(root, files=None): guideline_project without the default root, for fixtures
    scoped to a module or the session (which build under tmp_path_factory)."""
    return _write_project


@pytest.fixture
def base_rule() -> str:
    """The text of the base project's rule PPS-001 (for tests that derive other rules from it)."""
    return RULE


# --- git repositories as plain paths, and guideline texts: the `gitkit` fixture ------------------
# For tests that keep a repository as a Path (`gitkit.commit(repo, "msg", files)`) rather than a
# GitRepo; the same fixed dates and the same isolation from the machine's git config.


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in `repo` and return its stdout (raises CalledProcessError on failure)."""
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), **(env or {})}
    return subprocess.run(["git", *args], cwd=repo, env=full_env, check=True, capture_output=True, text=True).stdout


def _make_repo_at(path: Path, files: dict[str, str] | None = None, *, branch: str = "main") -> Path:
    """A new repository at `path` (with a first commit of `files` when given)."""
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "-q", "-b", branch)
    for key, value in (("user.name", "Test Lead"), ("user.email", "lead@example.com"),
                       ("commit.gpgsign", "false"), ("tag.gpgsign", "false")):
        _git(path, "config", key, value)
    if files:
        _commit(path, "initial guidelines", files)
    return path


def _write(repo: Path, files: dict[str, str | None]) -> None:
    """Write (or, for None, delete) files in the work tree."""
    GitRepo(repo).write(files)


def _next_date(repo: Path) -> datetime:
    return GitRepo(repo)._next_date()


def _commit(repo: Path, message: str, files: dict[str, str | None] | None = None, *, date: datetime | None = None,
            author: str | None = None, allow_empty: bool = False) -> str:
    """Write `files`, stage everything, commit with a fixed date; returns the new sha."""
    _write(repo, files or {})
    _git(repo, "add", "-A")
    env = _date_env(date or _next_date(repo))
    if author:
        env |= {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.lower().replace(' ', '.')}@example.com"}
    _git(repo, "commit", "-q", "-m", message, *(["--allow-empty"] if allow_empty else []), env=env)
    return _git(repo, "rev-parse", "HEAD").strip()


def _merge(repo: Path, branch: str, message: str, *, date: datetime | None = None) -> str:
    """Merge `branch` into the current branch with a merge commit (--no-ff)."""
    _git(repo, "merge", "-q", "--no-ff", "-m", message, branch, env=_date_env(date or _next_date(repo)))
    return _git(repo, "rev-parse", "HEAD").strip()


def _tag(repo: Path, name: str, rev: str = "HEAD", *, message: str | None = None) -> None:
    """A lightweight tag, or an annotated one when `message` is given."""
    if message is None:
        _git(repo, "tag", name, rev)
    else:
        _git(repo, "tag", "-a", name, "-m", message, rev, env=_date_env(BASE_DATE))


GIT_CONFIG = "kind: project\nname: Test guidelines\nbranch: main\nrelease_tag_prefix: v\n"
GIT_RULES = "guidelines/t/rules"  # the one-task project's rule folder
GIT_TASK = "guidelines/t/task.yaml"


def _task_yaml(task_id: str = "t", labels: tuple[str, ...] = ("a", "b"), *, scale: str = "nominal",
               inline: str = "") -> str:
    """A task file; `inline` is appended as-is (a `rules:` block)."""
    items = "".join(f"  - {{id: {label}, name: {label.upper()}}}\n" for label in labels)
    return f"kind: task\nid: {task_id}\ntitle: Task {task_id}\nscale: {scale}\nlabels:\n{items}{inline}"


def _rule_yaml(rule_id: str, task: str = "t", *, when: str = "Both are visible.", decision: str = "a",
               status: str = "active", rationale: str = "Because.", extra: str = "") -> str:
    """A rule file (kind: rule) with the fields tests usually vary."""
    return (
        f"kind: rule\nid: {rule_id}\ntask: {task}\ntitle: Rule {rule_id}\nstatus: {status}\n"
        f"labels: [a, b]\ndecision: {decision}\nwhen: {when}\nrationale: {rationale}\n{extra}"
    )


def _inline_rules(*rule_texts: str) -> str:
    """Rule file texts turned into a task file's inline `rules:` block (same content)."""
    block = ["rules:"]
    for text in rule_texts:
        lines = [line for line in text.splitlines() if line and line != "kind: rule"]
        block.append("  - " + lines[0])
        block += ["    " + line for line in lines[1:]]
    return "\n".join(block) + "\n"


def _one_rule_repo(path: Path) -> Path:
    """The smallest project with history: task t (labels a, b) and rule R-1, in one commit."""
    return _make_repo_at(path, {"guidelines.yaml": GIT_CONFIG, GIT_TASK: _task_yaml(),
                                f"{GIT_RULES}/r1.yaml": _rule_yaml("R-1")})


def _run_cli(*args: str) -> tuple[int, str, str]:
    """`guidelines ARGS` in-process: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


GITKIT = SimpleNamespace(
    git=_git, make_repo=_make_repo_at, write=_write, commit=_commit, merge=_merge, tag=_tag,
    task_yaml=_task_yaml, rule_yaml=_rule_yaml, inline_rules=_inline_rules, one_rule_repo=_one_rule_repo,
    run_cli=_run_cli, BASE_DATE=BASE_DATE, CONFIG=GIT_CONFIG, RULES=GIT_RULES, TASK=GIT_TASK,
)


@pytest.fixture(scope="session")
def gitkit() -> SimpleNamespace:
    """Helpers on repositories kept as paths: git(repo, *args), make_repo(path, files), write,
    commit(repo, message, files, date=, author=, allow_empty=), merge, tag; the texts task_yaml(),
    rule_yaml(id, ...), inline_rules(*texts), one_rule_repo(path); run_cli(*args) → (code, out, err);
    the constants BASE_DATE, CONFIG (project file), RULES (task t's rule folder), TASK (its task file).
    Session-scoped, so module-scoped builds can use it."""
    return GITKIT


@pytest.fixture
def one_rule_repo_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """gitkit.one_rule_repo (task t, rule R-1, one commit) under tmp_path, as the current folder."""
    repo = _one_rule_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    return repo
