"""Fixtures of the history tests."""

from __future__ import annotations

import pytest

from tests.gitrepo import repo_in_cwd_fixture

repo = pytest.fixture(repo_in_cwd_fixture)  # the one-rule project (task t, rule R-1), as the current folder
