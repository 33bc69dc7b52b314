"""Pure page rendering: a project (plus optional history, impact and hotspot results) → Markdown.

`render_pages()` is the one function both shells call: the MkDocs plugin (`plugin.py`) and
`guidelines docs render --out DIR`. Pages are portable Markdown: headings, lists, Markdown tables,
admonitions and content tabs (pymdownx syntax, which degrades to plain text elsewhere), plus
sanitized HTML blocks for rich fields (see `safe.py`). Nothing here reads files, runs git or looks
at the clock: the same inputs give the same pages, byte for byte.

Every YAML value reaches the page through `safe.plain()` or `safe.rich()`; ids and paths used in
links and anchors go through `anchor()` / `page_name()`, which only let safe characters through.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from guidelines_tool.docs.safe import plain, rich, rich_inline
from guidelines_tool.model import Project, Rule, Task

FRONT_MATTER = "---\ntitle: {title}\nrender_macros: false\n---\n\n"
SAFE_RULE_ID = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")
SAFE_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")

HOME = "index.md"
QUALITY = "quality.md"
CHANGELOG = "changelog/index.md"

FIELD_WORDS = {
    "title": "the title",
    "task": "the task it belongs to",
    "status": "its status",
    "labels": "the labels it decides between",
    "decision": "the label it assigns",
    "when": "the condition (when)",
    "unless": "the exceptions (unless)",
    "rationale": "the rationale",
    "examples": "the examples",
    "counterexamples": "the near-miss examples",
    "ambiguous_cases": "the resolved ambiguous cases",
    "overrides": "which rules it overrides",
    "see_also": "its related rules",
    "replaced_by": "its replacement",
    "tags": "its tags",
}
# Fields whose change means an annotator may now label differently.
BEHAVIOUR_FIELDS = ("labels", "decision", "when", "unless", "overrides", "status", "task")


@dataclass(frozen=True)
class QualityPoint:
    """Agreement on one task under one guideline revision (a point on the quality chart)."""

    commit: str
    date: datetime | None
    alpha: float | None
    n_items: int
    n_annotations: int = 0


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


def chart_path(task_id: str) -> str:
    return f"assets/quality/{page_name(task_id)}.png"


def href(from_page: str, to_path: str, fragment: str = "") -> str:
    """A relative link between generated files (both relative to the docs folder)."""
    target = posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")
    if target == posixpath.basename(from_page) and fragment:
        target = ""
    return f"{target}#{fragment}" if fragment else target


def front_matter(title: str) -> str:
    # The title is emitted as a JSON string (valid YAML) built from inert text, so neither YAML
    # nor the theme's templates can read anything but text out of it.
    return FRONT_MATTER.format(title=_yaml_string(_title_text(title)))


def _title_text(text: str) -> str:
    # Templates print the page title raw in <title> and the navigation: keep words only.
    return re.sub(r"[<>&\"'`{}\[\]\\|*_#]", " ", " ".join(text.split())).strip() or "Untitled"


def _yaml_string(text: str) -> str:
    import json

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
    """An HTML table block of already-safe cells, for cells holding rich (block) content."""
    head = "".join(f"<th>{cell}</th>" for cell in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'\n<div class="{css_class}" markdown="0"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>\n"
    )


def _inline_list(values: Iterable[str]) -> str:
    return "<br>".join(plain(value) for value in values)


def _fmt_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return plain(str(value)) if value else ""


def _fmt_number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return plain(str(value))


# --- the entry point ---------------------------------------------------------------------


def render_pages(
    project: Project,
    *,
    history: Any = None,
    impact: Any = None,
    hotspots: Any = None,
    series: Mapping[str, Sequence[QualityPoint]] | None = None,
) -> dict[str, str]:
    """Every page of the annotators' site: relative path (posix, under the docs folder) → Markdown.

    `history` (history.History), `impact` (impact.ImpactReport), `hotspots` (HotspotReport) and
    `series` (agreement over time per task) are optional; pages say what is missing without them.
    Charts are not pages: `charts.render_charts()` draws the images `quality.md` refers to.
    """
    links = Links(project)
    releases = release_list(history, project.config.release_tag_prefix)
    verdicts = impact_verdicts(impact)
    pages = {HOME: home_page(project, links, history, releases)}
    for task_id, task in sorted(project.tasks.items()):
        pages[task_page(task_id)] = task_page_text(project, task, links, history, verdicts)
    orphans = sorted({rule.task for rule in project.rules} - set(project.tasks))
    if orphans:
        pages["tasks/unassigned.md"] = orphan_page(project, orphans, links, history, verdicts)
    pages.update(changelog_pages(project, links, history, releases))
    pages[QUALITY] = quality_page(project, links, history, impact, hotspots, series or {})
    return dict(sorted(pages.items()))


# --- home --------------------------------------------------------------------------------


def home_page(project: Project, links: Links, history: Any, releases: list[Release]) -> str:
    out = [front_matter(project.config.docs.title), f"# {plain(project.config.docs.title)}\n"]
    out.append("## Tasks\n")
    rows = []
    for task_id, task in sorted(project.tasks.items()):
        rules = project.rules_of(task_id)
        active = sum(rule.status == "active" for rule in rules)
        rows.append(
            [links.task(task_id, HOME), f"`{page_name(task_id)}`" if page_name(task_id) == task_id else plain(task_id),
             str(len(task.labels)), str(active), str(len(rules) - active)]
        )
    if rows:
        out.append(md_table(["Task", "Id", "Labels", "Active rules", "Other rules"], rows))
    else:
        out.append("This project has no tasks yet.\n")
    out.append("\n## Current release\n")
    if history is None:
        out.append("No history available: the guidelines are not in a git repository.\n")
    elif not releases:
        out.append("No release has been tagged yet.\n")
    else:
        current = releases[-1]
        since = f" (since {plain(releases[-2].tag)})" if len(releases) > 1 else ""
        out.append(
            f"**{plain(current.tag)}**, released {_fmt_date(current.date)}. "
            f"[What changed in it{since}]({href(HOME, changelog_page(current.tag))}).\n"
        )
        out.append(changes_text(project, links, history, current, HOME, heading_level=3))
    out.append(f"\nLeads: see [agreement and quality]({href(HOME, QUALITY)}).\n")
    return "\n".join(out)


# --- a task page -------------------------------------------------------------------------


def task_page_text(project: Project, task: Task, links: Links, history: Any, verdicts: Mapping) -> str:
    page = task_page(task.id)
    out = [front_matter(task.title), f"# {plain(task.title)}\n"]
    out.append(f"Task `{page_name(task.id)}` · scale: {plain(task.scale)}"
               f"{' · several labels per item' if task.multi_label else ''}\n")
    out.append(rich(task.description))
    out.append("## Labels\n")
    out.append(labels_table(task))
    rules = sorted(project.rules_of(task.id), key=_rule_order)
    out.append("\n## Rules\n")
    if not rules:
        out.append("No rules yet.\n")
    else:
        out.append(md_table(["Rule", "Title", "Status"], (
            [links.rule(rule.id, page), plain(rule.title), plain(rule.status)] for rule in rules)))
    for rule in rules:
        out.append(rule_section(rule, task, links, page, history, verdicts))
    return "\n".join(out)


def orphan_page(project: Project, task_ids: list[str], links: Links, history: Any, verdicts: Mapping) -> str:
    page = "tasks/unassigned.md"
    out = [front_matter("Rules without a known task"), "# Rules without a known task\n",
           "These rules name a task that no task file defines.\n"]
    for rule in sorted((r for r in project.rules if r.task in task_ids), key=_rule_order):
        out.append(rule_section(rule, None, links, page, history, verdicts))
    return "\n".join(out)


def _rule_order(rule: Rule) -> tuple:
    return (rule.status == "deprecated", rule.id)


def labels_table(task: Task) -> str:
    if not task.labels:
        return "This task defines no labels.\n"
    rows = [
        [f"<strong>{plain(label.name)}</strong><br><code>{plain(label.id)}</code>"
         + (f"<br>value {plain(_fmt_number(label.value))}" if label.value is not None else ""),
         rich_inline(label.definition), _inline_list(label.include), _inline_list(label.exclude)]
        for label in task.labels
    ]
    return html_table(["Label", "Definition", "Use it when", "Do not use it when"], rows, "gl-labels")


def rule_section(rule: Rule, task: Task | None, links: Links, page: str, history: Any, verdicts: Mapping) -> str:
    out = [f'\n## <a id="{anchor(rule.id)}"></a>{plain(rule.id)} — {plain(rule.title)}\n']
    if rule.status == "deprecated":
        replacement = (f"Use {links.rule(rule.replaced_by, page)} instead."
                       if rule.replaced_by else "It has no replacement.")
        out.append(f'!!! warning "Deprecated"\n    This rule is deprecated. {replacement}\n')
    elif rule.status == "draft":
        out.append('!!! note "Draft"\n    This rule is a draft: it is not in force yet.\n')
    out.append(rule_facts(rule, task, links, page))
    if rule.when.strip():
        out.append("**When**\n")
        out.append(rich(rule.when))
    if rule.unless:
        out.append("**Unless**\n")
        out.append("\n".join(f"- {plain(text)}" for text in rule.unless) + "\n")
    if rule.decision:
        out.append(f"**Decision:** label it **{plain(label_name(task, rule.decision))}** "
                   f"(`{plain(rule.decision)}`).\n")
    if rule.rationale.strip():
        out.append("**Why**\n")
        out.append(rich(rule.rationale))
    out.append(examples_tabs(rule, task))
    out.append(ambiguous_log(rule))
    out.append(revision_table(rule, history, verdicts))
    return "\n".join(part for part in out if part)


def rule_facts(rule: Rule, task: Task | None, links: Links, page: str) -> str:
    facts = [f"**Status:** {plain(rule.status)}"]
    if rule.labels:
        names = ", ".join(plain(label_name(task, label)) for label in rule.labels)
        facts.append(f"**Decides between:** {names}")
    if rule.overrides:
        facts.append(f"**Overrides:** {links.rules_list(rule.overrides, page)}")
    if rule.see_also:
        facts.append(f"**See also:** {links.rules_list(rule.see_also, page)}")
    if rule.tags:
        facts.append(f"**Tags:** {', '.join(plain(tag) for tag in rule.tags)}")
    return " · ".join(facts) + "\n"


def _examples_table(examples: Sequence, task: Task | None) -> str:
    if not examples:
        return "None given.\n"
    rows = [[plain(example.input), ", ".join(plain(label_name(task, l)) for l in example.labels),
             plain(example.why)] for example in examples]
    return md_table(["Input", "Label", "Why"], rows)


def examples_tabs(rule: Rule, task: Task | None) -> str:
    if not rule.examples and not rule.counterexamples:
        return ""
    tabs = []
    for title, examples in (("Examples", rule.examples), ("Near misses", rule.counterexamples)):
        body = _examples_table(examples, task)
        tabs.append(f'=== "{title}"\n\n' + "".join(f"    {line}\n" if line else "\n" for line in body.splitlines()))
    return "\n".join(tabs)


def ambiguous_log(rule: Rule) -> str:
    if not rule.ambiguous_cases:
        return ""
    rows = [[plain(case.case), rich_inline(case.resolution), plain(case.decided)]
            for case in sorted(rule.ambiguous_cases, key=lambda c: (c.decided, c.case))]
    return "**Ambiguous cases, resolved**\n" + html_table(["Case", "Resolution", "Decided"], rows, "gl-ambiguous")


# --- history-dependent parts (small and isolated: they only read the History interface) ---


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
        return [Release(name, commit.sha, commit.date, index[commit.sha])
                for name, _version, commit in history.releases()]
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


def rule_revisions(history: Any, rule_id: str) -> list:
    if history is None:
        return []
    return list(getattr(history, "revisions", {}).get(rule_id, ()))


def impact_verdicts(impact: Any) -> dict[tuple[str, str], dict]:
    """(rule id, commit sha) → the impact row for that revision (from the report's JSON shape)."""
    if impact is None:
        return {}
    data = impact.to_dict() if hasattr(impact, "to_dict") else impact
    return {(str(row.get("rule")), str(row.get("commit"))): row for row in data.get("revisions", ())}


def _verdict_for(verdicts: Mapping, rule_id: str, sha: str) -> dict | None:
    for (rule, commit), row in verdicts.items():
        if rule == rule_id and commit and (sha.startswith(commit) or commit.startswith(sha)):
            return row
    return None


VERDICT_WORDS = {
    "improved": "agreement improved",
    "regressed": "agreement fell",
    "no_clear_change": "no clear change",
    "insufficient_data": "too little data",
}


def _verdict_text(row: dict | None) -> str:
    if not row:
        return "–"
    verdict = VERDICT_WORDS.get(str(row.get("verdict")), plain(str(row.get("verdict"))))
    delta = row.get("did", row.get("delta"))
    return f"{verdict} (Δα {_fmt_number(delta)})" if isinstance(delta, (int, float)) else verdict


def revision_table(rule: Rule, history: Any, verdicts: Mapping) -> str:
    head = "**Revision history**\n\n"
    if history is None:
        return head + "No history available.\n"
    revisions = rule_revisions(history, rule.id)
    if not revisions:
        return head + "No recorded revisions (the rule is not committed yet).\n"
    rows = []
    for revision in reversed(revisions):
        commit = revision.commit
        rows.append([
            _fmt_date(commit.date), f"`{plain(commit.sha[:10])}`", plain(revision.change),
            plain(revision.level), ", ".join(plain(field) for field in revision.fields),
            plain(commit.message.splitlines()[0] if commit.message else ""),
            _verdict_text(_verdict_for(verdicts, rule.id, commit.sha)),
        ])
    return head + md_table(["Date", "Commit", "Change", "Level", "Fields", "Message", "Impact"], rows)


# --- changelog ---------------------------------------------------------------------------


def changelog_pages(project: Project, links: Links, history: Any, releases: list[Release]) -> dict[str, str]:
    out = [front_matter("Changelog"), "# What changed\n"]
    pages: dict[str, str] = {}
    if history is None:
        out.append("No history available: the guidelines are not in a git repository.\n")
    elif not releases:
        out.append("No release has been tagged yet.\n")
    else:
        rows = []
        for position, release in enumerate(releases):
            previous = releases[position - 1] if position else None
            since = f"since {plain(previous.tag)}" if previous else "first release"
            rows.append([f"[{plain(release.tag)}]({href(CHANGELOG, changelog_page(release.tag))})",
                         _fmt_date(release.date), since])
            pages[changelog_page(release.tag)] = release_page(project, links, history, release, previous)
        out.append(md_table(["Release", "Date", "Compared with"], reversed(rows)))
    pages[CHANGELOG] = "\n".join(out)
    return pages


def release_page(project: Project, links: Links, history: Any, release: Release, previous: Release | None) -> str:
    page = changelog_page(release.tag)
    title = f"What changed in {release.tag}"
    out = [front_matter(title), f"# What changed in {plain(release.tag)}\n"]
    since = f"since {plain(previous.tag)}" if previous else "in the first release"
    out.append(f"Released {_fmt_date(release.date)}. These are the changes {since}, rule by rule.\n")
    out.append(changes_text(project, links, history, release, page, heading_level=2))
    return "\n".join(out)


def changes_text(project: Project, links: Links, history: Any, release: Release, page: str, heading_level: int) -> str:
    """Plain-language, field-level changes of a release against the release before it."""
    releases = release_list(history, project.config.release_tag_prefix)
    position = next(i for i, r in enumerate(releases) if r.tag == release.tag)
    old_rules = history.rules_at(releases[position - 1].sha) if position else {}
    old_tasks = history.tasks_at(releases[position - 1].sha) if position else {}
    new_rules, new_tasks = history.rules_at(release.sha), history.tasks_at(release.sha)
    entries = rule_changes(old_rules, new_rules, old_tasks, new_tasks, links, page)
    entries += label_changes(old_tasks, new_tasks)
    if not entries:
        return "No rule or label changed.\n"
    hashes = "#" * heading_level
    out = []
    for group in ("Changes how you label", "Added", "Deprecated", "Removed", "Wording and examples"):
        items = [text for kind, text in entries if kind == group]
        if items:
            out.append(f"{hashes} {group}\n")
            out.append("\n".join(f"- {text}" for text in items) + "\n")
    return "\n".join(out)


def _rule_ref(rule: Rule, links: Links, page: str) -> str:
    return f"{links.rule(rule.id, page)} {plain(rule.title)}"


def rule_changes(old: Mapping[str, Rule], new: Mapping[str, Rule], old_tasks: Mapping, new_tasks: Mapping,
                 links: Links, page: str) -> list[tuple[str, str]]:
    entries = []
    for rule_id in sorted(set(old) | set(new)):
        before, after = old.get(rule_id), new.get(rule_id)
        if before is None:
            entries.append(("Added", f"{_rule_ref(after, links, page)}: a new rule."))
        elif after is None:
            entries.append(("Removed", f"{plain(rule_id)} {plain(before.title)}: removed."))
        elif after.status == "deprecated" and before.status != "deprecated":
            instead = f" Use {links.rule(after.replaced_by, page)} instead." if after.replaced_by else ""
            entries.append(("Deprecated", f"{_rule_ref(after, links, page)}: deprecated.{instead}"))
        else:
            changed = [name for name in FIELD_WORDS if before.content()[name] != after.content()[name]]
            if changed:
                group = ("Changes how you label" if any(f in BEHAVIOUR_FIELDS for f in changed)
                         else "Wording and examples")
                details = "; ".join(describe_field(name, before, after, new_tasks.get(after.task)) for name in changed)
                entries.append((group, f"{_rule_ref(after, links, page)}: {details}."))
    return entries


def describe_field(name: str, before: Rule, after: Rule, task: Task | None) -> str:
    """One changed field of a rule, said in plain language."""
    old, new = getattr(before, name), getattr(after, name)
    words = FIELD_WORDS[name]
    if name == "decision":
        return (f"now assigns **{plain(label_name(task, new or ''))}** "
                f"(was **{plain(label_name(task, old or '')) or 'none'}**)")
    if name == "labels":
        return f"{words} are now {', '.join(plain(label_name(task, l)) for l in new) or 'none'}"
    if name == "status":
        return f"status is now {plain(new)} (was {plain(old)})"
    if isinstance(new, tuple):
        added = [item for item in new if item not in old]
        removed = [item for item in old if item not in new]
        parts = [f"{len(added)} added" if added else "", f"{len(removed)} removed" if removed else ""]
        summary = ", ".join(part for part in parts if part) or "reordered"
        text = f"{words}: {summary}"
        if name == "ambiguous_cases" and added:
            text += " (new: " + "; ".join(f"“{plain(case.case)}”" for case in added) + ")"
        return text
    return f"{words} was reworded"


def label_changes(old_tasks: Mapping[str, Task], new_tasks: Mapping[str, Task]) -> list[tuple[str, str]]:
    entries = []
    for task_id in sorted(set(old_tasks) | set(new_tasks)):
        before = {label.id: label for label in old_tasks[task_id].labels} if task_id in old_tasks else {}
        after = {label.id: label for label in new_tasks[task_id].labels} if task_id in new_tasks else {}
        for label_id in sorted(set(after) - set(before)):
            entries.append(("Added", f"label **{plain(after[label_id].name)}** (`{plain(label_id)}`) added."))
        for label_id in sorted(set(before) - set(after)):
            entries.append(("Changes how you label",
                            f"label **{plain(before[label_id].name)}** (`{plain(label_id)}`) removed."))
        for label_id in sorted(set(before) & set(after)):
            changed = [name for name in ("name", "definition", "include", "exclude", "value")
                       if getattr(before[label_id], name) != getattr(after[label_id], name)]
            if changed:
                entries.append(("Wording and examples",
                                f"label **{plain(after[label_id].name)}**: {', '.join(changed)} changed."))
    return entries


# --- quality -----------------------------------------------------------------------------


def quality_page(project: Project, links: Links, history: Any, impact: Any, hotspots: Any,
                 series: Mapping[str, Sequence[QualityPoint]]) -> str:
    out = [front_matter("Agreement and quality"), "# Agreement and quality\n",
           "For leads: how well annotators agree, which rule revisions moved agreement, "
           "and where they still disagree.\n", "## Agreement over time\n"]
    if not series:
        out.append("No annotation data available: agreement over time cannot be shown.\n")
    for task_id in sorted(series):
        points = series[task_id]
        task = project.tasks.get(task_id)
        out.append(f"### {plain(task.title if task else task_id)}\n")
        out.append(f"![Agreement over time for {plain(_title_text(task.title if task else task_id))}]"
                   f"({href(QUALITY, chart_path(task_id))})\n")
        rows = [[_fmt_date(p.date), f"`{plain(p.commit[:10])}`", _fmt_number(p.alpha), str(p.n_items)]
                for p in points]
        out.append(md_table(["Date", "Guideline revision", "Krippendorff's α", "Items"], rows))
    out.append("\n## Impact of rule revisions\n")
    out.append(impact_table(impact, links))
    out.append("\n## Hotspots\n")
    out.append(hotspots_text(hotspots))
    return "\n".join(out)


def impact_table(impact: Any, links: Links) -> str:
    if impact is None:
        return "No impact analysis available (it needs git history and annotation data).\n"
    data = impact.to_dict() if hasattr(impact, "to_dict") else impact
    revisions = data.get("revisions", [])
    if not revisions:
        return "No rule revision could be linked to annotations.\n"
    rows = []
    for row in revisions:
        rows.append([
            links.rule(str(row.get("rule")), QUALITY), f"`{plain(str(row.get('commit', ''))[:10])}`",
            plain(str(row.get("date", ""))[:10]), plain(str(row.get("change", ""))),
            _fmt_number((row.get("before") or {}).get("alpha")), _fmt_number((row.get("after") or {}).get("alpha")),
            _fmt_number(row.get("delta")), _fmt_number(row.get("did")),
            plain(VERDICT_WORDS.get(str(row.get("verdict")), str(row.get("verdict")))),
        ])
    text = md_table(["Rule", "Commit", "Date", "Change", "α before", "α after", "Δ", "Δ vs control", "Verdict"], rows)
    unresolved = (data.get("unresolved") or {}).get("count")
    if unresolved:
        text += f"\n{_fmt_number(unresolved)} annotations could not be tied to a guideline revision.\n"
    return text


def hotspots_text(hotspots: Any) -> str:
    """Each list in the hotspot report as a table (columns from its records' keys)."""
    if hotspots is None:
        return "No hotspot analysis available (it needs annotation data).\n"
    data = hotspots.to_dict() if hasattr(hotspots, "to_dict") else hotspots
    out = []
    for key, value in sorted(data.items()):
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            columns = sorted({column for item in value for column in item})
            out.append(f"### {plain(key.replace('_', ' ').capitalize())}\n")
            out.append(md_table([plain(c) for c in columns],
                                ([_cell(item.get(column)) for column in columns] for item in value)))
    return "\n".join(out) or "No disagreement hotspots found.\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return _fmt_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{plain(str(k))}: {_cell(v)}" for k, v in sorted(value.items()))
    return plain("" if value is None else str(value))
