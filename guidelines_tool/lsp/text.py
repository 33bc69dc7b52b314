"""Offsets in a text, as the YAML parser counts them and as an LSP client counts them.

Two different notions of "line 3, column 7" meet here:

* the parser (libyaml through ruamel, and so every finding's line:column) counts characters
  (code points) and breaks lines at `\\n`, `\\r\\n`, `\\r` and also NEL, LS and PS
  (U+0085, U+2028, U+2029), after a leading byte-order mark, which it skips;
* an LSP client counts lines at `\\n`, `\\r\\n` and `\\r` only, and columns in the code units of
  the position encoding agreed at start-up (UTF-16 unless both sides chose otherwise).

`TextIndex` turns either into a plain offset in the text, and an offset into either.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_LSP_BREAK = re.compile("\r\n|[\r\n]")
_EXOTIC = re.compile("[\r\x85\u2028\u2029]")

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


@dataclass(frozen=True)
class Pos:
    """A position as the client counts it (0-based line, character in client code units)."""

    line: int
    character: int


def _starts(text: str, pattern: re.Pattern) -> list[int]:
    return [0, *(match.end() for match in pattern.finditer(text))]


class TextIndex:
    """Line starts of one text under both counting rules, and conversions between them."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.bom = 1 if text.startswith("\ufeff") else 0
        self.lsp_starts = _starts(text, _LSP_BREAK)
        # Without \r or the exotic breaks both rules cut the text at the same places.
        self.yaml_starts = _starts(text, _YAML_BREAK) if _EXOTIC.search(text) else self.lsp_starts

    # --- parser marks (0-based line, column in characters, after a BOM) -----------------------

    def offset_of_mark(self, line: int, column: int) -> int:
        """Offset in the text of a parser mark (clamped into the text)."""
        if line < 0:
            return 0
        if line >= len(self.yaml_starts):
            return len(self.text)
        start = self.yaml_starts[line] + (self.bom if line == 0 else 0)
        end = self.yaml_starts[line + 1] if line + 1 < len(self.yaml_starts) else len(self.text)
        return min(start + max(column, 0), end)

    def mark_of_offset(self, offset: int) -> tuple[int, int]:
        """The parser mark (line, column) of an offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.yaml_starts, offset) - 1
        start = self.yaml_starts[line] + (self.bom if line == 0 else 0)
        return line, max(offset - start, 0)

    # --- client positions ---------------------------------------------------------------------

    def line_text(self, line: int) -> str:
        """Client line `line` without its line break ("" past the end)."""
        if not 0 <= line < len(self.lsp_starts):
            return ""
        end = self.lsp_starts[line + 1] if line + 1 < len(self.lsp_starts) else len(self.text)
        return self.text[self.lsp_starts[line] : end].rstrip("\r\n")

    def position(self, offset: int) -> Pos:
        """The client position of an offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.lsp_starts, offset) - 1
        before = self.text[self.lsp_starts[line] : offset]
        return Pos(line, self.units(before))

    def offset(self, line: int, character: int) -> int:
        """The offset of a client position; positions past a line's end clamp to it."""
        if line < 0:
            return 0
        if line >= len(self.lsp_starts):
            return len(self.text)
        text = self.line_text(line)
        start = self.lsp_starts[line]
        if self.encoding == UTF32 or text.isascii():
            return start + min(max(character, 0), len(text))
        counted = 0
        for index, char in enumerate(text):
            if counted >= character:
                return start + index
            counted += self.char_units(char)
        return start + len(text)

    def units(self, text: str) -> int:
        """Length of `text` in the client's code units."""
        if self.encoding == UTF32 or text.isascii():
            return len(text)
        if self.encoding == UTF8:
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def char_units(self, char: str) -> int:
        if self.encoding == UTF8:
            return len(char.encode("utf-8", "surrogatepass"))
        return 2 if ord(char) > 0xFFFF else 1

    def end(self) -> Pos:
        return self.position(len(self.text))
