"""A real LSP client (pytest-lsp) talking to `python -m guidelines_tool lsp` over stdio.

`editor` is the client plus what a test needs from an editor: open and edit documents, wait for
the diagnostics of a given version, read what the server logged.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES

SERVER = [sys.executable, "-m", "guidelines_tool", "lsp"]
# the server keeps parsed files in the user's cache folder: in tests, a folder of their own
CACHE_HOME = tempfile.mkdtemp(prefix="guidelines-lsp-tests-cache-")
SERVER_ENV = {**os.environ, "XDG_CACHE_HOME": CACHE_HOME}
TIMEOUT = 30.0  # generous: the machine is shared; a healthy run answers in well under a second


@dataclass(frozen=True)
class Base:
    """The texts of the base project (tests/conftest.py's `guideline_project`)."""

    rule: str  # guidelines/pps/rules/PPS-001.yaml
    task: str  # guidelines/pps/task.yaml


@pytest.fixture
def base(guideline_project, tmp_path: Path) -> Base:
    root = guideline_project(tmp_path / "base-texts")
    return Base((root / "guidelines/pps/rules/PPS-001.yaml").read_text(encoding="utf-8"),
                (root / "guidelines/pps/task.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def write_project(guideline_project):
    """write_project(root, files=None) → root: the base project with `files` added or replaced."""
    return lambda root, files=None: guideline_project(root, files)


class Editor:
    """The client, as an editor drives it."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: list[types.PublishDiagnosticsParams] = []
        self.arrived = asyncio.Event()
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    # --- documents ---------------------------------------------------------------------------

    def uri(self, path: Path) -> str:
        return from_fs_path(str(path.resolve()))

    def open(self, path: Path, text: str | None = None) -> str:
        uri = self.uri(path)
        text = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri], self.texts[uri] = 1, text
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
        return uri

    def replace(self, uri: str, text: str) -> int:
        """Replace the whole buffer (an incremental change over the full range)."""
        old = self.texts[uri]
        lines = old.split("\n")
        end = types.Position(line=len(lines) - 1, character=len(lines[-1]))
        return self.edit(uri, types.Range(start=types.Position(line=0, character=0), end=end), text)

    def edit(self, uri: str, where: types.Range, text: str) -> int:
        self.versions[uri] += 1
        self.texts[uri] = _apply(self.texts[uri], where, text)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangePartial(range=where, text=text)]))
        return self.versions[uri]

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))

    # --- waiting -------------------------------------------------------------------------------

    async def diagnostics(self, uri: str, version: int | None = None, *, after: int = 0) -> list[types.Diagnostic]:
        """The first diagnostics published for `uri` (at `version`, when given) after the
        `after`-th publication."""
        async def wait() -> list[types.Diagnostic]:
            seen = after
            while True:
                for params in self.published[seen:]:
                    if params.uri == uri and (version is None or params.version == version):
                        return list(params.diagnostics)
                seen = len(self.published)
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(wait(), TIMEOUT)

    async def settled(self, root: Path) -> None:
        """Wait until the server has checked the whole project at `root` (it logs one line then)."""
        said = f" of {root.resolve()} ("

        async def wait() -> None:
            while not any("guidelines: checked" in m.message and said in m.message for m in self.client.log_messages):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(wait(), TIMEOUT)

    def latest(self) -> dict[str, list[types.Diagnostic]]:
        """The last diagnostics published for each URI."""
        found: dict[str, list[types.Diagnostic]] = {}
        for params in self.published:
            found[params.uri] = list(params.diagnostics)
        return found

    def pos(self, uri: str, needle: str, offset: int = 0, occurrence: int = 0) -> types.Position:
        """The position of the `occurrence`-th `needle` in the buffer, plus `offset` characters."""
        text = self.texts[uri]
        index = -1
        for _ in range(occurrence + 1):
            index = text.index(needle, index + 1)
        index += offset
        line = text.count("\n", 0, index)
        return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


def _apply(text: str, where: types.Range, new: str) -> str:
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    return text[: offset(where.start)] + new + text[offset(where.end):]


def _converter() -> Any:
    from pygls.protocol import default_converter

    return default_converter


def make_client() -> LanguageClient:
    """pytest-lsp's test client, with publishDiagnostics recorded in order (with versions)."""
    client = LanguageClient(converter_factory=_converter())
    for method, handler in DEFAULT_CLIENT_FEATURES.items():
        if method != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            client.feature(method)(handler)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        ls.registrations = [*getattr(ls, "registrations", []), *params.registrations]

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        editor: Editor | None = getattr(ls, "editor", None)
        if editor is not None:
            editor.published.append(params)
            editor.arrived.set()

    return client


def capabilities(name: str = "visual-studio-code") -> types.ClientCapabilities:
    return client_capabilities(name)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env=SERVER_ENV))
async def client(lsp_client: LanguageClient):
    lsp_client.editor = Editor(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities(), initialization_options={"debounce": 20}))
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture
async def editor(client: LanguageClient) -> Editor:
    return client.editor


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env=SERVER_ENV),
                    scope="module")
async def module_client(lsp_client: LanguageClient):
    """One server for a whole test module (each test still works on a project of its own)."""
    lsp_client.editor = Editor(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities(), initialization_options={"debounce": 20}))
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(loop_scope="module")
async def shared_editor(module_client: LanguageClient) -> Editor:
    return module_client.editor
