"""`guidelines impact`'s text and Markdown layout on reports built from the typed records (every
figure chosen so a sign, a digit count or a plural shows): cases for one-line mutants of
reporters/impact.py that the end-to-end impact tests let through (their verdicts come from
bootstraps, so they assert words, not the exact cells)."""

from __future__ import annotations

from guidelines_tool.impact import Comparison, ImpactReport, RevisionImpact, RevisionSpec, WindowStats
from guidelines_tool.reporters import impact as ri

CHANCE_START = "A revision that changed nothing still gets a verdict now and then"


def revision(rule: str = "R-1", *, verdict: str = "improved", commit: str = "abcdef1234567", task: str = "t",
             governed_by: str = "citations", confounded_with: tuple[str, ...] = (), control: float = 0.1,
             did: float = 0.25) -> RevisionImpact:
    spec = RevisionSpec(rule=rule, task=task, commit=commit, date="2026-01-15T10:00:00+00:00", author="Ann Lead",
                        change="changed", level="major", position=1, labels=("a", "b"), citable_before=True,
                        citable_after=True, confounded_with=confounded_with)
    comparison = Comparison(before=WindowStats(40, 80, 0.4), after=WindowStats(41, 82, 0.75),
                            control_before=WindowStats(30, 60, 0.5), control_after=WindowStats(30, 60, 0.6),
                            delta=0.35, delta_ci=(0.2, 0.5), control_delta=control, did=did, did_ci=(0.05, 0.45))
    return RevisionImpact(spec=spec, governed_by=governed_by, comparison=comparison, verdict=verdict)


def text(*revisions: RevisionImpact) -> str:
    return ri.ImpactTextReporter().render(ImpactReport(list(revisions), {}))


def md(*revisions: RevisionImpact) -> str:
    return ri.ImpactMarkdownReporter().render(ImpactReport(list(revisions), {}))


def test_counts_line_says_revision_once_and_revisions_otherwise():
    assert text(revision()).splitlines()[0] == \
        "1 rule revision: 1 improved, 0 regressed, 0 no clear change, 0 inconclusive, 0 too little data"
    assert text(revision(), revision("R-2", verdict="insufficient_data")).splitlines()[0] == \
        "2 rule revisions: 1 improved, 0 regressed, 0 no clear change, 0 inconclusive, 1 too little data"


def test_text_row_has_signed_two_digit_control_and_did():
    lines = text(revision(control=0.1, did=0.25)).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("rule "))
    assert lines[header].split() == ["rule", "change", "items", "α", "control", "DiD", "[CI]", "verdict"]
    assert lines[header + 1] == "· 2026-01-15  abcdef1  Ann Lead"  # one task: the task is not named
    assert lines[header + 2].split() == ["R-1", "changed", "(major)", "40,", "41", "0.40", "→", "0.75", "+0.10",
                                         "+0.25", "[+0.05,", "+0.45]", "improved", "▲"]


def test_text_names_the_task_only_when_there_are_several():
    out = text(revision(task="t"), revision("R-2", task="u", commit="1234567abcdef"))
    assert "· 2026-01-15  abcdef1  Ann Lead  task t" in out.splitlines()
    assert "· 2026-01-15  1234567  Ann Lead  task u" in out.splitlines()


def test_align_pads_to_the_widest_cell_of_each_column():
    assert ri._align([("a", "bb", "c"), ("ccc", "d", "")]) == ["a    bb  c", "ccc  d"]
    assert ri._align([("only", "header")]) == ["only  header"]


def test_markdown_headline_counts_and_signed_cells():
    out = md(revision(verdict="regressed"), revision("R-2", verdict="no_clear_change", control=0.1, did=0.25))
    lines = out.splitlines()
    assert lines[2] == "0 improved · 1 regressed · 1 no clear change · 0 inconclusive · 0 too little data"
    row = next(line for line in lines if line.startswith("| `R-2` |"))
    assert row == ("| `R-2` | `abcdef1` | 2026-01-15 | Ann Lead | changed (major) | citations | 0.400 (40) | 0.750 (41) "
                   "| +0.100 | +0.250 [+0.050, +0.450] | — | — | **no clear change** |  |")


def test_markdown_sentence_says_where_and_a_signed_did():
    cited = md(revision(verdict="improved", did=0.25))
    assert ("- `R-1` changed (major) in `abcdef1` (2026-01-15, Ann Lead): α 0.400 → 0.750 on the items citing it "
            "(on 40 items before and 41 after), DiD +0.250 [+0.050, +0.450]; q —; a drift already under way could "
            "not be checked (that needs four guideline states before the commit)") in cited.splitlines()
    by_labels = md(revision(verdict="improved", governed_by="labels"))
    assert "on the items carrying its labels* (on 40 items before and 41 after)" in by_labels


def test_markdown_folds_a_table_of_more_than_ten_revisions():
    ten = md(*[revision(f"R-{i}", verdict="no_clear_change") for i in range(10)])
    eleven = md(*[revision(f"R-{i}", verdict="no_clear_change") for i in range(11)])
    assert "<details>" not in ten and ten.count("\n| `R-") == 10
    assert "<details><summary>All 11 rule revisions</summary>" in eleven and eleven.count("\n| `R-") == 11


def test_markdown_lists_the_warnings_seen_under_a_heading_in_the_core_order():
    from dataclasses import replace

    from guidelines_tool.impact_warnings import WARNINGS

    warned = replace(revision(verdict="inconclusive"), warnings=("pre_trend", "annotator_turnover"))
    lines = md(warned, revision("R-2", verdict="no_clear_change")).splitlines()
    start = lines.index("**Warnings**")
    # the heading, a blank line, one bullet a code in WARNINGS' order (not the revision's), a blank line
    assert lines[start - 1] == ""
    assert lines[start:start + 5] == [
        "**Warnings**", "",
        f"- `annotator_turnover`: {WARNINGS['annotator_turnover']}",
        f"- `pre_trend`: {WARNINGS['pre_trend']}",
        "",
    ]
    row = next(line for line in lines if line.startswith("| `R-1` |"))
    assert row.endswith("| **inconclusive ?** | pre_trend, annotator_turnover |")
    assert "**Warnings**" not in md(revision("R-2", verdict="no_clear_change"))
