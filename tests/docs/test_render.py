"""`render_pages()`: a pure function from a project (plus optional history / impact / hotspots /
agreement series) to portable Markdown pages."""

from __future__ import annotations

import html

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from guidelines_tool.docs.charts import render_charts
from guidelines_tool.docs.render import QualityPoint, anchor, page_name, render_pages
from guidelines_tool.history import read_history
from guidelines_tool.model import Rule
from guidelines_tool.project import load_project


@pytest.fixture(scope="module")
def project(docs):
    return load_project(docs.project)


def test_page_set_and_front_matter(project):
    pages = render_pages(project)
    assert sorted(pages) == ["changelog/index.md", "index.md", "practise/photo-subject.md", "practise/toxicity.md",
                             "quality.md", "tasks/photo-subject.md", "tasks/toxicity.md"]
    for path, text in pages.items():
        end = "\nrender_macros: false\nsearch:\n  exclude: true\n---\n" if path.startswith("practise/") else \
            "\nrender_macros: false\n---\n"
        assert text.startswith("---\ntitle: ") and end in text


def test_each_rule_is_a_section_with_its_id_as_anchor(project):
    pages = render_pages(project)
    for rule in project.rules:
        page = pages[f"tasks/{rule.task}.md"]
        assert f'## <a id="{rule.id}"></a>{rule.id} — ' in page


def test_rule_section_content(project):
    page = render_pages(project)["tasks/photo-subject.md"]
    section = page[page.index('<a id="PPS-002">'):page.index('<a id="PPS-003">')]
    assert '=== "Examples"' in section and '=== "Near misses"' in section
    assert ('<td data-label="Input">Model holds a handbag, both sharp</td><td data-label="Label">Product</td>'
            '<td data-label="Why">equal focus</td>') in section
    assert "**Decision:** label it **Product**." in section
    assert "[PPS-001](#PPS-001)" in section and "[TOX-001](toxicity.md#TOX-001)" in section
    assert ('<td data-label="Case">Mannequin wearing the product</td>'
            '<td data-label="Resolution">Treat as <strong>product</strong></td>') in section
    assert "<em>similar</em>" in section  # Markdown in `when` renders
    assert "Revision history" not in section and "No history available" in page[:page.index("## Labels")]
    deprecated = page[page.index('<a id="PPS-003">'):]
    assert '!!! warning "Deprecated"' in deprecated and "Use [PPS-002](#PPS-002) instead." in deprecated


def test_labels_table(project):
    page = render_pages(project)["tasks/photo-subject.md"]
    assert "<th>Label</th><th>Definition</th><th>Use it when</th><th>Do not use it when</th>" in page
    assert ('<td data-label="Use it when">Item fills most of the frame</td>'
            '<td data-label="Do not use it when">Item only partly visible</td>') in page


def test_pages_without_history_or_data_say_so(project):
    pages = render_pages(project)
    assert "No history available" in pages["index.md"]
    assert "No history available" in pages["changelog/index.md"]
    quality = pages["quality.md"]
    assert "No agreement over time available" in quality and "No impact analysis available" in quality
    assert "No hotspot analysis available" in quality


def test_rendering_is_deterministic(project):
    assert render_pages(project) == render_pages(project)


def test_unsafe_ids_become_hashed_anchors_and_page_names(project):
    odd = Rule(id='X" onclick="a', task="../../etc", title="t", see_also=("PPS-001", "NOPE-1"))
    pages = render_pages(replace(project, rules=project.rules + (odd,)))
    assert anchor(odd.id).startswith("rule-") and re.fullmatch(r"rule-[0-9a-f]{12}", anchor(odd.id))
    assert page_name("../../etc").startswith("task-")
    assert all(".." not in path for path in pages)
    orphan = pages["tasks/unassigned.md"]
    assert f'<a id="{anchor(odd.id)}">' in orphan
    assert "NOPE-1" in orphan and "(NOPE-1" not in orphan and "[NOPE-1]" not in orphan  # dangling: text


