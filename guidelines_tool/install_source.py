"""Where this copy of guidelines_tool was installed from, as a pip requirement a CI runner can use.

`guidelines init` writes it into the CI workflow, so that CI checks with the release the team
scaffolded with. The installer tells (PEP 610): an install from a URL — a VCS repository, an
archive, a local folder — leaves `direct_url.json` in the distribution's metadata; an install
from a package index leaves none. A source that only exists on this machine (a local folder, a
wheel file, a `file://` repository) is no use to a CI runner: then there is no requirement, and
the workflow carries a placeholder saying what to put there.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

DISTRIBUTION = "guidelines-tool"
EXAMPLE = f"{DISTRIBUTION} @ git+https://github.com/YOUR-ORG/guidelines_tool@v0.1.0"


@dataclass(frozen=True)
class InstallSource:
    """`requirement` for pip, or None when CI cannot install from where this copy came from.

    `note` says where it came from (and, without a requirement, why CI cannot use that), as the
    rest of a sentence that begins "guidelines init ...", for the comment beside the requirement.
    """

    requirement: str | None
    note: str


def install_source() -> InstallSource:
    """The install source of the guidelines_tool this process runs."""
    # The first copy an installer put on the path (PEP 627 INSTALLER): a checkout's own
    # guidelines_tool.egg-info, left by a build, is on the path when Python runs from there too.
    installed = (dist for dist in metadata.distributions(name=DISTRIBUTION) if dist.read_text("INSTALLER") is not None)
    dist = next(installed, None)
    if dist is None:
        return InstallSource(None, "is not installed as a package (it runs from its source folder)")
    text = dist.read_text("direct_url.json")
    if text is None:
        return source_from(None, dist.version)
    try:
        direct_url = json.loads(text)
    except ValueError:
        return InstallSource(None, "was installed by an installer that left an unreadable direct_url.json")
    return source_from(direct_url, dist.version)


def source_from(direct_url: dict[str, Any] | None, version: str) -> InstallSource:
    """The requirement for a PEP 610 `direct_url.json` (None: installed from a package index)."""
    if direct_url is None:
        return InstallSource(f"{DISTRIBUTION}=={version}", f"was installed from a package index (version {version})")
    if not isinstance(direct_url, dict) or not isinstance(direct_url.get("url"), str):
        return InstallSource(None, "was installed by an installer that left a direct_url.json without a URL")
    url = direct_url["url"]
    local = urlsplit(url).scheme == "file"
    fragment = f"#subdirectory={direct_url['subdirectory']}" if isinstance(direct_url.get("subdirectory"), str) else ""
    vcs_info = direct_url.get("vcs_info")
    if isinstance(vcs_info, dict) and isinstance(vcs_info.get("vcs"), str):
        vcs, commit = vcs_info["vcs"], vcs_info.get("commit_id")
        asked = vcs_info.get("requested_revision")
        where = f"was installed from the {vcs} repository {url}" + (f" at {asked}" if isinstance(asked, str) else "")
        if local:
            return InstallSource(None, f"{where}, which a CI runner cannot reach")
        if not isinstance(commit, str):
            return InstallSource(None, f"{where}, with no commit recorded to pin")
        scheme = "" if url.startswith(f"{vcs}+") else f"{vcs}+"
        # the commit, not the tag or branch asked for: a tag can move, a branch does
        return InstallSource(f"{DISTRIBUTION} @ {scheme}{url}@{commit}{fragment}", where + f" (commit {commit[:12]})")
    archive_info = direct_url.get("archive_info")
    if isinstance(archive_info, dict):
        if local:
            return InstallSource(None, f"was installed from the file {url}, which a CI runner cannot reach")
        hashes = archive_info.get("hashes")
        digest = hashes.get("sha256") if isinstance(hashes, dict) else None
        pin = f"#sha256={digest}" if isinstance(digest, str) and not fragment else ""
        return InstallSource(f"{DISTRIBUTION} @ {url}{pin or fragment}", f"was installed from the archive {url}")
    dir_info = direct_url.get("dir_info")
    if isinstance(dir_info, dict):
        editable = " (an editable install)" if dir_info.get("editable") else ""
        return InstallSource(None, f"was installed from the folder {url}{editable}, which a CI runner cannot reach")
    return InstallSource(None, f"was installed from {url}, a kind of source this version does not know")


def workflow_env(source: InstallSource) -> str:
    """The `GUIDELINES_TOOL:` entry of the workflow's `env:`, with the comment that goes with it."""
    note = " ".join(source.note.split())  # whatever a path holds, the comment stays a comment
    if source.requirement is not None:
        return _comment(f"Written by `guidelines init`, which {note}.") + f"  GUIDELINES_TOOL: {json.dumps(source.requirement)}\n"
    return (
        _comment(f"`guidelines init` {note}. Put here the pip requirement your team installs guidelines_tool from, for example")
        + f"  #   GUIDELINES_TOOL: {json.dumps(EXAMPLE)}\n"
        + "  # Until then the Install step fails and says so.\n"
        + '  GUIDELINES_TOOL: ""\n'
    )


def _comment(text: str) -> str:
    return textwrap.fill(text, width=100, initial_indent="  # ", subsequent_indent="  # ", break_long_words=False,
                         break_on_hyphens=False) + "\n"
