"""`guidelines fmt` on hostile real files, one file each in `tests/fmt_cases/`.

A case `NAME.yaml` is formatted as a file (bytes in, bytes out). Beside it:

- `NAME.expected.yaml`: the exact bytes fmt must write (then a second run changes nothing);
- `NAME.error`: `line:col text` — fmt must refuse at that place with a message holding `text`,
  and leave the file byte for byte as it was;
- neither: the file is already canonical and fmt leaves it alone.

Whatever the outcome, fmt never changes content (both texts load to the same data, keys compared
as YAML 1.2 compares them), never drops a comment, and `validate`'s loader agrees with it on
what is a duplicate key.
"""

from __future__ import annotations

import shutil
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guidelines_tool.cli import cli
from guidelines_tool.formatting import FormatProblem, comment_lines, format_file, format_text, same_data
from guidelines_tool.loading import DUPLICATE_KEY, parse_yaml, safe_yaml

CASES = Path(__file__).parent / "fmt_cases"
INPUTS = sorted(p for p in CASES.glob("*.yaml") if not p.name.endswith(".expected.yaml"))
# Keys YAML holds apart but guideline data (text keys, as JSON) cannot: `1` and `'1'`, `.inf`
# and `inf`. fmt keeps such a file as it is; validate reports the clash (it is not a duplicate).
KEYS_READ_AS_ONE = {"keys-int-and-string"}


def stem(path: Path) -> str:
    return path.name.removesuffix(".yaml")


def text_of(raw: bytes) -> str:
    return raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")


@pytest.mark.parametrize("case", INPUTS, ids=stem)
def test_case(case, tmp_path):
    path = tmp_path / case.name
    shutil.copyfile(case, path)
    before = case.read_bytes()
    outcome = format_file(path, case.name)
    expected = case.with_name(stem(case) + ".expected.yaml")
    error = case.with_name(stem(case) + ".error")
    if error.exists():
        place, _, text = error.read_text(encoding="utf-8").strip().partition(" ")
        assert outcome.status == "error", outcome
        assert f"{outcome.line}:{outcome.column}" == place, outcome
        assert text in outcome.message
        assert "left untouched" in outcome.message
        assert path.read_bytes() == before
        return
    if expected.exists():
        assert outcome.status == "reformatted", outcome
        assert path.read_bytes() == expected.read_bytes()
        assert format_file(path, case.name).status == "unchanged"  # idempotent
    else:
        assert outcome.status == "unchanged", outcome
    after = path.read_bytes()
    old, new = text_of(before), text_of(after)
    assert same_data(safe_yaml().load(old), safe_yaml().load(new))
    assert not comment_lines(old) - comment_lines(new)


def _utf8(path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("case", [case for case in INPUTS if _utf8(case)], ids=stem)
def test_validate_agrees_on_duplicate_keys(case):
    """fmt refuses a duplicate key exactly where validate's loader reports one (YAML 1.2: the
    same tag and value), and formats files where it finds none."""
    text = case.read_bytes().decode("utf-8")  # a non-UTF-8 file has no YAML to compare
    _data, findings = parse_yaml(text, case.name)
    duplicates = [f for f in findings if f.code == DUPLICATE_KEY[0]]
    error = case.with_name(stem(case) + ".error")
    refused_for_duplicate = error.exists() and "duplicate key" in error.read_text()
    if refused_for_duplicate:
        place = error.read_text().split()[0]
        assert [f"{f.line}:{f.column}" for f in duplicates] == [place]
        assert "duplicate key" in duplicates[0].message
    elif stem(case) in KEYS_READ_AS_ONE:
        assert len(duplicates) == 1 and "different YAML keys" in duplicates[0].message
    else:
        assert duplicates == []


def test_every_kind_of_case_is_there():
    """The corpus covers each outcome: formatted, left alone, and refused."""
    names = {stem(p) for p in INPUTS}
    assert {p.name.removesuffix(".expected.yaml") for p in CASES.glob("*.expected.yaml")} <= names
    assert {p.stem for p in CASES.glob("*.error")} <= names
    assert len(list(CASES.glob("*.error"))) >= 5 and len(list(CASES.glob("*.expected.yaml"))) >= 20


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("kind: rule\nid: R-1\nx:\n  1: a\n  0x1: b\n", 5, 3),  # one int written two ways
        ("kind: rule\nid: R-1\nx:\n  ~: a\n  Null: b\n", 5, 3),
        ("kind: rule\nid: R-1\nx:\n  .inf: a\n  +.INF: b\n", 5, 3),
        ("kind: rule\nid: R-1\nx: {false: a, FALSE: b}\n", 3, 15),
    ],
)
def test_the_same_yaml_key_twice_is_refused_where_it_is(text, line, column):
    outcome_text = text
    with pytest.raises(Exception) as problem:
        format_text(outcome_text)
    assert (problem.value.line, problem.value.column) == (line, column)
    assert "duplicate key" in problem.value.message
    _data, findings = parse_yaml(text, "r.yaml")
    assert [(f.code, f.line, f.column) for f in findings] == [(DUPLICATE_KEY[0], line, column)]


