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
from pathlib import Path
from typing import Any, TypeVar

from guidelines_tool.history.records import ParsedBlob

CACHE_VERSION = 1
CACHE_DIR = "guidelines-cache"
W = TypeVar("W")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the code that turns blobs into records and revisions.

    Cached records are only as right as the loader that made them: when `loading.py`,
    `model.py`, `diffing.py` or this module change (an upgrade, a local edit), old cache
    files no longer match and are rebuilt.
    """
    digest = hashlib.sha1(f"{CACHE_VERSION}".encode())
    here = Path(__file__).parent
    for path in [*sorted(here.glob("*.py")), *(here.parent / name for name in ("loading.py", "model.py", "diffing.py"))]:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(path.name.encode())
    return digest.hexdigest()


class Cache:
    """The replayed walk and the parsed blobs (by blob id) of one guideline folder, under .git/.

    One file holds both, pickled by one pickler: a rule version is shared by the walk's
    revisions and by the blob it was parsed from, and is written once. The walk comes first,
    so a warm run that only needs the walk stops reading there.
    Any unreadable or stale file is ignored: the cache never changes an answer.
    """

    def __init__(self, common_dir: Path | None) -> None:
        """The cache of the repository whose git directory is `common_dir` (None: no cache)."""
        self.folder = common_dir / CACHE_DIR if common_dir else None
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
