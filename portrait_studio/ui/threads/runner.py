"""Run plain Python callables on a dedicated QThread, in order, and hand results back to the GUI thread.

The one way the ui runs work off the GUI thread: `submit(fn, done=..., failed=...)` queues `fn`; its result
(or exception) comes back to `done` (or `failed`) on the GUI thread. Every runner's thread is stopped and
joined by `stop()`; the owner calls it at shutdown (destroying a running QThread aborts the process).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[Exception], None]


class _CallWorker(QObject):
    """Lives on the background thread; runs one call per queued signal."""

    done = Signal(int, object)  # (job id, result)
    failed = Signal(int, object)  # (job id, exception)

    def __init__(self, name: str, take: Callable[[], tuple[int, Callable[[], Any]] | None]) -> None:
        super().__init__()
        self._name = name
        self._take = take

    @Slot()
    def run_next(self) -> None:
        job = self._take()  # the job at the head *now*: jobs queued "first" since then overtake older ones
        if job is None:
            return
        job_id, fn = job
        threading.current_thread().name = self._name  # Python's name for the QThread (logs, profilers)
        try:
            result = fn()
        except Exception as err:  # handed to the GUI thread as a value, never lost
            log.debug("background call %s failed: %s", getattr(fn, "__name__", fn), err, exc_info=True)
            self.failed.emit(job_id, err)
        else:
            self.done.emit(job_id, result)


class BackgroundRunner(QObject):
    """A named QThread with one worker, started on the first `submit`; callbacks run on the GUI thread."""

    _kick = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._jobs: deque[tuple[int, Callable[[], Any]]] = deque()
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: QThread | None = None  # started on first use: a window has several runners
        self._worker: _CallWorker | None = None
        self._stopped = False

    def submit(
        self,
        fn: Callable[[], Any],
        done: Done | None = None,
        failed: Failed | None = None,
        *,
        first: bool = False,
    ) -> None:
        """Queue `fn` (called with no arguments on the background thread); `first` puts it at the head.

        `done(result)` / `failed(exception)` are called on the GUI thread; neither is called once the runner
        has been stopped (a result still on its way when the window closed)."""
        if self._stopped:
            return
        self._start()
        job_id = next(self._ids)
        with self._lock:
            self._callbacks[job_id] = (done, failed)
            if first:
                self._jobs.appendleft((job_id, fn))
            else:
                self._jobs.append((job_id, fn))
        self._kick.emit()

    def _start(self) -> None:
        if self._thread is not None:
            return
        self._thread = QThread()
        self._thread.setObjectName(self._name)
        self._worker = _CallWorker(self._name, self._take)
        self._worker.moveToThread(self._thread)
        # Queued connections across threads: each kick runs one job on the worker's own thread, and its
        # answer is delivered through the GUI thread's event loop.
        self._kick.connect(self._worker.run_next)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()

    def _take(self) -> tuple[int, Callable[[], Any]] | None:
        with self._lock:
            return self._jobs.popleft() if self._jobs and not self._stopped else None

    def _pop(self, job_id: int) -> tuple[Done | None, Failed | None]:
        with self._lock:
            return self._callbacks.pop(job_id, (None, None))

    @Slot(int, object)
    def _on_done(self, job_id: int, result: object) -> None:
        done, _failed = self._pop(job_id)
        if done is not None and not self._stopped:
            done(result)

    @Slot(int, object)
    def _on_failed(self, job_id: int, err: Exception) -> None:
        _done, failed = self._pop(job_id)
        if self._stopped:
            return
        if failed is not None:
            failed(err)
        else:
            log.warning("%s: a background call failed: %s", self._name, err)

    def is_running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.isRunning()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Drop what is queued, let the call in hand finish and wait for the thread; True when it stopped."""
        self._stopped = True
        with self._lock:
            self._jobs.clear()
            self._callbacks.clear()
        if self._thread is None or not self._thread.isRunning():
            return True
        self._thread.quit()
        # Waiting is the point: destroying a running QThread aborts the process (pytest-qt#276).
        return bool(self._thread.wait(timeout_ms))


__all__ = ["BackgroundRunner", "Done", "Failed"]
