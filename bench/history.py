"""Benchmark: rule history on a generated repository vs `git log -p` over the same range.

    python3 -m venv /tmp/hb && /tmp/hb/bin/pip install .        # the build to measure, as a user installs it
    /tmp/hb/bin/python bench/history.py [--rules 2000] [--commits 5000] [--runs 3] [--phases]
                                        [--layouts mixed|flow] [--before-python PY]

The tool measured is the one installed in the virtualenv of the Python that runs this script
(built from the declared dependencies only: the figures are a user's), never this checkout
(the Python commands run in the generated repository, so the checkout is not on sys.path).

Generates (once, cached under /tmp) a guideline repository of N rule files and M commits made
of edits, renames, moves between files (into and out of task files' inline `rules:`) and
merged side branches, built with one `git fast-import` stream. The rule files come in the
three layouts real projects have (`rule_yaml`); `--layouts flow` writes them all in the
plainest one, as this bench did before (its figures are not comparable with mixed ones). Then prints the median wall
and CPU time of, side by side (interleaved: one run of each per round):

- `git log -p` over the branch (the peer), and `git log -p --first-parent -M`;
- building the whole history, cold (no cache) and warm (cache present), each a fresh process;
- `guidelines log RULE` for one rule (warm cache, fresh process, the way a user runs it).

With `--before-python PY` (the Python of another virtualenv, e.g. one with `main` installed),
the same three measures of that build run in the same rounds, and a second table compares
the two builds (this one / before).

Targets (issue 16): cold full history <= 3x `git log -p` (wall); warm <= 0.5 s.

Python processes run with their bytecode cached (under /tmp), as an installed wheel's are:
with PYTHONDONTWRITEBYTECODE set every run would compile the tool's modules again (~50 ms).
Each command runs once before the measured rounds (compiles that cache, warms the disk cache).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
WORDS = (
    "product person focus frame blurred sharp handbag model mannequin label background shadow "
    "partial visible edge center crop logo packaging text scene outdoor studio reflection"
).split()


def sentence(rng: random.Random, n: int = 10) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


LAYOUTS = ("flow", "template", "block")


def rule_yaml(rule_id: str, task: str, rng: random.Random, layout: str = "flow") -> str:
    """One rule file in one of the layouts real projects have (each a third of the rules):

    - flow: one line per field, flow-mapping examples (what `fmt` keeps as it is);
    - template: what `guidelines new-rule` writes: a schema modeline, trailing comments;
    - block: the sample project's hand-written style: block-mapping examples, block
      sequences of quoted strings, a folded rationale.
    """
    title, when = sentence(rng, 5), [sentence(rng, 14), sentence(rng, 12)]
    decision = rng.choice(["product", "person"])
    unless, rationale = sentence(rng, 6), sentence(rng, 12)
    examples = [(sentence(rng, 6), "product", sentence(rng, 4)), (sentence(rng, 6), "person", sentence(rng, 4))]
    counter = [(sentence(rng, 6), "person", sentence(rng, 4))]
    head = [f"id: {rule_id}", f"task: {task}", f"title: {title}"]
    if layout == "block":
        lines = ["# yaml-language-server: $schema=../../../schemas/rule.schema.json", "kind: rule", *head,
                 "status: active", "labels: [product, person]", f"decision: {decision}",
                 "when: |", *(f"  {w}" for w in when), "unless:", f'  - "{unless}"',
                 "rationale: >-", f"  {rationale}", "examples:"]
        for name, items in (("examples", examples), ("counterexamples", counter)):
            if name == "counterexamples":
                lines.append("counterexamples:")
            for text, label, why in items:
                lines += [f'  - input: "{text}"', f"    label: {label}", f"    why: {why}"]
        lines.append("tags: [composition]")
    else:
        comment = (lambda text: f"  # {text}") if layout == "template" else (lambda text: "")
        lines = (["# yaml-language-server: $schema=../../../schemas/rule.schema.json"] if layout == "template" else [])
        lines += ["kind: rule", *head, "status: active" + comment("draft until reviewed, then active"),
                  "labels: [product, person]" + comment("the labels this rule decides between"),
                  f"decision: {decision}" + comment("the label it assigns when it applies"),
                  "when: |", *(f"  {w}" for w in when),
                  f'unless: ["{unless}"]' + comment("look-alikes where it does not apply"),
                  f"rationale: {rationale}", "examples:"]
        lines += [f'  - {{input: "{t}", label: {lab}, why: "{w}"}}' for t, lab, w in examples]
        lines.append("counterexamples:" + comment("near misses: look similar, get another label"))
        lines += [f'  - {{input: "{t}", label: {lab}, why: "{w}"}}' for t, lab, w in counter]
        lines.append("tags: [composition]")
    return "\n".join(lines) + "\n"


def inline_rule(text: str) -> str:
    """A rule file's text as an item of a task file's `rules:` list (same content)."""
    lines = [line for line in text.splitlines() if line != "kind: rule" and not line.startswith("#")]
    return "\n".join(["  - " + lines[0]] + ["    " + line for line in lines[1:]]) + "\n"


def task_yaml(task: str, inline: list[str]) -> str:
    head = (
        f"kind: task\nid: {task}\ntitle: Task {task}\nscale: nominal\nlabels:\n"
        "  - {id: product, name: Product, definition: The item being sold.}\n"
        "  - {id: person, name: Person, definition: A person is the subject.}\n"
    )
    return head + ("rules:\n" + "".join(inline) if inline else "")


class Generator:
    """Keeps the file state of main and writes a fast-import stream."""

    def __init__(self, n_rules: int, n_commits: int, seed: int = 7, mixed: bool = True) -> None:
        self.rng = random.Random(seed)
        self.n_rules, self.n_commits = n_rules, n_commits
        self.tasks = [f"task-{i:02d}" for i in range(20)]
        self.rule_task = {f"R-{i:04d}": self.tasks[i % len(self.tasks)] for i in range(n_rules)}
        self.rule_text = {rid: rule_yaml(rid, task, self.rng, LAYOUTS[i % len(LAYOUTS)] if mixed else "flow")
                          for i, (rid, task) in enumerate(self.rule_task.items())}
        self.rule_path = {rid: f"guidelines/{task}/rules/{rid.lower()}.yaml" for rid, task in self.rule_task.items()}
        self.inline: dict[str, list[str]] = {task: [] for task in self.tasks}  # task → inline rule ids
        self.out: list[bytes] = []
        self.mark = 0
        self.commits = 0
        self.when = 1_767_225_600  # 2026-01-01

    def blob_ops(self, files: dict[str, str | None]) -> list[bytes]:
        ops = []
        for path, text in sorted(files.items()):
            if text is None:
                ops.append(f"D {path}\n".encode())
            else:
                data = text.encode()
                ops.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        return ops

    def commit(self, ref: str, message: str, files: dict[str, str | None], parent: int | None, merge: int | None = None) -> int:
        self.mark += 1
        self.commits += 1
        self.when += 600
        msg = message.encode()
        head = f"commit {ref}\nmark :{self.mark}\ncommitter Bench <bench@example.com> {self.when} +0000\ndata {len(msg)}\n".encode() + msg + b"\n"
        if parent is not None:
            head += f"from :{parent}\n".encode()
        if merge is not None:
            head += f"merge :{merge}\n".encode()
        self.out.append(head + b"".join(self.blob_ops(files)) + b"\n")
        return self.mark

    def task_file(self, task: str) -> str:
        inline = [inline_rule(self.rule_text[rid]) for rid in self.inline[task]]
        return task_yaml(task, inline)

    def edit(self, rid: str) -> dict[str, str | None]:
        """Change one field of a rule (wording mostly, sometimes when/decision)."""
        text = self.rule_text[rid]
        lines = text.splitlines()
        kind = self.rng.random()
        for i, line in enumerate(lines):
            if kind < 0.5 and line.startswith("rationale:"):
                if line == "rationale: >-":  # folded: its text is on the next line
                    lines[i + 1] = f"  {sentence(self.rng, 12)}"
                else:
                    lines[i] = f"rationale: {sentence(self.rng, 12)}"
                break
            if 0.5 <= kind < 0.85 and line.startswith("  ") and i > 0 and lines[i - 1] == "when: |":
                lines[i] = f"  {sentence(self.rng, 14)}"
                break
            if kind >= 0.85 and line.startswith("decision:"):
                lines[i] = line.replace("product", "person") if "product" in line else line.replace("person", "product")
                break
        self.rule_text[rid] = "\n".join(lines) + "\n"
        return self.write_rule(rid)

    def write_rule(self, rid: str) -> dict[str, str | None]:
        task = self.rule_task[rid]
        if rid in self.inline[task]:
            return {f"guidelines/{task}/task.yaml": self.task_file(task)}
        return {self.rule_path[rid]: self.rule_text[rid]}

    def step(self) -> tuple[str, dict[str, str | None]]:
        """One main-line change: edit (80 %), rename (10 %), move inline / out (10 %)."""
        rid = self.rng.choice(list(self.rule_task))
        task = self.rule_task[rid]
        roll = self.rng.random()
        if roll < 0.8:
            files = self.edit(rid)
            if self.rng.random() < 0.3:
                files |= self.edit(self.rng.choice(list(self.rule_task)))
            return f"Edit {rid}", files
        if roll < 0.9 and rid not in self.inline[task]:
            old = self.rule_path[rid]
            self.rule_path[rid] = f"guidelines/{task}/rules/{rid.lower()}-v{self.rng.randrange(10**6)}.yaml"
            return f"Rename {rid}", {old: None, self.rule_path[rid]: self.rule_text[rid]}
        if rid in self.inline[task] or len(self.inline[task]) >= 3:
            # Task files hold "a small list" of rules inline (DESIGN.md): split one back out.
            rid = rid if rid in self.inline[task] else self.inline[task][0]
            self.inline[task].remove(rid)
            return f"Split {rid} out of {task}", {
                f"guidelines/{task}/task.yaml": self.task_file(task),
                self.rule_path[rid]: self.rule_text[rid],
            }
        self.inline[task].append(rid)
        return f"Move {rid} inline into {task}", {
            self.rule_path[rid]: None,
            f"guidelines/{task}/task.yaml": self.task_file(task),
        }

    def stream(self) -> bytes:
        files: dict[str, str | None] = {"guidelines.yaml": "kind: project\nname: Bench\nbranch: main\n"}
        files |= {f"guidelines/{task}/task.yaml": self.task_file(task) for task in self.tasks}
        files |= {self.rule_path[rid]: text for rid, text in self.rule_text.items()}
        tip = self.commit("refs/heads/main", "Initial guidelines", files, None)
        while self.commits < self.n_commits:
            if self.rng.random() < 0.04 and self.n_commits - self.commits > 5:
                # A side branch of 3 commits, merged with --no-ff: the merge carries its changes.
                side, merged = tip, {}
                for _ in range(3):
                    message, change = self.step()
                    merged |= change
                    side = self.commit("refs/heads/side", message, change, side)
                tip = self.commit("refs/heads/main", "Merge branch 'side'", merged, tip, merge=side)
            else:
                message, change = self.step()
                tip = self.commit("refs/heads/main", message, change, tip)
        return b"".join(self.out)


def build_repo(path: Path, n_rules: int, n_commits: int, mixed: bool = True) -> None:
    if (path / ".git" / "bench-complete").exists():
        return
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    data = Generator(n_rules, n_commits, mixed=mixed).stream()
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=data, check=True)
    subprocess.run(["git", "branch", "-D", "side"], cwd=path, check=False, capture_output=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    (path / ".git" / "bench-complete").write_text("ok\n")


def run_once(args: list[str], cwd: Path, before=None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of the child and of the git processes it waited for)."""
    if before:
        before()
    start, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime


