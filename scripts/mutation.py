"""A mutation check: would the tests notice if one line of a module were wrong?

    nice -n 10 .venv/bin/python scripts/mutation.py                 # every module in MODULES
    nice -n 10 .venv/bin/python scripts/mutation.py docs/safe.py    # one module (part of its path)
    .venv/bin/python scripts/mutation.py --list reporters/findings.py   # the mutants, not run

Each mutant is one small change to one line of a module, of the kinds that slip through review:

- comparisons flipped: `<`↔`<=`, `>`↔`>=`, `==`↔`!=`, `is`↔`is not`, `in`↔`not in`
- arithmetic swapped: `+`↔`-`, `*`↔`/` (also `+=` …; not on string concatenation)
- `and`↔`or`; a `not` dropped
- constants tweaked: `0`↔`1`, other numbers `n → n + 1`, `True`↔`False`
- one string removed from an allowlist or escape table (a set, tuple, list or dict literal of
  strings), or one `.replace(a, b)` dropped from an escaping chain
- a function returning early (`return None` before its first statement; a one-line function
  returns None instead)

The mutated module is written into a scratch copy of the work tree (the work tree itself is never
touched), and only the tests that cover that module run (MODULES maps module → test paths), with
`-x`, in a process forked from one that already imported the heavy libraries: a mutant takes
seconds, not the suite's two minutes. A mutant is *killed* when the tests fail, a *timeout* when
they run past 6× the unmutated run (an endless loop is a detected change: it counts as caught),
*survived* when they pass. A module with more mutants than `--budget` is sampled with a seeded
generator: the same source, seed and budget give the same mutants.

A survivor either needs a test, or cannot change behaviour (an *equivalent* mutant: a cache size,
a value that only matters for speed). Equivalent ones are listed with the reason in
`scripts/mutation-equivalent.yaml`, keyed by module, the source line (stripped) and the mutation,
so an entry survives line shifts; entries that match no mutant any more are reported as stale.
Listed mutants still run: one the tests kill counts as killed (the same line text can stand
where the change does matter), one that survives counts as equivalent. `--trust-equivalents`
skips running them (each survivor costs the module's whole test list) and counts them as
equivalent.

score = (killed + timeouts) / (mutants − equivalent). Exit status 0 when every module reaches
`--target` (default 0.95 for the modules marked target=True), 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCLUSIONS = Path(__file__).with_name("mutation-equivalent.yaml")

# A resource test (11 s: peak memory of a 200-category bootstrap) checks no value a mutant changes.
_NOT_MEMORY = "--deselect=tests/agreement/test_bootstrap.py::test_alpha_and_its_bootstrap_with_many_categories_stay_in_memory"
# The README's install-and-run check (a wheel built from a git checkout into a fresh venv, minutes
# a run) checks the README's commands, not what the reporters print: the demo's other tests do.
_NOT_FRESH_INSTALL = "--deselect=tests/test_demo.py::test_the_printed_commands_run_as_printed_after_the_readme_first_command"
_AGREEMENT = "tests/agreement"  # the package's modules feed each other: a mutant runs all its tests


def _agreement(module: str, *first: str) -> tuple[str, tuple[tuple[str, ...], bool]]:
    return f"guidelines_tool/agreement/{module}.py", ((_NOT_MEMORY, *first, _AGREEMENT), True)


# module → (test paths (and pytest options) run for its mutants, most specific first; whether it
# counts towards the score target). Keep each list to the tests that exercise the module: a
# survivor's run costs the whole list.
MODULES: dict[str, tuple[tuple[str, ...], bool]] = dict([
    # statistics (the agreement package): the module's own tests first (-x stops at the first failure)
    _agreement("ratings", "tests/agreement/test_ratings.py"),
    _agreement("distances", "tests/agreement/test_distances.py"),
    _agreement("coefficients", "tests/agreement/test_coefficients_edges.py", "tests/agreement/test_coefficients.py"),
    _agreement("bootstrap", "tests/agreement/test_bootstrap_edges.py", "tests/agreement/test_bootstrap.py"),
    _agreement("intervals", "tests/agreement/test_intervals_edges.py", "tests/agreement/test_intervals.py"),
    _agreement("diagnostics", "tests/agreement/test_diagnostics_edges.py", "tests/agreement/test_diagnostics.py"),
    _agreement("variance", "tests/agreement/test_variance_edges.py", "tests/agreement/test_variance_population.py",
               "tests/agreement/test_variance.py"),
    _agreement("report", "tests/agreement/test_report_edges.py", "tests/agreement/test_report.py"),
    _agreement("twoway", "tests/agreement/test_twoway.py"),  # f-impact's two-way intervals (not yet measured)
]) | {
    # sanitising
    "guidelines_tool/docs/safe.py": (
        ("tests/docs/test_safe_allowlist.py", "tests/docs/test_safe_handlers.py", "tests/docs/test_safe.py"), True),
    # reporters
    "guidelines_tool/reporters/base.py": (
        ("tests/reporters", "tests/cli/test_formats.py"), True),
    "guidelines_tool/reporters/output.py": (
        ("tests/reporters", "tests/cli/test_formats.py"), True),
    "guidelines_tool/reporters/findings.py": (
        ("tests/reporters", "tests/cli/test_formats.py"), True),
    "guidelines_tool/reporters/agreement.py": (
        ("tests/reporters", "tests/agreement/test_report.py", "tests/cli/test_formats.py"), True),
    "guidelines_tool/reporters/history.py": (
        ("tests/reporters", "tests/cli/test_history_cli.py", "tests/history/test_tags.py", "tests/history/test_git.py",
         "tests/history/test_relocate.py", "tests/history/test_walk.py", "tests/cli/test_formats.py"), True),
    "guidelines_tool/reporters/impact.py": (
        ("tests/reporters", "tests/test_hotspots.py", "tests/cli/test_impact_cli.py", "tests/cli/test_formats.py",
         "tests/test_demo.py", _NOT_FRESH_INSTALL), True),
    "guidelines_tool/reporters/quiz.py": (
        ("tests/reporters", "tests/cli/test_quiz_cli.py", "tests/test_quiz.py"), True),
}
# Imported once by the parent so each forked run starts with them loaded (none of them is ours).
PRELOAD = ("numpy", "pyarrow", "pyarrow.json", "pyarrow.csv", "ruamel.yaml", "markdown", "nh3", "click",
           "jsonschema", "pytest", "hypothesis", "_pytest.pytester")

COMPARE_SWAP = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">", ast.Eq: "!=", ast.NotEq: "==",
                ast.Is: "is not", ast.IsNot: "is", ast.In: "not in", ast.NotIn: "in"}
BINOP_SWAP = {ast.Add: "-", ast.Sub: "+", ast.Mult: "/", ast.Div: "*"}
BOOLOP_SWAP = {ast.And: "or", ast.Or: "and"}


@dataclass(frozen=True)
class Mutant:
    """One change: replace source[start:end] (character offsets) with `text`."""

    module: str
    line: int
    mutation: str
    start: int
    end: int
    text: str

    def apply(self, source: str) -> str:
        return source[: self.start] + self.text + source[self.end:]

    def source_line(self, source: str) -> str:
        return source.splitlines()[self.line - 1].strip()


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed, survived, timeout, equivalent
    seconds: float = 0.0
    reason: str = ""


# --- finding mutants -----------------------------------------------------------------------------


class _Positions:
    """ast positions (line, UTF-8 byte column) → character offsets in the source."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1]
        return self.starts[line - 1] + len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def char_offset(self, line: int, col: int) -> int:  # tokenize columns are characters
        return self.starts[line - 1] + col

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    return [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type in (tokenize.OP, tokenize.NAME)]


