"""Fixtures for the docs tests, as one `docs` kit: the fixture project (data/docs_project) copied,
or made a git repository with three releases; mkdocs.yml variants; and an inventory of built HTML
(tags, attributes, scripts, ids) read with html.parser.

    def test_x(docs, tmp_path):
        root = docs.copy_project(tmp_path, theme="mkdocs", extensions="risky")
        inv = docs.inventory(docs.html_files(site))
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]

# What `guidelines init` writes, and a maximal variant with the extensions that make untrusted
# text dangerous (attr_list, md_in_html) switched on.
EXTENSIONS = {
    "init": "[admonition, pymdownx.details, pymdownx.superfences, {pymdownx.tabbed: {alternate_style: true}},"
            " {toc: {permalink: true}}, tables]",
    "risky": "[admonition, attr_list, md_in_html, def_list, footnotes, pymdownx.details, pymdownx.superfences,"
             " {pymdownx.tabbed: {alternate_style: true}}, {toc: {permalink: true}}, tables]",
}
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
# Debian's Chromium, driven by Playwright (no browser download); the flags keep it off the network
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `browser` skip where Chromium is not installed (CI installs it: .ci/run)."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site to the browser tests without a log line per request."""

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for one test module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Inventory:
    """Everything security-relevant in a set of HTML documents."""

    tags: set[str] = field(default_factory=set)
    attributes: set[tuple[str, str]] = field(default_factory=set)  # (tag, attribute name)
    values: list[tuple[str, str, str, str]] = field(default_factory=list)  # (file, tag, name, value)
    scripts: set[str] = field(default_factory=set)  # src, or inline text
    ids: dict[str, set[str]] = field(default_factory=dict)  # file → ids


