"""Example inputs that name assets: which inputs are assets (data-driven cases), how they render,
and what a build does with them: files shipped and linked, missing ones a warning naming the rule
file and the example, paths that leave the project refused."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from mkdocs.config import load_config
from mkdocs.structure.files import Files
from ruamel.yaml import YAML

from guidelines_tool.cli import cli
from guidelines_tool.docs.assets import classify, collect_assets
from guidelines_tool.docs.render import render_pages
from guidelines_tool.docs.site import build_site, write_pages
from guidelines_tool.errors import GuidelinesError
from guidelines_tool.project import load_project

CASES = YAML(typ="safe").load((Path(__file__).parent / "data" / "asset_inputs.yaml").read_text(encoding="utf-8"))
RULES = Path("guidelines") / "photo-subject" / "rules"


@pytest.mark.parametrize("case", CASES, ids=[str(case["input"])[:40] for case in CASES])
def test_classify(case):
    asset = classify(case["input"], "guidelines/photo/rules/r.yaml")
    if case["kind"] is None:
        assert asset is None
        return
    assert asset is not None and asset.kind == case["kind"]
    assert asset.url == case.get("url")
    assert asset.path == case.get("path")
    if asset.path:
        assert asset.site_path.startswith("assets/examples/") and "/" not in asset.site_path[16:].split("/", 1)[1]


def test_render_shows_assets_as_media(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    project = load_project(root)
    page = render_pages(project, assets=collect_assets(root, project).available)["tasks/photo-subject.md"]
    assert '<img class="gl-asset-image" src="../assets/examples/' in page
    assert 'alt="Example labelled Product&#58; handbag and face equally sharp" loading="lazy"' in page
    assert '<audio class="gl-asset-audio" src="../assets/examples/' in page and "controls" in page
    assert '<a class="gl-asset-link" href="../assets/examples/' in page and "brief.pdf</a>" in page
    assert "Model holds a handbag, both sharp" in page  # text inputs stay text
    missing = render_pages(project, assets=set())["tasks/photo-subject.md"]
    assert "<img" not in missing and missing.count("(file missing)") == 3


def test_build_ships_assets_and_links_them(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    build_site(root, strict=True, site_dir=tmp_path / "site")
    pages = docs.html_files(tmp_path / "site")
    inv = docs.inventory(pages)
    sources = [v for name, tag, key, v in inv.values if name == "tasks/photo-subject/index.html"
               and tag in ("img", "audio") and key == "src"]
    assert len(sources) == 2
    for src in sources:  # relative to the built page (directory URLs), and the file is there
        target = (tmp_path / "site" / "tasks" / "photo-subject" / src).resolve()
        assert target.is_file() and target.read_bytes() == (root / RULES / "examples" / target.name).read_bytes()


def test_missing_asset_is_a_warning_naming_rule_file_and_example(docs, tmp_path, caplog):
    root = docs.copy_project(tmp_path)
    (root / RULES / "examples" / "shutter.wav").unlink()
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        result = build_site(root, site_dir=tmp_path / "site")
    assert result.warnings == 1
    message = " ".join(r.getMessage() for r in caplog.records if "shutter" in r.getMessage())
    assert "guidelines/photo-subject/rules/pps-002.yaml" in message and "PPS-002 examples[2]" in message
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert "shutter.wav (file missing)" in page and "<audio" not in page
    with pytest.raises(GuidelinesError, match="strict"):
        build_site(root, strict=True, site_dir=tmp_path / "strict")


def test_paths_leaving_the_project_are_refused(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    (root / RULES / "examples" / "link.png").symlink_to(secret)
    rule = root / RULES / "pps-002.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace(
        "examples/shutter.wav", "examples/link.png").replace(
        "/guidelines/photo-subject/rules/examples/brief.pdf", "../../../../secret.png"), encoding="utf-8")
    project = load_project(root)
    collected = collect_assets(root, project)
    assert len(collected.problems) == 2 and all("outside the project" in p for p in collected.problems)
    build_site(root, site_dir=tmp_path / "site")
    assert not [p for p in (tmp_path / "site").rglob("*") if p.is_file() and p.read_bytes() == b"\x89PNG secret"]


def test_render_command_copies_assets(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    written = write_pages(root, tmp_path / "out")
    copied = [p for p in written if "assets/examples/" in p.as_posix()]
    assert sorted(p.name for p in copied) == ["brief.pdf", "equal-focus.png", "shutter.wav"]
    page = (tmp_path / "out" / "tasks" / "photo-subject.md").read_text(encoding="utf-8")
    for path in copied:  # the portable page's relative links resolve without MkDocs
        assert os.path.relpath(path, tmp_path / "out" / "tasks").replace(os.sep, "/") in page


def test_serve_watches_assets_outside_the_guideline_folder(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    move_example_asset(root, "shutter.wav", "media", "/media/shutter.wav")
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    files = config.plugins.on_files(Files([]), config=config)
    assert str(root / "media" / "shutter.wav") in config.watch
    assert any(f.src_uri.endswith("/shutter.wav") for f in files)


def test_release_build_shows_the_release_version_of_an_asset(docs, tmp_path):
    """`--rev v2.0.0` ships the image as committed in v2.0.0, not the work tree's newer one."""

    root = docs.git_project(tmp_path)
    image = root / RULES / "examples" / "equal-focus.png"
    released = image.read_bytes()
    image.write_bytes(released + b"edited after the release")
    (root / RULES / "examples" / "brief.pdf").unlink()  # gone from the work tree, kept in the tag
    build_site(root, strict=True, site_dir=tmp_path / "v2", rev="v2.0.0")
    shipped = list((tmp_path / "v2" / "assets" / "examples").rglob("*.png"))
    assert [p.read_bytes() for p in shipped] == [released]
    assert list((tmp_path / "v2" / "assets" / "examples").rglob("brief.pdf"))
    # v1.0.0 has no PPS-002 and so no assets; v1.1.0 has PPS-002 but the files were committed with it
    docs.git(root, "status")  # still a clean repository to read from
    build_site(root, strict=True, site_dir=tmp_path / "v1", rev="v1.0.0")
    assert not (tmp_path / "v1" / "assets" / "examples").exists()


