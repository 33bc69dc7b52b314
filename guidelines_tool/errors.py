"""The tool's exception types and exit codes. `cli/__init__.py` is the one place that catches
them and the one place that turns an exit code into the process's exit status."""

from __future__ import annotations

EXIT_CLEAN = 0  # nothing to report
EXIT_FINDINGS = 1  # findings, a failed gate, a regression the user asked to fail on
EXIT_USAGE = 2  # usage, configuration or input error: the user can fix it
EXIT_INTERNAL = 3  # a bug: please report it


class GuidelinesError(Exception):
    """Bad input or configuration the user can fix. Exit code 2, message shown as is."""

    exit_code = EXIT_USAGE


class ConfigError(GuidelinesError):
    """`guidelines.yaml` missing, unreadable or invalid."""


class HistoryError(GuidelinesError):
    """git history cannot be read as asked (not a repository, shallow clone, unknown revision)."""


class DataError(GuidelinesError):
    """Annotation files that cannot be read at all (per-row problems are findings, not errors)."""


class SeveralTasksError(DataError):
    """The annotation rows hold several tasks and no task was chosen.

    A command that can analyse every task (`impact`) catches this type and reads the files once per
    task; the others let it through as a usage error.
    """


class DuplicateJudgementsError(DataError):
    """An annotator judged the same item twice and `--duplicates error` asked to stop there.

    The exit code is the command's: `agreement` counts duplicates among its findings (1), the
    commands that attribute judgements to revisions (`impact`, `hotspots`) cannot go on (2).
    """

    def __init__(self, message: str, *, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
