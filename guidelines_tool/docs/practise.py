"""The "Practise" pages: one quiz page per task, built from the same questions as `quiz build`,
and the quiz results table of the quality page. Pure, like the rest of `render`.

A practise page is a list of questions with their answers folded away (`<details>`), so it reads
without JavaScript and in any Markdown site generator. `assets/guidelines-quiz.js` (shipped with
the plugin, no server, no request, nothing stored) turns the list into a quiz: one question at a
time, labels as buttons (number keys pick one), feedback quoting the deciding rule and its why,
a score at the end. `#quiz-RULE-ID` in the address practises one rule: the links under each rule
of a task page go there.

Every YAML value reaches the page through `safe.plain()` / `safe.rich_inline()`; attributes hold
only values built here (indexes, hashed ids, `anchor()`ed rule ids, site paths).
"""

from __future__ import annotations

from typing import AbstractSet, Any, Mapping, Sequence

from guidelines_tool.docs.assets import classify
from guidelines_tool.docs.pagekit import (
    Links, anchor, front_matter, href, label_name, page_name, release_list, task_page,
)
from guidelines_tool.docs.safe import attribute, inert_attribute, plain, rich_inline
from guidelines_tool.model import Project, Task
from guidelines_tool.quiz import KIND_WORDS, Baseline, Question, mark_changes, task_questions

QUIZ_SCRIPT = "assets/guidelines-quiz.js"
SITE_SCRIPT = "assets/guidelines.js"  # every page (plugin builds): wide tables reachable by keyboard
QUIZ_SIZE = 15  # questions in one round of a task's quiz (a rule's quiz asks all of its own)
NO_JS = ("Each question below is an item to label; open its answer to check yourself. With JavaScript "
         "on, this page asks them one at a time, {size} per round, and keeps the score (on this page only: "
         "nothing you answer is sent or stored).")


def practise_page(task_id: str) -> str:
    return f"practise/{page_name(task_id)}.md"


def rule_quiz_link(task_id: str, rule_id: str, from_page: str) -> str:
    """The address of one rule's quiz (its questions only) on the task's practise page."""
    return href(from_page, practise_page(task_id), f"quiz-{anchor(rule_id)}")


def site_questions(project: Project, history: Any = None) -> dict[str, tuple[list[Question], str | None]]:
    """Task id → (its questions, marked against the release before the guidelines shown; that
    release's tag) for every task with something to ask."""
    out = {}
    for task_id in sorted(project.tasks):
        found = task_questions(project, task_id)
        if not found.questions:
            continue
        baseline = site_baseline(project, history, task_id)
        out[task_id] = (mark_changes(found.questions, found.rules, baseline), baseline.tag if baseline else None)
    return out


def site_baseline(project: Project, history: Any, task_id: str) -> Baseline | None:
    """The newest release whose rules of the task differ from those shown (None without history)."""
    if history is None or not hasattr(history, "rules_at"):
        return None
    current = {r.id: r.content() for r in project.rules if r.task == task_id}
    for release in reversed(release_list(history, project.config.release_tag_prefix)):
        rules = history.rules_at(release.sha)
        if {r.id: r.content() for r in rules.values() if r.task == task_id} != current:
            return Baseline(release.tag, rules)
    return None


def practise_page_text(project: Project, task: Task, questions: Sequence[Question], baseline: str | None,
                       links: Links, assets: AbstractSet[str] | None = None) -> str:
    page = practise_page(task.id)
    # Not in the search index: a search for an example's words should land on its rule, where the
    # page is read, not on a quiz question (and the index is loaded by every page).
    out = [front_matter(f"Practise: {task.title}", searchable=False), f"# Practise: {plain(task.title)}\n"]
    rules = sorted({q.rule for q in questions})
    out.append(f"{len(questions)} questions from the examples, near misses and resolved ambiguous cases of "
               f"the {len(rules)} active rules of {links.task(task.id, page)}. "
               + NO_JS.format(size=QUIZ_SIZE) + "\n")
    if baseline:
        out.append(f"Questions marked **changed** belong to a rule whose decision changed since "
                   f"{plain(baseline)}: what you learned then is no longer right.\n")
    out.append(quiz_block(task, questions, page, baseline, assets))
    out.append("## Practise one rule\n")
    out.append(rule_index(project, questions, page))
    return "\n".join(out)


