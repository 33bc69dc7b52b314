"""Git: the one module that runs git. Pure parsers of its output beside the few calls that spawn it.

Every git call — the reads (log, cat-file, ls-tree, rev-parse, for-each-ref, status) and the
writes of the repositories the tool creates (`init_repository`, `commit_all`, `tag_commit`,
`annotated_tag`) — is a plain `git` subprocess through one thin wrapper (`_git`, `_checked`,
`_popen` for streams), with one error type (HistoryError). One choice, not two: GitPython is
not used. Importing it alone costs more than all of history's git processes on a warm run,
its object walks spawn a process per commit (FACTS.md), and it leaks resources in a
long-lived process (the language server); the writes it did are a handful of plumbing
commands.

How history reads, and why (FACTS.md has the measurements):

- ONE `git log --first-parent --raw -z -M` pass lists every commit on the line with the blobs
  it changed (a merge shows its diff against its first parent: a merged branch's work appears
  as the merge's change). Walking commits and diffing trees through objects costs a process
  per commit.
- ONE `git cat-file --batch` process reads every blob that is needed. `Git.read_ahead` runs
  both processes while Python reads their pipes: a commit's blobs are asked for as soon as
  the commit is read, and handed over as they arrive, so on two cores git's work costs
  little wall time.

The parsers (`parse_log`, `LogReader`, `parse_raw_changes`, `parse_refs`, `parse_tag_refs`,
`parse_batch_output`, `BatchReader`) are pure functions of git's output with their own tests.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import posixpath
import selectors
import subprocess
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from guidelines_tool.errors import HistoryError
from guidelines_tool.history.records import Commit, FileChange, LogEntry

CACHE_DIR = "guidelines-cache"  # under the git directory: see Git.cache_dir

SYMLINK_MODE = "120000"
MAX_SYMLINK_HOPS = 8  # links followed to resolve one path (each hop costs two git calls; loops hit it)

# --- pure parsers of git output ---------------------------------------------------------------

LOG_FORMAT = "%x1e%H%x1f%P%x1f%cI%x1f%an%x1f%ae%x1f%B%x1f"
NULL_SHA = "0" * 40


def parse_log(text: str) -> list[LogEntry]:
    """Parse `git log -z --raw --no-abbrev --format=LOG_FORMAT` output into entries.

    Read token by token (NUL-separated), never by splitting on the record separator: a commit
    message may hold \x1e or \x1f itself, but never a NUL, so each header is one token, and
    the change records after it are consumed by count (a path may hold anything but NUL).
    """
    return _parse_log_tokens(text.split("\0"), final=True)[0]


def parse_log_prefix(text: str) -> tuple[list[LogEntry], str]:
    """The entries `text` (the start of `git log` output still being written) completes, and
    the text to keep: the last commit's header onwards, whose change list may go on.

    Joining the kept text with what git writes next and parsing again gives the entries
    `parse_log` gives for the whole output.
    """
    tokens = text.split("\0")
    entries, rest = _parse_log_tokens(tokens[:-1], final=False)  # the last token may be cut short
    return entries, "\0".join(tokens[rest:])


class LogReader:
    """Parses `git log` output piece by piece, as the pipe delivers it (see `parse_log_prefix`).

    A commit's entry is complete only once the next header arrives: text without a header
    mark is just kept, so a huge commit is not parsed again for every piece of it.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self._pending: list[str] = []

    def feed(self, piece: bytes) -> list[LogEntry]:
        text = self._decoder.decode(piece)
        self._pending.append(text)
        if "\x1e" not in text:
            return []
        entries, rest = parse_log_prefix("".join(self._pending))
        self._pending = [rest]
        return entries

    def close(self) -> list[LogEntry]:
        """The entries left once git has written everything."""
        self._pending.append(self._decoder.decode(b"", final=True))
        entries = parse_log("".join(self._pending))
        self._pending = []
        return entries


