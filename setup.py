"""Copies `schemas/` and `sample_guidelines/` (their sources of truth at the repo top) into the
package when building.

Everything else about the package lives in pyproject.toml; this hook exists only so that a wheel
carries `guidelines_tool/schemas/*.json` (editors, `guidelines schema`) and
`guidelines_tool/data/sample_guidelines/` (`guidelines demo`) without a second copy in git.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithSchemas(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "guidelines_tool" / "schemas"
        target.mkdir(parents=True, exist_ok=True)
        for schema in sorted((HERE / "schemas").glob("*.schema.json")):
            shutil.copyfile(schema, target / schema.name)
        sample = Path(self.build_lib) / "guidelines_tool" / "data" / "sample_guidelines"
        shutil.rmtree(sample, ignore_errors=True)
        shutil.copytree(HERE / "sample_guidelines", sample, ignore=shutil.ignore_patterns("site", "__pycache__"))


setup(cmdclass={"build_py": BuildWithSchemas})
