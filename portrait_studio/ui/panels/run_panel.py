"""The Run area: Run / Cancel, progress with ETA, estimate or cost, errors in plain words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget


class RunPanel(QWidget):
    """Buttons and feedback of a run; the window drives it with `running` / `progress` / `done` / `error`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("run-panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        layout.setSpacing(6)
        row = QHBoxLayout()
        self.run_button = QPushButton("Run", self)
        self.run_button.setObjectName("run-button")
        self.run_button.setToolTip("Send the edit (Ctrl+Enter)")
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
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancel-button")
        self.cancel_button.setToolTip("Stop waiting for this edit (Esc)")
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
        self.error = QLabel("", self)
        self.error.setObjectName("run-error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(240, 138, 128))
        self.error.setPalette(palette)
        self.error.hide()
        layout.addWidget(self.error)

    def idle(self, text: str = "") -> None:
        """Ready for a run."""
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.bar.hide()
        self.status.setText(text)

    def running(self, text: str = "Starting…") -> None:
        """A run was submitted."""
        self.error.hide()
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.bar.setRange(0, 0)  # busy until the first progress figure arrives
        self.bar.show()
        self.status.setText(text)

    def progress(self, fraction: float, eta: float, stage: str) -> None:
        """Progress of the run; negative numbers mean unknown."""
        if fraction >= 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(fraction * 1000))
        parts = [stage.capitalize()] if stage else []
        if fraction >= 0:
            parts.append(f"{fraction:.0%}")
        if eta >= 0:
            parts.append(f"about {eta:.0f} s left" if eta >= 1 else "almost done")
        self.status.setText(" · ".join(parts))

    def done(self, text: str) -> None:
        """The run finished; `text` names the result and its cost."""
        self.idle(text)

    def show_error(self, message: str, fix: str | None) -> None:
        """An error in plain words with what to do."""
        self.idle("")
        self.error.setText(f"{message}\n{fix}" if fix else message)
        self.error.show()

    def clear_error(self) -> None:
        """Hide the last error."""
        self.error.hide()
        self.error.setText("")


__all__ = ["RunPanel"]