def _tokens_between(tokens: list[tokenize.TokenInfo], pos: _Positions, start: int, end: int
                    ) -> list[tuple[int, int, str]]:
    found = []
    for tok in tokens:
        begin = pos.char_offset(*tok.start)
        if begin >= end:
            break
        if begin >= start:
            found.append((begin, pos.char_offset(*tok.end), tok.string))
    return found


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """Nodes inside annotations (never evaluated with `from __future__ import annotations`)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        roots = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots.append(node.returns)
            args = node.args
            roots += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                             args.vararg, args.kwarg) if a is not None]
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        for root in roots:
            if root is not None:
                skip.update(id(n) for n in ast.walk(root))
    return skip


def _is_docstring(node: ast.AST, parent_body: list[ast.stmt] | None) -> bool:
    return bool(parent_body) and parent_body[0] is node and isinstance(node, ast.Expr) and \
        isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _stringish(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)))


def find_mutants(module: str, source: str) -> list[Mutant]:
    """Every mutant of `source`, in source order (deterministic)."""
    tree = ast.parse(source)
    pos = _Positions(source)
    tokens = _tokens(source)
    skip = _annotation_nodes(tree)
    mutants: list[Mutant] = []

    def add(node_line: int, mutation: str, start: int, end: int, text: str) -> None:
        mutants.append(Mutant(module, node_line, mutation, start, end, text))

    def op_between(left: ast.AST, right: ast.AST, want: set[str]) -> tuple[int, int, str] | None:
        toks = [t for t in _tokens_between(tokens, pos, pos.end(left), pos.start(right)) if t[2] not in "()"]
        if not toks or " ".join(t[2] for t in toks) not in want:
            return None
        return toks[0][0], toks[-1][1], " ".join(t[2] for t in toks)

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                new = COMPARE_SWAP.get(type(op))
                found = new and op_between(operands[i], operands[i + 1],
                                           {"<", "<=", ">", ">=", "==", "!=", "is", "is not", "in", "not in"})
                if found:
                    add(node.lineno, f"{found[2]} → {new}", found[0], found[1], new)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAP:
            if _stringish(node.left) or _stringish(node.right):
                continue
            new = BINOP_SWAP[type(node.op)]
            found = op_between(node.left, node.right, {"+", "-", "*", "/"})
            if found:
                add(node.lineno, f"{found[2]} → {new}", found[0], found[1], new)
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINOP_SWAP:
            found = op_between(node.target, node.value, {"+=", "-=", "*=", "/="})
            if found:
                new = BINOP_SWAP[type(node.op)] + "="
                add(node.lineno, f"{found[2]} → {new}", found[0], found[1], new)
        elif isinstance(node, ast.BoolOp):
            new = BOOLOP_SWAP[type(node.op)]
            for left, right in zip(node.values, node.values[1:]):
                found = op_between(left, right, {"and", "or"})
                if found:
                    add(right.lineno if left.end_lineno != right.lineno else node.lineno,
                        f"{found[2]} → {new}", found[0], found[1], new)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node.lineno, "drop not", pos.start(node), pos.start(node.operand), "")
        elif isinstance(node, ast.Constant) and type(node.value) in (bool, int, float):
            value = node.value
            if isinstance(value, bool):
                new_text = str(not value)
            elif value in (0, 1):
                new_text = repr(type(value)(1 - value))
            else:
                new_text = repr(value + 1)
            original = source[pos.start(node):pos.end(node)]
            add(node.lineno, f"{original} → {new_text}", pos.start(node), pos.end(node), new_text)
        elif isinstance(node, (ast.Set, ast.List, ast.Tuple)) and len(node.elts) >= 2 and \
                all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            _removals(node.elts, node.elts, pos, source, add)
        elif isinstance(node, ast.Dict) and len(node.keys) >= 2 and \
                all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            _removals(node.keys, node.values, pos, source, add)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace" \
                and len(node.args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
            dropped = f".replace({node.args[0].value!r}, {node.args[1].value!r})"
            add(node.func.end_lineno, f"drop {dropped}", pos.end(node.func.value), pos.end(node), "")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _return_early(node, pos, source, add)
    unique = {(m.start, m.end, m.text): m for m in mutants}  # one node can be reached twice
    ordered = sorted(unique.values(), key=lambda m: (m.start, m.end, m.mutation))
    # The same mutation twice on one line (`x[1:].split(">", 1)`) is told apart by its rank.
    seen: dict[tuple[int, str], int] = {}
    named = []
    for m in ordered:
        rank = seen[(m.line, m.mutation)] = seen.get((m.line, m.mutation), 0) + 1
        named.append(m if rank == 1 else Mutant(m.module, m.line, f"{m.mutation} (#{rank})", m.start, m.end, m.text))
    return named


def _removals(keys: list[ast.AST], values: list[ast.AST], pos: _Positions, source: str, add) -> None:
    """One mutant per entry: the entry and the separator after it (before it, for the last)."""
    for i, (key, value) in enumerate(zip(keys, values)):
        if i + 1 < len(keys):
            start, end = pos.start(key), pos.start(keys[i + 1])
        else:
            start, end = pos.end(values[i - 1]), pos.end(value)
        add(key.lineno, f"drop {key.value!r}", start, end, "")


def _return_early(node: ast.FunctionDef | ast.AsyncFunctionDef, pos: _Positions, source: str, add) -> None:
    body = node.body[1:] if _is_docstring(node.body[0], node.body) else node.body
    if not body:
        return
    first = body[0]
    if len(body) == 1 and isinstance(first, ast.Return):
        if first.value is None or (isinstance(first.value, ast.Constant) and first.value.value is None):
            return
        add(first.lineno, "return None", pos.start(first), pos.end(first), "return None")
        return
    if isinstance(first, ast.Pass):
        return
    line_start = pos.starts[first.lineno - 1]
    indent = source[line_start:pos.start(first)]
    if indent.strip():  # the statement shares its line with something else (`def f(): x`)
        return
    add(first.lineno, "return early", line_start, line_start, f"{indent}return None\n")


# --- exclusions ----------------------------------------------------------------------------------


def load_exclusions(path: Path = EXCLUSIONS) -> list[dict[str, str]]:
    if not path.exists():
        return []
    from ruamel.yaml import YAML

    entries = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        missing = {"module", "line", "mutation", "reason"} - set(entry)
        if missing or not str(entry["reason"]).strip():
            raise SystemExit(f"{path}: every entry needs module, line, mutation and a reason: {entry}")
    return entries


def exclusion_for(mutant: Mutant, source: str, exclusions: list[dict[str, str]]) -> dict[str, str] | None:
    line = mutant.source_line(source)
    for entry in exclusions:
        if entry["module"] == mutant.module and entry["mutation"] == mutant.mutation and entry["line"].strip() == line:
            return entry
    return None


# --- running -------------------------------------------------------------------------------------


def scratch_copy() -> Path:
    """The work tree's files (tracked and new, not ignored) in a temporary folder."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    target = Path(tempfile.mkdtemp(prefix="mutation-"))
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    # a git work tree, as the checkout is: tests that list the project's files (test_demo) ask git
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    return target


