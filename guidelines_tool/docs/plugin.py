"""The MkDocs plugin `guidelines`: a thin shell around `render.render_pages()`.

It adds the generated pages and charts as virtual files (`File.generated`), points each page's
"edit" link at the YAML it came from, and makes `mkdocs serve` rebuild when a guideline file
changes. Options (all optional):

    plugins:
      - guidelines:
          root: .            # the guideline project, relative to mkdocs.yml (default: its folder)
          prefix: ""         # a folder inside the site for the generated pages
          history: true      # read git history (releases, changelog, rule revisions)
          annotations: true  # read annotations (agreement charts, impact, hotspots)
          rev: null          # build a release (tag, version or commit) instead of the work tree;
                             # `rev: !ENV [GUIDELINES_REV, null]` lets `mike deploy` pick one
"""

from __future__ import annotations

import html
import json
import logging
import posixpath
import re
from urllib.parse import quote
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from guidelines_tool.docs.data import SiteData, load_site_data
from guidelines_tool.docs.pagekit import STYLESHEET, task_page
from guidelines_tool.docs.practise import SITE_SCRIPT
from guidelines_tool.docs.style import stylesheet
from guidelines_tool.errors import GuidelinesError

log = logging.getLogger("mkdocs.plugins.guidelines")


class GuidelinesConfig(Config):
    root = c.Optional(c.Type(str))
    prefix = c.Type(str, default="")
    history = c.Type(bool, default=True)
    annotations = c.Type(bool, default=True)
    rev = c.Optional(c.Type(str))


