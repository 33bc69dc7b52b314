"""`guidelines demo`: a guideline repository with six months of history and simulated annotation
batches, built from the bundled sample project, then validated, linked to agreement and searched
for hotspots — the whole product in one command.

The story (product-photo-subject task of `sample_guidelines/`), one commit every two weeks. The
team drafts the first rules for a month and releases v1.0.0; annotation starts then, one batch per
two weeks, and annotators cite the rule they applied (as annotation tools let them). Annotators'
confusion on each rule's label pair (guidelines_tool.simulate) changes exactly where the story
says, and nowhere else:
- the clarification of PPS-004 (its first wording was too vague to help) lifts agreement;
- a revision of PPS-007 ("any person in a setting is lifestyle") hurts it, and its revert
  restores it;
- everything else leaves agreement where it was: rules added later write down what the team
  already did, PPS-002 is deprecated for PPS-010 (another decision, no less clear), the people
  rules move to another folder (skipped: no change of meaning), a rationale is reworded, a draft
  is added. PPS-015 (mannequins) stays as disputed after it is written as before: it is where
  `hotspots` should send the lead next.
Everybody also gets a little less careless every period, so the difference-in-differences has a
general drift to remove. `planted_effects()` states the story's effects; the tests hold the
demo's verdicts to them.
"""

from __future__ import annotations

import csv
import io
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import numpy as np
from ruamel.yaml import YAML

from guidelines_tool import bundled, demo_experiment
from guidelines_tool import history as git_history, simulate
from guidelines_tool.errors import GuidelinesError

TASK = "product-photo-subject"
TASK_DIR = f"guidelines/{TASK}"
LABELS = ("product", "person", "lifestyle", "packaging", "text-graphic", "other")
ANNOTATORS = ("ana", "ben", "chloe", "dev", "eli", "fatima")
CARELESS = np.array([1.0, 1.0, 1.0, 1.0, 3.0, 1.0])  # eli is three times as careless
ITEMS_PER_SCOPE, UNSCOPED_ITEMS = 80, 200
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SEED = 20260302


def sample_root() -> Path:
    """The bundled sample project."""
    return bundled.sample()


# --- the story --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Items one rule decides, and which rule annotators cite for them at each commit."""

    key: str
    pair: tuple[str, str]
    rule_at: Callable[[int], str | None]


def _from(commit: int, rule: str, until: int | None = None, then: str | None = None):
    return lambda k: None if k < commit else (then if until is not None and k >= until else rule)


SCOPES = (
    Scope("box", ("product", "packaging"), _from(2, "PPS-002", until=6, then="PPS-010")),
    Scope("focus", ("product", "person"), _from(1, "PPS-004")),
    Scope("person", ("person", "product"), _from(2, "PPS-005")),
    Scope("consumable", ("product", "packaging"), _from(2, "PPS-006")),
    Scope("scene", ("lifestyle", "product"), _from(4, "PPS-007")),
    Scope("dominant", ("product", "lifestyle"), _from(4, "PPS-008")),
    Scope("chart", ("text-graphic", "product"), _from(9, "PPS-011")),
    Scope("print", ("product", "text-graphic"), _from(9, "PPS-012")),
    Scope("placeholder", ("other", "text-graphic"), _from(9, "PPS-014")),
    Scope("mannequin", ("product", "person"), _from(10, "PPS-015")),
)
SETTLED, DISPUTED = 0.12, 0.25  # P(annotators swap a scope's two labels)


def confusion(scope: str, k: int) -> float:
    """How often annotators swap the scope's two labels under the state commit k created."""
    if scope == "focus":
        return 0.28 if k < 3 else 0.06  # vague first wording; the clarification in commit 3
    if scope == "scene":
        return 0.34 if 5 <= k < 8 else 0.10  # the harmful revision (5), reverted in 8
    if scope == "mannequin":
        return DISPUTED  # PPS-015 (commit 10) does not settle it: the next rule to clarify
    return SETTLED


def planted_effects() -> dict[tuple[int, str], str]:
    """(commit index, rule) → "improved" | "regressed" wherever the story changes confusion on
    the items the rule governs, from the first annotated state on; every other revision has no
    planted effect (its verdict should be no_clear_change, or insufficient_data without data)."""
    out = {}
    for scope in SCOPES:
        for k in range(FIRST_ANNOTATED + 1, len(STORY)):
            before, after = confusion(scope.key, k - 1), confusion(scope.key, k)
            if before != after:
                out[(k, scope.rule_at(k))] = "improved" if after < before else "regressed"
    return out


