"""A project that moved: its config in another folder earlier on the line.

Rule identity is the rule id, so history follows the project when its whole folder moves
(the guidelines project moved from the repository top into `annotation/`). The config's
location along the line is found by the same rename detection as everything else: walking
back from the tip, a commit that renamed `X/guidelines.yaml` to the current config (or
deleted one and added the other) moved the project from X. Changes of the commits before
such a move are rewritten into the tip's layout (`X/<rel>` → `<tip prefix>/<rel>`; paths
outside X were not part of the project then and are dropped), so the replay sees one project
that always lived where it lives now, and a pure move of the whole project changes nothing.
A move may also take two commits: the project copied to its new folder in one, the old copy
deleted in a later one (see `_copied_from`).
"""

from __future__ import annotations

import dataclasses
import posixpath
from typing import Callable

from guidelines_tool.history.git import Git
from guidelines_tool.history.records import YAML_SUFFIXES, Commit, FileChange, LogEntry
from guidelines_tool.loading import parse_file_text

CONFIG_FILE = "guidelines.yaml"


def _is_config(path: str | None) -> bool:
    """Is `path` (relative to the top) some folder's project config file?"""
    return path is not None and path.endswith(CONFIG_FILE) and posixpath.basename(path) == CONFIG_FILE


def _under(path: str | None, prefix: str) -> str | None:
    """`path` relative to `prefix` ("" = the top), or None when it lies outside."""
    if path is None or not prefix:
        return path
    return path[len(prefix) + 1:] if path.startswith(prefix + "/") else None


def join_path(prefix: str, rel: str) -> str:
    return f"{prefix}/{rel}" if prefix else rel


def _config_source(change: FileChange, changes: tuple[FileChange, ...]) -> str | None:
    """The folder the config came from when `change` brought it to its place (None: nowhere)."""
    if change.status == "R" and _is_config(change.old_path):
        return posixpath.dirname(change.old_path)
    if change.status == "A":  # rename detection missed it (edited a lot on the way)
        gone = [c.old_path for c in changes if c.status == "D" and _is_config(c.old_path)]
        if len(gone) == 1:
            return posixpath.dirname(gone[0])
    return None


def relocate_project(
    tip_prefix: str, entries: list[LogEntry], list_tree: Callable[[str, str], dict[str, str]] | None = None,
    *, start: str | None = None,
) -> dict[int, tuple[str, str]]:
    """Rewrite, in place, the entries from before the project's folder moves into the tip's
    layout. Returns entry index → (project folder before, after) for every rewritten entry.

    Walking back from the last entry, a commit moved the project into the folder it is in
    after that commit when it brought the config there from folder X: a rename of
    `X/guidelines.yaml`, a delete of it plus an add in the same commit (`_config_source`), or,
    with `list_tree`, a copy whose original was deleted later on the line (`_copy_source`).

    With `list_tree(rev, folder) -> {path: blob}` (`Git.tree_blobs`), a move commit's changes
    become the project's YAML files before (removed) and after (added): a file left behind at
    the old place leaves the project, as it does on disk, instead of staying in it as a ghost.
    `start` is where the config is after the last entry when that is not `tip_prefix` (the
    layout everything is rewritten into: where the project is checked out).
    """
    current = tip_prefix if start is None else start
    located: dict[int, tuple[str, str]] = {}
    deleted_next: dict[str, bool] = {}  # folder → does the next add/rename/delete of its config delete it
    for i in range(len(entries) - 1, -1, -1):
        after = current
        config = join_path(current, CONFIG_FILE)
        for change in entries[i].changes:
            if change.new_path == config and change.status in "RA":
                source = _config_source(change, entries[i].changes)
                if list_tree is not None:
                    source = _copy_source(entries[i], current, source, deleted_next, list_tree)
                if source is not None:
                    current = source
                break
        _note_config_changes(entries[i].changes, deleted_next)
        if (current, after) != (tip_prefix, tip_prefix):
            located[i] = (current, after)
    for i, (before, after) in located.items():
        changes = entries[i].changes
        parents = entries[i].commit.parents
        if before != after and list_tree is not None and parents:
            old_files = list_tree(parents[0], before)
            new_files = list_tree(entries[i].commit.sha, after)
            changes = tuple(
                [FileChange("D", path, None, blob, None) for path, blob in sorted(old_files.items())
                 if path.endswith(YAML_SUFFIXES)]
                + [FileChange("A", None, path, None, blob) for path, blob in sorted(new_files.items())
                   if path.endswith(YAML_SUFFIXES)]
            )
        entries[i] = dataclasses.replace(entries[i], changes=_relocated(changes, before, after, tip_prefix))
    return located


