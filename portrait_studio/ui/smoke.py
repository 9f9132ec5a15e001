"""`portrait-studio --smoke-test`: prove that an install or a bundle works, offscreen, in a few seconds.

It opens the main window, checks the shipped licence texts and built-in presets, finds the face in a sample
portrait with the shipped MediaPipe weights, retouches that portrait once through the local backend (the
in-process gateway and engine), prints OK and exits 0.
Everything it writes goes to a temporary folder, so the user's journal, settings and photos are untouched.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from portrait_studio import APP_NAME, __version__
from portrait_studio.core.paths import ENV_DATA_DIR, resources_dir

SMOKE_FLAG = "--smoke-test"  # ui/app.py tests for the literal, so starting the GUI never imports this module
SAMPLE = Path("samples") / "astronaut.jpg"  # public domain NASA photo (resources/samples/SOURCES.md)


class SmokeFailure(Exception):
    """A smoke-test step did not give the expected result."""


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise SmokeFailure(problem)


def _open_window() -> str:
    from portrait_studio.ui.style.application import make_app
    from portrait_studio.ui.window.main_window import MainWindow

    app = make_app()
    window = MainWindow()
    window.show()
    app.processEvents()
    shot = window.grab()
    visible = window.isVisible()
    title = window.windowTitle()
    window.close()
    window.deleteLater()
    app.processEvents()
    _check(visible, "the main window did not show")
    _check(APP_NAME in title, f"unexpected window title {title!r}")
    _check(not shot.isNull() and shot.width() > 0, "the main window could not be drawn")
    return f"{title!r} drawn at {shot.width()}×{shot.height()} on {app.platformName()}"


def _about() -> str:
    from portrait_studio.ui.dialogs.about_dialog import AboutDialog, licences

    dialog = AboutDialog()
    dialog.deleteLater()
    shipped = {item.spdx: item.local_file for item in licences()}
    missing = [spdx for spdx in ("MIT", "LGPL-3.0-only", "Apache-2.0") if shipped.get(spdx) is None]
    _check(not missing, f"licence files missing from the app: {', '.join(missing)}")
    return f"{len(shipped)} licences, texts shipped for {', '.join(k for k, v in shipped.items() if v)}"


def _presets() -> str:
    from portrait_studio.core.presets import PresetStore

    store = PresetStore()
    builtins = [p.name for p in store.list() if p.builtin]
    _check(bool(builtins), f"no built-in presets in {store.builtin_dir}")
    _check(not store.problems, f"unreadable built-in presets: {store.problems}")
    return f"{len(builtins)} built-in: {', '.join(builtins)}"


def _write_sample(folder: Path) -> Path:
    source = resources_dir() / SAMPLE
    _check(source.is_file(), f"the sample photo {source} is missing from the app")
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(source, folder / SAMPLE.name))


def _find_face(photo: Path) -> str:
    from portrait_studio.core.faces import detect_faces

    rgb = np.asarray(Image.open(photo).convert("RGB"))
    result = detect_faces(rgb)
    _check(not result.approximate, "the MediaPipe face model was not found (approximate Haar fallback used)")
    _check(result.count == 1, f"expected one face in the sample portrait, found {result.count}")
    return f"1 face at {result.faces[0].box}, score {result.faces[0].score:.2f}"


def _retouch(photo: Path, out_dir: Path) -> str:
    from portrait_studio.api.backend import open_backend
    from portrait_studio.api.pipeline import Progress, run_edit
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import EditParams
    from portrait_studio.core.settings import Settings
    from portrait_studio.gateway import TrivialEngine

    # All three local effects, at the sample's own size so the check stays quick on a loaded machine.
    params = EditParams(gpen=0.5, skin=0.5, skin_unifi=0.3, width=512, height=512, seed=1)
    stages: list[str] = []

    def note(progress: Progress) -> None:
        if not stages or stages[-1] != progress.stage:
            stages.append(progress.stage)

    with open_backend(Settings(backend="local")) as session, Journal() as journal:
        # The gateway falls back to a trivial test engine when the real one cannot be imported
        # (gateway/engine.py): in a bundle that means a module was left out, so it must fail here.
        _check(
            session.engine_name != TrivialEngine.name, "the local retouch engine is missing (trivial engine)"
        )
        result = run_edit(session, photo, params, journal=journal, out_dir=out_dir, on_progress=note)
    output = Path(result.output_path)
    _check(output.is_file(), f"no result file at {output}")
    _check(output.resolve() != photo.resolve(), "the result was written over the original")
    before = np.asarray(Image.open(photo).convert("RGB"), dtype=np.int16)
    after = np.asarray(Image.open(output).convert("RGB"), dtype=np.int16)
    changed = after.shape != before.shape or float(np.abs(after - before).mean()) > 0.5
    _check(changed, "the retouched photo is the same as the original")
    return f"{output.name} {after.shape[1]}×{after.shape[0]} by {result.engine} ({' → '.join(stages)})"


def _steps(tmp: Path) -> list[tuple[str, Callable[[], str]]]:
    photo = tmp / "photos" / SAMPLE.name
    return [
        ("window", _open_window),
        ("about", _about),
        ("presets", _presets),
        ("sample", lambda: str(_write_sample(photo.parent).name)),
        ("faces", lambda: _find_face(photo)),
        ("retouch", lambda: _retouch(photo, tmp / "out")),
    ]


def run_smoke_test() -> int:
    """Run every step, print one line each, then OK; return 0, or print FAILED and return 1."""
    # Offscreen even on a desktop: CI has no display, and a smoke test must not pop up windows.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    previous = os.environ.get(ENV_DATA_DIR)
    started = time.perf_counter()
    print(f"{APP_NAME} {__version__} smoke test")
    with tempfile.TemporaryDirectory(prefix="portrait-studio-smoke-") as folder:
        tmp = Path(folder)
        os.environ[ENV_DATA_DIR] = str(tmp / "appdata")  # a throwaway journal and settings
        try:
            for label, step in _steps(tmp):
                print(f"  {label}: {step()}", flush=True)
        except Exception as err:  # report any failure as one line: this is a diagnostic tool
            print(f"FAILED at {label}: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
            return 1
        finally:
            if previous is None:
                os.environ.pop(ENV_DATA_DIR, None)
            else:
                os.environ[ENV_DATA_DIR] = previous
    print(f"  total: {time.perf_counter() - started:.1f} s")
    print("OK", flush=True)
    return 0


__all__ = ["SMOKE_FLAG", "SmokeFailure", "run_smoke_test"]
