"""Keys of the image (Space, ←/→, Z) that work whenever the pointer or the focus is on the image area.

A list, a slider or a button with the focus would otherwise take them (Space selects a preset, ←/→ move a
slider or a list's row). An application event filter sees each key before the focused widget does: when the
image area has the focus or the pointer is over it, the key is the image's. Text fields keep their keys, and a
slider or a drop-down the user put the focus on keeps ←/→ (the pointer resting over the image is incidental).
Ctrl+0 / Ctrl+1 are window shortcuts already (they reach the window from any focus).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCursor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from portrait_studio.ui.panels.compare_view import CompareView

_TEXT_INPUT = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)
_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Z)
_ARROWS = (Qt.Key.Key_Left, Qt.Key.Key_Right)
_ARROW_INPUT = (QAbstractSlider, QComboBox)


class ImageKeys(QObject):
    """Routes Space (hold: before), ←/→ (previous / next photo) and Z (fit ↔ 1:1) to the image area."""

    def __init__(self, view: CompareView, step: Callable[[int], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._step = step

    def image_is_active(self) -> bool:
        """The focus is on the image, or the pointer is over it and no text field is being typed in."""
        focus = QApplication.focusWidget()
        if focus is self.view:
            return True
        if isinstance(focus, _TEXT_INPUT) or not self.view.isVisible():
            return False
        return self.view.rect().contains(self.view.mapFromGlobal(QCursor.pos()))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) or not isinstance(event, QKeyEvent):
            return False
        if event.key() not in _KEYS or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        # Each key is seen once, at the widget it is sent to first (not again as it propagates to parents).
        if not isinstance(obj, QWidget) or obj.window() is not self.view.window():
            return False
        if obj is not (QApplication.focusWidget() or obj.window()) or not self.image_is_active():
            return False
        if event.key() in _ARROWS and isinstance(obj, _ARROW_INPUT):
            return False
        self._handle(event, kind == QEvent.Type.KeyPress)
        return True

    def _handle(self, event: QKeyEvent, pressed: bool) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self.view.set_show_before(pressed)
        elif pressed and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._step(-1 if key == Qt.Key.Key_Left else 1)
        elif pressed and key == Qt.Key.Key_Z and not event.isAutoRepeat():
            self.view.toggle_zoom()


__all__ = ["ImageKeys"]
