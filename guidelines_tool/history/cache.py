"""The cache under `.git/guidelines-cache/`: the replayed walk and the parsed blobs.

A warm run reads only the commits added since the cached tip. The cache is an
optimisation: deleting it changes no output, and a file written by other code (another
version of the tool, a local edit) is ignored (`code_fingerprint`).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import re
import sys
from pathlib import Path
from typing import Any, TypeVar

from guidelines_tool.history.git import CACHE_DIR
from guidelines_tool.history.records import ParsedBlob

CACHE_VERSION = 1
W = TypeVar("W")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the code that turns blobs into records and revisions, and of the YAML parser.

    Cached records are only as right as the code that made them: when any of it changes (an
    upgrade, a local edit, a file moved between modules), old cache files no longer match and
    are rebuilt. The modules hashed are derived, never listed: every module of this package
    and every guidelines_tool module they import, transitively (`code_modules`).
    """
    import ruamel.yaml  # already imported by loading.py: the version of the parser that read the blobs

    digest = hashlib.sha1(f"{CACHE_VERSION} {sys.version_info[:2]} {ruamel.yaml.__version__} "
                          f"{'_ruamel_yaml' in sys.modules}".encode())
    for path in code_modules(Path(__file__).parent):
        name = path.relative_to(_TOP.parent).as_posix().encode()  # the same wherever the tool is installed
        try:
            digest.update(name + b"\0" + path.read_bytes())
        except OSError:  # no source (a frozen build): its name at least
            digest.update(name)
    return digest.hexdigest()


_TOP = Path(__file__).resolve().parent.parent  # the guidelines_tool package
# an import statement at the start of a line (the pattern starts with a literal: scanned for fast)
_IMPORT = re.compile(rb"\n[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)|import[ \t]+([^\n#]*))")


def code_modules(package: Path) -> list[Path]:
    """The source files of every module of `package` and of every guidelines_tool module they
    import, directly or through each other (sorted).

    Read from the import statements in the files themselves, imports inside functions
    included (a regular expression over the bytes, not a parse: this runs on every warm run,
    and parsing the files would cost more than the rest of that run). A name that looks like
    an import in a docstring at most adds a file: the fingerprint may change more often than
    needed, never less.
    """
    todo = sorted(package.resolve().glob("*.py"))
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            source = path.read_bytes()
        except OSError:
            continue
        for match in _IMPORT.finditer(b"\n" + source):
            todo.extend(_module_files(match, path))
    return sorted(seen)


def _module_files(match: re.Match, importer: Path) -> list[Path]:
    """The guidelines_tool source files one import statement (`from X import a, b` / `import X`) names."""
    origin, names, plain = match.groups()
    if plain is not None:
        return [file for name in plain.decode(errors="replace").split(",") if name.strip()
                for file in _files_of(name.split()[0])]
    module = origin.decode(errors="replace")
    if module.startswith("."):  # relative: from the importer's package up
        base = importer.parent
        for _ in range(len(module) - len(module.lstrip(".")) - 1):
            base = base.parent
        module = ".".join([*base.relative_to(_TOP.parent).parts, *filter(None, module.lstrip(".").split("."))])
    files = _files_of(module)
    if files and files[-1].name == "__init__.py":  # `from package import a, b`: a and b may be modules
        words = names.decode(errors="replace").strip("()").replace("\n", " ").split(",")
        files += [file for word in words if word.strip() for file in _files_of(f"{module}.{word.split()[0]}")]
    return files


@functools.lru_cache(maxsize=None)
def _files_of(module: str) -> list[Path]:
    """The source files importing `module` runs when it is a guidelines_tool module: its
    packages' `__init__.py` (outermost first), then its own file; [] for anything else."""
    parts = module.split(".")
    if parts[0] != _TOP.name:
        return []
    files = []
    for depth in range(1, len(parts) + 1):
        where = _TOP.parent.joinpath(*parts[:depth])
        if (where / "__init__.py").is_file():
            files.append(where / "__init__.py")
        elif depth == len(parts) and where.with_suffix(".py").is_file():
            files.append(where.with_suffix(".py"))
        else:
            break  # a name defined in a module, not a module
    return files


class Cache:
    """The replayed walk and the parsed blobs (by blob id) of one guideline folder, under .git/.

    One file holds both, pickled by one pickler: a rule version is shared by the walk's
    revisions and by the blob it was parsed from, and is written once. The walk comes first,
    so a warm run that only needs the walk stops reading there.
    Any unreadable or stale file is ignored: the cache never changes an answer.
    """

    def __init__(self, common_dir: Path | None) -> None:
        """The cache of the repository whose git directory is `common_dir` (None: no cache)."""
        self.folder = common_dir / CACHE_DIR if common_dir else None  # Git.cache_dir()
        self.fingerprint = code_fingerprint()
        self._reader: pickle.Unpickler | None = None

    def _path(self, name: str) -> Path | None:
        return self.folder / name if self.folder else None

    def load_walk(self, name: str, kind: type[W]) -> W | None:
        """The cached walk (a `kind`), or None (missing, stale or unreadable)."""
        path = self._path(name)
        self._reader = None
        if path is None or not path.is_file():
            return None
        try:
            reader = pickle.Unpickler(io.BytesIO(path.read_bytes()))
            if reader.load() != self.fingerprint:
                return None
            walk = reader.load()
        except Exception:  # a truncated or foreign file is just a cache miss
            return None
        self._reader = reader
        return walk if isinstance(walk, kind) else None

    def load_blobs(self) -> dict[str, ParsedBlob]:
        """The parsed blobs stored after the walk `load_walk` read (empty when there is none)."""
        if self._reader is None:
            return {}
        try:
            blobs = self._reader.load()
        except Exception:
            return {}
        finally:
            self._reader = None
        return blobs if isinstance(blobs, dict) else {}

    def save(self, name: str, walk: Any, blobs: dict[str, ParsedBlob]) -> None:
        path = self._path(name)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as handle:
                writer = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
                writer.dump(self.fingerprint)
                writer.dump(walk)
                writer.dump(blobs)
            os.replace(tmp, path)
            for old in path.parent.glob("*-*.pickle"):  # files of earlier versions' layout
                if old.name.startswith(("walk-", "blobs-")):
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only .git still gets correct (slower) answers