def test_render_command_warns_about_a_missing_asset(docs, tmp_path, monkeypatch):
    root = docs.copy_project(tmp_path)
    (root / RULES / "examples" / "brief.pdf").unlink()
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["docs", "render", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning: guidelines/photo-subject/rules/pps-002.yaml: PPS-002 examples[3]: asset" in result.stderr
    assert "brief.pdf" in result.stderr and "wrote " in result.stdout


def test_remote_assets_and_video(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    rule = root / RULES / "pps-002.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("examples/shutter.wav", "\"https://media.example.org/clip.webm\"")
                    .replace("examples/equal-focus.png", "\"https://cdn.example.org/p/8172.webp\""), encoding="utf-8")
    project = load_project(root)
    page = render_pages(project, assets=collect_assets(root, project).available)["tasks/photo-subject.md"]
    assert ('<img class="gl-asset-image" src="https&#58;//cdn.example.org/p/8172.webp" alt="Example labelled '
            'Product&#58; handbag and face equally sharp" loading="lazy" decoding="async" referrerpolicy="no-referrer">') in page
    assert '<video class="gl-asset-video" src="https&#58;//media.example.org/clip.webm" controls preload="none"' in page


def test_assets_with_a_prefix(docs, tmp_path):
    root = docs.copy_project(tmp_path)
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(text.replace("plugins: [search, guidelines]",
                                                  "plugins: [search, {guidelines: {prefix: guide}}]"), encoding="utf-8")
    build_site(root, strict=True, site_dir=tmp_path / "site")
    page = (tmp_path / "site" / "guide" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    inv = docs.inventory({"page": page})
    sources = [v for _, tag, key, v in inv.values if tag in ("img", "audio") and key == "src"]
    assert len(sources) == 2
    for src in sources:
        assert (tmp_path / "site" / "guide" / "tasks" / "photo-subject" / src).resolve().is_file()
    sheets = [v for _, tag, key, v in inv.values if tag == "link" and v.endswith("guidelines.css")]
    assert sheets and (tmp_path / "site" / "guide" / "tasks" / "photo-subject" / sheets[0]).resolve() == (
        tmp_path / "site" / "guide" / "assets" / "guidelines.css").resolve()
    assert (tmp_path / "site" / "guide" / "assets" / "guidelines.css").is_file()


def test_a_path_not_beside_the_rule_is_read_from_the_project_root(docs, tmp_path):
    """`assets/x.jpg` (the schema's own example) also finds a project-wide assets/ folder."""
    root = docs.copy_project(tmp_path)
    move_example_asset(root, "equal-focus.png", "assets", "assets/equal-focus.png")
    project = load_project(root)
    collected = collect_assets(root, project)
    assert collected.problems == [] and "assets/equal-focus.png" in collected.available
    build_site(root, strict=True, site_dir=tmp_path / "site")
    page = (tmp_path / "site" / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    src = next(v for _, tag, key, v in docs.inventory({"p": page}).values if tag == "img" and key == "src")
    assert (tmp_path / "site" / "tasks" / "photo-subject" / src).resolve().is_file()
    (root / "assets" / "equal-focus.png").unlink()
    problems = collect_assets(root, load_project(root)).problems
    assert problems and ("looked for guidelines/photo-subject/rules/assets/equal-focus.png or assets/equal-focus.png"
                         in problems[0])


def move_example_asset(root, name: str, folder: str, reference: str) -> None:
    """Move `examples/NAME` from beside PPS-002 into the project's FOLDER, cited as REFERENCE."""
    (root / folder).mkdir()
    (root / RULES / "examples" / name).rename(root / folder / name)
    rule = root / RULES / "pps-002.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace(f"examples/{name}", reference), encoding="utf-8")