def _parse_log_tokens(tokens: list[str], *, final: bool) -> tuple[list[LogEntry], int]:
    """Entries from the tokens, and the index of the first token not consumed. Unless `final`,
    the last commit (whose changes may continue past the tokens) is not consumed."""
    entries = []
    i = 0
    while i < len(tokens):
        header_index = i
        start = tokens[i].find("\x1e")  # past any text git's config puts before a commit
        header = tokens[i][start:]
        i += 1
        if start < 0:
            continue
        sha, parents, date, author, email, rest = header[1:].split("\x1f", 5)
        commit = Commit(
            sha=sha,
            date=datetime.fromisoformat(date),
            author=_printable(author),
            message=_printable(rest.removesuffix("\x1f").strip(" \t\r\n")),  # str.strip() eats \x1c-\x1f too
            author_email=_printable(email),
            parents=tuple(parents.split()),
        )
        try:
            changes, i = _read_changes(tokens, i, stop_at_other=True)
        except IndexError:  # a record's paths are not all here yet
            if final:
                raise
            return entries, header_index
        if not final and i >= len(tokens):
            return entries, header_index
        entries.append(LogEntry(commit, changes))
    return entries, len(tokens)


def _printable(text: str) -> str:
    """Text git gave as bytes that were not UTF-8 (decoded with surrogate escapes), with U+FFFD
    in their place: only paths keep the escapes, so they name the same files as os does."""
    if text.isascii():  # the common case, and escapes are never ASCII (a constant-time check)
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def parse_raw_changes(raw: str) -> tuple[FileChange, ...]:
    """Parse the NUL-separated `--raw -z` records: `:old new oldsha newsha S\\0path\\0[path\\0]`."""
    return _read_changes(raw.split("\0"), 0, stop_at_other=False)[0]


def _read_changes(tokens: list[str], i: int, *, stop_at_other: bool) -> tuple[tuple[FileChange, ...], int]:
    """The change records from `tokens[i]` on, and the index after them.

    With `stop_at_other`, the first token that is not a record's metadata ends the list (it is
    the next commit's header); paths are taken by count, so a path that looks like a header or
    like metadata is still read as a path.
    """
    changes = []
    while i < len(tokens):
        meta = tokens[i].strip()
        if not meta.startswith(":"):
            if stop_at_other and meta:
                break
            i += 1
            continue
        i += 1
        parts = meta[1:].split()
        if len(parts) < 5:
            continue
        old_blob, new_blob, status = parts[2], parts[3], parts[4][0]
        old_blob = None if old_blob == NULL_SHA else old_blob
        new_blob = None if new_blob == NULL_SHA else new_blob
        if status in "RC":
            old_path, new_path = tokens[i], tokens[i + 1]
            i += 2
        else:
            old_path = new_path = tokens[i]
            i += 1
        if status == "A":
            old_path = None
        if status == "D":
            new_path = None
        changes.append(FileChange(status, old_path, new_path, old_blob, new_blob, parts[1]))
    return tuple(changes), i


def parse_refs(text: str) -> dict[str, str]:
    """`git for-each-ref --format='%(refname:lstrip=2)%00%(objectname)%00%(*objectname)'` → name → commit.

    Annotated tags are peeled to the commit they point at. With the object types as two more
    fields (`TAG_FORMAT`), a tag is peeled to whatever it names: see `parse_tag_refs`.
    """
    return {name: sha for name, (sha, _) in parse_tag_refs(text).items()}


TAG_FORMAT = "%(refname:lstrip=2)%00%(objectname)%00%(*objectname)%00%(objecttype)%00%(*objecttype)"


def parse_tag_refs(text: str) -> dict[str, tuple[str, str]]:
    """`git for-each-ref --format=TAG_FORMAT` → tag name → (object, its type).

    The object is the one an annotated tag points at (one level peeled), its type "commit"
    for an ordinary release tag; a tag may name a tree or a blob too (`git tag v1 HEAD^{tree}`),
    or another tag (type "tag": `*` peels one level only, `Git.tags` peels the rest). Without
    the type fields (the older three-field format) the type is taken to be "commit".
    """
    refs = {}
    for line in text.splitlines():
        if not line:
            continue
        name, obj, peeled, kind, peeled_kind = (line.split("\0") + ["", "", "", ""])[:5]
        refs[name] = (peeled, peeled_kind or "commit") if peeled else (obj, kind or "commit")
    return refs


