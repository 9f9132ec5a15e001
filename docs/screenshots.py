"""Render the real main window offscreen in its main states into docs/screenshots/*.png (used by the README).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py [output folder] [--language zh_CN]

The output folder defaults to docs/screenshots (docs/screenshots/zh_CN for --language zh_CN, which needs a
CJK font: Debian's fonts-noto-cjk, installed by `make test`'s packaging/scripts/check_qt_libs.sh).

States: empty, photo with the pre-flight banner (a 3-face group), running (progress mid-task), compare split
(after a real local run), filmstrip of a shoot, settings, the window at 1280×720 (and with History opened on
two versions), a reopened shoot (and its missing photo), batch from the filmstrip (Retouch selected…, the
thumbnails mid-batch, the results with their badges), the watch folder (its dialog, and photos arrived with
their results), the keyboard shortcuts sheet, a group photo face by face (the bar, the toggles, a face with
its own strengths, the merged result), the high-contrast theme with the focus on a slider, a button and a
filmstrip thumbnail.
Photos: the real test photographs (tests/photos.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--language")]
LANGUAGE = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--language=")), None)
if "--language" in sys.argv:
    LANGUAGE = sys.argv[sys.argv.index("--language") + 1]
    ARGS = [a for a in ARGS if a != LANGUAGE]
OUT = Path(ARGS[0]).resolve() if ARGS else ROOT / "docs" / "screenshots" / (LANGUAGE or "")
SIZE = (1440, 900)


def wait(app, until: Callable[[], bool], timeout: float = 120.0) -> None:
    """Spin the event loop until `until()` holds."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state in time")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):  # let the last repaints land
        app.processEvents()


def settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shoot(widget, name: str) -> Path:
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(f"wrote {path}")
    return path


def preset_label(name: str) -> str:
    """A preset's line in the batch and watch dialogs' Settings list, in the language shown."""
    from portrait_studio.core.i18n import _
    from portrait_studio.core.presets import shown_name

    return _("Preset: {name}").format(name=shown_name(name))


def make_photos(folder: Path) -> dict[str, Path]:
    import numpy as np

    from tests import photos

    a, g = photos.astronaut(), photos.grace_hopper()

    return {
        "astronaut": photos.save(a, folder / "shoot" / "01-astronaut.jpg", quality=94),
        "hopper": photos.save(g, folder / "shoot" / "02-hopper.jpg", quality=94),
        "cat": photos.save(photos.chelsea(), folder / "shoot" / "03-chelsea.jpg", quality=94),
        "group": photos.save(np.hstack([a, g[44:556], a[:, ::-1]]), folder / "group.jpg", quality=94),
    }


def new_window(app, backend, settings):
    from portrait_studio.ui.window.main_window import MainWindow

    w = MainWindow(settings, backend=backend)
    w.resize(*SIZE)
    w.show()
    wait(app, lambda: w.presets_panel is not None)  # the docks are built after the first paint
    settle(app, 0.3)
    return w


def shots_single(app, backend, settings, files) -> None:
    """Empty window, the 3-face banner, live preview, compare split (zoomed on the face), side by side."""
    w = new_window(app, backend, settings)
    shoot(w, "01-empty")
    w.open_paths([files["group"]])
    flow = w.faces_flow  # (the bar under the banner offers "Retouch each face" once the faces are planned)
    wait(app, lambda: flow.current() is not None and flow.current().ready)
    settle(app, 0.2)
    shoot(w, "02-banner-three-faces")
    w.close()

    w = new_window(app, backend, settings)
    w.open_paths([files["astronaut"]])
    wait(app, lambda: w.session.current.report is not None and w.compare.after is not None)
    for name, value in (("gpen", 8), ("skin", 6), ("skin_unifi", 4)):
        w.controls.sliders[name].setValue(value)
    wait(app, lambda: not w.preview.is_busy())
    settle(app, 0.3)
    shoot(w, "03-live-preview")
    done: list[object] = []
    w.run_finished.connect(done.append)
    w.run_current()
    wait(app, lambda: bool(done))
    # Zoom on the face with the divider through it, as a retoucher checks skin (face boxes off).
    x, y, fw, fh = w.session.current.faces.faces[0].box
    w.window_actions.faces_action.trigger()
    w.compare.zoom_to(w.compare.scale * 2.2, w.compare.image_to_widget(x + fw / 2, y + fh / 2))
    w.compare.set_divider(w.compare.image_to_widget(x + fw / 2, 0).x() / w.compare.width())
    settle(app, 0.3)
    shoot(w, "04-compare-split")
    w.compare.zoom_fit()
    w.window_actions.faces_action.trigger()
    w.set_compare_mode("side")
    settle(app, 0.2)
    shoot(w, "05-compare-side-by-side")
    w.close()