def test_impact_verdicts_hotspots_and_series(project):
    when = datetime(2026, 2, 1, tzinfo=timezone.utc)
    impact = {"revisions": [{"rule": "PPS-002", "task": "photo-subject", "commit": "abc1234", "date": "2026-02-10",
                             "change": "added", "level": "minor", "governed_by": "labels",
                             "before": {"n_items": 40, "n_annotations": 120, "alpha": 0.61},
                             "after": {"n_items": 45, "n_annotations": 135, "alpha": 0.82},
                             "delta": 0.21, "delta_ci": [0.1, 0.3], "control_delta": 0.02, "did": 0.19,
                             "did_ci": [0.05, 0.3], "verdict": "improved", "confounded_with": []}],
              "unresolved": {"count": 3, "by_reason": {"no timestamp": 3}}}
    hotspots = {"confused_pairs": [{"labels": ["product", "person"], "share": 0.4}]}
    series = {"photo-subject": [QualityPoint("abc1234def", when, 0.7, 50)]}
    quality = render_pages(project, impact=impact, hotspots=hotspots, series=series)["quality.md"]
    assert "| [PPS-002](tasks/photo-subject.md#PPS-002) | `abc1234` | 2026-02-10 | added | 0.610 | 0.820 |" in quality
    assert "agreement improved" in quality and "3 annotations could not be tied" in quality
    assert "![Chart: agreement over time, rule revisions marked](assets/quality/photo-subject.png)" in quality
    assert "| 2026-02-01 | `abc1234def` |   |   | 0.700 | 50 | 0 |" in quality
    assert "| product, person | 40% |" in quality


def test_quality_page_explains_verdicts_warnings_and_the_placebo_check(project):
    row = {"rule": "PPS-002", "task": "photo-subject", "commit": "abc1234", "date": "2026-02-10", "change": "changed",
           "level": "minor", "governed_by": "citations", "scope": "citations",
           "before": {"n_items": 40, "n_annotations": 120, "alpha": 0.61},
           "after": {"n_items": 45, "n_annotations": 135, "alpha": 0.82}, "delta": 0.21, "did": 0.19,
           "p_value": 0.0004, "q_value": 0.003, "verdict": "improved", "warnings": ["annotator_turnover"],
           "withheld_by": [], "annotators": {"before": 4, "after": 5, "shared": 2}, "confounded_with": []}
    withheld = {**row, "rule": "PPS-003", "verdict": "inconclusive", "warnings": ["pre_trend"],
                "withheld_by": ["pre_trend"], "p_value": 0.02}
    impact = {"revisions": [row, withheld], "unresolved": {"count": 0},
              "multiplicity": {"method": "bh", "q": 0.05, "tests": 21},
              "placebo": {"runs": 20, "false_positive_rate": 0.05, "null_sd": 0.031, "mean_se": 0.03}}
    quality = " ".join(html.unescape(render_pages(project, impact=impact)["quality.md"]).split())  # plain() escapes
    assert "q = 0.003 after checking 21 revisions; annotators shared: 2 of 7; warnings: annotator_turnover" in quality
    assert "verdict withheld" in quality and "withheld (pre_trend): DiD +0.19, p = 0.020" in quality
    assert "Benjamini–Hochberg over the 21 revisions checked" in quality
    assert "**Placebo check**: the same analysis re-run 20 times where no rule changed found an effect" in quality
    assert "in 5.0 % of them" in quality and "0.031 (SD) against the 0.030 standard error" in quality
    assert "- `annotator_turnover`: fewer than half" in quality and "- `pre_trend`: agreement on the rule" in quality


def test_charts_are_deterministic_png():
    when = datetime(2026, 2, 1, tzinfo=timezone.utc)
    series = {"t": [QualityPoint("a", when, 0.6, 40), QualityPoint("b", when.replace(month=3), 0.8, 50)]}
    marks = {"t": [(when.replace(day=15), "R-1")]}
    one, two = render_charts(series, marks, {"t": 0.8}), render_charts(series, marks, {"t": 0.8})
    assert list(one) == ["assets/quality/t.png"]
    assert one == two and one["assets/quality/t.png"].startswith(b"\x89PNG")


