"""JSON values as record rows, shared by the readers of JSON formats (JSON Lines, Label Studio,
Prodigy): JSON Lines parsed line by line with each bad line reported, a value as a record cell,
and record dicts as an Arrow table.

Python's json module is the parser here (pyarrow's only reads plain JSON Lines, jsonl.py), and
hostile input is bounded: nesting deeper than the interpreter's recursion limit is a finding,
not a crash; an integer longer than Python converts (4,300 digits) is kept as its digits, not
a ValueError; a string holding a lone UTF-16 surrogate ("\\ud800", which no UTF-8 text can
hold) rejects its record with a finding.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import OPTIONAL, REQUIRED, Chunk, finding, shown

# Python refuses to convert longer digit strings to int (CVE-2020-10735: quadratic time)
_MAX_DIGITS = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # not str.splitlines: U+2028 may sit inside a string
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")


class LongNumber(str):
    """An integer too long for Python to convert, kept as the digits the file wrote."""


def _int(text: str) -> int | LongNumber:
    if len(text) - text.startswith("-") > _MAX_DIGITS:
        return LongNumber(text)
    return int(text)


def loads(text: str) -> object:
    """json.loads, with integers beyond Python's digit limit kept as `LongNumber` text."""
    return json.loads(text, parse_int=_int)


def long_numbers(value: object) -> list[LongNumber]:
    """The LongNumbers inside a parsed JSON value (searched only when the text has one)."""
    found: list[LongNumber] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, LongNumber):
            found.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return found


def long_number_finding(path: str, line: int, numbers: list[LongNumber], where: str = ""):
    digits = max(len(n) for n in numbers)
    return finding(path, line, "long-number", (
        f"{where}a number of {digits:,} digits (more than the {_MAX_DIGITS:,} Python converts): "
        "kept as its digits, as text; ids and labels compare as text, so nothing else changes"))


def _json_lines(data: bytes) -> list[tuple[int, str | bytes]]:
    """The non-blank lines of a JSON Lines file with their 1-based numbers; lines end at LF,
    CR LF or a lone CR. A line that is not UTF-8 stays bytes (the caller reports it): one bad
    line does not cost the file."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        parts = _LINE_BREAK_BYTES.split(data) if b"\r" in data else data.split(b"\n")
        return [(n, _decoded(line)) for n, line in enumerate(parts, start=1)
                if line.strip(b" \t\r\n")]
    parts = _LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    # blank is JSON's whitespace only: a line of U+00A0 is a line, and not JSON
    return [(n, line) for n, line in enumerate(parts, start=1) if line.strip(" \t\r\n")]


def _decoded(line: bytes) -> str | bytes:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line


def _parse_json_lines(path: Path, lines: list[tuple[int, str | bytes]]) -> tuple[list, Chunk]:
    chunk = Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64))
    records = []

    def bad(n: int, message: str) -> None:
        chunk.problems.append(finding(str(path), n, "malformed-record", f"{message}; line skipped"))
        chunk.rejected["malformed-record"] += 1

    for n, line in lines:
        if isinstance(line, bytes):
            bad(n, f"not UTF-8 text ({_not_utf8_at(line)})")
            continue
        try:
            record = loads(line)
        except json.JSONDecodeError as exc:
            bad(n, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:  # hostile input: thousands of nested brackets
            bad(n, "JSON nested too deeply (more than about 1,000 levels)")
            continue
        if not isinstance(record, dict):
            bad(n, f"not a JSON object (a JSON {_json_type(record)})")
            continue
        if len(line) > _MAX_DIGITS and re.search(r"\d{%d}" % (_MAX_DIGITS + 1), line):
            numbers = long_numbers(record)
            if numbers:
                chunk.problems.append(long_number_finding(str(path), n, numbers))
        records.append((n, record))
    return records, chunk


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {list: "array", str: "string"}.get(type(value), "number")


def _not_utf8_at(line: bytes) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"byte 0x{line[exc.start]:02x} at column {exc.start + 1}"
    return "?"


def _cell(value: object) -> object:
    """A JSON value as a record cell: lists stay lists (of strings, absent members left out),
    scalars become strings. Spelled as Arrow casts what pyarrow's reader types, so that a file
    reads alike whichever reader takes it: `1.0` is `1`, `true` is `true`, and NaN (what
    Python's json writes for pandas' missing values) is absent, as null is."""
    if isinstance(value, list):
        return [s for s in map(_scalar, value) if s is not None]
    return _scalar(value)


def _scalar(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _records_table(rows: list[dict], extra: tuple[str, ...] = ()) -> pa.Table:
    """Arrow table of the record columns (and `extra`) from dicts; only columns some record has."""
    present = [c for c in dict.fromkeys((*REQUIRED, *OPTIONAL, *extra)) if any(c in r for r in rows)]
    data = {}
    for name in present:
        values = [_cell(r.get(name)) for r in rows]
        if any(isinstance(v, list) for v in values):
            values = [v if isinstance(v, list) or v is None else [v] for v in values]
            data[name] = pa.array(values, type=pa.list_(pa.string()))
        else:
            data[name] = pa.array(values, type=pa.string())
    return pa.table(data) if data else pa.table({"_empty": pa.array([None] * len(rows))})


def _set_records(chunk: Chunk, rows: list[dict], lines: list[int], extra: tuple[str, ...] = ()) -> None:
    """The chunk's table and lines from record dicts. A record whose text cannot be UTF-8 (a
    lone surrogate, "\\ud800" in the JSON) is rejected with a finding; the rest are kept."""
    try:
        chunk.table = _records_table(rows, extra)
    except UnicodeEncodeError:
        keep = []
        for row, n in zip(rows, lines):
            column = next((c for c in (*REQUIRED, *OPTIONAL, *extra) if _unencodable(row.get(c))), None)
            if column is None:
                keep.append((row, n))
                continue
            where = f"record {n}: " if chunk.by_record else ""
            chunk.problems.append(finding(
                chunk.path, 0 if chunk.by_record else n, "malformed-record",
                f"{where}{column} {shown(row[column])} holds a lone UTF-16 surrogate, which no "
                "Unicode text can; record skipped"))
            chunk.rejected["malformed-record"] += 1
        rows, lines = [r for r, _ in keep], [n for _, n in keep]
        chunk.table = _records_table(rows, extra)
    chunk.lines = np.array(lines, dtype=np.int64)


def _unencodable(value: object) -> bool:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, (dict, list)):
            if _unencodable(list(v.values()) if isinstance(v, dict) else v):
                return True
            continue
        try:
            str(v).encode("utf-8")
        except UnicodeEncodeError:
            return True
    return False
