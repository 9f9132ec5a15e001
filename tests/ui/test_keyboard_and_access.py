"""Without a mouse and with a screen reader: the whole loop by keys alone, the Help ▸ Keyboard sheet,
accessible names on every interactive widget, and the high-contrast theme."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QCursor, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget

from portrait_studio.ui.panels.compare_view import CANVAS
from portrait_studio.ui.style import accessibility
from portrait_studio.ui.style.theme import apply_theme
from tests import photos
from tests.ui.windows import make_window


def _when_modal(qtbot: Any, act: Callable[[QWidget], None]) -> None:
    """Run `act` on the next modal dialog as soon as it is open (a static QFileDialog call blocks)."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, poll)
        else:
            act(dialog)

    QTimer.singleShot(50, poll)


def _type_path_and_enter(qtbot: Any, path: Path, problems: list[str]) -> Callable[[QWidget], None]:
    """Type `path` where the dialog put the focus (its file name field), then Enter; a dialog whose focus is
    elsewhere is closed and the problem kept (an assert here would only be printed: it runs in Qt's loop)."""

    def act(dialog: QWidget) -> None:
        # What a window manager does with a new dialog (the offscreen platform has none): activate it.
        dialog.activateWindow()
        QApplication.processEvents()
        field = QApplication.focusWidget()
        if not isinstance(field, QLineEdit) or not dialog.isAncestorOf(field):
            problems.append(f"{type(dialog).__name__}: the focus is on {field!r}, not its file name field")
            dialog.close()
            return
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(field, str(path))
        qtbot.keyClick(field, Qt.Key.Key_Return)

    return act


def _tab_to(qtbot: Any, w: QWidget, found: Callable[[QWidget | None], bool], limit: int = 80) -> QWidget:
    """Press Tab until the focus is on a widget `found` accepts (fails when Tab never gets there)."""
    for _i in range(limit):
        QApplication.processEvents()  # a widget added to a shown layout is shown by a queued call
        if QApplication.activeWindow() is None:  # a closed dialog: a window manager reactivates the window
            w.activateWindow()
            QApplication.processEvents()
        focus = QApplication.focusWidget()
        if found(focus):
            assert focus is not None
            return focus
        qtbot.keyClick(focus or w, Qt.Key.Key_Tab)
    raise AssertionError("Tab never reached the widget")


def test_open_fix_sliders_run_compare_save_with_keys_alone(
    qtbot: Any, ui_backend: Any, tmp_path: Path
) -> None:
    group = photos.save(
        np.hstack([photos.astronaut(), photos.grace_hopper()[44:556], photos.astronaut()[:, ::-1]]),
        tmp_path / "in" / "group.jpg",
        quality=90,
    )
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.presets_panel is not None, timeout=30_000)
    w.activateWindow()
    # The pointer rests off the image: over it, Space is the image's "show the before" even on a focused
    # button (ui/window/image_keys.py), which an earlier test may have left it over.
    QCursor.setPos(w.mapToGlobal(QPoint(w.width() + 200, w.height() + 200)))

    # Open: Ctrl+O, type the path into the file dialog, Enter.
    problems: list[str] = []
    _when_modal(qtbot, _type_path_and_enter(qtbot, group, problems))
    with qtbot.waitSignal(w.photo_analysed, timeout=60_000, raising=False) as opened:
        qtbot.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert problems == [] and opened.signal_triggered
    assert w.session.current.path == group and w.session.current.report.blocked

    # Fix: Tab reaches the banner's one-click fix; Space presses it.
    fix = _tab_to(qtbot, w, lambda f: isinstance(f, QPushButton) and w.banner.isAncestorOf(f))
    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        qtbot.keyClick(fix, Qt.Key.Key_Space)
    assert not w.session.current.report.blocked  # cropped to one face

    # Sliders: Tab to Face HD, → twice; Tab on to Skin, → once.
    gpen, skin = w.controls.sliders["gpen"], w.controls.sliders["skin"]
    before = w.controls.params()
    _tab_to(qtbot, w, lambda f: f is gpen)
    qtbot.keyClick(gpen, Qt.Key.Key_Right)
    qtbot.keyClick(gpen, Qt.Key.Key_Right)
    _tab_to(qtbot, w, lambda f: f is skin)
    qtbot.keyClick(skin, Qt.Key.Key_Right)
    after = w.controls.params()
    assert (after.gpen, after.skin) == (round(before.gpen + 0.2, 1), round(before.skin + 0.1, 1))

    # Run: Ctrl+Enter; the result lands in the compare view.
    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        qtbot.keyClick(
            QApplication.focusWidget() or w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    assert w.session.current.result_path is not None

    # Compare: B side by side, S split (the View menu's keys), on the image.
    w.compare.setFocus()
    qtbot.keyClick(w.compare, Qt.Key.Key_B)
    assert w.window_actions.mode_actions["side"].isChecked()
    qtbot.keyClick(w.compare, Qt.Key.Key_S)
    assert w.window_actions.mode_actions["split"].isChecked()

    # Save as: Ctrl+Shift+S, type a name, Enter.
    target = tmp_path / "out" / "keys-only.png"
    target.parent.mkdir()
    _when_modal(qtbot, _type_path_and_enter(qtbot, target, problems))
    with qtbot.waitSignal(w.saved, timeout=60_000, raising=False) as saved:
        qtbot.keyClick(
            w.compare, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    assert problems == [] and saved.signal_triggered
    assert Path(saved.args[0]) == target and target.is_file()


def test_f1_opens_the_keyboard_sheet_with_every_shortcut(qtbot: Any, ui_backend: Any) -> None:
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.presets_panel is not None, timeout=30_000)
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: w.findChild(QWidget, "keyboard-dialog") is not None, timeout=5_000)
    sheet = w.findChild(QWidget, "keyboard-dialog")
    rows = dict((does, keys) for keys, does in sheet.rows)
    assert "Ctrl+O" in rows["Open"] and "Ctrl+Return" in rows["Run"] and "Esc" in rows["Cancel"]
    assert "Ctrl+Shift+S" in rows["Save as"] and "Ctrl+1" in rows["Zoom 1:1"]
    assert "F1" in rows["Keyboard shortcuts"]
    assert any("Space" in keys for keys, _does in sheet.rows)  # the image's own keys are listed too
    sheet.close()


