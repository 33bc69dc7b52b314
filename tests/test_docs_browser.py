"""End to end in headless Chromium (Playwright, pointed at Debian's /usr/bin/chromium): open the
built site from a local HTTP server, search for a rule id and reach its section, switch an
examples tab, and find the quality chart loaded. Screenshots go to the test's tmp_path."""

from __future__ import annotations

import functools
import http.server
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from guidelines_tool.docs.data import load_site_data
from guidelines_tool.docs.render import QualityPoint
from guidelines_tool.docs.site import build_site
from tests.docs_support import copy_project

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    root = copy_project(tmp)
    data = load_site_data(root, with_history=False)
    day = lambda month: datetime(2026, month, 1, tzinfo=timezone.utc)  # noqa: E731
    data.series = {"photo-subject": [QualityPoint("a1b2c3d", day(1), 0.58, 60),
                                     QualityPoint("e4f5a6b", day(2), 0.74, 64),
                                     QualityPoint("c7d8e9f", day(3), 0.86, 70)]}
    data.marks = {"photo-subject": [(day(2), "PPS-002")]}
    build_site(root, site_dir=tmp / "site", data=data)
    handler = functools.partial(QuietHandler, directory=str(tmp / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_search_for_a_rule_id_reaches_its_section(page, site_url, tmp_path):
    page.goto(site_url)
    page.locator("input.md-search__input").click(force=True)  # the label overlays the input
    page.keyboard.type("PPS-002")  # Material searches on key events, not on `fill`
    result = page.locator("a.md-search-result__link[href*='photo-subject'][href*='#pps-002']").first
    result.wait_for()
    page.screenshot(path=str(tmp_path / "search.png"))
    result.click()
    page.wait_for_url("**/tasks/photo-subject/**#pps-002*")
    section = page.locator("h2:has(#PPS-002)")
    section.wait_for()
    assert "Equal focus" in section.inner_text()
    page.wait_for_function("() => { const r = document.getElementById('PPS-002').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < window.innerHeight; }")
    page.screenshot(path=str(tmp_path / "section.png"))


def test_switch_examples_tab(page, site_url, tmp_path):
    page.goto(site_url + "tasks/photo-subject/#PPS-002")
    tabs = page.locator("h2:has(#PPS-002) ~ .tabbed-set").first
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
