"""The LSP requests and notifications the server answers, each a few lines around a feature module.

No request may bring the server down: an unexpected error in a handler is logged (stderr and
`window/logMessage`) and the request gets an empty result (`guarded`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from guidelines_tool.lsp import actions, completion, hover, navigation
from guidelines_tool.lsp.server import GuidelinesServer, Options

REQUEST_FAILED = -32803  # LSP's RequestFailed: a request understood but refused
_ENCODINGS = {types.PositionEncodingKind.Utf8: "utf-8", types.PositionEncodingKind.Utf32: "utf-32"}


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
