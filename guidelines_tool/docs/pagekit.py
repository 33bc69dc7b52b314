"""What every page module shares: safe names and anchors, links between pages, tables, formats,
release tags read from the history, and the chart point record. Everything here is pure."""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from guidelines_tool.docs.safe import plain
from guidelines_tool.model import Project, Task

FRONT_MATTER = "---\ntitle: {title}\nrender_macros: false\n---\n\n"
SAFE_RULE_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")
SAFE_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")

NO_HISTORY = ("No history available: the site was built without the guidelines' git history (not a "
              "repository, a shallow clone, or history switched off), so releases and rule revisions "
              "are not shown.\n")

HOME = "index.md"
QUALITY = "quality.md"
CHANGELOG = "changelog/index.md"
UNRELEASED = "changelog/unreleased.md"
STYLESHEET = "assets/guidelines.css"  # layout for phones and example assets (plugin builds only)

VERDICT_WORDS = {
    "improved": "agreement improved",
    "regressed": "agreement fell",
    "no_clear_change": "no clear change",
    "insufficient_data": "too little data",
    "inconclusive": "verdict withheld",
}


@dataclass(frozen=True)
class QualityPoint:
    """Agreement on one task under one guideline revision (a point on the quality chart)."""

    commit: str
    date: datetime | None
    alpha: float | None
    n_items: int
    n_annotations: int = 0
    release: str | None = None
    rules_changed: tuple[str, ...] = ()



# --- names, anchors, links ---------------------------------------------------------------


def _hashed(prefix: str, value: str) -> str:
    return f"{prefix}-{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()[:12]}"


def anchor(rule_id: str) -> str:
    """The rule's anchor: its id when the id is URL-safe (the schema's pattern), else a hash."""
    return rule_id if SAFE_RULE_ID.fullmatch(rule_id) else _hashed("rule", rule_id)


def page_name(task_id: str) -> str:
    """A task's page file stem: its id when safe (the schema's pattern), else a hash."""
    return task_id if SAFE_NAME.fullmatch(task_id) else _hashed("task", task_id)


def tag_name(tag: str) -> str:
    return tag if SAFE_TAG.fullmatch(tag) else _hashed("release", tag)


def task_page(task_id: str) -> str:
    return f"tasks/{page_name(task_id)}.md"


def changelog_page(tag: str) -> str:
    return f"changelog/{tag_name(tag)}.md"


def since_page(tag: str) -> str:
    """Everything that changed between release `tag` and the guidelines this site shows."""
    return f"changelog/since/{tag_name(tag)}.md"


def chart_path(task_id: str) -> str:
    return f"assets/quality/{page_name(task_id)}.png"


def href(from_page: str, to_path: str, fragment: str = "") -> str:
    """A relative link between generated files (both relative to the docs folder)."""
    target = posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")
    if target == posixpath.basename(from_page) and fragment:
        target = ""
    return f"{target}#{fragment}" if fragment else target


def front_matter(title: str, *, searchable: bool = True) -> str:
    # The title is emitted as a JSON string (valid YAML) built from inert text, so neither YAML
    # nor the theme's templates can read anything but text out of it.
    text = FRONT_MATTER.format(title=_yaml_string(title_text(title)))
    # Material's search honours `search: {exclude: true}` (MkDocs' own search ignores it)
    return text if searchable else text.replace("render_macros: false\n", "render_macros: false\nsearch:\n  exclude: true\n")


def title_text(text: str) -> str:
    # Templates print the page title raw in <title> and the navigation: keep words only.
    return re.sub(r"[<>&\"'`{}\[\]\\|*_#]", " ", " ".join(text.split())).strip() or "Untitled"


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


class Links:
    """Where every rule and task lives, so references become links (or plain text when dangling)."""

    def __init__(self, project: Project) -> None:
        self.rules = {rule.id: rule for rule in project.rules}
        self.tasks = project.tasks

    def rule(self, rule_id: str, from_page: str) -> str:
        rule = self.rules.get(rule_id)
        if rule is None or rule.task not in self.tasks:
            return plain(rule_id)
        return f"[{plain(rule_id)}]({href(from_page, task_page(rule.task), anchor(rule_id))})"

    def rules_list(self, rule_ids: Iterable[str], from_page: str) -> str:
        return ", ".join(self.rule(rule_id, from_page) for rule_id in rule_ids)

    def task(self, task_id: str, from_page: str) -> str:
        task = self.tasks.get(task_id)
        title = task.title if task else task_id
        if task is None:
            return plain(task_id)
        return f"[{plain(title)}]({href(from_page, task_page(task_id))})"


def label_name(task: Task | None, label_id: str) -> str:
    for label in task.labels if task else ():
        if label.id == label_id:
            return label.name
    return label_id


def md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table of already-safe cells (plain() output or links we built)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]], css_class: str) -> str:
    """An HTML table block of already-safe cells, for cells holding rich (block) content or media.

    Each cell carries its column's name (`data-label`, from our own header words, never YAML), so
    on a phone the stylesheet can stack a row into a card with every cell named, instead of a
    table whose last columns ("Do not use it when", "Why") sit off screen."""
    head = "".join(f"<th>{cell}</th>" for cell in headers)
    labels = [html.escape(re.sub(r"<[^>]*>", "", cell), quote=True) for cell in headers]
    body = "".join(
        "<tr>" + "".join(f'<td data-label="{label}">{cell}</td>' for label, cell in zip(labels, row)) + "</tr>"
        for row in rows
    )
    return (
        f'\n<div class="{css_class} gl-stack"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>\n"
    )


def inline_list(values: Iterable[str]) -> str:
    return "<br>".join(plain(value) for value in values)


def fmt_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return plain(str(value)) if value else ""


def fmt_number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return plain(str(value))



# --- releases (they only read the History interface) ----------------------------------


@dataclass(frozen=True)
class Release:
    tag: str
    sha: str
    date: datetime | None
    index: int  # position on the first-parent line


def _commit_index(history: Any) -> dict[str, int]:
    return {commit.sha: index for index, commit in enumerate(getattr(history, "commits", ()) or ())}


def release_list(history: Any, prefix: str) -> list[Release]:
    """Release tags on the branch's line, oldest first (tags off the line are not releases here)."""
    if history is None:
        return []
    if hasattr(history, "releases"):  # history knows versions: `<prefix>X.Y.Z` tags only
        index = _commit_index(history)
        # Several release tags on one commit are one release, named by its highest version
        # (as in `guidelines changelog`): the others would each get an empty page.
        newest = {commit.sha: name for name, _version, commit in history.releases()}
        return [Release(name, commit.sha, commit.date, index[commit.sha])
                for name, _version, commit in history.releases() if newest[commit.sha] == name]
    index = _commit_index(history)
    commits = list(history.commits)
    releases = [
        Release(tag, sha, commits[index[sha]].date, index[sha])
        for tag, sha in sorted(getattr(history, "tags", {}).items())
        if sha in index and tag.startswith(prefix or "")
    ]
    return sorted(releases, key=lambda release: (release.index, _version_key(release.tag)))


def _version_key(tag: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"[.\-]", tag))


