"""Benchmark: `guidelines validate` against check-jsonschema on the same generated project.

Generates a guideline project of 2,000 files holding 20,000 rules (1,900 rule files, one rule
each, and 100 task files with 181 rules each written inline under `rules:`), then times, side by
side, in alternation, the whole process of:

  guidelines validate                      schema + semantic lint + line:col, every file
  check-jsonschema --schemafile ...        schema only, no line numbers: rule files against
                                           rule.schema.json, task files against task.schema.json
                                           (two invocations, since a task file is not a rule)

Both run with the ruamel.yaml C extension installed in the same venv. Prints each run, the medians
and the median ratio (check-jsonschema / guidelines; > 1 means guidelines is faster).

    python bench/validate.py [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
N_TASKS = 100
RULE_FILES = 1_900
INLINE_PER_TASK = 181  # 1,900 + 100 × 181 = 20,000 rules in 2,000 files
LABELS = ("product", "person", "packaging", "lifestyle", "detail", "group", "text", "other")


def task_id(t: int) -> str:
    return f"task-{t:03d}"


def rule_id(t: int, r: int) -> str:
    return f"T{t:03d}-{r:04d}"


def rule_body(t: int, r: int, indent: str = "") -> str:
    """One rule's fields as YAML lines (about 1 KB, like a real rule with examples)."""
    a, b = LABELS[r % len(LABELS)], LABELS[(r + 1) % len(LABELS)]
    lines = [
        f"id: {rule_id(t, r)}",
        f"title: Rule {r} of task {t} decides {a} against {b}",
        "status: active",
        f"labels: [{a}, {b}]",
        f"decision: {a}",
        "when: |",
        f"  The {a} and the {b} are both visible and the {a} takes up more of the frame",
        "  than anything else; lighting and focus make it the obvious subject.",
        "unless:",
        f"  - The {b} is the only thing in sharp focus.",
        "  - The photo is a collage of several products.",
        f"rationale: Buyers look for the {a}; the {b} is context that helps them picture it.",
        "examples:",
        f"  - input: assets/{rule_id(t, r).lower()}-a.jpg",
        f"    label: {a}",
        f"    why: the {a} fills the frame",
        f"  - {{input: 'A {a} on a table, {b} blurred behind it', label: {a}}}",
        "counterexamples:",
        f"  - input: assets/{rule_id(t, r).lower()}-b.jpg",
        f"    label: {b}",
        f"    why: the {a} is cut off at the frame edge",
        "ambiguous_cases:",
        f"  - case: A {a} reflected in a mirror",
        "    resolution: Judge the reflection as if it were the object",
        "    decided: 2026-10-02",
    ]
    if r > 0:
        lines.append(f"overrides: [{rule_id(t, r - 1)}]")
        lines.append(f"see_also: [{rule_id(t, 0)}]")
    lines.append("tags: [composition, generated]")
    return "".join(f"{indent}{line}\n" for line in lines)


def generate(root: Path) -> tuple[list[Path], list[Path]]:
    """Write the project; return (rule files, task files)."""
    (root / "guidelines.yaml").write_text("kind: project\nname: Bench\nguidelines: guidelines\n")
    rule_files, task_files = [], []
    per_task = RULE_FILES // N_TASKS
    for t in range(N_TASKS):
        folder = root / "guidelines" / task_id(t)
        (folder / "rules").mkdir(parents=True, exist_ok=True)
        labels = "".join(
            f"  - id: {label}\n    name: {label.title()}\n    definition: The {label} is the main subject.\n"
            for label in LABELS
        )
        inline = "".join(
            rule_body(t, per_task + i, indent="    ").replace("    id:", "  - id:", 1)
            for i in range(INLINE_PER_TASK)
        )
        task = folder / "task.yaml"
        task.write_text(
            f"kind: task\nid: {task_id(t)}\ntitle: Task {t}\nscale: nominal\nlabels:\n{labels}rules:\n{inline}"
        )
        task_files.append(task)
        for r in range(per_task):
            path = folder / "rules" / f"{rule_id(t, r)}.yaml"
            path.write_text(f"kind: rule\ntask: {task_id(t)}\n{rule_body(t, r)}")
            rule_files.append(path)
    return rule_files, task_files


def timed(commands: list[list[str]], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child processes) for running `commands` one by one."""
    start, cpu_start = time.perf_counter(), _children_cpu()
    for command in commands:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{command[:3]} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - start, _children_cpu() - cpu_start


def _children_cpu() -> float:
    # CPU time is steadier than wall time on a shared machine; both are printed
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-validate-"))
    try:
        rule_files, task_files = generate(root)
        size = sum(p.stat().st_size for p in rule_files + task_files)
        print(f"{len(rule_files) + len(task_files)} files, {RULE_FILES + N_TASKS * INLINE_PER_TASK} rules, {size / 1e6:.1f} MB")
        bindir = Path(sys.executable).parent
        ours = [[sys.executable, "-m", "guidelines_tool", "validate", "--project", str(root)]]
        peer = [
            [str(bindir / "check-jsonschema"), "--schemafile", str(REPO / "schemas" / f"{kind}.schema.json"),
             *[str(p) for p in files]]
            for kind, files in (("rule", rule_files), ("task", task_files))
        ]
        ours_runs, peer_runs = [], []
        for run in range(args.runs):
            # from the generated project, not this checkout: `python -m` would import the source
            # folder rather than the installed tool (whose package carries the schemas)
            ours_runs.append(timed(ours, root))
            peer_runs.append(timed(peer, REPO))
            print(
                f"run {run + 1}: guidelines validate {ours_runs[-1][0]:.2f} s (cpu {ours_runs[-1][1]:.2f} s)   "
                f"check-jsonschema {peer_runs[-1][0]:.2f} s (cpu {peer_runs[-1][1]:.2f} s)"
            )
        for label, index in (("wall", 0), ("cpu", 1)):
            ours_median = statistics.median(run[index] for run in ours_runs)
            peer_median = statistics.median(run[index] for run in peer_runs)
            print(
                f"median {label}: guidelines validate {ours_median:.2f} s (schema + lint + line:col), "
                f"check-jsonschema {peer_median:.2f} s (schema only); "
                f"ratio check-jsonschema / guidelines {peer_median / ours_median:.2f}x"
            )
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
