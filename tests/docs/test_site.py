"""Real MkDocs builds of guideline projects: every rule anchor present, every internal link and
image resolving, `--strict` passing, with Material and with the plain mkdocs theme; versioned
builds of release tags; reproducible output; the `guidelines docs` commands."""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from mkdocs.config import load_config

from guidelines_tool import demo
from guidelines_tool.cli import cli
from guidelines_tool.docs.render import anchor
from guidelines_tool.docs.site import build_site
from guidelines_tool.errors import GuidelinesError
from guidelines_tool.project import load_project

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_guidelines"
THEMES = ["material", "mkdocs"]
MKDOCS_STAMPED = {"sitemap.xml", "sitemap.xml.gz"}  # MkDocs writes the build date into these


def check_site(docs, root: Path, site: Path) -> None:
    """Every rule has its anchor on its task page; every internal link and image resolves."""
    project = load_project(root)
    inv = docs.inventory(docs.html_files(site))
    for rule in project.rules:
        page = f"tasks/{rule.task}/index.html"
        assert anchor(rule.id) in inv.ids.get(page, set()), (rule.id, page)
    broken = []
    for name, tag, key, value in inv.values:
        if (tag, key) not in {("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")}:
            continue
        parts = urlsplit(value)
        if parts.scheme or value.startswith("/") or not (parts.path or parts.fragment) or name == "404.html":
            continue  # external, or absolute (only the 404 page uses those, for any depth)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path))) if parts.path else name
        if parts.path.endswith("/") or (site / target).is_dir():
            target = posixpath.join(target, "index.html")
        if not (site / target).is_file():
            broken.append((name, value))
        elif parts.fragment and target.endswith(".html") and parts.fragment not in inv.ids.get(target, set()):
            broken.append((name, value))
    assert broken == []


