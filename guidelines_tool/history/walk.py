"""The replay: rule and task versions along the configured branch's first-parent line.

`read_history` reads the line once (`Git.read_ahead`: the log, and each blob as soon as a
commit brings it in, parsed by `blobs.parse_blob`), follows symlinks, a project that moved
(`relocate`) and a guideline folder the config switched, then replays the commits in order:
`Walk.apply` updates the files a commit touched and records, per rule id and task id, what
changed (`records.classify_versions`). A rule's identity is its `id`, so a rule keeps one
history when its file is renamed, when it moves to another file, or between a task file's
inline `rules:` and a file of its own. The replayed walk and the parsed blobs are cached
(`cache.Cache`): a warm run replays only the commits added since.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import operator
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

from guidelines_tool.diffing import classify_task, parse_version
from guidelines_tool.errors import HistoryError
from guidelines_tool.history.blobs import BlobParser, VersionMemo, configured_folder, parse_blob
from guidelines_tool.history.cache import Cache
from guidelines_tool.history.git import SYMLINK_MODE, Git, parse_log, symlink_target
from guidelines_tool.history.records import (
    YAML_SUFFIXES,
    Commit,
    FileChange,
    History,
    LogEntry,
    ParsedBlob,
    Progress,
    RuleRevision,
    RuleVersion,
    TaskRevision,
    classify_versions,
)
from guidelines_tool.history.relocate import (
    tree_where_it_was,
    deletes_another_config,
    project_prefix_at,
    relocate_project,
)
from guidelines_tool.model import Finding, ProjectConfig, Source, Task
from guidelines_tool.project import read_config


def _leave(records: Iterable[Any], path: str, ids: set[str], paths: dict[str, set[str]]) -> None:
    for record in records:
        ids.add(record.id)
        where = paths.get(record.id)
        if where:
            where.discard(path)


def _enter(records: Iterable[Any], path: str, ids: set[str], paths: dict[str, set[str]]) -> None:
    for record in records:
        ids.add(record.id)
        where = paths.get(record.id)
        if where is None:
            paths[record.id] = {path}
        else:
            where.add(path)


class Walk:
    """The state of the guideline files while the line is replayed commit by commit.

    Picklable: it is what the cache stores, so a warm run continues from the cached tip.
    """

    def __init__(self, folder: str, project_prefix: str) -> None:
        self.folder = folder  # guideline folder relative to the repository top ("" = all)
        self.project_prefix = project_prefix  # project root relative to the top
        self.tip: str | None = None
        self.commits: list[Commit] = []
        self.files: dict[str, ParsedBlob] = {}  # project-relative path → last good parse
        self.rule_paths: dict[str, set[str]] = {}
        self.task_paths: dict[str, set[str]] = {}
        self.rules: dict[str, RuleVersion] = {}
        self.tasks: dict[str, Task] = {}
        self.revisions: dict[str, list[RuleRevision]] = {}
        self.task_revisions: dict[str, list[TaskRevision]] = {}
        self.problems: list[Finding] = []
        self.links: dict[str, str] = {}  # symlink → the path it names, both top-relative

    # Pickled as columns: the commits' fields as lists, each revision as a plain tuple (its
    # commit is commits[index]). Records pickle one by one, with a dict of their fields each:
    # on 5,000 commits that was half the time a cold run spent writing the cache.
    _COMMIT_FIELDS = tuple(f.name for f in dataclasses.fields(Commit))
    _REVISION_FIELDS = tuple(f.name for f in dataclasses.fields(RuleRevision) if f.name not in ("rule_id", "commit"))
    _INDEX = _REVISION_FIELDS.index("index")

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        commit_row = operator.itemgetter(*self._COMMIT_FIELDS)
        state["commits"] = list(zip(*[commit_row(c.__dict__) for c in self.commits])) or [()] * len(self._COMMIT_FIELDS)
        row = operator.itemgetter(*self._REVISION_FIELDS)
        state["revisions"] = {rule_id: [row(r.__dict__) for r in revisions]
                              for rule_id, revisions in self.revisions.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # The columns hold the fields in their dataclass order: the constructors take them as they are.
        commits = [Commit(*values) for values in zip(*state["commits"])]
        state["commits"] = commits
        state["revisions"] = {rule_id: [RuleRevision(rule_id, commits[row[self._INDEX]], *row) for row in rows]
                              for rule_id, rows in state["revisions"].items()}
        self.__dict__.update(state)

    def wanted(self, path: str | None, folder: str | None = None) -> bool:
        """Is `path` (relative to the top) a YAML file in the guideline folder (default: the current)?"""
        if not path or not path.endswith(YAML_SUFFIXES):
            return False
        folder = self.folder if folder is None else folder
        return not folder or path.startswith(folder + "/")

    def project_path(self, path: str) -> str:
        """`path` (relative to the top) relative to the project folder, as loading names files
        (`../shared/r.yaml` for a guideline folder beside the project)."""
        prefix = self.project_prefix
        if not prefix:
            return path
        if path.startswith(prefix) and path[len(prefix):len(prefix) + 1] == "/":
            return path[len(prefix) + 1 :]
        return posixpath.relpath(path, prefix)

    def apply(self, entry: LogEntry, blobs: dict[str, ParsedBlob], folder: str | None = None) -> None:
        """Replay one commit: update the files it touched and record what changed per id.

        `folder` is the guideline folder from this commit on when the commit changed it: every
        file of the old folder leaves, and `entry.changes` then lists the new folder's files.
        """
        index = len(self.commits)
        self.commits.append(entry.commit)
        self.tip = entry.commit.sha
        touched: dict[str, ParsedBlob | None] = {}  # path → new parse (None: gone)
        if folder is not None and folder != self.folder:
            self.folder = folder
            touched = dict.fromkeys(self.files)
        files, wanted, project_path = self.files, self.wanted, self.project_path
        for change in entry.changes:
            old_path = project_path(change.old_path) if wanted(change.old_path) else None  # type: ignore[arg-type]
            new_path = project_path(change.new_path) if wanted(change.new_path) else None  # type: ignore[arg-type]
            previous = files.get(old_path) if old_path else None
            if old_path and change.status != "C":
                touched[old_path] = None
            if new_path:
                parsed = blobs.get(change.new_blob) if change.new_blob else None
                if parsed is not None and not parsed.ok:
                    self._problem(entry.commit, new_path, parsed)
                    # Skip the broken version: keep what the file held before.
                    previous = files.get(new_path) or previous
                    parsed = _repath(previous, new_path) if previous else None
                elif parsed is not None and parsed.path != new_path:
                    parsed = _repath(parsed, new_path)
                touched[new_path] = parsed
        if not touched:
            return
        rule_ids: set[str] = set()
        task_ids: set[str] = set()
        for path, parsed in touched.items():
            old = files.pop(path, None)
            if old is not None:
                _leave(old.rules, path, rule_ids, self.rule_paths)
                _leave(old.tasks, path, task_ids, self.task_paths)
            if parsed is not None:
                files[path] = parsed
                _enter(parsed.rules, path, rule_ids, self.rule_paths)
                _enter(parsed.tasks, path, task_ids, self.task_paths)
        for rule_id in sorted(rule_ids):
            self._update_rule(rule_id, entry.commit, index)
        for task_id in sorted(task_ids):
            self._update_task(task_id, entry.commit, index)

    def _current(self, record_id: str, paths: dict[str, set[str]], attr: str) -> Any:
        # A duplicated id (lint reports it) resolves to the first file in path order.
        where = paths.get(record_id, ())
        for path in where if len(where) < 2 else sorted(where):
            for record in getattr(self.files[path], attr):
                if record.id == record_id:
                    return record
        return None

    def _update_rule(self, rule_id: str, commit: Commit, index: int) -> None:
        old = self.rules.get(rule_id)
        new = self._current(rule_id, self.rule_paths, "rules")
        if new is old:  # an untouched inline rule of a touched task file: the very same record
            return
        result = classify_versions(old, new, existed_before=rule_id in self.revisions)
        if result is None:
            if new is not None:
                self.rules[rule_id] = new
            return
        change, level, fields_ = result
        version = new or old
        path = version.path  # type: ignore[union-attr]
        revision = RuleRevision(rule_id, commit, path, new, old, change, level, fields_, index)
        self.revisions.setdefault(rule_id, []).append(revision)
        if new is None:
            self.rules.pop(rule_id, None)
        else:
            self.rules[rule_id] = new

    def _update_task(self, task_id: str, commit: Commit, index: int) -> None:
        old = self.tasks.get(task_id)
        new = self._current(task_id, self.task_paths, "tasks")
        result = classify_task(old, new)
        if new is None:
            self.tasks.pop(task_id, None)
        else:
            self.tasks[task_id] = new
        if result is None:
            return
        path = (new or old).source.path  # type: ignore[union-attr]
        self.task_revisions.setdefault(task_id, []).append(
            TaskRevision(task_id, commit, path, new, old, result.change, result.level, result.fields, index)
        )

    def _problem(self, commit: Commit, path: str, parsed: ParsedBlob) -> None:
        for finding in parsed.findings:
            self.problems.append(
                Finding(
                    path, finding.line, finding.column, finding.code, finding.name, "warning",
                    f"in commit {commit.short} ({commit.date.date().isoformat()}): {finding.message}; "
                    "this version is skipped in rule history",
                )
            )

    def history(self, branch: str, tags: dict[str, str], tag_prefix: str, notes: list[str]) -> History:
        return History(
            commits=list(self.commits),
            revisions={k: list(v) for k, v in sorted(self.revisions.items())},
            tags=dict(sorted(tags.items())),
            problems=list(self.problems),
            task_revisions={k: list(v) for k, v in sorted(self.task_revisions.items())},
            notes=list(notes),
            branch=branch,
            tag_prefix=tag_prefix,
        )


def _repath(parsed: ParsedBlob, path: str) -> ParsedBlob:
    """The same parse with every source pointing at `path` (a blob seen under another name)."""
    if parsed.path == path:
        return parsed
    return ParsedBlob(
        path,
        tuple(rule.moved(path) for rule in parsed.rules),
        tuple(_with_path(task, path) for task in parsed.tasks),
        parsed.findings,
    )


def _with_path(record: Any, path: str) -> Any:
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, Source):
            changes[f.name] = Source(path, value.pointer)
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            changes[f.name] = tuple(_with_path(item, path) for item in value)
    return dataclasses.replace(record, **changes) if changes else record


# --- reading the line -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """Which first-parent line is read: the ref name shown to users and its tip commit."""

    name: str
    tip: str
    notes: tuple[str, ...] = ()


def resolve_line(git_: Git, branch: str) -> Line:
    """The configured branch, else its remote-tracking copy (CI), else HEAD with a note."""
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        sha = git_.rev_parse(ref)
        if sha:
            name = branch if ref.startswith("refs/heads/") else f"origin/{branch}"
            return Line(name, sha)
    head = git_.rev_parse("HEAD")
    if head is None:
        raise HistoryError("the git repository has no commits yet: commit the guidelines first")
    current = git_.current_branch()
    where = f"branch {current}" if current else f"detached HEAD at {head[:7]}"
    note = (
        f"branch '{branch}' (config `branch`) does not exist; reading the first-parent line of "
        f"{where} instead"
    )
    return Line("HEAD", head, (note,))


def read_history(
    root: Path,
    *,
    branch: str | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> History:
    """Every rule's revisions along the first-parent line of `branch` (default: the config's).

    Raises HistoryError for a folder outside git, a shallow clone, an empty repository.
    `progress(done, total)` is called while blobs are parsed and commits replayed.
    """
    config, _ = read_config(root)
    git_ = Git(root)
    git_.check_history_readable()
    line = resolve_line(git_, branch or config.branch)
    folder = guideline_folder(git_, config.guidelines)
    cache = Cache(git_.common_dir if use_cache else None)
    tag_objects = git_.tag_objects()
    with _gc_paused():
        walk = _walk_to(git_, line.tip, folder, cache, progress)
        # A tag of a tree or blob stays in `tags` (its name is taken: `release` must not reuse
        # it), but names no commit, so no release: the notes say so.
        tags = {name: sha for name, (sha, _) in tag_objects.items()}
        history = walk.history(line.name, tags, config.release_tag_prefix, list(line.notes))
    history.tag_kinds = {name: kind for name, (_, kind) in tag_objects.items() if kind != "commit"}
    history.notes.extend(release_tag_notes(history))
    history.notes.extend(odd_tag_notes(history))
    return history


def _walk_to(git_: Git, tip: str, folder: str, cache: Cache, progress: Progress | None) -> Walk:
    key = hashlib.sha1(f"{folder}\0{git_.prefix}".encode()).hexdigest()[:16]
    name = f"history-{key}.pickle"
    walk = cache.load_walk(name, Walk)
    if walk is not None and walk.tip == tip:
        return walk
    entries: list[LogEntry] | None = None
    known = cache.load_blobs()
    memo = VersionMemo()
    if walk is not None:
        entries = read_line(git_, walk, tip, walk.tip, known, memo, progress)
        # Continue only when the cached tip is on the new line (no rewrite, no branch switch),
        # and no new commit deletes another project's config (it may turn a copy of that
        # project, before the cached tip, into the first half of a move).
        if (not entries or entries[0].commit.parents[:1] != (walk.tip,)
                or deletes_another_config(entries, walk.project_prefix)):
            walk, entries = None, None
    if walk is None:
        # A full replay: blobs parsed by earlier runs need not be parsed again.
        walk = Walk(folder, git_.prefix)
        entries = read_line(git_, walk, tip, None, known, memo, progress)
    linked = _follow_symlinks(git_, walk, entries)
    # The line's tip may hold the project elsewhere than the checkout (a branch that moves it).
    moves = relocate_project(git_.prefix, entries, git_.tree_blobs, start=project_prefix_at(git_, tip))
    folder = walk.folder
    folders = _folder_changes(git_, walk, entries, moves)
    if linked or moves or walk.folder != folder or any(f is not None for f in folders) or not READS_AHEAD:
        blobs = _parsed_blobs(git_, walk, entries, folders, known, memo, progress)
    else:  # read_line's guess was right: it read every blob these commits bring in
        blobs = known
    total = len(entries)
    for done, (entry, new_folder) in enumerate(zip(entries, folders), 1):
        walk.apply(entry, blobs, new_folder)
        if progress and (done % 100 == 0 or done == total):
            progress(done, total)
    cache.save(name, walk, known)
    return walk


READS_AHEAD = os.name != "nt"  # blobs are parsed while git writes the log (select() takes no pipes on Windows)


def read_line(git_: Git, walk: Walk, tip: str, exclude: str | None, known: dict[str, ParsedBlob],
              memo: VersionMemo, progress: Progress | None = None) -> list[LogEntry]:
    """The line's log entries (oldest first), the blobs they bring in parsed into `known` as git
    writes them (`Git.read_ahead`).

    Each blob a commit brings into the walk's guideline folder is asked for as soon as the
    commit is read. What this reads ahead is a guess (the folder may change along the line, a
    symlink stands for another file): `_parsed_blobs` later reads whatever the replay needs
    and `known` lacks, so a wrong guess costs time only.
    """
    if not READS_AHEAD:  # read the log first, the blobs later
        return parse_log(git_.log(tip, exclude))[::-1]
    asked: dict[str, str] = {}  # blob → the project path it is parsed as
    log_done, received = False, 0

    def blobs_for(new: list[LogEntry], done: bool) -> list[str]:
        nonlocal log_done
        log_done = done
        wanted = []
        for entry in new:
            for change in entry.changes:
                blob = change.new_blob
                if (blob and blob not in asked and blob not in known
                        and change.new_mode != SYMLINK_MODE and walk.wanted(change.new_path)):
                    asked[blob] = walk.project_path(change.new_path)  # type: ignore[arg-type]
                    wanted.append(blob)
        return wanted

    with BlobParser(known, memo) as parser:

        def on_blob(blob: str, data: bytes) -> None:
            nonlocal received
            parser.add(blob, asked[blob], data)
            received += 1
            # Once the log is read the number of blobs is known: show it.
            if progress and received % 100 == 0 and log_done:
                progress(received, len(asked))

        entries = git_.read_ahead(tip, exclude, blobs_for, on_blob)
        parser.finish()
    if progress and asked:
        progress(len(asked), len(asked))
    entries.reverse()  # read newest first (git's first bytes come at once): replayed oldest first
    return entries


def _follow_symlinks(git_: Git, walk: Walk, entries: list[LogEntry]) -> bool:
    """Rewrite, in place, the changes of YAML symlinks (and of their targets) into changes of
    the link's path carrying the target's blob: the work tree reads a link as its target.
    `walk.links` (link → target, top-relative) carries the state across cached runs.
    False when there is no link to follow (nothing was rewritten).
    """
    links = walk.links
    new_links = {c for e in entries for c in e.changes if c.new_mode == SYMLINK_MODE and c.new_path
                 and c.new_path.endswith(YAML_SUFFIXES) and c.new_blob}
    if not links and not new_links:
        return False
    names = git_.read_blobs({c.new_blob for c in new_links})  # type: ignore[misc]
    for i, entry in enumerate(entries):
        changes = []
        rewritten = False
        for change in entry.changes:
            if change.old_path in links and change.old_path != change.new_path or change.status == "D":
                links.pop(change.old_path, None)  # type: ignore[arg-type]
            if change in new_links:
                rewritten = True
                target = symlink_target(change.new_path, names.get(change.new_blob, b""))  # type: ignore[arg-type]
                blob = None
                if target:
                    links[change.new_path] = target  # type: ignore[index]
                    blob = git_.tree_blobs(entry.commit.sha, target).get(target)
                else:
                    links.pop(change.new_path, None)  # type: ignore[arg-type]
                status = "D" if blob is None else ("A" if change.old_path is None else "M")
                changes.append(FileChange(status, change.old_path, change.new_path if blob else None, None, blob))
                continue
            if change.new_path in links and change.new_mode != SYMLINK_MODE:
                links.pop(change.new_path)  # the link became a file
            changes.append(change)
        touched_links = {c.new_path for c in changes} | {c.old_path for c in changes}
        for change in entry.changes:
            for link, target in links.items():
                if link in touched_links:
                    continue
                if change.new_path == target and change.new_blob:
                    changes.append(FileChange("M", link, link, None, change.new_blob))
                    rewritten = True
                elif change.old_path == target and change.new_path != target:
                    changes.append(FileChange("D", link, None, None, None))  # dangles now
                    rewritten = True
        if rewritten:
            entries[i] = dataclasses.replace(entry, changes=tuple(changes))
    return True


def _folder_changes(git_: Git, walk: Walk, entries: list[LogEntry],
                    moves: dict[int, tuple[str, str]] | None = None) -> list[str | None]:
    """Per entry, the guideline folder it switches to (None: unchanged), following `guidelines:`
    in each version of the config along the line. Rewrites a switching entry's changes in
    place to list every file of the new folder at that commit (see Walk.apply).
    """
    config_path = str(PurePosixPath(git_.prefix or ".") / "guidelines.yaml").removeprefix("./")
    versions = {
        i: change.new_blob
        for i, entry in enumerate(entries)
        for change in entry.changes
        if change.new_path == config_path and change.new_blob
    }
    folders: list[str | None] = [None] * len(entries)
    if not versions:
        return folders
    texts = git_.read_blobs(set(versions.values()))
    current = walk.folder if walk.commits else None
    for i, blob in sorted(versions.items()):
        named = configured_folder(texts.get(blob, b""))
        if named is None and current is not None:
            continue  # a broken version: the folder stays what the last readable one named
        folder = guideline_folder(git_, named or ProjectConfig().guidelines)
        if current is None:
            # A fresh replay: the folder of the first config applies from the first commit.
            walk.folder = current = folder
        elif folder != current:
            folders[i] = current = folder
            files = tree_where_it_was(git_, entries[i].commit.sha, folder, (moves or {}).get(i))
            changes = tuple(FileChange("A", None, path, None, blob) for path, blob in sorted(files.items()))
            entries[i] = dataclasses.replace(entries[i], changes=changes)
    return folders


def _parsed_blobs(
    git_: Git, walk: Walk, entries: list[LogEntry], folders: list[str | None],
    known: dict[str, ParsedBlob], memo: VersionMemo, progress: Progress | None,
) -> dict[str, ParsedBlob]:
    """Parse the blobs `entries` need that `known` lacks (adding them to it)."""
    paths = {}
    folder = walk.folder
    for entry, new_folder in zip(entries, folders):
        folder = folder if new_folder is None else new_folder
        for change in entry.changes:
            if change.new_blob and walk.wanted(change.new_path, folder):
                paths[change.new_blob] = walk.project_path(change.new_path)
    missing = [blob for blob in paths if blob not in known]
    if missing:
        # Each blob is parsed as git hands it over, while git reads the next ones.
        for done, (blob, data) in enumerate(git_.stream_blobs(missing), 1):
            known[blob] = parse_blob(data, paths[blob], memo)
            if progress and done % 100 == 0:
                progress(done, len(missing))
        if progress:
            progress(len(missing), len(missing))
    return {blob: known[blob] for blob in paths if blob in known}


def guideline_folder(git_: Git, guidelines: str) -> str:
    """The project's guideline folder relative to the repository top ("" for the whole tree)."""
    return folder_in(git_.prefix, guidelines)


