"""Agreement benchmark (issue 4): guidelines_tool vs the peers, side by side in one run.

Datasets (generated, seeded):
  A  333,333 items × 3 annotators × 5 labels, complete (≈1M annotations)
  B  100,000 items × 5 annotators × 10 labels, 20 % of judgements missing

Measured (medians of several runs):
  1. whole run from a CSV file: `guidelines agreement A.csv` (all coefficients, 2,000-resample
     bootstrap CIs) vs a script reading the same CSV with pyarrow and calling krippendorff.alpha
     (no CI);
  2. the coefficient alone on prepared arrays: our α vs krippendorff.alpha, irrCAC (if
     installed), our Fleiss vs statsmodels fleiss_kappa, our Cohen vs sklearn cohen_kappa_score;
  3. a 1,000-resample bootstrap of α on B: pattern-grouped vs naive recomputation (naive timed
     on a few resamples and scaled up, stated as such).

Run: /work/venv/bin/python bench/agreement.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from guidelines_tool import agreement as ag  # noqa: E402


def make(n_items: int, n_annotators: int, q: int, missing: float, seed: int):
    """Items with a true label; each annotator agrees with it 70 % of the time."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n_items)
    item = np.repeat(np.arange(n_items), n_annotators)
    annotator = np.tile(np.arange(n_annotators), n_items)
    value = np.where(rng.random(item.size) < 0.7, truth[item], rng.integers(0, q, item.size))
    keep = rng.random(item.size) >= missing
    return item[keep], annotator[keep], value[keep]


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def line(label: str, ours: float, peer: float | None, peer_name: str) -> None:
    if peer is None:
        print(f"  {label:<46} ours {ours:8.3f} s   {peer_name}: skipped")
    else:
        print(f"  {label:<46} ours {ours:8.3f} s   {peer_name} {peer:8.3f} s   "
              f"ratio {peer / ours:6.1f}x")


PEER_SCRIPT = """
import sys, numpy as np, pyarrow.csv as pacsv, pyarrow.compute as pc, krippendorff
t = pacsv.read_csv(sys.argv[1])
item = pc.dictionary_encode(t['item']).combine_chunks().indices.to_numpy()
ann = pc.dictionary_encode(t['annotator']).combine_chunks().indices.to_numpy()
lab = pc.dictionary_encode(t['label']).combine_chunks().indices.to_numpy()
m = np.full((ann.max() + 1, item.max() + 1), np.nan)
m[ann, item] = lab
print(krippendorff.alpha(reliability_data=m, level_of_measurement='nominal'))
"""


