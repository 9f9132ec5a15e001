"""Docks for the panels other modules provide (presets, history, batch), the batch queue and the About box.

Each builder takes what it needs and returns what it made; the window connects their signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QScrollArea, QWidget

from portrait_studio.api.batch import BatchQueue
from portrait_studio.core.i18n import _
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings

log = logging.getLogger(__name__)


def add_dock(
    window: QMainWindow,
    panels_menu: QMenu,
    title: str,
    name: str,
    widget: QWidget,
    area: Qt.DockWidgetArea,
    menu_text: str = "",
) -> QDockWidget:
    """Put `widget` in a dock of `window`, listed in View ▸ Panels as `menu_text` (`panel_of(dock)` gives it
    back).

    The panel sits in a scroll area that may shrink to nothing: a dock opened on a small screen (1280×720)
    scrolls its own panel instead of squeezing the Edit controls or making the window taller than the screen.
    """
    dock = QDockWidget(title, window)
    dock.setObjectName(f"{name}-dock")
    scroll = PanelScroll(widget, dock)
    scroll.setObjectName(f"{name}-scroll")
    dock.setWidget(scroll)
    window.addDockWidget(area, dock)
    toggle = dock.toggleViewAction()
    if menu_text:  # the title with a mnemonic: View ▸ Panels ▸ History by Alt+V, P, H (the keyboard sheet)
        toggle.setText(menu_text)
    panels_menu.addAction(toggle)
    return dock


class PanelScroll(QScrollArea):
    """A dock's panel at its full layout when there is room, scrolled (never squeezed) when there is not.

    QScrollArea's own resizing (widgetResizable) uses the panel's *preferred* height once a word-wrapped label
    is in it (height-for-width), so a panel scrolled long before it had to; here the panel gets the viewport,
    but never less than its minimum size.
    """

    def __init__(self, panel: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        # No Tab stop of its own: the focus landed on the frameless area with nothing to show it, one extra
        # Tab press per dock; Tab goes to the panel's controls and QScrollArea scrolls each into view.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setWidget(panel)
        panel.installEventFilter(self)

    def sizeHint(self) -> QSize:
        panel = self.widget()
        return panel.sizeHint() if panel is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        panel = self.widget()  # (the width is the panel's: it scrolls up and down, not sideways)
        return QSize(panel.minimumSizeHint().width() if panel is not None else 0, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # (the panel's content changed: its minimum may have)
        return super().eventFilter(watched, event)

    def _fit(self) -> None:
        panel = self.widget()
        if panel is None:
            return
        least = panel.minimumSizeHint()
        view = self.viewport().size()
        panel.resize(max(view.width(), least.width()), max(view.height(), least.height()))
        if self.viewport().size() != view:  # a scroll bar came or went: fit the new width
            view = self.viewport().size()
            panel.resize(max(view.width(), least.width()), max(view.height(), least.height()))


def panel_of(dock: QDockWidget) -> QWidget | None:
    """The panel `add_dock` put in `dock` (inside its scroll area)."""
    widget = dock.widget()
    return widget.widget() if isinstance(widget, QScrollArea) else widget


def batch_queue(
    journal: Journal,
    params_for: Callable[[Path], EditParams],
    backend: Callable[[], Any],
    settings: Callable[[], Settings],
    *,  # (the batch from the filmstrip, ui/window/batch_flow.py: the request recorded when it was queued)
    size_for: Callable[[Path], str] | None = None,
    out_dir_for: Callable[[Path], Path | None] | None = None,
    preset_for: Callable[[Path], str | None] | None = None,
) -> BatchQueue:
    """The batch queue: the same pipeline over many photos, each with its own parameters when it is open.

    A group photo is one item, each face but tiny background ones its own task (api.group.run_photo), as in
    `retouch`."""
    from portrait_studio.api.batch import default_concurrency
    from portrait_studio.api.group import run_photo

    def run_one(path: Path, progress: Any, cancel: Any) -> Any:
        s = settings()
        return run_photo(
            backend(),  # the Run worker's backend session (thread-safe)
            path,
            params_for(path),  # read on a batch thread: EditParams is immutable, so taking it is safe
            journal=journal,
            preset=preset_for(path) if preset_for is not None else None,
            settings=s,
            # Settings' output folder (None: next to each original), unless the photo's batch chose one.
            out_dir=out_dir_for(path) if out_dir_for is not None else s.output_folder(),
            on_progress=progress,
            cancel=cancel,
            budget_cap=queue.budget_cap,
            pace=queue.pace,
            size=size_for(path) if size_for is not None else "original",  # the Edit panel's Result size
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


__all__ = ["PanelScroll", "add_about", "add_dock", "add_keyboard_sheet", "batch_queue", "panel_of"]
