"""cache.py: the cache changes no answer (warm = cold, rewritten branches, foreign or broken
files), and its fingerprint covers the code the records depend on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guidelines_tool.history import (
    read_history,
)
from tests.gitrepo import (
    RULES,
    commit,
    git,
    rule_yaml,
    tag,
)
from tests.history.answers import revision_keys, snapshot


def test_cache_changes_no_output_and_warm_runs_read_only_new_commits(repo: Path) -> None:
    commit(repo, "broken", {f"{RULES}/r2.yaml": "id: [\n"})
    cold = read_history(repo)
    cache = repo / ".git" / "guidelines-cache"
    assert any(cache.iterdir())
    assert snapshot(read_history(repo)) == snapshot(cold)
    commit(repo, "more", {f"{RULES}/r2.yaml": rule_yaml("R-2"), f"{RULES}/r1.yaml": None})
    calls: list[tuple[int, int]] = []
    warm = read_history(repo, progress=lambda done, total: calls.append((done, total)))
    assert calls and all(total <= 2 for _, total in calls)  # only the new commit and its blob
    assert snapshot(warm) == snapshot(read_history(repo, use_cache=False))
    shutil.rmtree(cache)
    assert snapshot(read_history(repo)) == snapshot(warm)
    for file in cache.iterdir():
        file.write_bytes(b"garbage")
    assert snapshot(read_history(repo)) == snapshot(warm)
    assert "guidelines-cache" not in git(repo, "status", "--porcelain", "--ignored")


def test_the_cache_is_in_the_folder_git_cache_dir_names(repo: Path) -> None:
    """Git.cache_dir() (which the language server's impact cache also uses) is where read_history
    writes, in the git directory, shared by the work trees of one repository."""
    from guidelines_tool.history import Git

    read_history(repo)
    assert Git(repo).cache_dir() == (repo / ".git" / "guidelines-cache").resolve()
    assert any(Git(repo).cache_dir().glob("history-*.pickle"))
    git(repo, "worktree", "add", "-q", str(repo.parent / "other"))
    assert Git(repo.parent / "other").cache_dir() == Git(repo).cache_dir()


def test_cache_rebuilds_after_history_is_rewritten(repo: Path) -> None:
    commit(repo, "edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="One.")})
    read_history(repo)
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    commit(repo, "other edit", {f"{RULES}/r1.yaml": rule_yaml("R-1", rationale="Two.")})
    history = read_history(repo)
    assert snapshot(history) == snapshot(read_history(repo, use_cache=False))
    assert history.rules_at(history.tip.sha)["R-1"].rationale == "Two."


def test_cache_written_by_other_code_is_ignored(repo: Path) -> None:
    import pickle

    read_history(repo)
    (cache_file,) = (repo / ".git" / "guidelines-cache").glob("history-*.pickle")
    reader = pickle.Unpickler(cache_file.open("rb"))
    reader.load()  # the code fingerprint
    walk, blobs = reader.load(), reader.load()
    walk.revisions.clear()  # what a stale loader's cache could hold
    cache_file.write_bytes(pickle.dumps("some older code") + pickle.dumps(walk) + pickle.dumps(blobs))
    assert read_history(repo).revisions
    cache_file.write_bytes(cache_file.read_bytes()[:100])  # a truncated file
    assert read_history(repo).revisions


def test_the_cache_fingerprint_covers_every_module_the_records_depend_on() -> None:
    """The files hashed are found from the import statements (a regular expression, for
    speed): an independent reading with `ast` of every file found, imports inside functions
    included, names no guidelines_tool module that is not in the list."""
    import ast

    import guidelines_tool
    from guidelines_tool.history.cache import code_modules

    top = Path(guidelines_tool.__file__).parent
    found = set(code_modules(top / "history"))
    loading = {top / "loading" / name for name in ("__init__.py", "reader.py", "records.py", "files.py", "positions.py")}
    assert loading | {top / "model.py", top / "diffing.py"} <= found
    assert set((top / "history").glob("*.py")) <= found
    for path in found:
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("guidelines_tool"):
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names if alias.name.startswith("guidelines_tool")]
            else:
                continue
            for name in names:
                where = top.parent.joinpath(*name.split("."))
                for module in (where.with_suffix(".py"), where / "__init__.py"):
                    assert not module.is_file() or module in found, (path, name)


def test_the_cache_fingerprint_is_the_same_from_any_folder(tmp_path: Path, monkeypatch) -> None:
    """A command run in the project's folder and one run elsewhere share the cache."""
    from guidelines_tool.history.cache import code_fingerprint

    here = code_fingerprint.__wrapped__()
    monkeypatch.chdir(tmp_path)
    assert code_fingerprint.__wrapped__() == here


@pytest.mark.parametrize("rewrite", ["amend", "reset-and-new", "reset-back", "new-root", "tag-to-tree"])
def test_a_rewritten_branch_between_two_runs_gives_the_cold_answer(repo: Path, rewrite: str) -> None:
    commit(repo, "add R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2")})
    tag(repo, "v1.0.0")
    commit(repo, "edit R-2", {f"{RULES}/r2.yaml": rule_yaml("R-2", rationale="First.")})
    first = read_history(repo)  # fills the cache
    assert len(first.commits) == 3
    if rewrite == "amend":
        (repo / RULES / "r2.yaml").write_text(rule_yaml("R-2", rationale="Amended."), encoding="utf-8")
        git(repo, "commit", "-q", "-a", "--amend", "-m", "edit R-2, amended")
    elif rewrite == "reset-and-new":
        git(repo, "reset", "-q", "--hard", "HEAD~2")
        git(repo, "tag", "-d", "v1.0.0")
        commit(repo, "something else", {f"{RULES}/r3.yaml": rule_yaml("R-3")})
    elif rewrite == "reset-back":
        git(repo, "reset", "-q", "--hard", "HEAD~1")
    elif rewrite == "new-root":  # every commit squashed into a new root with the same tree
        git(repo, "reset", "-q", "--soft", git(repo, "rev-list", "--max-parents=0", "HEAD").strip())
        git(repo, "commit", "-q", "--amend", "-m", "squashed")
    else:
        git(repo, "tag", "-f", "v1.0.0", "HEAD^{tree}")
    warm = read_history(repo)
    cold = read_history(repo, use_cache=False)
    assert revision_keys(warm) == revision_keys(cold)
    assert revision_keys(read_history(repo)) == revision_keys(cold)
    expected = {"amend": 3, "reset-and-new": 2, "reset-back": 2, "new-root": 1, "tag-to-tree": 3}[rewrite]
    assert len(cold.commits) == expected
    if rewrite == "amend":
        assert cold.rules_at(cold.tip.sha)["R-2"].rationale == "Amended."
    if rewrite == "reset-and-new":
        assert sorted(cold.revisions) == ["R-1", "R-3"]
