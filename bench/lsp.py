"""Benchmark: `guidelines lsp` driven over stdio like an editor, on a generated 2,000-rule project.

The project: 20 tasks of 8 labels, 100 rule files each (2,000 rules, one a file, ~1 KB each, with
examples, overrides and see_also), a few rules deliberately without examples (warnings), and the
yaml-language-server modeline in every file.

Each run starts a fresh server process and, as an editor does: `initialize`, `initialized`,
`didOpen` of one rule file, then keystrokes in that file, each a `didChange` of one character,
waiting for the `publishDiagnostics` of that version, then a typist's pause. Measured:

  start-up, cold      process start → first diagnostics of the opened file, no parse cache
  start-up, warm      the same with the parse cache an earlier session left (an editor restart)
  project checked     process start → the whole project checked (the server logs it)
  keystroke, prose    didChange → its diagnostics, typing in `when:` (lint re-uses its problems)
  keystroke, lint     didChange → its diagnostics, an edit lint sees (`decision:` typo and back:
                      the findings change, lint runs again)

Peers, measured side by side in the same run (interleaved):

  guidelines validate   the whole CLI process on the same project: what "lint on save" costs
  yaml-language-server  the schema-only server editors use today (npm; skipped when npm or the
                        registry is missing): start-up and keystrokes the same way

By default the tool is installed into a fresh virtualenv from the declared dependencies only
(`pip install REPO`, no extras: no jsonschema-rs), as a user gets it. Prints every figure as
median and p95, the ratios against the peers, and where a keystroke's time goes (in-process
breakdown of the same code path).

`--baseline REF` (a git ref of this repository, e.g. `main`) installs that version too, into its
own fresh virtualenv, and runs its sessions interleaved with this tree's: start-up and keystrokes
side by side with the ratio. The server's CPU seconds are printed beside the wall times, so a
figure taken on a loaded machine can be read for what the server itself spends.

    python bench/lsp.py [--runs 5] [--keystrokes 40] [--venv DIR] [--keep DIR] [--no-yaml-ls] [--baseline REF]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
TASKS, RULES_PER_TASK = 20, 100
LABELS = ("product", "person", "packaging", "lifestyle", "detail", "group", "text", "other")
TIMEOUT = 60.0
PAUSE = 0.12  # a typist's pause between keystrokes (longer than the server's debounce)
YAML_LS = "yaml-language-server@1.19.2"


# --- the project ------------------------------------------------------------------------------


def rule_text(t: int, r: int) -> str:
    a, b = LABELS[r % len(LABELS)], LABELS[(r + 1) % len(LABELS)]
    rid = f"T{t:02d}-{r:03d}"
    lines = [
        "# yaml-language-server: $schema=../../../schemas/rule.schema.json",
        "kind: rule", f"id: {rid}", f"task: task-{t:02d}", f"title: Rule {r} of task {t} decides {a} against {b}",
        "status: active", f"labels: [{a}, {b}]", f"decision: {a}", "when: |",
        f"  The {a} and the {b} are both visible and the {a} takes up more of the frame",
        "  than anything else; lighting and focus make it the obvious subject.",
        "unless:", f"  - The {b} is the only thing in sharp focus.",
        f"rationale: Buyers look for the {a}; the {b} is context.",
    ]
    if r % 50 != 7:  # two rules a task have no examples: a warning each, so there are findings
        lines += ["examples:", f"  - input: assets/{rid.lower()}-a.jpg", f"    label: {a}", f"    why: the {a} fills the frame",
                  f"  - {{input: 'A {a} on a table, {b} blurred behind it', label: {a}}}",
                  "counterexamples:", f"  - input: assets/{rid.lower()}-b.jpg", f"    label: {b}", "    why: cut off"]
    lines += ["ambiguous_cases:", f"  - case: A {a} reflected in a mirror", "    resolution: Judge the reflection",
              "    decided: 2026-10-02"]
    if r > 0:
        lines += [f"overrides: [T{t:02d}-{r - 1:03d}]", f"see_also: [T{t:02d}-000]"]
    lines.append("tags: [composition, generated]")
    return "\n".join(lines) + "\n"


def generate(root: Path) -> Path:
    """Write the project; return the rule file the editor opens."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "guidelines.yaml").write_text("kind: project\nname: Bench\nguidelines: guidelines\n", encoding="utf-8")
    (root / "schemas").mkdir(parents=True, exist_ok=True)
    for kind in ("project", "task", "rule"):
        shutil.copyfile(REPO / "schemas" / f"{kind}.schema.json", root / "schemas" / f"{kind}.schema.json")
    labels = "".join(f"  - id: {label}\n    name: {label.title()}\n    definition: The {label} is the subject.\n"
                     for label in LABELS)
    for t in range(TASKS):
        folder = root / "guidelines" / f"task-{t:02d}"
        (folder / "rules").mkdir(parents=True, exist_ok=True)
        (folder / "task.yaml").write_text(
            f"# yaml-language-server: $schema=../../schemas/task.schema.json\nkind: task\nid: task-{t:02d}\n"
            f"title: Task {t}\nscale: nominal\nlabels:\n{labels}", encoding="utf-8")
        for r in range(RULES_PER_TASK):
            (folder / "rules" / f"T{t:02d}-{r:03d}.yaml").write_text(rule_text(t, r), encoding="utf-8")
    return root / "guidelines" / "task-10" / "rules" / "T10-050.yaml"


