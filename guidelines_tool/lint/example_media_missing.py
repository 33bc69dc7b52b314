"""An example's picture (its `media`, or an `input` that names a file) must be a file inside the
project, or an http(s) URL: otherwise the site and the quiz show the example's text alone, and
nobody notices the picture is gone.

The path is read from the rule file's folder, then from the project root (always from the root
with a leading `/`). A path that leaves the project (`../`, a symlink out) counts as missing.
`media` that is no image, audio, video or document the site can show is reported too; a
`javascript:`, `vbscript:` or `data:` URL is the schema's finding (GL103).

Passing (with `media/handbag.png` in the project)::

    examples:
      - {input: "Model holds a handbag", media: media/handbag.png, label: product}

Failing::

    examples:
      - {input: "Model holds a handbag", media: media/handbg.png, label: product}
        # GL211: media file 'media/handbg.png' not found (looked for ...)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from guidelines_tool.docs.assets import example_asset
from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project

CODE = "GL211"
NAME = "example-media-missing"
SEVERITY = "error"

_SCRIPTY = re.compile(r"\s*(?:javascript|vbscript|data):", re.IGNORECASE)  # the schema refuses these


def check(project: Project) -> Iterator[Problem]:
    root = project.root.resolve()
    base = str(project.root)
    for rule in sorted(project.rules, key=lambda r: r.id):
        for field_name in ("examples", "counterexamples"):
            for example in getattr(rule, field_name):
                key = "media" if example.media else "input"
                where = example.source.child(key)
                if example.media and _SCRIPTY.match(example.media):
                    continue
                asset = example_asset(example, rule.source.path)
                if asset is None:
                    if example.media:
                        yield Problem(where, f"media {example.media!r} is not an image, audio, video or document "
                                             "file the site can show, nor an http(s) URL", at_value=True)
                    continue
                if asset.url is not None:
                    continue
                if not asset.candidates():
                    yield Problem(where, f"{key} {asset.text!r} leaves the project: keep example files inside it",
                                  at_value=True)
                    continue
                if not any(_inside(root, os.path.join(base, path)) for path in asset.candidates()):
                    looked = " or ".join(asset.candidates())
                    yield Problem(where, f"{key} file {asset.text!r} not found (looked for {looked})", at_value=True)


def _inside(root: Path, path: str) -> bool:
    """A file, that stays inside the project once links are followed. (os.path first: on a
    large project most inputs name no file, and one stat is a tenth of pathlib's work.)"""
    try:
        return os.path.isfile(path) and Path(path).resolve().is_relative_to(root)
    except OSError:
        return False

