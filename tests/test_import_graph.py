"""The package's import graph has no cycle.

The graph is read from the source with `ast`: every `import guidelines_tool...` and `from
guidelines_tool... import ...` (and relative imports), at module level *and* inside functions or
`if TYPE_CHECKING:` blocks — an import moved into a function still ties the two modules together,
it only hides the knot until run time. A module importing its own package (`history/walk.py`
taking a name from `history/__init__.py`, which re-exports walk's names) is not an edge: importing a
submodule imports its package anyway, and re-exporting is how a package presents itself. The
package's edges to its submodules stay, so a cycle through a package's re-exports is found.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "guidelines_tool"


def module_names(package: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module of the package (packages by their __init__)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _longest_known(target: str, known: set[str]) -> str | None:
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (anywhere in its source)."""
    names = module_names(package)
    known = set(names)
    return {name: imported_modules(name, path, known) for name, path in names.items()}


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    top = name.split(".")[0]
    edges: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `.` is the module's own package, `..` its parent
                base = package.split(".")
                origin = ".".join(base[: len(base) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:  # `from pkg import sub` imports the submodule when there is one
                submodule = f"{origin}.{alias.name}"
                targets.append(submodule if submodule in known else origin)
        for target in targets:
            if target.split(".")[0] != top:
                continue
            module = _longest_known(target, known)
            if module and module != name and not name.startswith(module + "."):  # not its own package
                edges.add(module)
    return edges


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path `[a, b, ..., a]`, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_imports_have_no_cycle():
    cycle = find_cycle(import_graph(PACKAGE))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_graph_sees_every_module_and_the_known_layering():
    graph = import_graph(PACKAGE)
    assert "guidelines_tool.loading" in graph and "guidelines_tool.model" in graph
    # loading (a package) is a leaf apart from the records and errors it builds
    loading = {name for name in graph if name == "guidelines_tool.loading" or name.startswith("guidelines_tool.loading.")}
    assert {"guidelines_tool.loading.reader", "guidelines_tool.loading.files"} <= loading
    for name in loading:
        assert graph[name] <= loading | {"guidelines_tool.model", "guidelines_tool.errors"}, name
    assert "guidelines_tool.loading" in graph["guidelines_tool.project"]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root / "pkg"


@pytest.mark.parametrize(
    "files, cycle",
    [
        pytest.param(  # the config <-> loading shape: one side imports inside a function
            {"pkg/__init__.py": "", "pkg/a.py": "from pkg.b import f\n",
             "pkg/b.py": "def f():\n    from pkg.a import g\n"},
            ["pkg.a", "pkg.b", "pkg.a"], id="function-level",
        ),
        pytest.param(
            {"pkg/__init__.py": "", "pkg/a.py": "from . import b\n", "pkg/b.py": "from .c import x\n",
             "pkg/c.py": "import pkg.a\n"},
            ["pkg.a", "pkg.b", "pkg.c", "pkg.a"], id="relative-and-plain",
        ),
        pytest.param(
            {"pkg/__init__.py": "", "pkg/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n",
             "pkg/b.py": "from pkg import a\n"},
            ["pkg.a", "pkg.b", "pkg.a"], id="type-checking",
        ),
        pytest.param(  # a package importing a module that imports the package's own names
            {"pkg/__init__.py": "", "pkg/sub/__init__.py": "from pkg.x import y\n",
             "pkg/x.py": "from pkg.sub import z\n"},
            ["pkg.sub", "pkg.x", "pkg.sub"], id="through-a-package",
        ),
        pytest.param(  # re-exports of a package's own submodules are not a cycle
            {"pkg/__init__.py": "", "pkg/sub/__init__.py": "from pkg.sub.impl import f\nfrom . import other\n",
             "pkg/sub/impl.py": "from pkg.sub.other import g\nfrom pkg.sub import other\n",
             "pkg/sub/other.py": "from pkg.sub import impl\n"},
            ["pkg.sub.impl", "pkg.sub.other", "pkg.sub.impl"], id="re-export-and-a-real-cycle-inside",
        ),
        pytest.param(  # a submodule taking names from its own package
            {"pkg/__init__.py": "", "pkg/sub/__init__.py": "from pkg.sub.impl import f\nX = 1\n",
             "pkg/sub/impl.py": "from pkg.sub import X\nimport pkg\n"},
            None, id="re-export",
        ),
        pytest.param(  # impact -> history (the package) -> history.walk -> impact
            {"pkg/__init__.py": "", "pkg/a.py": "from pkg.sub import f\n", "pkg/sub/__init__.py": "from pkg.sub.impl import f\n",
             "pkg/sub/impl.py": "def f():\n    import pkg.a\n"},
            ["pkg.a", "pkg.sub", "pkg.sub.impl", "pkg.a"], id="through-re-exports",
        ),
    ],
)
def test_the_cycle_finder_finds_cycles(tmp_path, files, cycle):
    assert find_cycle(import_graph(_write(tmp_path, files))) == cycle
