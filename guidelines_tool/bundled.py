"""Files shipped with the tool: the JSON Schemas and the sample project. One lookup for both.

Their sources of truth sit at the top of the repository, `schemas/` and `sample_guidelines/`.
pyproject.toml maps each into the package as a sub-package (setuptools `package-dir`):
`guidelines_tool._schemas` and `guidelines_tool._sample`. A wheel carries them inside the
package; an editable install (PEP 660) points the same names at the folders in the checkout. So
`importlib.resources` finds them the same way in both, and nothing looks in a second place.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from guidelines_tool.errors import GuidelinesError

SCHEMAS_PACKAGE = "guidelines_tool._schemas"
SAMPLE_PACKAGE = "guidelines_tool._sample"


def schemas() -> Traversable:
    """The folder of `<kind>.schema.json` files."""
    return _files(SCHEMAS_PACKAGE, "the JSON Schemas (schemas/)")


def sample() -> Path:
    """The sample guideline project's folder (`guidelines demo` replays its story)."""
    return Path(_files(SAMPLE_PACKAGE, "the sample project (sample_guidelines/)"))


def _files(package: str, what: str) -> Traversable:
    try:
        return resources.files(package)
    except ModuleNotFoundError:
        # guidelines_tool imported from a folder on sys.path without being installed
        raise GuidelinesError(
            f"cannot find {what}, which ship with the tool: install guidelines_tool (`pip install .`, "
            "or `pip install -e .` in a checkout) rather than importing it from its source folder"
        ) from None
