"""A rule's latest revisions with their impact verdicts, for hovers — never worked out in a request.

`guidelines impact` reads the git history and every annotation batch and takes seconds. The
server runs the same computation (`compute`, what the site's quality pages run) in a child
process at low priority, once per session, for a project that has annotation data. The child
answers at once from its cache (`<git dir>/guidelines-cache/lsp-impact.json`) when the branch tip
and the batches are as they were; otherwise it computes and writes the cache. Until its answer is
in, a hover says what is happening instead of waiting.

Run by hand: `python -m guidelines_tool.lsp.insight PROJECT_ROOT` prints the JSON the server reads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guidelines_tool import __version__

CACHE_NAME = "lsp-impact.json"
SHOWN = 3  # revisions per hover


@dataclass
class Insight:
    """What the server knows about one project's impact figures."""

    root: Path
    status: str = "idle"  # idle, no-data, running, ready, failed
    message: str = ""
    started: dt.datetime | None = None
    revisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    computed: str = ""
    task: asyncio.Task | None = None
    process: asyncio.subprocess.Process | None = None

    def start(self) -> None:
        """Begin the background job (once); the answer arrives later."""
        if self.task is not None or self.status != "idle":
            return
        self.status, self.started = "running", dt.datetime.now()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            proc = self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "guidelines_tool.lsp.insight", str(self.root),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            out, err = await proc.communicate()
            answer = json.loads(out.decode("utf-8") or "{}") if proc.returncode == 0 else {
                "status": "failed", "message": (err.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]}
        except Exception as exc:  # the hover says it failed; the server carries on
            answer = {"status": "failed", "message": f"{type(exc).__name__}: {exc}"}
        self.accept(answer)

    def stop(self) -> None:
        """The server is shutting down: the job goes with it."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    def accept(self, answer: dict[str, Any]) -> None:
        self.status = str(answer.get("status", "failed"))
        self.message = str(answer.get("message", ""))
        self.revisions = answer.get("revisions") or {}
        self.computed = str(answer.get("computed", ""))

    def describe(self, rule_id: str) -> list[str]:
        """Markdown lines for a rule's hover."""
        if self.status == "running":
            since = self.started.strftime("%H:%M:%S") if self.started else "just now"
            return [f"*Impact:* being computed in the background (since {since}); hover again in a few seconds."]
        if self.status == "no-data":
            return [f"*Impact:* {self.message}"]
        if self.status == "failed":
            return [f"*Impact:* could not be computed: {self.message}"]
        if self.status != "ready":
            return ["*Impact:* not computed yet."]
        revisions = self.revisions.get(rule_id, [])
        if not revisions:
            return [f"*Impact:* no analysed revision of {rule_id} (figures of {self.computed})."]
        lines = [f"*Latest revisions and their impact* (figures of {self.computed}):", ""]
        lines += [f"- {_revision_line(revision)}" for revision in revisions[-SHOWN:][::-1]]
        return lines


def _revision_line(revision: dict[str, Any]) -> str:
    from guidelines_tool.reporters.impact import VERDICT_MARK  # the words `guidelines impact` prints

    before, after = revision.get("before") or {}, revision.get("after") or {}
    alpha = ""
    if before.get("alpha") is not None and after.get("alpha") is not None:
        alpha = f" (α {before['alpha']:.2f} → {after['alpha']:.2f})"
    commit = str(revision.get("commit", ""))[:7]
    verdict = VERDICT_MARK.get(str(revision.get("verdict")), str(revision.get("verdict", "?")))
    level = f" ({revision['level']})" if revision.get("level") else ""
    return f"{str(revision.get('date', ''))[:10]} `{commit}` {revision.get('change', '')}{level}: **{verdict}**{alpha}"


# --- the child process ----------------------------------------------------------------------------


def compute(root: Path) -> dict[str, Any]:
    """The impact of every rule revision, from the cache when nothing it depends on changed."""
    from guidelines_tool.docs.data import annotation_files
    from guidelines_tool.errors import GuidelinesError
    from guidelines_tool.history import Git
    from guidelines_tool.project import load_project

    project = load_project(root)
    files = annotation_files(root, project.config.annotations)
    if not files:
        return {"status": "no-data",
                "message": f"no annotation data (`annotations: {project.config.annotations}` in guidelines.yaml holds no batches)."}
    try:
        git = Git(root)
        tip = git.rev_parse(project.config.branch) or git.rev_parse("HEAD")
    except GuidelinesError as exc:
        return {"status": "no-data", "message": f"no rule history: {exc}"}
    key = {"version": __version__, "tip": tip,
           "batches": [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files]}
    cache = git.cache_dir() / CACHE_NAME
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return cached
    except (OSError, ValueError):
        pass
    try:
        answer = _impact(root, project, files)
    except GuidelinesError as exc:
        return {"status": "failed", "message": str(exc)}
    answer["key"] = key
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(answer), encoding="utf-8")
        os.replace(partial, cache)
    except OSError:
        pass  # no cache this time; the answer stands
    return answer


def _impact(root: Path, project: Any, files: list[Path]) -> dict[str, Any]:
    from guidelines_tool.annotations import read_annotations
    from guidelines_tool.errors import GuidelinesError
    from guidelines_tool.history import read_history
    from guidelines_tool.impact import compute_impact

    tables = []
    for task_id in sorted(project.tasks):
        try:  # read as the site's quality pages and `guidelines impact` read them
            table = read_annotations(files, project=project, task=task_id, duplicates="first", relabel_by_time=True)
        except GuidelinesError:
            continue
        if len(table):
            tables.append(table)
    if not tables:
        return {"status": "no-data", "message": "the annotation batches hold no usable annotations for these tasks."}
    report = compute_impact(project, read_history(root), tables)
    revisions: dict[str, list[dict[str, Any]]] = {}
    for revision in report.revisions:
        revisions.setdefault(revision.spec.rule, []).append(revision.to_dict())
    computed = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    return {"status": "ready", "computed": computed, "revisions": revisions}


def main(argv: list[str]) -> int:
    try:
        os.nice(10)  # the editor's server comes first
    except (AttributeError, OSError):
        pass
    if len(argv) != 2:
        print("usage: python -m guidelines_tool.lsp.insight PROJECT_ROOT", file=sys.stderr)
        return 2
    try:
        answer = compute(Path(argv[1]).resolve())
    except Exception as exc:  # reported to the hover, never a traceback in the editor
        answer = {"status": "failed", "message": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
