"""End to end in headless Chromium (Playwright, pointed at Debian's /usr/bin/chromium): open the
built site from a local HTTP server, search for a rule id and reach its section, switch an
examples tab, and find the quality chart loaded. Screenshots go to the test's tmp_path."""

from __future__ import annotations

import functools
import http.server
import threading
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from guidelines_tool.docs.data import load_site_data
from guidelines_tool.docs.render import QualityPoint
from guidelines_tool.docs.site import build_site

pytestmark = pytest.mark.browser  # skipped where Chromium is not installed (conftest.py)


# A rule whose id and title have no break opportunity, and a wide example table: what makes a
# phone-width page scroll sideways when nothing holds it in.
LONG_RULE = """kind: rule
id: PPS-SUPERCALIFRAGILISTICEXPIALIDOCIOUS-LONGEST-RULE-ID-0001
task: photo-subject
title: Reflections-in-shop-windows-count-as-the-product-only-when-sharp
status: active
labels: [product, scene]
when: A reflection of the product is the sharpest thing in the frame.
examples:
  - {input: "Window reflection of a handbag, sharper than the street behind it; the passers-by blurred", label: product, why: "the_reflection_is_the_sharpest_object_in_the_frame_and_nothing_else_competes"}
counterexamples:
  - {input: "Reflection soft, street sharp", label: scene, why: "the street wins"}
"""

PAGES = ["", "tasks/photo-subject/", "changelog/", "changelog/v2.0.0/", "changelog/since/v1.0.0/",
         "changelog/unreleased/", "quality/"]


def _build(docs, tmp: Path, theme: str) -> Path:
    root = docs.git_project(tmp, theme=theme)
    (root / "guidelines" / "photo-subject" / "rules" / "pps-long.yaml").write_text(LONG_RULE, encoding="utf-8")
    data = load_site_data(root)
    day = lambda month: datetime(2026, month, 1, tzinfo=timezone.utc)  # noqa: E731
    data.series = {"photo-subject": [QualityPoint("a1b2c3d", day(1), 0.58, 60),
                                     QualityPoint("e4f5a6b", day(2), 0.74, 64),
                                     QualityPoint("c7d8e9f", day(3), 0.86, 70)]}
    data.marks = {"photo-subject": [(day(2), "PPS-002")]}
    build_site(root, site_dir=tmp / "site", data=data)
    return tmp / "site"


@pytest.fixture(scope="module")
def sites(docs, tmp_path_factory):
    """theme → URL of the fixture site built with that theme (built on first use), served locally."""
    servers, urls = [], {}

    def url(theme: str) -> str:
        if theme not in urls:
            site = _build(docs, tmp_path_factory.mktemp(f"browser-{theme}"), theme)
            handler = functools.partial(docs.QuietHandler, directory=str(site))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            urls[theme] = f"http://127.0.0.1:{server.server_address[1]}/"
        return urls[theme]

    yield url
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site_url(sites):
    return sites("material")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _search(page, theme: str, query: str):
    """Type a query into the theme's search box; the locator of the result links."""
    if theme == "material":
        page.locator("input.md-search__input").click(force=True)  # the label overlays the input
        page.keyboard.type(query)  # Material searches on key events, not on `fill`
        return page.locator("a.md-search-result__link")
    page.locator("a[data-bs-target='#mkdocs_search_modal'], a[data-target='#mkdocs_search_modal']").first.click()
    page.locator("#mkdocs-search-query").click()
    page.keyboard.type(query)
    return page.locator("#mkdocs-search-results a")


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
def test_search_result_lands_on_the_rule_anchor(page, sites, theme, tmp_path):
    """The result for a rule points at `#RULE-ID` (not a slug of its heading) in both themes."""
    page.goto(sites(theme))
    results = _search(page, theme, "PPS-002")
    result = results.filter(has_text="Equal focus").first
    result.wait_for()
    page.screenshot(path=str(tmp_path / "search.png"))
    target = urlsplit(result.get_attribute("href"))  # Material adds `?h=` (search.highlight)
    assert target.path.endswith("/tasks/photo-subject/") and target.fragment == "PPS-002"
    result.click()
    page.wait_for_url("**/tasks/photo-subject/**#PPS-002")
    section = page.locator("h2#PPS-002")
    section.wait_for()
    assert "Equal focus" in section.inner_text()
    assert page.locator("#PPS-002").count() == 1  # one element carries the id
    page.wait_for_function("() => { const r = document.getElementById('PPS-002').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < window.innerHeight; }")
    permalink = section.locator("a.headerlink")
    assert permalink.get_attribute("href") == "#PPS-002"  # the ¶ a lead copies is the rule's address
    page.screenshot(path=str(tmp_path / "section.png"))


