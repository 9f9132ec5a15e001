"""core/, api/, engine/ and gateway/ must never import Qt (STYLE.md item 1)."""

import pkgutil
import subprocess
import sys

import pytest

import portrait_studio

QT_FREE = ["core", "api", "engine", "gateway"]


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