def whole_run(tmp: Path, data, runs: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    item, annotator, value = data
    labels = np.array([f"label{k}" for k in range(5)])
    table = pa.table({"item": [f"i{i}" for i in item.tolist()],
                      "annotator": [f"a{a}" for a in annotator.tolist()],
                      "label": labels[value]})
    path = tmp / "A.csv"
    pacsv.write_csv(table, path)
    peer = tmp / "peer.py"
    peer.write_text(PEER_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # an installed package has its bytecode compiled; this shell forbids writing it, which
    # would charge the tool (not the one-file peer) ~0.1 s of compiling on every run
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    ours_cmd = [sys.executable, "-m", "guidelines_tool", "agreement", str(path),
                "--format", "json", "--bootstrap", "2000", "--seed", "1"]
    peer_cmd = [sys.executable, str(peer), str(path)]

    def run(cmd) -> tuple[float, float]:
        """Wall and CPU seconds (all threads) of one run."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{cmd[1:4]} failed:\n{done.stderr}")
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    # alternate the two so that load from other processes hits both alike
    ours_runs, peer_runs = [], []
    for _ in range(runs):
        ours_runs.append(run(ours_cmd))
        peer_runs.append(run(peer_cmd))
    ours = statistics.median(w for w, _ in ours_runs)
    theirs = statistics.median(w for w, _ in peer_runs)
    ours_cpu = statistics.median(c for _, c in ours_runs)
    peer_cpu = statistics.median(c for _, c in peer_runs)
    print(f"1. whole run from CSV ({item.size:,} annotations, median of {runs})")
    line("guidelines agreement (7 coeffs + 2000-boot CIs)", ours, theirs,
         "pyarrow+krippendorff (α, no CI)")
    line("  same, CPU seconds (less sensitive to load)", ours_cpu, peer_cpu, "peer CPU")
    t0 = median_time(lambda: pacsv.read_csv(path), runs)
    print(f"  {'floor: pyarrow.csv.read_csv alone':<46} {t0:8.3f} s")


def coefficient_alone(data_a, data_b, runs: int) -> None:
    import krippendorff

    print(f"2. coefficient alone (median of {runs})")
    for name, (item, annotator, value), q in (("A", data_a, 5), ("B", data_b, 10)):
        r = ag.Ratings(item, annotator, value, tuple(range(q)))
        matrix = np.full((r.n_annotators, r.n_items), np.nan)
        matrix[annotator, item] = value

        def ours(metric):
            def go():
                fresh = ag.Ratings(item, annotator, value, tuple(range(q)))  # no cached counts
                ag.krippendorff_alpha(fresh, metric)
            return go

        for metric in ("nominal", "ordinal"):
            mine = median_time(ours(metric), runs)
            peer = median_time(lambda: krippendorff.alpha(
                reliability_data=matrix, level_of_measurement=metric), max(1, runs // 2))
            line(f"α {metric}, dataset {name}", mine, peer, "krippendorff")
        try:
            import pandas as pd
            from irrCAC.raw import CAC
        except ImportError:
            line(f"α nominal, dataset {name}", median_time(ours("nominal"), runs), None,
                 "irrCAC (not installable here: pins scipy==1.12/numpy<2)")
        else:
            frame = pd.DataFrame(matrix.T)
            peer = median_time(lambda: CAC(frame).krippendorff(), 1)
            line(f"α nominal, dataset {name}", median_time(ours("nominal"), runs), peer, "irrCAC")
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import fleiss_kappa

    item, annotator, value = data_a
    r = ag.Ratings(item, annotator, value, tuple(range(5)))
    counts = r.counts
    mine = median_time(lambda: ag.fleiss_kappa(ag.Ratings(item, annotator, value,
                                                          tuple(range(5)))), runs)
    line("Fleiss κ, dataset A (ours from raw ratings)", mine,
         median_time(lambda: fleiss_kappa(counts), runs), "statsmodels (given counts)")
    two = annotator < 2
    r2 = (item[two], annotator[two], value[two])
    a_vals, b_vals = value[two][annotator[two] == 0], value[two][annotator[two] == 1]
    mine = median_time(lambda: ag.cohen_kappa(ag.Ratings(*r2, tuple(range(5)))), runs)
    line("Cohen κ, 2 annotators of A", mine,
         median_time(lambda: cohen_kappa_score(a_vals, b_vals), runs), "sklearn")
    mine = median_time(lambda: ag.cohen_kappa(ag.Ratings(*r2, tuple(range(5))), "quadratic"),
                       runs)
    line("Cohen κ quadratic, 2 annotators of A", mine, median_time(
        lambda: cohen_kappa_score(a_vals, b_vals, weights="quadratic"), runs), "sklearn")


def bootstrap(data_b, runs: int, naive_samples: int) -> None:
    item, annotator, value = data_b
    r = ag.Ratings(item, annotator, value, tuple(range(10)))
    print(f"3. 1,000-resample bootstrap of α on dataset B ({r.n_items:,} items, median of {runs})")

    def ours():
        fresh = ag.Ratings(item, annotator, value, tuple(range(10)))
        ag.alpha_bootstrap(fresh, "nominal", 1000, np.random.default_rng(0))

    mine = median_time(ours, runs)
    rng = np.random.default_rng(0)
    order = np.argsort(item, kind="stable")
    starts = np.searchsorted(item[order], np.arange(r.n_items))
    sizes = np.bincount(item, minlength=r.n_items)

    def naive_once():
        chosen = rng.integers(0, r.n_items, r.n_items)
        rows = np.concatenate([order[starts[i]:starts[i] + sizes[i]] for i in chosen])
        new_item = np.repeat(np.arange(r.n_items), sizes[chosen])
        ag.krippendorff_alpha(ag.Ratings(new_item, annotator[rows], value[rows],
                                         tuple(range(10))), "nominal")

    per = median_time(naive_once, naive_samples)
    line("pattern bootstrap vs naive (naive ×1000 est.)", mine, per * 1000,
         f"naive recompute ({naive_samples} timed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    data_a = make(333_333, 3, 5, 0.0, seed=1)
    data_b = make(100_000, 5, 10, 0.2, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        whole_run(Path(tmp), data_a, runs)
    coefficient_alone(data_a, data_b, runs)
    bootstrap(data_b, runs, naive_samples=3)


if __name__ == "__main__":
    main()
