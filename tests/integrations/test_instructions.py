"""The instructions pushed to a labeling tool: the site's rendering of the task's active rules,
stamped, linked to the published site and the quiz, and sanitised whatever the rules say."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from guidelines_tool.docs.render import render_pages
from guidelines_tool.errors import GuidelinesError
from guidelines_tool.integrations import Stamp
from guidelines_tool.integrations.instructions import (
    absolute, hint_text, instructions_html, make_site, site_from_mkdocs,
)
from guidelines_tool.project import load_project

STAMP = Stamp("v1.2.0-3-gabc1234", "abc1234" + "0" * 33, "2026-05-01T10:00:00+02:00")
SITE = make_site("https://guides.example.org/retail")
EVIL = """\
kind: rule
id: PPS-002
task: pps
title: "Evil <script>alert(1)</script>"
labels: [product, packaging]
decision: packaging
when: |
  Click [here](javascript:alert(1)){ onclick="alert(2)" } or <img src=x onerror=alert(3)>.
  See [the box rule](#PPS-001) and [elsewhere](https://example.com/a?b=1).
examples:
  - {input: "<b onmouseover=alert(4)>box</b>", label: packaging}
"""


def tags_in(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every element of an HTML fragment with its attributes, as a browser's parser sees them."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [(name, value or "") for name, value in attrs]))

    Collector().feed(text)
    return found


@pytest.fixture
def project(guideline_project):
    """project(files=None) → the small valid project, loaded, with `files` replaced or added."""
    return lambda files=None: load_project(guideline_project(files=files))


def test_stamp_links_labels_and_active_rules(project, guideline_project):
    rule = (guideline_project() / "guidelines/pps/rules/PPS-001.yaml").read_text()
    draft = rule.replace("id: PPS-001", "id: PPS-009").replace("title: The product wins", "title: Not yet") + "status: draft\n"
    p = project({"guidelines/pps/rules/PPS-009.yaml": draft})
    text = instructions_html(p, p.tasks["pps"], STAMP, SITE)
    assert "<strong>v1.2.0-3-gabc1234</strong>" in text and "<code>abc12340000</code>" not in text
    assert "<code>abc123400000</code>" in text and "2026-05-01" in text
    assert 'href="https://guides.example.org/retail/tasks/pps/" target="_blank"' in text
    assert 'href="https://guides.example.org/retail/practise/pps/"' in text
    assert 'href="https://guides.example.org/retail/practise/pps/#quiz-PPS-001"' in text  # "Practise this rule"
    assert "<h2>PPS-001 — The product wins</h2>" in text and "Model holds a bag" in text
    assert "Not yet" not in text and "1 draft or deprecated rule is not shown" in text
    assert "<th>Label</th>" in text and "<code>packaging</code>" in text


def test_every_link_into_the_site_goes_to_a_page_the_site_has(project):
    """The links are worked out apart from the site's pages: check them against what
    `docs.render` makes (the task page, the practise page, their anchors)."""
    p = project()
    pages = render_pages(p)
    text = instructions_html(p, p.tasks["pps"], STAMP, SITE)
    links = [value for tag, attributes in tags_in(text) for name, value in attributes if name == "href"]
    inside = [link for link in links if link.startswith(SITE.home)]
    assert len(inside) >= 3
    for link in inside:
        path, _, fragment = link[len(SITE.home):].partition("#")
        page = path.rstrip("/") + ".md" if path else "index.md"
        assert page in pages, (link, sorted(pages))
        if fragment:
            assert f'id="{fragment}"' in pages[page], link


def test_no_quiz_link_for_a_task_without_questions(project, guideline_project):
    rule = (guideline_project() / "guidelines/pps/rules/PPS-001.yaml").read_text()
    bare = rule.split("examples:")[0].split("near_misses:")[0]
    p = project({"guidelines/pps/rules/PPS-001.yaml": bare})
    assert "practise/pps.md" not in render_pages(p)  # the site has no practise page then
    text = instructions_html(p, p.tasks["pps"], STAMP, SITE)
    assert "practise" not in text.lower() and 'href="https://guides.example.org/retail/tasks/pps/"' in text


def test_the_same_inputs_give_the_same_bytes(project):
    p = project()
    assert instructions_html(p, p.tasks["pps"], STAMP, SITE) == instructions_html(p, p.tasks["pps"], STAMP, SITE)


def test_rule_text_cannot_inject_markup_or_script(project):
    p = project({"guidelines/pps/rules/PPS-002.yaml": EVIL})
    text = instructions_html(p, p.tasks["pps"], STAMP, SITE)
    allowed = {"a": {"href", "target", "rel"}}
    for tag, attributes in tags_in(text):
        assert tag not in ("script", "img", "b"), tag
        assert {name for name, _ in attributes} <= allowed.get(tag, set()), (tag, attributes)
        assert all(value.startswith(("https://", "_blank", "noopener")) for _, value in attributes), attributes
    assert "&lt;script&gt;" in text  # shown as text
    assert 'href="https://guides.example.org/retail/tasks/pps/#PPS-001"' in text  # in-site link made absolute
    assert 'href="https://example.com/a?b=1"' in text


def test_without_a_site_links_into_it_become_text(project):
    p = project({"guidelines/pps/rules/PPS-002.yaml": EVIL})
    text = instructions_html(p, p.tasks["pps"], STAMP, None)
    assert "practise" not in text and "tasks/pps" not in text
    assert "the box rule" in text and 'href="https://example.com/a?b=1"' in text


@pytest.mark.parametrize("url, expected", [
    ("../index.md", "https://s.org/g/"),
    ("other.md#R-1", "https://s.org/g/tasks/other/#R-1"),
    ("#R-2", "https://s.org/g/tasks/pps/#R-2"),
    ("../assets/examples/a.png", "https://s.org/g/assets/examples/a.png"),
    ("../../outside.md", None),
    ("ftp://host/x", None),
    ("mailto:lead@example.org", "mailto:lead@example.org"),
])
def test_absolute(url, expected):
    assert absolute(url, "tasks/pps.md", make_site("https://s.org/g/")) == expected


def test_file_urls_when_the_site_has_no_folders():
    site = make_site("https://s.org", directory_urls=False)
    assert absolute("other.md", "tasks/pps.md", site) == "https://s.org/tasks/other.html"


def test_the_site_comes_from_mkdocs_yml_with_the_plugin_prefix(tmp_path):
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\nsite_url: https://s.org/docs/\nuse_directory_urls: false\n"
        "plugins:\n  - search\n  - guidelines:\n      prefix: rules\n")
    site, why = site_from_mkdocs(tmp_path)
    assert site.home == "https://s.org/docs/rules/" and not site.directory_urls and why == ""
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    assert site_from_mkdocs(tmp_path) == (None, "mkdocs.yml sets no site_url")


def test_a_site_url_must_be_http():
    with pytest.raises(GuidelinesError, match="http"):
        make_site("javascript:alert(1)")


def test_hints_are_one_line_of_plain_text():
    assert hint_text("The **box** is\n  the [subject](https://x.org) & <b>more</b>") == "The box is the subject & more"
    assert hint_text("") == ""
