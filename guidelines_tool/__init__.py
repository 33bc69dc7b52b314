"""guidelines_tool: annotation guidelines as versioned, validated decision rules."""

from __future__ import annotations

__version__ = "0.1.0"
