"""Turning untrusted rule text into page content that no Markdown renderer can turn into code.

Every YAML field is untrusted. Two kinds of field, two functions:

- `plain(text)`: short text (titles, label names, example inputs, tags). `<`, `>` and `&` are
  HTML-escaped and the characters Markdown builds links, code, emphasis, tables, attribute lists,
  macros, math and emoji from (brackets, backtick, backslash, `* _ { } | $ : # ~`) become numeric
  character references (`&#91;`), which every Markdown renderer passes through as text. No tag, link, autolink, image,
  attr_list `{ ... }` or `{{ }}` can be formed from the result, at any indentation (inside tabs
  and admonitions too). Plain text is only ever placed in element content, never in attributes.
- `rich(text)`: long Markdown fields (`when`, `description`, `rationale`, `definition`,
  resolutions). Rendered to HTML by Python-Markdown with a fixed set of harmless extensions (no
  attr_list, no md_in_html), sanitized by `nh3` (an allowlist of tags; only `href` on links, with
  http/https/mailto or relative URLs), then made inert the same way as plain text: punctuation in
  text nodes becomes references, so a second Markdown pass over the fragment cannot rebuild a link
  or an attribute list out of the text. The result is one line of HTML, embedded by the page as a
  top-level `<div>` block that Markdown passes through untouched (Python-Markdown keeps raw HTML
  blocks as they are; md_in_html only opens blocks marked `markdown="1"`).
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

# Block structure and inline formatting a guideline needs; no headings (they would break the
# page's outline), no images (an annotator site must not load remote content), no raw attributes.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "b", "i", "code", "pre", "kbd", "del", "sub", "sup",
        "ul", "ol", "li", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
        "dl", "dt", "dd",
    }
)
# Only link targets. The "*" entry matters: without it nh3 keeps its default generic attributes
# (`title`, `lang`) on every tag, which would put YAML text into attributes.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {"a": frozenset({"href"}), "*": frozenset()}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
MARKDOWN_EXTENSIONS = ("tables", "sane_lists", "fenced_code")

# Any ASCII punctuation, plus control characters; `&` only when it does not already start a
# character reference (nh3 output is already escaped).
_TEXT_SPECIAL = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[#$&*:<>\[\\\]_`{|}~]|[\x00-\x1f\x7f]")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
# One line of words and harmless punctuation, not starting like a list, heading or code block.
_SIMPLE_PARAGRAPH = re.compile(r"[ \t]{0,3}[^\W\d_](?:[^\W_]|[ ,.;?!'\"()%/-])*\n?")
_VISIBLE = re.compile(r"(?:^|>)[^<]*?\S")


def _reference(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) > 1:  # an existing character reference: keep it
        return token
    if token in "\t\n\r":
        return "&#10;" if token == "\n" else " "
    if ord(token) < 32 or ord(token) == 127:
        return ""
    return f"&#{ord(token)};"


def _inert_text(text: str) -> str:
    """Escaped text (already free of `<`) with every punctuation character as a reference."""
    return _TEXT_SPECIAL.sub(_reference, text)


def plain(text: str | None) -> str:
    """Untrusted short text → inert inline content (safe as Markdown and as HTML, one line)."""
    if not text:
        return ""
    flat = " ".join(str(text).split())
    return _inert_text(html.escape(flat, quote=False))


def inert_html(fragment: str) -> str:
    """Sanitized HTML → the same HTML on one line, its text nodes free of Markdown syntax."""
    parts = []
    in_pre = False
    for index, piece in enumerate(_TAG_OR_TEXT.split(fragment)):
        if index % 2:  # a tag from nh3's serializer: only allowed names and attributes
            parts.append(piece.replace("\n", "&#10;"))
            name = piece[1:].split(">", 1)[0].split(" ", 1)[0].lower()
            in_pre = True if name == "pre" else False if name == "/pre" else in_pre
        else:
            # Outside <pre> a line break is just white space: a space keeps the page small.
            parts.append(_inert_text(piece if in_pre else piece.replace("\n", " ")))
    return "".join(parts)


def sanitize(fragment: str) -> str:
    """An HTML fragment through the allowlist sanitizer."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_MARKDOWN = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), output_format="html")


