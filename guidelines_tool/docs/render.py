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

import posixpath
import re
from dataclasses import dataclass, field
from typing import AbstractSet, Any, Mapping, Sequence

from guidelines_tool.docs.assets import example_asset
from guidelines_tool.docs.changelog import changelog_pages, changes_text, unreleased
from guidelines_tool.docs.pagekit import (
    HOME, NO_HISTORY, QUALITY, UNRELEASED, VERDICT_WORDS, anchor, changelog_page, fmt_date, fmt_number,
    front_matter, href, html_table, inline_list, label_name, Links, md_table, page_name, QualityPoint,
    Release, release_list, since_page, task_page,
)
from guidelines_tool.docs.practise import practise_page, practise_page_text, quiz_results_section, rule_quiz_link, site_questions
from guidelines_tool.docs.quality import quality_page
from guidelines_tool.docs.safe import attribute, inert_attribute, plain, prepare, rich, rich_inline
from guidelines_tool.experiment.conclude import revision_notes
from guidelines_tool.model import Project, Rule, Task

# Shells and tests name these through this module: the page function and its vocabulary.
__all__ = ["QualityPoint", "anchor", "page_name", "render_pages"]


# --- the entry point ---------------------------------------------------------------------


def render_pages(
    project: Project,
    *,
    history: Any = None,
    impact: Any = None,
    hotspots: Any = None,
    series: Mapping[str, Sequence[QualityPoint]] | None = None,
    assets: AbstractSet[str] | None = None,
    tabs: bool = True,
    quiz_results: Mapping[str, Any] | None = None,
    banners: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every page of the annotators' site: relative path (posix, under the docs folder) → Markdown.

    `history` (history.History), `impact` (impact.ImpactReport), `hotspots` (HotspotReport) and
    `series` (agreement over time per task) are optional; pages say what is missing without them.
    Charts are not pages: `charts.render_charts()` draws the images `quality.md` refers to.
    `assets`: the project-relative paths of example asset files that exist (`assets.collect_assets`);
    a local asset not in it is shown as missing. None: not checked, every local asset is linked.
    `tabs`: examples and near misses as content tabs (pymdownx.tabbed syntax); False gives two
    headed blocks instead, for sites without that extension (an unknown `===` line would turn
    the indented tables into a code block).
    `quiz_results`: the project's `quiz.results` file as read (`quiz_files.read_results`), shown
    on the quality page.
    `banners`: rule id → a notice shown atop the rule's section (the pilot of a new wording,
    `docs build --experiment`).
    """
    quizzes = site_questions(project, history)
    view = View(assets, tabs, {rule: n for questions, _ in quizzes.values() for rule, n in _count(questions).items()},
                dict(banners or {}), revision_notes(project.experiments))
    prepare(rich_texts(project))
    links = Links(project)
    releases = release_list(history, project.config.release_tag_prefix)
    verdicts = impact_verdicts(impact)
    pages = {HOME: home_page(project, links, history, releases, sorted(quizzes))}
    for task_id, task in sorted(project.tasks.items()):
        pages[task_page(task_id)] = task_page_text(project, task, links, history, verdicts, view)
    for task_id, (questions, baseline) in quizzes.items():
        pages[practise_page(task_id)] = practise_page_text(project, project.tasks[task_id], questions, baseline,
                                                           links, assets)
    orphans = sorted({rule.task for rule in project.rules} - set(project.tasks))
    if orphans:
        pages["tasks/unassigned.md"] = orphan_page(project, orphans, links, history, verdicts, view)
    pages.update(changelog_pages(project, links, history, releases))
    pages[QUALITY] = quality_page(project, links, history, impact, hotspots, series or {}) \
        + quiz_results_section(quiz_results, links, QUALITY)
    return dict(sorted(pages.items()))


def _count(questions) -> dict[str, int]:
    counts: dict[str, int] = {}
    for question in questions:
        counts[question.rule] = counts.get(question.rule, 0) + 1
    return counts


def rich_texts(project: Project) -> list[str]:
    """Every long Markdown field of the project (rendered in one go by `safe.prepare`)."""
    texts = []
    for task in project.tasks.values():
        texts.append(task.description)
        texts.extend(label.definition for label in task.labels)
    for rule in project.rules:
        texts += [rule.when, rule.rationale] + [case.resolution for case in rule.ambiguous_cases]
    return texts


@dataclass(frozen=True)
class View:
    """How task pages show examples: which asset files exist, and whether tabs are available."""

    assets: AbstractSet[str] | None = None
    tabs: bool = True
    quizzes: Mapping[str, int] = field(default_factory=dict)  # rule id → questions on its practise page
    banners: Mapping[str, str] = field(default_factory=dict)  # rule id → a notice atop its section
    # commit sha → what the concluded guideline experiment that brought it found (revision history)
    experiments: Mapping[str, str] = field(default_factory=dict)


# --- home --------------------------------------------------------------------------------


def home_page(project: Project, links: Links, history: Any, releases: list[Release],
              practise: Sequence[str] = ()) -> str:
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
    if practise:
        quizzes = " · ".join(f"[{plain(project.tasks[t].title)}]({href(HOME, practise_page(t))})" for t in practise)
        out.append(f"\nPractise with a quiz built from the rules' examples and near misses: {quizzes}.\n")
    out.append("\n## Current release\n")
    if history is None:
        out.append(NO_HISTORY)
    elif not releases:
        out.append("No release has been tagged yet.\n")
    else:
        current = releases[-1]
        since = f" (since {plain(releases[-2].tag)})" if len(releases) > 1 else ""
        out.append(
            f"**{plain(current.tag)}**, released {fmt_date(current.date)}. "
            f"[What changed in it{since}]({href(HOME, changelog_page(current.tag))}).\n"
        )
        if len(releases) > 1:
            older = " · ".join(f"[{plain(r.tag)}]({href(HOME, since_page(r.tag))})" for r in reversed(releases[:-1]))
            out.append(f"Trained on an older release? Everything that changed since: {older}.\n")
        out.append(changes_text(project, links, history, current, HOME, heading_level=3))
        if unreleased(project, history, releases) is not None:
            out.append(f"The guidelines have [changed since {plain(current.tag)}]({href(HOME, UNRELEASED)}) "
                       "(not released yet).\n")
    out.append(f"\nLeads: see [agreement and quality]({href(HOME, QUALITY)}).\n")
    return "\n".join(out)


# --- a task page -------------------------------------------------------------------------


def task_page_text(project: Project, task: Task, links: Links, history: Any, verdicts: Mapping,
                   view: View | None = None) -> str:
    page = task_page(task.id)
    out = [front_matter(task.title), f"# {plain(task.title)}\n"]
    out.append(f"Task `{page_name(task.id)}` · scale: {plain(task.scale)}"
               f"{' · several labels per item' if task.multi_label else ''}\n")
    out.append(rich(task.description))
    if history is None:
        out.append(NO_HISTORY)
    out.append("## Labels\n")
    out.append(labels_table(task))
    rules = sorted(project.rules_of(task.id), key=_rule_order)
    if not rules:
        out.append("\nNo rules yet.\n")
    for rule in rules:
        out.append(rule_section(rule, task, links, page, history, verdicts, view))
    return "\n".join(out)


def orphan_page(project: Project, task_ids: list[str], links: Links, history: Any, verdicts: Mapping,
                view: View | None = None) -> str:
    page = "tasks/unassigned.md"
    out = [front_matter("Rules without a known task"), "# Rules without a known task\n",
           "These rules name a task that no task file defines.\n"]
    for rule in sorted((r for r in project.rules if r.task in task_ids), key=_rule_order):
        out.append(rule_section(rule, None, links, page, history, verdicts, view))
    return "\n".join(out)


def _rule_order(rule: Rule) -> tuple:
    return (rule.status == "deprecated", rule.id)


def labels_table(task: Task) -> str:
    if not task.labels:
        return "This task defines no labels.\n"
    rows = [
        [f"<strong>{plain(label.name)}</strong><br><code>{plain(label.id)}</code>"
         + (f"<br>value {plain(fmt_number(label.value))}" if label.value is not None else ""),
         rich_inline(label.definition), inline_list(label.include), inline_list(label.exclude)]
        for label in task.labels
    ]
    return html_table(["Label", "Definition", "Use it when", "Do not use it when"], rows, "gl-labels")


def rule_section(rule: Rule, task: Task | None, links: Links, page: str, history: Any, verdicts: Mapping,
                 view: View | None = None) -> str:
    marker = {"deprecated": " (deprecated)", "draft": " (draft)"}.get(rule.status, "")
    out = [f'\n## <a id="{anchor(rule.id)}"></a>{plain(rule.id)} — {plain(rule.title)}{marker}\n']
    if view is not None and rule.id in view.banners:
        out.append(f'!!! info "Pilot"\n    {plain(view.banners[rule.id])}\n')
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
        out.append(f"**Decision:** label it **{plain(label_name(task, rule.decision))}**.\n")
    if rule.rationale.strip():
        out.append("**Why**\n")
        out.append(rich(rule.rationale))
    view = view or View()
    if view.quizzes.get(rule.id) and rule.status == "active":
        n = view.quizzes[rule.id]
        out.append(f"[Practise this rule]({rule_quiz_link(rule.task, rule.id, page)}) "
                   f"({n} question{'s' if n != 1 else ''}).\n")
    out.append(examples_tabs(rule, task, page, view))
    out.append(ambiguous_log(rule))
    out.append(revision_table(rule, history, verdicts, view.experiments))
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


def _examples_table(examples: Sequence, task: Task | None, rule: Rule, page: str,
                    assets: AbstractSet[str] | None) -> str:
    if not examples:
        return "None given.\n"
    rows = [[example_input(example, task, rule, page, assets),
             ", ".join(plain(label_name(task, l)) for l in example.labels), plain(example.why)]
            for example in examples]
    return html_table(["Input", "Label", "Why"], rows, "gl-examples")


def examples_tabs(rule: Rule, task: Task | None, page: str = "", view: View | None = None) -> str:
    view = view or View()
    if not rule.examples and not rule.counterexamples:
        return ""
    tabs = []
    for title, examples in (("Examples", rule.examples), ("Near misses", rule.counterexamples)):
        body = _examples_table(examples, task, rule, page, view.assets)
        if view.tabs:
            tabs.append(f'=== "{title}"\n\n' + "".join(f"    {line}\n" if line else "\n" for line in body.splitlines()))
        else:
            tabs.append(f"**{title}**\n\n{body}")
    return "\n".join(tabs)


def example_input(example: Any, task: Task | None, rule: Rule, page: str, assets: AbstractSet[str] | None) -> str:
    """An example's input cell: its text, or the asset it shows (image, player or link) — from
    its `media` field (the input then describes it) or from an input that names a file.

    Inline HTML in one table cell: no `|` or line break, every YAML-derived value either
    `plain()` text or an `inert_attribute()` (Markdown punctuation as character references, so
    no Markdown pass can reopen it). Local URLs are relative to
    the page's Markdown file; the MkDocs plugin rewrites them for the built page's URL.
    An image is a thumbnail that opens the full-size file.
    """
    media = getattr(example, "media", "")
    asset = example_asset(example, rule.source.path)
    described = f'<span class="gl-asset-text">{plain(str(example.input))}</span>' if media and str(example.input).strip() else ""
    if asset is None:
        return plain(str(example.input)) if not media else (described or plain(media)) + (
            f' <span class="gl-asset-missing">({plain(media)}: not a file the site can show)</span>')
    if asset.url is None:
        asset = asset.found_at(assets)
        if asset is None:
            shown = plain((media or str(example.input)).strip())
            return described + f'<span class="gl-asset-missing">{shown} (file missing)</span>'
    # A site path is built from safe characters only; a URL is untrusted text.
    src = inert_attribute(asset.url) if asset.url is not None else attribute(href(page, asset.site_path))
    remote = ' referrerpolicy="no-referrer"' if asset.url is not None else ""
    name = plain(posixpath.basename(asset.text.rstrip("/")) or asset.text)
    link = f'<a class="gl-asset-link" href="{src}"{remote}>{name}</a>'
    alt = inert_attribute(_SCRIPT_SCHEME.sub(lambda m: m[1] + " ", str(example.input))) if described else _alt(example, task)
    if asset.kind == "image":
        return (f'<a class="gl-asset-full" href="{src}"{remote}><img class="gl-asset-image" src="{src}" alt="{alt}" '
                f'loading="lazy" decoding="async"{remote}></a>'
                f'<span class="gl-asset-caption">{described or name}</span>')
    if asset.kind in ("audio", "video"):
        return (f'<{asset.kind} class="gl-asset-{asset.kind}" src="{src}" controls preload="none"{remote}>'
                f'</{asset.kind}><span class="gl-asset-caption">{described}{" " if described else ""}{link}</span>')
    return described + (" " if described else "") + link


def _alt(example: Any, task: Task | None) -> str:
    """Alt text from the example: its label and why, as inert text fit for a quoted attribute."""
    labels = ", ".join(label_name(task, label) for label in example.labels)
    text = f"Example labelled {labels}" + (f": {example.why}" if example.why else "")
    # Inert already; a script scheme is also kept out of the value, so that no attribute of the
    # site holds one, whatever reads it (a scanner, a screen reader's link detection).
    return inert_attribute(_SCRIPT_SCHEME.sub(lambda m: m[1] + " ", text))


_SCRIPT_SCHEME = re.compile(r"(javascript|vbscript|data)\s*:", re.IGNORECASE)


def ambiguous_log(rule: Rule) -> str:
    if not rule.ambiguous_cases:
        return ""
    rows = [[plain(case.case), rich_inline(case.resolution), plain(case.decided)]
            for case in sorted(rule.ambiguous_cases, key=lambda c: (c.decided, c.case))]
    return "**Ambiguous cases, resolved**\n" + html_table(["Case", "Resolution", "Decided"], rows, "gl-ambiguous")



# --- revision history of a rule -----------------------------------------------------------


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




def _verdict_text(row: dict | None) -> str:
    if not row:
        return "–"
    verdict = VERDICT_WORDS.get(str(row.get("verdict")), plain(str(row.get("verdict"))))
    delta = row.get("did", row.get("delta"))
    return f"{verdict} (Δα {fmt_number(delta)})" if isinstance(delta, (int, float)) else verdict


def _experiment_for(experiments: Mapping[str, str], sha: str) -> str | None:
    for commit, note in experiments.items():
        if commit and (sha.startswith(commit) or commit.startswith(sha)):
            return note
    return None


def revision_table(rule: Rule, history: Any, verdicts: Mapping, experiments: Mapping[str, str] | None = None) -> str:
    """`experiments`: commit sha → the concluded experiment that brought that revision (shown in
    an "Experiment" column, which only rules with such a revision get)."""
    head = "**Revision history**\n\n"
    if history is None:
        return ""  # said once at the top of the page
    revisions = rule_revisions(history, rule.id)
    if not revisions:
        return head + "No recorded revisions (the rule is not committed yet).\n"
    rows = []
    notes = [_experiment_for(experiments or {}, revision.commit.sha) for revision in reversed(revisions)]
    for revision, note in zip(reversed(revisions), notes):
        commit = revision.commit
        level = f" ({plain(revision.level)})" if revision.level not in ("none", "") else ""
        rows.append([
            fmt_date(commit.date), f"<code>{plain(commit.sha[:7])}</code>", plain(revision.change) + level,
            ", ".join(plain(field) for field in revision.fields),
            plain(commit.message.splitlines()[0] if commit.message else ""),
            _verdict_text(_verdict_for(verdicts, rule.id, commit.sha)),
        ] + ([plain(note) if note else "–"] if any(notes) else []))
    headers = ["Date", "Commit", "Change", "Fields", "Message", "Impact on agreement"]
    # An HTML table (like the examples'): on a phone each revision becomes a card with named cells.
    return head + html_table(headers + (["Experiment"] if any(notes) else []), rows, "gl-revisions")
