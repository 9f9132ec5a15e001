"""Every control of the newer window parts is reached by Tab or a listed key, is driven by keys alone, has a
name a screen reader says, and shows its focus in the high-contrast theme: the face-by-face bar and its
toggles (issue 17), the History and Batch docks, the batch and watch dialogs, the Edit-In round trip.

All with real key events (QTest) on the real window, real local gateway and engine."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHeaderView,
    QMenu,
    QScrollBar,
    QToolButton,
    QWidget,
)

from portrait_studio.ui.style import accessibility
from portrait_studio.ui.style.theme import apply_theme
from tests import photos
from tests.ui.test_batch_flow import shoot_folder
from tests.ui.test_main_window_cases import open_and_wait, three_faces
from tests.ui.windows import edit_in_window, make_window

ALT = Qt.KeyboardModifier.AltModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _describe(x: QWidget) -> str:
    text = x.text() if isinstance(x, QAbstractButton) else ""
    return f"{type(x).__name__} {x.objectName()!r} {text!r}"


def must_reach(root: QWidget) -> list[QWidget]:
    """The controls a user may want under `root`: shown, enabled, interactive; not a part of another control
    (a spin box's field, a view's scroll bar or header), not Qt's own dock title buttons (View ▸ Panels
    opens and closes the docks), not a toolbar button whose action has a shortcut (the keyboard sheet lists
    it)."""
    found = []
    for x in root.findChildren(QWidget):
        if not isinstance(x, accessibility.INTERACTIVE) or not (x.isVisible() and x.isEnabled()):
            continue
        if isinstance(x, QScrollBar | QHeaderView) or x.objectName().startswith(
            ("qt_dockwidget_", "qt_toolbar")
        ):
            continue
        parent = x.parentWidget()
        while parent is not None and parent is not root and not isinstance(parent, accessibility.INTERACTIVE):
            parent = parent.parentWidget()
        if parent is not None and parent is not root:
            continue
        action = x.defaultAction() if isinstance(x, QToolButton) else None
        if action is not None and action.shortcuts():
            continue
        found.append(x)
    return found


def tab_chain(qtbot: Any, root: QWidget, limit: int = 200) -> list[QWidget]:
    """The widgets Tab puts the focus on, pressed until the focus comes round again (at most `limit`)."""
    root.activateWindow()  # (what a window manager does; the offscreen platform has none)
    QApplication.processEvents()
    seen: list[QWidget] = []
    for _i in range(limit):
        qtbot.keyClick(QApplication.focusWidget() or root, Qt.Key.Key_Tab)
        QApplication.processEvents()
        focus = QApplication.focusWidget()
        if focus is None or (seen and focus is seen[0]):
            break
        seen.append(focus)
    return seen


def unreached(qtbot: Any, root: QWidget) -> list[str]:
    chain = set(tab_chain(qtbot, root))
    return [_describe(x) for x in must_reach(root) if x not in chain]


def nameless(root: QWidget) -> list[str]:
    """Controls a screen reader has no name for, once the window is named as the app does when it shows."""
    accessibility.name_widgets(root)
    return [_describe(x) for x in must_reach(root) if not accessibility.spoken_name(x)]


def tab_to(qtbot: Any, root: QWidget, widget: QWidget, limit: int = 200) -> None:
    """Press Tab until `widget` has the focus (fails when it never gets it)."""
    root.activateWindow()
    for _i in range(limit):
        QApplication.processEvents()
        if QApplication.focusWidget() is widget:
            return
        qtbot.keyClick(QApplication.focusWidget() or root, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {_describe(widget)}")


def menu_keys(qtbot: Any, w: QWidget, menu_letter: Qt.Key, *letters: Qt.Key) -> None:
    """Alt+letter opens a menu of the menu bar, then each letter picks an item (a submenu opens)."""
    w.activateWindow()
    QApplication.processEvents()
    qtbot.keyClick(w, menu_letter, ALT)
    for letter in letters:
        qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5_000)
        qtbot.keyClick(QApplication.activePopupWidget(), letter)
    QApplication.processEvents()
    assert QApplication.activePopupWidget() is None  # the last letter triggered an item (the menus closed)


def test_faces_bar_toggles_and_docks_by_keys_alone(qtbot: Any, tmp_path: Path, ui_backend: Any) -> None:
    w = make_window(qtbot, ui_backend)
    w.resize(1440, 900)
    qtbot.waitUntil(lambda: w.presets_panel is not None and w.history_panel is not None, timeout=30_000)
    strip = np.asarray(Image.open(three_faces(tmp_path)).convert("RGB"))
    open_and_wait(qtbot, w, [photos.save(strip, tmp_path / "three.png")])
    flow = w.faces_flow
    qtbot.waitUntil(lambda: flow.current() is not None and flow.current().ready, timeout=60_000)
    assert unreached(qtbot, w) == []

    # "Retouch each face": Tab to the bar's button, Space.
    tab_to(qtbot, w, flow.bar.button)
    qtbot.keyClick(flow.bar.button, Qt.Key.Key_Space)
    choice = flow.current()
    assert choice.on and choice.chosen == {1, 2, 3}
    assert accessibility.spoken_name(flow.bar.button) == "Back to one face"  # what it says now, not before
    # On the image: 2 leaves face 2 out, A takes every face, Alt+1 selects face 1 for its own strengths.
    tab_to(qtbot, w, w.compare)
    qtbot.keyClick(w.compare, Qt.Key.Key_2)
    assert choice.chosen == {1, 3}
    qtbot.keyClick(w.compare, Qt.Key.Key_A)
    assert choice.chosen == {1, 2, 3}
    qtbot.keyClick(w.compare, Qt.Key.Key_1, ALT)
    assert choice.selected == 1 and choice.chosen == {1, 2, 3}
    skin = w.controls.sliders["skin"]
    tab_to(qtbot, w, skin)
    qtbot.keyClick(skin, Qt.Key.Key_End)  # Skin 1.0 for face 1 alone
    assert choice.strengths[1]["skin"] == 1.0 and w.session.current.params.skin != 1.0
    # "Use the photo's settings" appears; Tab reaches it, Space gives face 1 the photo's strengths again.
    QApplication.processEvents()
    assert flow.bar.reset_button.isVisible()
    assert unreached(qtbot, w) == [] and nameless(w) == []
    tab_to(qtbot, w, flow.bar.reset_button)
    qtbot.keyClick(flow.bar.reset_button, Qt.Key.Key_Space)
    assert 1 not in choice.strengths
    w.compare.setFocus()
    qtbot.keyClick(w.compare, Qt.Key.Key_1, ALT)  # Alt+1 again: no face selected
    assert choice.selected is None

    # The History dock by the menus' keys (Alt+V, P, H), every control in it reached by Tab.
    with qtbot.waitSignal(w.run_finished, timeout=180_000):
        qtbot.keyClick(w.compare, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not w.docks["history"].isVisible()
    menu_keys(qtbot, w, Qt.Key.Key_V, Qt.Key.Key_P, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: w.docks["history"].isVisible(), timeout=5_000)
    panel = w.history_panel
    qtbot.waitUntil(lambda: len(panel.versions()) >= 1, timeout=10_000)
    assert unreached(qtbot, w) == [] and nameless(w) == []
    tab_to(qtbot, w, panel.tree)
    assert panel.tree.hasFocus()
    # F turns the face boxes off and on (the toolbar's Show face boxes; it had no key).
    faces = w.window_actions.faces_action
    shown = faces.isChecked()
    qtbot.keyClick(w.compare, Qt.Key.Key_F)
    assert faces.isChecked() is not shown


def test_batch_and_watch_dialogs_and_the_batch_dock_by_keys_alone(
    qtbot: Any, tmp_path: Path, ui_backend: Any
) -> None:
    w = make_window(qtbot, ui_backend)
    w.open_paths([shoot_folder(tmp_path)])
    qtbot.waitUntil(lambda: w.batch_flow is not None and w.presets_panel is not None, timeout=60_000)
    qtbot.waitUntil(lambda: all(p.report is not None for p in w.session.photos), timeout=60_000)
    assert unreached(qtbot, w) == []
    # The filmstrip: Tab to it, Shift+→ selects two photos, Ctrl+A all; the Menu key opens its menu.
    tab_to(qtbot, w, w.filmstrip)
    start = w.filmstrip.currentRow()
    qtbot.keyClick(w.filmstrip, Qt.Key.Key_Home)
    qtbot.keyClick(w.filmstrip, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert w.filmstrip.selected_indexes() == [0, 1], start
    # The Menu key: the platform turns it into a keyboard context-menu event (xcb does; the offscreen
    # platform has no keyboard of its own, so the test sends that event). The strip's menu opens, modal.
    menus: list[list[str]] = []

    def close_menu(tries: int = 100) -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            menus.append([a.text() for a in popup.actions()])
            qtbot.keyClick(popup, Qt.Key.Key_Escape)
        elif tries:  # (not open yet: look again)
            QTimer.singleShot(50, lambda: close_menu(tries - 1))

    QTimer.singleShot(50, close_menu)
    at = w.filmstrip.visualItemRect(w.filmstrip.currentItem()).center()
    QApplication.sendEvent(
        w.filmstrip, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, at, w.filmstrip.mapToGlobal(at))
    )
    assert menus and w.shoot.retouch_action.text() in menus[0]
    qtbot.keyClick(w.filmstrip, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert w.filmstrip.selected_indexes() == [0, 1, 2]

    # Retouch selected… (Ctrl+Shift+Enter): every field by Tab, each named; Esc leaves without a batch.
    qtbot.keyClick(w.filmstrip, Qt.Key.Key_Return, CTRL_SHIFT)
    dialog = w.shoot.dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=5_000)
    assert unreached(qtbot, dialog) == [] and nameless(dialog) == []
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and w.batch_queue.items() == []
    # Again: the output folder typed in, Enter (Start is the default button).
    w.activateWindow()  # (a window manager gives the window back its focus when a dialog closes)
    QApplication.processEvents()
    qtbot.keyClick(w.filmstrip, Qt.Key.Key_Return, CTRL_SHIFT)
    qtbot.waitUntil(lambda: w.shoot.dialog is not dialog, timeout=5_000)
    dialog = w.shoot.dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=5_000)
    tab_to(qtbot, dialog, dialog.out_edit)
    qtbot.keyClick(dialog.out_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.out_edit, str(tmp_path / "out"))
    qtbot.keyClick(dialog.out_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: len(w.batch_queue.items()) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: w.batch_queue.idle() and not w.batch_flow.busy(), timeout=180_000)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.retouched.jpg")) == [
        "01-astronaut.retouched.jpg",
        "02-hopper.retouched.jpg",
    ]
    # The Batch dock (Alt+V, P, B): its list and buttons by Tab, each named.
    menu_keys(qtbot, w, Qt.Key.Key_V, Qt.Key.Key_P, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: w.docks["batch"].isVisible(), timeout=5_000)
    assert unreached(qtbot, w) == [] and nameless(w) == []
    tab_to(qtbot, w, w.batch_panel.tree)

    # Photo ▸ Watch folder… (Alt+P, W): the two "Choose…" buttons say which folder each one picks.
    menu_keys(qtbot, w, Qt.Key.Key_P, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: w.shoot.dialog is not dialog and w.shoot.dialog.isVisible(), timeout=5_000)
    watch = w.shoot.dialog
    assert watch.objectName() == "watch-dialog"
    assert unreached(qtbot, watch) == [] and nameless(watch) == []
    buttons = [b for b in must_reach(watch) if isinstance(b, QAbstractButton)]
    spoken = [accessibility.spoken_name(b) for b in buttons]
    assert len(spoken) == len(set(spoken)), spoken
    assert "Choose the folder to watch…" in spoken and "Choose the output folder…" in spoken
    qtbot.keyClick(QApplication.focusWidget() or watch, Qt.Key.Key_Escape)
    assert not watch.isVisible() and not w.shoot.watch_action.isChecked()


def test_round_trip_window_by_keys_alone(qtbot: Any, tmp_path: Path, ui_backend: Any) -> None:
    from portrait_studio.ui.window.edit_in_flow import DISCARD
    from tests.lightroom import render_edit_copy

    _original, edit = render_edit_copy(tmp_path / "shoot")
    rendered = edit.read_bytes()
    w, flow, analysed = edit_in_window(qtbot, ui_backend, edit)
    qtbot.waitUntil(lambda: bool(analysed) and w.presets_panel is not None, timeout=60_000)
    assert unreached(qtbot, w) == [] and nameless(w) == []
    # Tab to Face HD, End (1.0); Ctrl+Enter runs; Ctrl+S writes it back; Alt+F, R restores the rendering.
    gpen = w.controls.sliders["gpen"]
    tab_to(qtbot, w, gpen)
    qtbot.keyClick(gpen, Qt.Key.Key_End)
    with qtbot.waitSignal(w.run_finished, timeout=180_000):
        qtbot.keyClick(gpen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(flow.written, timeout=60_000):
        qtbot.keyClick(gpen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert edit.read_bytes() != rendered
    with qtbot.waitSignal(flow.restored, timeout=30_000):
        menu_keys(qtbot, w, Qt.Key.Key_F, Qt.Key.Key_R)
    assert edit.read_bytes() == rendered
    flow.ask = lambda name: DISCARD


def _shown(w: QWidget, widget: QWidget) -> QImage:
    """`widget` as the window shows it (its part of the window's picture)."""
    return w.grab(QRect(widget.mapTo(w, QPoint(0, 0)), widget.size())).toImage()


def _yellow(image: QImage) -> int:
    """How many pixels are the high-contrast theme's focus yellow (#ffd700, within a few levels)."""
    arr = np.frombuffer(image.convertToFormat(QImage.Format.Format_RGB888).constBits(), np.uint8)
    rgb = arr.reshape(image.height(), -1)[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(((r > 235) & (abs(g - 215) < 20) & (b < 40)).sum())


def test_high_contrast_focus_is_drawn_on_a_button_and_a_slider(
    qtbot: Any, qapp: QApplication, tmp_path: Path, ui_backend: Any
) -> None:
    apply_theme(qapp, "high_contrast")
    try:
        w = make_window(qtbot, ui_backend)
        w.open_paths([shoot_folder(tmp_path)])
        qtbot.waitUntil(lambda: all(p.report is not None for p in w.session.photos), timeout=60_000)
        w.session.set_current(1)
        qtbot.waitUntil(lambda: w.filmstrip.currentRow() == 1 and w.filmstrip.isVisible(), timeout=10_000)
        w.activateWindow()
        # (the filmstrip's thumbnail focus: docs/screenshots/22-high-contrast-focus-filmstrip.png, looked at)
        targets = (w.controls.new_seed, w.controls.sliders["gpen"])
        for widget in targets:
            w.compare.setFocus(Qt.FocusReason.TabFocusReason)
            qtbot.wait(200)  # (the view repaints its items on a timer after a focus change)
            before = _yellow(_shown(w, widget))
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            qtbot.wait(200)
            assert widget.hasFocus()
            after = _yellow(_shown(w, widget))
            # A 3 px yellow edge round the control.
            assert after - before > 2 * 3 * 60, (_describe(widget), before, after)
    finally:
        apply_theme(qapp, "dark")


def _mnemonic_clashes(menu: QMenu, path: str) -> list[str]:
    """Items of `menu` (and its submenus) without an underlined letter, or sharing one: Alt+letter, then the
    letter, must pick exactly one (two alike only move between them, and nothing is triggered)."""
    found: list[str] = []
    letters: dict[str | None, list[str]] = {}
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        mark = re.search(r"&(\w)", action.text())
        letters.setdefault(mark.group(1).casefold() if mark else None, []).append(action.text())
        if action.menu() is not None:
            found += _mnemonic_clashes(action.menu(), f"{path} ▸ {action.text()}")
    return found + [f"{path}: {texts}" for key, texts in letters.items() if key is None or len(texts) > 1]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_menu_item_has_its_own_letter(qtbot: Any, ui_backend: Any, language: str) -> None:
    from portrait_studio.core import i18n

    i18n.set_language(language)
    try:
        w = make_window(qtbot, ui_backend)
        qtbot.waitUntil(lambda: w.history_panel is not None and w.batch_panel is not None, timeout=30_000)
        bar = [a for a in w.menuBar().actions() if a.menu() is not None]
        clashes = [c for a in bar for c in _mnemonic_clashes(a.menu(), a.text())]
        tops = [re.search(r"&(\w)", a.text()) for a in bar]
        assert None not in tops and len({m.group(1) for m in tops if m}) == len(bar)
        assert clashes == []
    finally:
        i18n.set_language("en")
