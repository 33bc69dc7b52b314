"""Speed of `impact`: 1M annotations and 500 rule revisions (target < 30 s, history warm).

Builds (once, in a temp folder, with one `git fast-import` stream) a guideline repository: one
task, six labels, 50 rules, 500 commits each revising one rule's `when` (with the 10 rules
added in the first commit: 500 meaningful revisions, each with its own adjacent windows), and a CSV of 1,000,000 annotations (3 per item,
with `annotated_at` spread over the history and the governing rule cited). Then times, as
`guidelines impact` runs them: reading the annotations, reading the history (warm cache), and
`compute_impact` — median wall and CPU time of the runs, plus the bootstrap's share; then one
run of `compute_impact` with numpy's multinomial as the bootstrap sampler (the peer).

    /work/venv/bin/python bench/impact.py [--runs N] [--annotations N] [--revisions N] [--keep DIR]

With --keep DIR the repository and CSV are built there once and reused by later runs with the
same sizes (the setup takes longer than the thing measured).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from guidelines_tool import agreement, impact, simulate  # noqa: E402
from guidelines_tool.agreement import bootstrap  # noqa: E402
from guidelines_tool.annotations import read_annotations  # noqa: E402
from guidelines_tool.history import read_history  # noqa: E402
from guidelines_tool.project import load_project  # noqa: E402

TASK = "t"
LABELS = ("a", "b", "c", "d", "e", "f")
N_RULES = 10
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
STEP = timedelta(hours=12)


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


def timed(fn, *args, **kwargs):
    """fn's result, wall time and CPU time (the machine is shared: wall time includes waiting)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started, time.process_time() - cpu


def numpy_multinomial(freq: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """The peer sampler: numpy's multinomial over the rating patterns (one binomial a pattern)."""
    total = int(freq.sum())
    if total == 0 or freq.size == 0:
        return np.zeros((n, freq.size), dtype=np.int64)
    return rng.multinomial(total, freq / total, size=n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--revisions", type=int, default=490, help="commits after the first")
    parser.add_argument("--bootstrap", type=int, default=None,
                        help="resamples (default: the project policy's, 2000)")
    parser.add_argument("--keep", type=Path, help="build the data in this folder once and reuse it")
    parser.add_argument("--no-peer", action="store_true",
                        help="skip the run with numpy's multinomial as the bootstrap sampler")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep / f"{args.revisions}x{args.annotations}" if args.keep else Path(scratch)
        root = tmp / "repo"
        csv_path = tmp / "annotations.csv"
        setup = time.perf_counter()
        if not csv_path.exists():
            shutil.rmtree(root, ignore_errors=True)  # an interrupted earlier build
            dates = build_repository(root, args.revisions)
            write_annotations(csv_path.with_suffix(".part"), args.annotations, dates)
            csv_path.with_suffix(".part").rename(csv_path)  # complete data only is reused
        project = load_project(root)
        read_history(root)  # warm the history cache, as a second `guidelines impact` run would be
        print(f"setup (not timed): {args.revisions + 1} commits, {args.annotations:,} annotations, "
              f"{time.perf_counter() - setup:.1f} s")
        names = ("read annotations", "read history (warm)", "compute_impact", "total")
        wall: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        boot = []
        for _ in range(args.runs):
            table, *t_read = timed(read_annotations, [csv_path], project=project)
            history, *t_hist = timed(read_history, root)
            calls = _count_bootstrap()
            report, *t_impact = timed(impact.compute_impact, project, history, table, bootstrap=args.bootstrap)
            boot.append(calls.stop())
            for k, times in enumerate((wall, cpu)):
                parts = (t_read[k], t_hist[k], t_impact[k])
                for name, value in zip(names, (*parts, sum(parts))):
                    times[name].append(value)
        n_rev = len(report.revisions)
        verdicts = {v: sum(r.verdict == v for r in report.revisions) for v in
                    ("improved", "regressed", "no_clear_change", "insufficient_data")}
        print(f"{len(table):,} annotations, {n_rev} revisions analysed ({verdicts}), "
              f"unresolved {report.unresolved_count}, bootstrap {args.bootstrap or project.policy_for(TASK).bootstrap} resamples")
        for name in names:
            print(f"  {name:22} median {statistics.median(wall[name]):6.2f} s wall "
                  f"{statistics.median(cpu[name]):6.2f} s CPU   runs {', '.join(f'{v:.2f}' for v in wall[name])}")
        total = statistics.median(wall["total"])
        print(f"  of compute_impact, alpha_bootstrap: median {statistics.median(boot):.2f} s wall")
        if not args.no_peer:
            # the same compute with numpy's multinomial drawing the replicates (one run)
            # patched where alpha_bootstrap looks it up: its own module
            original, bootstrap.resample = bootstrap.resample, numpy_multinomial
            try:
                _, peer_wall, peer_cpu = timed(impact.compute_impact, project, history, table,
                                               bootstrap=args.bootstrap)
            finally:
                bootstrap.resample = original
            ours = statistics.median(wall["compute_impact"]), statistics.median(cpu["compute_impact"])
            print(f"  peer: compute_impact with numpy's multinomial sampler {peer_wall:.2f} s wall "
                  f"{peer_cpu:.2f} s CPU; ours/peer {ours[0] / peer_wall:.2f} wall, {ours[1] / peer_cpu:.2f} CPU")
        print(f"target < 30 s: {'met' if total < 30 else 'NOT met'} ({total:.1f} s, {total / 30:.2f} of the budget)")


class _count_bootstrap:
    """Time spent inside agreement.alpha_bootstrap while it is installed."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.original = agreement.alpha_bootstrap

        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return self.original(*a, **k)
            finally:
                self.spent += time.perf_counter() - started

        agreement.alpha_bootstrap = wrapper

    def stop(self) -> float:
        agreement.alpha_bootstrap = self.original
        return self.spent


if __name__ == "__main__":
    main()