# --- a minimal LSP client over stdio ------------------------------------------------------------


class Client:
    """JSON-RPC over a child's stdio; each incoming message is stamped when it is read."""

    def __init__(self, command: list[str], cwd: Path, settings: dict | None = None, env: dict | None = None) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        self.settings = settings or {}
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put((time.perf_counter(), None, None))
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            self.inbox.put((time.perf_counter(), message, self.cpu()))

    def cpu(self) -> float | None:
        """CPU seconds the server process has run so far, all its threads (Linux schedstat, ns)."""
        try:
            tasks = Path(f"/proc/{self.proc.pid}/task").iterdir()
            return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks) / 1e9
        except (OSError, ValueError, IndexError):
            return None

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)[1]

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def wait(self, wanted, timeout: float = TIMEOUT) -> tuple[float, dict, float | None]:
        """The first message matching `wanted` (with when it was read and the server's CPU seconds
        then); the server's own requests are answered meanwhile."""
        deadline = time.perf_counter() + timeout
        while True:
            stamp, message, cpu = self.inbox.get(timeout=max(0.01, deadline - time.perf_counter()))
            if message is None:
                raise RuntimeError("the server exited")
            if "method" in message and "id" in message:  # a request from the server
                self.send({"id": message["id"], "result": self._answer(message)})
            if wanted(message):
                return stamp, message, cpu

    def _answer(self, message: dict):
        if message["method"] == "workspace/configuration":
            return [self.settings.get(item.get("section", ""), None) for item in message["params"]["items"]]
        return None

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def uri_of(path: Path) -> str:
    return "file://" + quote(str(path.resolve()))


CAPABILITIES = {
    "textDocument": {"publishDiagnostics": {"versionSupport": True},
                     "synchronization": {"didSave": True, "dynamicRegistration": False}},
    "workspace": {"configuration": True, "workspaceFolders": True},
}


