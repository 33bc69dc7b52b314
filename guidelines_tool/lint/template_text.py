"""A rule that is no longer a draft must not hold the `new-rule` template's placeholder text: an
active (or deprecated) rule is published, and "TODO a short title" would be published with it.

A placeholder is a text field that starts with the word TODO, as every prose field of the
template does (title, when, unless, rationale, example inputs and their why). TODO later in a
sentence is ordinary text. A draft may hold placeholders: that is what drafts are for.

Passing::

    status: draft
    title: TODO a short title that states the decision

Failing::

    status: active          # GL212: active rule PPS-007 still holds the new-rule template's
    title: TODO a short ...  #        placeholder text in title, when (write them, or keep it a draft)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from guidelines_tool.lint.problem import Problem
from guidelines_tool.model import Project, Rule, Source

CODE = "GL212"
NAME = "template-text"
SEVERITY = "error"

_PLACEHOLDER = re.compile(r"\s*TODO\b")


def is_placeholder(text: str) -> bool:
    """True for a text the template left to fill in (it starts with the word TODO)."""
    return bool(_PLACEHOLDER.match(text))


def placeholders(rule: Rule) -> list[tuple[Source, str]]:
    """(where, which field) of every placeholder text of the rule, in the order of the file."""
    found = []
    for field in ("title", "when", "rationale"):
        if is_placeholder(getattr(rule, field)):
            found.append((rule.source.child(field), field))
    for index, text in enumerate(rule.unless):
        if is_placeholder(text):
            found.append((rule.source.child("unless", index), f"unless[{index}]"))
    for group in ("examples", "counterexamples"):
        for index, example in enumerate(getattr(rule, group)):
            for field in ("input", "why"):
                if is_placeholder(getattr(example, field)):
                    found.append((example.source.child(field), f"{group}[{index}].{field}"))
    return found


def check(project: Project) -> Iterator[Problem]:
    for rule in project.rules:
        if rule.status == "draft":
            continue
        found = placeholders(rule)
        if found:
            fields = ", ".join(field for _source, field in found)
            yield Problem(
                found[0][0],
                f"{rule.status} rule {rule.id} still holds the new-rule template's placeholder text in {fields} "
                "(write them, or keep the rule `status: draft`)",
                at_value=True,
            )
