"""docs/safe.py's allowlists and options, each held by a case: the hostile-payload tests
(tests/docs/test_safe.py) show nothing dangerous gets through, these show that what a guideline
legitimately writes does (a tag dropped from the allowlist, a scheme or an extension lost, would
otherwise pass unnoticed). Each docstring names the mutants it kills."""

from __future__ import annotations

import pytest

from guidelines_tool.docs import safe
from tests.docs.conftest import DocsKit

inventory = DocsKit.inventory

EVERYTHING = """Some **bold**, *em*, <b>b</b>, <i>i</i>, `code`, <kbd>K</kbd>, <del>d</del>, H<sub>2</sub>O, x<sup>2</sup>.  
next line

---

- one
- two

1. first
2. second

> quoted

| a | b |
|---|---|
| 1 | 2 |

```
fenced
```

<dl><dt>term</dt><dd>def</dd></dl>

[web](https://example.com/)
"""


def test_every_allowed_tag_survives_rendering():
    """Kills dropping any tag from ALLOWED_TAGS, and the `tables` / `fenced_code` extensions."""
    tags = inventory({"block": safe.rich(EVERYTHING)}).tags
    # written out, not read from safe.ALLOWED_TAGS: a tag dropped there must fail here
    assert tags == {"p", "br", "hr", "em", "strong", "b", "i", "code", "pre", "kbd", "del", "sub", "sup",
                    "ul", "ol", "li", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
                    "dl", "dt", "dd", "div"}
    assert set(safe.ALLOWED_TAGS) | {"div"} == tags


@pytest.mark.parametrize("url", ["http://example.com/a", "https://example.com/b", "mailto:lead@example.com"])
def test_each_allowed_scheme_keeps_its_link(url):
    """Kills dropping a scheme from URL_SCHEMES (the link would lose its href)."""
    block = safe.rich(f"see [the page]({url}) now")
    assert [v for _, tag, key, v in inventory({"b": block}).values if (tag, key) == ("a", "href")] == [url]


def test_sane_lists_keep_an_ordered_and_a_bullet_list_apart():
    """Kills dropping `sane_lists`: without it the bullets join the numbered list."""
    assert safe.rich_html("1. a\n2. b\n\n* c\n* d") == \
        "<ol> <li>a</li> <li>b</li> </ol> <ul> <li>c</li> <li>d</li> </ul>"


def test_script_and_style_content_and_comments_are_removed_whole():
    """Kills dropping `script` or `style` from clean_content_tags (their text would stay, as
    text) and `strip_comments=True` → False."""
    html = safe.rich_html("x <script>alert(1)</script> <style>p{color:red}</style> y <!-- secret --> z")
    assert html.startswith("<p>x ") and html.endswith(" z</p>")
    assert "alert" not in html and "color" not in html and "secret" not in html


def test_pre_keeps_line_breaks_and_other_text_is_one_line():
    """Kills the `pre` tracking in inert_html (True/False swapped, `==` flipped) and dropping
    either `.replace("\\n", …)`: in <pre> a line break is kept as a reference, elsewhere it is a
    space, and the block stays on one line."""
    html = safe.rich_html("para one\ncontinues\n\n```\nline 1\nline 2\n```\n\nafter\nthis")
    assert html == "<p>para one continues</p> <pre><code>line 1&#10;line 2&#10;</code></pre> <p>after this</p>"
    # a line break inside a tag (an href) becomes a reference too: the block stays one line
    assert safe.rich_html('see <a href="https://example.com/a\nb">x</a>') == (
        '<p>see <a href="https://example.com/a&#10;b" rel="noopener noreferrer nofollow">x</a></p>')


