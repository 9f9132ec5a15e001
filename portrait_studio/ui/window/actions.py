"""Menus, toolbar and shortcuts of the main window, built in one place from the slots they trigger."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from portrait_studio.core.i18n import _
from portrait_studio.ui.panels.compare_view import SIDE, SPLIT, TOGGLE

Slot = Callable[[], object]
Keys = QKeySequence | QKeySequence.StandardKey | Qt.Key | str


@dataclass(frozen=True)
class Slots:
    """What the actions do (the window's methods and its views')."""

    open: Slot
    open_folder: Slot
    save: Slot
    save_as: Slot
    quit: Slot
    run: Slot
    cancel: Slot
    settings: Slot
    previous: Slot
    next: Slot
    fit: Slot
    zoom100: Slot
    faces: Callable[[bool], object]
    preview: Callable[[bool], object]
    mode: Callable[[str], object]


@dataclass(frozen=True)
class Actions:
    """The window's actions and the menus other parts add to (recent files, panels, help)."""

    open_action: QAction
    open_folder_action: QAction
    save_action: QAction
    save_as_action: QAction
    quit_action: QAction
    run_action: QAction
    cancel_action: QAction
    settings_action: QAction
    prev_action: QAction
    next_action: QAction
    fit_action: QAction
    zoom100_action: QAction
    faces_action: QAction
    preview_action: QAction
    mode_actions: dict[str, QAction]
    recent_menu: QMenu
    panels_menu: QMenu
    help_menu: QMenu
    toolbar: QToolBar
    photo_menu: QMenu  # (the selection verbs join it: shoot_menu.py)


def plain(text: str) -> str:
    """A menu text without its mnemonic: "&Open…" → "Open…", "打开(&O)…" → "打开…"."""
    return re.sub(r"\s*\(&\w\)|&", "", text)


def _action(
    w: QMainWindow, text: str, slot: Callable[[], object], keys: tuple[Keys, ...] = (), tip: str = ""
) -> QAction:
    action = QAction(text, w)
    # a toolbar button's text: Qt would strip the "&" and "…" of "打开(&O)…" but leave "(O)"
    action.setIconText(plain(text).rstrip("…"))
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(lambda *_a: slot())
    w.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def _checkable(
    w: QMainWindow, text: str, slot: Callable[[bool], object], keys: tuple[Keys, ...] = ()
) -> QAction:
    action = _action(w, text, lambda: None, keys)
    action.setCheckable(True)
    action.setChecked(True)
    action.toggled.connect(slot)
    return action


def build_actions(w: QMainWindow, s: Slots) -> Actions:
    """Create the window's actions, its menus and toolbar."""
    k = QKeySequence.StandardKey
    mode_actions: dict[str, QAction] = {}
    group = QActionGroup(w)
    for mode, text, key in (
        (SPLIT, _("&Split"), "S"),
        (SIDE, _("Side &by side"), "B"),
        (TOGGLE, _("&Toggle"), "T"),
    ):
        action = _action(w, text, functools.partial(s.mode, mode), (key,), f"{plain(text)} ({key})")
        action.setCheckable(True)
        action.setChecked(mode == SPLIT)
        group.addAction(action)
        mode_actions[mode] = action
    a = dict(
        open_action=_action(w, _("&Open…"), s.open, (k.Open,), _("Open photos (Ctrl+O)")),
        open_folder_action=_action(w, _("Open &folder…"), s.open_folder, ("Ctrl+Shift+O",)),
        save_action=_action(w, _("&Save"), s.save, (k.Save,), _("Save the result next to the original")),
        save_as_action=_action(w, _("Save &as…"), s.save_as, ("Ctrl+Shift+S",)),
        quit_action=_action(w, _("&Quit"), s.quit, (k.Quit,)),
        run_action=_action(
            w, _("&Run"), s.run, ("Ctrl+Return", "Ctrl+Enter"), _("Run the edit (Ctrl+Enter)")
        ),
        cancel_action=_action(w, _("&Cancel"), s.cancel, (Qt.Key.Key_Escape,), _("Cancel the edit (Esc)")),
        settings_action=_action(w, _("Se&ttings…"), s.settings, (k.Preferences,)),
        prev_action=_action(w, _("&Previous photo"), s.previous, ("Ctrl+Left",)),
        next_action=_action(w, _("&Next photo"), s.next, ("Ctrl+Right",)),
        fit_action=_action(w, _("Zoom to &fit"), s.fit, ("Ctrl+0",)),
        zoom100_action=_action(
            w,
            _("Zoom &1:1"),
            s.zoom100,
            ("Ctrl+1",),
            _(
                "One screen pixel per pixel of the result (the original before a run); Ctrl+1, Z or "
                "double-click"
            ),
        ),
        faces_action=_checkable(
            w, _("Show fa&ce boxes"), s.faces, ("F",)
        ),  # (the toolbar's only key-less one)
        preview_action=_checkable(w, _("&Live preview"), s.preview),
    )
    bar = w.menuBar()
    file_menu = bar.addMenu(_("&File"))
    file_menu.addActions([a["open_action"], a["open_folder_action"]])
    recent_menu = file_menu.addMenu(_("Open &recent"))
    file_menu.addSeparator()
    file_menu.addActions([a["save_action"], a["save_as_action"]])
    file_menu.addSeparator()
    file_menu.addAction(a["quit_action"])
    edit_menu = bar.addMenu(_("&Edit"))
    edit_menu.addActions([a["run_action"], a["cancel_action"]])
    edit_menu.addSeparator()
    edit_menu.addAction(a["settings_action"])
    view_menu = bar.addMenu(_("&View"))
    view_menu.addActions(list(mode_actions.values()))
    view_menu.addSeparator()
    view_menu.addActions([a["fit_action"], a["zoom100_action"], a["faces_action"], a["preview_action"]])
    panels_menu = view_menu.addMenu(_("&Panels"))
    photo_menu = bar.addMenu(_("&Photo"))
    photo_menu.addActions([a["prev_action"], a["next_action"]])
    help_menu = bar.addMenu(_("&Help"))
    tb = QToolBar(_("Main"), w)
    tb.setObjectName("main-toolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    tb.addActions([a["open_action"], a["save_as_action"]])
    tb.addSeparator()
    tb.addActions(list(mode_actions.values()))
    tb.addSeparator()
    tb.addActions([a["fit_action"], a["zoom100_action"], a["faces_action"]])
    tb.addSeparator()
    tb.addActions([a["run_action"], a["cancel_action"]])
    w.addToolBar(tb)
    return Actions(
        **a,
        mode_actions=mode_actions,
        recent_menu=recent_menu,
        panels_menu=panels_menu,
        help_menu=help_menu,
        toolbar=tb,
        photo_menu=photo_menu,
    )


__all__ = ["Actions", "Slots", "build_actions"]
