"""Cases for the mutations issue 17 found the suite would not catch (each test names the mutant it
kills). After the restructuring these move beside the modules they test."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from guidelines_tool.docs.safe import ALLOWED_TAGS, rich, rich_inline, sanitize
from guidelines_tool.formatting import format_text
from guidelines_tool.history import read_history
from guidelines_tool.model import Finding
from guidelines_tool.reporters.findings import VALIDATE_REPORTERS
from guidelines_tool.validation import ValidationResult
from tests.docs_support import RISKY_EXTENSIONS, copy_project, html_files, inventory
from tests.gitrepo import RULES, commit, git, one_rule_repo, rule_yaml

HANDLERS = ("onclick", "onmouseover", "onerror", "onfocus", "onload")
REL = {"noopener", "noreferrer", "nofollow"}


# --- docs/safe.py: the allowlist itself ---------------------------------------------------------
# The payload corpus (tests/fixtures/docs_payloads.yaml) has no well-formed `<b onclick="x">`, so
# Markdown escapes every handler payload before the sanitiser sees it: these cases hand the
# sanitiser well-formed tags with handlers. They kill "allow onclick/onmouseover (or any
# attribute) on the allowed tags" (ALLOWED_ATTRIBUTES["*"] gaining a name, or losing its "*"
# entry, which brings back nh3's default generic attributes).


def _attributes(fragment: str) -> set[tuple[str, str]]:
    return inventory({"fragment": fragment}).attributes


@pytest.mark.parametrize("tag", sorted(ALLOWED_TAGS))
def test_sanitiser_drops_handlers_and_generic_attributes_on_every_allowed_tag(tag):
    handlers = " ".join(f'{name}="alert(1)"' for name in HANDLERS)
    fragment = f'<table><tbody><tr><{tag} {handlers} title="t" lang="en" style="color:red" id="x" class="c">text</{tag}></tr></tbody></table>'
    if tag not in {"td", "th", "tr", "tbody", "thead", "table"}:
        fragment = f'<p><{tag} {handlers} title="t" lang="en" style="color:red" id="x" class="c">text</{tag}></p>'
    cleaned = sanitize(fragment)
    assert tag in inventory({"fragment": cleaned}).tags, cleaned  # the tag stays, bare
    assert _attributes(cleaned) <= {("a", "rel")}, cleaned


def test_sanitiser_keeps_only_href_and_rel_on_links():
    cleaned = sanitize('<a href="https://example.com/" onclick="alert(1)" onmouseover="alert(2)" title="t">x</a>')
    assert _attributes(cleaned) == {("a", "href"), ("a", "rel")}


def test_markdown_hands_a_well_formed_handler_to_the_sanitiser():
    """The sanitiser's real input: raw HTML inside rule Markdown reaches it as a tag (not escaped
    text), and comes out as the bare tag."""
    text = 'Hover <b onclick="alert(1)" onmouseover="alert(2)">here</b> and <em onfocus="alert(3)">there</em>.'
    block = rich(text)
    assert "<b>here</b>" in block and "<em>there</em>" in block, block
    assert not [name for _, name in _attributes(block) if name.startswith("on")], block
    assert rich_inline(text) == "Hover <b>here</b> and <em>there</em>."


# --- docs/safe.py: rel on every link ------------------------------------------------------------
# Kills dropping `link_rel="noopener noreferrer nofollow"` (or any of its three words).


def _rels(fragment: str) -> list[set[str]]:
    return [set(value.split()) for _, tag, key, value in inventory({"f": fragment}).values
            if tag == "a" and key == "rel"]


def test_every_link_in_rich_text_gets_noopener_noreferrer_nofollow():
    block = rich("See [the guide](https://example.com/guide), <https://example.org/> and "
                 '<a href="mailto:lead@example.com" rel="opener">mail</a>.')
    links = [v for _, tag, key, v in inventory({"f": block}).values if tag == "a" and key == "href"]
    assert links == ["https://example.com/guide", "https://example.org/", "mailto:lead@example.com"]
    assert _rels(block) == [REL, REL, REL]


# --- the same two properties on a built site: a rule field rendered through MkDocs --------------


@pytest.fixture(scope="module")
def handler_site(tmp_path_factory) -> Path:
    from guidelines_tool.docs.site import build_site

    tmp = tmp_path_factory.mktemp("handlers")
    root = copy_project(tmp, theme="mkdocs", extensions=RISKY_EXTENSIONS)
    (root / "guidelines/photo-subject/rules/pps-009.yaml").write_text(
        "kind: rule\nid: PPS-009\ntask: photo-subject\ntitle: Handlers stay out\nstatus: active\n"
        "labels: [product]\n"
        'when: \'Hover <b onclick="alert(1)" onmouseover="alert(2)">MARK-9</b>; see [the guide](https://example.com/g9).\'\n'
        'rationale: \'<em onmouseover="alert(3)">MARK-10</em>\'\n',
        encoding="utf-8")
    build_site(root, site_dir=tmp / "site")
    return tmp / "site"


def test_site_renders_rule_html_without_handlers(handler_site):
    page = (handler_site / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    assert "<b>MARK-9</b>" in page and "<em>MARK-10</em>" in page  # the tags arrived, bare
    inv = inventory(html_files(handler_site))
    assert not [a for a in inv.attributes if a[1].startswith("on")]


def test_site_links_from_rule_text_carry_rel(handler_site):
    page = (handler_site / "tasks" / "photo-subject" / "index.html").read_text(encoding="utf-8")
    inv = inventory({"page": page})
    anchors: dict[int, dict[str, str]] = {}
    for index, (_, tag, key, value) in enumerate(inv.values):
        if tag == "a" and key == "href" and value == "https://example.com/g9":
            anchors[index] = {"href": value}
    assert anchors, "the rule's link is on the page"
    for index in anchors:  # the attributes of one tag are consecutive in inv.values
        following = inv.values[index + 1] if index + 1 < len(inv.values) else None
        assert following is not None and following[1:3] == ("a", "rel") and set(following[3].split()) == REL


# --- reporters/findings.py ----------------------------------------------------------------------


def _parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command read the way the Actions runner reads it (ActionCommand.TryParseV2):
    properties split on `,`, each on its first `=`, then `%2C`, `%3A`, `%0D`, `%0A`, `%25`
    unescaped."""
    assert line.startswith("::")
    head, _, data = line[2:].partition("::")
    command, _, props = head.partition(" ")

    def unescape(text: str, *, prop: bool) -> str:
        pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
        for escaped, plain in pairs + [("%25", "%")]:
            text = text.replace(escaped, plain)
        return text

    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = unescape(value, prop=True)
    return command, properties, unescape(data, prop=False)