def folder_in(prefix: str, guidelines: str) -> str:
    """The guideline folder `guidelines` of a project at `prefix`, relative to the top
    (`proj` with `../shared`: `shared`, a folder beside the project, as validate reads it)."""
    folder = posixpath.normpath(posixpath.join(prefix or ".", guidelines.strip("/") or "."))
    return "" if folder == "." else folder


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while records are built or unpickled.

    The walk makes hundreds of thousands of small acyclic objects; the collector's repeated
    passes over them cost more than the work itself (unpickling a warm cache: 1.3 s → 0.2 s).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # The records live as long as the History, and hold no reference cycles: freezing
        # them spares every later collection a pass over them (the first alone costs 0.2 s).
        gc.freeze()
        if enabled:
            gc.enable()


def release_tag_notes(history: History) -> list[str]:
    """Notes for release tags (`<prefix>X.Y.Z`) that changelogs and releases leave out: those
    naming a tree or a blob instead of a commit, and those off the first-parent line."""
    notes = []
    for name, sha in history.tags.items():
        if not parse_version(name, history.tag_prefix) or history.index_of(sha) is not None:
            continue
        kind = history.tag_kinds.get(name, "commit")
        if kind != "commit":
            article = "an" if kind[:1] in "aeiou" else "a"
            notes.append(f"release tag {name} points at {article} {kind} ({sha[:7]}), not a commit: "
                         "ignored by changelog and release")
        else:
            notes.append(f"release tag {name} is not on the first-parent line of {history.branch}: "
                         "left out of changelogs and version numbering")
    return notes


def odd_tag_notes(history: History) -> list[str]:
    """Notes for tags that look like release tags but are not `<prefix>X.Y.Z` (`v1.0`, `v2.0.0-rc1`):
    they are ignored by changelogs and releases, and a silent ignore would look like a bug."""
    notes = []
    prefix = history.tag_prefix
    for name in history.tags:
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest[:1].isdigit() and parse_version(name, prefix) is None:
            notes.append(f"tag {name} has the release prefix '{prefix}' but is not a version "
                         f"{prefix}MAJOR.MINOR.PATCH: ignored by changelog and release")
    return notes
