"""The one reporter type: every output format of every command is a `Reporter` subclass, and each
command's formats are one registry built by `registry()` (the `--format` choices come from it)."""

from __future__ import annotations

from typing import Any, ClassVar


class Reporter:
    """One output format of one command: `render(result)` is what goes to stdout, `summary(result)`
    one line for stderr (empty: nothing is written). `name` is the `--format` value."""

    name: ClassVar[str] = ""

    def render(self, result: Any) -> str:
        raise NotImplementedError

    def summary(self, result: Any) -> str:
        return ""


def registry(*reporters: type[Reporter]) -> dict[str, type[Reporter]]:
    """`{name: reporter}` in the order given; the name is written once, on the class."""
    by_name: dict[str, type[Reporter]] = {}
    for reporter in reporters:
        if not reporter.name or reporter.name in by_name:
            raise ValueError(f"{reporter.__name__}: reporter names must be set and distinct, not {reporter.name!r}")
        by_name[reporter.name] = reporter
    return by_name
