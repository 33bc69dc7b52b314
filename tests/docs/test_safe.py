"""Rule text is untrusted: a hostile project with injection payloads in every text field builds
into a site with no script, event handler, javascript: URL or attribute that came from YAML.

The built HTML is read with html.parser and compared with the site of a benign project built with
the same mkdocs.yml: Material's own scripts and attributes are allowed, nothing else is."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from guidelines_tool.docs.charts import render_charts
from guidelines_tool.docs.pagekit import title_text
from guidelines_tool.docs.render import QualityPoint
from guidelines_tool.docs.safe import plain, rich
from guidelines_tool.docs.site import build_site

DATA = Path(__file__).parent / "data"
PAYLOADS: list[str] = YAML(typ="safe").load((DATA / "payloads.yaml").read_text(encoding="utf-8"))
ASSET_PAYLOADS: list[str] = YAML(typ="safe").load((DATA / "asset_payloads.yaml").read_text(encoding="utf-8"))
HOSTILE_FILE = "PWN62=alert(1);.png"  # a real file with a hostile name, next to the rule
MARKER = "PWN"
# Tags and attributes sanitized rule text may legitimately produce (beyond the benign site's).
TEXT_TAGS = {"p", "br", "hr", "em", "strong", "b", "i", "code", "pre", "kbd", "del", "sub", "sup",
             "ul", "ol", "li", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "div",
             "h3",  # h3: the quality page's per-task headings (the benign fixture has no annotations)
             "img", "audio", "video", "span"}  # example assets (render.example_input)
TEXT_ATTRIBUTES = {("a", "href"), ("a", "rel"), ("a", "id"), ("div", "class"), ("h3", "id"),
                   ("a", "class"), ("a", "referrerpolicy"), ("span", "class")}
TEXT_ATTRIBUTES |= {(tag, name) for tag in ("img", "audio", "video")
                    for name in ("class", "src", "alt", "loading", "decoding", "referrerpolicy", "controls", "preload")}
SAFE_SCHEMES = ("http:", "https:", "mailto:")
# The hostile project's docs.title (PAYLOADS[1]) as the plugin makes it the site's title, squashed.
SITE_TITLE = re.sub(r"[\x00-\x20]", "", title_text(PAYLOADS[1])).lower()
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "content"}


def dump(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")  # JSON is YAML 1.2


def hostile_project(root: Path) -> None:
    """Every payload in every text field: project, task, labels, rules (ids included)."""
    p = PAYLOADS
    dump(root / "guidelines.yaml", {"kind": "project", "name": p[0], "docs": {"title": p[1]}})
    labels = [{"id": payload, "name": payload, "definition": payload, "include": [payload],
               "exclude": [payload]} for payload in p[:6]] + [{"id": "ok", "name": "OK", "definition": "**fine**"}]
    dump(root / "guidelines/hostile/task.yaml", {
        "kind": "task", "id": "hostile", "title": p[2], "description": "\n\n".join(p), "labels": labels})
    dump(root / "guidelines/evil/task.yaml", {
        "kind": "task", "id": p[10], "title": p[11], "description": p[12],
        "labels": [{"id": p[13], "name": p[14], "definition": p[15]}]})
    for index, payload in enumerate(p, start=1):
        example = {"input": payload, "label": payload, "why": payload}
        rule = {
            "kind": "rule", "id": f"HX-{index}", "task": "hostile", "title": payload,
            "status": "deprecated" if index % 3 == 0 else ("draft" if index % 3 == 1 else "active"),
            "labels": [payload, "ok"], "decision": payload, "when": f"**kept-bold-{index}** {payload}",
            "unless": [payload, payload], "rationale": payload, "examples": [example, example],
            "counterexamples": [example], "ambiguous_cases": [{"case": payload, "resolution": payload,
                                                              "decided": payload}],
            "overrides": [payload, "HX-1"], "see_also": [payload, f"HX-{len(p)}"],
            "replaced_by": payload if index % 2 else "HX-2", "tags": [payload, "ok"],
        }
        dump(root / f"guidelines/hostile/rules/hx-{index:02d}.yaml", rule)
    # Asset-shaped inputs: URLs and paths in `input`, payloads in `why` (the image's alt text).
    assets = [{"input": payload, "label": "ok", "why": p[index % len(p)]}
              for index, payload in enumerate(ASSET_PAYLOADS + [HOSTILE_FILE])]
    (root / "guidelines/hostile/rules" / HOSTILE_FILE).write_bytes(b"\x89PNG\r\n\x1a\n")
    dump(root / "guidelines/hostile/rules/hx-assets.yaml", {
        "kind": "rule", "id": "HX-ASSETS", "task": "hostile", "title": "assets", "labels": ["ok"],
        "examples": assets, "counterexamples": list(reversed(assets))})
    # Annotations: hostile item and annotator ids reach the hotspot tables on the quality page.
    (root / "annotations").mkdir()
    with open(root / "annotations" / "batch.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "annotator", "label", "task"])
        for i, item in enumerate(p):
            for j, annotator in enumerate(p[:3]):
                writer.writerow([item, annotator, [p[0], "ok", p[1]][(i + j) % 3], "hostile"])
    for index, payload in enumerate(p[:5]):  # hostile ids and task references
        dump(root / f"guidelines/hostile/rules/id-{index}.yaml", {
            "kind": "rule", "id": payload, "task": payload if index % 2 else "hostile", "title": payload,
            "when": payload, "labels": [payload]})


@pytest.fixture(scope="module", params=[("material", "risky"), ("material", "init"), ("mkdocs", "risky")],
                ids=["material-risky", "material-init", "mkdocs-risky"])
def sites(request, docs, tmp_path_factory) -> tuple[Path, Path]:
    theme, extensions = request.param
    tmp = tmp_path_factory.mktemp("security")
    benign = docs.copy_project(tmp / "benign", theme=theme, extensions=extensions)
    hostile = tmp / "hostile"
    (hostile / "docs").mkdir(parents=True)
    (hostile / "mkdocs.yml").write_text(docs.mkdocs_yml(theme, extensions), encoding="utf-8")
    hostile_project(hostile)
    build_site(benign, site_dir=tmp / "benign-site")
    build_site(hostile, site_dir=tmp / "hostile-site")
    return tmp / "benign-site", tmp / "hostile-site"


def _normalize(script: str) -> str:
    return re.sub(r'"(?:\.\./)*\.\.?"', '"REL"', script)


def test_payloads_are_many_and_marked():
    assert len(PAYLOADS) >= 20
    assert all(MARKER in payload for payload in PAYLOADS[:7] + PAYLOADS[8:])


def test_no_script_from_yaml(docs, sites):
    benign, hostile = sites
    allowed = {_normalize(s) for s in docs.inventory(docs.html_files(benign)).scripts}
    found = {_normalize(s) for s in docs.inventory(docs.html_files(hostile)).scripts}
    assert found - allowed == set()
    assert not [s for s in found if MARKER in s or "alert" in s]


def test_no_event_handler_or_foreign_attribute(docs, sites):
    benign, hostile = sites
    base = docs.inventory(docs.html_files(benign))
    inv = docs.inventory(docs.html_files(hostile))
    assert not [a for a in inv.attributes if a[1].startswith("on")]
    assert inv.tags - base.tags - TEXT_TAGS == set()
    assert inv.attributes - base.attributes - TEXT_ATTRIBUTES == set()


def test_no_dangerous_urls_or_marked_attribute_values(docs, sites):
    _, hostile = sites
    inv = docs.inventory(docs.html_files(hostile))
    bad = []
    for name, tag, key, value in inv.values:
        squashed = re.sub(r"[\x00-\x20]", "", value).lower()
        if key in URL_ATTRIBUTES and ":" in squashed.split("/", 1)[0] and not squashed.startswith(SAFE_SCHEMES):
            bad.append((name, tag, key, value))
        if "javascript:" in squashed or "vbscript:" in squashed or "data:text" in squashed:
            bad.append((name, tag, key, value))
        if (MARKER in value or "alert(" in value) and not _inert_value(tag, key, squashed):
            bad.append((name, tag, key, value))
    assert bad == []


def _inert_value(tag: str, key: str, squashed: str) -> bool:
    """Where YAML text may show up in an attribute value without doing anything: an http(s)
    link or asset URL, the name of an asset file copied into the site, an image's alt text, and
    the site's title (the project's, words only: `pagekit.title_text`) as the theme names its logo link."""
    if (tag, key) in (("a", "title"), ("a", "aria-label")) and re.sub(r"[\x00-\x20]", "", squashed) == SITE_TITLE:
        return True
    if key in ("href", "src"):
        return squashed.startswith(SAFE_SCHEMES) or re.fullmatch(r"(\.\./)*assets/examples/[0-9a-f]+/[\w.-]+", squashed)
    return (tag, key) == ("img", "alt")


def test_asset_payloads_reach_the_page(docs, sites):
    """The asset corpus is exercised: URLs become media, the rest is shown as text."""
    _, hostile = sites
    page = (hostile / "tasks" / "hostile" / "index.html").read_text(encoding="utf-8")
    inv = docs.inventory({"page": page})
    sources = [value for _, tag, key, value in inv.values if tag == "img" and key == "src"]
    assert "https://example.com/PWN58.svg" in sources  # remote SVG: an image, never a page
    # Markdown syntax inside a URL stays in the attribute (no link, no emphasis made from it)
    assert "https://example.com/[PWN63](https://x.example/a.png)*b*_c_.png" in sources
    assert "https://example.com/a&quot;onerror=alert(PWN48).png" in sources  # `&quot;` stays text
    assert any(re.fullmatch(r"(\.\./)+assets/examples/[0-9a-f]+/PWN62_alert_1__\.png", v) for v in sources)
    assert "PWN59/evil.svg" in page and "PWN60/page.html" in page  # local SVG/HTML: text
    assert not [v for _, tag, key, v in inv.values if key == "src" and "PWN50" in v]  # traversal refused


def test_search_index_holds_only_text(docs, sites):
    _, hostile = sites
    index = json.loads((hostile / "search" / "search_index.json").read_text(encoding="utf-8"))
    fragments = {f"{i}:{k}": doc.get(k, "") for i, doc in enumerate(index["docs"]) for k in ("title", "text")}
    inv = docs.inventory(fragments)
    assert inv.scripts == set()
    assert not [a for a in inv.attributes if a[1].startswith("on") or a[1] in URL_ATTRIBUTES]


def test_markdown_formatting_still_renders(sites):
    _, hostile = sites
    page = (hostile / "tasks" / "hostile" / "index.html").read_text(encoding="utf-8")
    assert "<strong>kept-bold-3</strong>" in page
    assert "&lt;script&gt;alert" in page  # the payload is shown as text, not dropped silently
    quality = (hostile / "quality" / "index.html").read_text(encoding="utf-8")
    assert "Confused pairs" in quality and "&lt;img src=x onerror=alert(" in quality  # hotspots, as text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_text_cannot_form_markup(payload):
    text = plain(payload)
    assert not set(text) & set("<>[]{}`*_|\\$:"), text
    assert "\n" not in text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rich_text_is_one_sanitized_block(docs, payload):
    block = rich(payload).strip()
    assert block.startswith('<div class="gl-rich">') and block.endswith("</div>") and "\n" not in block
    inv = docs.inventory({"block": block})
    assert inv.tags <= TEXT_TAGS
    assert inv.attributes <= TEXT_ATTRIBUTES
    for _, _, key, value in inv.values:
        assert key != "href" or value.startswith(SAFE_SCHEMES) or not re.match(r"[^/?#]*:", value), value


def test_hostile_history_and_charts(docs, tmp_path):
    """Commit messages, hostile rule ids in chart marks, and payload titles with git history."""
    root = tmp_path / "hostile"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(docs.mkdocs_yml("mkdocs", "risky"), encoding="utf-8")
    hostile_project(root)
    docs.git(root, "init", "-q", "-b", "main")
    docs.git(root, "-c", "user.name=x", "-c", "user.email=x@example.com", "add", "-A")
    for index, payload in enumerate(PAYLOADS[:6]):
        (root / "guidelines" / "hostile" / "rules" / "hx-01.yaml").write_text(
            json.dumps({"kind": "rule", "id": "HX-1", "task": "hostile", "title": payload, "when": payload}),
            encoding="utf-8")
        docs.git(root, "add", "-A")
        docs.git(root, "-c", "user.name=<b>x</b>", "-c", "user.email=x@example.com", "commit", "-q",
                 "-m", payload, date=f"2026-01-0{index + 1}T00:00:00+00:00")
    docs.git(root, "tag", "v1.0.0")
    build_site(root, site_dir=tmp_path / "site")
    inv = docs.inventory(docs.html_files(tmp_path / "site"))
    assert not [a for a in inv.attributes if a[1].startswith("on")]
    assert not [s for s in inv.scripts if MARKER in s or "alert" in s]
    assert not [v for v in inv.values if "javascript:" in v[3].lower()
                or (MARKER in v[3] and not _inert_value(v[1], v[2], v[3].lower()))]
    day = datetime(2026, 1, 1, tzinfo=timezone.utc)
    charts = render_charts({"t": [QualityPoint("a", day, 0.5, 10)]}, {"t": [(day, "$\\undefinedcommand$ {{x}} <b>")]})
    assert charts["assets/quality/t.png"].startswith(b"\x89PNG")


def test_practise_page_shows_hostile_questions_as_text(docs, sites):
    """The quiz page is built from the same untrusted examples: payloads are questions, shown as
    text, and the page's own script is the only one it adds."""
    benign, hostile = sites
    page = (hostile / "practise" / "hostile" / "index.html").read_text(encoding="utf-8")
    inv = docs.inventory({"page": page})
    assert page.count('class="gl-q"') >= 10
    assert "&lt;script&gt;alert" in page
    assert {s for s in inv.scripts if "guidelines-quiz" in s} == {"src:guidelines-quiz.js"}
    assert not [v for _, tag, key, v in inv.values if key.startswith("data-") and (MARKER in v or "alert" in v)]
