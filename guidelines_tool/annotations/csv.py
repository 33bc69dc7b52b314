"""CSV and TSV files, as spreadsheets and scripts write them.

pyarrow's parallel reader when every record is one line; the serial one when quoted values span
lines. UTF-8 with or without a byte-order mark, UTF-16 or UTF-32 with one (Excel's "Unicode text"),
Excel's `sep=` first line, `;` / tab / `|` delimiters recognised from the header, lines ending
in LF, CR LF or a lone CR (old Mac exports), mixed too. Malformed rows are skipped and reported
with their line.

What pyarrow is handed is bounded first: only the record columns are converted (a header of
100,000 columns costs seconds, not minutes), a header or record longer than pyarrow's block is
parsed in one block instead of failing on "straddling" blocks, and text that is not UTF-8 is
reported at its line by this module (pyarrow's row handler cannot even decode such a row).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa

from guidelines_tool.annotations.chunk import OPTIONAL, REQUIRED, Chunk, finding, shown
from guidelines_tool.annotations.labelstudio import _looks_flat_labelstudio
from guidelines_tool.annotations.source import line_number, not_utf8
from guidelines_tool.errors import DataError

_BLOCK = 1 << 20  # pyarrow's default block size
# a Label Studio CSV export is read with all its columns (the control's is not known yet);
# real ones have a few dozen, so more than this is no export
_MAX_EXPORT_COLUMNS = 1000


def _read_csv(path: Path, data: bytes, extra: tuple[str, ...] = ()) -> Chunk:
    # UTF-16 / UTF-32 with a byte-order mark arrive as UTF-8 (source.text_bytes)
    # Excel's "sep=;" first line names the delimiter; line numbers still count it
    sep_line = re.match(rb"(?:\xef\xbb\xbf)?sep=([^\r\n])(?:\r\n|\r|\n)", data[:16])
    if sep_line:
        return _read_csv_data(path, data[sep_line.end():], sep_line.group(1).decode(), extra,
                              first_line=2)
    return _read_csv_data(path, data, None, extra)


def _row_start(data: bytes, text: bytes, found: dict[bytes, int]) -> int | None:
    """Where a malformed row pyarrow quotes starts: its text as a whole line, after the rows
    of the same text already placed (the first match would give every copy of a repeated bad
    row one line, and shift the lines of the rows after it)."""
    at = found.get(text, 0)
    while (at := data.find(text, at)) >= 0:
        end = at + len(text)
        if (at == 0 or data[at - 1] in b"\r\n") and (end == len(data) or data[end] in b"\r\n"):
            found[text] = end
            return at
        at += 1
    return None


def _head(data: bytes) -> str:
    """The start of the file as text: 64 KiB, and at least the whole first line (a header of
    100,000 columns is longer)."""
    end = 65536
    if len(data) > end:
        breaks = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
        end = max(end, min(breaks) + 1 if breaks else len(data))
    return data[:end].decode("utf-8-sig", errors="replace")


def _read_csv_data(path: Path, data: bytes, delimiter: str | None, extra: tuple[str, ...] = (),
                   first_line: int = 1) -> Chunk:
    """`data` read as CSV; `first_line`: the line of the file it starts on (2 after Excel's
    `sep=` line), which every line number and message counts from."""
    import pyarrow.csv as pacsv

    head = _head(data)
    if "\ufffd" in head and not _first_line_is_utf8(data):
        # the names could not be matched to pyarrow's: say what is wrong instead
        raise DataError(f"{path}: cannot read as csv: line 1 is not UTF-8 text; save the file "
                        "as UTF-8, e.g. Excel's \"CSV UTF-8\"")
    csv.field_size_limit(2**31 - 1)  # a header cell may be long too (the module's limit: 128 KiB)
    first = next(csv.reader(io.StringIO(head, newline="")), None)
    if not first:
        return Chunk(str(path), pa.table({}), np.zeros(0, dtype=np.int64))
    delimiter = delimiter or _delimiter(head, "\t" if path.suffix.lower() == ".tsv" else ",")
    header = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter))
    columns = _columns_read(path, header, extra)
    header_bytes = len(head.split("\n", 1)[0].encode())
    bad_rows: list[tuple[int | None, str]] = []

    found: dict[bytes, int] = {}  # where the next search for a row's text starts

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = row.number
        if number is None and row.text:  # pyarrow cannot count lines when values span them
            at = _row_start(data, row.text.encode(), found)
            number = line_number(data, at) if at is not None else None
        bad_rows.append((number, f"has {row.actual_columns} fields, the header has "
                                 f"{row.expected_columns}"))
        return "skip"

    def parse(newlines_in_values: bool, block: int) -> pa.Table:
        bad_rows.clear()
        found.clear()
        try:
            return read(newlines_in_values, block, columns)
        except pa.ArrowKeyError:  # pyarrow split the header otherwise: read every column
            bad_rows.clear()
            return read(newlines_in_values, block, None)

    def read(newlines_in_values: bool, block: int, columns: list[str] | None) -> pa.Table:
        with _undecodable_rows_fail_quietly():
            return pacsv.read_csv(
                pa.BufferReader(data),  # zero-copy: no Python file object in the way
                read_options=pacsv.ReadOptions(block_size=block),
                parse_options=pacsv.ParseOptions(delimiter=delimiter,
                                                 invalid_row_handler=on_invalid,
                                                 newlines_in_values=newlines_in_values),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: _CSV_TYPE for name in columns or header},
                    include_columns=columns or [], strings_can_be_null=False),
            )

    # a block must hold the header and any record whole
    block = max(_BLOCK, 2 * header_bytes)
    # pyarrow parses in parallel blocks only when no quoted value spans lines; try that, and
    # parse again serially when the records do not line up one per line
    try:
        table = parse(False, block)
        simple = not bad_rows and _one_record_per_line(data, table.num_rows)
    except pa.ArrowInvalid:
        table, simple = None, False
    if table is None or (not simple and b'"' in data):
        try:
            table = parse(True, block)
        except pa.ArrowInvalid:
            # a record longer than a block (a pasted document in a cell): one block, serially;
            # anything still failing is no CSV this module can read, and says so
            table = parse(True, max(block, len(data) + 1))
    if delimiter != ",":
        table = _decimal_commas(table)
    if simple:
        chunk = Chunk(str(path), table,
                      np.arange(first_line + 1, table.num_rows + first_line + 1, dtype=np.int32))
        chunk.read = table.num_rows
        chunk.hint = _hint(head, header)
        return chunk
    lines, spans = _csv_lines(data, table.num_rows, bad_rows, delimiter)
    lines = np.where(lines > 0, lines + (first_line - 1), 0)  # 0: not known
    chunk = Chunk(str(path), table, lines)
    chunk.hint = _hint(head, header)
    for number, message in bad_rows:
        chunk.problems.append(finding(str(path), number + first_line - 1 if number else 0,
                                      "malformed-record",
                                      f"row {message}; row skipped"))
    chunk.rejected["malformed-record"] += len(bad_rows)
    chunk.read = table.num_rows + len(bad_rows)
    if spans:
        _open_quotes(chunk, spans, len(header), delimiter)
    return chunk


def _open_quotes(chunk: Chunk, spans: list[tuple[int, list[str], bool]], n_fields: int,
                 delimiter: str) -> None:
    """Quoted values that run over lines which read as records of their own: a quote left
    open swallows every record up to the next quote, or to the end of the file, into one value,
    and the records swallowed would be lost without a word. Open to the end of the file, the
    quote is certainly unclosed: the row is rejected. Closed by a later quote, the value may be
    text that spans lines (an e-mail, a poem): a warning, when at least two of its lines and
    half of them read as records."""
    drop = []
    for row, text, at_end in spans:
        inner = text[1:]
        if len(inner) < 2 and not at_end:
            continue  # a warning needs two lines that read as records (the common 2-line value)
        looks = sum(len(next(csv.reader([line], delimiter=delimiter), [])) == n_fields
                    for line in inner)
        first, last = int(chunk.lines[row]), int(chunk.lines[row]) + len(inner)
        swallowed = f", {looks} of which read as records of their own" if looks else ""
        if at_end:
            drop.append(row)
            chunk.problems.append(finding(
                chunk.path, first, "malformed-record",
                f"a quoted value opens on this line and is never closed: lines {first}-{last} "
                f"(the end of the file) were read as one value{swallowed}; row skipped (a quote "
                "inside a quoted value is written twice: \"\")"))
        elif looks >= 2 and 2 * looks >= len(inner):
            chunk.problems.append(finding(
                chunk.path, first, "open-quote",
                f"a quoted value runs over lines {first}-{last}{swallowed}: a quote left open? "
                "Those lines were read as one value of this row, not as records"))
    if drop:
        keep = np.ones(chunk.table.num_rows, dtype=bool)
        keep[drop] = False
        chunk.table = chunk.table.filter(pa.array(keep))
        chunk.lines = chunk.lines[keep]
        chunk.rejected["malformed-record"] += len(drop)


# a number with a decimal comma, as spreadsheets in many locales write it (in `;` CSV): 0,5
_DECIMAL_COMMA = r"^(\s*[-+]?\d+),(\d+\s*)$"
_NUMBER = re.compile(r"\s*[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)\s*")


def _decimal_commas(table: pa.Table) -> pa.Table:
    """Labels written with a decimal comma (`0,5`) as numbers (`0.5`), when every label of the
    file is a number: a file whose delimiter is not the comma comes from a spreadsheet in a
    locale that writes them so. In a comma-separated file `1,1` had to be quoted by its
    writer: text, kept as it is (the caller only calls this for other delimiters)."""
    name = next((n for n in table.column_names if n.strip().lower() == "label"), None)
    if name is None:
        return table
    column = table.column(name)
    if pa.types.is_dictionary(column.type):
        values = {v for chunk in column.chunks for v in chunk.dictionary.to_pylist()}
    else:
        values = set(column.to_pylist())
    values.discard(None)
    if not any("," in v for v in values) or not all(
            not v.strip() or _NUMBER.fullmatch(v) for v in values):
        return table
    from guidelines_tool.annotations.encoding import pc

    text = pc.cast(column, pa.string())
    numbers = pc.replace_substring_regex(text, _DECIMAL_COMMA, r"\1.\2")
    return table.set_column(table.column_names.index(name), name, numbers)


def _hint(head: str, header: list[str]) -> str:
    """What the header holds, for the message of a file that lacks a required column."""
    if "\x00" in head:
        return ("; the file holds NUL bytes: binary data, or UTF-16 text without its "
                "byte-order mark?")
    names = ", ".join(repr(n[:30]) for n in header[:6])
    more = f" and {len(header) - 6:,} more" if len(header) > 6 else ""
    return f" (the header has {names}{more})"


def _first_line_is_utf8(data: bytes) -> bool:
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    try:
        data[:min(ends) if ends else len(data)].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _columns_read(path: Path, header: list[str], extra: tuple[str, ...] = ()) -> list[str]:
    """The header's columns pyarrow converts: the record columns and `extra` (spelled as the
    header spells them), or every column of a Label Studio export, whose answer column has the
    control's name. With none of either, the first column: the rows are still counted."""
    known = {*REQUIRED, *OPTIONAL, *extra}
    if _looks_flat_labelstudio(header) and len(header) <= _MAX_EXPORT_COLUMNS:
        wanted = header
    else:
        wanted = [name for name in header if name.strip().lower() in known]
    names = [name.strip().lower() if name.strip().lower() in known else name
             for name in wanted]
    seen: set[str] = set()
    twice = sorted({n for n in names if n in seen or seen.add(n)})
    if twice:
        # which one holds the data? (pyarrow would pick one without a word)
        shown_names = ", ".join(n if len(n) <= 40 else shown(n, 40) for n in twice[:5])
        raise DataError(f"{path}: column(s) {shown_names} appear more than once in the header")
    return wanted or header[:1]


