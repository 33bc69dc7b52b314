"""Output of the history commands: `LOG_REPORTERS`, `DIFF_REPORTERS`, `CHANGELOG_REPORTERS`, and
`release_text` for `release`.

Each reporter turns a result into one string; the CLI echoes it. Text is for people, JSON for
other tools (stable keys, sorted), Markdown for pull-request comments and tag messages.
Importing this module stays cheap (no git, no diffing): the CLI builds its `--format` choices
from it, so what the reporters need from the core is imported where it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.output import json_text, md_cell, printable

if TYPE_CHECKING:
    from guidelines_tool.diffing import RuleChange, TaskChange
    from guidelines_tool.history import Comparison, RuleRevision
    from guidelines_tool.releases import Changelog, ReleasePlan, Section

SHORT_TEXT = 60  # longer strings are shown as a word diff, not old → new
#: Below this share of words kept (diffing.words_kept), most words changed: the old and the new
#: text are shown whole, one above the other, instead of a word diff that interleaves them.
REWRITTEN_BELOW = 0.5

# --- field-level detail -----------------------------------------------------------------------


def field_details(old: Any, new: Any, fields: tuple[str, ...]) -> list[str]:
    """One line (or a few) per changed field: old → new, a word diff, or item counts."""
    from guidelines_tool.diffing import MARKDOWN_FIELDS

    lines = []
    before = old.content() if old is not None else {}
    after = new.content() if new is not None else {}
    for name in fields:
        a, b = before.get(name), after.get(name)
        if name in MARKDOWN_FIELDS or _long(a) or _long(b):
            lines += _text_change(name, _text(a), _text(b))
        elif _records(a) or _records(b):
            lines.append(f"{name}: {_count_change(a or [], b or [])}")
        else:
            lines.append(f"{name}: {_short(a)} → {_short(b)}")
    return lines


def _text_change(name: str, old: str, new: str) -> list[str]:
    """A word diff when a few words changed; the old and the new text when most did."""
    from guidelines_tool.diffing import words_kept

    if old.strip() and new.strip() and words_kept(old, new) < REWRITTEN_BELOW:
        return [f"{name} (rewritten):", f"  old: {_one_line(old)}", f"  new: {_one_line(new)}"]
    return [f"{name}: {render_word_diff(old, new)}"]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def change_text(change: str, level: str) -> str:
    """A change and its level for people: `changed (minor)`; a move, which changes nothing an
    annotator reads (level none), is `moved (content unchanged)`."""
    return "moved (content unchanged)" if change == "moved" else f"{change} ({level})"


def render_word_diff(old: str, new: str) -> str:
    """git's `--word-diff=plain` notation on one line: [-removed-]{+added+}."""
    from guidelines_tool.diffing import word_diff

    parts = []
    for op, text in word_diff(old, new):
        text = re.sub(r"\s+", " ", text)  # one line: newlines and runs of blanks become a space
        parts.append({"equal": text, "delete": f"[-{text}-]", "insert": f"{{+{text}+}}"}[op])
    return "".join(parts).strip()


def _long(value: Any) -> bool:
    return isinstance(value, str) and (len(value) > SHORT_TEXT or "\n" in value.strip())


