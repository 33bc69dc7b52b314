"""The README of the repository `guidelines demo` builds: the story it replays and the data it
simulated, told from the story (`demo.STORY`, `demo.planted_effects`) and counted from the
batches themselves, so that it cannot drift from what the demo built.

Pure: facts in, Markdown out. `demo.run_demo` writes it with the annotation commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from guidelines_tool import demo

HEADER = ["item", "annotator", "label", "task", "guideline_rev", "annotated_at", "rules", "batch"]
ITEM, ANNOTATOR, REVISION, TIME, RULES = 0, 1, 4, 5, 6


def readme(*, shas: list[str], batches: dict[str, list[list[str]]], gold: list[list[str]],
           command: str, other_tasks: list[str]) -> str:
    """README.md of the demo repository. `command` runs the tool from the repository's folder
    (as `cli.invocation` gives it); `other_tasks` are the sample's tasks copied without data."""
    rows = [row for batch in batches.values() for row in batch]
    out = [f"# Guideline demo: `{demo.TASK}`, {_months(demo.STORY)} months of history", "",
           "Built by `guidelines demo` from the guideline project bundled with guidelines_tool. "
           "Everything here is generated: the git history replays the story below, and the "
           "annotations are simulated so that agreement moves exactly where the story says.", ""]
    out += _story(shas)
    out += _planted()
    out += _data(rows, batches, gold, shas)
    if other_tasks:
        out += [f"The repository also holds the sample's other task{'s' if len(other_tasks) > 1 else ''} "
                f"({', '.join(f'`{t}`' for t in other_tasks)}): rules only, no annotations.", ""]
    out += _try(command, batches)
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


def _months(story) -> int:
    return round((demo.PERIOD_END - story[0].day) / 30)


def _date(day: int) -> str:
    return (demo.START + timedelta(days=day)).strftime("%Y-%m-%d")


def _story(shas: list[str]) -> list[str]:
    story = demo.STORY
    authors = list(dict.fromkeys(step.author for step in story))
    tags = [step.tag for step in story if step.tag]
    first_annotated = story[demo.FIRST_ANNOTATED]
    out = ["## The story", "",
           f"{len(story)} commits to `{demo.TASK}` from {_date(story[0].day)} to {_date(story[-1].day)} by "
           f"{_and(authors)}, released as {_and(tags)}. Annotation starts with "
           f"{first_annotated.tag or 'commit ' + shas[demo.FIRST_ANNOTATED][:7]} "
           f"({_date(first_annotated.day)}): rules written before it have no annotations on "
           "their before side.", "",
           "| date | commit | release | author | message |", "|---|---|---|---|---|"]
    for step, sha in zip(story, shas):
        out.append(f"| {_date(step.day)} | `{sha[:7]}` | {step.tag or ''} | {step.author} | {step.message} |")
    return out + [""]


def _planted() -> list[str]:
    story = demo.STORY
    planted = demo.planted_effects()
    last = len(story) - 1
    disputed = [s for s in demo.SCOPES if demo.confusion(s.key, last) > demo.SETTLED]
    out = ["## What the simulation planted", "",
           "Annotators swap each rule's two labels on a share of its items; that share changes only "
           "at these commits, so these are the effects `impact` should find:", ""]
    for (k, rule), verdict in sorted(planted.items()):
        out.append(f"- {rule}, {_date(story[k].day)} (\"{story[k].message}\"): agreement {verdict}.")
    out += ["", "Every other revision changes nothing annotators do: its verdict should be *no clear "
            "change* (or *too little data* before annotation starts)."]
    for scope in disputed:
        rule, (a, b) = scope.rule_at(last), scope.pair
        out.append(f"{rule} stays disputed after it is written ({a} and {b} swapped on "
                   f"{demo.confusion(scope.key, last):.0%} of its items, {demo.SETTLED:.0%} on settled "
                   f"rules): `hotspots` should name it as the rule to clarify next.")
    return out + [f"Annotators also get a little more careful each period, a drift the difference-in-"
                  "differences removes.", ""]


