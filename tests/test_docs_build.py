"""Real MkDocs builds of guideline projects: every rule anchor present, every internal link and
image resolving, `--strict` passing, with Material and with the plain mkdocs theme; versioned
builds of release tags; reproducible output; the `guidelines docs` commands."""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli
from guidelines_tool.docs.render import anchor
from guidelines_tool.docs.site import build_site
from guidelines_tool.errors import GuidelinesError
from guidelines_tool.loading import load_project
from tests.docs_support import RISKY_EXTENSIONS, copy_project, git_project, html_files, inventory

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_guidelines"
THEMES = ["material", "mkdocs"]
MKDOCS_STAMPED = {"sitemap.xml", "sitemap.xml.gz"}  # MkDocs writes the build date into these


def has_history() -> bool:
    try:
        import guidelines_tool.history  # noqa: F401
    except ImportError:
        return False
    return True


needs_history = pytest.mark.skipif(not has_history(), reason="the history module is not merged yet")


def check_site(root: Path, site: Path) -> None:
    """Every rule has its anchor on its task page; every internal link and image resolves."""
    project = load_project(root)
    pages = html_files(site)
    inv = inventory(pages)
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
def test_fixture_site_builds_strict_with_anchors_and_links(tmp_path, theme):
    root = copy_project(tmp_path, theme=theme)
    result = build_site(root, strict=True, site_dir=tmp_path / "site")
    assert result.warnings == 0
    check_site(root, tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert "tabbed-set" in page and "Near misses" in page  # examples beside near misses, as tabs
    assert "No history available" in page


@pytest.mark.skipif(not (SAMPLE / "guidelines.yaml").is_file(), reason="sample_guidelines is not merged yet")
@pytest.mark.parametrize("theme", THEMES)
def test_sample_project_site(tmp_path, theme):
    root = copy_project(tmp_path, SAMPLE, theme=theme)
    build_site(root, strict=True, site_dir=tmp_path / "site")
    check_site(root, tmp_path / "site")


def test_deprecated_rule_links_to_its_replacement(tmp_path):
    root = copy_project(tmp_path)
    build_site(root, site_dir=tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    section = page[page.index('id="PPS-003"'):]
    assert "Deprecated" in section[:600] and 'href="#PPS-002"' in section[:600]


def test_edit_link_points_at_the_yaml(tmp_path):
    root = copy_project(tmp_path, theme="mkdocs")  # Material shows it only with content.action.edit
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "repo_url: https://git.example.com/team/guides\n"
                      "edit_uri: edit/main/docs/\n", encoding="utf-8")
    build_site(root, site_dir=tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://git.example.com/team/guides/edit/main/guidelines/photo-subject/task.yaml"' in page


@needs_history
def test_history_pages_and_versioned_builds(tmp_path):
    root = git_project(tmp_path)
    build_site(root, strict=True)
    latest = root / "site"
    check_site(root, latest)
    assert {p.name for p in (latest / "changelog").iterdir()} >= {"v1.0.0", "v1.1.0", "v2.0.0", "index.html"}
    home = (latest / "index.html").read_text(encoding="utf-8")
    assert "v2.0.0" in home and "2026-03-15" in home
    result = build_site(root, strict=True, rev="v1.0.0")
    assert result.site_dir == root / "site-versions" / "v1.0.0"
    old = (result.site_dir / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert 'id="PPS-003"' in old and 'id="PPS-002"' not in old and "Deprecated" not in old
    assert not (result.site_dir / "changelog" / "v1.1.0").exists()
    assert (latest / "index.html").is_file()  # the latest build is left alone


@needs_history
def test_unknown_release_is_a_clear_error(tmp_path):
    root = git_project(tmp_path)
    with pytest.raises(GuidelinesError, match="unknown revision"):
        build_site(root, rev="v9.9.9")


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name not in MKDOCS_STAMPED}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_two_builds_are_byte_identical(tmp_path):
    root = git_project(tmp_path, extensions=RISKY_EXTENSIONS) if has_history() else copy_project(tmp_path)
    build_site(root, site_dir=tmp_path / "one")
    build_site(root, site_dir=tmp_path / "two")
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_cli_build_render_and_errors(tmp_path, monkeypatch):
    root = copy_project(tmp_path)
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