def shots_shoot(app, slow_backend, settings, files) -> None:
    """A folder in the filmstrip with a (slowed) task running: progress and ETA."""
    w = new_window(app, slow_backend, settings)
    w.open_paths([files["astronaut"].parent])
    wait(app, lambda: all(p.report is not None for p in w.session.photos))
    w.session.set_current(1)
    wait(app, lambda: w.compare.after is not None)
    fractions: list[float] = []
    w.run_progress.connect(fractions.append)
    w.run_current()
    wait(app, lambda: any(f >= 0.4 for f in fractions))
    settle(app, 0.2)
    shoot(w, "06-running-filmstrip")
    w.cancel_run()
    wait(app, lambda: not w.runner.busy)
    w.close()


def shots_settings(app, backend, settings) -> None:
    """The Settings dialog over the window."""
    from portrait_studio.ui.dialogs.settings_dialog import SettingsDialog

    w = new_window(app, backend, settings)
    dialog = SettingsDialog(settings, w)
    dialog.show()
    settle(app, 0.3)
    shoot(dialog, "07-settings")
    dialog.close()
    w.close()


def run_and_wait(app, w) -> None:
    done: list[object] = []
    w.run_finished.connect(done.append)
    w.run_failed.connect(lambda message: done.append(print("run failed:", message)))
    assert w.run_current()
    wait(app, lambda: bool(done))


def shots_small_screen(app, backend, settings, files) -> None:
    """The window at 1280×720 (a laptop): every Edit control visible; then History opened on two versions."""
    w = new_window(app, backend, settings)
    w.resize(1280, 720)
    w.open_paths([files["astronaut"]])
    wait(app, lambda: w.session.current.report is not None and w.compare.after is not None)
    settle(app, 0.3)
    shoot(w, "08-window-1280x720")
    for value in (3, 6):
        w.controls.sliders["gpen"].setValue(value)
        run_and_wait(app, w)
    w.docks["history"].show()
    panel = w.history_panel
    wait(app, lambda: len(panel.versions()) >= 2)
    older = panel.versions()[-2]
    panel.select(older.id)  # an older version: Make current is enabled
    panel.compare_selected()  # it against the original
    wait(app, lambda: w.compare.after_label == panel.version_name(older))
    settle(app, 0.3)
    shoot(w, "09-window-1280x720-history")
    w.close()


def shots_reopened(app, backend, settings, files, tmp: Path) -> None:
    """Quit with a shoot open, start again: the shoot comes back (one photo moved away meanwhile: missing)."""
    from portrait_studio.core.shoot import ShootStore
    from portrait_studio.ui.window.main_window import MainWindow

    w = MainWindow(settings, backend=backend, shoot=ShootStore())
    w.resize(*SIZE)
    w.show()
    wait(app, lambda: w.presets_panel is not None)
    w.open_paths([files["astronaut"].parent])
    wait(app, lambda: all(p.report is not None for p in w.session.photos))
    w.session.set_current(1)
    w.controls.sliders["skin"].setValue(7)
    run_and_wait(app, w)
    w.session.set_current(0)
    w.controls.sliders["gpen"].setValue(6)
    w.shutdown()  # (as after Quit ▸ Discard would, without the question)
    w.close()
    files["cat"].rename(tmp / "moved-away.jpg")

    w = MainWindow(settings, backend=backend, shoot=ShootStore())
    w.resize(*SIZE)
    w.show()
    wait(app, lambda: w.history_panel is not None and all(p.report or p.missing for p in w.session.photos))
    w.session.set_current(1)
    wait(app, lambda: w.session.current.screen.result_image is not None)
    w.docks["history"].show()
    settle(app, 0.5)
    shoot(w, "15-reopened-shoot")
    w.session.set_current(2)
    settle(app, 0.3)
    shoot(w, "16-reopened-missing-photo")
    w.shutdown()  # (its results are not saved as files: close() would ask, and wait for an answer forever)
    w.close()
    (tmp / "moved-away.jpg").rename(files["cat"])  # (back for the shots that follow)


