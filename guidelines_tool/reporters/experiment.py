"""Output of `experiment plan` and `experiment analyse`: text, json and markdown, by name
(`PLAN_REPORTERS`, `EXPERIMENT_REPORTERS`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.output import json_text, md_cell

if TYPE_CHECKING:
    from guidelines_tool.experiment.analyse import Analysis
    from guidelines_tool.experiment.plan import Plan

VERDICT_TEXT = {
    "b_better": "B better: adopt the new wording",
    "a_better": "A better: keep the current wording",
    "no_clear_difference": "no clear difference",
    "insufficient_data": "insufficient data",
}


def _num(value: Any, signed: bool = False, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _ci(ci: Any, signed: bool = False) -> str:
    return "—" if not ci else f"[{_num(ci[0], signed)}, {_num(ci[1], signed)}]"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


# --- plan -------------------------------------------------------------------------------------


def _plan_lines(data: dict, written: list[str]) -> list[str]:
    arms = data["arms"]
    lines = [f"experiment {data['experiment']}: task {data['task']}, rules {', '.join(data['rules'])}",
             f"  A  {arms['A']['commit'][:12]}  ({arms['A']['ref']})  the rules as they stand",
             f"  B  {arms['B']['commit'][:12]}  ({arms['B']['ref']})  the proposed wording",
             f"unit: {data['unit']} — {data['contamination']}",
             f"split: {data['method']}"]
    if data["items"] is not None:
        items, people = data["items"], data["annotators"] or {}
        if data["unit"] == "item":
            lines.append(f"items: A {items['A']}, B {items['B']} (governed: {data['governed']}); "
                         f"annotators: {people.get('both', 0)} listed, each works both arms")
        else:
            lines.append(f"annotators: A {people.get('A', 0)}, B {people.get('B', 0)}; items: {items['both']}, "
                         "each labelled in both arms")
    power = data["power"]
    past = power["past"]
    if past:
        lines.append(f"power (past data: α {past['alpha']:.3f} on {past['n_items']} items, "
                     f"{past['per_item']:g} judgements an item, {past['n_annotators']} annotators):")
        for target, key in (("80 %", "items_80"), ("90 %", "items_90")):
            value = power[key]
            lines.append(f"  {target} power at +{power['effect']:g}: "
                         + (f"{value} items per arm" if value is not None else "not reachable by items alone"))
        if power["at_plan"] is not None:
            lines.append(f"  with {data['items_per_arm']} items per arm: {power['at_plan']:.0%} power")
    if power["note"]:
        lines.append(f"power: {power['note']}")
    lines.append(f"decision: {data['decision']['rule']} (confidence {data['decision']['confidence']:g}, "
                 f"min_items {data['decision']['min_items']})")
    lines += [f"warning: {w}" for w in data["warnings"]]
    if written and data.get("links"):
        lines.append("batch links (column guideline_url):")
        lines += [f"  {arm}  {url}" for arm, url in sorted(data["links"].items())]
        if data.get("links_note"):
            lines.append(f"  {data['links_note']}")
    if written:
        lines.append("wrote:")
        lines += [f"  {path}" for path in written]
    return lines


class PlanTextReporter(Reporter):
    name = "text"

    def render(self, result: tuple[Plan, list[str]]) -> str:
        plan, written = result
        return "\n".join(_plan_lines(plan.to_dict(), written)) + "\n"


class PlanJsonReporter(Reporter):
    name = "json"

    def render(self, result: tuple[Plan, list[str]]) -> str:
        plan, written = result
        return json_text({**plan.to_dict(), "written": written}) + "\n"


PLAN_REPORTERS = registry(PlanTextReporter, PlanJsonReporter)


# --- analyse ----------------------------------------------------------------------------------


def _checks_lines(checks: dict) -> list[str]:
    rows = checks["rows"]
    lines = [f"design: {rows['read']} rows read, {rows['used']} used; outside the experiment {rows['outside']}, "
             f"contaminated {rows['contaminated']}, foreign revision {rows['foreign']}, untagged {rows['untagged']}",
             "  items with data / planned: " + ", ".join(
                 f"{arm} {v['with_data']}/{v['planned']}" for arm, v in checks["items"].items())
             + f"; annotators: A {checks['annotators']['A']}, B {checks['annotators']['B']}"
             + (f"; split p = {checks['imbalance_p']:.3g}" if checks["imbalance_p"] is not None else "")]
    if checks["one_arm_annotators"]:
        lines.append("  worked one arm only: " + ", ".join(checks["one_arm_annotators"]))
    return lines


class AnalysisTextReporter(Reporter):
    name = "text"

    def render(self, result: Analysis) -> str:
        from guidelines_tool.experiment.analyse import analysis_dict

        d = analysis_dict(result)
        conf = f"{d['confidence']:.0%}"
        lines = [f"experiment {d['experiment']}: {', '.join(d['rules'])} (task {d['task']}, unit {d['unit']}, "
                 f"α {d['measure']['scale']} on {d['measure']['items']} items)"]
        for name in ("A", "B"):
            arm = d["arms"][name]
            lines.append(f"  {name}  {arm['commit'][:12]}  α {_num(arm['alpha'])}  {conf} CI {_ci(arm['ci'])}  "
                         f"{arm['n_items']} items, {arm['n_annotators']} annotators, {arm['n_judgements']} judgements")
        lines.append(f"B − A: {_num(d['delta'], True)}  {conf} CI {_ci(d['delta_ci'], True)}  p {_p(d['p_value'])}  "
                     "(items and annotators random)")
        lines.append(f"verdict: {d['verdict']} — {VERDICT_TEXT[d['verdict']]}")
        lines += _checks_lines(d["design_checks"])
        if d["confusions"]:
            lines.append("confusions (share of pairs of judgements, A → B):")
            lines += [f"  {c['labels'][0]} / {c['labels'][1]}: {c['share_a']:.1%} → {c['share_b']:.1%}"
                      for c in d["confusions"]]
        if d["accuracy"]:
            lines.append("accuracy vs gold: " + ", ".join(
                f"{name} {_num(a['accuracy'])} {_ci(a['ci'])} ({a['judgements']} judgements)"
                for name, a in d["accuracy"].items()))
        lines += [f"warning: {w}" for w in d["design_checks"]["warnings"]]
        return "\n".join(lines) + "\n"


class AnalysisJsonReporter(Reporter):
    name = "json"

    def render(self, result: Analysis) -> str:
        from guidelines_tool.experiment.analyse import analysis_dict

        return json_text(analysis_dict(result)) + "\n"


class AnalysisMarkdownReporter(Reporter):
    name = "md"

    def render(self, result: Analysis) -> str:
        from guidelines_tool.experiment.analyse import analysis_dict

        d = analysis_dict(result)
        conf = f"{d['confidence']:.0%}"
        lines = [f"### Experiment `{md_cell(d['experiment'])}`: {md_cell(', '.join(d['rules']))}", "",
                 f"**Verdict: {d['verdict']}** — {VERDICT_TEXT[d['verdict']]}. B − A = {_num(d['delta'], True)}, "
                 f"{conf} CI {_ci(d['delta_ci'], True)}, p {_p(d['p_value'])} (items and annotators random).", "",
                 f"| arm | commit | α | {conf} CI | items | annotators |", "|---|---|---:|---|---:|---:|"]
        for name in ("A", "B"):
            arm = d["arms"][name]
            lines.append(f"| {name} | `{arm['commit'][:12]}` | {_num(arm['alpha'])} | {_ci(arm['ci'])} | "
                         f"{arm['n_items']} | {arm['n_annotators']} |")
        rows = d["design_checks"]["rows"]
        lines += ["", f"Design: {rows['used']} of {rows['read']} rows used; contaminated {rows['contaminated']}, "
                      f"foreign revision {rows['foreign']}, untagged {rows['untagged']}."]
        lines += [f"- {md_cell(w)}" for w in d["design_checks"]["warnings"]]
        return "\n".join(lines) + "\n"


EXPERIMENT_REPORTERS = registry(AnalysisTextReporter, AnalysisJsonReporter, AnalysisMarkdownReporter)
