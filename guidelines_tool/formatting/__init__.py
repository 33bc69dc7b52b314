"""`guidelines fmt`: rewrite guideline files into one canonical form, keeping every comment.

The canonical form (what `fmt` does, and what it deliberately leaves alone):

- **Key order**: the order DESIGN.md lists the fields of each kind (`KEY_ORDER`), recursively for
  labels, agreement policies, inline rules, examples and ambiguous cases. Keys the tool does not
  know are kept, after the known ones, in the order they were written.
- **Indentation**: 2 spaces for mappings; sequences indented under their key (`key:\\n  - item`).
- **Multi-line strings** (in any field: `when`, `description`, `rationale` are the usual ones) become
  literal blocks (`|`), the readable form for Markdown. Strings a literal block cannot hold exactly
  (trailing spaces on a line, control characters) stay quoted; the emitter chooses.
- **Quoting is kept as written.** A quote is often load-bearing for other YAML readers: `no`, `on`,
  `1e3` or `2026-01-02` mean different things unquoted to a YAML 1.1 reader such as PyYAML.
- **Flow or block**: short flow collections (`labels: [a, b]`, `- {input: ..., label: ...}`) keep
  the style they were written in; a document, a task's labels and inline rules are always block.
  A flow collection with a comment inside (`[a, # why\\n b]`) becomes block style, each comment
  at the end of the line of the item it follows: ruamel cannot write a comment inside brackets.
- **Comments** move with the key they precede (a comment line above `when:` stays above `when:`
  wherever `when` goes); header comments, the `# yaml-language-server: $schema=` modeline first
  among them, stay at the top. Lines are never wrapped.
- **Kept as written**: an opening `---`, everything above it (comments, `%YAML` directives), and
  line endings (LF or CRLF). **Dropped**: a byte-order mark (`validate` reports one as GL005; this
  is its fix), a closing `...`, a missing final newline is added. A tab that only separates
  tokens (`id:\\tR`, a trailing tab) becomes a space, and a one-line plain value holding a tab is
  double-quoted: YAML allows both, ruamel's parser does not read them. None of these is content.
- **Keys** are compared as YAML 1.2 compares them (tag and value): `1:` and `true:` are two keys
  (Python alone would take them for one), `0o17:` and `15:`, or `~:` and `null:`, are a duplicate.

Safety: a file is only rewritten when the result loads to exactly the same data (types included),
holds every comment line of the original, and formats to itself again. Otherwise it is reported,
with the line and column of what could not be kept, and left untouched (so are files that do not
parse, are not UTF-8, hold several documents, use a `%TAG` directive or define an anchor twice).
Writes are atomic: a temporary file in the same folder, then `os.replace`, with the original
permissions.

The package: `text` formats one document's text, `roundtrip` reads and writes YAML with ruamel
(and checks a rewrite kept data and comments), `canonical` holds the key order and reorders the
tree, `flow_comments` opens flow collections that hold comments, `files` runs over files.
"""

from __future__ import annotations

from guidelines_tool.formatting.canonical import KEY_ORDER, NESTED
from guidelines_tool.formatting.files import (
    FileOutcome,
    FmtReport,
    default_paths,
    expand_paths,
    format_file,
    format_paths,
    unified_diff,
    write_atomic,
)
from guidelines_tool.formatting.roundtrip import (
    FormatProblem,
    NotGuideline,
    comment_lines,
    dump_yaml,
    round_trip_yaml,
    same_data,
    split_prologue,
)
from guidelines_tool.formatting.text import format_text

__all__ = [
    "KEY_ORDER", "NESTED", "FileOutcome", "FmtReport", "FormatProblem", "NotGuideline", "comment_lines",
    "default_paths", "dump_yaml", "expand_paths", "format_file", "format_paths", "format_text",
    "round_trip_yaml", "same_data", "split_prologue", "unified_diff", "write_atomic",
]