def test_history_parts_from_a_real_repository(docs, tmp_path):
    root = docs.git_project(tmp_path)
    project = load_project(root)
    history = read_history(root)
    pages = render_pages(project, history=history)
    assert {"changelog/v1.0.0.md", "changelog/v1.1.0.md", "changelog/v2.0.0.md"} <= set(pages)
    v11 = pages["changelog/v1.1.0.md"]
    assert "since v1.0.0" in v11 and "[PPS-002](../tasks/photo-subject.md#PPS-002) Equal focus" in v11
    assert "the condition (when) now reads “The subject in sharpest focus is the primary subject.”" in v11 and "the near-miss examples: 1 added" in v11
    v2 = pages["changelog/v2.0.0.md"]
    assert "## Deprecated" in v2 and "Use [PPS-002](../tasks/photo-subject.md#PPS-002) instead." in v2
    assert "label **Scene**: the definition now reads “No single subject stands out.”" in v2  # the words, not the fact
    assert "**v2.0.0**, released 2026-03-15" in pages["index.md"]
    task = pages["tasks/photo-subject.md"]
    pps1 = task[task.index('<a id="PPS-001">'):task.index('<a id="PPS-002">')]
    assert '<td data-label="Date">2026-02-10</td>' in pps1 and '<td data-label="Date">2026-01-05</td>' in pps1
    assert '<td data-label="Change">changed (minor)</td>' in pps1  # a card per revision on a phone


def test_what_changed_since_the_release_i_was_trained_on(docs, tmp_path):
    """One page per older release with everything since it (not one release at a time)."""
    root = docs.git_project(tmp_path)
    pages = render_pages(load_project(root), history=read_history(root))
    assert {"changelog/since/v1.0.0.md", "changelog/since/v1.1.0.md"} <= set(pages)
    assert "changelog/since/v2.0.0.md" not in pages  # the current release: nothing since
    since = pages["changelog/since/v1.0.0.md"]
    assert "# What changed since v1.0.0" in since
    # v1.1.0's and v2.0.0's changes, together
    assert "[PPS-002](../../tasks/photo-subject.md#PPS-002) Equal focus — the product wins: a new rule." in since
    assert "PPS-003](../../tasks/photo-subject.md#PPS-003) Size decides: deprecated." in since
    assert "the condition (when) now reads" in since and "label **Scene**: the definition now reads" in since
    index = pages["changelog/index.md"]
    assert "[everything since v1.0.0](since/v1.0.0.md)" in index and "nothing: it is the current version" in index


def test_unreleased_changes_have_their_own_page(docs, tmp_path):
    root = docs.git_project(tmp_path)
    rule = root / "guidelines" / "toxicity" / "task.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("decision: none", "decision: mild"), encoding="utf-8")
    pages = render_pages(load_project(root), history=read_history(root))
    assert "[changed since v2.0.0](unreleased.md)" in pages["changelog/index.md"]
    text = pages["changelog/unreleased.md"]
    assert "## Changes how you label" in text and "now assigns **Mildly toxic** (was **Not toxic**)" in text
    clean = render_pages(load_project(docs.git_project(tmp_path / "clean")), history=read_history(root))
    assert "changelog/unreleased.md" not in clean


@pytest.mark.parametrize("step", [timedelta(seconds=1), timedelta(minutes=7), timedelta(days=1), timedelta(days=30)])
def test_chart_time_axis_shows_dates_even_for_commits_seconds_apart(step):
    """A history replayed by a script has commits seconds apart: the axis still reads as days."""
    from guidelines_tool.docs.charts import chart_figure

    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    points = [QualityPoint(f"c{k}", start + k * step, 0.5 + k / 20, 40) for k in range(4)]
    figure = chart_figure(points, [(start + step, "R-1")], 0.8)
    figure.canvas.draw()
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", label) for label in labels), labels
