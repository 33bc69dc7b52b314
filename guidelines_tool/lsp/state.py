"""One guideline project as the editor sees it: the files on disk, overlaid by the open buffers.

The findings are `validation.project_findings()` — the engine `guidelines validate` runs — fed
with the same parsed files, the same assembled `Project` and the same lint checks. What this
module adds is memory, so a keystroke does not redo the whole project:

* each file is parsed once per text (`loading.load_files`, as validate reads it); a change
  re-parses only that file, and the `Project` is re-assembled from the parsed files (cheap);
* each file's schema findings are kept until its text changes;
* lint problems (unlocated, as `lint.find_problems` gives them) are kept until a change touches
  something a check reads. Checks read ids, tasks, labels, decisions, statuses, references and
  example labels, never prose: a change that only edits prose (titles, `when`, example inputs,
  label definitions ...) leaves every problem as it was (unless it makes a text start with, or stop
  starting with, the template's TODO), and only their line:column is looked up
  again. `blind()` names the prose fields; a test holds every check to not reading them.
* positions (`loading.positions`) are kept per file text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from guidelines_tool.docs.assets import example_asset
from guidelines_tool.lint import find_problems, locate_problem
from guidelines_tool.lint.template_text import is_placeholder
from guidelines_tool.loading import ParsedFile, load_files, position, positions, read_text
from guidelines_tool.lsp import cache as parse_cache
from guidelines_tool.model import Example, Finding, Location, Project, ProjectConfig, Rule, Source, Task
from guidelines_tool.project import CONFIG_NAME, assemble, read_project
from guidelines_tool.validation import project_findings, schema_findings

YAML_SUFFIXES = (".yaml", ".yml")


def blind(record: Any) -> Any:
    """A rule or task with its prose emptied: what lint may read of it. Prose that is still the
    new-rule template's placeholder stays a placeholder (template-text reads that much of it)."""
    if isinstance(record, Rule):
        return replace(
            record, title=_prose(record.title), when=_prose(record.when), rationale=_prose(record.rationale),
            unless=tuple(_prose(text) for text in record.unless), tags=(),
            # a case's label is checked (GL206); its words are not
            ambiguous_cases=tuple(replace(c, case="", resolution="", decided="", by="") for c in record.ambiguous_cases),
            examples=tuple(_blind_example(e, record) for e in record.examples),
            counterexamples=tuple(_blind_example(e, record) for e in record.counterexamples),
        )
    if isinstance(record, Task):
        labels = tuple(replace(label, name="", definition="", include=(), exclude=(), value=None) for label in record.labels)
        return replace(record, title="", description="", scale="nominal", multi_label=False, labels=labels, agreement=None)
    return record


def _blind_example(example: Example, rule: Rule) -> Example:
    """An example without its prose. An input that names a file the example shows is kept:
    GL211 checks that the file is there."""
    shows_input = not example.media and example_asset(example, rule.source.path) is not None
    return replace(example, input=example.input if shows_input else _prose(example.input), why=_prose(example.why))


def lint_view(parsed: ParsedFile) -> tuple:
    """Everything of one parsed file that a lint check can see (records compare without their
    source, so sources are listed beside them)."""
    kind = parsed.data.get("kind") if isinstance(parsed.data, dict) else _NOT_A_MAPPING
    return (
        parsed.path,
        kind,
        tuple((blind(rule), rule.source, _example_sources(rule)) for rule in parsed.rules),
        tuple((blind(task), task.source, tuple(label.source for label in task.labels)) for task in parsed.tasks),
        parsed.unread_ids,  # a broken file's ids silence references to them
    )


def _example_sources(rule: Rule) -> tuple:
    return tuple(example.source for example in (*rule.examples, *rule.counterexamples))


_NOT_A_MAPPING = object()


def _prose(text: str) -> str:
    return "TODO" if is_placeholder(text) else ""


@dataclass
class FileState:
    """One project file: its parsed form, and what has been worked out from it so far."""

    rel: str
    parsed: ParsedFile
    schema: list[Finding] | None = None  # None: not checked yet

    @cached_property
    def view(self) -> tuple:
        """What lint can see of the file (worked out only for files that change)."""
        return lint_view(self.parsed)

    @property
    def broken(self) -> bool:
        """Not readable as a mapping (YAML error, empty, unreadable): no records from it."""
        return not isinstance(self.parsed.data, dict)