def test_table_of_contents_links_to_rule_ids(page, sites):
    page.goto(sites("material") + "tasks/photo-subject/")
    toc = page.locator("nav.md-nav--secondary a[href='#PPS-002']")
    assert toc.count() >= 1


# Elements that stick out of the viewport without a scrolling box of their own: what makes the
# whole page slide sideways (or clips it) on a phone.
OVERFLOW_JS = """() => {
  const bad = [];
  const els = document.querySelectorAll('article table, [role=main] table, h1, h2, h3, p, li, img, audio, video, .tabbed-labels');
  for (const el of els) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= window.innerWidth + 1) continue;
    let box = el.parentElement, held = false;
    for (; box; box = box.parentElement) {
      const o = getComputedStyle(box).overflowX;
      if ((o === 'auto' || o === 'scroll') && box.getBoundingClientRect().right <= window.innerWidth + 1) { held = true; break; }
    }
    if (!held) bad.push(el.tagName + ': ' + el.textContent.trim().slice(0, 50));
  }
  return {bad, width: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
@pytest.mark.parametrize("width", [375, 1280])
def test_pages_fit_phone_and_desktop_widths(browser, sites, theme, width, tmp_path):
    """Wide tables scroll in their own box, long rule ids wrap: the page never scrolls sideways."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        for path in PAGES:
            response = page.goto(sites(theme) + path)
            assert response.ok, path
            result = page.evaluate(OVERFLOW_JS)
            page.screenshot(path=str(tmp_path / f"{path.replace('/', '_') or 'home'}.png"), full_page=True)
            assert result == {"bad": [], "width": width}, path
    finally:
        context.close()


def test_long_rule_id_wraps_on_a_phone(browser, sites):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(sites("material") + "tasks/photo-subject/#PPS-SUPERCALIFRAGILISTICEXPIALIDOCIOUS-LONGEST-RULE-ID-0001")
        heading = page.locator("h2#PPS-SUPERCALIFRAGILISTICEXPIALIDOCIOUS-LONGEST-RULE-ID-0001")
        box = heading.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert heading.evaluate("h => h.scrollWidth <= h.clientWidth + 1")  # wrapped, not clipped
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
def test_near_misses_are_a_tab_in_both_themes(page, sites, theme, tmp_path):
    """Without Material's CSS the plain theme showed both tables one under the other, untitled."""
    page.goto(sites(theme) + "tasks/photo-subject/#PPS-002")
    tabs = page.locator("h2#PPS-002 ~ .tabbed-set").first
    blocks = tabs.locator(".tabbed-block")
    assert blocks.nth(0).is_visible() and not blocks.nth(1).is_visible()
    tabs.locator("label", has_text="Near misses").click()
    assert blocks.nth(1).is_visible() and not blocks.nth(0).is_visible()
    assert "Portrait, bag blurred at frame edge" in blocks.nth(1).inner_text()
    page.screenshot(path=str(tmp_path / "tab.png"))


def test_switch_examples_tab(page, site_url, tmp_path):
    page.goto(site_url + "tasks/photo-subject/#PPS-002")
    tabs = page.locator("h2#PPS-002 ~ .tabbed-set").first
    near = tabs.locator("label", has_text="Near misses")
    near.click()
    blocks = tabs.locator(".tabbed-block")
    assert blocks.nth(1).is_visible() and not blocks.nth(0).is_visible()
    assert "Portrait, bag blurred at frame edge" in blocks.nth(1).inner_text()
    page.screenshot(path=str(tmp_path / "tab.png"))


