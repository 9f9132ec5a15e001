"""The floors between packages: no Qt outside ui, no private module crossing a package, no import circles.

The layer order itself (entry > ui | cli > api > gateway > engine > core) is import-linter's job
(`[tool.importlinter]` in pyproject.toml, run by `make test`). The private-module rule (it has no contract for
it) and circles between single files are checked here over the source: every import statement, including
those under `if TYPE_CHECKING:` and inside functions.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import portrait_studio

QT_FREE = ["core", "api", "engine", "gateway"]
ROOT = Path(portrait_studio.__path__[0])


@pytest.mark.parametrize("layer", QT_FREE)
def test_layer_imports_no_qt(layer):
    pkg_path = [f"{portrait_studio.__path__[0]}/{layer}"]
    modules = [f"portrait_studio.{layer}"] + [
        f"portrait_studio.{layer}.{m.name}" for m in pkgutil.iter_modules(pkg_path)
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "qt = ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in qt)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{layer} pulled in Qt: {out.stdout}"
    assert len(modules) >= 1


def test_cli_subcommands_import_no_qt():
    code = (
        "import sys\nfrom portrait_studio.cli import build_parser\nbuild_parser()\n"
        "print(any(m.startswith('PySide6') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the import graph of the source ---------------------------------------------------------------------


def _modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted name → file, for every .py file of the package (a package is its __init__.py)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    assert package in found
    return found


def _package_of(module: str, modules: dict[str, Path]) -> str:
    """The package a module belongs to (a package's own __init__ belongs to itself)."""
    return module if modules[module].name == "__init__.py" else module.rpartition(".")[0]


def _imports(module: str, modules: dict[str, Path]) -> list[tuple[int, str]]:
    """(line, imported module of the package) for every import statement in the module's file."""
    tree = ast.parse(modules[module].read_text(encoding="utf-8"))
    here = _package_of(module, modules)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from pkg import name` imports the module pkg.name when there is one, else pkg itself
                sub = f"{base}.{alias.name}"
                found.append((node.lineno, sub if sub in modules else base))
    return sorted({(line, name) for line, name in found if name in modules})


MODULES = _modules(ROOT, "portrait_studio")
GRAPH = {m: _imports(m, MODULES) for m in MODULES}


def _is_private(module: str) -> bool:
    last = module.rpartition(".")[2]
    return last.startswith("_") and not last.startswith("__")


def private_crossings(graph: dict[str, list[tuple[int, str]]]) -> list[str]:
    """Imports of a private module (`_name.py`) from outside the package that holds it.

    The package's own modules and its subpackages may use it: that is what the underscore allows.
    """
    bad = []
    for importer, imports in graph.items():
        for line, target in imports:
            owner = target.rpartition(".")[0]
            if _is_private(target) and not (importer == owner or importer.startswith(owner + ".")):
                bad.append(f"{importer} (line {line}) imports {target}")
    return bad


def import_circles(graph: dict[str, list[tuple[int, str]]]) -> list[list[str]]:
    """The circles of the import graph: each strongly connected set of two or more files (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for _, nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles)


def test_no_private_module_is_imported_from_another_package():
    crossings = private_crossings(GRAPH)
    assert crossings == []


def test_no_import_circle_between_files():
    circles = import_circles(GRAPH)
    assert circles == []


def test_only_the_entries_import_the_main_window():
    """Controllers, panels, dialogs and dock builders get what they need passed in, never the window."""
    window = "portrait_studio.ui.window.main_window"
    importers = sorted(m for m, imports in GRAPH.items() if any(t == window for _, t in imports))
    assert importers == ["portrait_studio.ui.app", "portrait_studio.ui.smoke"]


def test_the_graph_checks_catch_what_they_claim():
    """The two checks on a small made-up graph: a crossing private, a sibling's private, a circle."""
    graph = {
        "p.a": [(1, "p.b._x")],  # crosses into package p.b
        "p.b.c": [(2, "p.b._x")],  # same package: allowed
        "p.b.d.e": [(3, "p.b._x")],  # a subpackage: allowed
        "p.b._x": [(4, "p.b.c")],
        "p.f": [(5, "p.g")],
        "p.g": [(6, "p.f")],
    }
    assert private_crossings(graph) == ["p.a (line 1) imports p.b._x"]
    assert import_circles(graph) == [["p.b._x", "p.b.c"], ["p.f", "p.g"]]


def test_the_graph_sees_type_checking_and_relative_imports():
    assert (4, "portrait_studio.core.journal") in _imports_of_source(
        "portrait_studio.api.x",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from portrait_studio.core import journal\n",
    )
    assert (1, "portrait_studio.core.errors") in _imports_of_source(
        "portrait_studio.core.x", "from .errors import ConfigError\n"
    )


def _imports_of_source(module: str, source: str) -> list[tuple[int, str]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.py"
        path.write_text(source, encoding="utf-8")
        return _imports(module, {**MODULES, module: path})
