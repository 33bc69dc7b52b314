"""The tool's exception types. `cli.py` is the one place that catches them."""

from __future__ import annotations


class GuidelinesError(Exception):
    """Bad input or configuration the user can fix. Exit code 2, message shown as is."""

    exit_code = 2


class ConfigError(GuidelinesError):
    """`guidelines.yaml` missing, unreadable or invalid."""


class HistoryError(GuidelinesError):
    """git history cannot be read as asked (not a repository, shallow clone, unknown revision)."""


class DataError(GuidelinesError):
    """Annotation files that cannot be read at all (per-row problems are findings, not errors)."""
