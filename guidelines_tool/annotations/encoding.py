"""Arrow columns as dictionary codes into their distinct trimmed values, without pandas.

The work is done on the distinct values, not on every row: a million rows of a few hundred
annotators cost one pass in Arrow. Values are trimmed and NFC-normalised; empty ones are
absent (code -1).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa


class _LazyCompute:
    """pyarrow.compute on first use: the CSV path never needs it, and importing it costs about
    as much CPU as encoding a million rows."""

    def __getattr__(self, name: str):
        import pyarrow.compute

        return getattr(pyarrow.compute, name)


pc = _LazyCompute()


def _text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as trimmed strings (empty strings stay empty: callers treat them as absent).

    No Python scalars go into Arrow compute calls on the common paths here: pyarrow imports
    pandas (~0.3 s) to convert the first one.
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        arr = _joined(arr)
    if not pa.types.is_string(arr.type):
        arr = pc.cast(_nan_absent(arr), pa.string())
    return pc.utf8_trim_whitespace(arr)


def _nan_absent(arr: pa.Array) -> pa.Array:
    """A float column's NaN as an absent value: pandas writes a missing value so (a label NaN
    was the label "nan"); a blank cell of the same file as CSV would be absent too."""
    if pa.types.is_floating(arr.type) and pc.any(pc.is_nan(arr)).as_py():
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, arr.type), arr)
    return arr


def _joined(arr: pa.Array) -> pa.Array:
    """A list column as `;`-joined text. A null member is left out, as the JSON line reader
    leaves it out (`["y", null]` is `y`, whichever reader a file went to); Arrow's join would
    make the whole list null, and the judgement an "empty label"."""
    arr = pc.cast(arr, pa.list_(pa.string()))
    members = arr.flatten()
    if members.null_count:
        kept = members.is_valid()
        parents = _numpy(pc.list_parent_indices(arr).filter(kept), fill=0)
        offsets = np.zeros(len(arr) + 1, dtype=np.int32)
        np.cumsum(np.bincount(parents, minlength=len(arr)), out=offsets[1:])
        arr = pa.ListArray.from_arrays(pa.array(offsets), members.filter(kept), mask=arr.is_null())
    return pc.binary_join(arr, ";")


class LazyStrings(Sequence):
    """An Arrow string array read as a sequence of str, converted to Python only when first
    indexed or iterated: a million item ids are often never looked at."""

    __slots__ = ("_array", "_list")

    def __init__(self, array: pa.Array) -> None:
        self._array = array
        self._list: list[str] | None = None

    def _values(self) -> list[str]:
        if self._list is None:
            self._list = self._array.to_pylist()
        return self._list

    def __len__(self) -> int:
        return len(self._array)

    def __getitem__(self, index):
        return self._values()[index]

    def __iter__(self):
        return iter(self._values())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # mutable-looking sequence semantics, like a list

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        # np.array(items, dtype=object) in one step, not one __getitem__ per value
        return np.array(self._values(), dtype=dtype if dtype is not None else object)

    def __repr__(self) -> str:
        return f"LazyStrings({len(self)} values)"


def _sequence(values: Sequence[str]) -> Sequence[str]:
    return values if isinstance(values, LazyStrings) else tuple(values)


@dataclass
class _Coded:
    """A column as codes (-1 = absent or empty) into its distinct trimmed values."""

    codes: np.ndarray
    values: list[str]


def _code(column: pa.ChunkedArray | pa.Array) -> tuple[_Coded, bool]:
    """Dictionary-encode a column (lists `;`-joined); trimming and the empty check run on the
    distinct values only, not on every row. Also says whether the column was a list.

    CSV columns arrive dictionary-encoded by the parallel CSV reader, with one dictionary for
    all chunks: their codes are read straight from the Arrow buffers.
    """
    if isinstance(column, pa.ChunkedArray) and pa.types.is_dictionary(column.type):
        if column.num_chunks > 1:  # one dictionary for every chunk (Parquet may differ)
            column = pa.table({"c": column}).unify_dictionaries().column(0)
        chunks = column.chunks
        dictionary = chunks[0].dictionary if chunks else pa.array([], pa.string())
        if not pa.types.is_string(dictionary.type):
            dictionary = pc.cast(dictionary, pa.string())
        parts = [_numpy(c.indices, fill=-1) for c in chunks]
        idx = parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else \
            np.zeros(0, dtype=np.int32)
        return _clean(idx, dictionary), False
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    is_list = pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)
    if is_list:
        # an empty list is an empty label, as a blank cell of the same file as CSV would be
        # (only Prodigy's accepted empty `accept` says "none of these" explicitly)
        arr = _joined(arr)
    elif not pa.types.is_string(arr.type):
        arr = pc.cast(_nan_absent(arr), pa.string())
    encoded = pc.dictionary_encode(arr)
    return _clean(_numpy(encoded.indices, fill=-1), encoded.dictionary), is_list


def _clean(idx: np.ndarray, dictionary: pa.Array) -> _Coded:
    """Codes into trimmed, NFC-normalised, non-empty distinct values (merging values equal
    once trimmed and normalised: "café" typed as e + combining accent is the same label)."""
    if _plainly_clean(dictionary) and _is_nfc(dictionary):
        # the usual case: every distinct value is already clean, the codes stand as they are
        return _Coded(idx, LazyStrings(dictionary))
    remap = np.full(len(dictionary) + 1, -1, dtype=np.int64)  # idx -1 → last → -1
    index: dict[str, int] = {}
    values: list[str] = []
    for k, raw in enumerate(dictionary.to_pylist()):
        v = unicodedata.normalize("NFC", raw).strip() if raw is not None else ""
        if v:
            j = index.get(v)
            if j is None:
                j = index[v] = len(values)
                values.append(v)
            remap[k] = j
    return _Coded(remap[idx], values)


def _is_nfc(strings: pa.Array) -> bool:
    """True when every string is in Unicode NFC (ASCII always is: checked first, in Arrow)."""
    if not len(strings) or _numpy(pc.string_is_ascii(strings), fill=1).all():
        return True
    return _numpy(pc.equal(pc.utf8_normalize(strings, "NFC"), strings), fill=1).all()


def _plainly_clean(strings: pa.Array) -> bool:
    """True when no string is empty or starts/ends with whitespace, judged from the UTF-8
    buffers (a non-ASCII first or last byte counts as doubtful: the caller checks in Python)."""
    if not pa.types.is_string(strings.type) or strings.null_count:
        return False
    n = len(strings)
    if not n:
        return True
    _, offsets_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=n + 1, offset=strings.offset * 4)
    if (np.diff(offsets) <= 0).any():
        return False
    data = np.frombuffer(data_buf, dtype=np.uint8)
    ends = np.concatenate([data[offsets[:-1]], data[offsets[1:] - 1]])
    return not ((ends == 32) | ((ends >= 9) & (ends <= 13)) | (ends >= 0x80)).any()


_CONTROL_NAMES = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 "
                  "NAK SYN ETB CAN EM SUB ESC FS GS RS US").split()


def _control_values(values: Sequence[str]) -> np.ndarray:
    """Which values hold a control character other than tab, LF and CR (a NUL in an id, an
    escape sequence bound for the terminal): one pass over the values' UTF-8 bytes."""
    if not len(values):
        return np.zeros(0, dtype=bool)
    arr = values._array if isinstance(values, LazyStrings) else pa.array(list(values),
                                                                         pa.string())
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=len(arr) + 1,
                            offset=arr.offset * 4)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]:offsets[-1]] \
        if data_buf is not None else np.zeros(0, dtype=np.uint8)
    if not data.size or data.min() >= 32:  # the usual case, decided in one pass
        return np.zeros(len(arr), dtype=bool)
    bad = np.flatnonzero((data < 32) & (data != 9) & (data != 10) & (data != 13)) + offsets[0]
    mask = np.zeros(len(arr), dtype=bool)
    mask[np.searchsorted(offsets, bad, side="right") - 1] = True
    return mask


