"""History ▸ Compare and Make current / Undo: versions from the journal shown in the compare view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.i18n import _
from portrait_studio.ui import text
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.open_flow import message_of

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from portrait_studio.core.journal import JournalRow


class HistoryController(QObject):
    """Versions of the current photo: compare two, or make one its result."""

    params_restored = Signal(object)  # EditParams of the version made current (the controls show them)
    message = Signal(str, int)  # status bar text, milliseconds

    def __init__(
        self,
        session: Session,
        io: BackgroundRunner,
        show_result: Callable[[int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.io = io
        self._show_result = show_result  # decodes a photo's result for the after pane (RunController)
        # A version's name as History lists it ("v2"); the window sets it to the History panel's.
        self.name_of: Callable[[JournalRow | None], str] = lambda row: (
            _("Original") if row is None else _("Version")
        )

    def compare_versions(self, older: JournalRow | None, newer: JournalRow | None) -> None:
        """Two versions (or the original and a version) in the compare view."""
        i, photo = self.session.current_index, self.session.current
        if photo is None or newer is None or not newer.result_path:
            return
        from portrait_studio.ui.jobs.imaging import screen_image

        older_path = Path(older.result_path) if older is not None and older.result_path else None
        newer_path = Path(newer.result_path)

        def load() -> tuple[QImage | None, QImage]:
            return (screen_image(older_path) if older_path else None), screen_image(newer_path)

        labels = (self.name_of(older), self.name_of(newer))

        def shown(images: tuple[QImage | None, QImage]) -> None:
            self.session.set_versions(i, *images, labels=labels)

        self.io.submit(load, shown, self._failed)

    def show_version(self, row: JournalRow) -> None:
        """Make current / Undo: that version becomes the photo's result (what Save as writes)."""
        i, photo = self.session.current_index, self.session.current
        if photo is None or not row.result_path or not Path(row.result_path).exists():
            return
        self.session.set_version(i, row)
        self.params_restored.emit(row.params)
        self._show_result(i)  # (showing a version is not a finished run: no run_finished)

    def _failed(self, err: Exception) -> None:
        # Not a Run error: nothing was sent, and nothing about the photo's result changed.
        self.message.emit(
            _("Could not show that version: {error}").format(error=text.error(*message_of(err))), 10000
        )


__all__ = ["HistoryController"]