def session(command: list[str], root: Path, opened: Path, keystrokes: int, *, settings: dict | None = None,
            wait_for_project: bool = True, cache_home: Path | None = None) -> dict[str, list[float]]:
    """One editor session: start-up, then keystrokes; returns seconds per measure."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)} if cache_home else None
    client = Client(command, root, settings, env)
    uri = uri_of(opened)
    text = opened.read_text(encoding="utf-8")
    try:
        client.request("initialize", {"processId": os.getpid(), "rootUri": uri_of(root), "capabilities": CAPABILITIES,
                                      "workspaceFolders": [{"uri": uri_of(root), "name": "bench"}]})
        client.notify("initialized", {})
        if settings:
            client.notify("workspace/didChangeConfiguration", {"settings": settings})
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        stamp, _, cpu = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
        found = {"start-up": [stamp - client.started]}
        if cpu is not None:
            found["start-up cpu"] = [cpu]
        if wait_for_project:
            stamp, _, _ = client.wait(lambda m: m.get("method") == "window/logMessage" and "guidelines: checked" in m["params"]["message"])
            found["project checked"] = [stamp - client.started]
        else:
            time.sleep(1.0)  # let it settle
        version, prose, lint = 1, [], []
        when_line = text.split("\n").index("when: |") + 1
        decision_line = next(n for n, line in enumerate(text.split("\n")) if line.startswith("decision: "))
        decision = text.split("\n")[decision_line]
        for stroke in range(keystrokes):
            version += 1
            if stroke % 5 == 4:  # one edit in five is one lint sees: a typo in the decision, then its fix
                typo = stroke % 10 == 4
                change = {"range": {"start": {"line": decision_line, "character": len(decision) - 1},
                                    "end": {"line": decision_line, "character": len(decision)}},
                          "text": "x" if typo else decision[-1]}
                into = lint
            else:  # typing a word into the `when:` text, one character at a time
                column = 2 + stroke
                change = {"range": {"start": {"line": when_line, "character": column},
                                    "end": {"line": when_line, "character": column}}, "text": "abcde"[stroke % 5]}
                into = prose
            sent, cpu_before = time.perf_counter(), client.cpu()
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [change]})
            stamp, _, cpu = client.wait(lambda m, v=version: m.get("method") == "textDocument/publishDiagnostics"
                                        and m["params"]["uri"] == uri and m["params"].get("version") in (v, None))
            into.append(stamp - sent)
            if cpu_before is not None and cpu is not None:
                found.setdefault("keystroke cpu, prose" if into is prose else "keystroke cpu, lint", []).append(cpu - cpu_before)
            time.sleep(PAUSE)
        found["keystroke, prose"] = prose
        found["keystroke, lint"] = lint
        return found
    finally:
        client.close()


# --- where the time goes (in-process, same code path) --------------------------------------------


def breakdown(root: Path, opened: Path, repeats: int) -> dict[str, float]:
    """Median milliseconds of each step of a keystroke, timed around the server's own calls."""
    from guidelines_tool.lsp.diagnostics import diagnostics_for
    from guidelines_tool.lsp.state import ProjectState

    rel = opened.resolve().relative_to(root.resolve()).as_posix()
    state = ProjectState(root)
    state.defer_schema = {rel}  # as the server starts: the open file's schema first
    started = time.perf_counter()
    state.load()
    load = time.perf_counter() - started
    text = opened.read_text(encoding="utf-8")
    state.set_buffer(rel, text)
    started = time.perf_counter()
    state.findings()
    first = time.perf_counter() - started
    state.defer_schema = None
    started = time.perf_counter()
    state.findings()
    rest = time.perf_counter() - started
    gc.freeze()  # as the server does once the project is read
    steps: dict[str, list[float]] = {}
    kind = ["prose"]

    def timed(name: str, call):
        begin = time.perf_counter()
        result = call()
        steps.setdefault(f"{kind[0]}: {name}", []).append((time.perf_counter() - begin) * 1000)
        return result

    original_schema, original_lint = state._schema, state._lint

    def schema(item, locate):
        known = state.files.get(item.path)
        if known is not None and known.parsed is item and known.schema is not None:
            return original_schema(item, locate)  # kept from before: no work
        return timed("  schema check of the changed file", lambda: original_schema(item, locate))

    state._schema = schema
    state._lint = lambda *a, **k: timed("  lint (re-run only when lint sees the change) + locate",
                                        lambda: original_lint(*a, **k))
    for n in range(repeats):
        kind[0] = "lint" if n % 5 == 4 else "prose"
        edited = text.replace("The ", f"The{'x' * (n % 7)} ", 1) if kind[0] == "prose" else \
            text.replace("decision: ", "decision: " + "x" * (1 + n % 2), 1)
        state.set_buffer(rel, edited)
        timed("refresh: parse the file, assemble the project", state.refresh)
        found = timed("findings, all steps", state.findings)
        timed("diagnostics of the file", lambda: diagnostics_for(found.get(rel, []), edited, "utf-16"))
    result = {"load the project (parse every file, no cache)": load * 1000,
              "first findings (schema of the open file + lint)": first * 1000,
              "schema of every other file (background)": rest * 1000}
    result.update({name: statistics.median(values) for name, values in steps.items()})
    return result


# --- the run ------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def fresh_venv(folder: Path, source: Path = REPO) -> Path:
    """A virtualenv with the tool (from `source`) installed from its declared dependencies only."""
    python = folder / "bin" / "python"
    if not python.exists():
        print(f"building a fresh virtualenv in {folder} (pip install {source}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(source)], check=True)
    else:  # a kept virtualenv: the source's code, the dependencies as they were installed
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(source)],
                       check=True, capture_output=True)
    return python


