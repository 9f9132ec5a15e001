"""Help ▸ Keyboard: every shortcut of the window on one sheet, read from its actions so it is never stale."""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from portrait_studio.core.i18n import N_, _

# Keys no action carries: the compare view's, the sliders' and the filmstrip's own (ui/window/image_keys.py,
# ui/panels/controls.py, ui/window/faces_flow.py), the menus' and the dialogs' standard ones.
FIXED_KEYS = (
    (N_("Space (hold)"), N_("Show the before while held")),
    (N_("Z or double-click"), N_("Toggle fit and 1:1 on the image")),
    (N_("← / →"), N_("Previous / next photo (the image or the filmstrip focused)")),
    (N_("← / → on a slider"), N_("One 0.1 step (Home / End: 0.0 / 1.0)")),
    (N_("Double-click a slider"), N_("Back to its default")),
    (N_("1–9 on the image"), N_("Retouch each face: that face on or off")),
    (N_("A on the image"), N_("Retouch each face: every face on")),
    (
        N_("Alt+1–9 on the image"),
        N_("Retouch each face: select that face, the sliders set its own strengths"),
    ),
    (N_("Shift+← / → in the filmstrip"), N_("Select several photos (Ctrl+A: all of them)")),
    (N_("Menu key in the filmstrip"), N_("Its menu: Retouch selected, copy and paste settings, presets")),
    (N_("Alt + underlined letter"), N_("Open a menu; View ▸ Panels opens History, Batch and Presets")),
    (N_("Tab / Shift+Tab"), N_("Next / previous control: Edit panel, banner fixes, filmstrip, compare view")),
    (N_("Enter / Esc in a dialog"), N_("Accept / close it")),
)


def _plain(text: str) -> str:
    return re.sub(r"\s*\(&\w\)|&", "", text).rstrip("…")


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys as the OS writes them, what they do) for every action with a shortcut, in menu order."""
    rows = []
    for action in actions:
        keys = [
            k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()
        ]
        if keys and action.text():
            rows.append((" · ".join(dict.fromkeys(keys)), _plain(action.text())))
    return rows


class KeyboardDialog(QDialog):
    """The shortcut sheet: the window's actions first, then the keys of the image, sliders and filmstrip."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard-dialog")
        self.setWindowTitle(_("Keyboard"))
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("shortcuts")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels([_("Keys"), _("Does")])
        self.tree.setAccessibleName(_("Keyboard shortcuts"))
        rows = shortcut_rows(actions) + [(_(keys), _(does)) for keys, does in FIXED_KEYS]
        for keys, does in rows:
            self.tree.addTopLevelItem(QTreeWidgetItem([keys, does]))
        self.tree.resizeColumnToContents(0)
        self.rows = rows
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)


def show_keyboard(actions: Iterable[QAction], parent: QWidget | None = None) -> KeyboardDialog:
    """Open the sheet (non-modal: it can stay open beside the window)."""
    dialog = KeyboardDialog(actions, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


__all__ = ["FIXED_KEYS", "KeyboardDialog", "shortcut_rows", "show_keyboard"]