def shots_batch(app, slow_backend, fast_backend, settings, files, tmp: Path) -> None:
    """Batch from the filmstrip: the shoot selected (Ctrl+A), Retouch selected… with a preset, the thumbnails
    following their tasks (slowed so progress shows), then the results with their badges and one opened."""
    import shutil

    from tests import photos

    folder = tmp / "batch-shoot"  # the shoot of the other shots, and two more frames of it
    shutil.copytree(files["astronaut"].parent, folder)
    photos.save(photos.astronaut()[:, ::-1], folder / "04-astronaut-2.jpg", quality=94)
    photos.save(photos.grace_hopper()[:, ::-1], folder / "05-hopper-2.jpg", quality=94)
    w = new_window(app, slow_backend, settings)
    w.open_paths([folder])
    wait(app, lambda: all(p.report is not None for p in w.session.photos))
    w.filmstrip.select_all_photos()
    w.shoot.retouch_selected()
    dialog = w.shoot.dialog
    dialog.settings_box.setCurrentIndex(dialog.settings_box.findText(preset_label("Studio")))
    dialog.out_edit.setText(str(tmp / "Retouched"))
    settle(app, 0.3)
    shoot(dialog, "10-batch-retouch-selected")
    dialog.start_button.click()
    wait(app, lambda: any((p.progress or 0) >= 0.3 for p in w.session.photos))
    settle(app, 0.3)
    shoot(w, "11-batch-filmstrip-running")
    w.close()

    w = new_window(app, fast_backend, settings)
    w.open_paths([folder])
    wait(app, lambda: all(p.report is not None for p in w.session.photos))
    w.filmstrip.select_all_photos()
    studio = next(c for c in w.shoot.choices() if c.preset == "Studio")
    w.batch_flow.retouch(w.filmstrip.selected_indexes(), studio, tmp / "Retouched-2")
    wait(app, lambda: w.batch_flow is not None and w.batch_queue.idle() and not w.batch_flow.busy())
    w.session.set_current(3)  # (as a click on its thumbnail does: its before/after opens)
    wait(app, lambda: w.session.current.screen.result_image is not None and w.compare.after is not None)
    settle(app, 0.3)
    shoot(w, "12-batch-filmstrip-done")
    w.close()


def shots_watch(app, backend, settings, files, tmp: Path) -> None:
    """Photo ▸ Watch folder…: photos copied into a hot folder join the filmstrip with their results."""
    import shutil

    from portrait_studio.ui.window.watch_flow import WATCHING

    hot = tmp / "tether"
    hot.mkdir()
    w = new_window(app, backend, settings)
    w.shoot.watch_action.trigger()
    dialog = w.shoot.dialog
    dialog.watch_edit.setText(str(hot))
    dialog.out_edit.setText(str(hot / "retouched"))
    dialog.settings_box.setCurrentIndex(dialog.settings_box.findText(preset_label("Natural")))
    settle(app, 0.3)
    shoot(dialog, "13-watch-folder-dialog")
    dialog.start_button.click()
    wait(app, lambda: w.watch_flow.state == WATCHING)
    for name in ("astronaut", "hopper"):
        shutil.copy(files[name], hot / f"IMG_{files[name].stem}.jpg")
    wait(app, lambda: len(w.session.photos) == 2 and all(p.saved_path for p in w.session.photos))
    wait(app, lambda: w.compare.after is not None)
    settle(app, 0.3)
    shoot(w, "14-watch-folder")
    w.close()