@pytest.mark.parametrize("theme", THEMES)
def test_fixture_site_builds_strict_with_anchors_and_links(docs, tmp_path, theme):
    root = docs.copy_project(tmp_path, theme=theme)
    result = build_site(root, strict=True, site_dir=tmp_path / "site")
    assert result.warnings == 0
    check_site(docs, root, tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert "tabbed-set" in page and "Near misses" in page  # examples beside near misses, as tabs
    assert "No history available" in page


@pytest.mark.parametrize("theme", THEMES)
def test_sample_project_site(docs, tmp_path, theme):
    root = docs.copy_project(tmp_path, SAMPLE, theme=theme)
    build_site(root, strict=True, site_dir=tmp_path / "site")
    check_site(docs, root, tmp_path / "site")
    quality = (tmp_path / "site" / "quality" / "index.html").read_text(encoding="utf-8")
    assert "Confused pairs" in quality  # hotspots need annotations only, not history
    assert "No agreement over time available" in quality  # no git history in a plain copy


def test_sample_site_as_shipped_reads_offline(tmp_path):
    """The mkdocs.yml the sample (and `init`) ships makes no request outside the site."""
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    build_site(root, strict=True, site_dir=tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html, page


def test_deprecated_rule_links_to_its_replacement(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    build_site(root, site_dir=tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    section = page[page.index('id="PPS-003"'):]
    assert "Deprecated" in section[:600] and 'href="#PPS-002"' in section[:600]


def test_edit_link_points_at_the_yaml(docs, tmp_path):
    root = docs.copy_project(tmp_path, theme="mkdocs")  # Material shows it only with content.action.edit
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "repo_url: https://git.example.com/team/guides\n"
                      "edit_uri: edit/main/docs/\n", encoding="utf-8")
    build_site(root, site_dir=tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://git.example.com/team/guides/edit/main/guidelines/photo-subject/task.yaml"' in page


def test_history_pages_and_versioned_builds(docs, tmp_path):
    root = docs.git_project(tmp_path)
    build_site(root, strict=True)
    latest = root / "site"
    check_site(docs, root, latest)
    assert {p.name for p in (latest / "changelog").iterdir()} >= {"v1.0.0", "v1.1.0", "v2.0.0", "index.html"}
    home = (latest / "index.html").read_text(encoding="utf-8")
    assert "v2.0.0" in home and "2026-03-15" in home
    result = build_site(root, strict=True, rev="v1.0.0")
    assert result.site_dir == root / "site-versions" / "v1.0.0"
    old = (result.site_dir / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert 'id="PPS-003"' in old and 'id="PPS-002"' not in old and "Deprecated" not in old
    assert not (result.site_dir / "changelog" / "v1.1.0").exists()
    assert (latest / "index.html").is_file()  # the latest build is left alone


def test_unknown_release_is_a_clear_error(docs, tmp_path):
    root = docs.git_project(tmp_path)
    with pytest.raises(GuidelinesError, match="unknown revision"):
        build_site(root, rev="v9.9.9")
    subprocess.run(["git", "tag", "v9.0.0", "HEAD^{tree}"], cwd=root, check=True)  # a tag of a tree
    with pytest.raises(GuidelinesError, match="v9.0.0 points at a tree"):
        build_site(root, rev="v9.0.0")


@pytest.mark.slow
def test_mike_deploys_each_release_with_the_plugin(docs, tmp_path):
    """mike runs the `mkdocs` command; `rev: !ENV GUIDELINES_REV` makes it build that release."""
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "mike").exists() or not (bin_dir / "mkdocs").exists():
        pytest.skip("mike and mkdocs are not installed beside this Python")
    root = docs.git_project(tmp_path)
    (root / "mkdocs.yml").write_text(
        "site_name: Guidelines\ndocs_dir: docs\ntheme: {name: material}\n"
        "extra: {version: {provider: mike}}\n"
        "plugins: [search, {guidelines: {rev: !ENV [GUIDELINES_REV, null]}}]\n"
        "markdown_extensions: [admonition, {pymdownx.tabbed: {alternate_style: true}}, pymdownx.superfences, tables]\n",
        encoding="utf-8")
    docs.git(root, "commit", "-qam", "mike provider")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GIT_CONFIG_NOSYSTEM": "1",
           "PYTHONPATH": docs.pythonpath()}  # the plugin's package, also when it is not installed
    for version, rev in (("1.0", "v1.0.0"), ("2.0", None)):
        run_env = {**env, "GUIDELINES_REV": rev} if rev else {k: v for k, v in env.items() if k != "GUIDELINES_REV"}
        subprocess.run([str(bin_dir / "mike"), "deploy", version], cwd=root, env=run_env, check=True,
                       capture_output=True)
    old = docs.git(root, "show", "gh-pages:1.0/tasks/photo-subject/index.html")
    new = docs.git(root, "show", "gh-pages:2.0/tasks/photo-subject/index.html")
    assert 'id="PPS-003"' in old and 'id="PPS-002"' not in old and "Deprecated" not in old
    assert 'id="PPS-002"' in new and "Deprecated" in new
    assert '"1.0"' in docs.git(root, "show", "gh-pages:versions.json")


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name not in MKDOCS_STAMPED}


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory) -> Path:
    """The demo's repository: months of rule history with annotation batches (real data)."""
    root = tmp_path_factory.mktemp("demo") / "demo"
    demo.run_demo(root)
    return root


@pytest.mark.slow
def test_quality_page_from_real_annotations(docs, demo_project, tmp_path):
    build_site(demo_project, strict=True, site_dir=tmp_path / "site")
    check_site(docs, demo_project, tmp_path / "site")
    charts = sorted((tmp_path / "site" / "assets" / "quality").glob("*.png"))
    assert charts and all(p.read_bytes().startswith(b"\x89PNG") for p in charts)
    quality = (tmp_path / "site" / "quality" / "index.html").read_text(encoding="utf-8")
    assert "agreement improved" in quality and "agreement fell" in quality
    assert "Confused pairs" in quality
    task_page = (tmp_path / "site" / "tasks" / "product-photo-subject" / "index.html").read_text(encoding="utf-8")
    assert "agreement improved (Δα" in task_page and "agreement fell (Δα" in task_page  # verdicts by revisions


@pytest.mark.slow
def test_two_builds_are_byte_identical(demo_project, tmp_path):
    build_site(demo_project, site_dir=tmp_path / "one")
    build_site(demo_project, site_dir=tmp_path / "two")
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert any(name.endswith(".png") for name in one)
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_cli_build_render_and_errors(docs, tmp_path, monkeypatch):
    root = docs.copy_project(tmp_path)
    monkeypatch.chdir(root)
    runner = CliRunner()
    result = runner.invoke(cli, ["docs", "build", "--strict", "--site-dir", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output + result.stderr
    assert (tmp_path / "site" / "tasks" / "toxicity" / "index.html").is_file()
    result = runner.invoke(cli, ["docs", "render", "--out", str(tmp_path / "md")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "md" / "tasks" / "toxicity.md").read_text(encoding="utf-8").startswith("---\n")
    (root / "mkdocs.yml").write_text("site_name: x\nplugins: [search]\n", encoding="utf-8")
    result = runner.invoke(cli, ["docs", "build"])
    assert result.exit_code == 2 and "guidelines" in result.stderr
    (root / "mkdocs.yml").unlink()
    result = runner.invoke(cli, ["docs", "build"])
    assert result.exit_code == 2 and "mkdocs.yml does not exist" in result.stderr


def test_serve_watches_the_guideline_files(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    cfg = load_config(str(root / "mkdocs.yml"))
    cfg = cfg.plugins.on_config(cfg)
    assert str(root / "guidelines") in cfg.watch and str(root / "guidelines.yaml") in cfg.watch


def test_shallow_clone_builds_without_history(docs, tmp_path):
    origin = docs.git_project(tmp_path / "origin")
    clone = tmp_path / "clone"
    docs.git(tmp_path, "clone", "-q", "--depth", "1", origin.resolve().as_uri(), str(clone))
    build_site(clone, strict=True, site_dir=tmp_path / "site")
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "shallow clone" in home and "v2.0.0" not in home


@pytest.mark.slow
def test_serve_rebuilds_when_a_rule_file_changes(docs, tmp_path):
    """`guidelines docs serve` in a child process: edit a rule's YAML, the served page follows."""
    root = docs.copy_project(tmp_path)

    def page_when(predicate, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                text = urllib.request.urlopen(url, timeout=5).read().decode("utf-8")
                if predicate(text):
                    return text
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"{url} never matched")

    with docs.serving(root) as base:
        url = base + "tasks/photo-subject/"
        page_when(lambda text: "Sharpest object wins" in text)
        rule = root / "guidelines" / "photo-subject" / "rules" / "pps-001.yaml"
        rule.write_text(rule.read_text(encoding="utf-8").replace("Sharpest object wins", "Focus decides"),
                        encoding="utf-8")
        assert "Focus decides" in page_when(lambda text: "Focus decides" in text)


def test_cli_render_a_release(docs, tmp_path, monkeypatch):
    root = docs.git_project(tmp_path)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["docs", "render", "--rev", "v1.0.0", "--out", str(tmp_path / "md")])
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "md" / "tasks" / "photo-subject.md").read_text(encoding="utf-8")
    assert '<a id="PPS-003"></a>' in page and '<a id="PPS-002"></a>' not in page
    assert sorted(p.name for p in (tmp_path / "md" / "changelog").iterdir()) == ["index.md", "v1.0.0.md"]
    result = CliRunner().invoke(cli, ["docs", "build", "--rev", "v7"])
    assert result.exit_code == 2 and "unknown revision 'v7'" in result.stderr


def test_a_rule_file_that_does_not_load_is_a_warning_not_a_silent_gap(docs, tmp_path, caplog):
    """An annotator cannot tell a rule is missing: the build must say which file was left out."""
    root = docs.copy_project(tmp_path)
    rule = root / "guidelines" / "photo-subject" / "rules" / "pps-002.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("decision: product", "decision: [product"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        result = build_site(root, site_dir=tmp_path / "site")
    assert result.warnings >= 1
    assert any("guidelines/photo-subject/rules/pps-002.yaml:" in r.getMessage() and "missing from the site" in r.getMessage()
               for r in caplog.records)
    with pytest.raises(GuidelinesError):
        build_site(root, strict=True, site_dir=tmp_path / "strict")


def test_without_the_tabs_extension_examples_are_headed_tables(docs, tmp_path):
    """A site without pymdownx.tabbed would show `=== "Examples"` and the tables as code blocks."""
    root = docs.copy_project(tmp_path, theme="mkdocs", extensions="[admonition, tables, toc]")
    build_site(root, strict=True, site_dir=tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert "===" not in page and "&lt;table" not in page and "<pre>" not in page
    assert "<strong>Near misses</strong>" in page and 'data-label="Why">bag not in focus</td>' in page