class _Collector(HTMLParser):
    def __init__(self, inventory: Inventory, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.inventory, self.name = inventory, name
        self.in_script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        inv = self.inventory
        inv.tags.add(tag)
        for key, value in attrs:
            inv.attributes.add((tag, key))
            inv.values.append((self.name, tag, key, value or ""))
            if key == "id" and value:
                inv.ids.setdefault(self.name, set()).add(value)
            if key == "name" and tag == "a" and value:
                inv.ids.setdefault(self.name, set()).add(value)
        if tag == "script":
            src = dict(attrs).get("src")
            if src:
                inv.scripts.add("src:" + src.rsplit("/", 1)[-1])
            self.in_script = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.in_script = None

    def handle_data(self, data):
        if self.in_script is not None:
            self.in_script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.in_script is not None:
            text = "".join(self.in_script).strip()
            if text:
                self.inventory.scripts.add("inline:" + text)
            self.in_script = None


def _inventory(files: dict[str, str]) -> Inventory:
    inv = Inventory()
    for name, text in sorted(files.items()):
        collector = _Collector(inv, name)
        collector.feed(text)
        collector.close()
    return inv


def _html_files(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}



class DocsKit:
    """What the docs tests build sites from and read them with."""

    data = DATA
    project = DATA / "docs_project"  # the fixture project: two tasks, deprecated and asset rules
    extensions = EXTENSIONS

    @staticmethod
    def mkdocs_yml(theme: str = "material", extensions: str = "init", site_name: str = "Guidelines") -> str:
        """A site config with the `guidelines` plugin; `extensions`: "init", "risky" or a YAML list."""
        theme_line = (
            "theme: {name: material, font: false, features: [content.tabs.link, search.highlight, navigation.sections]}"
            if theme == "material" else f"theme: {{name: {theme}}}"
        )
        return (
            f"site_name: {site_name}\ndocs_dir: docs\n{theme_line}\nplugins: [search, guidelines]\n"
            f"markdown_extensions: {EXTENSIONS.get(extensions, extensions)}\n"
        )

    def copy_project(self, tmp_path: Path, source: Path | None = None, *, theme: str = "material",
                     extensions: str = "init") -> Path:
        """`source` (default: the fixture project) copied to tmp_path/project, with a mkdocs.yml."""
        root = tmp_path / "project"
        shutil.copytree(source or self.project, root)
        (root / "docs").mkdir(exist_ok=True)
        (root / "mkdocs.yml").write_text(self.mkdocs_yml(theme, extensions), encoding="utf-8")
        return root

    @staticmethod
    def git(repo: Path, *args: str, date: str | None = None) -> str:
        env = {**os.environ, **GIT_ENV}
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout

    html_files = staticmethod(_html_files)
    inventory = staticmethod(_inventory)
    QuietHandler = QuietHandler

    @staticmethod
    def pythonpath() -> str:
        """This checkout first, then the caller's PYTHONPATH: a `guidelines` run in a subprocess
        uses the code under test."""
        return os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))

    @classmethod
    @contextmanager
    def serving(cls, root: Path) -> Iterator[str]:
        """`guidelines docs serve` on a free port of 127.0.0.1 in a child process, for the block;
        yields the base URL (the caller waits for the page it needs)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "guidelines_tool", "docs", "serve", "-a", f"127.0.0.1:{port}"],
                                  cwd=root, env={**os.environ, "PYTHONPATH": cls.pythonpath()},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.terminate()
            server.wait(timeout=20)

    def git_project(self, tmp_path: Path, **kwargs) -> Path:
        """The fixture project as a repository with three releases.

        v1.0.0: PPS-001 (older wording), PPS-003 active, toxicity task. v1.1.0: PPS-002 added,
        PPS-001 reworded with a new example. v2.0.0: PPS-003 deprecated in favour of PPS-002, label
        `scene` gets a definition change, TOX-001's decision unchanged. The work tree ends as the
        fixture. Dates are fixed.
        """
        root = self.copy_project(tmp_path, **kwargs)
        rules = root / "guidelines" / "photo-subject" / "rules"
        final = {p: p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml"))}
        self.git(root, "init", "-q", "-b", "main")
        self.git(root, "config", "user.name", "Test Lead")
        self.git(root, "config", "user.email", "lead@example.com")
        self.git(root, "config", "commit.gpgsign", "false")
        self.git(root, "config", "tag.gpgsign", "false")
        # v1.0.0
        pps002 = final[rules / "pps-002.yaml"]
        (rules / "pps-002.yaml").unlink()
        self._edit(rules / "pps-001.yaml", "The subject in sharpest focus is the **primary** subject.",
                   "The sharpest object is the subject.")
        self._edit(rules / "pps-001.yaml", "counterexamples:", "counterexamples_:")  # no near misses yet
        self._edit(rules / "pps-001.yaml", "counterexamples_:\n  - {input: \"Face sharp, handbag blurred\", label: person, why: \"face in focus\"}\n", "")
        self._edit(rules / "pps-001.yaml", "see_also: [PPS-002]\n", "")
        self._edit(rules / "pps-003.yaml", "status: deprecated", "status: active")
        self._edit(rules / "pps-003.yaml", "replaced_by: PPS-002\n", "")
        self._edit(root / "guidelines" / "photo-subject" / "task.yaml", "No single subject stands out.", "A scene.")
        self.git(root, "add", "-A")
        self.git(root, "commit", "-q", "-m", "First guidelines", date="2026-01-05T10:00:00+00:00")
        self.git(root, "tag", "v1.0.0")
        # v1.1.0
        (rules / "pps-002.yaml").write_text(pps002, encoding="utf-8")
        (rules / "pps-001.yaml").write_text(final[rules / "pps-001.yaml"], encoding="utf-8")
        self.git(root, "add", "-A")
        self.git(root, "commit", "-q", "-m", "Equal focus rule; clarify PPS-001", date="2026-02-10T09:30:00+00:00")
        self.git(root, "tag", "v1.1.0")
        # v2.0.0: the work tree as the fixture has it
        for path, text in final.items():
            path.write_text(text, encoding="utf-8")
        self.git(root, "add", "-A")
        self.git(root, "commit", "-q", "-m", "Retire size rule", date="2026-03-15T16:00:00+00:00")
        self.git(root, "tag", "v2.0.0")
        return root

    @staticmethod
    def _edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="session")
def docs() -> DocsKit:
    return DocsKit()
