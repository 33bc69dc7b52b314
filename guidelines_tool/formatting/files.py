"""Files for `fmt`: which files, what happened to each (`FileOutcome`, `FmtReport`), atomic
writes."""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

try:  # libyaml (ruamel.yaml.clib): reads tabs YAML allows where ruamel's own parser stops
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - without the C extension such files are refused, with their line
    _CParser = None

from guidelines_tool.errors import ConfigError
from guidelines_tool.formatting.roundtrip import FormatProblem, NotGuideline
from guidelines_tool.formatting.text import format_text
from guidelines_tool.loading import MAX_FILE_BYTES, FileProblem, read_file_bytes, relative_path
from guidelines_tool.project import CONFIG_NAME, find_root, project_files, read_config

Status = Literal["unchanged", "reformatted", "would-reformat", "skipped", "error"]


@dataclass(frozen=True)
class FileOutcome:
    """What `fmt` did (or would do) with one file."""

    path: str
    status: Status
    message: str = ""
    line: int = 1
    column: int = 1
    diff: str = ""  # unified diff of the change, when asked for


@dataclass(frozen=True)
class FmtReport:
    outcomes: tuple[FileOutcome, ...] = field(default_factory=tuple)
    check: bool = False

    @property
    def changed(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status in ("reformatted", "would-reformat"))

    @property
    def errors(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "error")

    @property
    def exit_code(self) -> int:
        """1 when a file failed, or (with --check) would change; else 0."""
        return 1 if self.errors or (self.check and self.changed) else 0


def default_paths(root: Path) -> list[Path]:
    """Every guideline and experiment file of the project, and `guidelines.yaml` first."""
    config, _findings = read_config(root)
    return [root / CONFIG_NAME, *project_files(root, config)]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders become the YAML files under them (sorted)."""
    result: list[Path] = []
    for path in paths:
        if path.is_dir():
            # special files too (a FIFO, a dangling link): reading them says what they are
            result.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and not p.is_dir()))
        else:
            result.append(path)
    return result


def format_paths(
    paths: list[Path] | None = None, *, check: bool = False, diff: bool = False, start: Path | None = None
) -> FmtReport:
    """Format the given files (or every guideline file of the project at `start`).

    With `check` (or `diff`), nothing is written: changed files are reported as `would-reformat`,
    with `diff` carrying their unified diff.
    """
    check = check or diff
    if paths:
        try:
            root = find_root(start)
        except ConfigError:
            root = (start or Path.cwd()).resolve()
        files = expand_paths(paths)
    else:
        root = find_root(start)
        files = default_paths(root)
    outcomes = [_format_one(path, relative_path(root, path), check=check, diff=diff) for path in files]
    return FmtReport(tuple(outcomes), check)


def _format_one(path: Path, shown: str, *, check: bool, diff: bool) -> FileOutcome:
    """One file's outcome, whatever happens: fmt runs over many files, and a YAML library failing
    on one of them (ruamel raises NotImplementedError, TypeError ... on shapes it cannot hold)
    must cost that file, reported, not the run."""
    try:
        return format_file(path, shown, check=check, diff=diff)
    except Exception as exc:  # noqa: BLE001 - the per-file boundary; the file is left untouched
        message = f"cannot format this file ({type(exc).__name__}: {exc}); left untouched - please report it"
        return FileOutcome(shown, "error", message)


def format_file(path: Path, shown: str, *, check: bool = False, diff: bool = False) -> FileOutcome:
    """Format one file in place (atomically), or only say whether it would change."""
    try:  # never blocks on a FIFO, never reads past the limit (a link to /dev/zero)
        raw = read_file_bytes(path, MAX_FILE_BYTES)
    except FileProblem as exc:
        return FileOutcome(shown, "error", exc.message)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:  # Windows-1252 or Latin-1, often: say where, touch nothing
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        message = f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (save the file as UTF-8); left untouched"
        return FileOutcome(shown, "error", message, line, column)
    if not text.strip():
        return FileOutcome(shown, "skipped", "empty file")
    try:
        formatted = format_text(text)
    except FormatProblem as problem:
        return FileOutcome(shown, "error", problem.message, problem.line, problem.column)
    except NotGuideline as exc:
        return FileOutcome(shown, "skipped", str(exc))
    if "\r\n" in text:
        formatted = formatted.replace("\n", "\r\n")
    if formatted == text:
        return FileOutcome(shown, "unchanged")
    if check:
        return FileOutcome(shown, "would-reformat", diff=unified_diff(shown, text, formatted) if diff else "")
    try:
        write_atomic(path, formatted)
    except OSError as exc:
        return FileOutcome(shown, "error", f"cannot write file: {exc.strerror}")
    return FileOutcome(shown, "reformatted")


def unified_diff(shown: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{shown}", f"b/{shown}"
    )
    return "".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a crash leaves the old file or the new, never half.

    A symbolic link is followed: the file it points at is replaced, the link stays a link.
    """
    path = Path(os.path.realpath(path))
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
