"""YAML → model records, with source pointers. The only package that reads YAML.

- `reader`     text → plain data: ruamel.yaml's C parser (libyaml) driven event by event, dicts and
               lists built here, only scalars that could be something other than a string resolved
               by ruamel's own resolver (so the result is what `YAML(typ="safe").load()` gives);
               documents with explicit tags, merge keys or a `%YAML` directive go to that loader
               whole. The same pass finds duplicate keys, alias bombs and over-deep nesting, and
               never raises for bad input. The loading finding codes (GL001-GL011) live here.
- `records`    plain data → Task, Rule, ProjectConfig, Experiment records with source pointers.
- `files`      files from disk (regular files only, the size checked before the read) or an
               editor's buffer → ParsedFile; many files at once (`load_files`).
- `positions`  a Source pointer → line:column, re-reading a file's events only for the few files
               that have findings.

Everything is re-exported here: callers write `from guidelines_tool.loading import parse_yaml`.
"""

from __future__ import annotations

from guidelines_tool.loading.files import (
    FileProblem,
    ParsedFile,
    buffer_text,
    ids_of_broken_file,
    load_files,
    parse_file_text,
    paused_gc,
    read_file_bytes,
    read_text,
    relative_path,
)
from guidelines_tool.loading.positions import (
    Locator,
    locate,
    locate_text,
    position,
    positions,
)
from guidelines_tool.loading.reader import (
    ALIAS_BOMB,
    BOM_MESSAGE,
    BYTE_ORDER_MARK,
    DUPLICATE_KEY,
    EMPTY_FILE,
    FILE_TOO_LARGE,
    KINDS,
    LOADING_CODES,
    LOADING_WARNINGS,
    MAX_DEPTH,
    MAX_EXPANDED_NODES,
    MAX_FILE_BYTES,
    MULTIPLE_DOCUMENTS,
    NOT_UTF8,
    TAB_INDENT,
    TOO_DEEP,
    UNREADABLE,
    YAML_SYNTAX,
    Composer,
    CParser,
    KeyAwareConstructor,
    NeedsFullLoader,
    Stop,
    YamlKey,
    key_identity,
    parse_yaml,
    problem,
    safe_yaml,
    syntax_finding,
)
from guidelines_tool.loading.records import (
    RULE_READERS,
    as_list,
    as_str,
    build_experiment,
    build_policy,
    build_project,
    build_rule,
    build_task,
)

__all__ = [
    "ALIAS_BOMB",
    "BOM_MESSAGE",
    "BYTE_ORDER_MARK",
    "Composer",
    "CParser",
    "DUPLICATE_KEY",
    "EMPTY_FILE",
    "FILE_TOO_LARGE",
    "key_identity",
    "KeyAwareConstructor",
    "KINDS",
    "LOADING_CODES",
    "LOADING_WARNINGS",
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "MULTIPLE_DOCUMENTS",
    "NeedsFullLoader",
    "NOT_UTF8",
    "parse_yaml",
    "ParsedFile",
    "problem",
    "safe_yaml",
    "Stop",
    "syntax_finding",
    "TAB_INDENT",
    "TOO_DEEP",
    "UNREADABLE",
    "YAML_SYNTAX",
    "YamlKey",
    "as_list",
    "as_str",
    "build_experiment",
    "build_policy",
    "build_project",
    "build_rule",
    "build_task",
    "RULE_READERS",
    "buffer_text",
    "FileProblem",
    "ids_of_broken_file",
    "load_files",
    "parse_file_text",
    "paused_gc",
    "read_file_bytes",
    "read_text",
    "relative_path",
    "locate",
    "locate_text",
    "Locator",
    "position",
    "positions",
]
