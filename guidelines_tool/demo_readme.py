"""The README of the repository `guidelines demo` builds: the story it replays and the data it
simulated, told from the story's facts (`Story`, which demo.py fills from its STORY and
planted effects) and counted from the batches themselves, so that it cannot drift from what the
demo built.

Pure: facts in, Markdown out. `demo.run_demo` writes it with the annotation commit. (This
module does not import demo.py: demo.py imports it.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

HEADER = ["item", "annotator", "label", "task", "guideline_rev", "annotated_at", "rules", "batch"]
ITEM, ANNOTATOR, REVISION, TIME, RULES = 0, 1, 4, 5, 6


@dataclass(frozen=True)
class Step:
    """One commit of the story."""

    day: int  # days after Story.start
    message: str
    author: str
    tag: str | None


@dataclass(frozen=True)
class Disputed:
    """A rule annotators keep disputing after it is written."""

    rule: str
    pair: tuple[str, str]
    swapped: float  # how often annotators swap the pair on its items


@dataclass(frozen=True)
class ExperimentFacts:
    """The guideline experiment after the story: a rewording piloted on half the items, adopted."""

    name: str
    rule: str
    branch: str
    items: int
    annotations: int
    commands: tuple[str, ...]  # as run from the repository's folder, without the tool's name
    swapped: tuple[float, float]  # how often annotators swap the rule's pair under A and under B
    alpha: tuple[float | None, float | None]
    delta: float | None
    delta_ci: tuple[float, ...]
    verdict: str
    shas: dict[str, str]  # variant, plan, pilot, adopted, record
    days: tuple[datetime, datetime]  # the variant's commit, the conclusion


@dataclass(frozen=True)
class Story:
    """What the demo replays: its commits, when annotation starts, what it planted."""

    task: str
    start: datetime
    steps: tuple[Step, ...]
    first_annotated: int  # index of the commit annotation starts with
    periods: tuple[tuple[datetime, datetime], ...]  # each batch's annotation period, in order
    planted: dict[tuple[int, str], str]  # (commit index, rule) → "improved" | "regressed"
    disputed: tuple[Disputed, ...]
    settled: float  # how often annotators swap a settled rule's pair
    months: int


def readme(story: Story, *, shas: list[str], batches: dict[str, list[list[str]]], gold: list[list[str]],
           command: str, other_tasks: list[str], experiment: ExperimentFacts | None = None) -> str:
    """README.md of the demo repository. `command` runs the tool from the repository's folder
    (as `cli.invocation` gives it); `other_tasks` are the sample's tasks copied without data."""
    rows = [row for batch in batches.values() for row in batch]
    out = [f"# Guideline demo: `{story.task}`, {story.months} months of history", "",
           "Built by `guidelines demo` from the guideline project bundled with guidelines_tool. "
           "Everything here is generated: the git history replays the story below, and the "
           "annotations are simulated so that agreement moves exactly where the story says.", ""]
    out += _story(story, shas)
    out += _planted(story)
    out += _data(story, rows, batches, gold, shas)
    if other_tasks:
        out += [f"The repository also holds the sample's other task{'s' if len(other_tasks) > 1 else ''} "
                f"({', '.join(f'`{t}`' for t in other_tasks)}): rules only, no annotations.", ""]
    if experiment is not None:
        out += _experiment(experiment, command)
    out += _try(story, command, batches, experiment)
    return "\n".join(_wrapped(out)).rstrip() + "\n"


def _wrapped(lines: list[str]) -> list[str]:
    """Prose and list items wrapped at 100 columns; headings, tables and code kept whole."""
    import textwrap

    out, code = [], False
    for line in lines:
        if line.startswith("```"):
            code = not code
        if code or line.startswith(("```", "|", "#")) or len(line) <= 100:
            out.append(line)
        else:
            out += textwrap.wrap(line, 100, subsequent_indent="  " if line.startswith("- ") else "",
                                 break_long_words=False, break_on_hyphens=False)
    return out


def _date(story: Story, day: int) -> str:
    return (story.start + timedelta(days=day)).strftime("%Y-%m-%d")


