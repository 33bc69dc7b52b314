"""`experiment conclude`: adopt the winning wording and record the result in the experiment file.

`--adopt B` brings the variant's commits onto the current branch (a fast-forward when possible,
else a cherry-pick of each; history.adopt_variant); `--adopt A` changes no rule. Either way the
conclusion (the arm adopted, the analysis it rests on when annotation files are given, how the
wording came over and its commits, the date) is added to experiments/<name>.yaml, which is then
committed, so the rule's history holds the experiment next to the revision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from guidelines_tool.errors import ConfigError
from guidelines_tool.model import Experiment

if TYPE_CHECKING:  # `log` reads revision_notes: it should not import numpy for it
    from guidelines_tool.experiment.analyse import Analysis


@dataclass(frozen=True)
class Conclusion:
    experiment: str
    adopted: str
    method: str
    commits: tuple[str, ...]
    record: str  # the commit that recorded the conclusion
    analysis: Analysis | None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        c = self.analysis.comparison if self.analysis else None
        return {"experiment": self.experiment, "adopted": self.adopted, "method": self.method,
                "commits": list(self.commits), "record": self.record,
                "verdict": c.verdict if c else None, "delta": c.delta if c else None,
                "delta_ci": list(c.delta_ci) if c and c.delta_ci else None,
                "p_value": c.p_value if c else None, "warnings": list(self.warnings)}


def conclusion_yaml(adopted: str, method: str, commits: tuple[str, ...], analysis: Analysis | None,
                    when: date) -> str:
    """The `conclusion:` block appended to the experiment file."""
    lines = ["conclusion:", f"  adopted: {adopted}"]
    if analysis is not None:
        c = analysis.comparison
        lines.append(f"  verdict: {c.verdict}")
        if c.delta is not None:
            lines.append(f"  delta: {c.delta:.4f}")
        if c.delta_ci is not None:
            lines.append(f"  ci: [{c.delta_ci[0]:.4f}, {c.delta_ci[1]:.4f}]")
        if c.p_value is not None:
            lines.append(f"  p_value: {c.p_value:.4g}")
    lines.append(f"  method: {method}")
    lines.append("  commits: [" + ", ".join(json.dumps(sha) for sha in commits) + "]")
    lines.append(f"  date: '{when.isoformat()}'")
    return "\n".join(lines) + "\n"


def conclude(root: Path, experiment: Experiment, adopt: str, *, analysis: Analysis | None = None,
             when: date | None = None) -> Conclusion:
    """Adopt arm `adopt` of `experiment` (module docstring)."""
    from guidelines_tool.formatting.text import format_text
    from guidelines_tool.history import adopt_variant, commit_files

    if experiment.conclusion is not None:
        raise ConfigError(f"experiment {experiment.id} is already concluded (adopted "
                          f"{experiment.conclusion.adopted}); its file records it")
    path = root / experiment.source.path
    if not path.is_file():
        raise ConfigError(f"{experiment.source.path}: the experiment file is missing")
    warnings = []
    if analysis is not None:
        verdict = analysis.comparison.verdict
        if (adopt, verdict) not in (("B", "b_better"), ("A", "a_better"), ("A", "no_clear_difference")):
            warnings.append(f"adopting {adopt} although the verdict is {verdict}")
    method, commits = "none", ()
    if adopt == "B":
        method, commits = adopt_variant(root, experiment.commit("A"), experiment.commit("B"))
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    text += conclusion_yaml(adopt, method, commits, analysis, when or date.today())
    path.write_text(format_text(text), encoding="utf-8")
    summary = f"experiment {experiment.id}: adopt {adopt}"
    if analysis is not None and analysis.comparison.delta is not None:
        c = analysis.comparison
        summary += f" ({c.verdict}, B - A {c.delta:+.3f})"
    record = commit_files(root, [path], summary)
    return Conclusion(experiment.id, adopt, method, commits, record, analysis, tuple(warnings))


def revision_notes(experiments) -> dict[str, str]:
    """Commit sha → one line about the concluded experiment that brought it onto the branch
    (for `log RULE`)."""
    notes = {}
    for experiment in experiments:
        done = experiment.conclusion
        if done is None:
            continue
        figures = ""
        if done.verdict:
            figures = f" ({done.verdict}"
            if done.delta is not None:
                figures += f", B − A {done.delta:+.3f}"
                if done.ci is not None:
                    figures += f" [{done.ci[0]:+.3f}, {done.ci[1]:+.3f}]"
            figures += ")"
        for sha in done.commits:
            notes[sha] = f"experiment {experiment.id}: adopted {done.adopted}{figures}, {done.date}"
    return notes


def attach_experiments(changelog, history, experiments):
    """The changelog with each concluded experiment listed in the release (or the unreleased
    changes) where the commits it brought landed."""
    from dataclasses import replace

    notes = revision_notes(experiments)
    if not notes:
        return changelog
    sections = []
    for section in changelog.sections:
        end = history.index_of(section.commit.sha) if section.commit else None
        start = None
        if section.base_tag is not None:
            base = history.resolve(section.base_tag)
            start = history.index_of(base.sha) if base else None
        found = []
        for sha, note in notes.items():
            position = history.index_of(sha)
            if position is None or end is None or position > end or (start is not None and position <= start):
                continue
            if note not in found:
                found.append(note)
        sections.append(replace(section, experiments=tuple(sorted(found))))
    return replace(changelog, sections=tuple(sections))