@contextmanager
def _undecodable_rows_fail_quietly():
    """pyarrow decodes a malformed row's text before calling the row handler; when that text
    is not UTF-8 the decoding fails inside pyarrow, which prints "Exception ignored ..." and
    stops the parse. The parse's failure is reported (at its line, see reading.py); the
    print is not for the user."""
    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        if not isinstance(unraisable.exc_value, UnicodeDecodeError):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _delimiter(head: str, default: str) -> str:
    """The header's delimiter: `default`, unless `item` and `label` (which annotation and
    gold files both need) only appear when the header is split at `;`, a tab or `|` (Excel
    writes "CSV" with `;` in many locales)."""
    needed = {"item", "label"}
    def columns(sep: str) -> set[str]:
        return {c.strip().lower()
                for c in next(csv.reader(io.StringIO(head, newline=""), delimiter=sep), [])}
    if needed <= columns(default):
        return default
    return next((sep for sep in (";", "\t", "|", ",") if sep != default
                 and needed <= columns(sep)), default)


# the parallel CSV reader builds the dictionaries itself: no string column, no second pass
_CSV_TYPE = pa.dictionary(pa.int32(), pa.string())


def _one_record_per_line(data: bytes, n_rows: int) -> bool:
    """Whether every line after the header is one record. Blank lines, values spanning lines
    and skipped rows all leave fewer records than lines, so counting line ends is enough.
    A lone CR ends a line too (old Mac files, or pasted into another file): a file that has
    CRs other than CR LF pairs is left to `_csv_lines`, which counts them."""
    lf = data.count(b"\n")
    lines = lf + (0 if data.endswith(b"\n") else 1)
    if lines != n_rows + 1:
        return False
    return b"\r" not in data or data.count(b"\r") == lf


