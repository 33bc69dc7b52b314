"""The reporter base class, the registry's checks, and the output helpers every format uses."""

from __future__ import annotations

import pytest

from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.output import json_text, printable


def test_a_reporter_must_render():
    with pytest.raises(NotImplementedError):
        Reporter().render(object())
    assert Reporter().summary(object()) == ""


def test_registry_refuses_unnamed_and_repeated_names():
    class A(Reporter):
        name = "a"

    class Unnamed(Reporter):
        pass

    class AlsoA(Reporter):
        name = "a"

    assert registry(A) == {"a": A}
    with pytest.raises(ValueError, match="Unnamed"):
        registry(A, Unnamed)
    with pytest.raises(ValueError, match="AlsoA"):
        registry(A, AlsoA)


def test_json_text_is_indented_readable_utf8():
    assert json_text({"a": ["é", 1]}) == '{\n  "a": [\n    "é",\n    1\n  ]\n}'
    assert json_text({"p": "caf\udce9"}) == '{\n  "p": "caf\\udce9"\n}'


def test_printable_shows_undecodable_bytes_and_leaves_other_text_alone():
    assert printable("café|x") == "café|x"
    assert printable("caf\udce9.yaml") == "caf\\xe9.yaml"
