"""The package itself: every sub-package is reachable as an attribute import."""

from __future__ import annotations

import subprocess
import sys


def test_from_package_import_annotations_gives_the_subpackage():
    # `from __future__ import annotations` in guidelines_tool/__init__.py bound the name
    # `annotations` to a __future__ feature, so `from guidelines_tool import annotations` returned
    # that object unless the sub-package had been imported before; a fresh interpreter shows it
    code = "from guidelines_tool import annotations; print(annotations.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "guidelines_tool.annotations"
