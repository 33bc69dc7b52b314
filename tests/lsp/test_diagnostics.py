"""Diagnostics as the editor sees them: ranges, codes and links; unsaved buffers; broken files;
a burst of changes; dependants re-checked; files changed on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def editor(shared_editor):
    """One server for the module: every test opens a project of its own."""
    return shared_editor

RULE1 = "guidelines/pps/rules/PPS-001.yaml"
TASK = "guidelines/pps/task.yaml"


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


async def test_a_diagnostic_covers_the_value_and_links_its_code(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path, {RULE1: base.rule.replace("decision: product", "decision: 'prodct'")})
    uri = editor.open(root / RULE1)
    found = await editor.diagnostics(uri, 1)
    assert codes(found) == ["GL206", "GL207"]
    label = found[0]
    assert label.range == types.Range(start=types.Position(line=5, character=10), end=types.Position(line=5, character=18))
    assert label.severity == types.DiagnosticSeverity.Error
    assert label.source == "guidelines"
    assert label.code_description.href == "https://guidelines-tool.dev/reference/lint/#gl206"
    assert label.message == "'prodct' is not a label of task pps (did you mean 'product'?)"


async def test_an_unsaved_buffer_is_checked_not_the_disk(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path)
    uri = editor.open(root / RULE1)
    assert await editor.diagnostics(uri, 1) == []
    version = editor.edit(uri, types.Range(start=editor.pos(uri, "person]"), end=editor.pos(uri, "person]", 6)), "persn")
    found = await editor.diagnostics(uri, version)
    assert codes(found) == ["GL206"]
    assert (root / RULE1).read_text(encoding="utf-8") == base.rule


async def test_a_broken_file_gets_its_yaml_finding(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path)
    uri = editor.open(root / RULE1)
    version = editor.replace(uri, base.rule + "see_also: [PPS-002\n")
    (found,) = await editor.diagnostics(uri, version)
    assert found.code == "GL001" and found.severity == types.DiagnosticSeverity.Error
    assert "flow sequence" in found.message
    version = editor.replace(uri, base.rule)  # fixed again
    assert await editor.diagnostics(uri, version) == []


async def test_a_burst_of_fifty_changes_is_checked_once_it_settles(tmp_path: Path, editor, write_project):
    root = write_project(tmp_path)
    uri = editor.open(root / RULE1)
    await editor.diagnostics(uri, 1)
    before = len(editor.published)
    where = editor.pos(uri, "title: The product wins", 23)
    for index in range(50):  # typing: one character at a time, no waiting
        editor.edit(uri, types.Range(start=where, end=where), "x")
        where = types.Position(line=where.line, character=where.character + 1)
    version = editor.edit(uri, types.Range(start=editor.pos(uri, "decision: product", 10),
                                           end=editor.pos(uri, "decision: product", 17)), "persn")
    assert version == 52
    found = await editor.diagnostics(uri, version, after=before)
    assert codes(found) == ["GL206", "GL207"]
    mine = [p for p in editor.published[before:] if p.uri == uri]
    assert len(mine) < 51  # debounced: not one check per keystroke
    assert "x" * 50 in editor.texts[uri]


async def test_a_label_removed_from_the_task_flags_the_rules_using_it(tmp_path: Path, editor, write_project):
    root = write_project(tmp_path)
    rule_uri = editor.open(root / RULE1)
    task_uri = editor.open(root / TASK)
    await editor.settled(root)
    await editor.diagnostics(task_uri, 1)
    before = len(editor.published)
    editor.replace(task_uri, editor.texts[task_uri].replace("  - {id: person, name: Person}\n", ""))
    found = await editor.diagnostics(rule_uri, 1, after=before)  # the rule's buffer, unchanged itself
    assert codes(found) == ["GL206"]
    assert "'person' is not a label of task pps" in found[0].message


async def test_a_change_to_guidelines_yaml_rechecks_the_project(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path, {RULE1: base.rule.replace("examples:\n  - {input: Model holds a bag, label: product}\n", "")})
    rule_uri = editor.open(root / RULE1)
    assert codes(await editor.diagnostics(rule_uri, 1)) == ["GL303"]
    config_uri = editor.open(root / "guidelines.yaml")
    await editor.settled(root)
    await editor.diagnostics(config_uri, 1)
    before = len(editor.published)
    editor.replace(config_uri, "kind: project\nname: Test guidelines\nlint:\n  disable: [rule-without-examples]\n")
    assert await editor.diagnostics(rule_uri, 1, after=before) == []


async def test_files_created_deleted_and_renamed_on_disk(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path)
    uri = editor.open(root / RULE1)
    assert await editor.diagnostics(uri, 1) == []
    await editor.settled(root)
    copy = root / "guidelines/pps/rules/copy.yaml"

    async def disk(*changes: tuple[Path, types.FileChangeType]) -> list[types.Diagnostic]:
        before = len(editor.published)
        editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=editor.uri(path), type=kind) for path, kind in changes]))
        return await editor.diagnostics(uri, 1, after=before)

    copy.write_text(base.rule, encoding="utf-8")  # the same rule id twice
    assert codes(await disk((copy, types.FileChangeType.Created))) == ["GL202"]
    moved = root / "guidelines/pps/rules/moved.yaml"
    copy.rename(moved)
    found = await disk((copy, types.FileChangeType.Deleted), (moved, types.FileChangeType.Created))
    assert "also in guidelines/pps/rules/moved.yaml" in found[0].message
    moved.unlink()
    assert await disk((moved, types.FileChangeType.Deleted)) == []


async def test_a_folder_moved_on_disk(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path, {"guidelines/more/extra.yaml": base.rule})
    uri = editor.open(root / RULE1)
    assert codes(await editor.diagnostics(uri, 1)) == ["GL202"]
    await editor.settled(root)
    shutil.move(root / "guidelines/more", root / "elsewhere")
    before = len(editor.published)
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=editor.uri(root / "guidelines/more"), type=types.FileChangeType.Deleted)]))
    assert await editor.diagnostics(uri, 1, after=before) == []


async def test_the_server_asks_to_watch_yaml_files(tmp_path: Path, editor, write_project):
    root = write_project(tmp_path)
    editor.open(root / RULE1)
    await editor.settled(root)
    (registration,) = editor.client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in registration.register_options["watchers"]]
    assert "**/*.{yaml,yml}" in globs


async def test_closing_a_buffer_goes_back_to_the_disk(tmp_path: Path, editor, write_project, base):
    root = write_project(tmp_path)
    uri = editor.open(root / RULE1, base.rule.replace("person]", "persn]"))
    assert codes(await editor.diagnostics(uri, 1)) == ["GL206"]
    await editor.settled(root)
    before = len(editor.published)
    editor.close(uri)
    assert await editor.diagnostics(uri, after=before) == []
