"""The site's small stylesheet (`assets/guidelines.css`, added by the plugin to `extra_css`).

What it fixes is what an annotator reading on a phone trips over, in both themes:
- wide tables (labels, examples, revision history) scroll inside their own box instead of
  widening or clipping the page; the `mkdocs`/`readthedocs` themes do not wrap tables at all;
- long rule ids and titles wrap instead of running off the screen;
- content tabs (examples beside near misses) work without Material: pymdownx's tab markup has no
  style of its own, so the plain theme showed both tables one under the other with no title,
  which makes a near miss read like an example;
- example assets (images, players) fit the column.
Material is left alone where it already does the job (its tabs, its table wrapper).
"""

from __future__ import annotations

_TABS = 10  # tab sets the CSS switches (pymdownx numbers inputs and blocks in order)

_BASE = """\
/* guidelines_tool: layout of the generated guideline pages */
.gl-labels, .gl-ambiguous, .gl-examples { max-width: 100%; overflow-x: auto; }
.gl-examples table, .gl-labels table, .gl-ambiguous table { margin-top: 0; }
h1, h2, h3, h4 { overflow-wrap: anywhere; }
td, th { overflow-wrap: break-word; }
td code { white-space: nowrap; }
h1 code, h2 code { overflow-wrap: anywhere; }
[role="main"] table, .rst-content table { display: block; max-width: 100%; overflow-x: auto; }
.gl-asset-image { display: block; max-width: min(100%, 24rem); max-height: 20rem; width: auto; height: auto; object-fit: contain; }
.gl-asset-video { display: block; max-width: min(100%, 32rem); max-height: 20rem; }
.gl-asset-audio { display: block; max-width: 100%; min-width: 12rem; }
.gl-asset-missing { font-style: italic; }
.gl-asset-caption { display: block; font-size: 0.85em; overflow-wrap: anywhere; }
@media (max-width: 40em) {
  /* phones: a row of a labels / examples / ambiguous-cases table becomes a card, each cell named */
  .gl-stack table, .gl-stack tbody, .gl-stack tr, .gl-stack td { display: block !important; width: auto !important; }
  .gl-stack table { border: 0 !important; }
  .gl-stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .gl-stack tr { border-top: 1px solid rgba(127, 127, 127, 0.35); padding: 0.4em 0; }
  .gl-stack td { border: 0 !important; padding: 0.15em 0.6em !important; }
  .gl-stack td::before { content: attr(data-label); display: block; font-size: 0.8em; font-weight: bold; opacity: 0.75; }
  .gl-stack td:empty { display: none !important; }  /* a name over nothing reads like a missing value */
}
"""

_PLAIN_TABS = """\
/* content tabs (pymdownx.tabbed, alternate style) outside Material */
body:not([data-md-color-scheme]) .tabbed-set { position: relative; display: flex; flex-direction: column; margin: 1em 0; }
body:not([data-md-color-scheme]) .tabbed-set > input { position: absolute; opacity: 0; width: 0; height: 0; }
body:not([data-md-color-scheme]) .tabbed-labels { display: flex; flex-wrap: wrap; border-bottom: 1px solid #ccc; }
body:not([data-md-color-scheme]) .tabbed-labels > label { padding: 0.4em 1em; cursor: pointer; border-bottom: 2px solid transparent; margin-bottom: -1px; }
body:not([data-md-color-scheme]) .tabbed-block { display: none; padding-top: 0.5em; }
"""


def stylesheet() -> str:
    """The CSS text (deterministic)."""
    rules = []
    for n in range(1, _TABS + 1):
        scope = f"body:not([data-md-color-scheme]) .tabbed-set > input:nth-child({n}):checked"
        rules.append(f"{scope} ~ .tabbed-content > .tabbed-block:nth-child({n}) {{ display: block; }}")
        rules.append(f"{scope} ~ .tabbed-labels > label:nth-child({n}) "
                     "{ border-bottom-color: currentColor; font-weight: bold; }")
        rules.append(f"{scope.replace(':checked', ':focus-visible')} ~ .tabbed-labels > label:nth-child({n}) "
                     "{ outline: 2px solid; }")
    return _BASE + _PLAIN_TABS + "\n".join(rules) + "\n"
