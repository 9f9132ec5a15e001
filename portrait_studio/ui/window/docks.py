"""Docks for the panels other modules provide (presets, history, batch), the batch queue and the About box.

Each builder takes what it needs and returns what it made; the window connects their signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

from portrait_studio.api.batch import BatchQueue
from portrait_studio.core.i18n import _
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings

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


def batch_queue(
    journal: Journal,
    params_for: Callable[[Path], EditParams],
    backend: Callable[[], Any],
    settings: Callable[[], Settings],
) -> BatchQueue:
    """The batch queue: the same pipeline over many photos, each with its own parameters when it is open."""
    from portrait_studio.api.batch import default_concurrency
    from portrait_studio.api.pipeline import run_edit

    def run_one(path: Path, progress: Any, cancel: Any) -> Any:
        s = settings()
        return run_edit(
            backend(),  # the Run worker's backend session (thread-safe)
            path,
            params_for(path),  # read on a batch thread: EditParams is immutable, so taking it is safe
            journal=journal,
            settings=s,
            out_dir=s.output_folder(),  # Settings' output folder; None: next to each original
            on_progress=progress,
            cancel=cancel,
            budget_cap=queue.budget_cap,
            pace=queue.pace,
        )

    first = settings()
    queue = BatchQueue(run_one, concurrency=default_concurrency(first.backend))
    queue.budget_cap = first.budget_cap
    return queue


def add_about(help_menu: QMenu, parent: QWidget) -> None:
    """Help ▸ About (licences, including the MediaPipe weights notice)."""
    try:
        from portrait_studio.ui.dialogs.about_dialog import show_about
    except ImportError as err:
        log.warning("About dialog not available: %s", err)
        return
    action = help_menu.addAction(_("&About Portrait Studio"))
    action.triggered.connect(lambda: show_about(parent))


def add_keyboard_sheet(help_menu: QMenu, parent: QWidget) -> QAction:
    """Help ▸ Keyboard (F1): the shortcut sheet, listing the actions of `parent` (the window) when opened."""
    from portrait_studio.ui.dialogs.keyboard_dialog import show_keyboard

    action = QAction(_("&Keyboard shortcuts…"), parent)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    action.triggered.connect(lambda: show_keyboard(parent.actions(), parent))
    parent.addAction(action)  # F1 works with the menu closed
    help_menu.addAction(action)
    return action


__all__ = ["add_about", "add_dock", "add_keyboard_sheet", "batch_queue"]
