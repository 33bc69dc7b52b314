"""Opening annotation files: only regular files are read, each other kind named; a FIFO never
blocks and a device is never read; the size limit holds before the read."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidelines_tool.annotations import read_annotations, read_gold
from guidelines_tool.annotations.source import read_bytes
from guidelines_tool.cli import cli
from guidelines_tool.errors import DataError

ROWS = "item,annotator,label\np1,a,x\np1,b,x\n"


def _outcome_within(seconds: float, fn) -> BaseException | str:
    """fn() in a thread: its exception (or "returned"), or "blocked" when it does not end."""
    result: list[BaseException | str] = []

    def run() -> None:
        try:
            fn()
            result.append("returned")
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return result[0] if result else "blocked"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "batch.csv"
    os.mkfifo(fifo)
    try:
        outcome = _outcome_within(20, lambda: read_annotations([fifo]))
        assert isinstance(outcome, DataError), outcome
        assert "named pipe (FIFO), not a file" in str(outcome)
        gold = _outcome_within(20, lambda: read_gold(fifo))
        assert isinstance(gold, DataError) and "named pipe" in str(gold)
    finally:
        try:  # a reader left blocked on the pipe (the bug) is released, not leaked
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


def test_a_link_to_an_endless_device_is_refused_before_any_read(tmp_path: Path) -> None:
    # in a child with 1 GB of address space: if the check ever ran after the read, the child
    # would fail on memory, not the machine
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
              "from guidelines_tool.cli import main\n"
              "sys.argv = ['guidelines', 'agreement', sys.argv[1]]\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script, str(link)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "zero.csv (a link to /dev/zero): a device, not a file" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("kind, message", [
    ("missing", "absent.csv: no such file"),
    ("dangling", "a symbolic link to 'nowhere.csv', which does not exist"),
    ("loop", "a symbolic link that loops"),
    ("directory", "a directory, not a file"),
    ("device", "(a link to /dev/null): a device, not a file"),
])
def test_each_kind_of_non_file_is_named(tmp_path: Path, kind: str, message: str) -> None:
    path = tmp_path / ("absent.csv" if kind == "missing" else "batch.csv")
    if kind == "dangling":
        path.symlink_to("nowhere.csv")
    elif kind == "loop":
        (tmp_path / "other.csv").symlink_to(path)
        path.symlink_to(tmp_path / "other.csv")
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/null")
    with pytest.raises(DataError, match="^" + str(tmp_path) + r".*" + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        read_annotations([path])


def test_a_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text(ROWS)
    (tmp_path / "link.csv").symlink_to("real.csv")
    assert len(read_annotations([tmp_path / "link.csv"])) == 2


def test_the_size_limit_holds_before_the_read(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(ROWS)
    assert read_bytes(path, limit=len(ROWS)) == ROWS.encode()
    with pytest.raises(DataError, match=r"batch.csv: 35 bytes, more than the limit \(34 bytes\)"):
        read_bytes(path, limit=len(ROWS) - 1)


def test_agreement_on_a_dangling_link_exits_2_with_the_reason(tmp_path: Path,
                                                              monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("batch.csv").symlink_to("exported/batch.csv")
    result = CliRunner().invoke(cli, ["agreement", "batch.csv"])
    assert result.exit_code == 2
    assert ("batch.csv: a symbolic link to 'exported/batch.csv', which does not exist"
            in result.stderr)


@pytest.mark.parametrize("command", [["agreement", "ok.csv", "--gold"], ["quiz", "score", "ok.csv", "--gold"]])
def test_a_gold_file_that_is_a_fifo_or_a_dangling_link_is_named(tmp_path: Path, monkeypatch,
                                                                 command: list[str]) -> None:
    """`--gold` was checked by click ("does not exist") or by is_file() ("no such file")
    before the reader could say what the path is."""
    monkeypatch.chdir(tmp_path)
    Path("ok.csv").write_text(ROWS)
    Path("gold.csv").symlink_to("exported/gold.csv")
    os.mkfifo("fifo.csv")
    result = CliRunner().invoke(cli, [*command, "gold.csv"])
    assert result.exit_code == 2
    assert "gold.csv: a symbolic link to 'exported/gold.csv', which does not exist" in result.stderr
    result = CliRunner().invoke(cli, [*command, "fifo.csv"])
    assert result.exit_code == 2 and "fifo.csv: a named pipe (FIFO), not a file" in result.stderr


JUDGEMENTS = [("i1", "José", "x"), ("i1", "b", "y")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "utf-32"])
@pytest.mark.parametrize("name", ["a.csv", "a.jsonl", "a.json"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read_in_every_text_format(
        tmp_path: Path, rows, encoding: str, name: str) -> None:
    """Excel's "Unicode text" and PowerShell 5's Out-File write UTF-16 with a byte-order mark;
    each text format reads it, with its line numbers (lone CR line ends included)."""
    records = [{"item": i, "annotator": a, "label": l} for i, a, l in JUDGEMENTS]
    text = {"a.csv": "item,annotator,label\r\ni1,José,x\ri1,b,y\n",
            "a.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in records),
            "a.json": json.dumps(records, ensure_ascii=False)}[name]
    data = ("\ufeff" + text).encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    path = tmp_path / name
    path.write_bytes(data)
    table = read_annotations([path])
    assert rows(table) == JUDGEMENTS and not table.problems
    if name != "a.json":
        assert table.line.tolist() == ([2, 3] if name == "a.csv" else [1, 2])


@pytest.mark.parametrize(("data", "message"), [
    (b"PAR1\x15\x04", "is a Parquet file: name it .parquet, or pass --input-format parquet"),
    (b"PK\x03\x04\x14\x00", r"is a ZIP archive \(an Excel workbook"),
    (gzip.compress(ROWS.encode()), "is gzip-compressed: decompress it first"),
    (ROWS.encode("utf-16-le"), r"line 1 holds NUL bytes \(UTF-16 text without its byte-order mark\?\)"),
    (b"item,annotator,label\x00\x01\x02\x03\nx", r"line 1 holds NUL bytes \(binary data\?\)"),
    (b"\xff\xfei\x00t\x00\x00\xd8", "starts with a UTF-16 byte-order mark but is not UTF-16 text"),
])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_a_file_that_is_no_text_is_named_for_what_it_is(tmp_path: Path, data: bytes,
                                                         message: str, suffix: str) -> None:
    """Read as UTF-8, these were one finding per line ("row has 1 fields", "not valid JSON"),
    none of them the reason."""
    path = tmp_path / f"a{suffix}"
    path.write_bytes(data)
    with pytest.raises(DataError, match=f"^{path}: .*{message}"):
        read_annotations([path])