def shots_faces(app, backend, settings, files) -> None:
    """The group photo face by face (issue 17): the bar under the banner, face 2 left out (key 2), face 1
    selected (Shift+click) with its own Skin; then the merged result of the two faces sent."""
    w = new_window(app, backend, settings)
    w.open_paths([files["group"]])
    flow = w.faces_flow
    wait(app, lambda: flow.current() is not None and flow.current().ready)
    flow.bar.button.click()  # "Retouch each face"
    flow.toggle(2)  # (as key 2 on the image does)
    flow.select(1)  # (as Shift+click on face 1 does): the sliders now set its own strengths
    w.controls.sliders["skin"].setValue(8)
    settle(app, 0.3)
    shoot(w, "19-faces-each-face")
    flow.select(None)
    run_and_wait(app, w)
    settle(app, 0.3)
    shoot(w, "20-faces-merged")
    w.shutdown()  # (its result is not saved as a file: close() would ask)
    w.close()


def focus(app, w, widget) -> None:
    """Give `widget` the keyboard focus as Tab would (the window active, so the focus is drawn)."""
    from PySide6.QtCore import Qt

    w.activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    settle(app, 0.3)


def shots_access(app, backend, settings, files) -> None:
    """Help ▸ Keyboard shortcuts (F1); the high-contrast theme (the compare surround stays grey) with the
    keyboard focus on a slider, a button and a filmstrip thumbnail."""
    from portrait_studio.ui.dialogs.keyboard_dialog import KeyboardDialog
    from portrait_studio.ui.style.theme import apply_theme

    w = new_window(app, backend, settings)
    sheet = KeyboardDialog(w.actions(), w)
    sheet.show()
    settle(app, 0.3)
    shoot(sheet, "17-keyboard-shortcuts")
    sheet.close()
    w.close()
    apply_theme(app, "high_contrast")  # before the window is built, as at a start with that theme
    try:
        w = new_window(app, backend, settings)
        w.open_paths([files["astronaut"]])
        wait(app, lambda: w.session.current.report is not None and w.compare.after is not None)
        focus(app, w, w.controls.sliders["gpen"])
        shoot(w, "18-high-contrast")
        focus(app, w, w.controls.new_seed)
        shoot(w, "21-high-contrast-focus-button")
        w.close()
        w = new_window(app, backend, settings)
        w.open_paths([files["astronaut"].parent])
        wait(app, lambda: all(p.report is not None for p in w.session.photos) and w.compare.after is not None)
        w.session.set_current(1)
        wait(app, lambda: w.compare.after is not None)
        focus(app, w, w.filmstrip)
        shoot(w, "22-high-contrast-focus-filmstrip")
        w.close()
    finally:
        apply_theme(app, "dark")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="ps-shots-"))
    os.environ["PORTRAIT_STUDIO_DATA_DIR"] = str(tmp / "appdata")  # never touch the user's settings

    from portrait_studio.core.i18n import set_language

    set_language(LANGUAGE or "en")  # before any widget is built
    from portrait_studio.api.backend import BackendSession
    from portrait_studio.api.client import Client
    from portrait_studio.core.settings import Settings
    from portrait_studio.gateway import LocalGateway
    from portrait_studio.ui.app import make_app
    from portrait_studio.ui.style.theme import apply_theme

    app = make_app()
    apply_theme(app, "dark")
    files = make_photos(tmp)
    settings = Settings()
    # The real local engine; the second gateway takes 20 s a task only so "running" can be shown mid-way.
    gateways = [LocalGateway(cache_dir=tmp / "gw").start()]
    gateways.append(LocalGateway(cache_dir=tmp / "gw-slow", min_task_seconds=20).start())
    fast, slow = (BackendSession(Client(g.base_url, g.token), "local", g, g.engine_name) for g in gateways)
    try:
        shots_single(app, fast, settings, files)
        shots_shoot(app, slow, settings, files)
        shots_settings(app, fast, settings)
        shots_small_screen(app, fast, settings, files)
        shots_reopened(app, fast, settings, files, tmp)
        shots_batch(app, slow, fast, settings, files, tmp)
        shots_watch(app, fast, settings, files, tmp)
        shots_faces(app, fast, settings, files)
        shots_access(app, fast, settings, files)
    finally:
        fast.close()
        slow.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
