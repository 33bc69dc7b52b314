"""guidelines_tool: annotation guidelines as versioned, validated decision rules."""

__version__ = "0.1.0"