@dataclass(frozen=True)
class Step:
    day: int  # days after START
    message: str
    author: str
    edit: Callable[[dict[str, str], dict[str, str]], None]  # (tree, sample files) -> None
    tag: str | None = None


def _rule_path(rule: str, folder: str = "rules") -> str:
    return f"{TASK_DIR}/{folder}/{rule}.yaml"


def _add(*rules: str) -> Callable:
    def edit(tree: dict[str, str], sample: dict[str, str]) -> None:
        for rule in rules:
            tree[_rule_path(rule)] = sample[_rule_path(rule)]
    return edit


def _yaml_edit(path: str, change: Callable[[dict], None], text: str) -> str:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    data = yaml.load(text)
    change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _version(rule: str, change: Callable[[dict], None], folder: str = "rules") -> Callable:
    def edit(tree: dict[str, str], sample: dict[str, str]) -> None:
        tree[_rule_path(rule, folder)] = _yaml_edit(rule, change, sample[_rule_path(rule)])
    return edit


def _final(rule: str, folder: str = "rules") -> Callable:
    def edit(tree: dict[str, str], sample: dict[str, str]) -> None:
        tree[_rule_path(rule, folder)] = sample[_rule_path(rule)]
    return edit


def _vague_focus(data: dict) -> None:
    data["when"] = "A person and the item are both in the photo.\n"
    for key in ("unless", "examples", "counterexamples", "ambiguous_cases"):
        data.pop(key, None)


def _harmful_scene(data: dict) -> None:
    data["when"] = ("Any photo that shows a person in a setting is lifestyle, whatever is in "
                    "focus and however large the item is.\n")
    data.pop("unless", None)


def _active_box(data: dict) -> None:
    data["status"] = "active"
    data.pop("replaced_by", None)


def _draft_wording(data: dict) -> None:
    data["rationale"] = str(data.get("rationale", "")).rstrip() + " (first draft, to be reworded)"


def _task_without_inline_rules(tree: dict[str, str], sample: dict[str, str]) -> None:
    tree[f"{TASK_DIR}/task.yaml"] = _yaml_edit("task", lambda d: d.pop("rules", None),
                                               sample[f"{TASK_DIR}/task.yaml"])


def _start(tree: dict[str, str], sample: dict[str, str]) -> None:
    for path, text in sample.items():
        if not path.startswith(f"{TASK_DIR}/"):
            tree[path] = text
    _task_without_inline_rules(tree, sample)
    _add("PPS-001")(tree, sample)


def _move_people(tree: dict[str, str], sample: dict[str, str]) -> None:
    for rule in ("PPS-004", "PPS-005"):
        tree[_rule_path(rule, "rules/people")] = tree.pop(_rule_path(rule))


def _steps(*edits: Callable) -> Callable:
    def edit(tree: dict[str, str], sample: dict[str, str]) -> None:
        for one in edits:
            one(tree, sample)
    return edit


