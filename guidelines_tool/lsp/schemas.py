"""The JSON Schemas (`schema.schema_for`) walked by pointer: what a key means, which keys a mapping
takes, which values a field allows. The schemas are the one description of the formats; the
server reads its key descriptions and choices from them, never from a copy."""

from __future__ import annotations

from functools import cache
from typing import Any

from guidelines_tool.schema import schema_for


@cache
def _schema(kind: str) -> dict[str, Any]:
    return schema_for(kind)


def document_schema(kind: str | None) -> dict[str, Any] | None:
    return _schema(kind) if kind in ("project", "task", "rule") else None


def resolve(root: dict[str, Any], node: Any) -> dict[str, Any]:
    """Follow a local `$ref` (repeatedly)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 16:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            break
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node if isinstance(node, dict) else {}


def _branches(root: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """The node itself and the alternatives it allows (oneOf / anyOf), resolved."""
    found = [node]
    for key in ("oneOf", "anyOf"):
        found += [resolve(root, branch) for branch in node.get(key, ())]
    return found


def node_at(kind: str | None, pointer: tuple) -> dict[str, Any] | None:
    """The schema of the value at `pointer` in a document of `kind` (None where it allows nothing)."""
    root = document_schema(kind)
    if root is None:
        return None
    node = root
    for part in pointer:
        node = _child(root, node, part)
        if node is None:
            return None
    return node


def _child(root: dict[str, Any], node: dict[str, Any], part: Any) -> dict[str, Any] | None:
    for branch in _branches(root, resolve(root, node)):
        if isinstance(part, int):
            items = branch.get("items")
            if isinstance(items, dict):
                return resolve(root, items)
        else:
            properties = branch.get("properties", {})
            if part in properties:
                return resolve(root, properties[part])
            extra = branch.get("additionalProperties")
            if isinstance(extra, dict):
                return resolve(root, extra)
    return None


def keys_of(kind: str | None, pointer: tuple) -> dict[str, dict[str, Any]]:
    """The keys the mapping at `pointer` takes: name → schema, in the schema's order."""
    node = node_at(kind, pointer)
    if node is None:
        return {}
    root = document_schema(kind) or {}
    keys: dict[str, dict[str, Any]] = {}
    for branch in _branches(root, node):
        for name, sub in branch.get("properties", {}).items():
            keys.setdefault(name, resolve(root, sub))
    return keys


def required_of(kind: str | None, pointer: tuple) -> tuple[str, ...]:
    node = node_at(kind, pointer) or {}
    return tuple(node.get("required", ()))


def description(kind: str | None, node: dict[str, Any] | None) -> str:
    """A node's description, or the first one among its alternatives."""
    if not node:
        return ""
    root = document_schema(kind) or {}
    for branch in _branches(root, node):
        if branch.get("description"):
            return str(branch["description"])
    return ""


def choices(kind: str | None, node: dict[str, Any] | None) -> list[Any]:
    """The values an enum, const or boolean allows (items' choices for an array)."""
    if not node:
        return []
    root = document_schema(kind) or {}
    found: list[Any] = []
    for branch in _branches(root, node):
        if "enum" in branch:
            found += branch["enum"]
        elif "const" in branch:
            found.append(branch["const"])
        elif branch.get("type") == "boolean":
            found += [True, False]
        elif branch.get("type") == "array" and isinstance(branch.get("items"), dict):
            found += choices(kind, resolve(root, branch["items"]))
    unique: list[Any] = []
    for value in found:
        if value not in unique:
            unique.append(value)
    return unique


def type_text(kind: str | None, node: dict[str, Any] | None) -> str:
    """A short type for a completion item's detail: `string`, `list of example`, `draft | active`."""
    if not node:
        return ""
    root = document_schema(kind) or {}
    words = []
    for branch in _branches(root, node):
        if "enum" in branch:
            words.append(" | ".join(str(v) for v in branch["enum"]))
        elif "const" in branch:
            words.append(str(branch["const"]))
        elif branch.get("type") == "array":
            words.append("list")
        elif branch.get("type") == "object" or "properties" in branch:
            words.append("mapping")
        elif isinstance(branch.get("type"), list):
            words.append(" or ".join(branch["type"]))
        elif branch.get("type"):
            words.append(str(branch["type"]))
    return " or ".join(dict.fromkeys(words))
