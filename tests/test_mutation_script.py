"""scripts/mutation.py: which mutants it makes, that sampling is seeded, and how exclusions
match (the runner itself is exercised by running the script)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation.py"
spec = importlib.util.spec_from_file_location("mutation_script", SCRIPT)
mutation = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mutation  # dataclasses look their module up there
spec.loader.exec_module(mutation)

SOURCE = '''\
from __future__ import annotations
ALLOWED = frozenset({"a", "b"})


def f(x: int = 0) -> bool:
    """Doc."""
    if not x <= 1 and x != 2:
        return x * 3 + 1 > 0
    return "é" == "a" + "é" and True


def esc(t: str) -> str:
    return t.replace(",", "%2C").replace(":", "%3A")
'''


def _made(source: str = SOURCE) -> list[tuple[int, str, str]]:
    return [(m.line, m.mutation, m.apply(source).splitlines()[m.line - 1].strip())
            for m in mutation.find_mutants("m.py", source)]


def test_each_operator_makes_its_single_line_change():
    made = _made()
    assert (2, "drop 'a'", 'ALLOWED = frozenset({"b"})') in made
    assert (2, "drop 'b'", 'ALLOWED = frozenset({"a"})') in made
    assert (7, "drop not", "if x <= 1 and x != 2:") in made
    assert (7, "<= → <", "if not x < 1 and x != 2:") in made
    assert (7, "!= → ==", "if not x <= 1 and x == 2:") in made
    assert (7, "and → or", "if not x <= 1 or x != 2:") in made
    assert (7, "1 → 0", "if not x <= 0 and x != 2:") in made
    assert (8, "* → /", "return x / 3 + 1 > 0") in made
    assert (8, "+ → -", "return x * 3 - 1 > 0") in made
    assert (8, "> → >=", "return x * 3 + 1 >= 0") in made
    assert (9, "True → False", 'return "é" == "a" + "é" and False') in made  # columns past "é"
    assert (7, "return early", "return None") in made
    assert (13, "return None", "return None") in made
    assert (13, "drop .replace(',', '%2C')", 'return t.replace(":", "%3A")') in made
    assert (13, "drop .replace(':', '%3A')", 'return t.replace(",", "%2C")') in made


def test_annotations_and_string_concatenation_are_left_alone():
    made = _made("def g(x: Annotated[int, 5] = 2) -> Literal[0]:\n    return x\n")
    assert [m[1] for m in made] == ["2 → 3", "return None"]
    assert (9, "+ → -", 'return "é" == "a" - "é" and True') not in _made()  # a TypeError, not a test gap


def test_every_mutant_compiles_and_changes_the_source():
    for m in mutation.find_mutants("m.py", SOURCE):
        changed = m.apply(SOURCE)
        assert changed != SOURCE
        compile(changed, "m.py", "exec")


def test_sampling_is_seeded_and_stable():
    source = (Path(__file__).resolve().parent.parent / "guidelines_tool" / "docs" / "safe.py").read_text(encoding="utf-8")
    mutants = mutation.find_mutants("guidelines_tool/docs/safe.py", source)
    first = mutation.select(mutants, 10, 17, "guidelines_tool/docs/safe.py")
    assert first == mutation.select(mutants, 10, 17, "guidelines_tool/docs/safe.py")
    assert first != mutation.select(mutants, 10, 18, "guidelines_tool/docs/safe.py")
    assert len(first) == 10 and first == sorted(first, key=lambda m: (m.start, m.end, m.mutation))
    assert mutation.select(mutants, 0, 17, "x") == mutants


def test_exclusions_match_by_line_text_and_mutation(tmp_path):
    mutant = next(m for m in mutation.find_mutants("m.py", SOURCE) if m.mutation == "drop 'a'")
    entry = {"module": "m.py", "line": '  ALLOWED = frozenset({"a", "b"})', "mutation": "drop 'a'", "reason": "r"}
    assert mutation.exclusion_for(mutant, SOURCE, [entry]) is entry
    assert mutation.exclusion_for(mutant, SOURCE, [dict(entry, mutation="drop 'b'")]) is None
    bad = tmp_path / "x.yaml"
    bad.write_text("- {module: m.py, line: x, mutation: y, reason: ''}\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="reason"):
        mutation.load_exclusions(bad)


def test_repeated_mutations_on_one_line_are_numbered():
    made = _made("y = [1, 1]\n")
    assert [m[1] for m in made] == ["1 → 0", "1 → 0 (#2)"]
    assert [m[2] for m in made] == ["y = [0, 1]", "y = [1, 0]"]


def test_modules_with_the_same_tests_share_one_unmutated_run():
    variance = mutation.MODULES["guidelines_tool/agreement/variance.py"][0]
    report = mutation.MODULES["guidelines_tool/agreement/report.py"][0]
    assert mutation.test_set(variance) == mutation.test_set(report)  # both run tests/agreement
    assert mutation.test_set(("tests/a", "tests/a/test_x.py", "-k", "tests/ab.py")) == ("-k", "tests/a", "tests/ab.py")
    assert mutation.test_set(("tests/reporters",)) != mutation.test_set(("tests/reporters", "tests/cli/test_formats.py"))


def test_a_larger_passing_set_covers_a_module_s_tests():
    done = mutation.test_set(("--deselect=x", "tests/reporters", "tests/cli/test_formats.py", "tests/test_quiz.py"))
    assert mutation.covers(done, mutation.test_set(("--deselect=x", "tests/reporters/test_output.py", "tests/test_quiz.py")))
    assert not mutation.covers(done, mutation.test_set(("--deselect=x", "tests/cli/test_quiz_cli.py")))
    assert not mutation.covers(done, mutation.test_set(("tests/reporters",)))  # other options