@pytest.mark.parametrize("path", ["guidelines/a,b.yaml", "guidelines/x:y.yaml", "g/line=3,col=9.yaml",
                                  "g/100%,sure:.yaml", "g/plain.yaml"])
def test_github_annotation_path_survives_commas_and_colons(path):
    """Kills dropping `.replace(",", "%2C")` or `.replace(":", "%3A")` from `_gh_property`: an
    unescaped comma splits the file property, and the runner puts the annotation elsewhere."""
    finding = Finding(path, 4, 2, "GL206", "unknown-label", "error", "a, b: c")
    text = VALIDATE_REPORTERS["github"]().render(ValidationResult([finding], 1, 1))
    command, properties, data = _parse_workflow_command(text.rstrip("\n"))
    assert (command, data) == ("error", "a, b: c")
    assert properties == {"file": path, "line": "4", "col": "2", "title": "GL206 unknown-label"}


def test_github_annotation_escapes_path_exactly():
    finding = Finding("g/a,b:c.yaml", 1, 1, "GL001", "yaml-syntax", "warning", "m")
    text = VALIDATE_REPORTERS["github"]().render(ValidationResult([finding], 1, 1))
    assert text == "::warning file=g/a%2Cb%3Ac.yaml,line=1,col=1,title=GL001 yaml-syntax::m\n"


