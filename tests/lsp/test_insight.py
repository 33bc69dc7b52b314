"""A rule's hover shows its latest revisions with their impact verdicts, worked out in the
background from the project's history and annotation batches (the demo repository: PPS-007 was
reworded harmfully, then reverted)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from lsprotocol import types

from guidelines_tool.cli import cli

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    return target


async def hover_text(editor, uri: str, position: types.Position) -> str:
    answer = await editor.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position))
    return answer.contents.value if answer else ""


async def test_hover_shows_the_latest_revisions_and_their_verdicts(demo_repo: Path, editor):
    path = next(p for p in (demo_repo / "guidelines").rglob("*.yaml") if "\nid: PPS-007\n" in p.read_text())
    uri = editor.open(path)
    where = editor.pos(uri, "id: PPS-007", 5)
    started = time.perf_counter()
    first = await hover_text(editor, uri, where)
    assert time.perf_counter() - started < 10  # answered at once, not after computing impact
    assert "**PPS-007**" in first
    assert "*Impact:* being computed in the background" in first or "*Latest revisions" in first
    text = first
    deadline = time.perf_counter() + 240
    while "*Latest revisions" not in text and time.perf_counter() < deadline:
        await asyncio.sleep(1)
        text = await hover_text(editor, uri, where)
    assert "*Latest revisions and their impact*" in text, text
    lines = [line for line in text.split("*Latest revisions", 1)[1].splitlines() if line.startswith("- ")]
    assert "**improved ▲**" in lines[0]  # the revert, newest first
    assert any("**REGRESSED ▼**" in line for line in lines)  # the harmful rewording
    assert (demo_repo / ".git" / "guidelines-cache" / "lsp-impact.json").is_file()
