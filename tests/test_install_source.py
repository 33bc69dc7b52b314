"""Where `init`'s CI workflow installs guidelines_tool from: every PEP 610 `direct_url.json` shape.

Real installs of each kind (VCS, index, wheel, editable) are in test_packaging.py; these pin the
mapping from the recorded source to the requirement, and the comment that goes into the workflow.
"""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from guidelines_tool.install_source import EXAMPLE, InstallSource, install_source, source_from, workflow_env

SHA = "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"


@pytest.mark.parametrize(
    "direct_url, requirement",
    [
        pytest.param(None, "guidelines-tool==1.2.0", id="index"),
        pytest.param({"url": "https://github.com/org/guidelines_tool.git",
                      "vcs_info": {"vcs": "git", "requested_revision": "v1.2.0", "commit_id": SHA}},
                     f"guidelines-tool @ git+https://github.com/org/guidelines_tool.git@{SHA}", id="git-tag"),
        pytest.param({"url": "ssh://git@gitlab.example.com/team/tools.git", "subdirectory": "guidelines_tool",
                      "vcs_info": {"vcs": "git", "commit_id": SHA}},
                     f"guidelines-tool @ git+ssh://git@gitlab.example.com/team/tools.git@{SHA}#subdirectory=guidelines_tool",
                     id="git-ssh-subdirectory"),
        pytest.param({"url": "https://hg.example.com/tool", "vcs_info": {"vcs": "hg", "commit_id": "abc123"}},
                     "guidelines-tool @ hg+https://hg.example.com/tool@abc123", id="hg"),
        pytest.param({"url": "https://example.com/dist/guidelines_tool-1.2.0-py3-none-any.whl",
                      "archive_info": {"hashes": {"sha256": "ab" * 32}, "hash": "sha256=" + "ab" * 32}},
                     "guidelines-tool @ https://example.com/dist/guidelines_tool-1.2.0-py3-none-any.whl#sha256=" + "ab" * 32,
                     id="remote-archive"),
        pytest.param({"url": "https://example.com/guidelines_tool-1.2.0.tar.gz", "archive_info": {}},
                     "guidelines-tool @ https://example.com/guidelines_tool-1.2.0.tar.gz", id="remote-archive-no-hash"),
        # sources that exist on this machine only, or say too little: a placeholder
        pytest.param({"url": "file:///home/lead/src/guidelines_tool", "dir_info": {"editable": True}}, None, id="editable"),
        pytest.param({"url": "file:///home/lead/src/guidelines_tool", "dir_info": {}}, None, id="local-folder"),
        pytest.param({"url": "file:///tmp/guidelines_tool-1.2.0-py3-none-any.whl", "archive_info": {}}, None, id="wheel-file"),
        pytest.param({"url": "file:///srv/git/guidelines_tool", "vcs_info": {"vcs": "git", "commit_id": SHA}}, None,
                     id="local-git"),
        pytest.param({"url": "https://github.com/org/guidelines_tool.git", "vcs_info": {"vcs": "git"}}, None,
                     id="git-without-commit"),
        pytest.param({"url": "https://example.com/x"}, None, id="unknown-shape"),
        pytest.param({"vcs_info": {"vcs": "git", "commit_id": SHA}}, None, id="no-url"),
        pytest.param(["not", "a", "mapping"], None, id="not-a-mapping"),
    ],
)
def test_the_requirement_for_each_install_source(direct_url, requirement):
    source = source_from(direct_url, "1.2.0")
    assert source.requirement == requirement
    assert source.note  # always says where it came from


def test_the_notes_say_where_and_why():
    local = source_from({"url": "file:///srv/git/guidelines_tool", "vcs_info": {"vcs": "git", "requested_revision": "v1", "commit_id": SHA}}, "1")
    assert local.note == "was installed from the git repository file:///srv/git/guidelines_tool at v1, which a CI runner cannot reach"
    pinned = source_from({"url": "https://github.com/org/t.git", "vcs_info": {"vcs": "git", "requested_revision": "main", "commit_id": SHA}}, "1")
    assert pinned.note == f"was installed from the git repository https://github.com/org/t.git at main (commit {SHA[:12]})"
    assert source_from({"url": "file:///x", "dir_info": {"editable": True}}, "1").note == (
        "was installed from the folder file:///x (an editable install), which a CI runner cannot reach")


def yaml_env(entry: str) -> dict:
    return YAML(typ="safe").load("env:\n" + entry + "jobs: {}\n")["env"]


def test_the_workflow_entry_holds_the_requirement():
    entry = workflow_env(InstallSource("guidelines-tool @ git+https://github.com/org/t.git@" + SHA, "was installed from there"))
    assert yaml_env(entry) == {"GUIDELINES_TOOL": "guidelines-tool @ git+https://github.com/org/t.git@" + SHA}
    assert entry.startswith("  # Written by `guidelines init`, which was installed from there.\n")


def test_the_placeholder_is_empty_and_says_what_to_write():
    entry = workflow_env(InstallSource(None, "was installed from the folder file:///x, which a CI runner cannot reach"))
    assert yaml_env(entry) == {"GUIDELINES_TOOL": ""}
    assert f'#   GUIDELINES_TOOL: "{EXAMPLE}"' in entry
    assert "Until then the Install step fails and says so." in entry
    assert all(len(line) <= 100 for line in entry.splitlines())


def test_a_path_with_a_newline_or_a_hash_stays_inside_the_comment():
    source = source_from({"url": "file:///tmp/odd\nname: #x", "dir_info": {}}, "1")
    assert yaml_env(workflow_env(source)) == {"GUIDELINES_TOOL": ""}


def test_this_test_environment_is_an_editable_install():
    """The suite runs from `pip install -e .` (scripts/test.sh): init here writes the placeholder."""
    source = install_source()
    assert source.requirement is None
    assert "(an editable install)" in source.note
