"""`.guidelines/publish-log.jsonl`: every push of the rules to a labeling tool, one JSON object a
line, appended by `publish` and committed with the guidelines. It is what links an annotation
made in the tool to the guideline revision the annotator was shown: the entry for the same
server and project that was live at the annotation's time (`Timeline.revision_at`).

A line that cannot be read is reported with its line number and left out, never guessed at.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from guidelines_tool.model import Finding

LOG_PATH = ".guidelines/publish-log.jsonl"
REQUIRED = ("tool", "url", "project", "task", "version", "commit", "time")


@dataclass(frozen=True)
class PublishEntry:
    """One push: to which tool, server (`url`) and project, of which task, which guidelines
    (`version`, `commit`), when (`time`, ISO 8601 UTC) and with which hotkeys (label id → key)."""

    tool: str
    url: str
    project: str
    task: str
    version: str
    commit: str
    time: str
    hotkeys: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def read_log(root: Path) -> tuple[list[PublishEntry], list[Finding]]:
    """The entries of the project's log (none when it does not exist), and a warning for each
    line that is not a complete entry."""
    path = root / LOG_PATH
    if not path.is_file():
        return [], []
    entries, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        entry, message = _entry(line)
        if entry is None:
            problems.append(Finding(LOG_PATH, number, 1, "PUB001", "bad-log-line", "warning",
                                    f"{message}; line left out"))
        else:
            entries.append(entry)
    return entries, problems


def _entry(line: str) -> tuple[PublishEntry | None, str]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg})"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    missing = [key for key in REQUIRED if not isinstance(data.get(key), (str, int)) or data.get(key) == ""]
    if missing:
        return None, f"missing {', '.join(missing)}"
    if parse_time(str(data["time"])) is None:
        return None, f"time {data['time']!r} is not an ISO 8601 time"
    hotkeys = data.get("hotkeys") if isinstance(data.get("hotkeys"), dict) else {}
    return PublishEntry(**{key: str(data[key]) for key in REQUIRED},
                        hotkeys={str(k): str(v) for k, v in hotkeys.items()}), ""


def append_entry(root: Path, entry: PublishEntry) -> Path:
    """Add `entry` at the end of the log (created with its folder when missing)."""
    path = root / LOG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(entry.to_json() + "\n")
    return path


def same_server(a: str, b: str) -> bool:
    return normalise_url(a) == normalise_url(b)


def normalise_url(url: str) -> str:
    """Scheme and host in lower case, no trailing slash: the same server written two ways
    (`HTTP://Host:8080/`, `http://host:8080`) is one server."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (a time without zone is taken as UTC)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def push_time(server: datetime | None, local: datetime) -> datetime:
    """When a push took effect, on the server's clock (annotation times are the server's).

    An HTTP `Date` header counts whole seconds: taken alone, an annotation made in the same
    second just before the push would fall after it. When the local clock reads within that
    second, it is the finer reading of the same moment; when the clocks disagree, the server's
    second wins."""
    if server is None:
        return local
    return local if server <= local < server + timedelta(seconds=1) else server


class Timeline:
    """The pushes to one project, oldest first: which commit was live at a given time."""

    def __init__(self, entries: list[PublishEntry], *, tool: str, url: str, project: str) -> None:
        mine = [e for e in entries if e.tool == tool and e.project == str(project) and same_server(e.url, url)]
        mine.sort(key=lambda e: parse_time(e.time))  # a stable sort: same-time pushes keep log order
        self.entries = mine
        self._times = [parse_time(e.time) for e in mine]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def entry_at(self, when: datetime | None) -> PublishEntry | None:
        """The last push at or before `when` (None before the first push, or without a time)."""
        if when is None:
            return None
        index = bisect.bisect_right(self._times, when)
        return self.entries[index - 1] if index else None

    def tasks(self) -> list[str]:
        return sorted({e.task for e in self.entries})


def latest_hotkeys(entries: list[PublishEntry], task: str) -> dict[str, str]:
    """The hotkeys of the last push of `task` to any project (so a new project for the same
    task gives annotators the keys they know)."""
    for entry in sorted(entries, key=lambda e: parse_time(e.time), reverse=True):
        if entry.task == task and entry.hotkeys:
            return dict(entry.hotkeys)
    return {}