def _note_config_changes(changes: tuple[FileChange, ...], deleted_next: dict[str, bool]) -> None:
    """Record, for each folder whose config `changes` add, rename or delete, whether that was
    a delete. The walk goes backwards, so the map holds, per folder, whether the next such
    change after the current commit deletes its config. Edits are not counted (both copies may
    be edited before the old one goes); a rename away is no delete: the project lives on
    elsewhere (a copy kept, not a move)."""
    for change in changes:
        if change.status in "MT":  # most changes: decided without looking at the paths
            continue
        for path in (change.old_path, change.new_path):
            if _is_config(path):
                deleted_next[posixpath.dirname(path)] = change.status == "D"


def deletes_another_config(entries: list[LogEntry], prefix: str) -> bool:
    """Do `entries` delete a config outside the project folder `prefix`?

    For a warm run: when the commits added since the cached tip delete another folder's
    config, a copy of that folder into `prefix` before the cached tip may now be the first
    half of a move (`_copied_from`), which the cached walk did not know: replay in full
    (the parsed blobs stay cached) rather than continue it.
    """
    config = join_path(prefix, CONFIG_FILE)
    return any(change.status == "D" and change.old_path != config
               and _is_config(change.old_path)
               for entry in entries for change in entry.changes)


def _copy_source(entry: LogEntry, folder: str, source: str | None, deleted_next: dict[str, bool],
                 list_tree: Callable[[str, str], dict[str, str]]) -> str | None:
    """Where the config `entry` brought to `folder` came from, given `source`, what the commit
    alone says (`_config_source`: a rename, or a delete + add; None: nowhere).

    Only when some other folder's config is deleted later on the line can it be a copy
    (`_copied_from`); then the folders the commit itself renamed or deleted a config from
    compete with those on the files the project shares with them (a config is a few lines
    two projects may share byte for byte, so git may pair it with the wrong one), and
    `source` stands when none shares enough. Otherwise `source` stands as it is, without
    reading any tree.
    """
    later = [other for other, deleted in deleted_next.items() if deleted and other != folder]
    if not later:
        return source
    now = [posixpath.dirname(c.old_path) for c in entry.changes if c.status in "DR" and _is_config(c.old_path)]
    copied = _copied_from(entry.commit, folder, sorted(set(later) | set(now)), list_tree)
    return copied if copied is not None else source


def _copied_from(commit: Commit, folder: str, candidates: list[str],
                 list_tree: Callable[[str, str], dict[str, str]]) -> str | None:
    """The folder `commit` copied the project in `folder` from, or None (a new project).

    A config added with no source in its commit is a copy, the first half of a move, when
    the parent tree holds a project config in a folder that is deleted later on the line
    (`candidates`, sorted: folders whose config is next added, renamed or deleted by a
    delete; edits of either copy in between do not matter), and more than half of the other
    YAML files (distinct blobs) under `folder` after the commit are byte for byte files of
    that folder before it. The config itself is left out of the count: a move often rewrites
    it, and two projects' configs may be the same few lines. The folder sharing the most
    wins, the first in path order on a tie. (`_copy_source` also lets the folders a commit
    renamed or deleted a config from compete here.)

    Not a move: a project created from scratch (nothing shared), a second project of a
    monorepo beside one retired later (at most a template task file shared), a copy whose
    original is kept or renamed away (no candidate), and a copy edited so heavily in the
    copying commit itself that most of its files differ (it reads as a new project).
    """
    if not candidates or not commit.parents:
        return None
    added = _guideline_blobs(list_tree(commit.sha, folder), folder)
    best, best_shared = None, 0
    for candidate in candidates:
        before = list_tree(commit.parents[0], candidate)
        if join_path(candidate, CONFIG_FILE) not in before:
            continue
        shared = len(added & _guideline_blobs(before, candidate))
        if shared > best_shared:
            best, best_shared = candidate, shared
    return best if 2 * best_shared > len(added) else None