class ProjectState:
    """The project at `root`, kept up to date change by change (see the module docstring)."""

    def __init__(self, root: Path, *, use_cache: bool = False) -> None:
        self.root = root.resolve()
        self.use_cache = use_cache  # read and write the parse cache of the user's cache folder
        self.cache_stale = False
        self.overlay: dict[str, str] = {}  # relative path → text of an open buffer
        self.files: dict[str, FileState] = {}  # config first, then guideline files in read order
        self.project: Project | None = None
        self.dirty: set[str] = set()
        self.last_good: dict[str, ParsedFile] = {}  # the newest parse of each file that gave records
        self.defer_schema: set[str] | None = None  # when set: only these files are schema-checked for now
        self.generation = 0  # bumped on every change (features cache by it)
        self._lint_generation = 0  # bumped when something lint reads changes
        self._lint_key: tuple | None = None
        self._lint_problems: list = []
        self._positions: dict[str, tuple[str, dict]] = {}
        self._model: tuple[int, Project] | None = None
        self._memo: dict[str, tuple[int, Any]] = {}

    # --- reading ---------------------------------------------------------------------------

    def load(self) -> None:
        """Read the whole project (disk overlaid by the buffers), as `validate` reads it; a file
        whose text has not changed keeps its parse and its schema findings (from memory, else from
        the cache of an earlier session)."""
        known = {rel: (state.parsed, state.schema) for rel, state in self.files.items()}
        if not known and self.use_cache:
            known = parse_cache.load(self.root)
        parsed, _project = read_project(self.root, overlay=self.overlay, known={rel: entry[0] for rel, entry in known.items()})
        old = self.files
        self.files = {}
        for item in parsed:
            kept = old.get(item.path)
            if kept is not None and kept.parsed is item:
                self.files[item.path] = kept  # same parse: keep what was worked out from it
                continue
            self._put(item)
            earlier = known.get(item.path)
            if earlier is not None and earlier[0] is item:
                self.files[item.path].schema = earlier[1]
        self.cache_stale = self.use_cache and any(
            known.get(item.path, (None,))[0] is not item or self.files[item.path].schema is None
            for item in parsed if item.text)
        self.dirty.clear()
        self._assemble(lint_changed=True)

    def save_cache(self) -> None:
        """Keep the parses and schema findings of the files as they are on disk for the next session."""
        if self.use_cache and self.cache_stale:
            on_disk = {rel: (state.parsed, state.schema) for rel, state in self.files.items()
                       if state.parsed.text is not None and (rel not in self.overlay or self._same_on_disk(rel))}
            parse_cache.save(self.root, on_disk)
            self.cache_stale = False

    def _same_on_disk(self, rel: str) -> bool:
        """Is the open buffer of `rel` the file as saved (opened, not edited)?"""
        text, _findings = read_text(self.root / rel, rel)
        return text == self.overlay.get(rel)

    def is_project_file(self, rel: str) -> bool:
        """Is `rel` guidelines.yaml or a YAML file under the guideline folder?"""
        if rel == CONFIG_NAME:
            return True
        if not rel.endswith(YAML_SUFFIXES) or rel.startswith("../") or rel.startswith("/"):
            return False
        folder = self.config.guidelines.strip("/")
        folder = "" if folder in (".", "") else folder.removeprefix("./") + "/"
        return rel.startswith(folder)

    @property
    def config(self) -> ProjectConfig:
        config_file = self.files.get(CONFIG_NAME)
        return (config_file.parsed.project if config_file else None) or ProjectConfig()

    def set_buffer(self, rel: str, text: str) -> None:
        """An editor buffer opened or changed: its text stands in for the file on disk."""
        if self.overlay.get(rel) != text:
            self.overlay[rel] = text
            self.dirty.add(rel)

    def drop_buffer(self, rel: str) -> None:
        """A buffer closed: the file on disk counts again."""
        if self.overlay.pop(rel, None) is not None:
            self.dirty.add(rel)

    def disk_changed(self, rel: str) -> None:
        """A file was created, changed or deleted on disk (an open buffer still wins)."""
        if rel not in self.overlay:
            self.dirty.add(rel)
            self._positions.pop(rel, None)

    def refresh(self) -> set[str]:
        """Apply pending changes: re-parse the files whose text changed, re-assemble. Returns them."""
        if not self.dirty or self.project is None:
            if self.project is None:
                self.load()
            return set()
        dirty, self.dirty = self.dirty, set()
        if CONFIG_NAME in dirty:
            before = self.config.guidelines
            self._reparse(CONFIG_NAME)
            if self.config.guidelines != before:  # another folder: every file list changes
                self.load()
                return dirty
        lint_changed = CONFIG_NAME in dirty
        for rel in sorted(dirty - {CONFIG_NAME}):
            if self.is_project_file(rel):
                lint_changed |= self._reparse(rel)
        self._assemble(lint_changed=lint_changed)
        return dirty

    def _reparse(self, rel: str) -> bool:
        """Read one file again; True when lint may see a difference."""
        path = self.root / rel
        old = self.files.get(rel)
        if rel not in self.overlay and not path.is_file() and rel != CONFIG_NAME:
            if old is None:
                return False
            del self.files[rel]
            self.last_good.pop(rel, None)
            return True
        item = load_files(self.root, [path], self.overlay, {rel: old.parsed} if old else None)[0]
        if old is not None and old.parsed is item:
            return False
        self._put(item)
        if old is None:
            self._reorder()
            return True
        return old.view != self.files[rel].view

    def _put(self, item: ParsedFile) -> None:
        self.files[item.path] = FileState(item.path, item)
        if isinstance(item.data, dict):
            self.last_good[item.path] = item
        self._positions.pop(item.path, None)

    def _reorder(self) -> None:
        """Guideline files in the order validate reads them (sorted paths), config first."""
        config = self.files.pop(CONFIG_NAME, None)
        ordered = sorted(self.files.items(), key=lambda pair: self.root / pair[0])
        self.files = ({CONFIG_NAME: config} if config else {}) | dict(ordered)

    def _assemble(self, *, lint_changed: bool) -> None:
        self.project = assemble(self.root, self.config, [state.parsed for state in self.files.values()])
        self.generation += 1
        if lint_changed:
            self._lint_generation += 1

    # --- findings --------------------------------------------------------------------------

    def findings(self) -> dict[str, list[Finding]]:
        """Every finding of the project by file, as `validate` orders them."""
        self.refresh()
        parsed = [state.parsed for state in self.files.values()]
        found = project_findings(self.root, parsed, self.project, self.locate,
                                 file_findings=self._schema, lint=self._lint)
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in sorted(set(found)):
            by_path[finding.path].append(finding)
        return dict(by_path)

    @property
    def unchecked(self) -> list[str]:
        """Files whose schema findings are not worked out yet (see `defer_schema`: while it is set,
        findings are complete for the files it names only)."""
        return [rel for rel, state in self.files.items() if state.schema is None]

    def check_schema(self, rels: list[str]) -> None:
        """Work out the schema findings of these files now."""
        for rel in rels:
            state = self.files.get(rel)
            if state is not None and state.schema is None:
                state.schema = schema_findings(state.parsed, self.locate)

    def _schema(self, item: ParsedFile, locate: Any) -> list[Finding]:
        state = self.files.get(item.path)
        if state is None or state.parsed is not item:
            return schema_findings(item, locate)
        if state.schema is None:
            if self.defer_schema is not None and item.path not in self.defer_schema:
                return []
            state.schema = schema_findings(item, locate)
        return state.schema

    def _lint(self, project: Project, locate: Any, *, disabled: set[str], severities: dict[str, str]) -> list[Finding]:
        key = (self._lint_generation, frozenset(disabled), tuple(sorted(severities.items())))
        if key != self._lint_key:
            self._lint_problems = find_problems(project, disabled=disabled, severities=severities)
            self._lint_key = key
        problems = self._lint_problems
        if self.defer_schema is not None:
            # the first check publishes only the open files: locating a problem reads its file's
            # positions (a second parse), so the other files' problems wait for the background pass
            problems = [problem for problem in problems if problem[3].source.path in self.defer_schema]
        return [locate_problem(locate, *problem) for problem in problems]

    def unlocated(self) -> list[str]:
        """Files holding lint problems whose positions are not read yet (the background pass reads
        them a few at a time, so the full check after it does not hold the editor up)."""
        paths = dict.fromkeys(problem[3].source.path for problem in self._lint_problems)
        return [rel for rel in paths if rel in self.files and rel not in self._positions]

    def read_positions(self, rels: list[str]) -> None:
        for rel in rels:
            self.locate(Source(rel))

    def locate(self, source: Source, *, value: bool = False) -> Location:
        """Line:column (1-based) of a pointer, as `loading.Locator` finds it."""
        text = self.text(source.path) or ""
        known = self._positions.get(source.path)
        if known is None or known[0] is not text:
            known = self._positions[source.path] = (text, positions(text))
        return Location(source.path, *position(known[1], source.pointer, value=value))

    # --- what features read ----------------------------------------------------------------

    def text(self, rel: str) -> str | None:
        """The text of a project file as the project sees it (buffer, else the parsed file, else disk)."""
        if rel in self.overlay:
            return self.overlay[rel]
        state = self.files.get(rel)
        if state is not None and state.parsed.text is not None:
            return state.parsed.text
        path = self.root / rel
        if state is None and not path.is_file():
            return None
        text, _findings = read_text(path, rel)
        return text

    def display_text(self, rel: str) -> str:
        """The text as an editor would show it, also for a file that is not valid UTF-8 (each bad
        byte one replacement character), so a finding's line:column still lands on it."""
        text = self.text(rel)
        if text is not None:
            return text
        try:
            return (self.root / rel).read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""

    def model(self) -> Project:
        """The project for completion and navigation: a file that does not parse right now
        contributes the records of its last good version."""
        self.refresh()
        if self._model is not None and self._model[0] == self.generation:
            return self._model[1]
        broken = [rel for rel, state in self.files.items() if state.broken and rel in self.last_good]
        if not broken:
            model = self.project
        else:
            parsed = [self.last_good[rel] if rel in broken else state.parsed for rel, state in self.files.items()]
            model = assemble(self.root, self.config, parsed)
        self._model = (self.generation, model)
        return model

    def memo(self, name: str, build: Callable[[], Any]) -> Any:
        """`build()`, kept until the project changes (for indexes the features share)."""
        known = self._memo.get(name)
        if known is None or known[0] != self.generation:
            known = self._memo[name] = (self.generation, build())
        return known[1]

    def parsed(self, rel: str) -> ParsedFile | None:
        """The newest parse of a file that gave records (the last good one when it is broken now)."""
        state = self.files.get(rel)
        if state is not None and not state.broken:
            return state.parsed
        return self.last_good.get(rel)

