"""The language server: pygls wiring, debounced checks, publishing diagnostics, guarded handlers.

Everything runs on pygls' event loop thread, one message at a time, so the project states need
no locks. A change is applied to the state at once (cheap: the text is stored) and checked after
a short quiet time (`debounce`), so a burst of keystrokes costs one check. The first check of a
project schema-checks only the open files; the rest of the project is checked in small steps in
the background, between messages, and its diagnostics follow.

The request handlers are in `handlers.py`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from guidelines_tool import __version__
from guidelines_tool.project import CONFIG_NAME
from guidelines_tool.lsp.diagnostics import DOCS_URL, diagnostics_for
from guidelines_tool.lsp.documents import Doc, Projects
from guidelines_tool.lsp.insight import Insight
from guidelines_tool.lsp.state import ProjectState
from guidelines_tool.lsp.text import TextIndex
from guidelines_tool.model import Finding

log = logging.getLogger("guidelines.lsp")

DEBOUNCE_SECONDS = 0.05
BACKGROUND_CHUNK = 25  # files schema-checked per step of the background pass


@dataclass
class Options:
    """`initializationOptions` the server reads."""

    debounce: float = DEBOUNCE_SECONDS  # seconds of quiet after a change before checking
    docs_url: str = DOCS_URL  # base of the tool's site, for the links of codes
    impact: bool = True  # run the background impact job for rule hovers

    @classmethod
    def read(cls, raw: Any) -> Options:
        options = cls()
        if isinstance(raw, dict):
            if isinstance(raw.get("debounce"), (int, float)) and 0 <= raw["debounce"] <= 10_000:
                options.debounce = raw["debounce"] / 1000
            if isinstance(raw.get("docsUrl"), str) and raw["docsUrl"].startswith(("http://", "https://", "file:")):
                options.docs_url = raw["docsUrl"]
            if isinstance(raw.get("impact"), bool):
                options.impact = raw["impact"]
        return options


@dataclass
class Buffer:
    """An open document's text. Kept here rather than in pygls' workspace, which splits lines at
    more characters than LSP does (form feed, U+2028, ...) and so would apply an edit of a
    document holding one at the wrong place."""

    text: str
    version: int

    def apply(self, changes: list, version: int, encoding: str) -> None:
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                index = TextIndex(self.text, encoding)
                start = index.offset(change.range.start.line, change.range.start.character)
                end = max(start, index.offset(change.range.end.line, change.range.end.character))
                self.text = self.text[:start] + change.text + self.text[end:]
            else:
                self.text = change.text
        self.version = version


class GuidelinesServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("guidelines", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.projects = Projects()
        self.projects.defer_schema = True
        self.projects.use_cache = True
        self.options = Options()
        self.open: dict[str, tuple[ProjectState, str]] = {}  # open uri → its project and path
        self.buffers: dict[str, Buffer] = {}  # open uri → its text, as the client counts lines
        self.published: dict[str, tuple] = {}  # uri → (findings, text) last published
        self.timer: asyncio.TimerHandle | None = None
        self.background: dict[Path, asyncio.Task] = {}
        self.insights: dict[Path, Insight] = {}

    # --- reporting ---------------------------------------------------------------------------

    def say(self, message: str, level: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=level, message=message))

    def internal_error(self, what: str, exc: BaseException) -> None:
        """An error of the server itself: logged in full on stderr, briefly to the client."""
        log.error("internal error in %s:\n%s", what, "".join(traceback.format_exception(exc)))
        try:
            self.say(f"guidelines: internal error in {what}: {type(exc).__name__}: {exc}", types.MessageType.Error)
        except Exception:  # the connection may be gone; stderr has it
            pass

    # --- documents -----------------------------------------------------------------------------

    def doc(self, uri: str) -> Doc | None:
        buffer = self.buffers.get(uri)
        return self.projects.doc(uri, buffer.text if buffer is not None else None)

    def opened(self, uri: str, text: str, version: int) -> None:
        self.buffers[uri] = Buffer(text, version)
        known = len(self.projects.states)
        found = self.projects.project_of(uri)
        if len(self.projects.states) > known:
            gc.freeze()  # a project was just read: its records stay; the collector need not scan them
        if found is None:
            return
        state, rel = found
        if state.defer_schema is not None:
            state.defer_schema.add(rel)
        self.open[uri] = (state, rel)
        state.set_buffer(rel, text)

    def changed(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        buffer = self.buffers.get(uri)
        if buffer is None:
            return
        buffer.apply(params.content_changes, params.text_document.version, self.projects.encoding)
        found = self.open.get(uri)
        if found is not None:
            state, rel = found
            state.set_buffer(rel, buffer.text)
            self.schedule_check()

    def closed(self, uri: str) -> None:
        self.buffers.pop(uri, None)
        found = self.open.pop(uri, None)
        if found is not None:
            state, rel = found
            state.drop_buffer(rel)
            self.schedule_check()

    def files_changed(self, changes: list[types.FileEvent]) -> None:
        for change in changes:
            path_text = to_fs_path(change.uri) if change.uri.startswith("file:") else None
            if not path_text:
                continue
            path = Path(path_text)
            if path.name == CONFIG_NAME:
                self.projects.forget_roots()
            for state in list(self.projects.states.values()):
                self._file_changed(state, path, change.type)
        self.schedule_check(0)

    def _file_changed(self, state: ProjectState, path: Path, kind: types.FileChangeType) -> None:
        try:
            rel = path.resolve().relative_to(state.root).as_posix()
        except ValueError:
            return
        if rel == CONFIG_NAME or state.is_project_file(rel):
            state.disk_changed(rel)
        # a folder created, deleted or renamed: every known or present file below it
        prefix = rel.rstrip("/") + "/"
        for known in [name for name in state.files if name.startswith(prefix)]:
            state.disk_changed(known)
        if kind != types.FileChangeType.Deleted and path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.suffix in (".yaml", ".yml") and found.is_file():
                    state.disk_changed(found.resolve().relative_to(state.root).as_posix())

    # --- checking ------------------------------------------------------------------------------

    def schedule_check(self, delay: float | None = None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(self.options.debounce if delay is None else delay, self.check_now)

    def check_now(self) -> None:
        self.timer = None
        for state in list(self.projects.states.values()):
            try:
                self.check(state)
            except Exception as exc:
                self.internal_error(f"checking {state.root}", exc)

    def check(self, state: ProjectState) -> None:
        findings = state.findings()
        self.publish(state, findings, open_only=state.defer_schema is not None)  # the rest follows
        if state.defer_schema is not None and state.root not in self.background:
            self.background[state.root] = asyncio.get_running_loop().create_task(self.finish(state))

    async def finish(self, state: ProjectState) -> None:
        """Schema-check the rest of the project in small steps, then publish everything."""
        started = time.perf_counter()
        try:
            while state.defer_schema is not None:
                pending = state.unchecked
                if not pending:
                    break
                state.check_schema(pending[:BACKGROUND_CHUNK])
                await asyncio.sleep(0)
            while state.defer_schema is not None:
                pending = state.unlocated()
                if not pending:
                    break
                state.read_positions(pending[:BACKGROUND_CHUNK])
                await asyncio.sleep(0)
            state.defer_schema = None
            findings = state.findings()
            await self._publish_in_steps(state, findings)
            self.check(state)  # and whatever changed meanwhile, open files included
            gc.freeze()  # the project's records live as long as the session: no collector passes over them
            errors = sum(1 for found in findings.values() for f in found if f.severity == "error")
            warnings = sum(len(found) for found in findings.values()) - errors
            state.save_cache()
            self.say(f"guidelines: checked {len(state.files)} files of {state.root} "
                     f"({len(state.project.rules)} rules) in {time.perf_counter() - started:.2f}s: "
                     f"{errors} errors, {warnings} warnings", types.MessageType.Info)
            self.insight(state)
        except Exception as exc:
            state.defer_schema = None
            self.internal_error(f"checking {state.root}", exc)

    async def _publish_in_steps(self, state: ProjectState, findings: dict[str, list[Finding]]) -> None:
        """The diagnostics of the files that are not open, a few at a time between messages (a
        large project with findings everywhere would otherwise hold the editor up)."""
        open_files = {rel for owner, rel in self.open.values() if owner is state}
        for number, rel in enumerate(sorted(set(findings) - open_files), 1):
            if rel in state.files:
                self._publish_file(state, rel, self.projects.uri(state, rel), findings[rel])
            if number % BACKGROUND_CHUNK == 0:
                await asyncio.sleep(0)

    def publish(self, state: ProjectState, findings: dict[str, list[Finding]], *, open_only: bool = False) -> None:
        """Diagnostics for every file of the project whose findings, text or version changed since
        they were last published (so an open file gets them on each new version); open files first."""
        uris = {rel: uri for uri, (owner, rel) in self.open.items() if owner is state}
        for rel, uri in sorted(uris.items()):
            self._publish_file(state, rel, uri, findings.get(rel, []))
        if open_only:
            return
        root_uri = self.projects.uri(state, "").rstrip("/") + "/"
        stale = {uri for uri in self.published if uri.startswith(root_uri) and uri not in uris.values()}
        for rel in sorted(set(findings) - set(uris)):
            uri = self.projects.uri(state, rel)
            stale.discard(uri)
            self._publish_file(state, rel, uri, findings[rel])
        for uri in stale:  # files that had findings and have none now (or are gone)
            self.published.pop(uri, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _publish_file(self, state: ProjectState, rel: str, uri: str, found: list[Finding]) -> None:
        text = state.display_text(rel)
        buffer = self.buffers.get(uri)
        key = (tuple(found), text, buffer.version if buffer is not None else None)
        if self.published.get(uri) == key:
            return
        self.published[uri] = key
        diagnostics = diagnostics_for(found, text, self.projects.encoding, self.options.docs_url)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=diagnostics, version=buffer.version if buffer is not None else None))

    def insight(self, state: ProjectState) -> Insight:
        """The impact figures of a project for hovers, started in the background when there is data."""
        known = self.insights.get(state.root)
        if known is None:
            from guidelines_tool.docs.data import annotation_files

            known = self.insights[state.root] = Insight(state.root)
            if not self.options.impact:
                known.accept({"status": "no-data", "message": "turned off (`impact: false` in the editor's settings)."})
            elif not annotation_files(state.root, state.config.annotations):
                known.accept({"status": "no-data", "message": f"no annotation data (`annotations: "
                              f"{state.config.annotations}` in guidelines.yaml holds no batches)."})
            else:
                known.start()
        return known