def test_junit_counts_failing_files_not_errors():
    """Kills `failures += len(errors)` (and `failures += 1` per finding): JUnit's `failures` counts
    failing test cases, and a test case here is a file."""
    findings = [
        Finding("g/a.yaml", 1, 1, "GL201", "unknown-kind", "error", "one"),
        Finding("g/a.yaml", 2, 1, "GL206", "unknown-label", "error", "two"),
        Finding("g/a.yaml", 3, 1, "GL303", "rule-without-examples", "warning", "three"),
        Finding("g/b.yaml", 1, 1, "GL001", "yaml-syntax", "error", "four"),
        Finding("g/c.yaml", 1, 1, "GL303", "rule-without-examples", "warning", "only a warning"),
    ]
    root = ET.fromstring(VALIDATE_REPORTERS["junit"]().render(ValidationResult(findings, 5, 4)))
    suite = root.find("testsuite")
    assert (root.get("failures"), suite.get("failures")) == ("2", "2")
    assert (root.get("tests"), suite.get("tests")) == ("4", "4")  # a, b, c and "2 other files"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert cases["g/a.yaml"].find("failure").get("message") == "2 errors"
    assert cases["g/b.yaml"].find("failure").get("message") == "1 error"
    assert cases["g/c.yaml"].find("failure") is None and "only a warning" in cases["g/c.yaml"].find("system-out").text


# --- formatting: a blank line inside a reordered list item --------------------------------------


def test_fmt_drops_the_blank_line_that_would_open_a_reordered_list_item():
    """Kills keeping the blank line in front of the key that becomes first (`lines.lstrip("\\n")`
    in canonical._reorder): `- label: a` + blank + `input: x` must not become `- input: x` +
    blank + `label: a` (a blank line inside one example, where none was between examples)."""
    source = (
        "kind: rule\nid: R-1\ntask: t\ntitle: T\nlabels: [a]\nwhen: w\nexamples:\n"
        "  - label: a\n\n    input: x\n"
        "  - why: because\n    # about the input\n    input: y\n    label: a\n"
    )
    assert format_text(source) == (
        "kind: rule\nid: R-1\ntask: t\ntitle: T\nlabels: [a]\nwhen: w\nexamples:\n"
        "  - input: x\n    label: a\n"
        "  - input: y\n    # about the input\n    label: a\n    why: because\n"
    )


# --- history: rename detection is asked for, not left to the user's git config ------------------


def test_rename_with_a_small_edit_is_a_move_even_when_git_config_turns_renames_off(tmp_path):
    """Kills dropping `-M` from the `git log` arguments. git's porcelain default (diff.renames)
    detects renames, so the mutant only shows where a user turned it off: then a rename
    with a small edit that leaves the file unreadable is delete + add, and the rule would be
    reported as removed and re-added instead of moved (its broken version skipped)."""
    repo = one_rule_repo(tmp_path / "repo")
    git(repo, "config", "diff.renames", "false")
    broken = rule_yaml("R-1") + "tags: [unclosed\n"
    commit(repo, "rename, with a typo", {f"{RULES}/r1.yaml": None, f"{RULES}/focus.yaml": broken})
    commit(repo, "fix the typo", {f"{RULES}/focus.yaml": rule_yaml("R-1")})
    # the setting does what this test relies on: without -M git reports delete + add
    raw = git(repo, "log", "--raw", "--format=", "-1", "HEAD~1")
    assert sorted(line.split()[-2:] for line in raw.splitlines()) == [["A", f"{RULES}/focus.yaml"], ["D", f"{RULES}/r1.yaml"]]
    history = read_history(repo, use_cache=False)
    revisions = history.revisions["R-1"]
    assert [(r.change, r.level) for r in revisions] == [("added", "minor"), ("moved", "none")]
    assert (revisions[-1].previous_path, revisions[-1].path) == (f"{RULES}/r1.yaml", f"{RULES}/focus.yaml")