def export(ref: str, folder: Path) -> Path:
    """The files of git `ref` of this repository, written into `folder` (for --baseline)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def yaml_language_server(folder: Path) -> list[str] | None:
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None
    script = folder / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    if not script.exists():
        print(f"installing {YAML_LS} from npm into {folder} ...", flush=True)
        done = subprocess.run(["npm", "install", "--silent", "--prefix", str(folder), YAML_LS], capture_output=True, text=True)
        if done.returncode != 0 or not script.exists():
            print(f"(yaml-language-server not installed: {done.stderr.strip()[-300:]})")
            return None
    return ["node", str(script), "--stdio"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="server sessions per tool (cold starts)")
    parser.add_argument("--keystrokes", type=int, default=40, help="keystrokes per session")
    parser.add_argument("--venv", type=Path, help="reuse (or build) the virtualenv here")
    parser.add_argument("--keep", type=Path, help="generate the project into this folder and keep it")
    parser.add_argument("--no-yaml-ls", action="store_true", help="skip the yaml-language-server peer")
    parser.add_argument("--baseline", metavar="REF", help="also run this git ref of the repository (e.g. main), "
                        "installed into its own virtualenv, side by side")
    parser.add_argument("--breakdown", nargs=2, metavar=("ROOT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.breakdown:  # run inside the bench virtualenv
        print(json.dumps(breakdown(Path(args.breakdown[0]), Path(args.breakdown[1]), 60)))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-lsp-"))
    try:
        python = fresh_venv(args.venv or work / "venv")
        base_python = None
        if args.baseline:
            base_folder = (args.venv.parent if args.venv else work) / "baseline-venv"
            base_python = fresh_venv(base_folder, export(args.baseline, work / "baseline-src"))
        root = args.keep or work / "project"
        opened = generate(root)
        guidelines = [str(python.parent / "guidelines"), "lsp"]
        validate = [str(python.parent / "guidelines"), "validate", "--project", str(root), "--format", "json"]
        peer = None if args.no_yaml_ls else yaml_language_server(args.venv.parent / "node" if args.venv else work / "node")
        yaml_settings = {"yaml": {"validate": True, "hover": False, "completion": False, "schemaStore": {"enable": False}}}
        rules = TASKS * RULES_PER_TASK
        print(f"project: {rules:,} rules in {rules:,} rule files + {TASKS} task files; "
              f"{args.runs} sessions × {args.keystrokes} keystrokes; python {sys.version.split()[0]}, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        ours: dict[str, list[float]] = {}
        theirs: dict[str, list[float]] = {}
        validate_runs: list[float] = []
        warm_home = work / "cache-warm"
        base: dict[str, list[float]] = {}
        base_warm = work / "cache-warm-baseline"
        for run in range(args.runs):  # interleaved: ours cold and warm, validate, the peer server
            cold_home = work / f"cache-cold-{run}"
            for kind, home in (("cold", cold_home), ("warm", warm_home)):
                for name, values in session(guidelines, root, opened, args.keystrokes, cache_home=home).items():
                    ours.setdefault(f"{name}, {kind}" if name.startswith("start-up") else name, []).extend(values)
                if kind == "cold" and not warm_home.exists():
                    shutil.copytree(cold_home, warm_home)  # what a first session leaves behind
            if base_python is not None:  # the same two sessions with the baseline's server
                base_cold = work / f"cache-cold-baseline-{run}"
                for kind, home in (("cold", base_cold), ("warm", base_warm)):
                    for name, values in session([str(base_python.parent / "guidelines"), "lsp"], root, opened,
                                                args.keystrokes, cache_home=home).items():
                        base.setdefault(f"{name}, {kind}" if name.startswith("start-up") else name, []).extend(values)
                    if kind == "cold" and not base_warm.exists():
                        shutil.copytree(base_cold, base_warm)
            started = time.perf_counter()
            subprocess.run(validate, capture_output=True, cwd=root)
            validate_runs.append(time.perf_counter() - started)
            if peer is not None:
                try:
                    for name, values in session(peer, root, opened, args.keystrokes, settings=yaml_settings,
                                                wait_for_project=False).items():
                        theirs.setdefault(name, []).extend(values)
                except Exception as exc:  # a peer that fails is reported, not fatal
                    print(f"(yaml-language-server session failed: {exc})")
                    peer = None
            print(f"run {run + 1}: start-up cold {ours['start-up, cold'][-1]:.2f} s, warm {ours['start-up, warm'][-1]:.2f} s, "
                  f"keystroke median {statistics.median(ours['keystroke, prose'][-args.keystrokes:]) * 1000:.0f} ms; "
                  f"validate {validate_runs[-1]:.2f} s; load average {os.getloadavg()[0]:.1f}", flush=True)

        def row(label: str, values: list[float], unit: str = "ms") -> str:
            scale = 1000 if unit == "ms" else 1
            return (f"  {label:<36} {statistics.median(values) * scale:>8.{0 if unit == 'ms' else 2}f} {unit}"
                    f"   p95 {percentile(values, 95) * scale:>8.{0 if unit == 'ms' else 2}f} {unit}   n={len(values)}")

        print("\nguidelines lsp (schema + lint + project, one engine with validate)")
        print(row("start-up → first diagnostics, cold", ours["start-up, cold"], "s"))
        print(row("start-up → first diagnostics, warm", ours["start-up, warm"], "s"))
        for kind in ("cold", "warm"):
            if ours.get(f"start-up cpu, {kind}"):
                print(row(f"  server CPU to first diagnostics, {kind}", ours[f"start-up cpu, {kind}"], "s"))
        print(row("start-up → whole project checked", ours["project checked"], "s"))
        print(row("keystroke → diagnostics, prose", ours["keystroke, prose"]))
        print(row("keystroke → diagnostics, lint sees it", ours["keystroke, lint"]))
        every = ours["keystroke, prose"] + ours["keystroke, lint"]
        print(row("keystroke → diagnostics, all", every))
        for kind in ("prose", "lint"):
            if ours.get(f"keystroke cpu, {kind}"):
                print(row(f"  server CPU per keystroke, {kind}", ours[f"keystroke cpu, {kind}"]))
        if base:
            print(f"\nthis tree beside --baseline {args.baseline} (medians; ratio baseline / this tree)")
            print(f"  {'':<44} {'this tree':>10} {args.baseline:>10} {'ratio':>7}")
            for name, unit in (("start-up, cold", "s"), ("start-up cpu, cold", "s"), ("start-up, warm", "s"),
                               ("start-up cpu, warm", "s"), ("project checked", "s"), ("keystroke, prose", "ms"),
                               ("keystroke, lint", "ms"), ("keystroke cpu, prose", "ms"), ("keystroke cpu, lint", "ms")):
                if ours.get(name) and base.get(name):
                    scale, digits = (1000, 0) if unit == "ms" else (1, 2)
                    mine, theirs_ = statistics.median(ours[name]), statistics.median(base[name])
                    label = name.replace("start-up cpu", "server CPU to first diagnostics").replace(
                        "start-up", "start-up → first diagnostics").replace("keystroke cpu", "server CPU per keystroke")
                    print(f"  {label:<44} {mine * scale:>8.{digits}f} {unit:<2}{theirs_ * scale:>7.{digits}f} {unit:<2}"
                          f"{theirs_ / mine if mine else float('nan'):>6.2f}x")
        print("\npeers")
        print(row("guidelines validate, whole process", validate_runs, "s"))
        print(f"  ratio validate / lsp keystroke (medians): {statistics.median(validate_runs) / statistics.median(every):.0f}x")
        if theirs:
            print(row("yaml-language-server start-up → diagnostics", theirs["start-up"], "s"))
            peer_every = theirs["keystroke, prose"] + theirs["keystroke, lint"]
            print(row("yaml-language-server keystroke (schema only)", peer_every))
            print(f"  ratio yaml-language-server / guidelines lsp keystroke (medians): "
                  f"{statistics.median(peer_every) / statistics.median(every):.2f}x")
        else:
            print("  yaml-language-server: not measured")
        done = subprocess.run([str(python), __file__, "--breakdown", str(root), str(opened)], capture_output=True, text=True)
        if done.returncode == 0:
            print("\nwhere a keystroke's time goes (in-process, medians of 60 edits, ms)")
            for name, value in json.loads(done.stdout).items():
                print(f"  {name:<64} {value:>8.1f}")
        else:
            print(f"(breakdown failed: {done.stderr.strip()[-500:]})")
    finally:
        if not args.keep:
            shutil.rmtree(work / "project", ignore_errors=True)
        if not args.venv:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