def _records(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(item, dict) for item in value)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _short(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


def _count_change(old: list, new: list) -> str:
    added = sum(1 for item in new if item not in old)
    removed = sum(1 for item in old if item not in new)
    parts = [f"{len(old)} → {len(new)} items"]
    if added:
        parts.append(f"{added} added")
    if removed:
        parts.append(f"{removed} removed")
    if not added and not removed:
        parts.append("reordered")
    return ", ".join(parts)


def task_summary(change: TaskChange) -> str:
    parts = []
    if change.labels_added:
        parts.append("labels added: " + ", ".join(change.labels_added))
    if change.labels_removed:
        parts.append("labels removed: " + ", ".join(change.labels_removed))
    if change.labels_renamed:
        parts.append("labels renamed: " + ", ".join(f"{a} → {b}" for a, b in change.labels_renamed))
    if change.labels_changed:
        parts.append("labels reworded: " + ", ".join(change.labels_changed))
    other = [name for name in change.fields if name != "labels"]
    if other:
        parts.append("fields: " + ", ".join(other))
    return "; ".join(parts)


# --- log --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleLog:
    """What `log` shows: one rule's revisions on the branch read (oldest first, as
    `rule_revisions` returns them; the reporters show them newest first)."""

    rule_id: str
    revisions: list[RuleRevision]
    branch: str
    # commit sha → what a concluded guideline experiment found about the wording it brought
    experiments: dict[str, str] = field(default_factory=dict)


class TextLogReporter(Reporter):
    name = "text"

    def render(self, log: RuleLog) -> str:
        revisions = log.revisions
        lines = [f"{log.rule_id}: {len(revisions)} revision{'s' * (len(revisions) != 1)} on {log.branch} (newest first)"]
        for rev in reversed(revisions):
            when = rev.commit.date.strftime("%Y-%m-%d %H:%M")
            lines.append("")
            lines.append(f"{rev.commit.short}  {when}  {rev.commit.author}  {change_text(rev.change, rev.level)}  {rev.path}")
            lines.append(f"    {rev.commit.subject or '(no message)'}")
            if rev.commit.sha in log.experiments:
                lines.append(f"    {log.experiments[rev.commit.sha]}")
            if rev.change == "moved" or (rev.previous_path and rev.previous_path != rev.path):
                lines.append(f"    moved from {rev.previous_path}")
            for detail in field_details(rev.previous, rev.rule, rev.fields):
                lines.append(f"    {detail}")
        return "\n".join(lines)


class JsonLogReporter(Reporter):
    name = "json"

    def render(self, log: RuleLog) -> str:
        payload = {"rule": log.rule_id, "revisions": [
            {**rev.to_dict(), **({"experiment": log.experiments[rev.commit.sha]} if rev.commit.sha in log.experiments else {})}
            for rev in reversed(log.revisions)]}
        return json_text(payload)


LOG_REPORTERS = registry(TextLogReporter, JsonLogReporter)


# --- diff -------------------------------------------------------------------------------------


def _fields_cell(change: RuleChange) -> str:
    if change.change == "moved" or (change.old and change.new and change.old.source.path != change.new.source.path):
        moved = f"moved from {change.old.source.path}"
        return ", ".join(change.fields + (moved,))
    return ", ".join(change.fields)


class TextDiffReporter(Reporter):
    name = "text"

    def render(self, comparison: Comparison) -> str:
        diff = comparison.diff
        head = f"{comparison.old_label} → {comparison.new_label}"
        if not diff:
            return f"{head}: no rule or task changes (version bump: none)"
        lines = [f"{head}: {len(diff.rules)} rule(s), {len(diff.tasks)} task(s) changed; version bump: {diff.bump}"]
        for change in diff.tasks:
            lines.append(f"  task {change.task_id}: {change.change} ({change.level})  {task_summary(change)}".rstrip())
        for change in diff.rules:
            lines.append(f"  {change.rule_id}: {change_text(change.change, change.level)}  {change.path}")
            if change.change == "moved" or (change.old and change.new and change.old.source.path != change.new.source.path):
                lines.append(f"      moved from {change.old.source.path}")
            for detail in field_details(change.old, change.new, change.fields):
                lines.append(f"      {detail}")
        return "\n".join(lines)


class JsonDiffReporter(Reporter):
    name = "json"

    def render(self, comparison: Comparison) -> str:
        payload = {"from": comparison.old_label, "to": comparison.new_label, **comparison.diff.to_dict()}
        return json_text(payload)


class MarkdownDiffReporter(Reporter):
    """A pull-request comment, after DVC's `metrics diff --md`: one table row per rule."""

    name = "md"

    def render(self, comparison: Comparison) -> str:
        diff = comparison.diff
        lines = [
            f"**Guideline changes** `{md_cell(comparison.old_label)}` → `{md_cell(comparison.new_label)}`: "
            f"version bump **{diff.bump}**",
            "",
        ]
        if not diff:
            return printable("\n".join(lines + ["No rule or task changes."]) + "\n")
        if diff.rules:
            lines += ["| Rule | Task | Change | Level | Fields |", "|------|------|--------|-------|--------|"]
            for change in diff.rules:
                rule = change.new or change.old
                lines.append(
                    f"| {md_cell(change.rule_id)} | {md_cell(rule.task if rule else '')} | {change.change} "
                    f"| {change.level} | {md_cell(_fields_cell(change)) or '—'} |"
                )
            lines.append("")
        if diff.tasks:
            lines += ["| Task | Change | Level | Details |", "|------|--------|-------|---------|"]
            for change in diff.tasks:
                lines.append(
                    f"| {md_cell(change.task_id)} | {change.change} | {change.level} | {md_cell(task_summary(change)) or '—'} |"
                )
            lines.append("")
        return printable("\n".join(lines))


DIFF_REPORTERS = registry(TextDiffReporter, JsonDiffReporter, MarkdownDiffReporter)


# --- changelog and release --------------------------------------------------------------------


def section_markdown(section: Section, level: int = 2) -> str:
    """One release's changes as Markdown (also the message of its annotated tag)."""
    from guidelines_tool.releases import GROUPS

    hashes = "#" * level
    title = section.tag or "Unreleased"
    when = f" — {section.date.date().isoformat()}" if section.date and section.tag else ""
    bump = "no version bump" if section.bump == "none" else section.bump
    lines = [f"{hashes} {title}{when} ({bump})", ""]
    since = f"Changes since {section.base_tag}." if section.base_tag else "First release." if section.tag else "Changes since the start."
    lines += [since, ""]
    if section.aliases:
        also = ", ".join(section.aliases)
        lines += [f"Also tagged {also} (the same commit: {section.tag} supersedes {'it' if len(section.aliases) == 1 else 'them'}).", ""]
    for name, _ in GROUPS:
        changes = section.group(name)
        if not changes:
            continue
        lines.append(f"{hashes}# {name.capitalize()}")
        lines.append("")
        for change in changes:
            rule = change.new or change.old
            title_text = f": {md_cell(rule.title)}" if rule and rule.title else ""
            extra = f" ({', '.join(change.fields)}; {change.level})" if change.fields else f" ({change.level})"
            marker = " (re-added)" if change.change == "re-added" else ""
            if change.old is not None and change.new is not None and change.old.source.path != change.new.source.path:
                where = f"moved from {_code(change.old.source.path)} to {_code(change.new.source.path)}"
                if change.change == "moved":
                    extra = f" ({where}; same content)"
                else:  # changed and moved in one release: the move is a detail of the change
                    extra = f"{extra[:-1]}; {where})"
            lines.append(f"- **{md_cell(change.rule_id)}**{title_text}{marker}{extra}")
        lines.append("")
    if section.experiments:
        lines += [f"{hashes}# Experiments", ""]
        lines += [f"- {md_cell(note)}" for note in section.experiments]
        lines.append("")
    if section.diff.tasks:
        lines.append(f"{hashes}# Tasks")
        lines.append("")
        for change in section.diff.tasks:
            detail = task_summary(change)
            lines.append(f"- **{md_cell(change.task_id)}** {change.change} ({change.level}){': ' + md_cell(detail) if detail else ''}")
        lines.append("")
    return printable("\n".join(lines).rstrip() + "\n")


def _code(path: str) -> str:
    """A path as a Markdown code span (a backtick in it gets a longer fence)."""
    fence = "``" if "`" in path else "`"
    pad = " " if "`" in path else ""
    return f"{fence}{pad}{printable(path)}{pad}{fence}"


class MarkdownChangelogReporter(Reporter):
    name = "md"

    def render(self, changelog: Changelog) -> str:
        parts = [f"# Changelog ({changelog.branch})", ""]
        if not changelog.sections:
            parts.append("No changes yet.")
        parts += [section_markdown(section) for section in changelog.sections]
        return printable("\n".join(parts).rstrip() + "\n")


class JsonChangelogReporter(Reporter):
    name = "json"

    def render(self, changelog: Changelog) -> str:
        return json_text(changelog.to_dict())


CHANGELOG_REPORTERS = registry(MarkdownChangelogReporter, JsonChangelogReporter)


def release_text(plan: ReleasePlan, *, dry_run: bool) -> str:
    previous = f"since {plan.previous_tag}" if plan.previous_tag else "first release"
    verb = "would tag" if dry_run else "tagged"
    head = f"{verb} {plan.tag} on {plan.commit.short} ({plan.section.bump} release, {previous})"
    if not dry_run:
        head += f"\npublish it with: git push origin {plan.tag}"
    return printable(head + "\n\n" + section_markdown(plan.section))


