"""Each editor feature end to end over stdio: completion, hover, definition, references,
symbols, rename, code actions, formatting."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def editor(shared_editor):
    """One server for the module: every test opens a project of its own."""
    return shared_editor

TASK = "guidelines/pps/task.yaml"
RULE1 = "guidelines/pps/rules/PPS-001.yaml"
RULE2 = "guidelines/pps/rules/PPS-002.yaml"
REVIEW = "guidelines/review/task.yaml"

PPS_002 = """\
kind: rule
id: PPS-002
task: pps
title: Boxes count as the product  # the box is what ships
status: active
labels: [product, packaging]
decision: packaging
when: The product is shown in its box.
examples:
  - input: A closed box
    label: packaging
overrides: [PPS-001]
see_also:
  - PPS-001
"""
TASK_TEXT = """\
kind: task
id: pps
title: Primary subject of product photos
labels:
  - id: product
    name: Product
    definition: The item being sold is the main subject.
    include: [The product fills the frame]
    exclude: [Only the box is shown]
  - {id: person, name: Person}
  - {id: packaging, name: Packaging}
"""
REVIEW_TEXT = """\
kind: task
id: review
title: Sentiment of a review
labels:
  - {id: positive, name: Positive}
  - {id: negative, name: Negative}
rules:
  - id: REV-001
    title: Sarcasm reads as meant
    labels: [positive, negative]
    decision: negative
    when: Praise contradicted by the facts.
    examples:
      - {input: "Great, broke on day two", label: negative}