def _story(story: Story, shas: list[str]) -> list[str]:
    steps = story.steps
    authors = list(dict.fromkeys(step.author for step in steps))
    tags = [step.tag for step in steps if step.tag]
    first = steps[story.first_annotated]
    out = ["## The story", "",
           f"{len(steps)} commits to `{story.task}` from {_date(story, steps[0].day)} to "
           f"{_date(story, steps[-1].day)} by {_and(authors)}, released as {_and(tags)}. Annotation "
           f"starts with {first.tag or 'commit ' + shas[story.first_annotated][:7]} "
           f"({_date(story, first.day)}): rules written before it have no annotations on their "
           "before side.", "",
           "| date | commit | release | author | message |", "|---|---|---|---|---|"]
    for step, sha in zip(steps, shas):
        out.append(f"| {_date(story, step.day)} | `{sha[:7]}` | {step.tag or ''} | {step.author} | {step.message} |")
    return out + [""]


def _planted(story: Story) -> list[str]:
    steps = story.steps
    out = ["## What the simulation planted", "",
           "Annotators swap each rule's two labels on a share of its items; that share changes only "
           "at these commits, so these are the effects `impact` should find:", ""]
    for (k, rule), verdict in sorted(story.planted.items()):
        out.append(f"- {rule}, {_date(story, steps[k].day)} (\"{steps[k].message}\"): agreement {verdict}.")
    out += ["", "Every other revision changes nothing annotators do: its verdict should be *no clear "
            "change* (or *too little data* before annotation starts)."]
    for d in story.disputed:
        out.append(f"{d.rule} stays disputed after it is written ({d.pair[0]} and {d.pair[1]} swapped on "
                   f"{d.swapped:.0%} of its items, {story.settled:.0%} on settled rules): `hotspots` "
                   "should name it as the rule to clarify next.")
    return out + ["Annotators also get a little more careful each period, a drift the difference-in-"
                  "differences removes.", ""]


def _data(story: Story, rows: list[list[str]], batches: dict[str, list[list[str]]],
          gold: list[list[str]], shas: list[str]) -> list[str]:
    annotators = sorted({row[ANNOTATOR] for row in rows})
    items = {row[ITEM] for row in rows}
    per_item = Counter(Counter(row[ITEM] for row in rows).values()).most_common(1)[0][0]
    cited = sum(bool(row[RULES]) for row in rows)
    out = ["## The data", "",
           f"`annotations/`: {len(rows)} annotations of {len(items)} items by {len(annotators)} annotators "
           f"({_and(annotators)}), {per_item} per item, in {len(batches)} batches, one every two weeks. "
           f"{cited} of them ({cited / len(rows):.0%}) cite the rule the annotator applied "
           "(`rules` column). Columns: " + ", ".join(f"`{h}`" for h in HEADER) + ".", "",
           "| batch | annotated | annotations | items | guideline revision recorded as |",
           "|---|---|---|---|---|"]
    for (name, batch), (start, end) in zip(batches.items(), story.periods):
        out.append(f"| {name} | {start:%Y-%m-%d} – {end:%Y-%m-%d} | {len(batch)} | "
                   f"{len({row[ITEM] for row in batch})} | {_recorded(story, batch, shas)} |")
    out.append("")
    unresolved = _unresolvable(story, rows, shas)
    if unresolved:
        parts = ", ".join(f"{n} {why}" for why, n in unresolved.items())
        out += [f"{sum(unresolved.values())} annotations cannot be tied to a guideline revision, on "
                f"purpose ({parts}): `impact` counts and reports them instead of dropping them "
                "silently.", ""]
    gold_items = {row[0] for row in gold}
    covered = [name for name, batch in batches.items() if gold_items & {row[ITEM] for row in batch}]
    where = f"of {_and(covered)}" if covered else "(none of them in these batches)"
    out += [f"`gold/{story.task}.csv`: adjudicated labels for {len(gold_items)} items {where}.", ""]
    return out


def _recorded(story: Story, batch: list[list[str]], shas: list[str]) -> str:
    """How a batch says which guidelines it was annotated under (the rows that can be tied)."""
    known = [row for row in batch if not _why_unresolvable(story, row, shas)]
    revisions = sorted({row[REVISION] for row in known if row[REVISION]})
    timed = sum(1 for row in known if not row[REVISION] and row[TIME])
    if revisions:
        kinds = [f"`guideline_rev: {r}` ({_kind(story, r)})" for r in revisions]
        return ", ".join(kinds) + (f"; {timed} by `annotated_at`" if timed else "")
    return "`annotated_at` only"


