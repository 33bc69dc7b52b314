"""Helpers for the docs tests: copying a fixture project, writing mkdocs.yml variants, building,
and an HTML inventory (tags, attributes, scripts) read with html.parser."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
DOCS_PROJECT = FIXTURES / "docs_project"

# What `guidelines init` writes (BRIEF_COMMON), and a maximal variant with the extensions that
# make untrusted text dangerous (attr_list, md_in_html) switched on.
MATERIAL_EXTENSIONS = (
    "[admonition, pymdownx.details, pymdownx.superfences, {pymdownx.tabbed: {alternate_style: true}},"
    " {toc: {permalink: true}}, tables]"
)
RISKY_EXTENSIONS = (
    "[admonition, attr_list, md_in_html, def_list, footnotes, pymdownx.details, pymdownx.superfences,"
    " {pymdownx.tabbed: {alternate_style: true}}, {toc: {permalink: true}}, tables]"
)


def mkdocs_yml(theme: str = "material", extensions: str = MATERIAL_EXTENSIONS, site_name: str = "Guidelines") -> str:
    theme_line = (
        "theme: {name: material, features: [content.tabs.link, search.highlight, navigation.sections]}"
        if theme == "material" else f"theme: {{name: {theme}}}"
    )
    return (
        f"site_name: {site_name}\ndocs_dir: docs\n{theme_line}\nplugins: [search, guidelines]\n"
        f"markdown_extensions: {extensions}\n"
    )


def copy_project(tmp_path: Path, source: Path = DOCS_PROJECT, *, theme: str = "material",
                 extensions: str = MATERIAL_EXTENSIONS) -> Path:
    root = tmp_path / "project"
    shutil.copytree(source, root)
    (root / "docs").mkdir(exist_ok=True)
    (root / "mkdocs.yml").write_text(mkdocs_yml(theme, extensions), encoding="utf-8")
    return root


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


def inventory(files: dict[str, str]) -> Inventory:
    inv = Inventory()
    for name, text in sorted(files.items()):
        collector = _Collector(inv, name)
        collector.feed(text)
        collector.close()
    return inv


def html_files(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}
