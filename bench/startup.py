"""Benchmark: start-up of the commands that run on every commit, before and after a change.

Times, side by side and interleaved (the order alternates run by run), the whole process of

  guidelines --version
  guidelines validate          on a copy of sample_guidelines/
  guidelines fmt --check       on the same copy

for two builds of the tool: BEFORE, the tree of a git revision (default `main`, exported with
`git archive`), and AFTER, this working tree (copied beside it). Both run from source (PYTHONPATH) in one virtualenv
holding only the dependencies pyproject.toml declares (made under bench/out/ on first use), the way
the `guidelines` console script starts: `from guidelines_tool.cli import main; main()`. Prints the
medians, the ratio after/before, and `python -X importtime`'s largest imports for each build.

    python3 bench/startup.py [--before REV] [--runs 21] [--top 12]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / "bench" / "out" / "startup-venv"
LAUNCH = "import sys; from guidelines_tool.cli import main; sys.exit(main())"
COMMANDS = (("--version",), ("validate",), ("fmt", "--check"))
HEAVY = ("numpy", "pyarrow", "mkdocs", "matplotlib", "git")


def declared_venv() -> Path:
    """A virtualenv with pyproject.toml's dependencies and nothing else; its python."""
    python = VENV / "bin" / "python"
    if not python.exists():
        deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
        print(f"making {VENV} with the declared dependencies ({len(deps)}) ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *deps], check=True)
    return python


def export(rev: str, target: Path) -> Path:
    """The tree of `rev` in `target` (committed files only, as a clean checkout has them)."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def copy_work_tree(target: Path) -> Path:
    """This working tree's files (tracked and untracked, less what .gitignore names) in `target`:
    beside the BEFORE tree, on the same file system, so neither build reads from a faster disk."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


def run(python: Path, source: Path, args: tuple[str, ...], cwd: Path, *, importtime: bool = False) -> tuple[float, str]:
    """Seconds the whole process took, and its stderr."""
    env = {"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    command = [str(python), *(["-X", "importtime"] if importtime else []), "-c", LAUNCH, *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)} failed ({done.returncode}) from {source}:\n{done.stderr[-2000:]}")
    return elapsed, done.stderr


def imports(stderr: str) -> list[tuple[int, int, str]]:
    """(cumulative µs, depth, module) of every import `-X importtime` reported; depth 1 is an
    import made by the program itself, deeper ones were made by the modules it imported."""
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)", line)
        if match:
            rows.append((int(match[2]), (len(match[3]) + 1) // 2, match[4]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="main", help="git revision of the BEFORE build (default: main)")
    parser.add_argument("--runs", type=int, default=21, help="runs per command and build (default: 21)")
    parser.add_argument("--top", type=int, default=12, help="imports listed per build (default: 12)")
    options = parser.parse_args()

    python = declared_venv()
    with tempfile.TemporaryDirectory() as tmp:
        builds = {"before": export(options.before, Path(tmp) / "before"), "after": copy_work_tree(Path(tmp) / "after")}
        sample = Path(tmp) / "sample"
        shutil.copytree(REPO / "sample_guidelines", sample, ignore=shutil.ignore_patterns("site"))
        for source in builds.values():  # warm-up: byte-compile both, fill the OS cache
            for args in COMMANDS:
                run(python, source, args, sample)
        times: dict[tuple[str, tuple[str, ...]], list[float]] = {}
        for k in range(options.runs):
            for args in COMMANDS:
                for name in (("before", "after") if k % 2 == 0 else ("after", "before")):
                    times.setdefault((name, args), []).append(run(python, builds[name], args, sample)[0])

        print(f"start-up, whole process, median of {options.runs} interleaved runs "
              f"(before = {options.before}, after = this working tree; python {sys.version.split()[0]})\n")
        print(f"| {'command':<28} | {'before ms':>9} | {'after ms':>9} | {'after/before':>12} |")
        print(f"|{'-' * 30}|{'-' * 11}|{'-' * 11}|{'-' * 14}|")
        for args in COMMANDS:
            before, after = (statistics.median(times[(name, args)]) * 1000 for name in ("before", "after"))
            print(f"| {'guidelines ' + ' '.join(args):<28} | {before:9.1f} | {after:9.1f} | {after / before:12.3f} |")

        for args in (("--version",), ("validate",)):
            print(f"\npython -X importtime, guidelines {' '.join(args)}: largest imports (cumulative ms)")
            found = {name: imports(run(python, source, args, sample, importtime=True)[1])
                     for name, source in builds.items()}
            largest = {name: sorted((cum, module) for cum, depth, module in rows if depth == 1)[::-1][:options.top]
                       for name, rows in found.items()}
            print(f"| {'before':<36} | {'after':<36} |\n|{'-' * 38}|{'-' * 38}|")
            for left, right in zip(largest["before"], largest["after"]):
                print(f"| {left[1]:<28} {left[0] / 1000:7.1f} | {right[1]:<28} {right[0] / 1000:7.1f} |")
            for name, rows in found.items():
                heavy = sorted({module.split(".")[0] for _, _, module in rows} & set(HEAVY))
                print(f"{name}: {len(rows)} modules imported; heavy packages among them: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
