"""The experiment at the end of `guidelines demo`'s story: PPS-015, the rule `hotspots` names as
still disputed, gets a new wording on a branch; it is piloted on a random half of a batch of new
mannequin items while the other half is labelled under the current wording, the pilot's
annotations come back tagged with their arm, the analysis finds the new wording better, and it is
adopted (cherry-picked onto main, the result recorded in experiments/pps-015-wording.yaml).

Done with the tool's own steps (experiment.plan, .analyse, .conclude), as the three commands in
`COMMANDS` would do them, with fixed authors and dates so the demo's commits are reproducible.
The planted effect: annotators swap product and person on the items under the current wording as
often as in the story (`demo.DISPUTED`), and much less under the new one (`SWAP_B`).
"""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

NAME = "pps-015-wording"
RULE = "PPS-015"
BRANCH = NAME
ITEMS_FILE = "pilot/items.csv"
ANNOTATIONS_FILE = "pilot/annotations.csv"
PILOT_ITEMS = 300
SWAP_B = 0.06
COMMANDS = (
    f"experiment plan {NAME} --rule {RULE} --variant {BRANCH} --items {ITEMS_FILE} --past annotations/",
    f"experiment analyse {NAME} {ANNOTATIONS_FILE}",
    f"experiment conclude {NAME} {ANNOTATIONS_FILE} --adopt B",
)
NEW_WHEN = ("A garment or accessory is worn by, or hangs on, anything that is not a living person: a\n"
            "mannequin (however lifelike its face), dress form, ghost mannequin, hanger or head form.\n"
            "Label it product even when the figure fills the frame; person is only for living people.\n")


@dataclass(frozen=True)
class Pilot:
    """What the experiment did, for the demo's output and README."""

    shas: dict[str, str]  # step → commit: variant, plan, pilot, adopted, record
    analysis: object  # experiment.analyse.Analysis
    items: int
    annotations: int


@dataclass(frozen=True)
class Moment:
    day: int
    author: str


VARIANT, PLAN, DATA, CONCLUDE = Moment(184, "Aiko Sato"), Moment(185, "Maria Lopez"), Moment(198, "Maria Lopez"), \
    Moment(199, "Maria Lopez")


def run_experiment(directory: Path, start: datetime, email: Callable[[str], str], *, task: str,
                   labels: tuple[str, ...], annotators: tuple[str, ...], careless: np.ndarray, disputed: float,
                   seed: int) -> Pilot:
    """Replay the experiment in the demo repository (on main, after the annotation commit)."""
    from guidelines_tool import history as git_history
    from guidelines_tool.experiment.analyse import analyse
    from guidelines_tool.experiment.assign import read_assignment
    from guidelines_tool.experiment.conclude import conclude
    from guidelines_tool.experiment.plan import plan_experiment, write_plan
    from guidelines_tool.annotations import read_annotations
    from guidelines_tool.project import load_project

    git_ = git_history.Git(directory)
    shas: dict[str, str] = {}
    when = lambda moment: start + timedelta(days=moment.day)  # noqa: E731
    # the new wording, on its own branch
    git_.run("checkout", "-q", "-b", BRANCH)
    path = directory / "guidelines" / task / "rules" / f"{RULE}.yaml"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("when: |\n", 1)
    tail = rest[rest.index("rationale:"):]
    path.write_text(head + "when: |\n" + "".join(f"  {line}\n" for line in NEW_WHEN.splitlines()) + tail,
                    encoding="utf-8")
    shas["variant"] = git_history.commit_all(
        directory, f"{RULE}: anything not a living person shows the product (proposed, to pilot)",
        author=VARIANT.author, email=email(VARIANT.author), when=when(VARIANT))
    git_.run("checkout", "-q", "main")
    # the plan: a random half of 300 new mannequin items for each wording
    items = [f"photo-m{n:04d}" for n in range(1, PILOT_ITEMS + 1)]
    (directory / "pilot").mkdir(exist_ok=True)
    with (directory / ITEMS_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["item", "scope"])
        writer.writerows([item, RULE] for item in items)
    project = load_project(directory)
    past = read_annotations(sorted((directory / "annotations").glob("*.csv")), project=project, task=task)
    plan = plan_experiment(project, directory, NAME, rules=(RULE,), variant=BRANCH,
                           items_file=directory / ITEMS_FILE, seed=seed % 1000, past=past)
    write_plan(plan, directory, planned=when(PLAN).date())
    shas["plan"] = git_history.commit_all(directory, f"experiment {NAME}: plan", author=PLAN.author,
                                          email=email(PLAN.author), when=when(PLAN))
    # the pilot batch comes back, each row tagged with the revision its annotator read
    experiment = load_project(directory).experiment(NAME)
    assignment = read_assignment(directory / experiment.assignment)
    count = _simulate(directory / ANNOTATIONS_FILE, assignment.items, experiment, task=task, labels=labels,
                      annotators=annotators, careless=careless, disputed=disputed, seed=seed)
    shas["pilot"] = git_history.commit_all(directory, f"Pilot batch of experiment {NAME}", author=DATA.author,
                                           email=email(DATA.author), when=when(DATA))
    # the analysis, and the new wording adopted
    project = load_project(directory)
    experiment = project.experiment(NAME)
    table = read_annotations([directory / ANNOTATIONS_FILE], project=project, task=task)
    analysis = analyse(experiment, assignment, table, project.tasks.get(task))
    with _identity(CONCLUDE.author, email(CONCLUDE.author), when(CONCLUDE)):
        result = conclude(directory, experiment, "B", analysis=analysis, when=when(CONCLUDE).date())
    shas["adopted"], shas["record"] = result.commits[-1], result.record
    return Pilot(shas, analysis, len(items), count)


def _simulate(path: Path, arms: dict[str, str], experiment, *, task: str, labels: tuple[str, ...],
              annotators: tuple[str, ...], careless: np.ndarray, disputed: float, seed: int) -> int:
    """Three of the annotators per item; product and person swapped `disputed` of the time under
    the current wording (arm A), SWAP_B under the new one; the story's careless slips besides."""
    rng = np.random.default_rng(seed + 15)
    swap = {"A": disputed, "B": SWAP_B}
    noise = 0.05
    pair = (labels.index("product"), labels.index("person"))
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["item", "annotator", "label", "task", "guideline_rev", "experiment", "rules"])
        for item, arm in sorted(arms.items()):
            truth = pair[int(rng.random() < 0.5)]
            for who in sorted(rng.choice(len(annotators), 3, replace=False)):
                value = truth
                if rng.random() < swap[arm]:
                    value = pair[1] if truth == pair[0] else pair[0]
                if rng.random() < noise * careless[who]:
                    value = int(rng.integers(0, len(labels)))
                writer.writerow([item, annotators[who], labels[value], task, experiment.commit(arm), NAME, RULE])
                rows += 1
    return rows


def shell_lines(command: str, width: int = 100, indent: str = "  ") -> list[str]:
    """A command as shell lines of at most `width` columns (a backslash continues it), so it still
    runs as printed when pasted."""
    words, lines, line = command.split(" "), [], indent
    for word in words:
        if line.strip() and len(line) + 1 + len(word) + 2 > width:
            lines.append(line + " \\")
            line = indent + "    " + word
        else:
            line = (line + " " + word) if line.strip() else line + word
    return lines + [line]


@contextmanager
def _identity(author: str, email: str, when: datetime) -> Iterator[None]:
    """git's author and committer, and their date, for the commits conclude makes (cherry-pick and
    record), so the demo's history is the same on every run and needs no git identity set up."""
    stamp = f"{int(when.timestamp())} +0000"
    values = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": author,
              "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
