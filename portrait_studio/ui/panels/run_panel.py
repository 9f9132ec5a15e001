"""The Run area: Run / Cancel, progress with ETA, estimate or cost, errors in plain words."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from portrait_studio.core.i18n import N_, _
from portrait_studio.ui import text as words
from portrait_studio.ui.model.session import Session

MESSAGE_LINES = 5  # the most lines an error (or the key notice) takes before it scrolls


class RunPanel(QWidget):
    """Buttons and feedback of a run: follows the session's current photo (`bind`); progress and messages
    that belong to no photo ("Not sent: …") come from the run controller's signals."""

    settings_requested = Signal()  # the key notice's "Settings…" button

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("run-panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        layout.setSpacing(6)
        row = QHBoxLayout()
        self.run_button = QPushButton(_("Run"), self)
        self.run_button.setObjectName("run-button")
        self.run_button.setToolTip(_("Send the edit (Ctrl+Enter)"))
        self.run_button.setMinimumHeight(34)
        # The one accent of the window: Run in the highlight colour (palette, not a style sheet: start-up).
        palette = self.run_button.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):  # disabled stays grey
            palette.setColor(group, QPalette.ColorRole.Button, palette.color(QPalette.ColorRole.Highlight))
            highlighted = palette.color(QPalette.ColorRole.HighlightedText)
            palette.setColor(group, QPalette.ColorRole.ButtonText, highlighted)
        self.run_button.setPalette(palette)
        font = self.run_button.font()
        font.setBold(True)
        self.run_button.setFont(font)
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.setObjectName("cancel-button")
        self.cancel_button.setToolTip(_("Stop waiting for this edit (Esc)"))
        self.cancel_button.setEnabled(False)
        row.addWidget(self.run_button, 3)
        row.addWidget(self.cancel_button, 1)
        layout.addLayout(row)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("run-progress")
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.bar.hide()
        layout.addWidget(self.bar)
        self.status = QLabel("", self)
        self.status.setObjectName("run-status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        # The error and the key notice share a scroll area at most MESSAGE_LINES high: a long error scrolls
        # there instead of making the Edit column taller than a 720-pixel screen (issue 18).
        self.messages = QScrollArea(self)
        self.messages.setObjectName("run-messages")
        self.messages.setWidgetResizable(True)
        self.messages.setFrameShape(QScrollArea.Shape.NoFrame)
        self.messages.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.messages.setMaximumHeight(self.fontMetrics().lineSpacing() * MESSAGE_LINES + 4)
        box = QWidget(self.messages)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        self.error = QLabel("", box)
        self.error.setObjectName("run-error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(240, 138, 128))
        self.error.setPalette(palette)
        self.error.hide()
        inner.addWidget(self.error)
        self.key_notice = QWidget(box)
        self.key_notice.setObjectName("key-notice")
        notice = QVBoxLayout(self.key_notice)
        notice.setContentsMargins(0, 0, 0, 0)
        self.key_text = QLabel(self.key_notice)
        self.key_text.setWordWrap(True)
        self.key_text.setOpenExternalLinks(True)
        self.key_text.setTextFormat(Qt.TextFormat.RichText)
        self.key_button = QPushButton(_("Settings…"), self.key_notice)
        self.key_button.clicked.connect(self.settings_requested)
        notice.addWidget(self.key_text)
        notice.addWidget(self.key_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.key_notice.hide()
        inner.addWidget(self.key_notice)
        inner.addStretch(1)
        self.messages.setWidget(box)
        self.messages.hide()
        layout.addWidget(self.messages)

    def bind(self, session: Session) -> None:
        """Follow the current photo: running or not, its last run's line, its run error."""
        self._session = session
        self._shown: tuple[object, ...] | None = None
        # Messages that belong to no photo state ("Not sent: …", "could not save"), kept with the photo that
        # was current: another photo does not show them, coming back does.
        self._problems: dict[Path, tuple[str, str | None]] = {}
        session.current_changed.connect(lambda _i: self._follow(force=True))
        session.photo_changed.connect(lambda i: self._follow() if i == session.current_index else None)

    def _follow(self, force: bool = False) -> None:
        photo = self._session.current
        if photo is None:
            return
        state = (photo.running, photo.run_text, photo.error, photo.load_failed)
        if not force and state == self._shown:
            return  # (a preview landing must not wipe the progress line)
        self._shown = state
        self.clear_error()
        if photo.running:
            self._problems.pop(photo.path, None)  # a new run: the last "Not sent" is history
            self.running(photo.run_text or _("Running…"))
        else:
            self.idle(photo.run_text)
            if photo.error and photo.display is not None and not photo.load_failed:
                self._show(photo.error, photo.error_fix)
            elif photo.path in self._problems:
                self._show(*self._problems[photo.path])

    def idle(self, text: str = "") -> None:
        """Ready for a run."""
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.bar.hide()
        self.status.setText(text)

    def running(self, text: str = N_("Starting…")) -> None:
        """A run was submitted."""
        self.error.hide()
        self._fit_messages()
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.bar.setRange(0, 0)  # busy until the first progress figure arrives
        self.bar.show()
        self.status.setText(_(text))  # the default's words; a text already translated passes unchanged

    def progress(self, fraction: float, eta: float, stage: str) -> None:
        """Progress of the run; negative numbers mean unknown."""
        if fraction >= 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(fraction * 1000))
        self.status.setText(words.progress(fraction, eta, stage))

    def done(self, text: str) -> None:
        """The run finished; `text` names the result and its cost."""
        self.idle(text)

    def show_error(self, message: str, fix: str | None) -> None:
        """An error in plain words with what to do, kept with the current photo (shown again on return)."""
        photo = self._session.current if hasattr(self, "_session") else None
        if photo is not None:
            self._problems[photo.path] = (message, fix)
        self._show(message, fix)

    def _show(self, message: str, fix: str | None) -> None:
        self.idle("")
        self.error.setText(f"{message}\n{fix}" if fix else message)
        self.error.show()
        self._fit_messages()

    def show_key_needed(self, needed: bool, site: str = "") -> None:
        """The cloud is chosen and no API key is set: say so now (not at the first Run), with the way out."""
        if needed:
            link = (
                _(' <a href="{site}">Get a key at {host}</a>.').format(
                    site=site, host=site.removeprefix("https://")
                )
                if site
                else ""
            )
            self.key_text.setText(
                _("The cloud needs an API key: none is set. Paste it in Settings.{link}").format(link=link)
            )
        self.key_notice.setVisible(needed)
        self._fit_messages()

    def _fit_messages(self) -> None:
        """The message area is there only while it has something to say."""
        self.messages.setVisible(not (self.error.isHidden() and self.key_notice.isHidden()))

    def clear_error(self) -> None:
        """Hide the last error."""
        self.error.hide()
        self._fit_messages()
        self.error.setText("")


__all__ = ["RunPanel"]
