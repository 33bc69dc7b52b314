"""Event handlers and link rel in the sanitiser, on its input and through a built site (issue 17:
allowing `onclick`/`onmouseover` on the allowed tags, or dropping `rel="noopener noreferrer
nofollow"`, survived the suite)"""

from __future__ import annotations

from pathlib import Path

import pytest

from guidelines_tool.docs.safe import ALLOWED_TAGS, rich, rich_inline, sanitize
from tests.docs.conftest import DocsKit

HANDLERS = ("onclick", "onmouseover", "onerror", "onfocus", "onload")
REL = {"noopener", "noreferrer", "nofollow"}


# --- docs/safe.py: the allowlist itself ---------------------------------------------------------
# The payload corpus (tests/fixtures/docs_payloads.yaml) has no well-formed `<b onclick="x">`, so
# Markdown escapes every handler payload before the sanitiser sees it: these cases hand the
# sanitiser well-formed tags with handlers. They kill "allow onclick/onmouseover (or any
# attribute) on the allowed tags" (ALLOWED_ATTRIBUTES["*"] gaining a name, or losing its "*"
# entry, which brings back nh3's default generic attributes).


def _attributes(fragment: str) -> set[tuple[str, str]]:
    return DocsKit.inventory({"fragment": fragment}).attributes


@pytest.mark.parametrize("tag", sorted(ALLOWED_TAGS))
def test_sanitiser_drops_handlers_and_generic_attributes_on_every_allowed_tag(tag):
    handlers = " ".join(f'{name}="alert(1)"' for name in HANDLERS)
    fragment = f'<table><tbody><tr><{tag} {handlers} title="t" lang="en" style="color:red" id="x" class="c">text</{tag}></tr></tbody></table>'
    if tag not in {"td", "th", "tr", "tbody", "thead", "table"}:
        fragment = f'<p><{tag} {handlers} title="t" lang="en" style="color:red" id="x" class="c">text</{tag}></p>'
    cleaned = sanitize(fragment)
    assert tag in DocsKit.inventory({"fragment": cleaned}).tags, cleaned  # the tag stays, bare
    assert _attributes(cleaned) <= {("a", "rel")}, cleaned


def test_sanitiser_keeps_only_href_and_rel_on_links():
    cleaned = sanitize('<a href="https://example.com/" onclick="alert(1)" onmouseover="alert(2)" title="t">x</a>')
    assert _attributes(cleaned) == {("a", "href"), ("a", "rel")}


def test_markdown_hands_a_well_formed_handler_to_the_sanitiser():
    """The sanitiser's real input: raw HTML inside rule Markdown reaches it as a tag (not escaped
    text), and comes out as the bare tag."""
    text = 'Hover <b onclick="alert(1)" onmouseover="alert(2)">here</b> and <em onfocus="alert(3)">there</em>.'
    block = rich(text)
    assert "<b>here</b>" in block and "<em>there</em>" in block, block
    assert not [name for _, name in _attributes(block) if name.startswith("on")], block
    assert rich_inline(text) == "Hover <b>here</b> and <em>there</em>."


# --- docs/safe.py: rel on every link ------------------------------------------------------------
# Kills dropping `link_rel="noopener noreferrer nofollow"` (or any of its three words).


def _rels(fragment: str) -> list[set[str]]:
    return [set(value.split()) for _, tag, key, value in DocsKit.inventory({"f": fragment}).values
            if tag == "a" and key == "rel"]


def test_every_link_in_rich_text_gets_noopener_noreferrer_nofollow():
    block = rich("See [the guide](https://example.com/guide), <https://example.org/> and "
                 '<a href="mailto:lead@example.com" rel="opener">mail</a>.')
    links = [v for _, tag, key, v in DocsKit.inventory({"f": block}).values if tag == "a" and key == "href"]
    assert links == ["https://example.com/guide", "https://example.org/", "mailto:lead@example.com"]
    assert _rels(block) == [REL, REL, REL]


# --- the same two properties on a built site: a rule field rendered through MkDocs --------------


@pytest.fixture(scope="module")
def handler_site(tmp_path_factory, docs) -> Path:
    from guidelines_tool.docs.site import build_site

    tmp = tmp_path_factory.mktemp("handlers")
    root = docs.copy_project(tmp, theme="mkdocs", extensions="risky")
    (root / "guidelines/photo-subject/rules/pps-009.yaml").write_text(
        "kind: rule\nid: PPS-009\ntask: photo-subject\ntitle: Handlers stay out\nstatus: active\n"
        "labels: [product]\n"
        'when: \'Hover <b onclick="alert(1)" onmouseover="alert(2)">MARK-9</b>; see [the guide](https://example.com/g9).\'\n'
        'rationale: \'<em onmouseover="alert(3)">MARK-10</em>\'\n',
        encoding="utf-8")
    build_site(root, site_dir=tmp / "site")
    return tmp / "site"


def test_site_renders_rule_html_without_handlers(handler_site, docs):
    page = (handler_site / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert "<b>MARK-9</b>" in page and "<em>MARK-10</em>" in page  # the tags arrived, bare
    inv = docs.inventory(docs.html_files(handler_site))
    assert not [a for a in inv.attributes if a[1].startswith("on")]


def test_site_links_from_rule_text_carry_rel(handler_site, docs):
    page = (handler_site / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    inv = docs.inventory({"page": page})
    anchors: dict[int, dict[str, str]] = {}
    for index, (_, tag, key, value) in enumerate(inv.values):
        if tag == "a" and key == "href" and value == "https://example.com/g9":
            anchors[index] = {"href": value}
    assert anchors, "the rule's link is on the page"
    for index in anchors:  # the attributes of one tag are consecutive in inv.values
        following = inv.values[index + 1] if index + 1 < len(inv.values) else None
        assert following is not None and following[1:3] == ("a", "rel") and set(following[3].split()) == REL
