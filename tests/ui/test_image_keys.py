"""Issue 18 item 4: the image's keys (Space, ←/→, Z) work whenever the pointer or the focus is on the image,
and Run never hands the focus to a panel."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from tests import photos
from tests.ui.windows import make_window


def open_and_wait(qtbot, w, paths, count=1):
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths(paths)
    qtbot.waitUntil(lambda: len(set(seen)) >= count, timeout=60_000)
    qtbot.waitUntil(lambda: w.presets_panel is not None, timeout=30_000)


def right_pane(w):
    image = w.compare.grab().toImage()
    return image.copy(image.width() // 2 + 2, 0, image.width() // 2 - 2, image.height())


def test_after_run_the_focus_is_on_the_image_and_space_shows_the_before_in_every_mode(
    qtbot, tmp_path, portrait_file, ui_backend
):
    w = make_window(qtbot, ui_backend)
    w.activateWindow()
    open_and_wait(qtbot, w, [portrait_file])
    w.controls.sliders["gpen"].setValue(9)
    QCursor.setPos(w.mapToGlobal(QPoint(2, 2)))  # the pointer away from the image: the focus decides
    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        qtbot.mouseClick(w.run_panel.run_button, Qt.MouseButton.LeftButton)
    focus = QApplication.focusWidget()
    assert focus is w.compare, f"Run moved the focus to {focus!r}"
    assert not w.presets_panel.isAncestorOf(focus)

    w.set_compare_mode("side")
    after = right_pane(w)
    qtbot.keyPress(focus, Qt.Key.Key_Space)
    assert w.compare.showing_before
    held = right_pane(w)
    assert held != after, "Space in side-by-side changes nothing on screen"
    qtbot.keyRelease(focus, Qt.Key.Key_Space)
    assert not w.compare.showing_before and right_pane(w) == after


def test_with_the_pointer_on_the_image_a_focused_list_does_not_take_space_arrows_or_z(qtbot, tmp_path):
    photos.save(photos.astronaut(), tmp_path / "shoot" / "01.jpg")
    photos.save(photos.grace_hopper(), tmp_path / "shoot" / "02.jpg")
    w = make_window(qtbot)
    w.activateWindow()
    open_and_wait(qtbot, w, [tmp_path / "shoot"], count=2)
    w.session.set_current(0)
    presets = w.presets_panel.list
    presets.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is presets)
    row = presets.currentRow()
    QCursor.setPos(w.compare.mapToGlobal(w.compare.rect().center()))

    qtbot.keyPress(presets, Qt.Key.Key_Space)
    assert w.compare.showing_before
    qtbot.keyRelease(presets, Qt.Key.Key_Space)
    assert not w.compare.showing_before
    qtbot.keyClick(presets, Qt.Key.Key_Right)
    assert w.session.current_index == 1
    qtbot.keyClick(presets, Qt.Key.Key_Left)
    assert w.session.current_index == 0
    assert w.compare.fit
    qtbot.keyClick(presets, Qt.Key.Key_Z)
    assert not w.compare.fit and w.compare.scale == w.compare.one_to_one
    qtbot.keyClick(presets, Qt.Key.Key_Z)
    assert w.compare.fit
    assert presets.currentRow() == row  # the list itself got none of them
