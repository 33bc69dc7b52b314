"""The site's small stylesheet (`assets/guidelines.css`, added by the plugin to `extra_css`).

What it fixes is what an annotator reading on a phone or with a keyboard trips over, in both themes:
- tables wrap to the page on a desktop (Material gives every header cell a 5rem minimum, which
  pushed the quality page's last impact columns out of sight), and on a phone the label,
  example and ambiguous-case tables turn into cards; tables that still need more room scroll
  inside their own box;
- links in running text are underlined, not told apart by colour alone (WCAG 1.4.1; Material's
  link colour is 2.3:1 against its text), and Material's footer text reaches 4.5:1;
- long rule ids and titles wrap instead of running off the screen;
- content tabs (examples beside near misses) work without Material: pymdownx's tab markup has no
  style of its own. Those rules apply to the `mkdocs` and `readthedocs` themes only
  (`[role="main"]`): Material styles its tabs itself, and the plain rules made its tab bar a
  scrolling box that clipped the focus ring;
- example assets (images, players) fit the column, and an image is a thumbnail that opens full size;
- the practise pages' quiz: label buttons big enough to tap, feedback marked by words and colour.
"""

from __future__ import annotations

_TABS = 10  # tab sets the CSS switches (pymdownx numbers inputs and blocks in order)
_PLAIN = '[role="main"]'  # the mkdocs and readthedocs themes; Material has no such element

_BASE = """\
/* guidelines_tool: layout of the generated guideline pages */
.gl-labels, .gl-ambiguous, .gl-examples, .gl-revisions { max-width: 100%; overflow-x: auto; }
.gl-examples table, .gl-labels table, .gl-ambiguous table, .gl-revisions table { margin-top: 0; }
h1, h2, h3, h4 { overflow-wrap: anywhere; }
td, th { overflow-wrap: break-word; }
h1 code, h2 code { overflow-wrap: anywhere; }
[role="main"] table, .rst-content table { display: block; max-width: 100%; overflow-x: auto; }
/* tables wrap to the column instead of scrolling: no minimum width per header cell */
.md-typeset table:not([class]) th { min-width: 0; }
.md-typeset table:not([class]) th, .md-typeset table:not([class]) td { padding: 0.6em 0.8em; }
/* links in text are underlined (told apart by more than colour) */
.md-typeset :is(p, li, td, dd, blockquote) a:not(.headerlink):not(.md-button),
[role="main"] :is(p, li, td, dd, blockquote) a { text-decoration: underline; text-underline-offset: 0.15em; }
.md-copyright, .md-copyright__highlight { color: var(--md-footer-fg-color--light); }
.gl-asset-image { display: block; max-width: min(100%, 24rem); max-height: 20rem; width: auto; height: auto; object-fit: contain; }
.gl-asset-full { display: inline-block; cursor: zoom-in; }
.gl-asset-video { display: block; max-width: min(100%, 32rem); max-height: 20rem; }
.gl-asset-audio { display: block; max-width: 100%; min-width: 12rem; }
.gl-asset-missing { font-style: italic; }
.gl-asset-caption { display: block; font-size: 0.85em; overflow-wrap: anywhere; }
/* Material wraps every table in a box that reaches 0.8rem past the column on each side: inside our
   own wrapper that made a horizontal scrollbar under every generated table, however narrow */
.gl-stack .md-typeset__scrollwrap { margin-left: 0; margin-right: 0; }
.gl-stack .md-typeset__table { padding: 0; }
img[src*="assets/quality/"] { aspect-ratio: 7 / 3; width: 100%; max-width: 700px; height: auto; }
@media (max-width: 40em) {
  /* phones: a row of a labels / examples / ambiguous-cases table becomes a card, each cell named */
  .gl-stack table, .gl-stack tbody, .gl-stack tr, .gl-stack td { display: block !important; width: auto !important; }
  .gl-stack table { border: 0 !important; }
  .gl-stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .gl-stack tr { border-top: 1px solid rgba(127, 127, 127, 0.35); padding: 0.4em 0; }
  .gl-stack td { border: 0 !important; padding: 0.15em 0.6em !important; }
  .gl-stack td::before { content: attr(data-label); display: block; font-size: 0.8em; font-weight: bold; opacity: 0.75; }
  .gl-stack td:empty { display: none !important; }  /* a name over nothing reads like a missing value */
  .gl-stack .md-typeset__table { display: block; }
}
"""

