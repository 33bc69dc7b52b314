"""Site build time: a generated project of 2,000 rules built through the `guidelines` plugin,
against a plain `mkdocs build` of the same pages written by hand as ordinary Markdown.

Both sites use the same mkdocs.yml (what `guidelines init` writes: Material, search, tabs,
admonitions, permalinks) and have the same pages: a home page, a changelog, a quality page and
one page per task holding its rules. The hand-written pages carry the same text (labels, rule
sections with when / unless / decision / rationale, examples and near misses as tabs, ambiguous
cases) in idiomatic Markdown. Both builds run in-process, alternated, and the medians are
compared; the plugin's time includes reading and validating-free loading of the YAML files.

    python bench/docs.py [--rules 2000] [--tasks 40] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MKDOCS_YML = """site_name: Bench
docs_dir: docs
theme: {name: material, features: [content.tabs.link, search.highlight, navigation.sections]}
plugins: [search%s]
markdown_extensions: [admonition, pymdownx.details, pymdownx.superfences, {pymdownx.tabbed: {alternate_style: true}}, {toc: {permalink: true}}, tables]
"""
LABELS = ("product", "person", "scene", "packaging")


def dump(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def rule_data(task: str, t: int, r: int) -> dict:
    first, second = LABELS[r % 4], LABELS[(r + 1) % 4]
    return {
        "kind": "rule", "id": f"T{t:02d}-{r:03d}", "task": task, "title": f"Rule {r} of task {t}: focus decides",
        "status": "deprecated" if r % 17 == 0 else "active", "labels": [first, second], "decision": first,
        "when": f"The *{first}* is in **sharp focus** ({t}/{r}) and the {second} is not.\n\n- check the edges\n- check the size",
        "unless": [f"The {second} fills the frame."], "rationale": f"Buyers look for the {first}; see `rule {t}-{r}`.",
        "examples": [{"input": f"Photo {r}-{i}: {first} sharp, {second} blurred", "label": first, "why": "focus"}
                     for i in range(2)],
        "counterexamples": [{"input": f"Photo {r}: {second} sharp", "label": second, "why": "focus elsewhere"}],
        "ambiguous_cases": [{"case": f"Reflection of the {first}", "resolution": f"Treat as **{first}** (case {t}-{r})",
                             "decided": "2026-10-02"}],
        "see_also": [f"T{t:02d}-{(r + 1) % 50:03d}"], "tags": ["focus"],
        **({"replaced_by": f"T{t:02d}-{(r + 1):03d}"} if r % 17 == 0 else {}),
    }


def generate(root: Path, rules: int, tasks: int) -> None:
    """A guideline project of `rules` rules over `tasks` tasks (JSON is YAML 1.2)."""
    dump(root / "guidelines.yaml", {"kind": "project", "name": "Bench", "docs": {"title": "Bench guidelines"}})
    per_task = rules // tasks
    for t in range(tasks):
        task = f"task-{t:02d}"
        dump(root / "guidelines" / task / "task.yaml", {
            "kind": "task", "id": task, "title": f"Task {t}", "description": f"Label photos, batch **{t}**.",
            "labels": [{"id": label, "name": label.title(), "definition": f"The {label} is the *main* subject.",
                        "include": [f"{label} centred"], "exclude": [f"{label} cropped"]} for label in LABELS]})
        for r in range(per_task):
            dump(root / "guidelines" / task / "rules" / f"r{r:03d}.yaml", rule_data(task, t, r))
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML % ", guidelines", encoding="utf-8")


def hand_written(root: Path, rules: int, tasks: int) -> None:
    """The same site written by hand: the same pages and text in ordinary Markdown."""
    docs = root / "docs"
    (docs / "tasks").mkdir(parents=True)
    (docs / "changelog").mkdir()
    per_task = rules // tasks
    (docs / "index.md").write_text("# Bench guidelines\n\n## Tasks\n\n| Task | Rules |\n|---|---|\n" + "".join(
        f"| [Task {t}](tasks/task-{t:02d}.md) | {per_task} |\n" for t in range(tasks)), encoding="utf-8")
    (docs / "changelog" / "index.md").write_text("# What changed\n\nNo release yet.\n", encoding="utf-8")
    (docs / "quality.md").write_text("# Agreement and quality\n\nNo annotation data.\n", encoding="utf-8")
    for t in range(tasks):
        task = f"task-{t:02d}"
        out = [f"# Task {t}\n", f"Label photos, batch **{t}**.\n", "## Labels\n",
               "| Label | Definition | Use it when | Do not use it when |\n|---|---|---|---|"]
        out += [f"| **{l.title()}** `{l}` | The {l} is the *main* subject. | {l} centred | {l} cropped |" for l in LABELS]
        for r in range(per_task):
            d = rule_data(task, t, r)
            out.append(f"\n## <a id=\"{d['id']}\"></a>{d['id']} — {d['title']}\n")
            if d["status"] == "deprecated":
                out.append(f'!!! warning "Deprecated"\n    Use [{d["replaced_by"]}](#{d["replaced_by"]}) instead.\n')
            out.append(f"**Status:** {d['status']} · **See also:** [{d['see_also'][0]}](#{d['see_also'][0]})\n")
            out.append(f"**When**\n\n{d['when']}\n\n**Unless**\n\n- {d['unless'][0]}\n")
            out.append(f"**Decision:** label it **{d['decision']}**.\n\n**Why**\n\n{d['rationale']}\n")
            for title, key in (("Examples", "examples"), ("Near misses", "counterexamples")):
                out.append(f'=== "{title}"\n\n    | Input | Label | Why |\n    |---|---|---|')
                out += [f"    | {e['input']} | {e['label']} | {e['why']} |" for e in d[key]]
                out.append("")
            case = d["ambiguous_cases"][0]
            out.append(f"**Ambiguous cases, resolved**\n\n| Case | Resolution | Decided |\n|---|---|---|\n"
                       f"| {case['case']} | {case['resolution']} | {case['decided']} |\n")
        (docs / "tasks" / f"{task}.md").write_text("\n".join(out), encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML % "", encoding="utf-8")


def build_plugin(root: Path, site: Path) -> float:
    from guidelines_tool.docs.safe import clear_cache
    from guidelines_tool.docs.site import build_site

    clear_cache()  # a cold build, as `guidelines docs build` runs it
    start = time.perf_counter()
    build_site(root, site_dir=site)
    return time.perf_counter() - start


def build_plain(root: Path, site: Path) -> float:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    start = time.perf_counter()
    build(load_config(str(root / "mkdocs.yml"), site_dir=str(site)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        ours, peer = Path(tmp) / "plugin", Path(tmp) / "hand"
        generate(ours, args.rules, args.tasks)
        hand_written(peer, args.rules, args.tasks)
        build_plugin(ours, Path(tmp) / "warm-a")  # warm imports and caches for both
        build_plain(peer, Path(tmp) / "warm-b")
        plugin_times, plain_times = [], []
        for i in range(args.repeat):
            plugin_times.append(build_plugin(ours, Path(tmp) / f"site-a{i}"))
            plain_times.append(build_plain(peer, Path(tmp) / f"site-b{i}"))
        a, b = statistics.median(plugin_times), statistics.median(plain_times)
        pages_a = sum(1 for _ in (Path(tmp) / "site-a0").rglob("*.html"))
        pages_b = sum(1 for _ in (Path(tmp) / "site-b0").rglob("*.html"))
    print(f"{args.rules} rules over {args.tasks} tasks, median of {args.repeat} builds each")
    print(f"  guidelines plugin (YAML -> pages -> mkdocs build): {a:7.2f} s   ({pages_a} HTML pages)")
    print(f"  plain mkdocs build of hand-written Markdown:        {b:7.2f} s   ({pages_b} HTML pages)")
    print(f"  ratio plugin / plain: {a / b:.2f}x   (target <= 1.5x)")


if __name__ == "__main__":
    main()
