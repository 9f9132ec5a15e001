"""Retouch selected… (and Watch folder…): which settings, which output folder, what it will cost, then Start.

    d = BatchDialog(choices, out_dir, describe, start, parent, count=8)         # Retouch 8 photos
    d = BatchDialog(choices, out_dir, describe, start, parent, watch_dir=Path())  # Watch a folder
    d.open()

The dialog is a view: `describe(choice, out_dir, watch_dir) -> (text, can_start)` says what Start would do
(re-asked on every change), and `start(choice, out_dir, watch_dir) -> None | error text` does it; an error
keeps the dialog open with the message under the fields. `choices` are objects with a `label`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from portrait_studio.core.i18n import _, ngettext

Describe = Callable[[Any, Path, Path | None], tuple[str, bool]]
Start = Callable[[Any, Path, Path | None], str | None]


class BatchDialog(QDialog):
    """See the module docstring."""

    def __init__(
        self,
        choices: Sequence[Any],
        out_dir: Path,
        describe: Describe,
        start: Start,
        parent: QWidget | None = None,
        *,
        count: int = 0,
        watch_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.watching = watch_dir is not None
        self.setObjectName("watch-dialog" if self.watching else "batch-dialog")
        title = (
            _("Watch a folder")
            if self.watching
            else ngettext("Retouch {n} photo", "Retouch {n} photos", count).format(n=count)
        )
        self.setWindowTitle(title)
        self._choices = list(choices)
        self._describe, self._start = describe, start
        self.setMinimumWidth(560)
        root = QVBoxLayout(self)
        form = QFormLayout()
        self.watch_edit = QLineEdit(str(watch_dir or ""))
        self.watch_edit.setObjectName("watch-folder")
        if self.watching:
            intro = QLabel(
                _(
                    "Each photo that arrives in the folder (a tethered camera, a hot folder) is retouched "
                    "once it has finished arriving, and shows in the filmstrip with its result."
                )
            )
            intro.setWordWrap(True)
            root.addWidget(intro)
            choose_watch = _("Choose the folder to watch…")
            form.addRow(
                _("Folder to watch:"), self._with_browse(self.watch_edit, _("Folder to watch"), choose_watch)
            )
        self.settings_box = QComboBox()
        self.settings_box.setObjectName("batch-settings")
        for choice in self._choices:
            self.settings_box.addItem(choice.label)
        form.addRow(_("Settings:"), self.settings_box)
        self.out_edit = QLineEdit(str(out_dir))
        self.out_edit.setObjectName("batch-output")
        choose_out = _("Choose the output folder…")
        form.addRow(_("Output folder:"), self._with_browse(self.out_edit, _("Output folder"), choose_out))
        root.addLayout(form)
        self.plan_label = QLabel()
        self.plan_label.setObjectName("batch-plan")
        self.plan_label.setWordWrap(True)
        self.plan_label.setTextFormat(Qt.TextFormat.PlainText)
        root.addWidget(self.plan_label)
        self.error_label = QLabel()
        self.error_label.setObjectName("batch-error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #e06c5a;")
        self.error_label.hide()
        root.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton(
            _("Start watching") if self.watching else _("Start"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start_button.setObjectName("batch-start")
        buttons.accepted.connect(self._on_start)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        # Made the default only once it is inside the dialog: Qt keeps a dialog's main default button only
        # when it finds the dialog then; before, Tab past Cancel/Start took it away for good, and Enter in a
        # folder field did nothing (found by tests/ui/test_keyboard_reach.py).
        self.start_button.setDefault(True)
        self.settings_box.currentIndexChanged.connect(self.refresh)
        self.out_edit.textChanged.connect(self.refresh)
        self.watch_edit.textChanged.connect(self.refresh)
        self.refresh()

    def _with_browse(self, edit: QLineEdit, title: str, choose: str) -> QWidget:
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(edit, 1)
        browse = QPushButton(_("Choose…"))
        # Two "Choose…" buttons in the watch dialog: a screen reader says which folder each one picks.
        browse.setAccessibleName(choose)
        browse.setToolTip(choose)
        # Not an auto-default button: once Tab had passed it, Enter in a folder field opened the file dialog
        # instead of pressing Start (found by tests/ui/test_keyboard_reach.py).
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda: self._browse(edit, title))
        h.addWidget(browse)
        return row

    def _browse(self, edit: QLineEdit, title: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, title, edit.text() or str(Path.home()))
        if folder:
            edit.setText(folder)

    # ------------------------------------------------------------------ state
    def choice(self) -> Any:
        """The settings chosen."""
        return self._choices[max(0, self.settings_box.currentIndex())]

    def out_dir(self) -> Path:
        """The output folder typed or chosen."""
        return Path(self.out_edit.text().strip()).expanduser()

    def watch_dir(self) -> Path | None:
        """The folder to watch (None: a batch)."""
        return Path(self.watch_edit.text().strip()).expanduser() if self.watching else None

    def refresh(self) -> None:
        """Ask again what Start would do."""
        self.error_label.hide()
        if not self.out_edit.text().strip() or (self.watching and not self.watch_edit.text().strip()):
            self.plan_label.setText(_("Choose the folders first."))
            self.start_button.setEnabled(False)
            return
        words, can_start = self._describe(self.choice(), self.out_dir(), self.watch_dir())
        self.plan_label.setText(words)
        self.start_button.setEnabled(can_start)

    def _on_start(self) -> None:
        problem = self._start(self.choice(), self.out_dir(), self.watch_dir())
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        self.accept()


__all__ = ["BatchDialog"]