def _csv_lines(data: bytes, n_rows: int, bad: list, delimiter: str
               ) -> tuple[np.ndarray, list[tuple[int, list[str], bool]]]:
    """The 1-based line of each parsed data row (blank and malformed lines skipped); lines end
    at LF, CR LF or a lone CR. With them, the rows whose record spans lines: (row, the record's
    lines, whether it is still inside a quote at the end of the file)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    is_lf = buf == 10
    lone_cr = (buf == 13) & ~np.r_[is_lf[1:], False]
    ends = np.flatnonzero(is_lf | lone_cr)  # each line's terminator
    if not ends.size or ends[-1] != buf.size - 1:
        ends = np.r_[ends, buf.size]  # an unterminated last line
    starts = np.r_[0, ends[:-1] + 1]
    text_ends = ends.copy()  # where each line's text stops: before its CR LF, LF or CR
    crlf = (ends < buf.size) & (ends > starts)
    crlf[crlf] = is_lf[ends[crlf]] & (buf[ends[crlf] - 1] == 13)
    text_ends[crlf] -= 1
    nonblank = np.flatnonzero(text_ends > starts) + 1  # 1-based line numbers
    skip = np.array([number for number, _ in bad if number], dtype=np.int64)
    lines = nonblank[1:]
    if skip.size:
        lines = lines[~np.isin(lines, skip)]
    if lines.size == n_rows:
        return lines, []
    # quoted values spanning lines: let the csv module tell where each record starts (pyarrow
    # read the values already, whatever their length: the module's field limit is lifted)
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    records, previous = [], 0
    for row in reader:
        if row:
            records.append((previous + 1, reader.line_num))
        previous = reader.line_num
    skipped = set(skip.tolist())
    records = [r for r in records[1:] if r[0] not in skipped][:n_rows]

    def text(first: int, last: int) -> list[str]:  # lines first..last, as the csv module splits
        return [data[starts[k]:ends[k] + 1].decode("utf-8", "replace") for k in range(first - 1, last)]

    spans = [(k, text(first, last), last == ends.size and _inside_quote(text(first, last), delimiter))
             for k, (first, last) in enumerate(records) if last > first]
    starts_ = [first for first, _ in records]
    return np.array(starts_ + [0] * max(0, n_rows - len(starts_)), dtype=np.int64), spans


def _inside_quote(record: list[str], delimiter: str) -> bool:
    """Whether the text of a record ends inside a quoted value (the csv module says so only
    when strict)."""
    try:
        list(csv.reader(record, delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
