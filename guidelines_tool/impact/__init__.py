"""Rule revisions × annotations → the agreement change each revision caused.

The method (DESIGN.md, "Linking rule revisions to agreement"; issue 11):
1. every annotation is tied to the commit of the branch's first-parent line it was made under
   (`guideline_rev`, else `annotated_at`); the rest are counted by reason, never dropped silently;
2. revision k of rule R, made in commit C_k, is judged on two windows of annotations: *before*
   (made under the task's guidelines as they stood just before C_k, since the previous commit that
   changed the task) and *after* (made under the state C_k created, until the next such commit);
   `window="rule"` pools R's whole previous version against its whole new one instead;
3. the items R governs: in its scope (a scope column or file), else cited R, else (no citations,
   or R could not be cited on one side) where any annotator chose one of R's labels — chosen by
   the outcome, so never a verdict (`labels_fallback`);
4. the task's other items are the control (less those of rules changed in the same commit, or,
   against the longer history, since): the difference-in-differences (DiD) removes what happened
   to everybody (annotators getting better, an easier batch) from the rule's effect;
5. where R has earlier guideline states under the same version, the DiD is taken against those
   (the window just before is what prompts an edit), and a call also needs the window just
   before to read the same way; where it has none and R was the task's worst-agreeing rule just
   before, p and interval are conditional on that choice (`compare`, `guidelines_tool.selection`);
6. intervals and p-values count items and annotators as samples (agreement.twoway); verdicts
   are held to a false discovery rate over the whole report (`finalise`, Benjamini–Hochberg), the
   CI gate to a family-wise error rate over the revisions it checks (`gate_failures`, Holm);
7. warnings (`guidelines_tool.impact_warnings`) say where the reading is unsafe; some withhold the verdict
   (`inconclusive`); `insufficient_data` below the task's `min_items`, with the counts and what
   to do.

The core (resolution, windows, governed items, comparison, verdict) is pure functions over
arrays and records; `compute_impact` only adapts a History and annotation tables to it, so the
CLI and the validity benchmark (`bench/attribution.py`) run the same code.

The package: `data` (annotations as arrays, windows, governed items, the history's revisions),
`analysis` (one revision's comparison and verdict; the report's false discovery rate and gate),
`compare` and `checks` (the estimate, its interval and p; the pre-trend line; the citation tests),
`placebo`, `report` (`compute_impact`, agreement over time) and `series` (one window's agreement
with its interval). The names below are the package's API.
"""

from __future__ import annotations

from guidelines_tool.impact.analysis import (
    CHANCE_MARGIN, CONFIRM_P, DECISIVE_P, DIP_Z, SHARED_ITEMS, TURNOVER_SHARED, AnnotatorCounts, Baseline, Comparison,
    RevisionImpact, Settings, TaskContext, WindowStats, analyse_revision, analyse_task, finalise, gate_failures,
    revision_rng, select_groups,
)
from guidelines_tool.impact.data import (
    BEFORE_FIRST_COMMIT, NO_TIMESTAMP, NOT_CITABLE_STATUSES, REASON_BY_CODE, SKIPPED_LEVELS, UNKNOWN_REVISION,
    UNRESOLVED_REASONS, VERDICTS, AnnotatorMode, GovernedBy, RevisionSpec, TaskAnnotations, Verdict, Window,
    WindowMode, adjacent_windows, change_positions, commit_at_positions, commit_times, count_unresolved,
    governed_definition, governed_items, resolve_positions, revision_specs, rule_windows, table_positions,
    task_annotations,
)
from guidelines_tool.impact.placebo import Placebo
from guidelines_tool.impact.series import window_ratings
from guidelines_tool.impact.report import Gate, ImpactReport, StatePoint, agreement_over_time, compute_impact, state_series