def _control_name(value: str) -> str:
    """The first control character of `value`, as "U+0000 (NUL)"."""
    c = next(ch for ch in value if ord(ch) < 32 and ch not in "\t\n\r")
    return f"U+{ord(c):04X} ({_CONTROL_NAMES[ord(c)]})"


def _map(fn, columns: list, n_rows: int) -> list:
    """fn over columns; on large files in threads (Arrow's kernels release the GIL)."""
    if n_rows < 200_000 or len(columns) < 2 or all(
            pa.types.is_dictionary(c.type) for c in columns):  # encoded already: cheap
        return [fn(c) for c in columns]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(columns), 4)) as pool:
        return list(pool.map(fn, columns))


_NUMPY_TYPES = {pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32,
                pa.int64(): np.int64, pa.uint8(): np.uint8, pa.uint16(): np.uint16,
                pa.uint32(): np.uint32, pa.uint64(): np.uint64}


def _numpy(arr: pa.Array, fill: int | None = None) -> np.ndarray:
    """An Arrow integer or boolean array as numpy (zero-copy for integers without nulls);
    nulls become `fill`.

    Not `Array.to_numpy()`: its first call imports pandas when installed (~0.3 s of CPU).
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        if fill is None:
            raise ValueError("_numpy needs an array without nulls, or a fill value")
        valid = _numpy(pc.is_valid(arr))
        values = np.array(_numpy(_raw(arr)))
        values[~valid] = fill
        return values
    if pa.types.is_boolean(arr.type):
        bits = np.frombuffer(arr.buffers()[1], dtype=np.uint8)
        return np.unpackbits(bits, bitorder="little")[arr.offset:arr.offset + len(arr)] \
            .astype(bool)
    dtype = np.dtype(_NUMPY_TYPES[arr.type])
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr),
                         offset=arr.offset * dtype.itemsize)


def _raw(arr: pa.Array) -> pa.Array:
    """The values buffer of an integer array read as if it had no nulls (slots under nulls
    hold arbitrary numbers: the caller overwrites them)."""
    return pa.Array.from_buffers(arr.type, len(arr), [None, arr.buffers()[1]], 0, arr.offset)


def _merge(parts: list[_Coded], *, sort: bool) -> _Coded:
    """One coding of several files' columns; `sort` orders the values (small dictionaries)."""
    if len(parts) == 1 and (not sort or parts[0].values == sorted(parts[0].values)):
        return parts[0]
    index: dict[str, int] = {}
    values: list[str] = []
    coded = []
    for part in parts:
        remap = np.empty(len(part.values) + 1, dtype=np.int64)
        remap[-1] = -1
        for k, v in enumerate(part.values):
            j = index.get(v)
            if j is None:
                j = index[v] = len(values)
                values.append(v)
            remap[k] = j
        coded.append(remap[part.codes])
    codes = np.concatenate(coded)
    if sort and values:
        order = sorted(range(len(values)), key=values.__getitem__)
        rank = np.empty(len(values) + 1, dtype=np.int64)
        rank[order] = np.arange(len(values))
        rank[-1] = -1
        codes, values = rank[codes], [values[k] for k in order]
    return _Coded(codes, values)


def _absent(n: int) -> _Coded:
    # a read-only view of one value: an absent column costs no memory
    return _Coded(np.broadcast_to(np.int32(-1), n), [])
