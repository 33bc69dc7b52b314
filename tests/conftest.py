"""Fixtures shared by the whole suite: real git repositories with fixed dates, and a small valid
guideline project. Fixtures for one area live beside its tests (tests/docs/conftest.py).

    def test_x(make_repo, guideline_project):
        repo = make_repo("repo", {"guidelines.yaml": CONFIG})       # a GitRepo under tmp_path
        sha = repo.commit("add rule", {"guidelines/t/rules/a.yaml": TEXT})
        repo.commit("drop it", {"guidelines/t/rules/a.yaml": None})  # None deletes
        root = guideline_project(files={"guidelines/pps/rules/PPS-002.yaml": RULE})

Commit n (0-based) of a repository is dated 2026-01-01T00:00:00Z + n hours unless `date` is
given, for author and committer alike, so history output is the same on every run.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

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


@pytest.fixture
def guideline_project(tmp_path: Path) -> Callable[..., Path]:
    """guideline_project(root=tmp_path, files=None) → root, holding a valid project (task `pps`,
    labels product / person / packaging, rule PPS-001) with `files` (path → text or bytes)
    replacing or adding files; None removes a base file."""

    def write(root: Path | None = None, files: dict[str, str | bytes | None] | None = None) -> Path:
        root = tmp_path if root is None else root
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

    return write
