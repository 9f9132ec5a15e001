"""New settings: used at once by the window, by the run thread once no edit (nor batch photo) runs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.settings import Settings
from portrait_studio.ui.jobs.run_job import Executor
from portrait_studio.ui.threads.run_worker import RunThread


class SettingsController(QObject):
    """Holds the window's Settings; hands them to the run thread and the executor when they are idle."""

    changed = Signal(object)  # Settings, as soon as they are chosen

    def __init__(
        self,
        settings: Settings,
        runner: RunThread,
        executor: Executor,
        batch_idle: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.pending: Settings | None = None  # waiting for the Run / the batch's running photos to finish
        self._runner = runner
        self._executor = executor
        self._batch_idle = batch_idle

    def apply(self, settings: Settings) -> None:
        """Use new settings (the backend changes from the next run on)."""
        self.settings = settings
        self.pending = settings
        if not self._runner.busy:
            self.apply_pending()
        self.changed.emit(settings)

    def apply_pending(self) -> None:
        """Hand held-back settings to the run thread, unless it (or the batch, which shares it) is busy."""
        if not self._batch_idle():
            return  # the batch's photos use the Run worker's backend: a new one waits until none will start
        if self.pending is not None and not self._runner.busy:
            pending, self.pending = self.pending, None
            self._runner.set_settings(pending)  # the run thread is idle: no job reads them now
            self._executor.settings = pending


__all__ = ["SettingsController"]
