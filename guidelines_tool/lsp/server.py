"""The language server: pygls wiring, debounced checks, publishing diagnostics, guarded handlers.

Everything runs on pygls' event loop thread, one message at a time, so the project states need
no locks. A change is applied to the state at once (cheap: the text is stored) and checked after
a short quiet time (`debounce`), so a burst of keystrokes costs one check. The first check of a
project schema-checks only the open files; the rest of the project is checked in small steps in
the background, between messages, and its diagnostics follow.

No request may bring the server down: an unexpected error in a handler is logged (stderr and
`window/logMessage`) and the request gets an empty result.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from guidelines_tool import __version__
from guidelines_tool.config import CONFIG_NAME
from guidelines_tool.lsp import actions, completion, hover, navigation
from guidelines_tool.lsp.diagnostics import DOCS_URL, diagnostics_for
from guidelines_tool.lsp.documents import Doc, Projects
from guidelines_tool.lsp.insight import Insight
from guidelines_tool.lsp.state import ProjectState
from guidelines_tool.lsp.text import TextIndex
from guidelines_tool.model import Finding

log = logging.getLogger("guidelines.lsp")

DEBOUNCE_SECONDS = 0.05
BACKGROUND_CHUNK = 25  # files schema-checked per step of the background pass
REQUEST_FAILED = -32803  # LSP's RequestFailed: a request understood but refused
_ENCODINGS = {types.PositionEncodingKind.Utf8: "utf-8", types.PositionEncodingKind.Utf32: "utf-32"}


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
        self.started = time.perf_counter()

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
        self.publish(state, findings)
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
            state.defer_schema = None
            findings = state.findings()
            self.publish(state, findings)
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

    def publish(self, state: ProjectState, findings: dict[str, list[Finding]]) -> None:
        """Diagnostics for every file of the project whose findings, text or version changed since
        they were last published (so an open file gets them on each new version)."""
        uris = {rel: uri for uri, (owner, rel) in self.open.items() if owner is state}
        root_uri = self.projects.uri(state, "").rstrip("/") + "/"
        stale = {uri for uri in self.published if uri.startswith(root_uri) and uri not in uris.values()}
        for rel in sorted(set(findings) | set(uris)):
            uri = uris.get(rel) or self.projects.uri(state, rel)
            stale.discard(uri)
            self._publish_file(state, rel, uri, findings.get(rel, []))
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


# --- handlers -----------------------------------------------------------------------------------


def guarded(empty: Callable[[], Any] = lambda: None) -> Callable:
    """An unexpected error in a handler becomes a logged message and an empty result."""

    def wrap(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def run(ls: GuidelinesServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except JsonRpcException:
                raise  # an answer the client should see (a refused rename)
            except Exception as exc:
                ls.internal_error(handler.__name__, exc)
                return empty()

        return run

    return wrap


def build() -> GuidelinesServer:
    server = GuidelinesServer()

    @server.feature(types.INITIALIZE)
    @guarded()
    def initialize(ls: GuidelinesServer, params: types.InitializeParams) -> None:
        ls.options = Options.read(params.initialization_options)
        ls.projects.encoding = _ENCODINGS.get(ls.workspace.position_encoding, "utf-16")

    @server.feature(types.INITIALIZED)
    @guarded()
    def initialized(ls: GuidelinesServer, params: types.InitializedParams) -> None:
        watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:
            ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="guidelines-watch-yaml", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                    types.FileSystemWatcher(glob_pattern="**/*.{yaml,yml}"),
                    types.FileSystemWatcher(glob_pattern="**/", kind=types.WatchKind.Create | types.WatchKind.Delete),
                ]))]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(ls: GuidelinesServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.opened(params.text_document.uri, params.text_document.text, params.text_document.version)
        ls.check_now()

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(ls: GuidelinesServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.changed(params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(ls: GuidelinesServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded()
    def did_change_watched_files(ls: GuidelinesServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.files_changed(params.changes)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[":", " ", "[", ",", "-"]))
    @guarded(list)
    def complete(ls: GuidelinesServer, params: types.CompletionParams) -> list[types.CompletionItem]:
        doc = ls.doc(params.text_document.uri)
        return completion.complete(doc, params.position, _client(ls)) if doc else []

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded()
    def on_hover(ls: GuidelinesServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        return hover.hover(doc, params.position, ls.insight(doc.state).describe, _client(ls).markdown)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @guarded(list)
    def definition(ls: GuidelinesServer, params: types.DefinitionParams) -> list[types.Location]:
        doc = ls.doc(params.text_document.uri)
        return navigation.definition(ls.projects, doc, params.position) if doc else []

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @guarded(list)
    def references(ls: GuidelinesServer, params: types.ReferenceParams) -> list[types.Location]:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return []
        return navigation.references(ls.projects, doc, params.position, params.context.include_declaration)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded(list)
    def document_symbols(ls: GuidelinesServer, params: types.DocumentSymbolParams) -> list:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return []
        symbols = navigation.document_symbols(doc)
        text_caps = ls.client_capabilities.text_document
        hierarchical = bool(text_caps and text_caps.document_symbol
                            and text_caps.document_symbol.hierarchical_document_symbol_support)
        return symbols if hierarchical else _flatten(symbols, doc.uri)

    @server.feature(types.WORKSPACE_SYMBOL)
    @guarded(list)
    def workspace_symbols(ls: GuidelinesServer, params: types.WorkspaceSymbolParams) -> list:
        return navigation.workspace_symbols(ls.projects, params.query)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    @guarded()
    def prepare_rename(ls: GuidelinesServer, params: types.PrepareRenameParams):
        doc = ls.doc(params.text_document.uri)
        return navigation.prepare_rename(doc, params.position) if doc else None

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    @guarded()
    def rename(ls: GuidelinesServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        try:
            return navigation.rename(ls.projects, doc, params.position, params.new_name,
                                     document_changes=_workspace_edit(ls).document_changes)
        except navigation.RenameRefused as refused:
            raise JsonRpcException(str(refused), code=REQUEST_FAILED) from None

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.ADD_MODELINE]))
    @guarded(list)
    def code_action(ls: GuidelinesServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return []
        caps = _workspace_edit(ls)
        create = bool(caps.document_changes and caps.resource_operations
                      and types.ResourceOperationKind.Create in caps.resource_operations)
        return actions.code_actions(doc, params, resource_create=create)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @guarded(list)
    def formatting(ls: GuidelinesServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return []
        try:
            return actions.format_edits(doc)
        except actions.FormatRefused as refused:
            ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning,
                                                           message=f"guidelines fmt: {refused}"))
            return []

    @server.feature(types.SHUTDOWN)
    @guarded()
    def shutdown(ls: GuidelinesServer, params: Any) -> None:
        if ls.timer is not None:
            ls.timer.cancel()
        for task in ls.background.values():
            task.cancel()
        for insight in ls.insights.values():
            insight.stop()

    return server


@dataclass
class _EditCaps:
    document_changes: bool = False
    resource_operations: list | None = None


def _workspace_edit(ls: GuidelinesServer) -> _EditCaps:
    workspace = ls.client_capabilities.workspace
    caps = workspace.workspace_edit if workspace else None
    if caps is None:
        return _EditCaps()
    return _EditCaps(bool(caps.document_changes), list(caps.resource_operations or []))


def _client(ls: GuidelinesServer) -> completion.Client:
    text = ls.client_capabilities.text_document
    item = text.completion.completion_item if text and text.completion else None
    hover_caps = text.hover if text else None
    return completion.Client(
        snippets=bool(item and item.snippet_support),
        markdown=bool(hover_caps and hover_caps.content_format and types.MarkupKind.Markdown in hover_caps.content_format),
    )


def _flatten(symbols: list[types.DocumentSymbol], uri: str, container: str | None = None) -> list[types.SymbolInformation]:
    flat = []
    for symbol in symbols:
        flat.append(types.SymbolInformation(name=symbol.name, kind=symbol.kind, container_name=container,
                                            location=types.Location(uri=uri, range=symbol.selection_range)))
        flat += _flatten(symbol.children or [], uri, symbol.name)
    return flat