def interleaved(commands: dict[str, tuple], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time of each command, run in rounds (one of each per round).

    On a shared machine the load changes by the second: rounds put every measure and its
    peer under the same conditions, where running each measure's repeats back to back
    would compare one minute's load with the next's.
    """
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for command in commands.values():  # unmeasured: bytecode and disk caches
        run_once(*command)
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(run_once(*command))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layouts", choices=["mixed", "flow"], default="mixed",
                        help="rule files in the three layouts real projects have (default), or all in flow style")
    parser.add_argument("--phases", action="store_true", help="also show where a cold run's CPU time goes")
    parser.add_argument("--before-python", help="the Python of another install of the tool, measured in the same rounds")
    args = parser.parse_args()
    os.environ.pop("PYTHONPATH", None)  # the installed tool, not a checkout
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = "/tmp/guidelines-bench-pycache"
    mixed = args.layouts == "mixed"
    repo = Path(f"/tmp/guidelines-bench-history-{args.rules}-{args.commits}{'-mixed' if mixed else ''}")
    start = time.perf_counter()
    build_repo(repo, args.rules, args.commits, mixed)
    print(f"repository: {repo} ({args.rules} rules, {args.commits} commits, {args.layouts} layouts; ready in {time.perf_counter() - start:.1f} s)")
    cache = repo / ".git" / "guidelines-cache"

    def drop_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    walk = [PYTHON, "-c", "import sys; from pathlib import Path; from guidelines_tool.history import read_history; "
            "h = read_history(Path(sys.argv[1])); print(len(h.commits), len(h.revisions))", str(repo)]
    commands: dict[str, tuple] = {
        "git log -p": (["git", "-C", str(repo), "log", "-p", "main"], repo, None, None),
        "git log -p --first-parent -M": (
            ["git", "-C", str(repo), "log", "-p", "--first-parent", "-M", "main"], repo, None, None),
    }
    builds = {"": PYTHON, " (before)": args.before_python} if args.before_python else {"": PYTHON}
    for label, python in builds.items():
        # One build's cold, warm and log runs follow each other: each finds the cache the one before wrote.
        walk = [python, *walk[1:]]
        commands[f"full history, cold{label}"] = (walk, repo, drop_cache, None)
        commands[f"full history, warm{label}"] = (walk, repo, None, None)
        if _has_log_command(python):
            commands[f"guidelines log R-0007 (warm){label}"] = (
                [python, "-m", "guidelines_tool", "log", "R-0007"], repo, None, None)
    results = interleaved(commands, args.runs)
    peer_wall, peer_cpu = results["git log -p"]
    print(f"{'measure':45} {'wall s':>8} {'x git':>6} {'cpu s':>8} {'x git':>6}")
    for name, (wall, cpu) in results.items():
        print(f"{name:45} {wall:8.3f} {wall / peer_wall:6.2f} {cpu:8.3f} {cpu / peer_cpu:6.2f}")
    if args.before_python:
        print(f"\n{'this build / before':45} {'wall':>8} {'':6} {'cpu':>8}")
        for name in ("full history, cold", "full history, warm", "guidelines log R-0007 (warm)"):
            if name in results and f"{name} (before)" in results:
                (wall, cpu), (wall0, cpu0) = results[name], results[f"{name} (before)"]
                print(f"{name:45} {wall / wall0:8.2f} {'':6} {cpu / cpu0:8.2f}")
    cold_wall, cold_cpu = results["full history, cold"]
    warm_wall, warm_cpu = results["full history, warm"]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times suffer from it; CPU times less)")
    print(f"target cold <= 3x git log -p: wall {'met' if cold_wall <= 3 * peer_wall else 'NOT met'}, "
          f"cpu {'met' if cold_cpu <= 3 * peer_cpu else 'NOT met'}; "
          f"target warm <= 0.5 s: wall {'met' if warm_wall <= 0.5 else 'NOT met'}, "
          f"cpu {'met' if warm_cpu <= 0.5 else 'NOT met'}")
    if args.phases:
        phases(repo, cache)


PHASES = r"""
import resource, sys, time
start = time.process_time()
from pathlib import Path
import guidelines_tool.history as H
import guidelines_tool.history.blobs as B
import guidelines_tool.history.git as G
import guidelines_tool.history.walk as W
spent = {"imports": time.process_time() - start}

def timed(owner, name, label):
    inner = getattr(owner, name)
    def wrapper(*args, **kwargs):
        began = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - began
    setattr(owner, name, wrapper)

timed(W, "read_line", "read log + blobs (all of it)")
timed(G, "_parse_log_tokens", "  of which parse log output")
timed(B, "parse_blob", "  of which parse blobs here")
timed(B.BlobParser, "finish", "  of which the worker's records")
timed(W.Walk, "apply", "replay commits (classify)")
timed(W.Cache, "save", "write the cache")
labels = ("read log + blobs (all of it)", "  of which parse log output", "  of which parse blobs here",
          "  of which the worker's records")
for label in labels:
    spent[label] = 0.0  # printed in this order, whichever call ends first
began = time.process_time()
H.read_history(Path(sys.argv[1]))
spent["read_history, all of it"] = time.process_time() - began
children = resource.getrusage(resource.RUSAGE_CHILDREN)
spent["git processes and the parse worker (children)"] = children.ru_utime + children.ru_stime
for label, seconds in spent.items():
    print(f"  {label:52} {seconds:6.3f} s cpu")
"""


def phases(repo: Path, cache: Path) -> None:
    """Where one cold run's CPU time goes, by phase (one in-process run, cache dropped first)."""
    shutil.rmtree(cache, ignore_errors=True)
    print("cold run, CPU by phase:")
    subprocess.run([PYTHON, "-c", PHASES, str(repo)], cwd=repo, check=True)


def _has_log_command(python: str) -> bool:
    """Does the build `python` runs have `guidelines log`? (asked in a fresh process: two builds, one name)"""
    code = "from guidelines_tool.cli import cli; print('log' in cli.commands)"
    done = subprocess.run([python, "-c", code], cwd="/", capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


if __name__ == "__main__":
    main()
