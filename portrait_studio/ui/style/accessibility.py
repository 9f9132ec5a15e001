"""Accessible names for screen readers: every interactive widget gets a name and a description.

A widget's name is what a screen reader says when the focus lands on it. Most of ours already show it: a
button's text, the label in front of a field in a form or a grid. Qt reads a button's own text itself (the
text of the moment: a button whose words change is announced as it reads now); for the rest
`name_widgets(root)` copies the label into `accessibleName` (and the tooltip into `accessibleDescription`)
wherever a widget has none of its own, so no panel has to repeat every label twice. `spoken_name(widget)`
is the name a screen reader is given (Qt's accessible interface), what the tests check.
`AccessibleNames` does it for every window and dock as it is shown (installed by `make_app`).

What changes where the focus is not — the pre-flight banner's verdict, a run's progress, an error — is told
with `announce(widget, text)`: a Qt accessibility announcement (what Orca / NVDA read out without moving the
focus), said once per change, and also emitted as `announcer().announced` so it can be checked.
"""

from __future__ import annotations

import re
from typing import cast

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QBoxLayout,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QTabWidget,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QAbstractItemView)


def _plain(text: str) -> str:
    return re.sub(r"<[^>]*>", "", re.sub(r"\s*\(&\w\)|&", "", text)).strip()


def _layout_label(widget: QWidget) -> str:
    """The text of the label in front of `widget` in its form or grid row (or of its buddy label)."""
    parent = widget.parentWidget()
    if parent is None:
        return ""
    for buddy in parent.findChildren(QLabel):
        if buddy.buddy() is widget and buddy.text():
            return buddy.text()
    own = parent.layout()
    for layout in [*parent.findChildren(QLayout), *([own] if own is not None else [])]:
        if isinstance(layout, QFormLayout):
            field = layout.labelForField(widget)
            if isinstance(field, QLabel) and field.text():
                return field.text()
        elif isinstance(layout, QBoxLayout):  # a caption right above (or before) it: "Per day" over a list
            index = layout.indexOf(widget)
            item = layout.itemAt(index - 1) if index > 0 else None
            caption = item.widget() if item is not None else None
            if isinstance(caption, QLabel) and caption.text() and not caption.wordWrap():
                return caption.text()
        elif isinstance(layout, QGridLayout):
            index = layout.indexOf(widget)
            if index < 0:
                continue
            position = cast(tuple[int, int, int, int], layout.getItemPosition(index))  # stubs say object
            row, column = position[0], position[1]
            for c in range(column - 1, -1, -1):
                item = layout.itemAtPosition(row, c)
                cell = item.widget() if item is not None else None
                if isinstance(cell, QLabel) and cell.text():
                    return cell.text()
    return ""


def accessible_name(widget: QWidget) -> str:
    """What a screen reader should call `widget`: its own text, its label, else its tooltip or placeholder."""
    if isinstance(widget, QAbstractButton) and widget.text():
        return _plain(widget.text())
    label = _layout_label(widget)
    if label:
        return _plain(label).rstrip(":：")
    if isinstance(widget, QLineEdit) and widget.placeholderText():
        return widget.placeholderText()
    if widget.toolTip():
        return _plain(widget.toolTip())
    return _place(widget)


def _place(widget: QWidget) -> str:
    """The tab or dock a widget sits in ("Versions", "Batch"): the name of a list that has no caption."""
    child: QWidget = widget
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QTabWidget):
            index = parent.indexOf(child)
            if index >= 0:
                return _plain(parent.tabText(index))
        if isinstance(parent, QDockWidget) or parent.isWindow():
            return _plain(parent.windowTitle())
        child, parent = parent, parent.parentWidget()
    return ""


def name_widgets(root: QWidget) -> int:
    """Give every interactive widget under `root` a name and description it lacks; how many were named."""
    named = 0
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE):
            continue
        if isinstance(widget, QAbstractButton) and widget.text():
            pass  # Qt reads a button's own text as its name; a copy would go stale when the text changes
        elif not widget.accessibleName():
            name = accessible_name(widget)
            if name:
                widget.setAccessibleName(name)
                named += 1
        tip = _plain(widget.toolTip())
        if tip and not widget.accessibleDescription() and tip != widget.accessibleName():
            widget.setAccessibleDescription(tip)
    return named


def spoken_name(widget: QWidget) -> str:
    """The name Qt gives a screen reader for `widget` (its accessibleName, else e.g. a button's text)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


class AccessibleNames(QObject):
    """Names the widgets of each window and dock when it is shown (an application-wide event filter)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(obj, QWidget)
            and (obj.isWindow() or isinstance(obj, QDockWidget))
        ):
            name_widgets(obj)
        return False


def install(app: QApplication) -> AccessibleNames:
    """Name every window's widgets as it is shown (the filter is parented to the app)."""
    names = AccessibleNames(app)
    app.installEventFilter(names)
    return names


class Announcer(QObject):
    """Posts announcements for screen readers; `announced(text, assertive)` for each one said."""

    announced = Signal(str, bool)

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[int, str] = {}  # per widget: the same words again are not said twice

    def announce(self, widget: QWidget, text: str, *, assertive: bool = False) -> None:
        said = " ".join(_plain(text).split())
        if not said or self._last.get(id(widget)) == said:
            return
        self._last[id(widget)] = said
        event = QAccessibleAnnouncementEvent(widget, said)
        politeness = QAccessible.AnnouncementPoliteness
        event.setPoliteness(politeness.Assertive if assertive else politeness.Polite)
        QAccessible.updateAccessibility(event)
        self.announced.emit(said, assertive)


_announcer: Announcer | None = None


def announcer() -> Announcer:
    """The app's one Announcer (made on first use, on the GUI thread)."""
    global _announcer
    if _announcer is None:
        _announcer = Announcer()
    return _announcer


def announce(widget: QWidget, text: str, *, assertive: bool = False) -> None:
    """Tell a screen reader `text` about `widget` (polite: after what it is saying; assertive: now)."""
    announcer().announce(widget, text, assertive=assertive)


__all__ = [
    "AccessibleNames",
    "Announcer",
    "accessible_name",
    "announce",
    "announcer",
    "install",
    "name_widgets",
    "spoken_name",
]
