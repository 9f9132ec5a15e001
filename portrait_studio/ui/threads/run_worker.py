"""The Run worker: a QObject moved to a QThread that submits, polls and downloads through the pipeline.

It never touches a widget (napari#2598): everything goes back to the GUI thread as signals. Cancel sets a
threading.Event that the pipeline checks between polls, so a cancel stops the wait within one poll interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from portrait_studio.core.errors import CancelledError, PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunJob:
    """One edit to run: which photo, with which parameters."""

    key: object
    path: Path
    params: EditParams
    max_cost: Decimal | None = None  # cloud: stop before paying more than this (the user is asked first)


@dataclass(frozen=True)
class RunOutcome:
    """What came back: the downloaded result and what it cost."""

    key: object
    result_path: Path
    task_id: str | None
    cost: str | None
    engine: str
    notes: tuple[str, ...] = ()  # what the engine did that the sliders do not show (EditResult.notes)
    seconds: float = 0.0
    estimate: str | None = None  # the precharge estimate (cloud), for "estimate vs cost"


#: (job, backend session, on_progress(fraction|None, eta_s|None, stage), cancel event) -> RunOutcome
Executor = Callable[
    [RunJob, Any, Callable[[float | None, float | None, str], None], threading.Event], RunOutcome
]


class RunWorker(QObject):
    """Runs one job at a time on its own thread; `cancel()` may be called from the GUI thread."""

    started = Signal(object)  # job key
    progress = Signal(object, float, float, str)  # key, fraction (-1 unknown), ETA seconds (-1), stage
    finished = Signal(object)  # RunOutcome
    failed = Signal(object, object)  # key, PortraitStudioError
    cancelled = Signal(object)  # key
    prepared = Signal(str)  # "" when the backend is ready, else why not (the first Run will say it again)

    def __init__(self, settings: Settings, executor: Executor, backend: Any = None) -> None:
        super().__init__()
        self._settings = settings
        self._executor = executor
        self._backend = backend  # an api.backend session, opened lazily on this thread
        self._owns_backend = backend is None
        self._cancel = threading.Event()
        self._backend_lock = threading.Lock()  # the batch threads share the backend with this worker
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

    @Slot()
    def drop_stale(self) -> None:
        """Close the backend if the settings or API key it was opened with have changed (worker thread)."""
        with self._backend_lock:
            stale = self._take_stale()
        _close(stale)

    @Slot(object)
    def run(self, job: RunJob) -> None:
        """Execute one job (runs on the worker thread)."""
        self._cancel.clear()
        self.started.emit(job.key)
        t0 = time.perf_counter()
        try:
            backend = self._ensure_backend()

            def on_progress(fraction: float | None, eta: float | None, stage: str) -> None:
                if self._cancel.is_set():
                    raise CancelledError("The edit was cancelled.")
                self.progress.emit(
                    job.key, -1.0 if fraction is None else fraction, -1.0 if eta is None else eta, stage
                )

            outcome = self._executor(job, backend, on_progress, self._cancel)
        except CancelledError:
            self.cancelled.emit(job.key)
        except PortraitStudioError as err:
            self.failed.emit(job.key, err)
        except Exception as err:  # a bug must still reach the user as a message, not a dead worker
            log.exception("run failed")
            self.failed.emit(job.key, PortraitStudioError(f"Unexpected error: {err}", None))
        else:
            if self._cancel.is_set():
                self.cancelled.emit(job.key)
            else:
                self.finished.emit(_with_time(outcome, time.perf_counter() - t0))

    @Slot()
    def prepare(self) -> None:
        """Open the backend ahead of the first Run (imports, local gateway start) so Run answers at once."""
        try:
            backend = self._ensure_backend()
            warm = getattr(backend, "warm", None)
            if warm is not None:
                # Wait (on this thread, not the GUI's): "prepared" then means the workers have loaded, so
                # their start-up CPU does not land on the user's first photo open.
                warm(wait=True)
        except Exception as err:  # e.g. cloud without a key: reported properly when the user presses Run
            self.prepared.emit(str(err) or type(err).__name__)
        else:
            self.prepared.emit("")

    def shutdown(self) -> None:
        """Close the backend (stops the in-process local gateway); call only when no job runs."""
        self._close_backend()

    def backend(self) -> Any:
        """The open backend session, opened on first use (thread-safe)."""
        return self._ensure_backend()

    def _ensure_backend(self) -> Any:
        with self._backend_lock:
            _close(self._take_stale())  # in case a batch photo asks before drop_stale has run
            if self._backend is None:
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

    def _close_backend(self) -> None:
        with self._backend_lock:
            backend = self._backend if self._owns_backend else None
            if backend is not None:
                self._backend = None
        _close(backend)


def _close(backend: Any) -> None:
    close = getattr(backend, "close", None) if backend is not None else None
    if close is not None:
        close()


def _with_time(outcome: RunOutcome, seconds: float) -> RunOutcome:
    import dataclasses

    return dataclasses.replace(outcome, seconds=seconds)


class RunThread(QObject):
    """Owns the QThread and the RunWorker moved to it; `submit`, `cancel`, `stop`."""

    _run = Signal(object)
    _prepare = Signal()
    _check = Signal()

    def __init__(
        self, settings: Settings, executor: Executor, backend: Any = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("run-worker")
        self.worker = RunWorker(settings, executor, backend)
        self.worker.moveToThread(self.thread)
        self._run.connect(self.worker.run)
        self._prepare.connect(self.worker.prepare)
        self._check.connect(self.worker.drop_stale)
        self.busy = False
        self.worker.started.connect(lambda _k: setattr(self, "busy", True))
        for sig in (self.worker.finished, self.worker.failed, self.worker.cancelled):
            sig.connect(lambda *_a: setattr(self, "busy", False))
        self.thread.start()

    def prepare(self) -> None:
        """Open the backend on the worker thread now (answers with `worker.prepared`)."""
        self._prepare.emit()

    def set_settings(self, settings: Settings) -> None:
        """Use new settings from the next job on (call while no job runs); a backend they no longer fit is
        closed on the worker thread."""
        self.worker.set_settings(settings)
        self._check.emit()

    def submit(self, job: RunJob) -> None:
        """Queue a job on the worker thread."""
        self.busy = True
        self._run.emit(job)

    def cancel(self) -> None:
        """Cancel the job in hand."""
        self.worker.cancel()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Cancel, quit and wait (never leave a QThread running), then close the backend."""
        stopped = True
        if self.thread.isRunning():
            self.worker.cancel()
            self.thread.quit()
            stopped = bool(self.thread.wait(timeout_ms))
        if stopped:
            self.worker.shutdown()  # the thread is gone: closing here cannot race with a job
        return stopped


__all__ = ["Executor", "RunJob", "RunOutcome", "RunThread", "RunWorker"]