STORY = (
    Step(0, "Start the photo-subject guidelines: labels and the thumbnail test", "Maria Lopez", _start),
    Step(14, "Add a first equal-focus rule PPS-004", "Maria Lopez", _version("PPS-004", _vague_focus)),
    Step(28, "Add PPS-002 (boxes), PPS-005 (person, product not identifiable), PPS-006 (consumables)",
         "Tom Becker",
         _steps(_version("PPS-002", _active_box), _add("PPS-005"), _version("PPS-006", _draft_wording)),
         tag="v1.0.0"),
    Step(42, "Clarify PPS-004: both in focus, identifiable at thumbnail size; examples", "Maria Lopez",
         _final("PPS-004")),
    Step(56, "Add scene rules PPS-007 and PPS-008", "Tom Becker", _add("PPS-007", "PPS-008")),
    Step(70, "PPS-007: any person in a setting makes it lifestyle", "Tom Becker",
         _version("PPS-007", _harmful_scene), tag="v1.1.0"),
    Step(84, "Deprecate PPS-002 (any visible box); PPS-010: product out of its box wins", "Maria Lopez",
         _steps(_final("PPS-002"), _add("PPS-010"))),
    Step(98, "Move the people rules into rules/people/", "Tom Becker", _move_people),
    Step(112, "Revert PPS-007 to 'no dominant element' after the agreement drop", "Maria Lopez",
         _final("PPS-007"), tag="v1.2.0"),
    Step(126, "Add text and placeholder rules PPS-011, PPS-012, PPS-014", "Aiko Sato",
         _add("PPS-011", "PPS-012", "PPS-014")),
    Step(140, "Add PPS-003 and PPS-015 (mannequins); settled rules PPS-009, PPS-016 inline", "Aiko Sato",
         _steps(_add("PPS-003", "PPS-015"),
                lambda tree, sample: tree.__setitem__(f"{TASK_DIR}/task.yaml", sample[f"{TASK_DIR}/task.yaml"]))),
    Step(154, "PPS-006: reword the rationale", "Tom Becker", _final("PPS-006")),
    Step(168, "Draft PPS-013 on collages", "Aiko Sato", _add("PPS-013"), tag="v1.3.0"),
)
PERIOD_END = 182  # the last batch is annotated within two weeks of the last commit
FIRST_ANNOTATED = 2  # annotation starts with the first release, v1.0.0


# --- building the repository ----------------------------------------------------------------


def _email(author: str) -> str:
    return author.lower().replace(" ", ".") + "@example.com"


