"""Installed as the package `guidelines_tool._sample` (see pyproject.toml and guidelines_tool/bundled.py).

This file only makes the folder importable: setuptools' editable installs cannot map a folder
without an `__init__.py` into a package (pypa/setuptools#4943).
"""
