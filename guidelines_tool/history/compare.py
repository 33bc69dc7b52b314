"""Two states of the rules compared, a revision's tree read, a release tagged.

`read_tree` reads the guideline folder at any revision git can name (where the project was
then, with the folder that revision's config names); `compare` diffs two revisions, or a
revision and the working tree, reading only the two trees (so it works in shallow clones);
`create_tag` tags a release after checking the tree is clean and HEAD is the line's tip;
`read_files_at` reads other project files (example images) as they were at a commit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from guidelines_tool.diffing import RuleDiff, diff_rules, parse_version
from guidelines_tool.errors import HistoryError
from guidelines_tool.history.blobs import configured_folder, parse_blob
from guidelines_tool.history.git import Git, annotated_tag
from guidelines_tool.history.records import tag_of_no_commit
from guidelines_tool.history.relocate import CONFIG_FILE, join_path, project_prefix_at
from guidelines_tool.history.walk import Walk, folder_in, guideline_folder
from guidelines_tool.loading import LOADING_CODES
from guidelines_tool.model import Finding, Rule, Task
from guidelines_tool.project import load_project, read_config


def unknown_revision_message(git_: Git, rev: str, tag_prefix: str) -> str:
    """Why `rev` names no commit: a tag of a tree or a blob says so, anything else is unknown."""
    objects = git_.tag_objects()
    for name in (rev, tag_prefix + rev):
        sha, kind = objects.get(name, ("", "commit"))
        if kind != "commit":
            return tag_of_no_commit(name, sha, kind)
    return f"unknown revision '{rev}' (not a commit, branch, tag or release version)"


def read_tree(root: Path, rev: str) -> tuple[dict[str, Rule], dict[str, Task], list[Finding]]:
    """The rules and tasks of the guideline folder at any revision git can name."""
    config, _ = read_config(root)
    git_ = Git(root)
    if git_.rev_parse("HEAD") is None:
        raise HistoryError("the git repository has no commits yet: commit the guidelines first")
    sha = git_.rev_parse(rev)
    if sha is None and parse_version(config.release_tag_prefix + rev, config.release_tag_prefix):
        sha = git_.rev_parse(f"refs/tags/{config.release_tag_prefix}{rev}")  # `1.2.0` for tag v1.2.0
    if sha is None:
        raise HistoryError(unknown_revision_message(git_, rev, config.release_tag_prefix))
    # Where the project was at that revision (it may have moved since), and the folder that
    # revision's own config names (the config may have changed it since).
    prefix = project_prefix_at(git_, sha)
    walk = Walk(folder_in(prefix, config.guidelines), prefix)
    config_path = join_path(prefix, CONFIG_FILE)
    config_blob = git_.tree_blobs(sha, config_path).get(config_path)
    if config_blob:
        named = configured_folder(git_.read_blobs([config_blob]).get(config_blob, b""))
        if named is not None:  # a version that does not parse names nothing: keep today's folder
            walk.folder = folder_in(prefix, named)
    files = {path: blob for path, blob in git_.tree_blobs(sha, walk.folder).items() if walk.wanted(path)}
    contents = git_.read_blobs(sorted(set(files.values())))
    rules: dict[str, Rule] = {}
    tasks: dict[str, Task] = {}
    problems: list[Finding] = []
    for path in sorted(files):
        parsed = parse_blob(contents.get(files[path], b""), walk.project_path(path))
        problems.extend(parsed.findings if not parsed.ok else ())
        for version in parsed.rules:
            if version.id not in rules:
                rules[version.id] = version.rule()
        for task in parsed.tasks:
            tasks.setdefault(task.id, task)
    return rules, tasks, problems



@dataclass(frozen=True)
class Comparison:
    """A rule-level diff between two revisions (or a revision and the working tree)."""

    old_label: str
    new_label: str
    diff: RuleDiff
    problems: tuple[Finding, ...] = ()


def compare(root: Path, old: str | None = None, new: str | None = None) -> Comparison:
    """Diff the rules at revision `old` (default HEAD) against `new` (default: the working tree).

    Reads only the two trees, so it works in shallow clones too.
    """
    old_rules, old_tasks, problems = read_tree(root, old or "HEAD")
    if new is None:
        project = load_project(root)
        new_rules: dict[str, Rule] = {}
        for rule in project.rules:
            new_rules.setdefault(rule.id, rule)
        new_tasks = dict(project.tasks)
        # Every file-level problem (not UTF-8, alias bomb, ... not only YAML syntax): a file
        # that could not be read makes its rules look removed, and this says why.
        new_problems = [f for f in project.load_findings if f.code in LOADING_CODES]
    else:
        new_rules, new_tasks, new_problems = read_tree(root, new)
    diff = diff_rules(old_rules, new_rules, old_tasks, new_tasks)
    # Both sides may hold the same broken file: say which one each warning is about.
    labelled = [dataclasses.replace(f, message=f"at {old or 'HEAD'}: {f.message}") for f in problems] + [
        dataclasses.replace(f, message=f"{f'at {new}' if new else 'in the working tree'}: {f.message}")
        for f in new_problems
    ]
    return Comparison(old or "HEAD", new or "working tree", diff, tuple(labelled))


def create_tag(root: Path, name: str, sha: str, message: str) -> None:
    """Create annotated tag `name` on `sha`; refuses on a dirty tree or when HEAD is elsewhere."""
    config, _ = read_config(root)
    git_ = Git(root)
    if git_.is_dirty(guideline_folder(git_, config.guidelines)):
        raise HistoryError(
            "the working tree has uncommitted changes: commit or stash them before releasing"
        )
    head = git_.rev_parse("HEAD")
    if head != sha:
        raise HistoryError(
            f"HEAD ({(head or '?')[:7]}) is not the tip of the release line ({sha[:7]}): "
            "check out the release branch first"
        )
    annotated_tag(root, name, sha, message)



def read_files_at(root: Path, sha: str, paths: Iterable[str]) -> dict[str, bytes]:
    """Contents of project files (paths relative to `root`, posix) as they stood at commit `sha`.

    For release builds of the docs site: an example's image is shown as it was in that release.
    Files absent at `sha` are left out; symlinks are followed inside the tree, as `tree_blobs` does."""
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    git_ = Git(root)
    tree = git_.tree_blobs(sha, git_.prefix)
    full = {path: f"{git_.prefix}/{path}" if git_.prefix else path for path in wanted}
    blobs = git_.read_blobs({tree[name] for name in full.values() if name in tree})
    return {path: blobs[tree[name]] for path, name in full.items() if name in tree and tree[name] in blobs}
