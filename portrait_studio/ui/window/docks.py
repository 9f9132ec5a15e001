"""Docks for the panels other modules provide (presets, history, batch) and the About box.

Each builder takes what it needs and returns what it made; the window connects their signals.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

log = logging.getLogger(__name__)


def add_dock(
    window: QMainWindow, panels_menu: QMenu, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea
) -> QDockWidget:
    """Put `widget` in a dock of `window`, listed in View ▸ Panels."""
    dock = QDockWidget(title, window)
    dock.setObjectName(f"{name}-dock")
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    panels_menu.addAction(dock.toggleViewAction())
    return dock


def add_about(help_menu: QMenu, parent: QWidget) -> None:
    """Help ▸ About (licences, including the MediaPipe weights notice)."""
    try:
        from portrait_studio.ui.dialogs.about_dialog import show_about
    except ImportError as err:
        log.warning("About dialog not available: %s", err)
        return
    action = help_menu.addAction("&About Portrait Studio")
    action.triggered.connect(lambda: show_about(parent))


__all__ = ["add_about", "add_dock"]