def _sample_files(root: Path) -> dict[str, str | bytes]:
    """The sample's files: text, and the example pictures (`media/`) as bytes."""
    files: dict[str, str | bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        # __init__.py (and its bytecode) only make the folder a package: see bundled.py; the
        # sample's README tells the sample's story: the demo writes its own (demo_readme)
        if (path.is_file() and not rel.startswith(("annotations/", "gold/", "site/", "__pycache__/"))
                and rel not in ("__init__.py", "README.md")):
            data = path.read_bytes()
            try:
                files[rel] = data.decode("utf-8")
            except UnicodeDecodeError:
                files[rel] = data
    return files


def _write_tree(repo: Path, before: dict[str, str | bytes], after: dict[str, str | bytes]) -> None:
    for rel in set(before) - set(after):
        (repo / rel).unlink()
    for rel, text in after.items():
        if before.get(rel) != text:
            target = repo / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8")


def _check_target(directory: Path) -> None:
    """The demo writes a whole git repository: never into a folder that holds anything."""
    if directory.is_file():
        raise GuidelinesError(f"{directory} is a file: give the demo a new or empty folder")
    if directory.exists() and any(directory.iterdir()):
        raise GuidelinesError(f"{directory} exists and is not empty: the demo builds a new git repository "
                              "there; give it a new or empty folder (guidelines demo DIR)")


def build_repository(directory: Path) -> list[str]:
    """Replay the story into a fresh repository at `directory`; returns the commit shas."""
    _check_target(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sample = _sample_files(sample_root())
    git_history.init_repository(directory, branch="main")
    tree: dict[str, str] = {}
    shas = []
    for step in STORY:
        before = dict(tree)
        step.edit(tree, sample)
        _write_tree(directory, before, tree)
        when = START + timedelta(days=step.day)
        sha = git_history.commit_all(directory, step.message, author=step.author, email=_email(step.author), when=when)
        shas.append(sha)
        if step.tag:
            git_history.tag_commit(directory, step.tag, sha)
    return shas


# --- simulated annotation batches -----------------------------------------------------------


def _period_bounds(k: int) -> tuple[datetime, datetime]:
    start = START + timedelta(days=STORY[k].day + 1)
    end = START + timedelta(days=(STORY[k + 1].day if k + 1 < len(STORY) else PERIOD_END) - 1)
    return start, end


def _revision_column(k: int, shas: list[str]) -> str:
    """Some batches record the guideline version they used, the rest only a timestamp."""
    if STORY[k].tag == "v1.1.0":
        return "v1.1.0"
    if STORY[k].tag == "v1.2.0":
        return "1.2.0"  # a release version without the tag prefix
    if k == 9:
        return shas[k][:8]  # an abbreviated sha
    return ""


def batch_name(k: int) -> str:
    """The batch annotated under the state commit k created (batch-01 is the first release's)."""
    return f"batch-{k - FIRST_ANNOTATED + 1:02d}"


def simulate_batches(shas: list[str]) -> tuple[dict[str, list[list[str]]], list[list[str]]]:
    """One batch (CSV rows) per period from the first release on, and gold labels for the last
    three periods."""
    rng = np.random.default_rng(SEED)
    code = {label: k for k, label in enumerate(LABELS)}
    scopes = tuple(simulate.Scope(s.key, (code[s.pair[0]], code[s.pair[1]]), 1.0) for s in SCOPES)
    batches, gold = {}, []
    per_period = ITEMS_PER_SCOPE * len(SCOPES) + UNSCOPED_ITEMS
    for k in range(FIRST_ANNOTATED, len(STORY)):
        noise = 0.10 - 0.004 * k  # annotators get less careless month by month
        period = simulate.Period(per_period, noise, {s.key: confusion(s.key, k) for s in SCOPES},
                                 first_item=1000 + k * per_period)
        batch = simulate.simulate_period(
            period, scopes, n_labels=len(LABELS), annotators=len(ANNOTATORS), per_item=3, rng=rng,
            annotator_noise=CARELESS, cite_rate=0.9, governed_items=ITEMS_PER_SCOPE * len(SCOPES),
        )
        start, end = _period_bounds(k)
        seconds = rng.integers(0, int((end - start).total_seconds()), size=len(batch.item))
        revision = _revision_column(k, shas)
        name = batch_name(k)
        rows = []
        for r in range(len(batch.item)):
            # an annotator cites the rule that decides the item, once it has been written
            rule = SCOPES[batch.cited[r]].rule_at(k) if batch.cited[r] >= 0 else None
            stamp = "" if revision else (start + timedelta(seconds=int(seconds[r]))).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append([f"photo-{batch.item[r]}", ANNOTATORS[batch.annotator[r]], LABELS[batch.value[r]],
                         TASK, revision, stamp, rule or "", name])
        batches[name] = rows
        if k >= len(STORY) - 3:
            truth = {int(i): LABELS[t] for i, t in zip(batch.item, batch.truth)}
            gold += [[f"photo-{i}", label, TASK] for i, label in sorted(truth.items())[::2]]
    last = batch_name(len(STORY) - 1)
    batches[last] += _unresolvable_rows(last)
    return batches, gold


def _unresolvable_rows(batch: str) -> list[list[str]]:
    """Rows no revision can be found for: counted and reported by `impact`, never dropped."""
    rows = []
    for n in range(6):
        for who in ("ana", "ben"):
            rows.append([f"photo-x{n}", who, "product", TASK, "v0.9.0", "", "", batch])
            rows.append([f"photo-y{n}", who, "product", TASK, "", "2026-02-20T10:00:00Z", "", batch])
            rows.append([f"photo-z{n}", who, "person", TASK, "", "", "", batch])
    return rows


def write_annotations(repo: Path, batches: dict[str, list[list[str]]], gold: list[list[str]]) -> list[Path]:
    header = ["item", "annotator", "label", "task", "guideline_rev", "annotated_at", "rules", "batch"]
    paths = []
    for name, rows in batches.items():
        path = repo / "annotations" / f"{TASK}-{name}.csv"
        _write_csv(path, header, rows)
        paths.append(path)
    _write_csv(repo / "gold" / f"{TASK}.csv", ["item", "label", "task"], gold)
    return paths


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# --- running it -------------------------------------------------------------------------------


def run_demo(directory: Path, progress: Callable[[str], None] | None = None,
             command: str = "guidelines") -> list[str]:
    """Build the demo repository and report on it; returns the lines to print. `progress(message)`
    is told before each step that takes a moment; `command` runs the tool from inside
    `directory` (as the user invoked it: `cli.invocation`), for the commands the demo prints."""
    from guidelines_tool.annotations import read_annotations, read_gold
    from guidelines_tool.history import read_history
    from guidelines_tool.hotspots import hotspots
    from guidelines_tool.impact import compute_impact
    from guidelines_tool.reporters.impact import HotspotTextReporter, ImpactTextReporter
    from guidelines_tool.project import load_project

    say = progress or (lambda message: None)
    directory = Path(directory)
    _check_target(directory)  # before any progress line: a refusal should be the only output
    say(f"building {directory}: {len(STORY)} commits of guideline history")
    shas = build_repository(directory)
    say(f"simulating {len(STORY) - FIRST_ANNOTATED} annotation batches")
    batches, gold = simulate_batches(shas)
    paths = write_annotations(directory, batches, gold)
    last = STORY[-1].day + 14
    git_history.commit_all(directory, f"Annotation batches 1-{len(batches)} and gold labels",
                           author="Maria Lopez", email=_email("Maria Lopez"), when=START + timedelta(days=last))
    say(f"piloting a new wording of {demo_experiment.RULE} on half of {demo_experiment.PILOT_ITEMS} new items "
        f"(experiment {demo_experiment.NAME})")
    pilot = demo_experiment.run_experiment(directory, START, _email, task=TASK, labels=LABELS,
                                           annotators=ANNOTATORS, careless=CARELESS, disputed=DISPUTED, seed=SEED)
    write_readme(directory, shas, batches, gold, command, pilot)
    git_history.commit_all(directory, "README: the story, the data and the experiment", author="Maria Lopez",
                           email=_email("Maria Lopez"), when=START + timedelta(days=demo_experiment.CONCLUDE.day))
    summary = (f"Built {directory}: {len(STORY)} commits of guideline history from {START:%Y-%m-%d} "
               f"and an annotation commit on {START + timedelta(days=last):%Y-%m-%d}. Annotation started "
               f"with release v1.0.0 ({START + timedelta(days=STORY[FIRST_ANNOTATED].day):%Y-%m-%d}): "
               f"{sum(map(len, batches.values()))} annotations by {len(ANNOTATORS)} annotators in "
               f"{len(batches)} batches, each citing the rule it applied. Then a guideline experiment: "
               f"{demo_experiment.RULE}'s new wording piloted on half of {pilot.items} new items, and adopted.")
    out = textwrap.wrap(summary, 100) + [""]
    say("validating")
    out += _validate(directory)
    project = load_project(directory)
    history = read_history(directory)
    say("reading the annotations")
    table = read_annotations(paths, project=project, task=TASK)
    say("linking each rule revision to agreement (bootstrap CIs)")
    report = compute_impact(project, history, table)
    out += ["$ guidelines impact annotations/*.csv", ImpactTextReporter().render(report)]
    recent_names = [batch_name(k) for k in range(len(STORY) - 3, len(STORY))]
    recent = [p for p in paths if p.stem.endswith(tuple(recent_names))]
    say("looking for disagreement hotspots")
    recent_table = read_annotations(recent, project=project, task=TASK)
    spots = hotspots(project, recent_table, top=5, gold=read_gold(directory / "gold" / f"{TASK}.csv",
                                                                  project=project, task=TASK))
    numbers = ",".join(name.removeprefix("batch-") for name in recent_names)
    out += [f"$ guidelines hotspots annotations/*{{{numbers}}}.csv --gold gold/{TASK}.csv --top 5",
            HotspotTextReporter().render(spots)]
    out += where_next(directory, report, spots)
    out += experiment_lines(pilot)
    out += closing_hint(directory, command)
    return out


def experiment_lines(pilot) -> list[str]:
    """The experiment after the story: the three commands it took, and the analysis that decided it."""
    from guidelines_tool.reporters.experiment import AnalysisTextReporter

    e = demo_experiment
    intro = (f"Then {e.RULE} was reworded on branch {e.BRANCH} and piloted: {pilot.items} new items split "
             "at random, half labelled under each wording at the same time, the annotations tagged with "
             "the revision their annotator read. Three commands (the demo ran them; `analyse` runs again "
             f"as printed, and `guidelines log {e.RULE}` shows the result next to the revision):")
    lines = ["", *textwrap.wrap(intro, 100)]
    lines += [line for command in e.COMMANDS for line in e.shell_lines(f"guidelines {command}")]
    lines += ["", f"$ guidelines {e.COMMANDS[1]}"]
    for line in AnalysisTextReporter().render(pilot.analysis).rstrip("\n").splitlines():
        indent = " " * (len(line) - len(line.lstrip(" ")))
        lines += textwrap.wrap(line, 100, initial_indent="", subsequent_indent=indent + "  ") or [""]
    lines += textwrap.wrap(f"Adopted: {e.RULE}'s new wording is on main ({pilot.shas['adopted'][:7]}), the result "
                           f"recorded in experiments/{e.NAME}.yaml.", 100)
    return lines


def write_readme(directory: Path, shas: list[str], batches: dict[str, list[list[str]]],
                 gold: list[list[str]], command: str, pilot=None) -> None:
    """README.md of the demo repository, from the story, the simulated data and the experiment."""
    from guidelines_tool.demo_readme import readme

    others = sorted(p.name for p in (directory / "guidelines").iterdir() if p.is_dir() and p.name != TASK)
    text = readme(story_facts(), shas=shas, batches=batches, gold=gold, command=command, other_tasks=others,
                  experiment=experiment_facts(pilot) if pilot is not None else None)
    (directory / "README.md").write_text(text, encoding="utf-8")


def experiment_facts(pilot):
    """The experiment as demo_readme tells it."""
    from guidelines_tool import demo_readme as r
    from guidelines_tool.experiment.analyse import analysis_dict

    e = demo_experiment
    d = analysis_dict(pilot.analysis)
    return r.ExperimentFacts(
        name=e.NAME, rule=e.RULE, branch=e.BRANCH, items=pilot.items, annotations=pilot.annotations,
        commands=e.COMMANDS, swapped=(DISPUTED, e.SWAP_B), alpha=(d["arms"]["A"]["alpha"], d["arms"]["B"]["alpha"]),
        delta=d["delta"], delta_ci=tuple(d["delta_ci"]), verdict=d["verdict"],
        shas={k: v for k, v in pilot.shas.items()},
        days=(START + timedelta(days=e.VARIANT.day), START + timedelta(days=e.CONCLUDE.day)))


def story_facts():
    """The story as demo_readme tells it: commits, annotation periods, planted effects, and the
    rules still disputed at the end."""
    from guidelines_tool import demo_readme as r

    last = len(STORY) - 1
    disputed = tuple(r.Disputed(s.rule_at(last), s.pair, confusion(s.key, last))
                     for s in SCOPES if confusion(s.key, last) > SETTLED)
    return r.Story(
        task=TASK, start=START,
        steps=tuple(r.Step(step.day, step.message, step.author, step.tag) for step in STORY),
        first_annotated=FIRST_ANNOTATED,
        periods=tuple(_period_bounds(k) for k in range(FIRST_ANNOTATED, len(STORY))),
        planted=planted_effects(), disputed=disputed, settled=SETTLED,
        months=round((PERIOD_END - STORY[0].day) / 30),
    )


def closing_hint(directory: Path, command: str) -> list[str]:
    """The demo's last words: a command that runs as printed from where the user is (the tool
    as they invoked it, seen from the demo folder), and where the story is told."""
    import shlex

    folder = shlex.quote(str(directory))
    lines = ["", f"Next: cd {folder} && {command} impact annotations/*.csv --format md"]
    if command != "guidelines":  # the transcripts above say `guidelines`: say what stands for it
        lines += textwrap.wrap(f"(`guidelines` is not on your PATH: in {folder}, the commands above run as "
                               f"{command} ...)", 100)
    return lines + [f"The story, the data and more to try: {Path(directory) / 'README.md'}"]


def _validate(directory: Path) -> list[str]:
    try:
        from guidelines_tool.validation import validate
    except ImportError:  # the validate capability is not in this build
        return ["(validate is not available in this build: skipped)", ""]
    result = validate(directory)
    lines = ["$ guidelines validate"]
    lines += [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in result.findings[:10]]
    errors = sum(f.severity == "error" for f in result.findings)
    lines += [f"{len(result.findings)} findings ({errors} errors)" if result.findings else "no problems", ""]
    return lines


def where_next(directory: Path, report, spots) -> list[str]:
    """The few lines a lead reads first: what hurt, what to clarify next, what worked, who and
    what to check — each with its numbers, wrapped for a 100-column terminal."""
    points: list[str] = []
    # evidence from citations first: a label-defined item set is the weaker measurement
    for r in sorted(report.regressed, key=lambda r: (r.governed_by != "citations", r.spec.position)):
        c, s = r.comparison, r.spec
        later = next((x for x in report.revisions if x.spec.rule == s.rule and x.spec.position > s.position
                      and x.verdict == "improved"), None)
        points.append(
            f"{s.rule}'s {CHANGE_NOUN.get(s.change, s.change)} of {s.date[:10]} ({s.commit[:7]}, {s.author}) cut agreement "
            f"{_on_items(r)} from α {c.before.alpha:.2f} to {c.after.alpha:.2f} (DiD {c.did:+.2f}, "
            f"CI {c.did_ci[0]:+.2f} to {c.did_ci[1]:+.2f}; {_q(r)})"
            + (f"; its revision of {later.spec.date[:10]} brought it back to α "
               f"{later.comparison.after.alpha:.2f}." if later else ": reconsider it.")
            + f" History: `guidelines log {s.rule}`.")
    if spots.rules:
        top = spots.rules[0]
        pair = f", mostly {top.pairs[0][0]} ↔ {top.pairs[0][1]}" if top.pairs else ""
        if top.basis == "citations":
            points.append(f"Clarify {top.rule} next ({top.title}): the {top.n_items} items citing it hold "
                          f"{top.share:.0%} of the recent batches' disagreement at α {top.alpha:.2f}{pair}. "
                          "Add examples and near misses for those cases.")
        else:
            points.append(f"Clarify {top.rule} next ({top.title}): its labels cover {top.share:.0%} of the "
                          f"recent batches' disagreement{pair}.")
    # clarifications of existing rules first: the "this wording lifted agreement" story
    mentioned = {id(x) for r in report.regressed for x in report.revisions
                 if x.spec.rule == r.spec.rule and x.spec.position > r.spec.position}
    improved = sorted((r for r in report.revisions if r.verdict == "improved" and id(r) not in mentioned),
                      key=lambda r: (r.governed_by != "citations", r.spec.change != "changed", r.spec.position))
    for r in improved[:2]:
        c, s = r.comparison, r.spec
        points.append(f"{s.rule}'s {CHANGE_NOUN.get(s.change, s.change)} of {s.date[:10]} lifted agreement {_on_items(r)} "
                      f"from α {c.before.alpha:.2f} to {c.after.alpha:.2f} (DiD {c.did:+.2f}; {_q(r)}): "
                      "the kind of edit that works.")
    if len(spots.annotators) > 1:
        worst, rest = spots.annotators[0], [a.agreement_with_others for a in spots.annotators[1:]
                                            if a.agreement_with_others is not None]
        if worst.agreement_with_others is not None and rest:
            gold = f" and with gold ({worst.gold_accuracy:.0%} right)" if worst.gold_n else ""
            points.append(f"Annotator {worst.annotator} agrees least with the others (α "
                          f"{worst.agreement_with_others:.2f}, the others {min(rest):.2f}–{max(rest):.2f})"
                          f"{gold}: worth a calibration session.")
    if report.unresolved_count:
        reasons = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(report.unresolved.items()) if v)
        points.append(f"{report.unresolved_count} annotations could not be tied to a guideline revision "
                      f"({reasons}): fix their guideline_rev or annotated_at.")
    points.append(LIMITS)
    lines = ["Where to look next:"]
    for n, point in enumerate(points, 1):
        lines += textwrap.wrap(point, 100, initial_indent=f"  {n}. ", subsequent_indent="     ")
    return lines


LIMITS = ("What these verdicts can and cannot say: each compares annotations just before and after a "
          "commit against the task's other items, holds the share of chance calls to 5 % (q-values) and "
          "counts annotators as a sample, but it cannot tell a rule's effect from annotators learning that "
          "distinction at the same time, and withholds a verdict (inconclusive) where the data says the "
          "reading is unsafe. For a contested change, an experiment decides: both wordings at once, "
          "on items split at random (README, \"What impact can conclude\").")


def _q(r) -> str:
    q = r.q_value
    shown = "q < 0.001" if q is not None and q < 0.001 else f"q = {q:.3f}" if q is not None else "q —"
    return f"{shown} after checking {r.tests} revisions"


CHANGE_NOUN = {"changed": "revision", "added": "addition", "deprecated": "deprecation",
               "removed": "removal", "re-added": "re-addition"}


def _on_items(r) -> str:
    c = r.comparison
    counts = f"{c.before.n_items} items before and {c.after.n_items} after"
    if r.governed_by == "citations":
        return f"on the items citing it ({counts})"
    if r.governed_by == "scope":
        return f"on the items in its scope ({counts})"
    return (f"on the items carrying its labels ({counts}; weaker evidence: "
            "nobody could cite it on both sides)")
