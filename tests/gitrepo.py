"""Real git repositories for tests, with fixed dates so output is reproducible.

    repo = make_repo(tmp_path / "repo", {"guidelines.yaml": CONFIG})
    sha = commit(repo, "add rule", {"guidelines/t/rules/a.yaml": TEXT})
    sha = commit(repo, "drop it", {"guidelines/t/rules/a.yaml": None})   # None deletes

Commit n (0-based) of a repository is dated 2026-01-01T00:00:00Z + n hours unless `date` is
given, for author and committer alike.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

BASE_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in `repo` and return its stdout (raises CalledProcessError on failure)."""
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), **(env or {})}
    result = subprocess.run(
        ["git", *args], cwd=repo, env=full_env, check=True, capture_output=True, text=True
    )
    return result.stdout


def make_repo(path: Path, files: dict[str, str] | None = None, *, branch: str = "main") -> Path:
    """A new repository at `path` (with a first commit of `files` when given)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    git(path, "config", "user.name", "Test Lead")
    git(path, "config", "user.email", "lead@example.com")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "config", "tag.gpgsign", "false")
    if files:
        commit(path, "initial guidelines", files)
    return path


def write(repo: Path, files: dict[str, str | None]) -> None:
    """Write (or, for None, delete) files in the work tree."""
    for rel, text in files.items():
        target = repo / rel
        if text is None:
            if target.exists():
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def commit_count(repo: Path) -> int:
    try:
        return int(git(repo, "rev-list", "--all", "--count").strip() or 0)
    except subprocess.CalledProcessError:
        return 0


def date_env(date: datetime) -> dict[str, str]:
    stamp = date.isoformat()
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def commit(
    repo: Path,
    message: str,
    files: dict[str, str | None] | None = None,
    *,
    date: datetime | None = None,
    author: str | None = None,
    allow_empty: bool = False,
) -> str:
    """Write `files`, stage everything, commit with a fixed date; returns the new sha."""
    write(repo, files or {})
    git(repo, "add", "-A")
    when = date or BASE_DATE + timedelta(hours=commit_count(repo))
    env = date_env(when)
    if author:
        env |= {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.lower().replace(' ', '.')}@example.com"}
    args = ["commit", "-q", "-m", message] + (["--allow-empty"] if allow_empty else [])
    git(repo, *args, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def merge(repo: Path, branch: str, message: str, *, date: datetime | None = None) -> str:
    """Merge `branch` into the current branch with a merge commit (--no-ff)."""
    when = date or BASE_DATE + timedelta(hours=commit_count(repo))
    git(repo, "merge", "-q", "--no-ff", "-m", message, branch, env=date_env(when))
    return git(repo, "rev-parse", "HEAD").strip()


def tag(repo: Path, name: str, rev: str = "HEAD", *, message: str | None = None) -> None:
    """A lightweight tag, or an annotated one when `message` is given."""
    if message is None:
        git(repo, "tag", name, rev)
    else:
        git(repo, "tag", "-a", name, "-m", message, rev, env=date_env(BASE_DATE))


# --- guideline file texts, for building repositories quickly ----------------------------------

CONFIG = "kind: project\nname: Test guidelines\nbranch: main\nrelease_tag_prefix: v\n"
RULES = "guidelines/t/rules"  # the one-task project's rule folder
TASK = "guidelines/t/task.yaml"


def task_yaml(task_id: str = "t", labels: tuple[str, ...] = ("a", "b"), *, scale: str = "nominal",
              inline: str = "") -> str:
    """A task file; `inline` is appended as-is (a `rules:` block)."""
    items = "".join(f"  - {{id: {label}, name: {label.upper()}}}\n" for label in labels)
    return f"kind: task\nid: {task_id}\ntitle: Task {task_id}\nscale: {scale}\nlabels:\n{items}{inline}"


def rule_yaml(rule_id: str, task: str = "t", *, when: str = "Both are visible.", decision: str = "a",
              status: str = "active", rationale: str = "Because.", extra: str = "") -> str:
    """A rule file (kind: rule) with the fields tests usually vary."""
    return (
        f"kind: rule\nid: {rule_id}\ntask: {task}\ntitle: Rule {rule_id}\nstatus: {status}\n"
        f"labels: [a, b]\ndecision: {decision}\nwhen: {when}\nrationale: {rationale}\n{extra}"
    )


def inline_rules(*rule_texts: str) -> str:
    """Rule file texts turned into a task file's inline `rules:` block (same content)."""
    block = ["rules:"]
    for text in rule_texts:
        lines = [line for line in text.splitlines() if line and line != "kind: rule"]
        block.append("  - " + lines[0])
        block += ["    " + line for line in lines[1:]]
    return "\n".join(block) + "\n"


def one_rule_repo(path: Path) -> Path:
    """The smallest project with history: task t (labels a, b) and rule R-1, in one commit."""
    return make_repo(path, {"guidelines.yaml": CONFIG, TASK: task_yaml(), f"{RULES}/r1.yaml": rule_yaml("R-1")})


def run_cli(*args: str) -> tuple[int, str, str]:
    """`guidelines ARGS` in-process: exit code, stdout, stderr."""
    from click.testing import CliRunner

    from guidelines_tool.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def repo_in_cwd_fixture(tmp_path: Path, monkeypatch) -> Path:
    """`one_rule_repo` as the current folder (import it as a fixture: see test_history_cli.py)."""
    repo = one_rule_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    return repo
