"""What every reporter needs at the output boundary: text any UTF-8 stream can take."""

from __future__ import annotations

import json
import re
from typing import Any

# --- file names that are not UTF-8 --------------------------------------------------------------
# git paths are bytes. history.py decodes them with surrogate escapes (as `os.fsdecode` does),
# so a Latin-1 name like b"caf\xe9.yaml" arrives as "caf\udce9.yaml": such a str cannot be
# written to a UTF-8 stream. At the output boundary:
# - JSON keeps the escape as a JSON escape, "caf\udce9.yaml": the output is valid UTF-8 and
#   valid JSON, and a reader gets the original bytes back (Python: json.loads, then
#   os.fsencode); other readers see one replacement character where the byte was.
# - Markdown (pull-request comments, tag messages: must be UTF-8) shows the byte as `\xe9`
#   (Python's backslashreplace), as git quotes it.
# - text goes out as the name's own bytes, like ls (`cli.main` sets surrogateescape on stdout).
_SURROGATE = re.compile("[\\ud800-\\udfff]")


def json_text(payload: Any, **options: Any) -> str:
    """`json.dumps` for every reporter: non-ASCII kept readable, surrogates escaped."""
    text = json.dumps(payload, indent=2, ensure_ascii=False, **options)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def printable(text: str) -> str:
    """Text safe for any UTF-8 stream: undecodable bytes of a path shown as `\\xNN`."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --- Markdown table cells -----------------------------------------------------------------------
# Pull-request comments, step summaries and tag messages carry text from YAML and data files (rule
# titles, labels, batch and annotator names). In a table cell such text must stay one cell of one
# row and show as written: a pipe would end the cell, CR or LF the row; `<` would open raw HTML and
# `&` an entity; a backslash would escape the character after it and a backtick open a code span.
_MD_CELL = str.maketrans({
    "\\": "\\\\", "|": "\\|", "`": "\\`",
    "&": "&amp;", "<": "&lt;", ">": "&gt;",
    "\r": " ", "\n": " ",
})


def md_cell(text: str) -> str:
    """Plain text made inert inside a Markdown table cell (and a list item): shown as written,
    on one line. One pass, so nothing is escaped twice."""
    return text.translate(_MD_CELL)
