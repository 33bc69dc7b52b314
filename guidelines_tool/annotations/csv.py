"""CSV and TSV files, as spreadsheets and scripts write them.

pyarrow's parallel reader when every record is one line; the serial one when quoted values span
lines. UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode text"),
Excel's `sep=` first line, `;` / tab / `|` delimiters recognised from the header. Malformed rows
are skipped and reported with their line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import Chunk, finding


def _read_csv(path: Path) -> Chunk:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its BOM: Excel's "Unicode text"
        data = data.decode("utf-16").encode("utf-8")
    # Excel's "sep=;" first line names the delimiter; line numbers still count it
    sep_line = re.match(rb"(?:\xef\xbb\xbf)?sep=([^\r\n])\r?\n", data[:16])
    if sep_line:
        chunk = _read_csv_data(path, data[sep_line.end():], sep_line.group(1).decode())
        chunk.lines = chunk.lines + 1
        chunk.problems = [replace(p, line=p.line + 1) if p.line else p for p in chunk.problems]
        return chunk
    return _read_csv_data(path, data, None)


def _read_csv_data(path: Path, data: bytes, delimiter: str | None) -> Chunk:
    import pyarrow.csv as pacsv

    text_head = data[:65536].decode("utf-8-sig", errors="replace")
    first = next(csv.reader(io.StringIO(text_head)), None)
    if not first:
        return Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64))
    delimiter = delimiter or _delimiter(text_head,
                                        "\t" if path.suffix.lower() == ".tsv" else ",")
    header = next(csv.reader(io.StringIO(text_head), delimiter=delimiter))
    bad_rows: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = row.number
        if number is None and row.text:  # pyarrow cannot count lines when values span them
            at = data.find(row.text.encode())
            number = data.count(b"\n", 0, at) + 1 if at >= 0 else None
        bad_rows.append((number, f"has {row.actual_columns} fields, the header has "
                                 f"{row.expected_columns}"))
        return "skip"

    def parse(newlines_in_values: bool) -> pa.Table:
        bad_rows.clear()
        return pacsv.read_csv(
            pa.BufferReader(data),  # zero-copy: no Python file object in the way
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                             newlines_in_values=newlines_in_values),
            convert_options=pacsv.ConvertOptions(
                column_types={name: _CSV_TYPE for name in header}, strings_can_be_null=False),
        )

    # pyarrow parses in parallel blocks only when no quoted value spans lines; try that, and
    # parse again serially when the records do not line up one per line
    try:
        table = parse(False)
        simple = not bad_rows and _one_record_per_line(data, table.num_rows)
    except pa.ArrowInvalid:
        table, simple = None, False
    if table is None or (not simple and b'"' in data):
        table = parse(True)
    if simple:
        chunk = Chunk(str(path), table, np.arange(2, table.num_rows + 2, dtype=np.int32))
        chunk.read = table.num_rows
        return chunk
    chunk = Chunk(str(path), table, _csv_lines(data, table.num_rows, bad_rows, delimiter))
    for number, message in bad_rows:
        chunk.problems.append(finding(str(path), number or 0, "malformed-record",
                                      f"row {message}; row skipped"))
    chunk.rejected["malformed-record"] += len(bad_rows)
    chunk.read = table.num_rows + len(bad_rows)
    return chunk


def _delimiter(head: str, default: str) -> str:
    """The header's delimiter: `default`, unless `item` and `label` (which annotation and
    gold files both need) only appear when the header is split at `;`, a tab or `|` (Excel
    writes "CSV" with `;` in many locales)."""
    needed = {"item", "label"}
    def columns(sep: str) -> set[str]:
        return {c.strip().lower() for c in next(csv.reader(io.StringIO(head), delimiter=sep), [])}

    if needed <= columns(default):
        return default
    return next((sep for sep in (";", "\t", "|", ",") if sep != default
                 and needed <= columns(sep)), default)


# the parallel CSV reader builds the dictionaries itself: no string column, no second pass
_CSV_TYPE = pa.dictionary(pa.int32(), pa.string())


def _one_record_per_line(data: bytes, n_rows: int) -> bool:
    """Whether every line after the header is one record. Blank lines, values spanning lines
    and skipped rows all leave fewer records than lines, so counting newlines is enough."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return lines == n_rows + 1


def _csv_lines(data: bytes, n_rows: int, bad: list, delimiter: str) -> np.ndarray:
    """The 1-based line of each parsed data row (blank and malformed lines skipped)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if not ends.size or ends[-1] != buf.size - 1:
        ends = np.r_[ends, buf.size]
    starts = np.r_[0, ends[:-1] + 1]
    length = ends - starts
    cr_only = (length == 1) & (buf[np.minimum(starts, buf.size - 1)] == 13)
    nonblank = np.flatnonzero((length > 0) & ~cr_only) + 1  # 1-based line numbers
    skip = np.array([number for number, _ in bad if number], dtype=np.int64)
    lines = nonblank[1:]
    if skip.size:
        lines = lines[~np.isin(lines, skip)]
    if lines.size == n_rows:
        return lines
    # quoted values spanning lines: let the csv module tell where each record starts (pyarrow
    # read the values already, whatever their length: lift the module's 128 KiB field limit)
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter)
    starts, previous = [], 0
    for row in reader:
        if row:
            starts.append(previous + 1)
        previous = reader.line_num
    starts = [s for s in starts[1:] if s not in set(skip.tolist())]
    return np.array(starts[:n_rows] + [0] * max(0, n_rows - len(starts)), dtype=np.int64)
