"""Rule history: every rule's versions along the configured branch's first-parent line.

The only package that runs git. Its modules, one job each:

- `git`: every git call (reads and the repository writes of `demo` and `release`), beside
  pure parsers of git's output;
- `blobs`: a blob (one version of a guideline file) → records, through `loading.parse_yaml`;
- `records`: commits, file changes, rule versions (`RuleVersion`, built into a Rule when
  read) and revisions, the `History` that answers "what stood at commit X";
- `walk`: the replay of the line, commit by commit (`read_history`);
- `relocate`: following a project whose folder moved along the line;
- `cache`: the replayed walk and parsed blobs under `.git/guidelines-cache/`;
- `compare`: two states diffed (`compare`), a revision's tree (`read_tree`), a release tag.
"""

from __future__ import annotations

from guidelines_tool.history.blobs import VersionMemo, parse_blob
from guidelines_tool.history.compare import Comparison, compare, create_tag, read_files_at, read_tree
from guidelines_tool.history.git import (
    BatchReader,
    Git,
    LogReader,
    adopt_variant,
    commit_all,
    commit_files,
    init_repository,
    parse_batch_output,
    parse_log,
    parse_raw_changes,
    parse_refs,
    parse_tag_refs,
    tag_commit,
)
from guidelines_tool.history.records import (
    Commit,
    FileChange,
    History,
    LogEntry,
    ParsedBlob,
    RuleRevision,
    RuleVersion,
    TaskRevision,
    rule_revisions,
)
from guidelines_tool.history.walk import read_history

__all__ = [
    "BatchReader", "Commit", "Comparison", "FileChange", "Git", "History", "LogEntry", "LogReader",
    "ParsedBlob", "RuleRevision", "RuleVersion", "TaskRevision", "VersionMemo", "adopt_variant", "commit_all", "commit_files", "compare",
    "create_tag", "init_repository", "parse_batch_output", "parse_blob", "parse_log", "parse_raw_changes",
    "parse_refs", "parse_tag_refs", "read_files_at", "read_history", "read_tree", "rule_revisions", "tag_commit",
]
