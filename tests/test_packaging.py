"""Packaging: one app identity everywhere, the bundle's contents, the validators and the --smoke-test."""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from portrait_studio import APP_ID, APP_NAME
from portrait_studio.core import _blazeface
from tests.conftest import cli_args

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
HICOLOR = ROOT / "portrait_studio" / "resources" / "icons" / "hicolor"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle_config() -> ModuleType:
    return _load(ROOT / "packaging" / "pyinstaller" / "bundle_config.py")


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


# --------------------------------------------------------------------------- identity
def test_one_app_id_in_qt_desktop_file_metainfo_and_icons(qapp):
    from portrait_studio.ui.app import make_app

    app = make_app()
    assert app.desktopFileName() == APP_ID
    assert _desktop_entry()["Icon"] == APP_ID
    # Qt on X11 uses the application name as WM_CLASS's class: the launcher must name the same
    assert _desktop_entry()["StartupWMClass"] == app.applicationName() == APP_NAME
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("icon[@type='stock']") == APP_ID
    icons = {p.parent.parent.name for p in HICOLOR.glob(f"*/apps/{APP_ID}.*")}
    assert {"scalable", "16x16", "48x48", "256x256", "512x512"} <= icons


def test_desktop_entry_launches_the_installed_command():
    entry = _desktop_entry()
    command = next(iter(PYPROJECT["scripts"]))
    assert entry["Type"] == "Application"
    assert entry["Name"] == APP_NAME
    assert entry["Exec"].split()[0] == command == entry["TryExec"]
    assert entry["Exec"].split()[1:] == ["%F"]  # photos opened from the file manager reach the window
    assert "image/jpeg" in entry["MimeType"].split(";")
    assert entry["Terminal"] == "false"
    assert "Graphics" in entry["Categories"].split(";")


def test_metainfo_matches_pyproject():
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("name") == APP_NAME
    assert root.findtext("project_license") == PYPROJECT["license"]
    assert root.findtext("provides/binary") == next(iter(PYPROJECT["scripts"]))
    assert root.find("content_rating[@type='oars-1.1']") is not None
    versions = [r.get("version") for r in root.iterfind("releases/release")]
    # the newest release comes first and is the version being built: bump both together
    assert versions[0] == PYPROJECT["version"]
    summary = root.findtext("summary") or ""
    assert summary and not summary.endswith(".") and len(summary) <= 60


def test_metainfo_screenshots_are_rendered_by_the_screenshot_script():
    root = ET.parse(METAINFO).getroot()
    images = [img.text or "" for img in root.iterfind("screenshots/screenshot/image")]
    assert len(images) >= 1 and all(url.startswith("https://") for url in images)
    assert len(root.findall("screenshots/screenshot[@type='default']")) == 1
    script = (ROOT / "docs" / "screenshots.py").read_text(encoding="utf-8")
    for url in images:
        relative = url.split("/main/", 1)[1]
        assert (ROOT / relative).is_file(), f"{relative} is not in the repository"
        assert f'"{Path(relative).stem}"' in script, f"docs/screenshots.py does not render {relative}"


