"""Run plain Python callables on a dedicated QThread, in order, and hand results back to the GUI thread."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class _CallWorker(QObject):
    """Lives on the background thread; runs one call per queued signal (STYLE.md item 9)."""

    done = Signal(object, object)  # (token, result)
    failed = Signal(object, object)  # (token, exception)

    def __init__(self, take: Callable[[], tuple[object, Callable[[], Any]] | None]) -> None:
        super().__init__()
        self._take = take

    @Slot()
    def run_next(self) -> None:
        job = self._take()  # the job at the head *now*: jobs queued "first" since then overtake older ones
        if job is None:
            return
        token, fn = job
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
    _kick = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: deque[tuple[object, Callable[[], Any]]] = deque()
        self._lock = threading.Lock()
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = _CallWorker(self._take)
        self._worker.moveToThread(self._thread)
        # Queued connection across threads: each kick runs one job on the worker's own thread.
        self._kick.connect(self._worker.run_next)
        self._worker.done.connect(self.done)
        self._worker.failed.connect(self.failed)
        self._thread.start()
        self._stopped = False

    def submit(self, token: object, fn: Callable[[], Any], *, first: bool = False) -> None:
        """Queue `fn` (called with no arguments on the background thread); `first` puts it at the head."""
        if self._stopped:
            return
        with self._lock:
            if first:
                self._jobs.appendleft((token, fn))
            else:
                self._jobs.append((token, fn))
        self._kick.emit()

    def _take(self) -> tuple[object, Callable[[], Any]] | None:
        with self._lock:
            return self._jobs.popleft() if self._jobs and not self._stopped else None

    def is_running(self) -> bool:
        """True while the thread runs."""
        return self._thread.isRunning()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Ask the thread to finish the call in hand and wait for it; True when it stopped in time."""
        self._stopped = True
        with self._lock:
            self._jobs.clear()
        if not self._thread.isRunning():
            return True
        self._thread.quit()
        # Waiting is the point: destroying a running QThread aborts the process (pytest-qt#276).
        return bool(self._thread.wait(timeout_ms))


__all__ = ["BackgroundRunner"]