def parse_batch_output(data: bytes) -> dict[str, bytes]:
    """`git cat-file --batch` output → blob id → contents (missing objects are left out)."""
    reader = BatchReader()
    blobs = dict(reader.feed(data))
    reader.close()
    return blobs


class BatchReader:
    """Reads `git cat-file --batch` output piece by piece, as the pipe delivers it.

    `feed` takes the next bytes and returns the (blob id, contents) of every object they
    complete, in order; an object split across pieces waits for the rest. So blobs can be
    parsed while git is still writing the ones after them.
    """

    def __init__(self) -> None:
        self._data = b""
        self._position = 0

    def feed(self, piece: bytes) -> list[tuple[str, bytes]]:
        data = self._data[self._position:] + piece if self._position < len(self._data) else piece
        position, size_of_data = 0, len(data)
        found = []
        while position < size_of_data:
            end = data.find(b"\n", position)
            if end < 0:
                break
            header = data[position:end].split()
            if len(header) < 3 or header[1] == b"missing":
                position = end + 1
                continue
            size = int(header[2])
            stop = end + 1 + size
            if stop >= size_of_data:  # the contents (and the newline after them) are not all here
                break
            found.append((header[0].decode(), data[end + 1 : stop]))
            position = stop + 1  # contents end with a newline
        self._data, self._position = data, position
        return found

    def close(self) -> None:
        """Raise HistoryError when the output stopped in the middle of an object."""
        if self._position < len(self._data):
            raise HistoryError("git cat-file stopped in the middle of an object")


# --- running git ------------------------------------------------------------------------------


