"""Opening the real main window in a test (shared by the window tests)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from portrait_studio.core.settings import Settings
from portrait_studio.ui.window.main_window import MainWindow


def make_window(qtbot: Any, backend: Any = None, settings: Settings | None = None) -> MainWindow:
    """A shown, exposed MainWindow (closed by qtbot after the test); `backend` None = it opens its own."""
    w = MainWindow(settings or Settings(), backend=backend)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def edit_in_window(qtbot: Any, backend: Any, edit: Any) -> tuple[MainWindow, Any, list[int]]:
    """A shown MainWindow in Edit-In round-trip mode on `edit` (the file the host rendered), its flow, and the
    list the window's `photo_analysed` reports fill (wait on it before touching the photo)."""
    from portrait_studio.ui.window.edit_in_flow import EditInFlow

    w = MainWindow(Settings(), backend=backend)
    qtbot.addWidget(w)
    analysed: list[int] = []
    w.photo_analysed.connect(analysed.append)
    flow = EditInFlow.attach(w, edit)
    w.show()
    qtbot.waitExposed(w)
    return w, flow, analysed


def drag_enter(widget: Any, mime: Any, pos: Any) -> bool:
    """Send a real drag-enter of `mime` at `pos` (QPointF); True when the widget accepted it."""
    from PySide6.QtGui import QDragEnterEvent

    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:  # PySide6 6.12 takes a QPointF (and deprecates QPoint); 6.11 takes only a QPoint
        event = QDragEnterEvent(pos, *args)
    except TypeError:
        event = QDragEnterEvent(pos.toPoint(), *args)
    event.setAccepted(False)  # only the widget's handler may accept it
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def drop(widget: Any, mime: Any, pos: Any) -> bool:
    """Send a real drop of `mime` at `pos` (QPointF); True when the widget accepted it."""
    from PySide6.QtGui import QDropEvent

    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    event = QDropEvent(pos, *args)
    event.setAccepted(False)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()