class GuidelinesPlugin(BasePlugin[GuidelinesConfig]):
    """Renders a guideline project into the MkDocs site it is configured in."""

    def __init__(self) -> None:
        self.rev: str | None = None  # set by `guidelines docs build --rev` for a release build
        self._preloaded: SiteData | None = None
        self.data: SiteData | None = None
        self.edit_paths: dict[str, str] = {}

    @property
    def root(self) -> Path:
        base = Path(self._config_file).parent
        return (base / self.config.root).resolve() if self.config.root else base.resolve()

    def on_config(self, config):
        self._config_file = config.config_file_path or "mkdocs.yml"
        if self.rev is None and self.config.rev:
            self.rev = self.config.rev
        for path in (self.root / "guidelines.yaml", self.root / self._guideline_folder()):
            if path.exists() and str(path) not in config.watch:
                config.watch.append(str(path))
        sheet = self._stylesheet_uri()
        if sheet not in config.extra_css:
            config.extra_css.append(sheet)
        script = self._prefixed(SITE_SCRIPT)
        if script not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(script)
        title = self._site_title()
        if title and not self.config.prefix.strip("/"):
            # The guidelines are the whole site: its title is the project's (guidelines.yaml's
            # docs.title, else its name), not whatever mkdocs.yml was scaffolded with.
            config.site_name = title
        return config

    def _site_title(self) -> str | None:
        from guidelines_tool.project import read_config
        from guidelines_tool.docs.pagekit import title_text

        try:
            config, _findings = read_config(self.root)
        except GuidelinesError:
            return None
        return title_text(config.docs.title)

    def _stylesheet_uri(self) -> str:
        return self._prefixed(STYLESHEET)

    def _prefixed(self, path: str) -> str:
        prefix = self.config.prefix.strip("/")
        return posixpath.join(prefix, path) if prefix else path

    def _guideline_folder(self) -> str:
        from guidelines_tool.project import read_config

        try:
            return read_config(self.root)[0].guidelines
        except GuidelinesError:
            return "guidelines"

    def load(self) -> SiteData:
        """Read the project (and its history and annotations): once per build."""
        return load_site_data(self.root, rev=self.rev, with_history=self.config.history,
                              with_annotations=self.config.annotations)

    def preload(self, config_file: str, data: SiteData | None = None) -> None:
        """Load before MkDocs runs, so `guidelines docs build` reports bad input as itself."""
        self._config_file = config_file
        self._preloaded = data or self.load()

    def on_files(self, files: Files, *, config) -> Files:
        try:
            self.data, self._preloaded = (self._preloaded or self.load()), None
        except GuidelinesError as exc:
            raise _abort(str(exc)) from exc
        for note in self.data.notes:
            log.info(note)
        for finding in self.data.project.load_findings:
            # A file that does not load is missing from the site, which no annotator can notice:
            # say so at build time (and fail `--strict`).
            log.warning("guidelines: %s:%s:%s: %s (what this file holds may be missing from the site; "
                        "run `guidelines validate`)",
                        finding.path, finding.line, finding.column, finding.message)
        prefix = self.config.prefix.strip("/")
        self.edit_paths = {}
        tabs = _has_extension(config, "pymdownx.tabbed")
        generated: dict[str, str | bytes] = {**self.data.pages(tabs=tabs), **self.data.charts(),
                                             STYLESHEET: stylesheet(), **self.data.scripts()}
        for path, content in generated.items():
            src_uri = posixpath.join(prefix, path) if prefix else path
            if files.get_file_from_path(src_uri) is not None:
                log.warning("docs/%s exists: it is kept and the generated page is skipped", src_uri)
                continue
            files.append(File.generated(config, src_uri, content=content))
            self.edit_paths[src_uri] = self._source_of(path)
        self._add_assets(files, config, prefix)
        return files

    def _add_assets(self, files: Files, config, prefix: str) -> None:
        """Ship the example asset files (copied by MkDocs, watched by `serve`); warn for missing ones,
        naming the rule file and the example, so `--strict` stops on them."""
        for problem in self.data.assets.problems if self.data.assets else ():
            log.warning("guidelines: %s", problem)
        for site_path, source in sorted(self.data.asset_files().items()):
            src_uri = posixpath.join(prefix, site_path) if prefix else site_path
            if isinstance(source, bytes):  # a release build: the file as it was in the release
                if files.get_file_from_path(src_uri) is None:
                    files.append(File.generated(config, src_uri, content=source))
                continue
            if files.get_file_from_path(src_uri) is None:
                files.append(File.generated(config, src_uri, abs_src_path=str(source)))
            if not any(str(source).startswith(str(Path(w)) + "/") or str(source) == w for w in config.watch):
                config.watch.append(str(source))

    def _source_of(self, path: str) -> str:
        project = self.data.project
        from guidelines_tool.docs.practise import practise_page

        for task_id, task in project.tasks.items():
            if path in (task_page(task_id), practise_page(task_id)):
                return task.source.path
        return "guidelines.yaml"

    def on_post_page(self, output: str, *, page, config) -> str:
        """Name Material's search dialog (axe: aria-dialog-name; screen readers announce it)."""
        return SEARCH_DIALOG.sub(r'\1 aria-label="Search"\2', output, count=1)

    def on_page_content(self, html_text: str, *, page, config, files) -> str:
        """Give each rule's heading the rule's id, so search results, the table of contents and
        permalinks all land on `#RULE-ID` (the toc extension slugs the heading text instead)."""
        if page.file.src_uri not in self.edit_paths:
            return html_text
        renamed: dict[str, str] = {}
        html_text = RULE_HEADING.sub(lambda match: _rule_heading(match, renamed), html_text)
        html_text = ASSET_URL.sub(lambda match: _asset_url(match, page, files), html_text)
        if renamed:
            _rename_toc(page.toc, renamed)
        return html_text

    def on_page_context(self, context, *, page, config, nav):
        source = self.edit_paths.get(page.file.src_uri)
        if source is not None:
            page.edit_url = _edit_url(config, self.root, source)
        return context

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config) -> None:
        escape_search_index(config)

    def on_serve(self, server, *, config, builder):
        for path in config.watch:
            server.watch(path)
        return server


