"""Benchmark: `guidelines validate` against check-jsonschema and against the parse+schema floor.

Everything runs in one virtualenv built from pyproject.toml's declared dependencies only (under
bench/out/, made on first use), with this checkout installed into it (`pip install --no-deps`,
as a user gets it) and the peers beside it: check-jsonschema, and PyYAML for the floor. The
fast paths active in that environment are printed first. Two projects, each timed side by side,
in alternation, the whole process:

1. 2,000 files holding 20,000 rules (1,900 rule files, one rule each, and 100 task files with 181
   rules each written inline under `rules:`):

     guidelines validate                 schema + semantic lint + line:col, every file
     check-jsonschema --schemafile ...   schema only, no line numbers: rule files against
                                         rule.schema.json, task files against task.schema.json

   ratio check-jsonschema / guidelines (> 1: guidelines is faster).

2. 5,000 single-rule files (per-file overhead: start-up, reading, project assembly, lint):

     guidelines validate
     floor                               PyYAML's C loader + jsonschema-rs, schema only: the
                                         least any YAML + JSON Schema check can take

   ratio guidelines / floor (target: at most 2).

    python3 bench/validate.py [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import tomllib
import venv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / "bench" / "out" / "validate-venv"
PEERS = ("check-jsonschema", "pyyaml")
SINGLE_FILES = 5_000
FLOOR = """
import sys, yaml, json, jsonschema_rs
from pathlib import Path
class Loader(yaml.CSafeLoader): pass
Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_str)  # schemas say string
schemas = Path(sys.argv[1])
check = {k: jsonschema_rs.validator_for(json.loads((schemas / f"{k}.schema.json").read_text())) for k in ("rule", "task", "project")}
bad = 0
for path in sorted(Path(sys.argv[2]).rglob("*.yaml")):
    with open(path, "rb") as handle:
        data = yaml.load(handle, Loader=Loader)
    bad += not check[data.get("kind", "rule")].is_valid(data)
sys.exit(1 if bad else 0)
"""
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
        f"  - input: Photo {rule_id(t, r).lower()}-a, the {a} on a white background",
        f"    label: {a}",
        f"    why: the {a} fills the frame",
        f"  - {{input: 'A {a} on a table, {b} blurred behind it', label: {a}}}",
        "counterexamples:",
        f"  - input: Photo {rule_id(t, r).lower()}-b, the {b} in front",
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
    root.mkdir(parents=True, exist_ok=True)
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


def declared_venv() -> Path:
    """A virtualenv with the declared dependencies, the peers, and this checkout; its python."""
    python = VENV / "bin" / "python"
    if not python.exists():
        deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
        print(f"making {VENV}: the declared dependencies ({len(deps)}) and the peers {', '.join(PEERS)} ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *deps, *PEERS], check=True)
    # this checkout as installed (not editable), fresh each time: the bench measures this tree
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(REPO)], check=True)
    return python


def generate_single(root: Path, count: int = SINGLE_FILES) -> None:
    """`count` rule files of one rule each, in ten tasks."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "guidelines.yaml").write_text("kind: project\nname: Bench\nguidelines: guidelines\n")
    labels = "".join(f"  - id: {label}\n    name: {label.title()}\n" for label in LABELS)
    for t in range(10):
        folder = root / "guidelines" / task_id(t)
        (folder / "rules").mkdir(parents=True, exist_ok=True)
        (folder / "task.yaml").write_text(f"kind: task\nid: {task_id(t)}\ntitle: Task {t}\nlabels:\n{labels}")
        for r in range(count // 10):
            (folder / "rules" / f"{rule_id(t, r)}.yaml").write_text(f"kind: rule\ntask: {task_id(t)}\n{rule_body(t, r)}")


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
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    python = declared_venv()
    bindir = python.parent
    paths = subprocess.run([str(python), "-c", "from guidelines_tool.validation import fast_paths; print(fast_paths())"],
                           capture_output=True, text=True, check=True, cwd=VENV).stdout.strip()  # not the source folder
    print(f"environment: {VENV.relative_to(REPO)} (declared dependencies + {', '.join(PEERS)}); fast paths: {paths}")
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-validate-"))
    try:
        big, single = root / "big", root / "single"
        rule_files, task_files = generate(big)
        size = sum(p.stat().st_size for p in rule_files + task_files)
        generate_single(single)
        schemas = REPO / "schemas"
        tool = [str(bindir / "guidelines"), "validate"]
        peer = [
            [str(bindir / "check-jsonschema"), "--schemafile", str(schemas / f"{kind}.schema.json"), *[str(p) for p in files]]
            for kind, files in (("rule", rule_files), ("task", task_files))
        ]
        floor = [[str(python), "-c", FLOOR, str(schemas), str(single / "guidelines")]]
        print(f"\n1. {len(rule_files) + len(task_files)} files, {RULE_FILES + N_TASKS * INLINE_PER_TASK} rules, {size / 1e6:.1f} MB")
        compare(("guidelines validate", [tool], big), ("check-jsonschema", peer, REPO), args.runs, peer_over_ours=True)
        print(f"\n2. {SINGLE_FILES:,} single-rule files")
        compare(("guidelines validate", [tool], single), ("floor (PyYAML C + jsonschema-rs)", floor, REPO), args.runs, peer_over_ours=False)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def compare(ours: tuple, peer: tuple, runs: int, *, peer_over_ours: bool) -> None:
    """Run both `runs` times, alternating which goes first; print each run, the medians, the ratio."""
    results: dict[str, list] = {ours[0]: [], peer[0]: []}
    for run in range(runs):
        order = (ours, peer) if run % 2 == 0 else (peer, ours)
        for name, commands, cwd in order:
            results[name].append(timed(commands, cwd))
        print(f"  run {run + 1}: " + "   ".join(f"{name} {r[-1][0]:.2f} s (cpu {r[-1][1]:.2f} s)" for name, r in results.items()))
    for label, index in (("wall", 0), ("cpu", 1)):
        mine = statistics.median(r[index] for r in results[ours[0]])
        theirs = statistics.median(r[index] for r in results[peer[0]])
        ratio = f"{peer[0]} / guidelines {theirs / mine:.2f}x" if peer_over_ours else f"guidelines / {peer[0]} {mine / theirs:.2f}x (target <= 2)"
        print(f"  median {label}: {ours[0]} {mine:.2f} s, {peer[0]} {theirs:.2f} s; ratio {ratio}")


if __name__ == "__main__":
    main()
