"""What a lint check yields: where (a Source pointer) and what. The runner adds code and severity."""

from __future__ import annotations

from dataclasses import dataclass

from guidelines_tool.model import Source


@dataclass(frozen=True)
class Problem:
    """One problem a check found: the runner turns it into a Finding."""

    source: Source
    message: str
    at_value: bool = False  # point at the value (`decision: pesron`) rather than at its key
