"""A mutation fuzzer for the annotation readers: the files of tests/data/annotations, mutated,
read as a user's `agreement` would read them. Run by test_fuzz.py in a child process (a crash
or a hang there fails the test instead of ending the run); by hand:

    python -m tests.annotations.fuzzing FORMAT CASES [SEED] [--keep DIR]

Each case is a file made from one seed file by one to three mutations: byte flips, inserted
or deleted runs, spliced lines of another seed, and the shapes known to hurt readers (deep
nesting, 5,000-digit numbers, lone surrogates, NUL and lone CR, values longer than a parser's
block, thousands of columns, BOMs). A case passes when reading it either raises the tool's own
error (a DataError: the file cannot be read, and the message says why) or returns a table that
loses nothing: read = used + rejected + other tasks, anything rejected or empty has a finding,
every finding names the file and is short, every row's line is a line of the file, and for
JSON Lines every non-blank line is a record or a finding. The agreement report must then not
fail either. The reasons a case failed are printed, one JSON object a line.
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import traceback
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "annotations"

# the seed files of each format, and the format each is read as
FORMATS = {
    "csv": ("csv", ["*.csv", "robust/*.csv"]),
    "jsonl": ("jsonl", ["good.jsonl", "malformed.jsonl", "robust/*.jsonl"]),
    "prodigy": ("prodigy", ["prodigy_*.jsonl"]),
    "labelstudio": ("labelstudio", ["labelstudio*.json", "labelstudio-1.23/*.json"]),
    "labelstudio-csv": ("labelstudio", ["labelstudio_export.csv", "labelstudio-1.23/*.csv",
                                        "labelstudio-1.23/*.tsv"]),
    "parquet": ("parquet", ["robust/*.parquet"]),
}

TOKENS = [
    b"\x00", b"\r", b"\n", b"\r\n", b'"', b",", b";", b"\t", b"{", b"}", b"[", b"]", b":",
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xff", b"\xc3", b"\xe2\x80\xa8", b"\\ud800", b"\\u0000",
    b"NaN", b"1e999", b"-0", b"null", b"true", b"[]", b"{}", b'""', b"\x1b[31m", b"sep=;\n",
    b"9" * 5000, b"-" + b"1" * 4301, b"[" * 30_000, b'{"a":' * 2000, b" " * 70_000,
    b'"' + b"x" * 1_100_000 + b'"', b"," * 20_000, b"\n" * 1000,
]


_MAX_CASE = 3_000_000  # bytes: big enough to pass a parser's block, small enough to be quick


def seeds(fmt: str) -> list[Path]:
    _, patterns = FORMATS[fmt]
    return sorted({p for pattern in patterns for p in DATA.glob(pattern)})


def parquet_seeds(folder: Path) -> list[Path]:
    """Parquet files of the other formats' data: typed, dictionary, list and timestamp
    columns (the repository holds one Parquet file only)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    made = []
    tables = [
        pa.table({"item": ["p1", "p1", "p2"], "annotator": ["a", "b", "a"],
                  "label": ["x", "y", "x"], "batch": ["b1", "b1", None]}),
        pa.table({"item": pa.array([1, 1, 2], pa.int64()), "annotator": ["a", "b", "a"],
                  "label": pa.array([["x", "y"], ["x"], []], pa.list_(pa.string())),
                  "annotated_at": pa.array([0, 10**15, None], pa.timestamp("us"))}),
        pa.table({"item": pa.array(["p1", "p2"]).dictionary_encode(),
                  "annotator": pa.array(["a", "b"], pa.large_string()),
                  "label": pa.array([1.5, 2.0]), "rules": pa.array([["R-1"], None])}),
    ]
    for k, table in enumerate(tables):
        path = folder / f"seed{k}.parquet"
        pq.write_table(table, path, compression=["snappy", "none", "zstd"][k])
        made.append(path)
    return made


def mutate(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    """One mutation of `data`."""
    n = len(data)
    at = rng.randrange(n + 1) if n else 0
    kind = rng.randrange(9)
    if kind == 0 and n:  # flip bytes
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(n)] = rng.randrange(256)
        return bytes(buf)
    if kind == 1:  # insert a token
        return data[:at] + rng.choice(TOKENS) + data[at:]
    if kind == 2 and n:  # delete a run
        return data[:at] + data[at + rng.randint(1, 64):]
    if kind == 3 and n:  # duplicate a run
        end = min(n, at + rng.randint(1, 200))
        return data[:end] + data[at:end] + data[end:]
    if kind == 4 and n:  # truncate
        return data[:at]
    if kind == 5 and others:  # splice in a line of another seed
        lines = rng.choice(others).splitlines(keepends=True) or [b""]
        return data[:at] + rng.choice(lines) + data[at:]
    if kind == 6:  # random bytes
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 32))) + data[at:]
    if kind == 7 and n:  # replace a JSON or CSV value by a token
        spots = [m.start() for m in re.finditer(rb'[:,]\s*"?', data)]
        if spots:
            s = rng.choice(spots) + 1
            end = data.find(b",", s + 1)
            end = end if end >= 0 else min(n, s + 10)
            return data[:s] + rng.choice(TOKENS) + data[end:]
    # repeat a line many times (wide or long files from small seeds)
    lines = data.splitlines(keepends=True)
    if lines:
        line = rng.choice(lines)
        return data + line * rng.randint(2, 300)
    return data + rng.choice(TOKENS)