def _tags(story: Story) -> set[str]:
    return {step.tag for step in story.steps if step.tag}


def _kind(story: Story, revision: str) -> str:
    if revision in _tags(story):
        return "a release tag"
    if "v" + revision in _tags(story):
        return "a release version without the tag's `v`"
    return "an abbreviated commit sha"


def _why_unresolvable(story: Story, row: list[str], shas: list[str]) -> str | None:
    revision, stamp = row[REVISION], row[TIME]
    if revision:
        tags = _tags(story)
        known = revision in tags or "v" + revision in tags or any(sha.startswith(revision) for sha in shas)
        return None if known else "with an unknown revision"
    if not stamp:
        return "with neither a revision nor a time"
    when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=story.start.tzinfo)
    return "dated before the first commit" if when < story.start else None


def _unresolvable(story: Story, rows: list[list[str]], shas: list[str]) -> dict[str, int]:
    reasons = Counter(why for row in rows if (why := _why_unresolvable(story, row, shas)))
    return dict(sorted(reasons.items()))


def _experiment(e: ExperimentFacts, command: str) -> list[str]:
    a, b = e.alpha
    figures = (f"α {a:.2f} under the current wording, {b:.2f} under the new one, B − A {e.delta:+.2f} "
               f"(95 % CI {e.delta_ci[0]:+.2f} to {e.delta_ci[1]:+.2f})" if None not in (a, b, e.delta)
               and len(e.delta_ci) == 2 else "")
    return ["## The experiment", "",
            f"`hotspots` names {e.rule} as the rule to clarify next, and a before/after comparison cannot "
            "separate a new wording from annotators learning at the same time. So on "
            f"{e.days[0]:%Y-%m-%d} a new wording of {e.rule} went onto branch `{e.branch}` "
            f"(`{e.shas['variant'][:7]}`) and was piloted: {e.items} new items (`pilot/items.csv`) split at "
            "random, half labelled under each wording at the same time, each annotation tagged with the "
            f"revision its annotator read ({e.annotations} annotations in `pilot/annotations.csv`). "
            f"The simulation planted the effect: annotators swap the rule's two labels on {e.swapped[0]:.0%} "
            f"of its items under the current wording, {e.swapped[1]:.0%} under the new one.", "",
            "The three commands it took (run here, in this order, on "
            f"{e.days[0]:%Y-%m-%d} – {e.days[1]:%Y-%m-%d}; the plan is commit `{e.shas['plan'][:7]}`):", "",
            "```", *(f"{command} {line}" for line in e.commands), "```", "",
            f"Verdict: `{e.verdict}`" + (f", {figures}" if figures else "") + f". The new wording was adopted: "
            f"cherry-picked onto main as `{e.shas['adopted'][:7]}`, the result recorded in "
            f"`experiments/{e.name}.yaml` (`{e.shas['record'][:7]}`). `log {e.rule}`, the changelog and the "
            "rule's revision history on the site show it next to the revision.", ""]


def _try(story: Story, command: str, batches: dict[str, list[list[str]]],
         experiment: ExperimentFacts | None = None) -> list[str]:
    regressed = next((rule for (_, rule), verdict in sorted(story.planted.items()) if verdict == "regressed"),
                     None)
    tags = [step.tag for step in story.steps if step.tag]
    recent = " ".join(f"annotations/*-{name}.csv" for name in list(batches)[-3:])
    lines = [f"{command} validate",
             f"{command} impact annotations/*.csv",
             f"{command} hotspots {recent} --gold gold/{story.task}.csv",
             f"{command} agreement annotations/*.csv --by batch"]
    if regressed:
        lines.append(f"{command} log {regressed}")
    if len(tags) > 1:
        lines.append(f"{command} diff {tags[0]} {tags[-1]}")
    if experiment is not None:
        lines += [f"{command} {experiment.commands[1]}", f"{command} log {experiment.rule}"]
    lines += [f"{command} changelog", f"{command} docs build"]
    return ["## Try it", "",
            "From this folder (each command as it runs here; `docs build` writes the annotators' "
            "site into `site/`):", "", "```sh", *lines, "```", ""]


def _and(words: list[str]) -> str:
    words = [str(w) for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