class Git:
    """The repository a project lives in, and the few git calls history needs.

    Every call is a plain `git` subprocess run at the top of the work tree: importing
    GitPython alone costs more than all of history's git processes on a warm run (FACTS:
    its object walks are too slow anyway), so it is not used here.
    """

    def __init__(self, root: Path) -> None:
        # One process answers discovery: bare?, shallow?, where .git is, where the top is.
        # (rev-parse prints the answers it could give before failing on --show-toplevel.)
        proc = _git(["rev-parse", "--is-bare-repository", "--is-shallow-repository",
                     "--git-common-dir", "--show-toplevel"], cwd=root)
        lines = proc.stdout.decode("utf-8", errors="replace").splitlines()
        if proc.returncode != 0 or len(lines) < 4:
            if lines[:1] == ["true"] or (lines and "work tree" in proc.stderr.decode(errors="replace")):
                raise HistoryError(f"{root} is a bare git repository: run from a checkout")
            raise HistoryError(
                f"{root} is not inside a git repository: rule history needs one (`git init`)"
            )
        if lines[0] == "true":
            raise HistoryError(f"{root} is a bare git repository: run from a checkout")
        self.shallow = lines[1] == "true"
        self.common_dir = (Path(root) / lines[2]).resolve()
        self.top = Path(lines[3]).resolve()
        try:
            self.prefix = Path(root).resolve().relative_to(self.top).as_posix()
        except ValueError:
            self.prefix = "."
        self.prefix = "" if self.prefix == "." else self.prefix

    def cache_dir(self) -> Path:
        """Where the tool keeps its caches for this repository (the history's, the language
        server's impact): in the git directory shared by every work tree, never in one of them."""
        return self.common_dir / CACHE_DIR

    def run(self, *args: str) -> str:
        return _checked(list(args), self.top)

    def rev_parse(self, rev: str) -> str | None:
        """The commit `rev` names, or None when it names none."""
        if not rev or rev.startswith("-"):  # never let user input reach git as an option
            return None
        proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=self.top)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", errors="replace").strip() or None

    def is_shallow(self) -> bool:
        return self.shallow

    def current_branch(self) -> str | None:
        """The branch HEAD is on, or None when HEAD is detached."""
        proc = _git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=self.top)
        name = proc.stdout.decode("utf-8", errors="replace").strip()
        return name if proc.returncode == 0 and name else None

    def check_history_readable(self) -> None:
        """Refuse shallow clones and empty repositories with the fix in the message."""
        if self.is_shallow():
            raise HistoryError(
                "this is a shallow clone, so rule history would be wrong (every file looks new in "
                "the oldest commit). Fetch the full history: `git fetch --unshallow`, or in GitHub "
                "Actions use `actions/checkout` with `fetch-depth: 0` (GitLab: `GIT_DEPTH: 0`)"
            )
        if self.rev_parse("HEAD") is None:
            raise HistoryError("the git repository has no commits yet: commit the guidelines first")

    @staticmethod
    def log_args(tip: str, exclude: str | None = None) -> list[str]:
        """`git log` arguments for the first-parent line up to `tip` with the blobs each commit
        changed (a merge: against its first parent), newest first: git then writes at once,
        where --reverse walks the whole line first."""
        args = ["log", "-z", "--first-parent", "--diff-merges=first-parent", "--raw", "-M", "--no-abbrev",
                "--no-color", "--no-ext-diff", "--no-show-signature", f"--format={LOG_FORMAT}", tip]
        args.insert(1, "--encoding=UTF-8")  # a user's i18n.logOutputEncoding would re-encode messages and names
        if exclude:
            args.append(f"^{exclude}")
        return args

    def log(self, tip: str, exclude: str | None = None) -> str:
        """The first-parent line up to `tip` (newest first) with the blobs each commit changed."""
        with _popen(self.log_args(tip, exclude), self.top, stdin=subprocess.DEVNULL) as proc:
            out = proc.stdout.read()  # one read: see read_blobs (git's errors are short)
            error = proc.stderr.read()
        if proc.returncode != 0:
            raise HistoryError(f"git log failed: {error.decode(errors='replace').strip()}")
        # Surrogate escapes, as os.fsdecode: a path that is not UTF-8 names the file on disk.
        return out.decode("utf-8", errors="surrogateescape")

    def read_ahead(self, tip: str, exclude: str | None, blobs_for: Callable[[list[LogEntry], bool], list[str]],
                   on_blob: Callable[[str, bytes], None]) -> list[LogEntry]:
        """`parse_log(self.log(tip, exclude))` (newest first), while one `git cat-file --batch`
        reads blobs ahead: `blobs_for(entries, log_done)` names the blobs to read for each
        batch of entries as the log is parsed (`log_done`: the last batch), and `on_blob(blob,
        data)` receives each blob as git writes it, in the order asked.

        Both git processes run beside Python: where reading the whole log first left Python
        waiting, on two cores the log and the blobs now cost almost no wall time. No thread
        writes the requests: they go to git as its stdin can take them (`_Requests`). Needs
        select() on pipes (not on Windows: there, read the log, then `stream_blobs`).
        """
        entries: list[LogEntry] = []
        log_reader, batch_reader = LogReader(), BatchReader()
        with _popen(self.log_args(tip, exclude), self.top, stdin=subprocess.DEVNULL) as log, \
                _popen(["cat-file", "--batch", "--buffer"], self.top, stdin=subprocess.PIPE) as cat:
            try:
                log_fd, cat_fd = log.stdout.fileno(), cat.stdout.fileno()  # type: ignore[union-attr]
                requests = _Requests(cat.stdin)  # type: ignore[arg-type]
                _widen_pipe(log_fd)
                _widen_pipe(cat_fd)
                with selectors.DefaultSelector() as selector:
                    selector.register(log_fd, selectors.EVENT_READ)
                    selector.register(cat_fd, selectors.EVENT_READ)
                    while selector.get_map():
                        requests.watch(selector)
                        # The log first: every commit read gives git cat-file more to do.
                        ready = sorted((key.fd for key, _ in selector.select()), key=lambda fd: fd != log_fd)
                        for fd in ready:
                            if fd == requests.fd:
                                requests.write()
                                continue
                            piece = os.read(fd, PIPE_READ)
                            if not piece:
                                selector.unregister(fd)
                            if fd == cat_fd:
                                for blob, data in batch_reader.feed(piece):
                                    on_blob(blob, data)
                                continue
                            new = log_reader.feed(piece) if piece else log_reader.close()
                            entries += new
                            wanted = blobs_for(new, not piece)
                            if wanted:
                                requests.add("".join(f"{blob}\n" for blob in wanted).encode())
                            if not piece:
                                requests.finish()  # git cat-file ends once it has answered
            finally:
                requests.close()
            error = log.stderr.read()  # type: ignore[union-attr]
            log.wait()
        if log.returncode != 0:
            raise HistoryError(f"git log failed: {error.decode(errors='replace').strip()}")
        batch_reader.close()
        return entries

    def read_blobs(self, blob_ids: Iterable[str]) -> dict[str, bytes]:
        """Contents of many blobs through one `git cat-file --batch` process."""
        return dict(self.stream_blobs(blob_ids))

    def stream_blobs(self, blob_ids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(blob id, contents) of many blobs, in request order, as `git cat-file --batch`
        writes them (missing objects are left out).

        A caller that parses each blob as it comes works while git reads the next ones
        (git is another process: on two cores the reading costs almost no wall time).
        """
        ids = list(blob_ids)
        if not ids:
            return
        request = ("\n".join(ids) + "\n").encode()
        with _popen(["cat-file", "--batch", "--buffer"], self.top, stdin=subprocess.PIPE) as proc:
            # Feed the ids from a thread: git stops reading them while its output waits.
            writer = threading.Thread(target=_feed, args=(proc.stdin, request), daemon=True)
            writer.start()
            stdout = proc.stdout.fileno()  # type: ignore[union-attr]
            _widen_pipe(stdout)
            reader = BatchReader()
            while True:
                # os.read returns what the pipe holds (up to the size), never waits for more.
                piece = os.read(stdout, PIPE_READ)
                if not piece:
                    break
                yield from reader.feed(piece)
            writer.join()
            reader.close()

    def tree_blobs(self, rev: str, folder: str, hops: int = 0) -> dict[str, str]:
        """path → blob id of every file under `folder` at `rev` (paths relative to the top)."""
        proc = _git(["ls-tree", "-r", "-z", "--full-tree", rev, "--", folder or "."], cwd=self.top)
        if proc.returncode != 0:
            raise HistoryError(f"git ls-tree failed: {proc.stderr.decode(errors='replace').strip()}")
        out = proc.stdout.decode("utf-8", errors="surrogateescape")  # paths as os names them (see log)
        files, links = {}, {}
        for record in out.split("\0"):
            meta, _, path = record.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                (links if parts[0] == SYMLINK_MODE else files)[path] = parts[2]
        # A symlink stands for its target's contents, as in the work tree (dangling: no file).
        names = self.read_blobs(set(links.values())) if links else {}
        for path, blob in links.items():
            target = symlink_target(path, names.get(blob, b""))
            # A chain of links is followed a few hops (the OS says ELOOP): a loop names no file.
            found = self.tree_blobs(rev, target, hops + 1) if target and hops < MAX_SYMLINK_HOPS else {}
            if target in found:
                files[path] = found[target]
        return files

    def tags(self) -> dict[str, str]:
        """Tag name → the object it names: a commit for every ordinary tag (see `tag_objects`)."""
        return {name: sha for name, (sha, _) in self.tag_objects().items()}

    def tag_objects(self) -> dict[str, tuple[str, str]]:
        """Tag name → (the object it names, peeled through annotated tags, and its type).

        `lstrip=2`, not `short`: a tag that shares its name with a branch is shortened to
        `tags/<name>` and would no longer read as a release. A tag of a tree or a blob keeps
        that object (the caller says it is ignored); a tag of a tag is peeled to the end by
        one `git cat-file --batch-check` for all of them (rare: git warns when creating one).
        """
        tags = parse_tag_refs(self.run("for-each-ref", "refs/tags", f"--format={TAG_FORMAT}"))
        nested = sorted(name for name, (_, kind) in tags.items() if kind == "tag")
        if nested:
            request = "".join(f"refs/tags/{name}^{{}}\n" for name in nested).encode()
            # No check: an answer git cannot give leaves that tag as it is.
            proc = _git(["cat-file", "--batch-check"], self.top, stdin=request)
            answers = proc.stdout.decode("utf-8", errors="replace").splitlines()
            for name, answer in zip(nested, answers):
                parts = answer.split()
                if len(parts) == 3 and parts[1] != "missing":
                    tags[name] = (parts[0], parts[1])
        return tags

    def is_dirty(self, folder: str) -> bool:
        """Uncommitted changes anywhere tracked, or untracked files in the guideline folder."""
        if self.run("status", "--porcelain", "--untracked-files=no").strip():
            return True
        return bool(self.run("ls-files", "--others", "--exclude-standard", "--", folder or ".").strip())


@contextlib.contextmanager
def _popen(args: list[str], cwd: Path, *, stdin: Any) -> Iterator[subprocess.Popen]:
    """A streaming git process; killed if the reader stops early (an exception, ^C)."""
    try:
        proc = subprocess.Popen(["git", *args], cwd=cwd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise HistoryError("git is not installed (or not on PATH): rule history needs it") from None
    try:
        yield proc
    except BaseException:
        proc.kill()
        raise
    finally:
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        proc.wait()


def _git(args: list[str], cwd: Path, *, stdin: bytes | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """One git process run to its end: its output, whatever its exit status (see `_checked`)."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env,
                              **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}))
    except FileNotFoundError:
        raise HistoryError("git is not installed (or not on PATH): rule history needs it") from None
    except NotADirectoryError:
        raise HistoryError(f"{cwd} is not a folder") from None