# A rule heading as the toc extension writes it: `<h2 id="slug"><a id="RULE-ID"></a>text…</h2>`
# (the id only holds the characters `pagekit.anchor()` lets through).
RULE_HEADING = re.compile(r'<h([1-6]) id="([^"<>]*)"><a id="([A-Za-z0-9-]+)"></a>(.*?)</h\1>', re.DOTALL)


def _rule_heading(match: re.Match[str], renamed: dict[str, str]) -> str:
    level, slug, rule_anchor, inner = match.groups()
    renamed[slug] = rule_anchor
    inner = inner.replace(f'href="#{slug}"', f'href="#{rule_anchor}"')
    return f'<h{level} id="{rule_anchor}">{inner}</h{level}>'


# The URL attribute of an example asset element (render.example_input) or of a link between
# generated pages inside raw HTML (the practise pages): relative to the page's Markdown file,
# which MkDocs does not rewrite inside raw HTML.
ASSET_URL = re.compile(r'(<(?:img|audio|video|a|script) class="gl-(?:asset-[a-z]+|link)" (?:src|href)=")([^":&#]+)(#[A-Za-z0-9_-]*)?(")')
# Material's search overlay: a dialog without a name.
SEARCH_DIALOG = re.compile(r'(<div class="md-search" data-md-component="search" role="dialog")(>)')


def _asset_url(match: re.Match[str], page, files) -> str:
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), html.unescape(match[2])))
    file = files.get_file_from_path(target)
    if file is None:
        return match[0]
    return match[1] + html.escape(file.url_relative_to(page.file), quote=True) + (match[3] or "") + match[4]


def _has_extension(config, name: str) -> bool:
    """Whether the site's Markdown has an extension (given by name, or as an Extension object)."""
    for extension in config.markdown_extensions:
        module = extension if isinstance(extension, str) else type(extension).__module__
        if module == name or module.startswith(name + "."):
            return True
    return False


def _rename_toc(items, renamed: dict[str, str]) -> None:
    for item in items:
        item.id = renamed.get(item.id, item.id)
        _rename_toc(item.children, renamed)


def _edit_url(config, root: Path, source: str) -> str | None:
    """The repository's edit URL for a guideline file, derived from repo_url + edit_uri."""
    if not config.repo_url or config.edit_uri is None:
        return None
    edit_uri = config.edit_uri
    docs_name = Path(config.docs_dir).name
    if edit_uri.rstrip("/").endswith(docs_name):  # edit_uri points at docs/: the YAML is beside it
        edit_uri = edit_uri.rstrip("/")[: -len(docs_name)]
    base = config.repo_url.rstrip("/") + "/" + edit_uri.strip("/") + "/"
    try:
        relative = (root / source).resolve().relative_to(Path(config.config_file_path).parent.resolve())
    except (ValueError, TypeError):
        relative = Path(source)
    return base + quote(relative.as_posix(), safe="/")  # file names are repository content too


def escape_search_index(config) -> None:
    """Make MkDocs' own search index safe to show.

    The built-in `search` plugin stores page text with entities decoded (`&lt;script&gt;` becomes
    `<script>`), and the `mkdocs`/`readthedocs` themes insert result titles and text with
    `insertAdjacentHTML`: rule text shown escaped on the page would run in the search results.
    Escaping the index's text fields makes them display as text. Material's search plugin
    escapes its index itself and is left alone.
    """
    search = config.plugins.get("search")
    if search is None or not type(search).__module__.startswith("mkdocs.contrib.search"):
        return
    path = Path(config.site_dir) / "search" / "search_index.json"
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    for doc in data.get("docs", ()):
        for key in ("title", "text"):
            if isinstance(doc.get(key), str):
                doc[key] = html.escape(doc[key], quote=True)
    path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")


def _abort(message: str):
    from mkdocs.exceptions import PluginError

    return PluginError(f"guidelines: {message}")
