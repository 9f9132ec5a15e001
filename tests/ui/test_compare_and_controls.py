"""Compare view (divider, zoom/pan, hold-to-see-before), edit controls, and the live preview."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui.jobs.imaging import to_qimage
from portrait_studio.ui.panels.compare_view import SIDE, SPLIT, CompareView
from portrait_studio.ui.panels.controls import ControlsPanel
from portrait_studio.ui.window.main_window import MainWindow


def solid(rgb: tuple[int, int, int], w: int = 400, h: int = 300):
    return to_qimage(np.full((h, w, 3), rgb, np.uint8))


def pixel(view: CompareView, x: int, y: int) -> QColor:
    return view.grab().toImage().pixelColor(x, y)


def make_view(qtbot) -> CompareView:
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_before(solid((200, 0, 0)))
    view.set_after(solid((0, 0, 200)), "Result")
    return view


def test_split_divider_drags_and_shows_before_left_after_right(qtbot):
    view = make_view(qtbot)
    y = 300
    assert pixel(view, 200, y).red() > 150 and pixel(view, 600, y).blue() > 150
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(400, y))
    qtbot.mouseMove(view, QPoint(700, y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(700, y))
    assert abs(view.divider - 700 / 800) < 0.01
    assert pixel(view, 600, y).red() > 150  # the before side grew with the divider


def test_space_holds_before_and_side_by_side(qtbot):
    view = make_view(qtbot)
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    assert view.showing_before and pixel(view, 600, 300).red() > 150
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert not view.showing_before and pixel(view, 600, 300).blue() > 150
    view.set_mode(SIDE)
    assert pixel(view, 200, 300).red() > 150 and pixel(view, 600, 300).blue() > 150


def test_wheel_zoom_keeps_the_point_under_the_cursor_and_both_sides_share_it(qtbot):
    view = make_view(qtbot)
    view.set_mode(SIDE)
    anchor = QPointF(150, 250)
    before = (anchor - view.offset) / view.scale
    view.zoom_to(view.scale * 2, anchor)
    after = (anchor - view.offset) / view.scale
    assert abs(before.x() - after.x()) < 0.5 and abs(before.y() - after.y()) < 0.5
    left = view.image_to_widget(10, 10)
    right = view.image_to_widget(10, 10, right=True)
    assert abs(right.x() - left.x() - view.width() / 2) < 1e-6 and right.y() == left.y()  # synced
    view.zoom_to(1.0)
    assert view.scale == 1.0 and not view.fit
    view.zoom_fit()
    assert view.fit and view.scale < 2
    view.set_mode(SPLIT)


def test_controls_emit_one_editparams_and_auto_mode_follows_prompt(qtbot):
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    seen: list[EditParams] = []
    panel.params_changed.connect(seen.append)
    assert panel.gen_mode.itemText(0) == "Automatic — reference (no prompt)"
    panel.prompt.setText("studio portrait, soft light")
    assert panel.gen_mode.itemText(0) == "Automatic — creative (prompt given)"
    assert seen[-1].effective_gen_mode == "creative"
    panel.gen_mode.setCurrentIndex(panel.gen_mode.findData("reference_char"))
    assert seen[-1].gen_mode == "reference_char"
    panel.aspect.setCurrentIndex(panel.aspect.findData("1184x1480"))
    panel.aspect.activated.emit(panel.aspect.currentIndex())
    assert (seen[-1].width, seen[-1].height) == (1184, 1480)
    panel.width_box.setValue(100)  # clamped by the 512–2048 range
    assert seen[-1].width == 512
    assert panel.aspect.currentText() == "Custom"
    panel.sliders["gpen"].setValue(8)
    qtbot.mouseDClick(panel.sliders["gpen"], Qt.MouseButton.LeftButton)
    assert seen[-1].gpen == 0.4  # double-click: back to the seed default


def test_seed_lock_and_new_seed(qtbot):
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    assert panel.params().seed == -1 and panel.params_for_run().seed == -1  # local: deterministic, none drawn
    panel.set_backend("cloud")
    panel.new_seed.click()
    drawn = panel.params().seed
    assert drawn >= 0 and panel.seed.text() == str(drawn)
    assert panel.params_for_run().seed == drawn
    panel.set_params(panel.params().replace(seed=-1))
    first = panel.params_for_run()
    assert first.seed >= 0 and panel.params().seed == -1  # unlocked: a fresh seed each run
    panel.seed_lock.setChecked(True)
    kept = panel.params_for_run()
    assert panel.params().seed == kept.seed  # locked: the drawn seed is kept for the next runs
    assert panel.params_for_run().seed == kept.seed


def test_slider_change_renders_a_live_preview(qtbot, portrait_file):
    w = MainWindow(Settings())
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.photo_loaded, timeout=30_000):
        w.open_paths([portrait_file])
    with qtbot.waitSignal(w.preview_shown, timeout=60_000):
        pass  # the first preview of the photo as it is set
    first = w.compare.after
    with qtbot.waitSignal(w.preview_shown, timeout=30_000):
        w.controls.sliders["skin"].setValue(10)
        w.controls.sliders["gpen"].setValue(10)
    assert w.compare.after is not first and w.compare.after_label == "Preview"
    a = np.asarray(first.constBits()).copy()
    b = np.asarray(w.compare.after.constBits()).copy()
    assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).mean() > 0.05, "preview unchanged"
    assert w.session.photos[0].result_path is None  # nothing was sent


def test_status_bar_zoom_is_in_pixels_of_the_original(qtbot, tmp_path):
    from tests.photos import astronaut, save

    big = save(np.ascontiguousarray(np.repeat(np.repeat(astronaut(), 5, 0), 5, 1)), tmp_path / "big.jpg")
    w = MainWindow(Settings())
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.photo_loaded, timeout=30_000):
        w.open_paths([big])  # 2560 px: shown from a 1920 px working copy
    assert w.zoom_label.text().startswith("Fit (")
    w.compare.zoom_to(1.0)  # one screen pixel per working-copy pixel = 75 % of the original
    assert w.zoom_label.text() == "75 %"
    w.window_actions.zoom100_action.trigger()  # Ctrl+1: one screen pixel per pixel of the original
    assert w.zoom_label.text() == "100 %"


def test_a_prompt_on_the_local_engine_is_explained_and_not_sent(qtbot, portrait_file, ui_backend):
    w = MainWindow(Settings(), backend=ui_backend)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([portrait_file])
    assert not w.controls.prompt_hint.isVisible()
    w.controls.prompt.setText("a painted portrait")
    assert w.controls.prompt_hint.isVisible()
    assert not w.run_current()
    assert "needs the cloud model" in w.run_panel.error.text()
    assert ui_backend.gateway.stats.creates == 0
    w.apply_settings(Settings(backend="cloud"))
    assert not w.controls.prompt_hint.isVisible()


def test_zooming_in_shows_the_originals_own_pixels(qtbot, tmp_path):
    from tests.photos import astronaut, save

    big = np.ascontiguousarray(np.repeat(np.repeat(astronaut(), 5, 0), 5, 1))  # 2560 px
    checker = (np.indices((400, 400)).sum(axis=0) % 2 * 255).astype(np.uint8)
    big[200:600, 200:600] = checker[..., None]  # 1-px detail the 1920 px working copy cannot hold
    path = save(big, tmp_path / "detail.png")
    w = MainWindow(Settings())
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.photo_loaded, timeout=30_000):
        w.open_paths([path])
    assert not w.request_detail()  # at fit there is nothing sharper to show
    k = 1920 / 2560
    with qtbot.waitSignal(w.detail_shown, timeout=30_000):
        w.compare.zoom_to(4.0, w.compare.image_to_widget(400 * k, 400 * k))
    assert w.compare.has_detail()
    shot = w.compare.grab().toImage()
    centre = w.compare.image_to_widget(400 * k, 400 * k)
    values = [shot.pixelColor(int(centre.x()) + dx, int(centre.y())).red() for dx in range(0, 12)]
    assert max(values) - min(values) > 150, f"the 1-px checker is not visible at 4×: {values}"

    # The full-size decode is kept for panning this photo, and let go once another photo is shown.
    from portrait_studio.ui.jobs import loader

    assert list(loader._full) == [path]
    other = save(astronaut(), tmp_path / "other.png")
    with qtbot.waitSignal(w.photo_loaded, timeout=30_000):
        w.open_paths([other])
    w.session.set_current(w.session.index_of(other))
    qtbot.waitUntil(lambda: w.session.current is not None and w.session.current.path == other)
    assert not loader._full


def test_screen_and_detail_decodes_of_a_sideways_stored_photo_are_upright(tmp_path) -> None:
    import numpy as np
    from PIL import Image

    from portrait_studio.ui.jobs.imaging import decode_screen
    from portrait_studio.ui.jobs.loader import load_detail
    from tests import photos

    g = photos.grace_hopper()  # 600 tall × 512 wide
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned by 90°, as phones do
    path = tmp_path / "phone.jpg"
    Image.fromarray(np.rot90(g, 1).copy()).save(path, quality=95, exif=exif.tobytes())
    screen, size = decode_screen(path, 300)
    assert size == (512, 600) and screen.shape[0] > screen.shape[1]
    _, detail = load_detail(path, (0.0, 0.0, 512.0, 600.0), 512)
    assert (detail.width(), detail.height()) == (512, 600)