PIPE_READ = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Let git write ahead up to 1 MiB (Linux; the default 64 KiB makes it wait on every
    few dozen blobs). Best effort: elsewhere, or above the system's limit, nothing changes."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_READ)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass


def _feed(stream: Any, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:  # git exited early; its error shows on the read side
        pass


class _Requests:
    """Blob ids on their way to `git cat-file`'s stdin, written as the pipe takes them.

    git blocks writing its answers while Python is busy parsing; a blocking write of more
    requests would then wait on git, and git on Python. Written only when the selector says
    the pipe has room, they never block, and no thread is needed.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.fd = stream.fileno()
        os.set_blocking(self.fd, False)
        self.pending = bytearray()
        self.done = False  # no more requests will come: close stdin once the pending are out
        self.registered = False

    def add(self, data: bytes) -> None:
        self.pending += data

    def finish(self) -> None:
        self.done = True

    def watch(self, selector: selectors.BaseSelector) -> None:
        """Ask the selector about room in the pipe exactly while something waits to be written."""
        if self.stream.closed:
            return
        if self.done and not self.pending:
            if self.registered:
                selector.unregister(self.fd)
                self.registered = False
            self.close()
        elif self.pending and not self.registered:
            selector.register(self.fd, selectors.EVENT_WRITE)
            self.registered = True
        elif not self.pending and self.registered:
            selector.unregister(self.fd)
            self.registered = False

    def write(self) -> None:
        try:
            written = os.write(self.fd, self.pending)
        except BlockingIOError:
            return
        except OSError:  # git exited early; its error shows on the read side
            self.pending.clear()
            self.done = True
            return
        del self.pending[:written]

    def close(self) -> None:
        if not self.stream.closed:
            try:
                self.stream.close()
            except OSError:
                pass


def symlink_target(link: str, name: bytes) -> str | None:
    """The top-relative path a symlink at `link` names (None when it leaves the repository)."""
    text = name.decode("utf-8", errors="surrogateescape")
    if not text or text.startswith("/"):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(link), text))
    return None if target == ".." or target.startswith("../") else target


def _checked(args: list[str], cwd: Path, *, stdin: bytes | None = None, env: dict[str, str] | None = None) -> str:
    """`_git`, its output as text; HistoryError with git's own message when it fails."""
    proc = _git(args, cwd, stdin=stdin, env=env)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", errors="replace").strip()
        raise HistoryError(f"git {args[0]} failed: {detail or f'exit status {proc.returncode}'}")
    return proc.stdout.decode("utf-8", errors="replace")


# --- writing: repositories the tool creates (demo, release tags) ------------------------------
# Plumbing, not porcelain: a commit is written with `commit-tree` (no hooks, no signing, no
# editor, the message kept byte for byte), so a replayed history has the same commit ids on
# every machine whatever the user's git configuration.


def init_repository(root: Path, *, branch: str = "main") -> None:
    """A new, empty repository at `root` (made if missing) whose first branch is `branch`."""
    root.mkdir(parents=True, exist_ok=True)
    _checked(["init", "-q", f"--initial-branch={branch}"], root)


def commit_all(root: Path, message: str, *, author: str, email: str, when: datetime) -> str:
    """Stage every change under `root` (additions, edits, deletions) and commit it with a fixed
    author and date, so replayed histories are reproducible. Returns the new commit's sha."""
    _checked(["add", "-A"], root)
    tree = _checked(["write-tree"], root).strip()
    parent = _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root).stdout.decode().strip()
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    stamp = f"{int(when.timestamp())} {when.strftime('%z')}"  # git's internal date format: no guessing
    who = {"NAME": author, "EMAIL": email, "DATE": stamp}
    env = {**os.environ, **{f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER") for key, value in who.items()}}
    sha = _checked(["commit-tree", "--no-gpg-sign", tree, *(["-p", parent] if parent else []), "-F", "-"],
                   root, stdin=message.encode("utf-8"), env=env).strip()
    _checked(["update-ref", "-m", f"commit: {message.partition(chr(10))[0]}", "HEAD", sha], root)
    return sha


def tag_commit(root: Path, name: str, sha: str) -> None:
    """A lightweight tag `name` on `sha` (the demo's release markers)."""
    _checked(["tag", name, sha], root)


def annotated_tag(root: Path, name: str, sha: str, message: str) -> None:
    """An annotated tag `name` on `sha` with `message` kept verbatim (it is Markdown: git would
    strip its "#" headings as comments)."""
    _checked(["tag", "--cleanup=verbatim", "-F", "-", name, sha], root, stdin=message.encode("utf-8"))


# --- experiments: bringing the adopted wording onto the branch ---------------------------------


def adopt_variant(root: Path, base: str, variant: str) -> tuple[str, tuple[str, ...]]:
    """Bring the variant's commits (base..variant) onto the current branch: a fast-forward when
    the branch has not moved past an ancestor of the variant, else a cherry-pick of each commit
    (aborted, and HistoryError, on a conflict). Returns the method and the commits now on the
    branch that carry the variant. Refuses a dirty work tree and a detached HEAD."""
    git_ = Git(root)
    if git_.current_branch() is None:
        raise HistoryError("HEAD is detached: check out the branch the wording should land on")
    if git_.run("status", "--porcelain", "--untracked-files=no").strip():
        raise HistoryError("the working tree has uncommitted changes: commit or stash them first")
    head = git_.rev_parse("HEAD") or ""
    if _git(["merge-base", "--is-ancestor", head, variant], cwd=git_.top).returncode == 0:
        git_.run("merge", "--ff-only", "--quiet", variant)
        return "fast-forward", tuple(git_.run("rev-list", "--reverse", f"{head}..{variant}").split())
    picks = git_.run("rev-list", "--reverse", "--no-merges", f"{base}..{variant}").split()
    if not picks:
        raise HistoryError(f"no commits between {base[:7]} and {variant[:7]} to bring over")
    proc = _git(["cherry-pick", *picks], cwd=git_.top)
    if proc.returncode != 0:
        _git(["cherry-pick", "--abort"], cwd=git_.top)
        detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise HistoryError("the variant's commits do not apply cleanly here (cherry-pick aborted): "
                           + (detail[0] if detail else "conflict") + "; merge the branch by hand")
    return "cherry-pick", tuple(git_.run("rev-list", "--reverse", f"{head}..HEAD").split())


def commit_files(root: Path, paths: Iterable[Path], message: str) -> str:
    """Stage `paths` and commit them (the user's identity and date, as git would); the new sha."""
    git_ = Git(root)
    git_.run("add", "--", *[str(Path(p).resolve()) for p in paths])
    git_.run("commit", "--quiet", "-m", message)
    return git_.rev_parse("HEAD") or ""