_QUIZ = """\
/* the practise pages' quiz (assets/guidelines-quiz.js) */
.gl-quiz-on .gl-quiz-questions, .gl-quiz-labels, .gl-quiz-ui [hidden] { display: none !important; }
.gl-q { margin-bottom: 1em; }
.gl-q-meta { font-size: 0.85em; margin: 0.2em 0; }
.gl-q-changed { text-transform: uppercase; letter-spacing: 0.04em; }
.gl-quiz-ui { border: 1px solid rgba(127, 127, 127, 0.4); border-radius: 0.3em; padding: 0.8em 1em; margin: 1em 0; }
.gl-quiz-ui .gl-quiz-heading { margin: 0.2em 0 0.6em; font-size: 1.15em; }
.gl-quiz-heading:focus { outline: none; }
.gl-quiz-heading:focus-visible { outline: 2px solid; outline-offset: 2px; }
.gl-quiz-status, .gl-quiz-help { font-size: 0.85em; margin: 0.2em 0; }
.gl-quiz-stage .gl-q-text { font-size: 1.1em; }
.gl-quiz-options { display: flex; flex-wrap: wrap; gap: 0.5em; margin: 0.8em 0; }
.gl-quiz-ui button { font: inherit; color: inherit; background: transparent; border: 1px solid currentColor;
  border-radius: 0.3em; padding: 0.5em 0.9em; min-height: 44px; cursor: pointer; text-align: left; }
.gl-quiz-ui button:focus-visible { outline: 3px solid; outline-offset: 2px; }
.gl-quiz-option kbd { display: inline-block; min-width: 1.4em; margin-right: 0.5em; text-align: center;
  border: 1px solid currentColor; border-radius: 0.2em; font-size: 0.85em; }
.gl-quiz-option[aria-pressed="true"] { border-width: 3px; font-weight: bold; }
.gl-quiz-option:disabled { cursor: default; opacity: 1; }
.gl-quiz-option.gl-right { border: 3px solid #2e7d32; }
.gl-quiz-option.gl-wrong { border: 3px dashed #c62828; }
.gl-quiz-feedback:empty { display: none; }
.gl-quiz-feedback { border-left: 4px solid rgba(127, 127, 127, 0.6); padding: 0.2em 0.8em; margin: 0.6em 0; }
.gl-quiz-feedback.gl-right { border-left-color: #2e7d32; }
.gl-quiz-feedback.gl-wrong { border-left-color: #c62828; }
.gl-quiz-verdict { font-weight: bold; }
@media (max-width: 40em) {
  .gl-quiz-ui { padding: 0.6em; }
  .gl-quiz-options { flex-direction: column; }
  .gl-quiz-ui button { width: 100%; }
}
"""

_PLAIN_TABS = f"""\
/* content tabs (pymdownx.tabbed, alternate style) outside Material */
{_PLAIN} .tabbed-set {{ position: relative; display: flex; flex-direction: column; margin: 1em 0; }}
{_PLAIN} .tabbed-set > input {{ position: absolute; opacity: 0; width: 0; height: 0; }}
{_PLAIN} .tabbed-labels {{ display: flex; flex-wrap: wrap; border-bottom: 1px solid #ccc; }}
{_PLAIN} .tabbed-labels > label {{ padding: 0.4em 1em; cursor: pointer; border-bottom: 2px solid transparent; margin-bottom: -1px; }}
{_PLAIN} .tabbed-block {{ display: none; padding-top: 0.5em; }}
"""


def stylesheet() -> str:
    """The CSS text (deterministic)."""
    rules = []
    for n in range(1, _TABS + 1):
        scope = f"{_PLAIN} .tabbed-set > input:nth-child({n}):checked"
        rules.append(f"{scope} ~ .tabbed-content > .tabbed-block:nth-child({n}) {{ display: block; }}")
        rules.append(f"{scope} ~ .tabbed-labels > label:nth-child({n}) "
                     "{ border-bottom-color: currentColor; font-weight: bold; }")
        rules.append(f"{scope.replace(':checked', ':focus-visible')} ~ .tabbed-labels > label:nth-child({n}) "
                     "{ outline: 2px solid; }")
    return _BASE + _QUIZ + _PLAIN_TABS + "\n".join(rules) + "\n"
