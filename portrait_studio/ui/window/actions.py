"""Menus, toolbar and shortcuts of the main window, built in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QToolBar

from portrait_studio.ui.panels.compare_view import SIDE, SPLIT, TOGGLE

if TYPE_CHECKING:
    from portrait_studio.ui.window.main_window import MainWindow


def _action(
    w: MainWindow, text: str, slot: Callable[..., object], keys: tuple[object, ...] = (), tip: str = ""
) -> QAction:
    action = QAction(text, w)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])  # type: ignore[arg-type]
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(lambda *_a: slot())
    w.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def build_actions(w: MainWindow) -> None:
    """Create the window's actions (attributes of `w`), its menus and toolbar."""
    k = QKeySequence.StandardKey
    w.open_action = _action(w, "&Open…", w.choose_files, (k.Open,), "Open photos (Ctrl+O)")
    w.open_folder_action = _action(w, "Open &folder…", w.choose_folder, ("Ctrl+Shift+O",))
    w.save_action = _action(w, "&Save", w.quick_save, (k.Save,), "Save the result next to the original")
    w.save_as_action = _action(w, "Save &as…", w.choose_save_as, ("Ctrl+Shift+S",))
    w.quit_action = _action(w, "&Quit", w.close, (k.Quit,))
    w.run_action = _action(
        w, "&Run", w.run_current, ("Ctrl+Return", "Ctrl+Enter"), "Run the edit (Ctrl+Enter)"
    )
    w.cancel_action = _action(w, "&Cancel", w.cancel_run, (Qt.Key.Key_Escape,), "Cancel the edit (Esc)")
    w.settings_action = _action(w, "Se&ttings…", w.open_settings, (k.Preferences,))
    w.prev_action = _action(w, "&Previous photo", lambda: w.session.step(-1), ("Ctrl+Left",))
    w.next_action = _action(w, "&Next photo", lambda: w.session.step(1), ("Ctrl+Right",))
    w.fit_action = _action(w, "Zoom to &fit", w.compare.zoom_fit, ("Ctrl+0",))
    w.zoom100_action = _action(
        w,
        "Zoom &1:1",
        lambda: w.compare.zoom_to(w.compare.one_to_one),
        ("Ctrl+1",),
        "One screen pixel per pixel of the original (Ctrl+1; double-click toggles with fit)",
    )
    w.faces_action = _action(
        w, "Show &face boxes", lambda: w.compare.set_show_faces(w.faces_action.isChecked())
    )
    w.faces_action.setCheckable(True)
    w.faces_action.setChecked(True)
    w.preview_action = _action(w, "Live &preview", w.toggle_preview)
    w.preview_action.setCheckable(True)
    w.preview_action.setChecked(True)
    group = QActionGroup(w)
    w.mode_actions = {}
    for mode, text, key in ((SPLIT, "&Split", "S"), (SIDE, "Side &by side", "B"), (TOGGLE, "&Toggle", "T")):
        action = _action(
            w, text, lambda m=mode: w.set_compare_mode(m), (key,), f"{text.replace('&', '')} ({key})"
        )
        action.setCheckable(True)
        action.setChecked(mode == SPLIT)
        group.addAction(action)
        w.mode_actions[mode] = action
    _menus(w)
    _toolbar(w)


def _menus(w: MainWindow) -> None:
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([w.open_action, w.open_folder_action])
    w.recent_menu = file_menu.addMenu("Open &recent")
    file_menu.addSeparator()
    file_menu.addActions([w.save_action, w.save_as_action])
    file_menu.addSeparator()
    file_menu.addAction(w.quit_action)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([w.run_action, w.cancel_action])
    edit_menu.addSeparator()
    edit_menu.addAction(w.settings_action)
    view_menu = bar.addMenu("&View")
    view_menu.addActions(list(w.mode_actions.values()))
    view_menu.addSeparator()
    view_menu.addActions([w.fit_action, w.zoom100_action, w.faces_action, w.preview_action])
    w.panels_menu = view_menu.addMenu("&Panels")
    photo_menu = bar.addMenu("&Photo")
    photo_menu.addActions([w.prev_action, w.next_action])
    w.help_menu = bar.addMenu("&Help")


def _toolbar(w: MainWindow) -> None:
    tb = QToolBar("Main", w)
    tb.setObjectName("main-toolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    tb.addActions([w.open_action, w.save_as_action])
    tb.addSeparator()
    tb.addActions(list(w.mode_actions.values()))
    tb.addSeparator()
    tb.addActions([w.fit_action, w.zoom100_action, w.faces_action])
    tb.addSeparator()
    tb.addActions([w.run_action, w.cancel_action])
    w.addToolBar(tb)
    w.toolbar = tb


__all__ = ["build_actions"]
