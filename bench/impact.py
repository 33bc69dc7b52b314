"""Speed of `impact`: 1M annotations and 500 rule revisions (target < 30 s, history warm).

Builds (once, in a temp folder, with one `git fast-import` stream) a guideline repository: one
task, six labels, 10 rules, 490 commits each revising one rule's `when` (with the 10 rules added
in the first commit: 500 meaningful revisions, each with its own adjacent windows), and a CSV of
1,000,000 annotations (3 per item, with `annotated_at` spread over the history and the governing
rule cited). Then times, as `guidelines impact` runs them: reading the annotations, reading the
history (warm cache), and `compute_impact` — for this build and for the peer, another build of
the tool (`--peer DIR`, a folder holding its `guidelines_tool` package, e.g. `git archive main`):
runs interleaved, each in its own process, medians of wall and CPU time, and the ratio.

    python bench/impact.py [--runs N] [--annotations N] [--revisions N] [--keep DIR] [--peer DIR] [--installed]

With --keep DIR the repository and CSV are built there once and reused by later runs with the
same sizes (the setup takes longer than the thing measured).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1]
TASK = "t"
LABELS = ("a", "b", "c", "d", "e", "f")
N_RULES = 10
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
STEP = timedelta(hours=12)
PHASES = ("read annotations", "read history (warm)", "compute_impact", "total")


def rule_text(k: int, version: int) -> str:
    pair = (LABELS[k % 6], LABELS[(k + 1 + k // 6) % 6])
    if pair[0] == pair[1]:
        pair = (pair[0], LABELS[(k + 2) % 6])
    return (f"kind: rule\nid: R-{k:03d}\ntask: {TASK}\ntitle: Rule {k}\nstatus: active\n"
            f"labels: [{pair[0]}, {pair[1]}]\ndecision: {pair[0]}\n"
            f"when: Condition {k}, wording {version}.\n")


def task_text() -> str:
    labels = "".join(f"  - {{id: {x}, name: {x.upper()}}}\n" for x in LABELS)
    return f"kind: task\nid: {TASK}\ntitle: T\nscale: nominal\nlabels:\n{labels}"


def build_repository(root: Path, revisions: int) -> list[datetime]:
    """One fast-import stream: the initial commit adds the task and every rule, then each commit
    rewords one rule. Returns the commit dates."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    chunks, dates = [], []

    def blob(path: str, text: str) -> str:
        data = text.encode()
        return f"M 100644 inline {path}\ndata {len(data)}\n{text}\n"

    versions = [0] * N_RULES
    for c in range(revisions + 1):
        when = START + c * STEP
        dates.append(when)
        stamp = f"{int(when.timestamp())} +0000"
        message = "initial" if c == 0 else f"reword R-{(c - 1) % N_RULES:03d}"
        chunks.append(f"commit refs/heads/main\nauthor Lead <l@x> {stamp}\ncommitter Lead <l@x> {stamp}\n"
                      f"data {len(message)}\n{message}\n")
        if c == 0:
            chunks.append(blob("guidelines.yaml", "kind: project\nname: Bench\n"))
            chunks.append(blob(f"guidelines/{TASK}/task.yaml", task_text()))
            for k in range(N_RULES):
                chunks.append(blob(f"guidelines/{TASK}/rules/R-{k:03d}.yaml", rule_text(k, 0)))
        else:
            k = (c - 1) % N_RULES
            versions[k] += 1
            chunks.append(blob(f"guidelines/{TASK}/rules/R-{k:03d}.yaml", rule_text(k, versions[k])))
        chunks.append("\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input="".join(chunks).encode(), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)
    return dates


def write_annotations(path: Path, n: int, dates: list[datetime], seed: int = 0) -> None:
    """n annotations, 3 per item; each item in one rule's scope (cited) or none."""
    sys.path.insert(0, str(HERE))
    from guidelines_tool import simulate

    rng = np.random.default_rng(seed)
    per_item = 3
    n_items = n // per_item
    scopes = tuple(simulate.Scope(f"R-{k:03d}", _pair_codes(k), 1.0) for k in range(N_RULES))
    period = simulate.Period(n_items, 0.1, {s.rule: 0.15 for s in scopes})
    batch = simulate.simulate_period(period, scopes, n_labels=6, annotators=20, per_item=per_item,
                                     rng=rng, cite_rate=0.9, governed_items=int(n_items * 0.8))
    span = (dates[-1] - dates[0]).total_seconds() + 12 * 3600
    offsets = np.repeat(rng.random(n_items) * span, per_item)
    times = (np.datetime64(dates[0].replace(tzinfo=None), "s") + offsets.astype("timedelta64[s]"))
    stamps = np.datetime_as_string(times, unit="s")
    labels = np.array(LABELS)[batch.value]
    rules = np.where(batch.cited >= 0, np.array([s.rule for s in scopes] + [""])[batch.cited], "")
    with path.open("w", encoding="utf-8") as handle:
        handle.write("item,annotator,label,annotated_at,rules\n")
        lines = [f"i{i},a{a},{lab},{t}Z,{r}\n" for i, a, lab, t, r in
                 zip(batch.item, batch.annotator, labels, stamps, rules)]
        handle.writelines(lines)


def _pair_codes(k: int) -> tuple[int, int]:
    text = rule_text(k, 0)
    pair = text.split("labels: [")[1].split("]")[0].split(", ")
    return LABELS.index(pair[0]), LABELS.index(pair[1])


def child(build: Path, data: Path) -> None:
    """One timed run with the build at `build` (its own process): JSON on stdout."""
    sys.path.insert(0, str(build))
    from guidelines_tool.annotations import read_annotations
    from guidelines_tool.history import read_history
    from guidelines_tool.impact import compute_impact
    try:  # project.py after the restructuring; loading.py in builds before it
        from guidelines_tool.project import load_project
    except ImportError:
        from guidelines_tool.loading import load_project

    root, csv_path = data / "repo", data / "annotations.csv"
    project = load_project(root)
    read_history(root)  # warm: the cache may be this build's to write

    def timed(fn, *args, **kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        return result, time.perf_counter() - started, time.process_time() - cpu

    table, *t_read = timed(read_annotations, [csv_path], project=project)
    history, *t_hist = timed(read_history, root)
    report, *t_impact = timed(compute_impact, project, history, table)
    verdicts: dict[str, int] = {}
    for r in report.revisions:
        verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
    parts = [t_read, t_hist, t_impact]
    out = {"wall": [p[0] for p in parts] + [sum(p[0] for p in parts)],
           "cpu": [p[1] for p in parts] + [sum(p[1] for p in parts)],
           "annotations": len(table), "revisions": len(report.revisions), "verdicts": verdicts}
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--revisions", type=int, default=490, help="commits after the first")
    parser.add_argument("--keep", type=Path, help="build the data in this folder once and reuse it")
    parser.add_argument("--peer", type=Path, help="another build (a folder holding guidelines_tool/) to time beside")
    parser.add_argument("--installed", action="store_true",
                        help="time the guidelines_tool installed in this Python (e.g. a venv built with `pip install .`) "
                             "instead of this checkout")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data)
        return
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep / f"{args.revisions}x{args.annotations}" if args.keep else Path(scratch)
        root, csv_path = tmp / "repo", tmp / "annotations.csv"
        setup = time.perf_counter()
        if not csv_path.exists():
            shutil.rmtree(root, ignore_errors=True)  # an interrupted earlier build
            tmp.mkdir(parents=True, exist_ok=True)
            dates = build_repository(root, args.revisions)
            write_annotations(csv_path.with_suffix(".part"), args.annotations, dates)
            csv_path.with_suffix(".part").rename(csv_path)  # complete data only is reused
        print(f"setup (not timed): {args.revisions + 1} commits, {args.annotations:,} annotations, "
              f"{time.perf_counter() - setup:.1f} s")
        this = Path(importlib.util.find_spec("guidelines_tool").origin).parents[1] if args.installed else HERE
        builds = {"this build": this} | ({"peer": args.peer.resolve()} if args.peer else {})
        results: dict[str, list[dict]] = {name: [] for name in builds}
        for run in range(args.runs):
            order = list(builds.items()) if run % 2 == 0 else list(builds.items())[::-1]
            for name, path in order:  # interleaved, so both see the same machine load
                out = subprocess.run([sys.executable, __file__, "--child", str(path), "--data", str(tmp)],
                                     capture_output=True, text=True, check=True).stdout
                results[name].append(json.loads(out.strip().splitlines()[-1]))
        for name, runs in results.items():
            first = runs[0]
            print(f"{name} ({builds[name]}): {first['annotations']:,} annotations, {first['revisions']} revisions "
                  f"analysed {first['verdicts']}")
            for k, phase in enumerate(PHASES):
                wall = [r["wall"][k] for r in runs]
                cpu = [r["cpu"][k] for r in runs]
                print(f"  {phase:22} median {statistics.median(wall):6.2f} s wall {statistics.median(cpu):6.2f} s CPU"
                      f"   runs {', '.join(f'{v:.2f}' for v in wall)}")
        ours = statistics.median(r["wall"][3] for r in results["this build"])
        if "peer" in results:
            theirs = statistics.median(r["wall"][3] for r in results["peer"])
            cpu_ours = statistics.median(r["cpu"][3] for r in results["this build"])
            cpu_theirs = statistics.median(r["cpu"][3] for r in results["peer"])
            print(f"this build / peer: total {ours / theirs:.2f} wall, {cpu_ours / cpu_theirs:.2f} CPU")
        cpu = statistics.median(r["cpu"][3] for r in results["this build"])
        print(f"target < 30 s: {'met' if ours < 30 else 'NOT met'} ({ours:.1f} s wall, {ours / 30:.2f} of the budget; "
              f"{cpu:.1f} s CPU; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: on a busy machine "
              "the wall time includes waiting for a core)")


if __name__ == "__main__":
    main()