@pytest.mark.parametrize(
    "text",
    [
        "kind: rule\nid: R-1\nx:\n  1: a\n  true: b\n  1.0: c\n  0: d\n  false: e\n",
        "kind: rule\nid: R-1\nx:\n  2026-01-02: a\n  '2026-01-02': b\n",  # a date and a string
        "%YAML 1.2\n---\nkind: rule\nid: R-1\nx:\n  1: a\n  true: b\n",  # validate's full loader
    ],
)
def test_keys_python_confuses_but_yaml_does_not_are_kept(text):
    out = format_text(text)
    assert same_data(safe_yaml().load(text), safe_yaml().load(out))
    assert format_text(out) == out


MALFORMED = sorted((Path(__file__).parent / "malformed").glob("*.yaml"))


@pytest.mark.parametrize("case", MALFORMED, ids=stem)
def test_malformed_files_are_refused_or_skipped_never_a_crash(case, tmp_path):
    """The validate corpus of broken files: fmt reports each with a place, and writes nothing."""
    path = tmp_path / case.name
    shutil.copyfile(case, path)
    outcome = format_file(path, case.name)  # an exception here fails the test
    assert outcome.status in ("error", "skipped", "unchanged", "reformatted"), outcome
    if outcome.status in ("error", "skipped"):
        assert path.read_bytes() == case.read_bytes()
        assert outcome.message and outcome.line >= 1 and outcome.column >= 1


@pytest.mark.parametrize("prefix", ["", "%YAML 1.2\n---\n"], ids=["fast-loader", "full-loader"])
def test_validate_keeps_keys_yaml_holds_apart_and_names_a_clash(prefix):
    """Both paths of validate's loader (libyaml events; ruamel's safe loader for documents with
    directives, tags or merge keys) read `1:` and `true:` as two keys, and say what `1:` and
    `'1':` are (two YAML keys that cannot both be text keys), instead of a bare "duplicate"."""
    data, findings = parse_yaml(prefix + "x:\n  1: a\n  true: b\n  1.0: c\n", "r.yaml")
    assert findings == [] and data == {"x": {"1": "a", "True": "b", "1.0": "c"}}
    data, findings = parse_yaml(prefix + "x:\n  1: a\n  '1': b\n", "r.yaml")
    assert data is None
    assert [f.code for f in findings] == [DUPLICATE_KEY[0]]
    assert "`1` and the string '1' are different YAML keys" in findings[0].message


# --- nested brackets with comments, generated ------------------------------------------------------

SCALARS = ["a", "'q #x'", '"d, e"', "1", "true", "~", "b c", "yes", "0o7", "&an v"]


@st.composite
def separator(draw) -> str:
    """Between tokens in brackets: nothing, a space, a line break, or a comment (end of line or
    on a line of its own), with any indentation."""
    kind = draw(st.sampled_from(["none", "space", "break", "eol", "own"]))
    indent = " " * draw(st.integers(0, 6))
    number = draw(st.integers(0, 999))
    return {"none": "", "space": " ", "break": "\n" + indent, "eol": f" # c{number}\n" + indent,
            "own": f"\n{indent}  # own{number}\n{indent}"}[kind]  # fmt: skip