def test_quality_chart_is_loaded(page, site_url, tmp_path):
    page.goto(site_url + "quality/")
    image = page.locator("img[src*='assets/quality/photo-subject.png']")
    image.wait_for()
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") > 0
    assert "0.860" in page.locator("table").first.inner_text()  # the text table beside the chart
    page.screenshot(path=str(tmp_path / "quality.png"), full_page=True)


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
def test_example_assets_load_as_media(browser, sites, theme, tmp_path):
    """An image example is a loaded, lazy image with alt text that fits a phone; audio is a
    player whose file loads; a document is a link that resolves."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(sites(theme) + "tasks/photo-subject/#PPS-002")
        image = page.locator("h2#PPS-002 ~ .tabbed-set img.gl-asset-image").first
        assert image.get_attribute("loading") == "lazy"
        assert image.get_attribute("alt") == "Example labelled Product: handbag and face equally sharp"
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=image.element_handle())
        box = image.bounding_box()
        assert 0 < box["width"] <= 375 - box["x"] and box["height"] > 0
        audio = page.locator("h2#PPS-002 ~ .tabbed-set audio.gl-asset-audio").first
        assert audio.get_attribute("controls") is not None
        audio.evaluate("a => a.load()")  # preload=none: ask for it, as pressing play does
        page.wait_for_function("a => a.readyState >= 1 && a.duration > 0.1", arg=audio.element_handle())
        link = page.locator("a.gl-asset-link", has_text="brief.pdf").first
        response = page.request.get(urljoin(page.url, link.get_attribute("href")))
        assert response.ok and response.body().startswith(b"%PDF")
        page.screenshot(path=str(tmp_path / "assets.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
def test_tables_stack_into_named_cards_on_a_phone(browser, sites, theme, tmp_path):
    """On a phone the last columns ("Do not use it when", "Why") were off screen behind a
    sideways scroll; each row is now a card whose cells name their column. Desktop keeps tables."""
    for width, stacked in ((375, True), (1280, False)):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        try:
            page.goto(sites(theme) + "tasks/photo-subject/")
            for selector, last in ((".gl-labels td[data-label='Do not use it when']", "Do not use it when"),
                                   ("h2#PPS-002 ~ .tabbed-set .gl-examples td[data-label='Why']", "Why")):
                cell = page.locator(selector).first
                cell.scroll_into_view_if_needed()
                box = cell.bounding_box()
                shown = cell.evaluate("td => getComputedStyle(td, '::before').content")
                display = cell.evaluate("td => getComputedStyle(td).display")
                if stacked:
                    assert box["x"] >= 0 and box["x"] + box["width"] <= width, selector
                    assert shown == f'"{last}"' and display == "block", selector
                else:
                    assert display == "table-cell" and shown in ("none", "normal"), selector
            block = page.locator("h2#PPS-002 ~ .tabbed-set .tabbed-block").first
            assert block.evaluate("b => b.scrollHeight <= b.clientHeight + 1")  # nothing cut off below
            page.screenshot(path=str(tmp_path / f"cards-{width}.png"), full_page=True)
        finally:
            context.close()


def test_from_home_to_what_changed_since_my_release_to_the_rule(browser, sites, tmp_path):
    """An annotator trained on v1.0.0, on a phone: home → everything since v1.0.0 → the new rule."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(sites("material"))
        page.locator("article a", has_text="v1.0.0").first.click()
        page.wait_for_url("**/changelog/since/v1.0.0/")
        assert "What changed since v1.0.0" in page.locator("h1").inner_text()
        text = page.locator("article").inner_text()
        assert "a new rule" in text and "deprecated" in text  # v1.1.0 and v2.0.0 together
        page.screenshot(path=str(tmp_path / "since.png"), full_page=True)
        page.locator("article a", has_text="PPS-002").first.click()
        page.wait_for_url("**/tasks/photo-subject/#PPS-002")
        assert page.locator("h2#PPS-002").is_visible()
    finally:
        context.close()
