"""Changelog pages written for annotators: per release, "what changed since vX", field by field,
in plain language; and the changes not released yet."""

from __future__ import annotations

import re
from typing import Any, Mapping

from guidelines_tool.docs.pagekit import (
    CHANGELOG, NO_HISTORY, UNRELEASED, Links, Release, changelog_page, fmt_date, front_matter, href, label_name,
    md_table, release_list, since_page,
)
from guidelines_tool.docs.safe import plain
from guidelines_tool.model import Project, Rule, Task

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


def changelog_pages(project: Project, links: Links, history: Any, releases: list[Release]) -> dict[str, str]:
    out = [front_matter("Changelog"), "# What changed\n"]
    pages: dict[str, str] = {}
    if history is None:
        out.append(NO_HISTORY)
    elif not releases:
        out.append("No release has been tagged yet.\n")
    else:
        rows = []
        pending = unreleased(project, history, releases)
        for position, release in enumerate(releases):
            previous = releases[position - 1] if position else None
            since = f"since {plain(previous.tag)}" if previous else "first release"
            if release is not releases[-1]:
                catch_up = f"[everything since {plain(release.tag)}]({href(CHANGELOG, since_page(release.tag))})"
                pages[since_page(release.tag)] = since_release_page(project, links, history, release)
            elif pending is not None:
                catch_up = f"[not yet released changes]({href(CHANGELOG, UNRELEASED)})"
            else:
                catch_up = "nothing: it is the current version"
            rows.append([f"[{plain(release.tag)}]({href(CHANGELOG, changelog_page(release.tag))})",
                         fmt_date(release.date), since, catch_up])
            pages[changelog_page(release.tag)] = release_page(project, links, history, release, previous)
        out.append("Trained on an older release? The last column lists everything that changed since it, "
                   "in one place.\n")
        out.append(md_table(["Release", "Date", "Its changes", "Trained on it? Read"], reversed(rows)))
        if pending is not None:
            pages[UNRELEASED] = unreleased_page(project, links, releases[-1], pending)
            out.insert(2, f"The guidelines have [changed since {plain(releases[-1].tag)}]"
                          f"({href(CHANGELOG, UNRELEASED)}): those changes are not released yet.\n")
    pages[CHANGELOG] = "\n".join(out)
    return pages


def unreleased_page(project: Project, links: Links, last: Release, pending: tuple[dict, dict]) -> str:
    title = f"Not yet released: changes since {last.tag}"
    out = [front_matter(title), f"# Not yet released: changes since {plain(last.tag)}\n",
           "These changes are in the guidelines but not in a release yet.\n"]
    new_rules = {rule.id: rule for rule in project.rules}
    out.append(changes_between(pending[0], pending[1], new_rules, project.tasks, links, UNRELEASED, 2))
    return "\n".join(out)


def since_release_page(project: Project, links: Links, history: Any, release: Release) -> str:
    """"What changed since vX": the release an annotator learned against the guidelines shown here."""
    page = since_page(release.tag)
    out = [front_matter(f"What changed since {release.tag}"), f"# What changed since {plain(release.tag)}\n",
           f"For annotators trained on {plain(release.tag)} (released {fmt_date(release.date)}): every change "
           "between it and the guidelines on this site, rule by rule, in one list.\n"]
    new_rules = {rule.id: rule for rule in project.rules}
    out.append(changes_between(history.rules_at(release.sha), history.tasks_at(release.sha), new_rules,
                               project.tasks, links, page, 2))
    return "\n".join(out)


def release_page(project: Project, links: Links, history: Any, release: Release, previous: Release | None) -> str:
    page = changelog_page(release.tag)
    title = f"What changed in {release.tag}"
    out = [front_matter(title), f"# What changed in {plain(release.tag)}\n"]
    since = f"since {plain(previous.tag)}" if previous else "in the first release"
    out.append(f"Released {fmt_date(release.date)}. These are the changes {since}, rule by rule.\n")
    out.append(changes_text(project, links, history, release, page, heading_level=2))
    return "\n".join(out)


def changes_text(project: Project, links: Links, history: Any, release: Release, page: str, heading_level: int) -> str:
    """Plain-language, field-level changes of a release against the release before it."""
    releases = release_list(history, project.config.release_tag_prefix)
    position = next(i for i, r in enumerate(releases) if r.tag == release.tag)
    old_sha = releases[position - 1].sha if position else None
    old_rules, new_rules, _ = history.rules_changed(old_sha, release.sha)  # the rules either side lists
    return changes_between(old_rules, history.tasks_at(old_sha), new_rules, history.tasks_at(release.sha),
                           links, page, heading_level)


def unreleased(project: Project, history: Any, releases: list[Release]) -> tuple[dict, dict] | None:
    """The last release's rules and tasks, when the guidelines have changed since it."""
    if not releases:
        return None
    old_rules, old_tasks = history.rules_at(releases[-1].sha), history.tasks_at(releases[-1].sha)
    new_rules = {rule.id: rule for rule in project.rules}
    same = (old_rules.keys() == new_rules.keys()
            and all(old_rules[k].content() == new_rules[k].content() for k in old_rules)
            and old_tasks.keys() == project.tasks.keys()
            and all(old_tasks[k].content() == project.tasks[k].content() for k in old_tasks))
    return None if same else (old_rules, old_tasks)


def changes_between(old_rules: Mapping, old_tasks: Mapping, new_rules: Mapping, new_tasks: Mapping,
                    links: Links, page: str, heading_level: int) -> str:
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
        elif name == "unless" and added:
            text += " (new: " + "; ".join(f"“{plain(item)}”" for item in added) + ")"
        return text
    if name == "when" and new:
        return f"{words} now reads “{plain(_shorten(new))}”"
    return f"{words} was reworded"


def _shorten(text: str, limit: int = 240) -> str:
    """Markdown as one short line of words (emphasis and code marks dropped) for a quote."""
    flat = " ".join(re.sub(r"[*_`]+", "", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _label_field(name: str, before: Any, after: Any) -> str:
    """One changed field of a label, with its new text (an annotator needs the words, not the fact)."""
    old, new = getattr(before, name), getattr(after, name)
    if name == "definition":
        return f"the definition now reads “{plain(_shorten(new))}”" if new else "the definition was removed"
    if name in ("include", "exclude"):
        words = "use it when" if name == "include" else "do not use it when"
        added = [f"“{plain(item)}”" for item in new if item not in old]
        removed = [f"“{plain(item)}”" for item in old if item not in new]
        parts = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
        return f"{words}: {'; '.join(parts) or 'reordered'}"
    if name == "name":
        return f"renamed from **{plain(old)}**"
    return f"its value is now {plain(str(new))} (was {plain(str(old))})"


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
                details = "; ".join(_label_field(name, before[label_id], after[label_id]) for name in changed)
                entries.append(("Wording and examples", f"label **{plain(after[label_id].name)}**: {details}."))
    return entries


