"""The JSON Schemas (project, task, rule, experiment, annotation) and validation of documents against them.

`schemas/` at the repo top is the source of truth; `bundled.schemas()` finds it in an editable
install and in a wheel alike.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from guidelines_tool import bundled

KINDS: tuple[str, ...] = ("project", "task", "rule", "experiment", "annotation")


def schema_file_name(kind: str) -> str:
    """`rule` → `rule.schema.json`."""
    return f"{kind}.schema.json"


@cache
def schema_texts() -> dict[str, str]:
    """Kind → JSON text of its schema, as shipped with the tool."""
    folder = bundled.schemas()
    return {kind: folder.joinpath(schema_file_name(kind)).read_text(encoding="utf-8") for kind in KINDS}


def schema_for(kind: str) -> dict[str, Any]:
    """The parsed schema of one kind (a fresh copy: callers may not share it)."""
    return json.loads(schema_texts()[kind])


# --- validation -----------------------------------------------------------------------------
#
# Every document is first checked by jsonschema-rs (a compiled validator, ~100x faster than
# the pure-Python one on plain data); only the few documents it rejects go through `jsonschema`
# for the detailed errors, `best_match` and the paths the findings point at.

UNKNOWN_KEY = ("GL101", "unknown-key")
MISSING_KEY = ("GL102", "missing-key")
INVALID_VALUE = ("GL103", "invalid-value")
SCHEMA_CODES: dict[str, str] = dict((UNKNOWN_KEY, MISSING_KEY, INVALID_VALUE))

DOCUMENT_KINDS: tuple[str, ...] = ("project", "task", "rule", "experiment")
_HINTS = {  # readable words for the id patterns, shown beside the regex
    "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$": "rule ids are upper-case letters and digits in dash-separated parts, like PPS-004",
    "^[a-z0-9][a-z0-9-]*$": "task and experiment ids are lower-case letters, digits and dashes, like product-photo-subject",
    "^(?![Jj][Aa][Vv][Aa][Ss][Cc][Rr][Ii][Pp][Tt]:|[Vv][Bb][Ss][Cc][Rr][Ii][Pp][Tt]:|[Dd][Aa][Tt][Aa]:)\\S+$":
        "media is a file path or an http(s) URL, without spaces; javascript:, vbscript: and data: URLs are refused",
}


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation: where (pointer into the document), what, and which code."""

    pointer: tuple
    kind: tuple[str, str]
    message: str
    at_value: bool = False  # point at the value rather than its key


def check_document(kind: str, data: Any) -> list[SchemaProblem]:
    """Schema violations of one document of `kind` (project, task, rule, experiment or annotation)."""
    fast = _fast_validator(kind)
    if fast is not None:
        try:
            if fast.is_valid(data):
                return []
        except (ValueError, TypeError, OverflowError):
            pass  # data jsonschema-rs cannot take (e.g. huge ints): the slow path decides
    validator = _validator(kind)
    errors = list(validator.iter_errors(data))
    problems: list[SchemaProblem] = []
    for error in sorted(errors, key=relevance):
        problems.extend(_problems(error))
    seen: set = set()
    return [p for p in problems if not (p.pointer, p.message) in seen and not seen.add((p.pointer, p.message))]


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema_for(kind))


@cache
def _fast_validator(kind: str) -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # optional speed-up: the pure-Python validator gives the same verdicts
        return None
    return jsonschema_rs.validator_for(schema_for(kind))


def relevance(error: Any) -> Any:
    """jsonschema's sort key for errors, most relevant first (what `best_match` uses)."""
    from jsonschema.exceptions import relevance as _relevance

    return _relevance(error)


def _problems(error: Any) -> list[SchemaProblem]:
    """One jsonschema error → problems pointing at the offending key or value."""
    from jsonschema.exceptions import best_match

    if error.context:  # oneOf/anyOf: report the alternative that came closest, as check-jsonschema does
        error = best_match([error]) or error
    pointer = tuple(error.absolute_path)
    where = _where(pointer)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        return [
            SchemaProblem(pointer + (key,), UNKNOWN_KEY, f"unknown key {key!r}{where}{_suggest(key, allowed)}")
            for key in extra
        ]
    if error.validator == "required":
        missing = [key for key in error.validator_value if isinstance(error.instance, dict) and key not in error.instance]
        return [SchemaProblem(pointer, MISSING_KEY, f"missing required key {key!r}{where}") for key in missing]
    message = _message(error)
    if len(message) > 300:  # a huge value quoted whole helps nobody
        message = message[:297] + "..."
    return [SchemaProblem(pointer, INVALID_VALUE, f"{_name(pointer)}{message}", at_value=True)]


def _message(error: Any) -> str:
    if error.validator == "enum":
        choices = ", ".join(repr(choice) for choice in error.validator_value)
        value = error.instance
        hint = _suggest(value, [str(c) for c in error.validator_value]) if isinstance(value, str) else ""
        return f"{_short(value)} is not one of {choices}{hint}"
    if error.validator == "pattern":
        hint = _HINTS.get(error.validator_value)
        return f"{_short(error.instance)} does not match {error.validator_value!r}" + (f" ({hint})" if hint else "")
    if error.validator == "type" and not error.absolute_path and not isinstance(error.instance, dict):
        return "a guideline file holds one mapping (`kind: ...` and its fields), not a " + type(error.instance).__name__
    return error.message


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _name(pointer: tuple) -> str:
    return f"{_dotted(pointer)}: " if pointer else ""


def _where(pointer: tuple) -> str:
    return f" in {_dotted(pointer)}" if pointer else ""


def _dotted(pointer: tuple) -> str:
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