@pytest.mark.parametrize(("text", "expected"), [
    ("a\tb", "a b"),
    ("a\x01b\x7fc", "abc"),
    ("&amp; &#91; &#x5b; & #", "&amp; &#91; &#x5b; &#38; &#35;"),
    ("x_y*z`[]{}|~$:<>", "x&#95;y&#42;z&#96;&#91;&#93;&#123;&#125;&#124;&#126;&#36;&#58;&#60;&#62;"),
])
def test_inert_text_references(text, expected):
    """The reference table of _reference: tab → space, other control characters dropped, an
    existing reference kept, punctuation as `&#N;`. Kills the `len(token) > 1`, `< 32`,
    `== 127` and tab / newline branches."""
    assert safe._inert_text(text) == expected


def test_plain_joins_lines_and_escapes():
    """Kills an early return or `quote=False` → True in plain (a quote stays a quote in text)."""
    assert safe.plain('  "Quoted"\n<b>x</b>  ') == '"Quoted" &lt;b&gt;x&lt;/b&gt;'
    assert safe.plain("") == "" and safe.plain(None) == ""


def test_rich_inline_unwraps_exactly_one_paragraph():
    """Kills the `and` chain and the `count("<p>") == 1` test in rich_inline."""
    assert safe.rich_inline("just *one*") == "just <em>one</em>"
    assert safe.rich_inline("one\n\ntwo") == "<p>one</p> <p>two</p>"
    assert safe.rich_inline("- a\n- b") == "<ul> <li>a</li> <li>b</li> </ul>"
    assert safe.rich_inline("") == "" and safe.rich("  ") == ""


def test_markup_that_sanitises_to_nothing_is_shown_as_text():
    """Kills `not _VISIBLE.search` dropped in _finish: a text that was only removed markup is
    shown as written (escaped), not as an empty block. (An inline `<img …>` alone still renders
    as an empty `<p></p>`: _VISIBLE's `\\S` also matches the `<` of `</p>`. Reported, not
    changed here.)"""
    assert safe.rich_html("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert safe.rich_html("<div><img src=x></div>") == "<p>&lt;div&gt;&lt;img src=x&gt;&lt;/div&gt;</p>"


def test_prepare_gives_what_rich_gives():
    """prepare() is a speed-up only: batched rendering equals one-by-one rendering, including a
    text with a link reference definition and one holding the separator (both rendered alone).
    Kills the mutants of the batching that change what a text renders to."""
    texts = [f"item *{i}*\n\n- a{i}\n- b{i}" for i in range(5)] + [
        "[x][r]\n\n[r]: https://example.com/r", "uses [r] too",  # a definition must not leak
        "a <!-- guidelines-tool:split --> b", "**solo**",
        "<div>\nan HTML block left open", "*after the open block*"]  # swallows the separator
    safe.prepare(["**earlier**"])
    safe.clear_cache()
    assert safe._RENDERED == {}
    alone = [safe.rich(t) for t in texts]
    assert safe._RENDERED == {}  # rich() alone does not fill the cache
    safe.prepare(texts)
    assert set(safe._RENDERED) == set(texts)
    assert [safe.rich(t) for t in texts] == alone
    safe.clear_cache()


@pytest.mark.parametrize(("value", "expected"), [
    ('a "b" <c>', "a &#38;quot;b&#38;quot; &#38;lt;c&#38;gt;"),
])
def test_inert_attribute_escapes_quotes(value, expected):
    """Kills `quote=True` → False in inert_attribute (a `"` would end the attribute)."""
    out = safe.inert_attribute(value)
    assert '"' not in out and "<" not in out
    assert safe.attribute('a"b') == "a&quot;b"


def test_prepare_keeps_a_link_definition_to_its_own_text():
    """A text defining a link reference is rendered alone even when nothing else in the batch
    fails the split (kills `_SEPARATOR in t or _REFERENCE_DEFINITION…` → `and`)."""
    texts = ["[x][r]\n\n[r]: https://example.com/r", "uses [r] too", "and *more*"]
    safe.clear_cache()
    alone = [safe.rich(t) for t in texts]
    safe.prepare(texts)
    assert [safe.rich(t) for t in texts] == alone
    assert "href" not in safe.rich("uses [r] too")
    safe.clear_cache()
