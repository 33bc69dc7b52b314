"""fmt and a blank line inside a reordered list item (issue 17: keeping it survived the suite)"""

from __future__ import annotations

from guidelines_tool.formatting import format_text


def test_fmt_drops_the_blank_line_that_would_open_a_reordered_list_item():
    """Kills keeping the blank line in front of the key that becomes first (`lines.lstrip("\\n")`
    in canonical._reorder): `- label: a` + blank + `input: x` must not become `- input: x` +
    blank + `label: a` (a blank line inside one example, where none was between examples)."""
    source = (
        "kind: rule\nid: R-1\ntask: t\ntitle: T\nlabels: [a]\nwhen: w\nexamples:\n"
        "  - label: a\n\n    input: x\n"
        "  - why: because\n    # about the input\n    input: y\n    label: a\n"
    )
    assert format_text(source) == (
        "kind: rule\nid: R-1\ntask: t\ntitle: T\nlabels: [a]\nwhen: w\nexamples:\n"
        "  - input: x\n    label: a\n"
        "  - input: y\n    # about the input\n    label: a\n    why: because\n"
    )
