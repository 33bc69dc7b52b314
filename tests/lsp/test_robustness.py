"""No request brings the server down: hostile documents and positions get answers (maybe empty),
never an error, and an unexpected internal error becomes a logged message and an empty result."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from guidelines_tool.lsp.handlers import guarded
from guidelines_tool.lsp.server import GuidelinesServer

TESTS = Path(__file__).resolve().parent.parent

HOSTILE = {
    "nul-and-controls.yaml": "kind: rule\x00\x01\x02\nid: \x7f\x1b[31m\n",
    "deep.yaml": "kind: rule\nlabels: " + "[" * 5000 + "\n",
    "long-line.yaml": "kind: rule\ntitle: " + "x" * 200_000 + "\n",
    "wide-chars.yaml": "\ufeffkind: rule\r\nid: PPS-9\r\ntitle: 😀 \u2028 naïve 𝔘\r\nlabels: [😀, \U0001f600x]\r\ndecision: 😀\r\n",
    "wrong-types.yaml": ("kind: rule\nid: [a, {b: c}]\ntask: [x]\nlabels: {x: y}\ndecision: [1]\nexamples: 5\n"
                         "counterexamples: [1, null, {label: {a: b}}]\noverrides: {a: 1}\nreplaced_by: [1]\nstatus: 7\n"),
    "task-wrong-types.yaml": "kind: task\nid: 5\nrules: [1, null, {id: X}, {id: [y]}]\nlabels: [null, 1, {id: [x]}, {id: ok}]\n",
    "empty.yaml": "",
    "only-comment.yaml": "# nothing\n",
    "complex-keys.yaml": "kind: rule\n? [a, b]\n: c\n? {x: y}\n: [1]\nid: PPS-7\n",
    "anchors.yaml": "kind: rule\nid: &a PPS-8\nsee_also: [*a, *a]\nlabels: &l [product]\ndecision: *l\n",
}
CORPUS = {f"corpus-{path.name}": path.read_bytes().decode("utf-8", "replace")
          for path in sorted((TESTS / "malformed").iterdir()) if path.stat().st_size < 100_000}


def positions(text: str, *, lines_tried: int = 12) -> list[types.Position]:
    lines = text.split("\n")
    found = [types.Position(line=0, character=0), types.Position(line=len(lines) + 5, character=3),
             types.Position(line=0, character=10_000)]
    for number, line in enumerate(lines[:lines_tried]):
        for character in sorted({0, 1, len(line) // 2, len(line), len(line) + 1}):
            found.append(types.Position(line=number, character=character))
    return found


async def position_requests(client, uri: str, position: types.Position) -> list:
    document = types.TextDocumentIdentifier(uri=uri)
    answers = [
        await client.text_document_completion_async(types.CompletionParams(text_document=document, position=position)),
        await client.text_document_hover_async(types.HoverParams(text_document=document, position=position)),
        await client.text_document_definition_async(types.DefinitionParams(text_document=document, position=position)),
        await client.text_document_references_async(types.ReferenceParams(
            text_document=document, position=position, context=types.ReferenceContext(include_declaration=True))),
        await client.text_document_prepare_rename_async(types.PrepareRenameParams(text_document=document, position=position)),
    ]
    try:
        answers.append(await client.text_document_rename_async(types.RenameParams(
            text_document=document, position=position, new_name="PPS-123")))
    except Exception as refused:  # a refusal is an answer; anything else is not
        assert any(why in str(refused) for why in ("not supported", "taken", "valid", "does not define")), refused
    return answers


async def document_requests(client, uri: str, end: types.Position) -> list:
    document = types.TextDocumentIdentifier(uri=uri)
    whole = types.Range(start=types.Position(line=0, character=0), end=end)
    return [
        await client.text_document_code_action_async(types.CodeActionParams(
            text_document=document, range=whole, context=types.CodeActionContext(diagnostics=[types.Diagnostic(
                range=whole, message="?", code=code, source="guidelines") for code in ("GL206", "GL101", "GL301", "GL305")]))),
        await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=document)),
        await client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=document, options=types.FormattingOptions(tab_size=2, insert_spaces=True))),
    ]


@pytest.mark.asyncio
async def test_hostile_documents_and_positions_get_answers(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path)
    uris = []
    for name, text in {**HOSTILE, **CORPUS}.items():
        uris.append((editor.open(root / "guidelines/pps/rules" / name, text), text))
    uris.append((editor.open(root / "not-in-the-guideline-folder.yaml", "kind: rule\n"), "kind: rule\n"))
    uris.append(("untitled:Untitled-1", "x"))
    uris.append((editor.uri(tmp_path / "no/such/place.yaml"), ""))
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri="untitled:Untitled-1", language_id="yaml", version=1, text="kind: rule\nid: [")))
    for uri, text in uris:  # each document's requests at once, as a busy editor sends them
        tried = 12 if "corpus-" not in uri else 2
        spots = positions(text, lines_tried=tried)
        await asyncio.gather(document_requests(editor.client, uri, spots[-1]),
                             *(position_requests(editor.client, uri, position) for position in spots))
    await editor.client.workspace_symbol_async(types.WorkspaceSymbolParams(query="\x00😀"))
    errors = [m.message for m in editor.client.log_messages if m.type == types.MessageType.Error]
    assert errors == []
    # still alive and right
    uri = editor.open(root / "guidelines/pps/rules/last.yaml", base.rule.replace("person]", "persn]").replace("PPS-001", "PPS-777"))
    assert "GL206" in [d.code for d in await editor.diagnostics(uri, 1)]


@pytest.mark.asyncio
async def test_an_edit_of_a_hostile_document_keeps_the_server_answering(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path)
    uri = editor.open(root / "guidelines/pps/rules/x.yaml", HOSTILE["wide-chars.yaml"])
    await editor.diagnostics(uri, 1)
    for text in HOSTILE.values():
        editor.replace(uri, text)
    version = editor.replace(uri, base.rule.replace("PPS-001", "PPS-002"))
    found = await editor.diagnostics(uri, version)
    assert found == []


class _Recording(GuidelinesServer):
    def __init__(self) -> None:
        super().__init__()
        self.said: list[tuple[str, types.MessageType]] = []

    def say(self, message: str, level: types.MessageType = types.MessageType.Log) -> None:
        self.said.append((message, level))


def test_an_internal_error_is_logged_and_answered_empty():
    server = _Recording()

    @guarded(list)
    def broken(ls, params):
        raise KeyError("a bug")

    assert broken(server, None) == []
    ((message, level),) = server.said
    assert level == types.MessageType.Error
    assert message == "guidelines: internal error in broken: KeyError: 'a bug'"