def test_every_interactive_widget_has_an_accessible_name(qtbot: Any, ui_backend: Any, tmp_path: Path) -> None:
    from portrait_studio.core.settings import Settings
    from portrait_studio.ui.dialogs.save_dialog import SaveAsDialog
    from portrait_studio.ui.dialogs.settings_dialog import SettingsDialog

    portrait = photos.save(photos.astronaut(), tmp_path / "a.jpg")
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.presets_panel is not None, timeout=30_000)
    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        w.open_paths([portrait])
    for dock in w.docks.values():
        dock.show()
    roots: list[QWidget] = [w, SettingsDialog(Settings(), settings_file=tmp_path / "s.json")]
    roots.append(SaveAsDialog(tmp_path / "a-retouched.jpg", portrait))
    for root in roots:
        accessibility.name_widgets(root)
        nameless = [
            f"{type(x).__name__} {x.objectName()!r}"
            for x in root.findChildren(QWidget)
            if isinstance(x, accessibility.INTERACTIVE)
            and x.isVisibleTo(root)
            and not accessibility.spoken_name(x)
        ]
        assert nameless == [], type(root).__name__
    assert w.controls.sliders["gpen"].accessibleName() == "Face HD"  # the label in front of it
    assert w.controls.sliders["gpen"].accessibleDescription().startswith("Face detail enhancement")
    # A button is named by its own text, read by Qt as it is now (a copy would go stale when it changes).
    assert accessibility.spoken_name(w.run_panel.run_button) == "Run"


def test_windows_are_named_when_shown(qtbot: Any, qapp: QApplication) -> None:
    names = accessibility.install(qapp)
    try:
        from PySide6.QtWidgets import QFormLayout, QLineEdit

        root = QWidget()
        qtbot.addWidget(root)
        field = QLineEdit(root)
        QFormLayout(root).addRow("Base URL", field)
        root.show()
        qtbot.waitExposed(root)
        assert field.accessibleName() == "Base URL"
    finally:
        qapp.removeEventFilter(names)
        names.deleteLater()


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_high_contrast_theme_and_a_neutral_compare_surround(qapp: QApplication) -> None:
    from portrait_studio.core.settings import Settings

    assert Settings(theme="high_contrast").theme == "high_contrast"
    try:
        assert apply_theme(qapp, "high_contrast") == "high_contrast"
        pal = qapp.palette()
        R = QPalette.ColorRole
        assert _contrast(pal.color(R.WindowText), pal.color(R.Window)) >= 15
        assert _contrast(pal.color(R.Text), pal.color(R.Base)) >= 15
        assert _contrast(pal.color(R.HighlightedText), pal.color(R.Highlight)) >= 12
        assert _contrast(pal.color(R.ButtonText), pal.color(R.Button)) >= 15
        # The photo's surround stays a neutral grey (no cast) whatever the chrome: colour judgement needs it.
        assert CANVAS.red() == CANVAS.green() or abs(CANVAS.red() - CANVAS.blue()) <= 2
        assert (
            max(CANVAS.red(), CANVAS.green(), CANVAS.blue())
            - min(CANVAS.red(), CANVAS.green(), CANVAS.blue())
            <= 2
        )
    finally:
        apply_theme(qapp, "dark")
