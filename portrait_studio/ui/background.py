"""Run plain Python callables on a dedicated QThread, in order, and hand results back to the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class _CallWorker(QObject):
    """Lives on the background thread; runs one call per queued signal (STYLE.md item 9)."""

    done = Signal(object, object)  # (token, result)
    failed = Signal(object, object)  # (token, exception)

    @Slot(object, object)
    def run_call(self, token: object, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except Exception as err:  # handed to the GUI thread as a value, never lost
            log.debug("background call %r failed: %s", token, err, exc_info=True)
            self.failed.emit(token, err)
        else:
            self.done.emit(token, result)


class BackgroundRunner(QObject):
    """A named QThread with one worker; `submit(token, fn)` queues fn, results arrive as signals."""

    done = Signal(object, object)
    failed = Signal(object, object)
    _queue = Signal(object, object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = _CallWorker()
        self._worker.moveToThread(self._thread)
        # Queued connections across threads: the worker's slot runs on its own thread.
        self._queue.connect(self._worker.run_call)
        self._worker.done.connect(self.done)
        self._worker.failed.connect(self.failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()
        self._stopped = False

    def submit(self, token: object, fn: Callable[[], Any]) -> None:
        """Queue `fn` (called with no arguments on the background thread)."""
        if not self._stopped:
            self._queue.emit(token, fn)

    def is_running(self) -> bool:
        """True while the thread runs."""
        return self._thread.isRunning()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Ask the thread to finish the call in hand and wait for it; True when it stopped in time."""
        self._stopped = True
        if not self._thread.isRunning():
            return True
        self._thread.quit()
        # Waiting is the point: destroying a running QThread aborts the process (pytest-qt#276).
        return bool(self._thread.wait(timeout_ms))


__all__ = ["BackgroundRunner"]