def universal_lines(data: bytes) -> list[bytes]:
    text = data.removeprefix(b"\xef\xbb\xbf")
    return re.split(rb"\r\n|\r|\n", text)


def check(path: Path, data: bytes, fmt: str, input_format: str) -> list[str]:
    """What is wrong with reading `path`; empty when nothing is."""
    from guidelines_tool.agreement.report import agreement_report
    from guidelines_tool.annotations import read_annotations
    from guidelines_tool.errors import GuidelinesError

    try:
        table = read_annotations([path], input_format=input_format, duplicates="first")
    except GuidelinesError as exc:
        message = str(exc)
        if len(message) > 2000:
            return [f"error message of {len(message)} characters"]
        if str(path) not in message and "several tasks" not in message:
            return [f"error does not name the file: {message[:200]}"]
        return []
    except Exception:  # noqa: BLE001 - what the fuzzer is for
        return ["traceback: " + " | ".join(traceback.format_exc().splitlines()[-3:])[-600:]]
    wrong = []
    s = table.summary
    if s.read != s.used + sum(s.rejected.values()) + s.other_task:
        wrong.append(f"read {s.read} != used {s.used} + rejected {dict(s.rejected)} + other "
                     f"{s.other_task}")
    if s.used != len(table):
        wrong.append(f"used {s.used} but {len(table)} rows")
    if (sum(s.rejected.values()) or not s.used) and not table.problems:
        wrong.append(f"rows rejected or none used, and no finding: {s}")
    for p in table.problems:
        if p.path != str(path):
            wrong.append(f"finding for another path: {p}")
        if len(p.message) > 1000:
            wrong.append(f"finding message of {len(p.message)} characters ({p.code})")
    if fmt in ("csv", "jsonl", "prodigy"):
        lines = universal_lines(data)
        if len(table) and (table.line.min() < 1 or table.line.max() > len(lines)):
            wrong.append(f"row line outside the file: {table.line.min()}..{table.line.max()} "
                         f"of {len(lines)} lines")
        if fmt in ("jsonl", "prodigy"):
            nonblank = sum(1 for line in lines if line.strip(b" \t\r\n"))
            if not data.removeprefix(b"\xef\xbb\xbf").startswith((b"\xff\xfe", b"\xfe\xff")) \
                    and _utf8(data) and s.read != nonblank:
                wrong.append(f"{nonblank} non-blank lines but {s.read} read")
    if len(table):
        try:
            agreement_report(table, n_boot=0)
        except GuidelinesError:
            pass
        except Exception:  # noqa: BLE001
            wrong.append("agreement traceback: "
                         + " | ".join(traceback.format_exc().splitlines()[-3:])[-600:])
    return wrong


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def run(fmt: str, cases: int, seed: int = 0, keep: Path | None = None,
        progress: Path | None = None) -> list[dict]:
    """Fuzz `fmt` for `cases` cases; the failures (with the case's file kept in `keep`)."""
    input_format = FORMATS[fmt][0]
    rng = random.Random(f"{fmt}-{seed}")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = parquet_seeds(folder) + seeds(fmt) if fmt == "parquet" else seeds(fmt)
        originals = [f.read_bytes() for f in files]
        for case in range(cases):
            k = rng.randrange(len(files))
            data = originals[k]
            for _ in range(rng.choice((1, 1, 2, 3))):
                mutated = mutate(rng, data, originals)
                data = mutated if len(mutated) <= _MAX_CASE else data
            path = folder / f"case{files[k].suffix}"
            path.write_bytes(data)
            if progress is not None:  # a crash or hang leaves its case here
                progress.write_bytes(data)
                progress.with_suffix(".name").write_text(f"{fmt} case {case} of {files[k].name}")
            wrong = check(path, data, fmt, input_format)
            if wrong:
                name = f"{fmt}-{seed}-{case}{files[k].suffix}"
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / name).write_bytes(data)
                failures.append({"case": name, "seed_file": files[k].name, "wrong": wrong})
    return failures


def main(argv: list[str]) -> int:
    fmt, cases = argv[0], int(argv[1])
    seed = int(argv[2]) if len(argv) > 2 and not argv[2].startswith("--") else 0
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    progress = Path(argv[argv.index("--progress") + 1]) if "--progress" in argv else None
    failures = run(fmt, cases, seed, keep, progress)
    for failure in failures:
        print(json.dumps(failure))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
