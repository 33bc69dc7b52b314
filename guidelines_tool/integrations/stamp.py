"""The version stamp a push carries: which committed guidelines the annotators are shown.

A push from uncommitted guideline files is refused: annotations made under it would be linked
to a commit whose rules are not the ones the annotators read, and `impact` would credit the
wrong revision. (The publish log itself is written after the push, so it may be uncommitted.)
"""

from __future__ import annotations

from pathlib import Path

from guidelines_tool.errors import GuidelinesError, HistoryError
from guidelines_tool.integrations import Stamp
from guidelines_tool.model import ProjectConfig
from guidelines_tool.project import CONFIG_NAME


def stamp_of(root: Path, config: ProjectConfig) -> tuple[Stamp, list[str]]:
    """The stamp of the guidelines at HEAD, and the guideline files that differ from it
    (`uncommitted_error`).

    The stamp is the last commit on HEAD's first-parent line that changed the guideline files:
    a commit after it that changes nothing annotators read (the publish log committed after a
    push, the tool's config, code) is not a new version of the guidelines, so pushing again
    keeps `v1.2.0` rather than `v1.2.0-1-g…`. First-parent: a change merged from a branch is
    stamped with its merge, the commit `impact` places revisions on."""
    from guidelines_tool.history import Git

    git = Git(root)
    head = git.rev_parse("HEAD")
    if head is None:
        raise GuidelinesError("the git repository has no commits yet: commit the guidelines first")
    paths = [_in_repo(git.prefix, CONFIG_NAME), _in_repo(git.prefix, config.guidelines)]
    changed = [line[3:] for line in git.run("status", "--porcelain", "--untracked-files=all", "--",
                                                 *paths).splitlines() if line.strip()]
    last = git.run("log", "-1", "--first-parent", "--format=%H", head, "--", *paths).strip() or head
    date = git.run("log", "-1", "--format=%cI", last).strip()
    return Stamp(version=_version(git, config.release_tag_prefix, last), commit=last, date=date), changed


def uncommitted_error(changed: list[str]) -> GuidelinesError:
    files = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return GuidelinesError(
        f"uncommitted changes to the guidelines ({files}): commit them first — a push is stamped "
        "with a commit, and annotations made under it are linked to that commit's rules")


def _version(git, prefix: str, commit: str) -> str:
    """The release tag at `commit` (`v1.2.0`), `git describe`'s form past it (`v1.2.0-3-gabc1234`),
    or `unreleased` before the first release."""
    try:
        return git.run("describe", "--tags", "--abbrev=7", f"--match={prefix}[0-9]*", commit).strip()
    except HistoryError:  # no release tag reachable
        return "unreleased"


def _in_repo(prefix: str, path: str) -> str:
    """A project path as a pathspec from the top of the repository (`:(top)` so git reads it
    from there whatever the working folder)."""
    rel = f"{prefix}/{path}" if prefix else path
    return f":(top){rel.strip('/') or '.'}"