def _forget_bytecode(path: Path) -> None:
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink(missing_ok=True)


def run_tests(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    """Run `tests` in a forked child (pytest -x, quiet); 'passed', 'failed' or 'timeout'."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: fresh imports of our package from the copy
        try:
            os.setpgid(0, 0)
            os.chdir(copy)
            sys.path.insert(0, str(copy))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=",
                                *tests])
        except BaseException:  # noqa: BLE001 - anything going wrong in the child is a failed run
            code = 99
        os._exit(int(code))
    deadline = started + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return ("passed" if code == 0 else "failed"), time.monotonic() - started
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started
        time.sleep(0.05)


@dataclass
class ModuleResult:
    module: str
    total: int = 0  # mutants found
    outcomes: list[Outcome] = field(default_factory=list)
    baseline: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def score(self) -> float | None:
        tried = len(self.outcomes) - self.count("equivalent")
        return (self.count("killed") + self.count("timeout")) / tried if tried else None


_BASELINES: dict[tuple[str, ...], tuple[str, float]] = {}  # test set → unmutated outcome, seconds


def test_set(tests: tuple[str, ...]) -> tuple[str, ...]:
    """What a test list runs, order aside: a path inside another listed folder adds nothing
    (the agreement modules all run tests/agreement; only their order differs)."""
    paths = [t for t in tests if not t.startswith("-")]

    def inside(path: str, folder: str) -> bool:
        return path != folder and path.split("::")[0].startswith(folder.rstrip("/") + "/")

    kept = {p for p in paths if not any(inside(p, other) for other in paths)}
    return tuple(sorted(kept | {t for t in tests if t.startswith("-")}))


def covers(done: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """Whether the test set `done` runs every test of `wanted` (same options, each path in or
    under one of done's)."""
    if {t for t in done if t.startswith("-")} != {t for t in wanted if t.startswith("-")}:
        return False
    paths = [t for t in done if not t.startswith("-")]
    return all(any(w == d or w.split("::")[0].startswith(d.rstrip("/") + "/") for d in paths)
               for w in wanted if not w.startswith("-"))


def select(mutants: list[Mutant], budget: int, seed: int, module: str) -> list[Mutant]:
    if budget <= 0 or len(mutants) <= budget:
        return mutants
    chosen = random.Random(f"{seed}:{module}").sample(range(len(mutants)), budget)
    return [mutants[i] for i in sorted(chosen)]


def check_module(module: str, tests: tuple[str, ...], copy: Path, exclusions: list[dict[str, str]],
                 *, budget: int, seed: int, used: set[int], progress,
                 caught: set[tuple[str, str, str]] = frozenset(), trust: bool = False) -> ModuleResult:
    path = copy / module
    source = path.read_text(encoding="utf-8")
    mutants = find_mutants(module, source)
    result = ModuleResult(module, total=len(mutants))
    chosen = select(mutants, budget, seed, module)
    for mutant in mutants:  # an exclusion is in use when its mutant exists, chosen or not
        entry = exclusion_for(mutant, source, exclusions)
        if entry is not None:
            used.add(id(entry))
    tests = tuple(t for t in tests if t.startswith("-") or (copy / t.split("::")[0]).exists())
    key = test_set(tests)
    covering = next((k for k in _BASELINES if _BASELINES[k][0] == "passed" and covers(k, key)), None)
    if covering is not None:  # these tests (or more) already passed unmutated in this run
        status, seconds = _BASELINES[covering]
    else:
        status, seconds = _BASELINES[key] = run_tests(copy, tests, timeout=1800)
    result.baseline = seconds
    if status != "passed":
        raise SystemExit(f"{module}: its tests fail without any mutation ({' '.join(tests)}): fix them first")
    # generous: on a shared machine a run can take several times the unmutated one
    timeout = max(60.0, 6 * seconds)
    try:
        for number, mutant in enumerate(chosen, 1):
            entry = exclusion_for(mutant, source, exclusions)
            key = (module, mutant.source_line(source), mutant.mutation)
            if key in caught:  # killed by the tests of an earlier run: tests were only added since
                result.outcomes.append(Outcome(mutant, "killed", reason="earlier run"))
                continue
            if trust and entry is not None:  # --trust-equivalents: listed, so not run
                result.outcomes.append(Outcome(mutant, "equivalent", reason=entry["reason"]))
                continue
            mutated = mutant.apply(source)
            try:
                compile(mutated, module, "exec")
            except SyntaxError:
                continue
            path.write_text(mutated, encoding="utf-8")
            _forget_bytecode(path)
            status, seconds = run_tests(copy, tests, timeout)
            outcome = {"passed": "survived", "failed": "killed", "timeout": "timeout"}[status]
            # An exclusion is checked, not trusted: it names a line's text, and the same text
            # (`@dataclass(frozen=True)`) can stand where the mutant does change behaviour.
            if entry is not None and outcome == "survived":
                outcome = "equivalent"
            result.outcomes.append(Outcome(mutant, outcome, seconds,
                                           reason=entry["reason"] if entry is not None else ""))
            progress(f"  [{number}/{len(chosen)}] {outcome:8} {module}:{mutant.line}: {mutant.mutation} ({seconds:.1f} s)")
    finally:
        path.write_text(source, encoding="utf-8")
        _forget_bytecode(path)
    return result


def report(results: list[ModuleResult], sources: dict[str, str]) -> str:
    head = f"{'module':44} {'found':>5} {'run':>4} {'killed':>6} {'timeout':>7} {'survived':>8} {'equiv':>5} {'score':>6}"
    rows = [head, "-" * len(head)]
    for r in results:
        score = "-" if r.score is None else f"{100 * r.score:5.1f}%"
        rows.append(f"{r.module:44} {r.total:5} {len(r.outcomes):4} {r.count('killed'):6} {r.count('timeout'):7} "
                    f"{r.count('survived'):8} {r.count('equivalent'):5} {score:>6}")
    lines = ["\n".join(rows), ""]
    for r in results:
        survivors = [o for o in r.outcomes if o.status == "survived"]
        if survivors:
            lines.append(f"survivors in {r.module}:")
            lines += [f"  {r.module}:{o.mutant.line}: {o.mutant.mutation:28} | {o.mutant.source_line(sources[r.module])}"
                      for o in survivors]
    return "\n".join(lines) + "\n"


def write_json(path: Path, results: list[ModuleResult], sources: dict[str, str]) -> None:
    path.write_text(json.dumps([
        {"module": r.module, "found": r.total, "score": r.score,
         "outcomes": [{"line": o.mutant.line, "mutation": o.mutant.mutation, "status": o.status,
                       "source": o.mutant.source_line(sources[r.module]), "reason": o.reason}
                      for o in r.outcomes]}
        for r in results], indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules to check (part of the path; default: all in MODULES)")
    parser.add_argument("--budget", type=int, default=120, help="at most this many mutants a module (0: all)")
    parser.add_argument("--seed", type=int, default=17, help="seed of the sampling when a module has more")
    parser.add_argument("--target", type=float, default=0.95, help="score each target module must reach")
    parser.add_argument("--list", action="store_true", help="list the mutants (after sampling) and stop")
    parser.add_argument("--json", type=Path, help="also write the outcomes to this file")
    parser.add_argument("--rerun-survivors", type=Path, metavar="JSON",
                        help="an earlier --json: mutants it records as killed are not run again "
                             "(valid when only tests were added since)")
    parser.add_argument("--trust-equivalents", action="store_true",
                        help="count the mutants listed in mutation-equivalent.yaml as equivalent without "
                             "running them (each runs the module's whole test list: minutes on a busy machine); "
                             "the default checks them")
    parser.add_argument("--one-baseline", action="store_true",
                        help="one unmutated run of all the chosen modules' tests instead of one per module "
                             "(the timeout then follows that longer run)")
    args = parser.parse_args(argv)

    chosen = {m: spec for m, spec in MODULES.items()
              if not args.modules or any(part in m for part in args.modules)}
    if not chosen:
        parser.error(f"no module in MODULES matches {args.modules}")
    if args.list:
        for module in chosen:
            source = (ROOT / module).read_text(encoding="utf-8")
            mutants = find_mutants(module, source)
            picked = select(mutants, args.budget, args.seed, module)
            print(f"{module}: {len(mutants)} mutants, {len(picked)} chosen")
            for m in picked:
                print(f"  {m.line}: {m.mutation:28} | {m.source_line(source)}")
        return 0

    exclusions = load_exclusions()
    caught: set[tuple[str, str, str]] = set()
    if args.rerun_survivors:
        for record in json.loads(args.rerun_survivors.read_text(encoding="utf-8")):
            caught |= {(record["module"], o["source"], o["mutation"]) for o in record["outcomes"]
                       if o["status"] == "killed"}  # a timeout may have been a busy machine: run again
    sys.dont_write_bytecode = False
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    assert not any(name == "guidelines_tool" or name.startswith(("guidelines_tool.", "tests.")) for name in sys.modules)
    copy = scratch_copy()
    used: set[int] = set()
    results = []
    sources = {}
    started = time.monotonic()
    if args.one_baseline and len(chosen) > 1:
        union = tuple(dict.fromkeys(t for tests, _ in chosen.values() for t in tests))
        union = tuple(t for t in union if t.startswith("-") or (copy / t.split("::")[0]).exists())
        print(f"unmutated run of every chosen module's tests: {' '.join(union)}", file=sys.stderr, flush=True)
        _BASELINES[test_set(union)] = run_tests(copy, union, timeout=3600)
    try:
        for module, (tests, _target) in chosen.items():
            print(f"{module}: tests {' '.join(tests)}", file=sys.stderr, flush=True)
            sources[module] = (copy / module).read_text(encoding="utf-8")
            results.append(check_module(module, tests, copy, exclusions, budget=args.budget, seed=args.seed,
                                        used=used, progress=lambda text: print(text, file=sys.stderr, flush=True),
                                        caught=caught, trust=args.trust_equivalents))
            if args.json:  # after each module: a long run stopped half-way keeps what it found
                write_json(args.json, results, sources)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    print(report(results, sources), end="")
    trusted = "; listed equivalents trusted, not run" if args.trust_equivalents else ""
    print(f"budget {args.budget} a module, seed {args.seed}{trusted}; {time.monotonic() - started:.0f} s")
    if not args.modules:
        stale = [e for e in exclusions if id(e) not in used and e["module"] in chosen]
        for entry in stale:
            print(f"stale exclusion (no such mutant any more): {entry['module']}: {entry['mutation']} | {entry['line']}")
    below = [r for r in results if chosen[r.module][1] and r.score is not None and r.score < args.target]
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