"""


@pytest.fixture
def project(guideline_project, tmp_path: Path) -> Path:
    return guideline_project(tmp_path, {TASK: TASK_TEXT, RULE2: PPS_002, REVIEW: REVIEW_TEXT})


def labels_of(items) -> list[str]:
    return [item.label for item in items]


# --- completion ---------------------------------------------------------------------------------


async def complete(editor, uri: str, position: types.Position) -> list[types.CompletionItem]:
    result = await editor.client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position))
    return result.items if isinstance(result, types.CompletionList) else (result or [])


async def test_completes_the_task_labels_where_a_label_goes(project: Path, editor):
    uri = editor.open(project / RULE2)
    await editor.diagnostics(uri, 1)
    editor.edit(uri, types.Range(start=editor.pos(uri, "decision: ", 10), end=editor.pos(uri, "decision: ", 19)), "pa")
    items = await complete(editor, uri, editor.pos(uri, "decision: pa", 12))
    assert labels_of(items) == ["product", "person", "packaging"]
    packaging = items[2]
    assert packaging.detail == "Packaging (pps)"
    assert packaging.text_edit.new_text == "packaging"
    assert packaging.text_edit.range == types.Range(start=editor.pos(uri, "decision: ", 10), end=editor.pos(uri, "decision: pa", 12))
    items = await complete(editor, uri, editor.pos(uri, "labels: [product, ", 18))  # in a flow list
    assert "person" in labels_of(items)
    items = await complete(editor, uri, editor.pos(uri, "label: packaging", 7))  # an example's label
    assert labels_of(items) == ["product", "person", "packaging"]


async def test_completes_rule_ids_with_their_titles(project: Path, editor):
    uri = editor.open(project / RULE2)
    items = await complete(editor, uri, editor.pos(uri, "overrides: [", 12))
    assert labels_of(items) == ["PPS-001", "REV-001"]  # not PPS-002 itself
    assert items[0].detail == "The product wins"
    items = await complete(editor, uri, editor.pos(uri, "  - PPS-001", 4))  # see_also, block list
    assert "PPS-001" in labels_of(items)


async def test_completes_task_ids_and_status_values(project: Path, editor):
    uri = editor.open(project / RULE2)
    items = await complete(editor, uri, editor.pos(uri, "task: pps", 6))
    assert labels_of(items) == ["pps", "review"]
    assert items[0].detail == "Primary subject of product photos"
    items = await complete(editor, uri, editor.pos(uri, "status: active", 8))
    assert labels_of(items) == ["draft", "active", "deprecated"]


async def test_completes_keys_with_the_schema_descriptions(project: Path, editor):
    uri = editor.open(project / RULE2)
    end = editor.pos(uri, "  - PPS-001\n", 12)
    editor.edit(uri, types.Range(start=end, end=end), "ra")
    items = await complete(editor, uri, editor.pos(uri, "\nra", 3))
    names = labels_of(items)
    assert "rationale" in names and "replaced_by" in names
    assert "kind" not in names and "labels" not in names  # already there
    rationale = next(item for item in items if item.label == "rationale")
    assert rationale.text_edit.new_text == "rationale: "
    assert "Why the rule decides this way" in rationale.documentation.value


async def test_completes_keys_inside_an_example(project: Path, editor):
    uri = editor.open(project / RULE2)
    end = editor.pos(uri, "    label: packaging\n", 21)
    editor.edit(uri, types.Range(start=end, end=end), "    w")
    items = await complete(editor, uri, editor.pos(uri, "\n    w", 6))
    # the keys an example may still take (the client filters them by what was typed)
    assert sorted(labels_of(items)) == ["media", "quiz", "why"]


async def test_snippet_for_a_new_example(project: Path, editor):
    uri = editor.open(project / RULE2)
    end = editor.pos(uri, "    label: packaging\n", 21)
    editor.edit(uri, types.Range(start=end, end=end), "  - \n")
    items = await complete(editor, uri, editor.pos(uri, "packaging\n  - ", 14))
    snippet = next(item for item in items if item.kind == types.CompletionItemKind.Snippet)
    assert snippet.label == "new example"
    assert snippet.insert_text_format == types.InsertTextFormat.Snippet
    assert snippet.text_edit.new_text.startswith("input: ${1:")
    assert "\n    label: ${2:label}" in snippet.text_edit.new_text


async def test_completion_keeps_the_last_good_model_of_a_broken_task_file(project: Path, editor):
    task_uri = editor.open(project / TASK)
    rule_uri = editor.open(project / RULE2)
    version = editor.replace(task_uri, TASK_TEXT + "  - {id: [broken\n")
    found = await editor.diagnostics(task_uri, version)
    assert [d.code for d in found] == ["GL001"]
    items = await complete(editor, rule_uri, editor.pos(rule_uri, "decision: ", 10))
    assert labels_of(items) == ["product", "person", "packaging"]


# --- hover --------------------------------------------------------------------------------------


async def hover(editor, uri: str, position: types.Position) -> str:
    result = await editor.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position))
    return result.contents.value if result else ""


async def test_hover_on_a_rule_id(project: Path, editor):
    uri = editor.open(project / RULE2)
    text = await hover(editor, uri, editor.pos(uri, "overrides: [PPS-001", 14))
    assert "**PPS-001** · The product wins" in text
    assert "status: active" in text and "decision: product" in text
    assert "*Impact:* no annotation data" in text  # said, not computed


async def test_hover_on_a_label_and_on_a_key(project: Path, editor):
    uri = editor.open(project / RULE2)
    text = await hover(editor, uri, editor.pos(uri, "labels: [product", 10))
    assert text.startswith("**product** · Product (task pps)")
    assert "The item being sold is the main subject." in text
    assert "*Include:*\n- The product fills the frame" in text and "*Exclude:*\n- Only the box is shown" in text
    text = await hover(editor, uri, editor.pos(uri, "overrides:", 2))
    assert "Rules this one wins over when both apply." in text


# --- definition, references, symbols ------------------------------------------------------------


async def test_definition_of_rule_label_and_task_ids(project: Path, editor):
    uri = editor.open(project / RULE2)
    for needle, path, line in (("overrides: [PPS-001", RULE1, 1), ("decision: packaging", TASK, 10),
                               ("task: pps", TASK, 1)):
        found = await editor.client.text_document_definition_async(types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=editor.pos(uri, needle, len(needle) - 2)))
        assert [(loc.uri, loc.range.start.line) for loc in found] == [(editor.uri(project / path), line)], needle


async def test_references_of_a_rule_id_across_files(project: Path, editor):
    uri = editor.open(project / RULE1)
    found = await editor.client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=editor.pos(uri, "id: PPS-001", 5),
        context=types.ReferenceContext(include_declaration=True)))
    places = sorted((Path(loc.uri).name, loc.range.start.line, loc.range.start.character) for loc in found)
    assert places == [("PPS-001.yaml", 1, 4), ("PPS-002.yaml", 11, 12), ("PPS-002.yaml", 13, 4)]


async def test_references_of_a_label_stay_in_its_task(project: Path, editor):
    uri = editor.open(project / TASK)
    found = await editor.client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=editor.pos(uri, "id: product", 5),
        context=types.ReferenceContext(include_declaration=False)))
    places = sorted((Path(loc.uri).name, loc.range.start.line) for loc in found)
    assert places == [("PPS-001.yaml", 4), ("PPS-001.yaml", 5), ("PPS-001.yaml", 8), ("PPS-002.yaml", 5)]


async def test_document_symbols_of_a_task_file(project: Path, editor):
    uri = editor.open(project / REVIEW)
    found = await editor.client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [s.name for s in found] == ["review"]
    assert [(c.name, c.kind) for c in found[0].children] == [
        ("positive", types.SymbolKind.EnumMember), ("negative", types.SymbolKind.EnumMember), ("REV-001", types.SymbolKind.Class)]
    assert found[0].children[2].detail == "Sarcasm reads as meant"


async def test_workspace_symbols_are_rule_ids_and_titles(project: Path, editor):
    editor.open(project / RULE1)
    await editor.settled(project)
    mine = editor.uri(project) + "/"  # the server may hold other tests' projects too

    async def symbols(query: str) -> list[types.SymbolInformation]:
        found = await editor.client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))
        return [s for s in found if s.location.uri.startswith(mine)]

    assert [s.name for s in await symbols("boxes count")] == ["PPS-002 Boxes count as the product"]
    assert sorted(s.name.split()[0] for s in await symbols("")) == ["PPS-001", "PPS-002", "REV-001", "pps", "review"]


# --- rename -------------------------------------------------------------------------------------


async def rename(editor, uri: str, position: types.Position, new_name: str):
    return await editor.client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position, new_name=new_name))


def edited(edit: types.WorkspaceEdit) -> dict[str, list[tuple[int, int, str]]]:
    changes = {change.text_document.uri: change.edits for change in edit.document_changes or []} or edit.changes
    return {Path(uri).name: sorted((e.range.start.line, e.range.start.character, e.new_text) for e in edits)
            for uri, edits in changes.items()}


async def test_rename_a_rule_id_across_files(project: Path, editor):
    uri = editor.open(project / RULE2)
    prepared = await editor.client.text_document_prepare_rename_async(types.PrepareRenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=editor.pos(uri, "[PPS-001", 3)))
    assert prepared.placeholder == "PPS-001"
    edit = await rename(editor, uri, editor.pos(uri, "[PPS-001", 3), "PPS-010")
    assert edited(edit) == {"PPS-001.yaml": [(1, 4, "PPS-010")], "PPS-002.yaml": [(11, 12, "PPS-010"), (13, 4, "PPS-010")]}


async def test_rename_a_label_id_across_the_task_and_its_rules(project: Path, editor):
    uri = editor.open(project / RULE2)
    edit = await rename(editor, uri, editor.pos(uri, "decision: packaging", 12), "box")
    assert edited(edit) == {
        "task.yaml": [(10, 9, "box")],
        "PPS-002.yaml": [(5, 18, "box"), (6, 10, "box"), (10, 11, "box")],
    }


@pytest.mark.parametrize(("needle", "new_name", "why"), [
    ("[PPS-001", "PPS-002", "rule id PPS-002 is taken"),
    ("[PPS-001", "pps-1", "not a valid rule id"),
    ("decision: packaging", "person", "already has a label 'person'"),
    ("decision: packaging", "a b", "not a valid label id"),
])
async def test_rename_refuses_taken_or_invalid_ids(project: Path, editor, needle, new_name, why):
    uri = editor.open(project / RULE2)
    with pytest.raises(Exception) as refused:
        await rename(editor, uri, editor.pos(uri, needle, len(needle) - 3), new_name)
    assert why in str(refused.value)


# --- code actions and formatting ----------------------------------------------------------------


async def actions_for(editor, uri: str, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    return await editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostics[0].range if diagnostics else
        types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=diagnostics)))


async def test_did_you_mean_fixes(project: Path, editor):
    uri = editor.open(project / RULE2)
    version = editor.replace(uri, PPS_002.replace("decision: packaging", "decision: packging").replace("[PPS-001]", "[PPS-01]"))
    found = await editor.diagnostics(uri, version)
    label = next(d for d in found if d.code == "GL206")
    fixes = await actions_for(editor, uri, [label])
    assert [a.title for a in fixes if a.kind == types.CodeActionKind.QuickFix] == ["Change to 'packaging'"]
    assert fixes[0].edit.changes[uri][0].range == label.range
    rule = next(d for d in found if d.code == "GL208")
    fixes = await actions_for(editor, uri, [rule])
    assert fixes[0].title == "Change to 'PPS-001'" and fixes[0].is_preferred


async def test_fix_a_deprecated_rule_without_replaced_by(project: Path, editor):
    uri = editor.open(project / RULE1)
    version = editor.replace(uri, editor.texts[uri].replace("title: The product wins\n", "title: The product wins\nstatus: deprecated\n"))
    found = await editor.diagnostics(uri, version)
    warning = next(d for d in found if d.code == "GL301")
    fixes = await actions_for(editor, uri, [warning])
    assert fixes[0].title == "Set replaced_by: PPS-002"  # PPS-002 overrides it
    (change,) = fixes[0].edit.changes[uri]
    assert change.new_text == "\nreplaced_by: PPS-002" and change.range.start == editor.pos(uri, "status: deprecated", 18)


async def test_add_the_schema_modeline(project: Path, editor):
    (project / "schemas").mkdir()
    (project / "schemas/rule.schema.json").write_text("{}", encoding="utf-8")
    uri = editor.open(project / RULE2)
    fixes = await actions_for(editor, uri, [])
    (modeline,) = [a for a in fixes if a.kind == "source.addSchemaModeline"]
    assert modeline.edit.changes[uri][0].new_text == "# yaml-language-server: $schema=../../../schemas/rule.schema.json\n"


async def test_formatting_is_guidelines_fmt_and_keeps_comments(project: Path, editor):
    uri = editor.open(project / RULE2)
    version = editor.replace(uri, PPS_002.replace("status: active\n", "").replace("kind: rule\n", "kind: rule\nstatus: active  # in force\n"))
    await editor.diagnostics(uri, version)
    edits = await editor.client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    text = editor.texts[uri]
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = _apply(text, edit)
    from guidelines_tool.formatting import format_text

    assert text == format_text(editor.texts[uri])
    assert "status: active  # in force\n" in text and "# the box is what ships" in text
    assert text.index("status:") > text.index("title:")


def _apply(text: str, edit: types.TextEdit) -> str:
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]


async def test_completes_inline_rule_labels_and_lint_codes(project: Path, editor):
    uri = editor.open(project / REVIEW)
    items = await complete(editor, uri, editor.pos(uri, "    decision: ", 14))
    assert labels_of(items) == ["positive", "negative"]  # the enclosing task's labels
    config = project / "guidelines.yaml"
    config.write_text("kind: project\nname: Test guidelines\nlint:\n  disable: [GL3]\n", encoding="utf-8")
    uri = editor.open(config)
    items = await complete(editor, uri, editor.pos(uri, "[GL3", 4))
    assert "GL303" in labels_of(items)
    assert next(i for i in items if i.label == "GL303").detail == "rule-without-examples (warning)"
