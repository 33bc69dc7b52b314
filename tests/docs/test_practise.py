"""The Practise pages (docs/practise.py): built from the same questions as `quiz build`, readable
without JavaScript, marked where a rule changed its decision since the last release, linked from
each rule; and the quiz script at work from a file on disk and under `guidelines docs serve`."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import markdown
import pytest

from guidelines_tool.docs.render import render_pages
from guidelines_tool.docs.site import build_site, write_pages
from guidelines_tool.history import read_history
from guidelines_tool.project import load_project


@pytest.fixture(scope="module")
def pages(docs):
    return render_pages(load_project(docs.project))


def test_practise_page_lists_the_questions_with_their_answers_folded(docs, pages):
    page = pages["practise/photo-subject.md"]
    assert page.startswith('---\ntitle: "Practise: Primary subject of product photos"\n')
    assert "7 questions from the examples, near misses and resolved ambiguous cases of the 2 active rules" in page
    # the deprecated PPS-003 is not asked; the unlabelled ambiguous case neither
    assert 'data-rule="PPS-003"' not in page and "Mannequin" not in page
    questions = re.findall(r'<li class="gl-q" id="(q-[0-9a-f]{10})" data-rule="(PPS-00[12])" data-answer="(\d)">', page)
    assert len(questions) == 7
    assert page.count('<details class="gl-q-key"><summary>Answer</summary>') == 7
    assert ('<p class="gl-q-rule">Deciding rule: <a class="gl-link" href="../tasks/photo-subject.md#PPS-002">'
            "PPS-002 — Equal focus — the product wins</a></p>") in page
    assert '<ul class="gl-quiz-labels"><li data-index="0">Product</li><li data-index="1">Person</li>' in page
    assert '<script class="gl-link" src="../assets/guidelines-quiz.js" defer></script>' in page
    # one raw HTML block: no blank line inside, so Markdown passes it through whole
    block = page[page.index('<div class="gl-quiz"'):page.index("</script>")]
    assert "\n\n" not in block
    # attributes hold built values only
    values = {value for _, _, key, value in docs.inventory({"p": block}).values if key.startswith("data-")}
    assert all(re.fullmatch(r"[0-9 ]+|PPS-00\d|15", value) for value in values), values
    assert "## Practise one rule" in page and '<a class="gl-link" id="quiz-PPS-002" href="#quiz-PPS-002">' in page


def test_pictures_in_questions_are_thumbnails_with_a_neutral_alt(pages):
    page = pages["practise/photo-subject.md"]
    image = re.search(r'<a class="gl-asset-full" href="([^"]+)"><img class="gl-asset-image" src="\1" '
                      r'alt="([^"]+)" loading="lazy" decoding="async"></a>', page)
    assert image and image[1].startswith("../assets/examples/") and image[1].endswith("/equal-focus.png")
    assert image[2] == "Picture to label"  # the input is the file itself: nothing to describe, no answer given away
    assert '<audio class="gl-asset-audio" src="../assets/examples/' in page


def test_each_active_rule_links_to_its_quiz_and_home_to_the_pages(pages):
    task = pages["tasks/photo-subject.md"]
    assert "[Practise this rule](../practise/photo-subject.md#quiz-PPS-002) (5 questions)." in task
    assert "[Practise this rule](../practise/photo-subject.md#quiz-PPS-001) (2 questions)." in task
    deprecated = task[task.index('<a id="PPS-003">'):]
    assert "Practise this rule" not in deprecated
    assert ("Practise with a quiz built from the rules' examples and near misses: "
            "[Primary subject of product photos](practise/photo-subject.md) · [Toxic comments](practise/toxicity.md).") in pages["index.md"]


def test_questions_whose_rule_changed_its_decision_since_the_last_release_are_marked(docs, tmp_path):

    root = docs.git_project(tmp_path)
    rule = root / "guidelines" / "photo-subject" / "rules" / "pps-002.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("decision: product", "decision: person"), encoding="utf-8")
    docs.git(root, "commit", "-qam", "Flip PPS-002", date="2026-04-01T10:00:00+00:00")
    page = render_pages(load_project(root), history=read_history(root))["practise/photo-subject.md"]
    assert "belong to a rule whose decision changed since v2.0.0" in page
    assert page.count("<strong class=\"gl-q-changed\">changed</strong>: decision changed since v2.0.0") == 5
    docs.git(root, "tag", "v3.0.0")  # released: the page compares with the release before, v2.0.0
    again = render_pages(load_project(root), history=read_history(root))["practise/photo-subject.md"]
    assert again.count("<strong class=\"gl-q-changed\">changed</strong>: decision changed since v2.0.0") == 5


def _answer_two(page) -> None:
    status = page.locator(".gl-quiz-status")
    status.wait_for()
    assert status.inner_text().startswith("question 1 of 7")
    page.keyboard.press("1")
    assert page.locator(".gl-quiz-feedback .gl-quiz-verdict").inner_text().startswith(("Right", "Not quite"))
    page.keyboard.press("Enter")
    assert status.inner_text().startswith("question 2 of 7")


@pytest.mark.browser
def test_the_quiz_works_from_a_file_on_disk_with_the_network_off(docs, browser, tmp_path):
    """`guidelines docs render` output opened from disk: the page and its script, nothing else."""
    root = docs.copy_project(tmp_path)
    write_pages(root, tmp_path / "out")
    html = tmp_path / "out" / "practise" / "photo-subject.html"

    text = (tmp_path / "out" / "practise" / "photo-subject.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    html.write_text("<!doctype html><html lang=en><title>q</title>" + markdown.markdown(text), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(html.as_uri())
        _answer_two(page)
    finally:
        context.close()
    assert all(url.startswith("file://") for url in requests), requests


@pytest.mark.browser
@pytest.mark.slow
def test_the_quiz_works_under_docs_serve(docs, browser, tmp_path):

    root = docs.copy_project(tmp_path)
    with docs.serving(root) as base:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "practise/photo-subject/", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        context = browser.new_context()
        page = context.new_page()
        foreign = []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                      else (foreign.append(route.request.url), route.abort()))
        try:
            page.goto(base + "practise/photo-subject/#quiz-PPS-002")
            status = page.locator(".gl-quiz-status")
            status.wait_for()
            assert status.inner_text().startswith("Rule PPS-002: question 1 of 5")
            page.keyboard.press("2")
            page.keyboard.press("Enter")
            assert status.inner_text().startswith("Rule PPS-002: question 2 of 5")
        finally:
            context.close()
        assert foreign == []


def test_render_writes_the_quiz_script(docs, tmp_path):
    written = write_pages(docs.copy_project(tmp_path), tmp_path / "out")
    names = {p.relative_to(tmp_path / "out").as_posix() for p in written}
    assert {"assets/guidelines-quiz.js", "practise/photo-subject.md"} <= names
    assert "fetch(" not in (tmp_path / "out" / "assets" / "guidelines-quiz.js").read_text(encoding="utf-8")


def test_practise_pages_stay_out_of_the_search_index(docs, tmp_path):
    """A search for an example's words lands on its rule; the index (loaded by every page) does not
    carry the quiz a second time."""
    root = docs.copy_project(tmp_path)
    build_site(root, site_dir=tmp_path / "site")
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = [doc["location"] for doc in index["docs"]]
    assert any(location.startswith("tasks/photo-subject/") for location in locations)
    assert not [location for location in locations if location.startswith("practise/")]
    assert (tmp_path / "site" / "practise" / "photo-subject" / "index.html").is_file()


@pytest.mark.browser
def test_a_multi_label_question_takes_several_keys_then_enter(docs, browser, tmp_path):

    root = docs.copy_project(tmp_path)
    (root / "guidelines" / "tags" / "rules").mkdir(parents=True)
    (root / "guidelines" / "tags" / "task.yaml").write_text(
        "kind: task\nid: tags\ntitle: Photo tags\nmulti_label: true\nlabels:\n  - {id: outdoor, name: Outdoor}\n"
        "  - {id: people, name: People}\n  - {id: food, name: Food}\n", encoding="utf-8")
    (root / "guidelines" / "tags" / "rules" / "tag-001.yaml").write_text(
        "kind: rule\nid: TAG-001\ntask: tags\ntitle: Picnics\nlabels: [outdoor, people, food]\nwhen: A picnic.\n"
        "examples:\n  - {input: Family picnic on a lawn, label: [outdoor, people, food], why: all three}\n",
        encoding="utf-8")
    write_pages(root, tmp_path / "out")
    text = (tmp_path / "out" / "practise" / "tags.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    html = tmp_path / "out" / "practise" / "tags.html"
    html.write_text("<!doctype html><html lang=en><title>q</title>" + markdown.markdown(text), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(html.as_uri())
        page.locator(".gl-quiz-status").wait_for()
        for key in ("1", "3", "3", "2", "3"):  # toggles: outdoor, food, food off, people, food on
            page.keyboard.press(key)
        pressed = page.locator(".gl-quiz-option[aria-pressed='true']")
        assert pressed.count() == 3
        page.keyboard.press("Enter")  # checks the answer
        assert page.locator(".gl-quiz-verdict").inner_text() == "Right: Outdoor, People, Food."
        page.keyboard.press("Enter")
        assert page.locator(".gl-quiz-heading").inner_text() == "Your score: 1 of 1 (100%)"
    finally:
        page.close()
