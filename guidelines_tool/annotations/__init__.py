"""Reading annotation records: long-format CSV / JSON Lines / Parquet, Label Studio exports
(JSON, JSON-MIN, CSV) and Prodigy JSONL, into dictionary-encoded numpy columns.

One code path: a reader per format turns a file into a `Chunk` (an Arrow table of the record
columns plus each row's line or record number); normalisation checks and encodes all files'
chunks together into one `AnnotationTable`. Bad rows are never dropped silently: each becomes a
finding with file and line, and the summary counts rows read, used and rejected by reason
(read = used + rejected + other tasks). Nothing here prints or exits.

One module, one job:

- `reading`      `read_annotations`: each file's format, its reader, then normalisation; and
                 `labelstudio_export_rows` for export tasks `pull label-studio` fetched
- `chunk`        what a reader hands on (`Chunk`), the record columns, finding codes
- `csv`          CSV / TSV as spreadsheets write them
- `jsonl`        JSON Lines
- `parquet`      Parquet
- `labelstudio`  Label Studio JSON, JSON-MIN and CSV exports
- `prodigy`      Prodigy JSONL exports
- `json_records` JSON values as record rows (shared by the JSON readers)
- `normalise`    format-independent checks and encoding, step by step
- `encoding`     Arrow columns as codes into their distinct trimmed values
- `times`        `annotated_at` as datetime64[us] UTC
- `table`        `AnnotationTable` and `ReadSummary`, what the rest of the tool reads
- `gold`         `read_gold`: adjudicated labels
- `scope`        `read_scope`: which rules govern which item (impact --scope)

A judgement is identified by (task, item, annotator) plus its guideline revision: the same
annotator labelling an item again under another revision is a re-label, kept (impact compares
the two); figures pooled over revisions take each annotator's latest (`AnnotationTable.pooled`).
Names with a leading underscore are shared between this package's modules, not used outside it.
"""

from __future__ import annotations

from guidelines_tool.annotations.chunk import CODES, EMPTY_SET_LABEL, OPTIONAL, REQUIRED
from guidelines_tool.annotations.encoding import LazyStrings
from guidelines_tool.annotations.gold import Gold, read_gold
from guidelines_tool.annotations.reading import (
    EXTENSIONS,
    INPUT_FORMATS,
    Duplicates,
    InputFormat,
    detect_format,
    labelstudio_export_rows,
    read_annotations,
)
from guidelines_tool.annotations.scope import read_scope
from guidelines_tool.annotations.table import AnnotationTable, ReadSummary

__all__ = [
    "CODES",
    "EMPTY_SET_LABEL",
    "EXTENSIONS",
    "INPUT_FORMATS",
    "OPTIONAL",
    "REQUIRED",
    "AnnotationTable",
    "Duplicates",
    "Gold",
    "InputFormat",
    "LazyStrings",
    "ReadSummary",
    "detect_format",
    "labelstudio_export_rows",
    "read_annotations",
    "read_gold",
    "read_scope",
]
