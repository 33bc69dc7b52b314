"""Example inputs that are assets: an image, audio or video file, or a document, given as a path
(relative to the rule file's folder, or to the project root with a leading `/`) or an http(s) URL,
in an example's `media` field (its `input` then describes it) or as the `input` itself.

`classify()` is pure and decides from the text alone, so pages render the same with or without
the files at hand; `collect_assets()` finds the files on disk for the site and names the missing
ones. What counts as an asset, on purpose:
- one line, no white space, ending in a known extension: anything else is text, so a sentence
  like "Sent it back." stays a sentence;
- URLs: only `http` and `https` with a host. `javascript:`, `file:`, protocol-relative `//host`
  and `data:` stay text, `data:image/...` included: a data URL puts a whole file in the YAML
  (unreviewable in a diff, bloats every page) and an SVG one can carry script; commit the file and
  give its path instead;
- no SVG and no HTML: opened from the site's own origin they could run script there, so they are
  shown as text (an SVG from an http(s) URL is shown as an image: another origin, and `<img>`
  never runs its script);
- a path is read from the rule file's folder, then (when not there) from the project root, so
  `assets/a.jpg` finds a project-wide `assets/` folder too;
- a path must stay inside the project: `../../etc/passwd.png` is refused like a missing file.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import AbstractSet, Callable, Iterator, Literal, Mapping
from urllib.parse import urlsplit

from guidelines_tool.model import Example, Project, Rule

Kind = Literal["image", "audio", "video", "file"]

EXTENSIONS: dict[str, Kind] = {
    **dict.fromkeys(("png", "jpg", "jpeg", "gif", "webp", "avif", "bmp"), "image"),
    **dict.fromkeys(("mp3", "wav", "ogg", "oga", "m4a", "flac", "opus", "aac", "weba"), "audio"),
    **dict.fromkeys(("mp4", "webm", "ogv", "mov", "m4v"), "video"),
    **dict.fromkeys(("pdf", "txt", "csv", "tsv", "json", "jsonl", "docx", "xlsx", "pptx", "odt", "ods",
                     "odp", "rtf", "md"), "file"),
}
REMOTE_ONLY: dict[str, Kind] = {"svg": "image"}  # see the module docstring
SITE_FOLDER = "assets/examples"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_URL_UNSAFE = re.compile(r"[\s\"'<>\\`{}|^\x00-\x1f\x7f]")
_SCRIPTY = re.compile(r"(?:javascript|vbscript|data):", re.IGNORECASE)  # anywhere, even in a path
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Asset:
    """An example input that names a file: `url` for a remote one, else `path` (posix, relative
    to the project root; None when it would leave the project)."""

    kind: Kind
    text: str
    url: str | None = None
    path: str | None = None
    fallback: str | None = None  # the same text read from the project root (tried second)

    def candidates(self) -> tuple[str, ...]:
        """Project-relative paths to look for, in order."""
        return tuple(path for path in (self.path, self.fallback) if path is not None)

    def found_at(self, available: "AbstractSet[str] | None") -> "Asset | None":
        """This asset at the first candidate path in `available` (None: found nowhere);
        with `available` None (not checked), at its first candidate."""
        for path in self.candidates():
            if available is None or path in available:
                return replace(self, path=path, fallback=None)
        return None

    @property
    def site_path(self) -> str | None:
        """Where a local asset is copied in the site (relative to the docs folder)."""
        if self.path is None:
            return None
        digest = hashlib.sha256(self.path.encode("utf-8")).hexdigest()[:10]
        return f"{SITE_FOLDER}/{digest}/{_SAFE_NAME.sub('_', posixpath.basename(self.path))}"


def classify(value: object, rule_file: str) -> Asset | None:
    """The asset an example input names, or None when it is text. `rule_file`: the rule's YAML
    path relative to the project root (relative asset paths start from its folder)."""
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 2048 or _URL_UNSAFE.search(text) or _SCRIPTY.search(text):
        return None
    if _SCHEME.match(text):
        parts = urlsplit(text)
        kind = _kind(parts.path, remote=True)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or kind is None:
            return None
        return Asset(kind, text, url=text)
    if text.startswith("//") or "?" in text or "#" in text:
        return None
    kind = _kind(text, remote=False)
    if kind is None:
        return None
    base = "" if text.startswith("/") else posixpath.dirname(rule_file.replace("\\", "/"))
    path, from_root = _inside(posixpath.join(base, text.lstrip("/"))), _inside(text.lstrip("/"))
    return Asset(kind, text, path=path, fallback=from_root if from_root != path else None)


def _inside(joined: str) -> str | None:
    """A normalised project-relative path, or None when it leaves the project."""
    path = posixpath.normpath(joined)
    return None if path == ".." or path.startswith("../") or path.startswith("/") else path


def _kind(path: str, *, remote: bool) -> Kind | None:
    name = posixpath.basename(path)
    if "." not in name.strip("."):
        return None
    extension = name.rsplit(".", 1)[1].lower()
    return EXTENSIONS.get(extension) or (REMOTE_ONLY.get(extension) if remote else None)


def example_asset(example: Example, rule_file: str) -> Asset | None:
    """The file an example shows: its `media`, else its `input` when that names a file."""
    return classify(example.media if example.media else example.input, rule_file)


def example_assets(project: Project) -> Iterator[tuple[Rule, str, int, Example, Asset]]:
    """Every example and near miss of the project that shows a file (`media`, or an input that
    is an asset), in rule order."""
    for rule in sorted(project.rules, key=lambda r: r.id):
        for field_name in ("examples", "counterexamples"):
            for index, example in enumerate(getattr(rule, field_name)):
                asset = example_asset(example, rule.source.path)
                if asset is not None:
                    yield rule, field_name, index, example, asset


@dataclass
class CollectedAssets:
    files: dict[str, Path | bytes]  # site path → file on disk (work tree) or contents (a release)
    available: set[str]  # project-relative paths found
    problems: list[str]  # one line per missing or refused asset, naming the rule file and example


def collect_assets(root: Path, project: Project,
                   read_at: Callable[[list[str]], Mapping[str, bytes]] | None = None) -> CollectedAssets:
    """The local asset files the site ships, and a message for each one that is not there.

    `read_at`: for a release build, reads project-relative paths as they stood in the release
    (`history.read_files_at`); without it the files come from the work tree."""
    found = CollectedAssets({}, set(), [])
    if read_at is not None:
        return _collect_from_release(project, read_at, found)
    real_root = root.resolve()
    for rule, field_name, index, example, asset in example_assets(project):
        if asset.url is not None:
            continue
        where = f"{rule.source.path}: {rule.id} {field_name}[{index}]"
        if not asset.candidates():
            found.problems.append(f"{where}: asset {asset.text!r} is outside the project; shown as text")
            continue
        located = None
        for path in asset.candidates():
            file = root / path
            try:
                inside = file.resolve().is_relative_to(real_root)  # a symlink must not leave the project
            except OSError:
                inside = False
            if file.is_file() and not inside:
                found.problems.append(f"{where}: asset {asset.text!r} is outside the project (a link to {path})")
                located = False
                break
            if file.is_file():
                located = replace(asset, path=path, fallback=None)
                break
        if located is None:
            looked = " or ".join(asset.candidates())
            found.problems.append(f"{where}: asset {asset.text!r} not found (looked for {looked})")
        if located:
            found.available.add(located.path)
            found.files[located.site_path] = root / located.path
    found.problems = sorted(set(found.problems))
    return found


def _collect_from_release(project: Project, read_at: Callable[[list[str]], Mapping[str, bytes]],
                          found: CollectedAssets) -> CollectedAssets:
    entries = [entry for entry in example_assets(project) if entry[4].url is None]
    contents = read_at([path for *_, asset in entries for path in asset.candidates()])
    for rule, field_name, index, _example, asset in entries:
        where = f"{rule.source.path}: {rule.id} {field_name}[{index}]"
        located = asset.found_at(contents.keys())
        if not asset.candidates():
            found.problems.append(f"{where}: asset {asset.text!r} is outside the project; shown as text")
        elif located is None:
            looked = " or ".join(asset.candidates())
            found.problems.append(f"{where}: asset {asset.text!r} not in this release (looked for {looked})")
        else:
            found.available.add(located.path)
            found.files[located.site_path] = contents[located.path]
    found.problems = sorted(set(found.problems))
    return found