# --------------------------------------------------------------------------- icons
@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_png_icons_have_their_size_and_a_transparent_corner(size):
    image = Image.open(HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png")
    assert image.size == (size, size)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0  # rounded corners, not a square tile
    assert image.getpixel((size // 2, size // 2))[3] == 255


def test_png_icons_are_rendered_from_the_current_svg(qapp):
    render_icons = _load(ROOT / "packaging" / "scripts" / "render_icons.py")
    for size in (32, 128):
        fresh = render_icons.render(size).convertToFormat(render_icons.QImage.Format.Format_RGBA8888)
        fresh_rgba = np.asarray(
            Image.open(_bytes_io(render_icons.png_bytes(fresh))).convert("RGBA"), np.int16
        )
        stored = np.asarray(Image.open(render_icons.png_path(size)).convert("RGBA"), np.int16)
        assert np.abs(fresh_rgba - stored).mean() < 1.0, "run packaging/scripts/render_icons.py"


def _bytes_io(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


# --------------------------------------------------------------------------- bundle contents
def test_spec_reads_name_and_version_from_pyproject(bundle_config, tmp_path):
    assert bundle_config.project_metadata() == (PYPROJECT["name"], PYPROJECT["version"])
    other = tmp_path / "pyproject.toml"
    other.write_text('[project]\nname = "other-app"\nversion = "9.8.7"\n', encoding="utf-8")
    assert bundle_config.project_metadata(other) == ("other-app", "9.8.7")
    spec_text = (ROOT / "packaging" / "pyinstaller" / "portrait_studio.spec").read_text(encoding="utf-8")
    assert "project_metadata()" in spec_text and "0.1.0" not in spec_text


def test_qt_excludes_keep_every_module_the_app_imports(bundle_config, tmp_path):
    excluded = set(bundle_config.qt_excludes())
    assert {"PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtNetwork"} <= excluded
    for module in bundle_config.qt_modules_used():
        assert f"PySide6.{module}" not in excluded
    assert {"QtCore", "QtGui", "QtWidgets"} <= bundle_config.qt_modules_used()
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("from PySide6 import QtSvg, QtCore\nimport PySide6.QtNetwork\n")
    (package / "b.py").write_text(
        "from PySide6 import (\n    QtXml,\n)\nfrom PySide6.QtSql import QSqlDatabase\n"
    )
    assert bundle_config.qt_modules_used(package) == {"QtSvg", "QtCore", "QtNetwork", "QtXml", "QtSql"}


def test_bundle_data_has_resources_licence_and_verified_face_models(bundle_config):
    pairs = bundle_config.data_files()
    destinations = {Path(src).name: dest for src, dest in pairs}
    assert destinations["resources"] == "resources"
    assert destinations["LICENSE"] == "."
    beside_models = [Path(src) for src, dest in pairs if dest == bundle_config.FACE_MODEL_DEST]
    models = [p for p in beside_models if p.suffix == ".tflite"]
    assert sorted(p.name for p in models) == sorted(_blazeface.SHA256)
    notices = [p for p in beside_models if p.suffix != ".tflite"]
    assert len(notices) == 1 and "Apache License" in notices[0].read_text(encoding="utf-8")
    for model in models:  # the very files the app checks at load time
        assert _blazeface.verified_model(model.parent, model.name) == model
    assert {"matplotlib", "skimage", "scipy", "tkinter"} <= set(bundle_config.HEAVY_EXCLUDES)


def test_face_models_are_found_where_the_bundle_puts_them(bundle_config, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert _blazeface.default_model_dir() == tmp_path / bundle_config.FACE_MODEL_DEST
    monkeypatch.delattr(sys, "_MEIPASS")
    assert _blazeface.default_model_dir() == bundle_config.face_model_dir()


# --------------------------------------------------------------------------- validators
def test_desktop_file_and_metainfo_pass_the_standard_validators(tmp_path):
    script = ROOT / "packaging" / "scripts" / "validate_linux.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is valid" in done.stdout and "Validation was successful" in done.stdout
    # and they do catch a broken file
    broken = tmp_path / "linux"
    shutil.copytree(LINUX, broken)
    desktop = broken / DESKTOP.name
    desktop.write_text(desktop.read_text(encoding="utf-8").replace("Type=Application", "Type=App"))
    failed = subprocess.run(["bash", str(script), str(broken)], capture_output=True, text=True, timeout=300)
    assert failed.returncode != 0


# --------------------------------------------------------------------------- smoke test
def test_smoke_test_reports_a_failing_step(qapp, monkeypatch, capsys):
    from portrait_studio.ui import smoke

    monkeypatch.setattr(smoke, "SAMPLE", Path("samples") / "no-such-photo.jpg")
    assert smoke.run_smoke_test() == 1
    captured = capsys.readouterr()
    assert "FAILED at sample" in captured.err and "no-such-photo.jpg" in captured.err
    assert "OK" not in captured.out.splitlines()


def test_smoke_test_fails_when_a_licence_text_is_not_shipped(qapp, tmp_path, monkeypatch, capsys):
    from portrait_studio.ui import smoke
    from portrait_studio.ui.dialogs import about_dialog

    monkeypatch.setattr(about_dialog, "resources_dir", lambda: tmp_path / "resources")
    monkeypatch.setattr(about_dialog, "installed_licence_file", lambda: None)
    assert smoke.run_smoke_test() == 1
    err = capsys.readouterr().err
    assert "FAILED at about" in err and "MIT, LGPL-3.0-only, Apache-2.0" in err


def test_smoke_test_fails_without_the_built_in_presets(qapp, tmp_path, monkeypatch, capsys):
    from portrait_studio.core import presets
    from portrait_studio.ui import smoke

    monkeypatch.setattr(presets, "resources_dir", lambda: tmp_path / "resources")
    assert smoke.run_smoke_test() == 1
    assert "FAILED at presets: SmokeFailure: no built-in presets" in capsys.readouterr().err


def test_smoke_test_fails_when_only_the_trivial_test_engine_is_there(qapp, monkeypatch, capsys):
    from portrait_studio.gateway import TrivialEngine, server
    from portrait_studio.ui import smoke

    monkeypatch.setattr(server, "default_engine", lambda workers: TrivialEngine())
    assert smoke.run_smoke_test() == 1
    err = capsys.readouterr().err
    assert "FAILED at retouch" in err and "trivial engine" in err


@pytest.mark.slow
def test_smoke_test_from_source_retouches_and_prints_ok(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PORTRAIT_STUDIO_DATA_DIR": str(tmp_path / "d")}
    done = subprocess.run(
        cli_args("--smoke-test"),
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "OK"
    steps = [line.strip().split(":", 1)[0] for line in lines[1:-2]]
    assert steps == ["window", "about", "presets", "sample", "faces", "retouch"]
    assert not any((tmp_path / "d").rglob("*")), "the smoke test wrote into the user's app folders"