def _guideline_blobs(files: dict[str, str], folder: str) -> set[str]:
    """The distinct blobs of the YAML files in `files` (a `tree_blobs` of `folder`), bar its config."""
    config = join_path(folder, CONFIG_FILE)
    return {blob for path, blob in files.items() if path.endswith(YAML_SUFFIXES) and path != config}


def _relocated(changes: tuple[FileChange, ...], before: str, after: str, tip: str) -> tuple[FileChange, ...]:
    """`changes` with old paths read under `before`, new paths under `after`, both moved under `tip`."""
    moved = []
    for change in changes:
        old_rel, new_rel = _under(change.old_path, before), _under(change.new_path, after)
        moved.append((change, None if old_rel is None else join_path(tip, old_rel),
                      None if new_rel is None else join_path(tip, new_rel)))
    written = {new for _, _, new in moved if new is not None}
    result = []
    for change, old, new in moved:
        if old is not None and old != new and old in written:
            old = None  # another change writes there: the file moved with the project
        if old is None and new is None:
            continue
        if (old, new) == (change.old_path, change.new_path):
            result.append(change)
            continue
        status = "D" if new is None else "A" if old is None else "M" if old == new else "R"
        result.append(FileChange(status, old, new, change.old_blob if old else None,
                                 change.new_blob if new else None, change.new_mode))
    return tuple(result)


def tree_where_it_was(git_: Git, sha: str, folder: str, location: tuple[str, str] | None) -> dict[str, str]:
    """`tree_blobs` of `folder` (tip layout) at `sha`, read where the project was then."""
    if location is None or location[1] == git_.prefix:
        return git_.tree_blobs(sha, folder)
    rel = _under(folder, git_.prefix) if folder else ""
    if rel is None:
        return {}
    there = location[1]
    files = git_.tree_blobs(sha, join_path(there, rel) if rel else there)
    moved = {}
    for path, blob in files.items():
        inside = _under(path, there)
        if inside is not None:
            moved[join_path(git_.prefix, inside)] = blob
    return moved


def project_prefix_at(git_: Git, sha: str) -> str:
    """Where the project's config was at `sha`: the current place, else a project config
    (`kind: project`) named guidelines.yaml elsewhere in that tree (the project moved since).

    With several (a monorepo), the one whose other YAML files share the most blobs with the
    project as checked out (HEAD's tree at the current place) is taken, the first in path
    order on a tie; when none shares any, the current place (nothing is there: all reads new).
    """
    here = join_path(git_.prefix, CONFIG_FILE)
    if git_.tree_blobs(sha, here).get(here):
        return git_.prefix
    configs = {path: blob for path, blob in git_.tree_blobs(sha, "").items()
               if _is_config(path)}
    texts = git_.read_blobs(set(configs.values()))
    projects = sorted(
        posixpath.dirname(path) for path, blob in configs.items()
        if parse_file_text(texts.get(blob, b"").decode("utf-8", errors="replace"), CONFIG_FILE).project is not None
    )
    if len(projects) == 1:
        return projects[0]
    return _most_alike(git_, sha, projects) if projects else git_.prefix


def _most_alike(git_: Git, sha: str, folders: list[str]) -> str:
    """Of project `folders` at `sha`, the one sharing the most YAML blobs with the checked-out
    project (its config left out: see `_guideline_blobs`); the current place when none shares any."""
    head = git_.rev_parse("HEAD")
    if head is None:
        return git_.prefix
    mine = _guideline_blobs(git_.tree_blobs(head, git_.prefix), git_.prefix)
    tree = git_.tree_blobs(sha, "")
    best, best_shared = git_.prefix, 0
    for folder in folders:  # sorted: the first wins a tie
        theirs = _guideline_blobs({p: b for p, b in tree.items() if _under(p, folder) is not None}, folder)
        shared = len(mine & theirs)
        if shared > best_shared:
            best, best_shared = folder, shared
    return best