def quiz_block(task: Task, questions: Sequence[Question], page: str, baseline: str | None,
               assets: AbstractSet[str] | None) -> str:
    """The quiz as one raw HTML block (no blank line inside: Markdown passes it through whole)."""
    labels = task.label_ids
    parts = [f'<div class="gl-quiz" data-size="{QUIZ_SIZE}" data-multi="{int(task.multi_label)}">',
             '<ul class="gl-quiz-labels">'
             + "".join(f'<li data-index="{k}">{plain(label.name)}</li>' for k, label in enumerate(task.labels))
             + "</ul>", '<ol class="gl-quiz-questions">']
    for question in questions:
        answer = " ".join(str(labels.index(label)) for label in question.answer if label in labels)
        if not answer:
            continue  # a label the task does not have (lint reports it): not a fair question
        parts.append(_question(task, question, answer, page, baseline, assets))
    parts += ["</ol>", "</div>",
              f'<script class="gl-link" src="{attribute(href(page, QUIZ_SCRIPT))}" defer></script>']
    return "\n" + "\n".join(parts) + "\n"


def _question(task: Task, question: Question, answer: str, page: str, baseline: str | None,
              assets: AbstractSet[str] | None) -> str:
    item = question_input(question, page, assets)
    kind = KIND_WORDS[question.kind]
    changed = (f' · <strong class="gl-q-changed">changed</strong>: decision changed since {plain(baseline)}'
               if question.marked and baseline else "")
    names = ", ".join(plain(label_name(task, label)) for label in question.answer)
    rule_href = attribute(href(page, task_page(task.id), anchor(question.rule)))
    why = rich_inline(question.why) if question.kind == "ambiguous" else plain(question.why)
    key = (f'<details class="gl-q-key"><summary>Answer</summary>'
           f'<p class="gl-q-answer"><strong>{names}</strong></p>'
           f'<p class="gl-q-rule">Deciding rule: <a class="gl-link" href="{rule_href}">{plain(question.rule)} — '
           f'{plain(question.rule_title)}</a></p>'
           + (f'<p class="gl-q-why">{why}</p>' if why else "") + "</details>")
    return (f'<li class="gl-q" id="{attribute(question.item)}" data-rule="{attribute(anchor(question.rule))}" '
            f'data-answer="{answer}"><div class="gl-q-item">{item}</div>'
            f'<p class="gl-q-meta">{plain(kind.capitalize())}{changed}</p>{key}</li>')


def question_input(question: Question, page: str, assets: AbstractSet[str] | None) -> str:
    """What the annotator labels: the picture (a thumbnail that opens full size) and the text."""
    text = f'<p class="gl-q-text">{plain(question.input)}</p>' if question.input else ""
    if not question.media:
        return text
    asset = classify(question.media, question.source.path)
    if asset is None:
        return text or f'<p class="gl-q-text">{plain(question.media)}</p>'
    if asset.url is None:
        asset = asset.found_at(assets)
        if asset is None:
            return text or f'<p class="gl-q-text">{plain(question.media)} (file missing)</p>'
    # The alt text describes the item without giving the answer away: the input's text, when
    # the example has one, else a neutral word.
    alt = inert_attribute(question.input) if question.input else "Picture to label"
    return media_html(asset, page, alt) + text


def media_html(asset: Any, page: str, alt: str) -> str:
    """An asset as a thumbnail linking to the full file (image), a player (audio, video) or a link.
    `alt` is already fit for a quoted attribute."""
    src = inert_attribute(asset.url) if asset.url is not None else attribute(href(page, asset.site_path))
    remote = ' referrerpolicy="no-referrer"' if asset.url is not None else ""
    if asset.kind == "image":
        return (f'<a class="gl-asset-full" href="{src}"{remote}><img class="gl-asset-image" src="{src}" '
                f'alt="{alt}" loading="lazy" decoding="async"{remote}></a>')
    if asset.kind in ("audio", "video"):
        return (f'<{asset.kind} class="gl-asset-{asset.kind}" src="{src}" controls preload="none"{remote}>'
                f'</{asset.kind}>')
    return f'<a class="gl-asset-link" href="{src}"{remote}>{plain(asset.text)}</a>'