def _data(rows: list[list[str]], batches: dict[str, list[list[str]]], gold: list[list[str]],
          shas: list[str]) -> list[str]:
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
    for k, (name, batch) in enumerate(batches.items(), start=demo.FIRST_ANNOTATED):
        start, end = demo._period_bounds(k)
        out.append(f"| {name} | {start:%Y-%m-%d} – {end:%Y-%m-%d} | {len(batch)} | "
                   f"{len({row[ITEM] for row in batch})} | {_recorded(batch, shas)} |")
    out.append("")
    unresolved = _unresolvable(rows, shas)
    if unresolved:
        parts = ", ".join(f"{n} {why}" for why, n in unresolved.items())
        out += [f"{sum(unresolved.values())} annotations cannot be tied to a guideline revision, on "
                f"purpose ({parts}): `impact` counts and reports them instead of dropping them "
                "silently.", ""]
    gold_items = {row[0] for row in gold}
    covered = [name for name, batch in batches.items() if gold_items & {row[ITEM] for row in batch}]
    where = f"of {_and(covered)}" if covered else "(none of them in these batches)"
    out += [f"`gold/{demo.TASK}.csv`: adjudicated labels for {len(gold_items)} items {where}.", ""]
    return out


def _recorded(batch: list[list[str]], shas: list[str]) -> str:
    """How a batch says which guidelines it was annotated under (the rows that can be tied)."""
    known = [row for row in batch if not _why_unresolvable(row, shas)]
    revisions = sorted({row[REVISION] for row in known if row[REVISION]})
    timed = sum(1 for row in known if not row[REVISION] and row[TIME])
    if revisions:
        kinds = [f"`guideline_rev: {r}` ({_kind(r, shas)})" for r in revisions]
        return ", ".join(kinds) + (f"; {timed} by `annotated_at`" if timed else "")
    return "`annotated_at` only"


def _kind(revision: str, shas: list[str]) -> str:
    tags = {step.tag for step in demo.STORY if step.tag}
    if revision in tags:
        return "a release tag"
    if "v" + revision in tags:
        return "a release version without the tag's `v`"
    return "an abbreviated commit sha"


def _why_unresolvable(row: list[str], shas: list[str]) -> str | None:
    revision, stamp = row[REVISION], row[TIME]
    if revision:
        tags = {step.tag for step in demo.STORY if step.tag}
        known = revision in tags or "v" + revision in tags or any(sha.startswith(revision) for sha in shas)
        return None if known else "with an unknown revision"
    if not stamp:
        return "with neither a revision nor a time"
    when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=demo.START.tzinfo)
    return "dated before the first commit" if when < demo.START else None


def _unresolvable(rows: list[list[str]], shas: list[str]) -> dict[str, int]:
    reasons = Counter(why for row in rows if (why := _why_unresolvable(row, shas)))
    return dict(sorted(reasons.items()))


def _try(command: str, batches: dict[str, list[list[str]]]) -> list[str]:
    story, planted = demo.STORY, demo.planted_effects()
    regressed = next((rule for (_, rule), verdict in sorted(planted.items()) if verdict == "regressed"),
                     None)
    tags = [step.tag for step in story if step.tag]
    recent = " ".join(f"annotations/*-{name}.csv" for name in list(batches)[-3:])
    lines = [f"{command} validate",
             f"{command} impact annotations/*.csv",
             f"{command} hotspots {recent} --gold gold/{demo.TASK}.csv",
             f"{command} agreement annotations/*.csv --by batch"]
    if regressed:
        lines.append(f"{command} log {regressed}")
    if len(tags) > 1:
        lines.append(f"{command} diff {tags[0]} {tags[-1]}")
    lines += [f"{command} changelog", f"{command} docs build"]
    return ["## Try it", "",
            "From this folder (each command as it runs here; `docs build` writes the annotators' "
            "site into `site/`):", "", "```sh", *lines, "```", ""]


def _and(words: list[str]) -> str:
    words = [str(w) for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
