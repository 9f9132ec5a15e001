"""The Run thread: one edit at a time through the executor, on a BackgroundRunner of its own.

`RunWorker` holds what the runs share (the settings, the open backend session, the cancel event) and is only
called on the run thread, except `cancel()` and `backend()` (thread-safe). `RunThread` queues work on that
thread and turns its answers into signals on the GUI thread; progress goes through the Bridge. Nothing
here touches a widget (napari#2598). Cancel sets a threading.Event that the pipeline checks between polls,
so a cancel stops the wait within one poll interval.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.errors import CancelledError, PortraitStudioError
from portrait_studio.core.i18n import _
from portrait_studio.core.settings import Settings
from portrait_studio.ui.jobs.run_job import Executor, RunJob, RunOutcome
from portrait_studio.ui.threads.bridge import Bridge
from portrait_studio.ui.threads.runner import BackgroundRunner

log = logging.getLogger(__name__)


class RunWorker:
    """The runs' shared state; `run`, `prepare` and `drop_stale` are called on the run thread."""

    def __init__(self, settings: Settings, executor: Executor, backend: Any = None) -> None:
        self._settings = settings
        self._executor = executor
        self._backend = backend  # an api.backend session, opened lazily on the run thread
        self._owns_backend = backend is None
        self._cancel = threading.Event()
        self._backend_lock = threading.Lock()  # the batch threads share the backend with this worker
        self._shut = False  # after shutdown() nothing opens a backend again (nobody would close it)
        self._recheck = False  # new settings came: does the open backend still fit them?

    def cancel(self) -> None:
        """Stop the job in hand as soon as possible (thread-safe)."""
        self._cancel.set()

    def set_settings(self, settings: Settings) -> None:
        """Use new settings from the next job on; call only while no job (nor batch photo) runs.

        Whether the open backend still fits them (`api.backend.session_identity`: the backend, the cloud's
        URL and API key) is checked later, off the GUI thread (`drop_stale`, queued by RunThread): closing the
        local gateway stops its engine's workers, which takes 0.1–0.15 s.
        """
        self._settings = settings
        self._recheck = True

    def drop_stale(self) -> None:
        """Close the backend if the settings or API key it was opened with have changed (run thread)."""
        with self._backend_lock:
            stale = self._take_stale()
        _close(stale)

    def run(self, job: RunJob, on_progress: Any) -> RunOutcome:
        """Execute one job (run thread); raises CancelledError when cancelled, the app's errors on failure."""
        self._cancel.clear()
        t0 = time.perf_counter()
        backend = self._ensure_backend()

        def progress(fraction: float | None, eta: float | None, stage: str) -> None:
            if self._cancel.is_set():
                raise CancelledError(_("The edit was cancelled."))
            on_progress(job.key, -1.0 if fraction is None else fraction, -1.0 if eta is None else eta, stage)

        try:
            outcome = self._executor(job, backend, progress, self._cancel)
        except (CancelledError, PortraitStudioError):
            raise
        except Exception as err:  # a bug must still reach the user as a message, not a dead worker
            log.exception("run failed")
            raise PortraitStudioError(_("Unexpected error: {error}").format(error=err), None) from err
        if self._cancel.is_set():
            raise CancelledError(_("The edit was cancelled."))
        return dataclasses.replace(outcome, seconds=time.perf_counter() - t0)

    def prepare(self) -> str:
        """Open the backend ahead of the first Run (imports, local gateway start); "" or why it could not."""
        try:
            backend = self._ensure_backend()
            warm = getattr(backend, "warm", None)  # (a test's backend may have none)
            if warm is not None:
                # Wait (on this thread, not the GUI's): "prepared" then means the workers have loaded, so
                # their start-up CPU does not land on the user's first photo open.
                warm(wait=True)
        except Exception as err:  # e.g. cloud without a key: reported properly when the user presses Run
            return str(err) or type(err).__name__
        return ""

    def shutdown(self) -> None:
        """Close the backend (stops the in-process local gateway); call only when no job runs."""
        with self._backend_lock:
            self._shut = True
            backend = self._backend if self._owns_backend else None
            if backend is not None:
                self._backend = None
        _close(backend)

    def backend(self) -> Any:
        """The open backend session, opened on first use (thread-safe)."""
        return self._ensure_backend()

    def _ensure_backend(self) -> Any:
        with self._backend_lock:
            _close(self._take_stale())  # in case a batch photo asks before drop_stale has run
            if self._backend is None:
                if self._shut:  # a batch or panel thread asking while the window closes
                    raise CancelledError(_("The window is closing."))
                from portrait_studio.api.backend import open_backend

                self._backend = open_backend(self._settings)
            return self._backend

    def _take_stale(self) -> Any:
        """Detach and return the open backend when new settings no longer fit it (hold the lock)."""
        if not self._recheck:
            return None
        self._recheck = False
        backend = self._backend
        if backend is None or not self._owns_backend:
            return None
        from portrait_studio.api.backend import session_identity

        if getattr(backend, "opened_with", None) == session_identity(self._settings):
            return None
        self._backend = None
        return backend


def _close(backend: Any) -> None:
    close = getattr(backend, "close", None) if backend is not None else None
    if close is not None:
        close()


class RunThread(QObject):
    """Queues runs on the run thread; `submit`, `cancel`, `stop`; answers arrive as signals."""

    progress = Signal(object, float, float, str)  # key, fraction (-1 unknown), ETA seconds (-1), stage
    finished = Signal(object)  # RunOutcome
    failed = Signal(object, object)  # key, PortraitStudioError
    cancelled = Signal(object)  # key
    prepared = Signal(str)  # "" when the backend is ready, else why not (the first Run will say it again)

    def __init__(
        self, settings: Settings, executor: Executor, backend: Any = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.worker = RunWorker(settings, executor, backend)
        self._runner = BackgroundRunner("run-worker", self)
        self._progress = Bridge(self.progress.emit, self)
        self.busy = False

    def prepare(self) -> None:
        """Open the backend on the run thread now (answers with `prepared`)."""
        self._runner.submit(self.worker.prepare, self.prepared.emit)

    def set_settings(self, settings: Settings) -> None:
        """Use new settings from the next job on (call while no job runs); a backend they no longer fit is
        closed on the run thread."""
        self.worker.set_settings(settings)
        self._runner.submit(self.worker.drop_stale)

    def submit(self, job: RunJob) -> None:
        """Queue a job on the run thread."""
        self.busy = True
        worker, progress = self.worker, self._progress.call
        self._runner.submit(
            lambda: worker.run(job, progress), self._finished, lambda err: self._failed(job, err)
        )

    def _finished(self, outcome: RunOutcome) -> None:
        self.busy = False
        self.finished.emit(outcome)

    def _failed(self, job: RunJob, err: Exception) -> None:
        self.busy = False
        if isinstance(err, CancelledError):
            self.cancelled.emit(job.key)
        else:
            self.failed.emit(job.key, err)

    def cancel(self) -> None:
        """Cancel the job in hand."""
        self.worker.cancel()

    def is_running(self) -> bool:
        """True while the run thread runs."""
        return self._runner.is_running()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Cancel, stop and join the run thread (never leave a QThread running), then close the backend."""
        self.worker.cancel()
        stopped = self._runner.stop(timeout_ms)
        if stopped:
            self.worker.shutdown()  # the thread is gone: closing here cannot race with a job
        return stopped


__all__ = ["RunThread", "RunWorker"]