def rich_html(text: str | None) -> str:
    """Untrusted Markdown → sanitized, inert, one-line HTML (empty string for empty input)."""
    if not text or not str(text).strip():
        return ""
    text = str(text)
    if _SIMPLE_PARAGRAPH.fullmatch(text):  # nothing Markdown would format: skip the parser
        return f"<p>{plain(text)}</p>"
    cached = _RENDERED.get(text)
    return cached if cached is not None else _finish(text, _MARKDOWN.reset().convert(text))


def _finish(text: str, rendered: str) -> str:
    cleaned = sanitize(rendered)
    if not _VISIBLE.search(cleaned):  # all of it was markup the sanitizer removed: show it as text
        return f"<p>{plain(text)}</p>"
    return inert_html(cleaned)


# Converting many small texts one by one is dominated by Python-Markdown's per-call set-up.
# `prepare()` converts them in batches joined by a separator block, and checks the split: a text
# that swallows the separator or defines link references (which would leak into its neighbours)
# is converted on its own instead. A raw HTML block left open (`<div>` with no `</div>`) runs on
# over the separators *and keeps them*, so the split still counts right while the texts after it
# lose their Markdown: a text with a line starting like an HTML block is converted on its own.
_SEPARATOR = "<!-- guidelines-tool:split -->"
_REFERENCE_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\]]*\]:", re.MULTILINE)
_HTML_BLOCK = re.compile(r"^[ ]{0,3}<", re.MULTILINE)
_RENDERED: dict[str, str] = {}
_RENDERED_LIMIT = 50_000
BATCH = 200


def prepare(texts) -> None:
    """Render many rich texts ahead of `rich()` calls (a speed-up only: results are identical)."""
    todo = sorted({str(t) for t in texts if t and str(t).strip() and not _SIMPLE_PARAGRAPH.fullmatch(str(t))
                   and str(t) not in _RENDERED})
    if len(_RENDERED) + len(todo) > _RENDERED_LIMIT:
        _RENDERED.clear()
    alone = [t for t in todo if _SEPARATOR in t or _REFERENCE_DEFINITION.search(t) or _HTML_BLOCK.search(t)]
    batchable = [t for t in todo if t not in set(alone)]
    for start in range(0, len(batchable), BATCH):
        chunk = batchable[start:start + BATCH]
        joined = _MARKDOWN.reset().convert(f"\n\n{_SEPARATOR}\n\n".join(chunk))
        pieces = joined.split(_SEPARATOR)
        if len(pieces) != len(chunk):
            alone.extend(chunk)
            continue
        for text, piece in zip(chunk, pieces):
            _RENDERED[text] = _finish(text, piece.strip())
    for text in alone:
        _RENDERED[text] = _finish(text, _MARKDOWN.reset().convert(text))


def rich(text: str | None, css_class: str = "gl-rich") -> str:
    """Untrusted Markdown → a top-level HTML block for a Markdown page (surrounded by blank lines)."""
    body = rich_html(text)
    if not body:
        return ""
    return f'\n<div class="{css_class}">{body}</div>\n'


def rich_inline(text: str | None) -> str:
    """Untrusted Markdown → sanitized inert HTML for a table cell (one paragraph loses its <p>)."""
    body = rich_html(text)
    if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
        return body[3:-4]
    return body


def clear_cache() -> None:
    """Forget prepared renderings (benchmarks measure cold builds)."""
    _RENDERED.clear()


def inert_attribute(value: str) -> str:
    """Untrusted text (an asset URL, alt text) for a double-quoted attribute of inline HTML on a
    Markdown page. HTML escaping alone is not enough there: Python-Markdown runs its link,
    backtick and autolink patterns before it stashes inline HTML, so `[x](javascript:…)` inside
    an attribute value would become a link. Punctuation becomes character references, which the
    browser decodes back inside the attribute and Markdown leaves alone."""
    return _inert_text(html.escape(" ".join(str(value).split()), quote=True))


def attribute(value: str) -> str:
    """A value we build (ids, paths) for an HTML attribute, escaped for the attribute context."""
    return html.escape(value, quote=True)
