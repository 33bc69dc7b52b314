"""A task's rules as the instructions a labeling tool shows next to every item: sanitised HTML
made by the site's own renderer (`docs.render`), so annotators read in the tool what the site
says — the labels, each active rule's decision, examples and near misses — stamped with the
guideline version and commit, with links to the full published site and to the task's quiz.

Rule text is untrusted: every field goes through `docs.safe` as on the site, and the whole
fragment through the same allowlist sanitiser again at the end (`nh3`), with links made absolute
(a relative link would point into the labeling tool) or dropped when the site's address is
unknown. Pure: the same project, stamp and site give the same bytes.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import nh3

from guidelines_tool.docs.pagekit import HOME, Links, task_page
from guidelines_tool.docs.practise import practise_page
from guidelines_tool.docs.render import View, labels_table, rule_section
from guidelines_tool.docs.safe import ALLOWED_TAGS, URL_SCHEMES, plain, prepare, rich
from guidelines_tool.integrations import Stamp
from guidelines_tool.model import Project, Task

TAGS = frozenset(ALLOWED_TAGS | {"h1", "h2", "h3", "h4", "div", "span", "img", "audio", "video"})
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "audio": {"src", "controls"},
              "video": {"src", "controls"}, "*": set()}
_URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')
# On the sanitiser's canonical output (links never nest; attributes double-quoted)
_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.DOTALL)
_MEDIA = re.compile(r"<(img|audio|video)\b([^>]*)>(?:(.*?)</\1>)?", re.DOTALL)
_MARKDOWN_EXTENSIONS = ("tables", "admonition", "sane_lists")


@dataclass(frozen=True)
class Site:
    """The published guidelines: the URL of their home page, and whether pages are folders
    (`tasks/pps/`, MkDocs' default) or files (`tasks/pps.html`)."""

    home: str
    directory_urls: bool = True

    def url(self, site_path: str, fragment: str = "") -> str:
        """The absolute URL of a file of the generated site (`tasks/pps.md`, an asset)."""
        if site_path.endswith(".md"):
            stem = site_path[:-3]
            if posixpath.basename(stem) == "index":
                site_path = posixpath.dirname(stem) + "/" if posixpath.dirname(stem) else ""
            else:
                site_path = stem + "/" if self.directory_urls else stem + ".html"
        return self.home + site_path + (f"#{fragment}" if fragment else "")


def site_from_mkdocs(root: Path) -> tuple[Site | None, str]:
    """The published site's address from the project's `mkdocs.yml` (`site_url`, plus the
    `guidelines` plugin's `prefix`), or None and why not."""
    path = root / "mkdocs.yml"
    if not path.is_file():
        return None, "no mkdocs.yml"
    from mkdocs.utils.yaml import yaml_load

    try:
        with path.open(encoding="utf-8") as handle:
            config = yaml_load(handle) or {}
    except Exception as exc:  # mkdocs' loader raises yaml errors and its own; none is fatal here
        return None, f"mkdocs.yml cannot be read ({type(exc).__name__})"
    url = config.get("site_url") if isinstance(config, dict) else None
    if not url:
        return None, "mkdocs.yml sets no site_url"
    prefix = ""
    for plugin in config.get("plugins") or ():
        if isinstance(plugin, dict) and isinstance(plugin.get("guidelines"), dict):
            prefix = str(plugin["guidelines"].get("prefix") or "").strip("/")
    site = make_site(str(url).rstrip("/") + (f"/{prefix}" if prefix else ""),
                     directory_urls=config.get("use_directory_urls", True) is not False)
    return site, ""


def make_site(url: str, *, directory_urls: bool = True) -> Site:
    """A Site from a URL given by the user; only http(s) addresses are links."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        from guidelines_tool.errors import GuidelinesError

        raise GuidelinesError(f"the site URL must be an http(s) address, not {url!r}")
    return Site(url.strip().rstrip("/") + "/", directory_urls)


def instructions_html(project: Project, task: Task, stamp: Stamp, site: Site | None) -> str:
    """The task's instructions: stamp, links, description, labels, active rules."""
    page = task_page(task.id)
    rules = [rule for rule in sorted(project.rules_of(task.id), key=lambda r: r.id) if rule.status == "active"]
    prepare([task.description, *(label.definition for label in task.labels),
             *(text for rule in rules for text in (rule.when, rule.rationale))])
    links = Links(project)
    # The site has a practise page for a task with questions, and a rule's "Practise this rule"
    # link where the rule has some (as `docs.render` decides); without a site, no quiz to link.
    quizzes = _quiz_counts(project, task) if site is not None else {}
    parts = [f"# {plain(task.title)}\n", _stamp_line(stamp), _site_line(task, site, bool(quizzes)),
             rich(task.description), "## Labels\n", labels_table(task)]
    parts += [rule_section(rule, task, links, page, None, {}, View(tabs=False, quizzes=quizzes)) for rule in rules]
    others = len(project.rules_of(task.id)) - len(rules)
    if others:
        parts.append(f"\n{others} draft or deprecated rule{'s are' if others > 1 else ' is'} not shown: "
                     "they are not in force.\n")
    body = markdown.markdown("\n".join(part for part in parts if part), extensions=list(_MARKDOWN_EXTENSIONS))
    return finish(body, page, site)


def _stamp_line(stamp: Stamp) -> str:
    return (f"Guidelines **{plain(stamp.version)}** · commit `{plain(stamp.commit[:12])}` · "
            f"{plain(stamp.date[:10])}\n")


def _quiz_counts(project: Project, task: Task) -> dict[str, int]:
    """Rule id → questions it has on the task's practise page (the site's own count)."""
    from guidelines_tool.quiz import task_questions

    counts: dict[str, int] = {}
    for question in task_questions(project, task.id).questions:
        counts[question.rule] = counts.get(question.rule, 0) + 1
    return counts


def _site_line(task: Task, site: Site | None, quiz: bool) -> str:
    if site is None:
        return ""
    line = f"[The full guidelines]({site.url(task_page(task.id))})"
    if quiz:
        line += f" · [Practise with the quiz]({site.url(practise_page(task.id))})"
    return line + "\n"


def finish(fragment: str, page: str, site: Site | None) -> str:
    """Sanitise, make links absolute (a link without a place to go becomes its text, media
    without one are left out), sanitise again: the last step is always the allowlist."""
    cleaned = _clean(fragment, links_open_elsewhere=False)

    def target(attributes: str) -> str | None:
        found = _URL_ATTRIBUTE.search(attributes)
        return absolute(html.unescape(found[2]), page, site) if found else None

    def link(match: re.Match[str]) -> str:
        url = target(match[1])
        return match[2] if url is None else f'<a href="{html.escape(url, quote=True)}">{match[2]}</a>'

    def media(match: re.Match[str]) -> str:
        url = target(match[2])
        if url is None:
            return ""
        return _URL_ATTRIBUTE.sub(lambda m: f'{m[1]}="{html.escape(url, quote=True)}"', match[0], count=1)

    cleaned = _MEDIA.sub(media, _LINK.sub(link, cleaned))
    return _clean(cleaned, links_open_elsewhere=True)


def _clean(fragment: str, *, links_open_elsewhere: bool) -> str:
    # A link must not navigate the labeling tool's own page away from the item being labelled.
    extra = {"a": {"target": "_blank"}} if links_open_elsewhere else None
    return nh3.clean(
        fragment, tags=set(TAGS), clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer nofollow", strip_comments=True,
        set_tag_attribute_values=extra,
    )


def absolute(url: str, page: str, site: Site | None) -> str | None:
    """A link of the rendered page as an absolute URL: absolute ones are kept, links into the
    site (relative to `page`) go to the published site, or nowhere (None) when it is unknown."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return url if parts.scheme in URL_SCHEMES else None
    if site is None:
        return None
    path, _, fragment = url.partition("#")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
    if target.startswith("../") or target == "..":
        return None
    return site.url(HOME if target == "." else target, fragment)


def hint_text(definition: str) -> str:
    """A label definition as one line of plain text (a tooltip shows no markup)."""
    rendered = nh3.clean(rich(definition), tags=set())
    return " ".join(html.unescape(rendered).split())