def rule_index(project: Project, questions: Sequence[Question], page: str) -> str:
    counts: dict[str, int] = {}
    for question in questions:
        counts[question.rule] = counts.get(question.rule, 0) + 1
    rows = []
    for rule_id in sorted(counts):
        rule = project.rule(rule_id)
        title = plain(rule.title) if rule else ""
        rows.append(f'- <a class="gl-link" id="quiz-{attribute(anchor(rule_id))}" '
                    f'href="#quiz-{attribute(anchor(rule_id))}">{plain(rule_id)}</a> — {title} '
                    f"({counts[rule_id]} question{'s' if counts[rule_id] != 1 else ''})")
    return "\n".join(rows) + "\n"


# --- the quality page's quiz section ------------------------------------------------------------


def quiz_results_section(results: Mapping[str, Any] | None, links: Links, from_page: str) -> str:
    """The quiz results table(s) of `quiz.results` (a `quiz score --format json` file)."""
    if results is None:
        return ""
    out = ["\n## Quiz results\n"]
    if results.get("error"):
        return "\n".join(out + [f"The quiz results file could not be read: {plain(str(results['error']))}\n"])
    for one in results.get("results", ()):
        task = one.get("task")
        if task:
            out.append(f"### {links.task(str(task), from_page) if str(task) in links.tasks else plain(str(task))}\n")
        mark = one.get("pass_mark")
        passed = sum(1 for a in one.get("annotators", ()) if a.get("status") == "passed")
        out.append(f"{passed} of {len(one.get('annotators', ()))} annotators passed"
                   + (f" (pass mark {_pct(mark)})" if isinstance(mark, (int, float)) else "") + ".\n")
        rows = []
        for a in one.get("annotators", ()):
            rows.append([plain(str(a.get("annotator", ""))), f"{_int(a.get('correct'))}/{_int(a.get('answered'))}",
                         _pct(a.get("accuracy")) + _ci(a.get("ci")), plain(str(a.get("status", ""))),
                         _weak(a.get("rules"), links, from_page)])
        out.append(_table(["Annotator", "Right", "Accuracy (95% CI)", "Result", "Rules missed"], rows))
        missed = [r for r in one.get("rules", ()) if isinstance(r, dict) and _num(r.get("wrong"))][:10]
        if missed:
            out.append("**Rules most often missed** (the rules to clarify)\n")
            out.append(_table(["Rule", "Wrong", "Miss rate (95% CI)", "Chosen instead"], [
                [links.rule(str(r.get("rule")), from_page), f"{_int(r.get('wrong'))}/{_int(r.get('answered'))}",
                 _pct(r.get("miss_rate")) + _ci(r.get("ci")),
                 ", ".join(f"{plain(str(c.get('labels')))} ×{_int(c.get('n'))}"
                           for c in (r.get("chosen_instead") or [])[:3] if isinstance(c, dict))]
                for r in missed]))
    return "\n".join(out)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: Any) -> str:
    number = _num(value)
    return "–" if number is None else str(int(number))


def _pct(value: Any) -> str:
    number = _num(value)
    return "–" if number is None else f"{number:.0%}"


def _ci(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2 and all(_num(v) is not None for v in value):
        return f" [{_pct(value[0])}, {_pct(value[1])}]"
    return ""


def _weak(rules: Any, links: Links, from_page: str) -> str:
    if not isinstance(rules, dict):
        return ""
    weak = sorted(((str(rule), t) for rule, t in rules.items() if isinstance(t, dict)
                   and _num(t.get("correct")) is not None and _num(t.get("answered"))
                   and t["correct"] < t["answered"]), key=lambda rt: (rt[1]["correct"] / rt[1]["answered"], rt[0]))
    return ", ".join(f"{links.rule(rule, from_page)} ({_int(t.get('correct'))}/{_int(t.get('answered'))})"
                     for rule, t in weak[:4]) + (f" +{len(weak) - 4}" if len(weak) > 4 else "")


def site_scripts() -> dict[str, str]:
    """The site's own scripts (package data), site path → text: the practise pages' quiz, and the
    script every page of a plugin build loads."""
    from importlib import resources

    folder = resources.files("guidelines_tool").joinpath("data", "site")
    return {path: folder.joinpath(path.rsplit("/", 1)[1]).read_text(encoding="utf-8")
            for path in (QUIZ_SCRIPT, SITE_SCRIPT)}