@st.composite
def flow(draw, depth: int = 0) -> str:
    if depth > 2 or draw(st.integers(0, 9)) < 3:
        return draw(st.sampled_from(SCALARS))
    items = [draw(flow(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):
        items = [f"k{index}: {item}" for index, item in enumerate(items)]
        opening, closing = "{", "}"
    else:
        opening, closing = "[", "]"
    body = ("," + draw(separator())).join(items)
    return opening + draw(separator()) + body + draw(separator()) + closing


@st.composite
def documents_with_commented_brackets(draw) -> str:
    lines = ["kind: rule", "id: R-1"]
    for index in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(["labels", "tags", "x_a", "examples"])) + str(index)
        if draw(st.booleans()):
            lines.append(f"{key}:\n  - {draw(flow())}\n  - {draw(flow(1))}")
        else:
            lines.append(f"{key}: {draw(flow())}" + draw(st.sampled_from(["", "  # tail"])))
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents_with_commented_brackets())
def test_comments_in_nested_brackets_are_kept_or_the_file_refused(text):
    """Whatever the nesting: either the same data with every comment, stable on a second run,
    or a refusal (the rare shape ruamel cannot write) — never a crash, never a loss."""
    try:
        original = safe_yaml().load(text)
    except Exception:  # the generator can write YAML that does not parse: not this test's subject
        return
    try:
        out = format_text(text)
    except FormatProblem:
        return
    assert same_data(original, safe_yaml().load(out))
    assert not comment_lines(text) - comment_lines(out)
    assert format_text(out) == out


def test_fmt_fixes_what_validate_reports_and_keeps_the_rest(guideline_project, tmp_path, monkeypatch):
    """End to end: a Windows-edited rule (BOM, CRLF, an opening `---` under the modeline, a
    comment inside brackets). validate reports the BOM; fmt drops it, keeps the rest, and then
    validate is clean and `fmt --check` has nothing to do."""
    rule = (
        "# yaml-language-server: $schema=../../../schemas/rule.schema.json\n---\n"
        "title: The product wins\nkind: rule\nid: PPS-001\ntask: pps\n"
        "labels: [product, # the one that wins\n  person]\ndecision: product\nwhen: Both are in focus.\n"
        "examples:\n  - {input: Model holds a bag, label: product}\n"
    )
    root = guideline_project(tmp_path)
    path = root / "guidelines" / "pps" / "rules" / "PPS-001.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + rule.replace("\n", "\r\n").encode())
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    before = CliRunner().invoke(cli, ["validate"])
    assert before.exit_code == 0 and "warning GL005" in before.stdout  # a warning that fmt fixes
    assert CliRunner().invoke(cli, ["fmt"]).exit_code == 0
    assert path.read_bytes() == (
        "# yaml-language-server: $schema=../../../schemas/rule.schema.json\n---\n"
        "kind: rule\nid: PPS-001\ntask: pps\ntitle: The product wins\n"
        "labels:\n  - product # the one that wins\n  - person\ndecision: product\nwhen: Both are in focus.\n"
        "examples:\n  - {input: Model holds a bag, label: product}\n"
    ).replace("\n", "\r\n").encode()
    after = CliRunner().invoke(cli, ["validate"])
    assert (after.exit_code, after.stdout) == (0, ""), after.stdout
    assert CliRunner().invoke(cli, ["fmt", "--check"]).exit_code == 0


def _spellings() -> list[str]:
    lines = (CASES / "key-spellings.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _fmt_verdict(text: str) -> str:
    try:
        format_text(text)
    except FormatProblem as problem:
        return "duplicate" if "duplicate key" in problem.message else f"refused: {problem.message}"
    return "distinct"


def _validate_verdict(text: str) -> str:
    _data, findings = parse_yaml(text, "r.yaml")
    if not findings:
        return "distinct"
    if "different YAML keys" in findings[0].message:
        return "clash"
    return "duplicate" if findings[0].code == DUPLICATE_KEY[0] else f"finding: {findings[0].message}"


def test_fmt_and_validate_agree_on_every_pair_of_key_spellings():
    disagreements = []
    for first, second in combinations(_spellings(), 2):
        text = f"kind: rule\nid: R-1\nx_map:\n  {first}: a\n  {second}: b\n"
        verdicts = (_fmt_verdict(text), _validate_verdict(text))
        if verdicts not in (("distinct", "distinct"), ("duplicate", "duplicate"), ("distinct", "clash")):
            disagreements.append((first, second, *verdicts))
    assert disagreements == []
    # and the verdicts are YAML 1.2's, not Python's
    assert _fmt_verdict("kind: rule\nx:\n  1: a\n  true: b\n") == "distinct"
    assert _fmt_verdict("kind: rule\nx:\n  0.0: a\n  -0.0: b\n") == "distinct"
    assert _fmt_verdict("kind: rule\nx:\n  0o17: a\n  15: b\n") == "duplicate"
