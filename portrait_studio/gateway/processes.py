"""ProcessEngine: the engine runs in worker processes, one task per process at a time.

Why processes and not the gateway's threads: the retouch engine is numpy/OpenCV with a fair amount of Python
in between, so two tasks in two threads of one interpreter fight over its lock, and OpenCV's own thread pool
in each oversubscribes the cores. Measured on 50 portraits (bench/batch.py, 2 cores): threads gave a batch
no faster than the engine alone one photo after another. Worker processes with single-threaded OpenCV each
keep one core busy, and the GUI process, which hosts the gateway, keeps its interpreter to itself.

Workers are spawned, never forked (the parent has Qt, HTTP and timer threads), lazily on first use or all
at once by `warm()`, and live until `close()`. A worker that dies mid-task (killed, out of memory) fails that
task with a plain message and is replaced on the next task.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from portrait_studio.core import memory
from portrait_studio.core.errors import CODE_INTERNAL, PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.gateway.engine import Engine, ProgressFn, TrivialEngine

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("spawn")
IDLE_TRIM_SECONDS = 2.0  # a worker idle this long returns the memory it kept (worker_setup)
_DIED = (
    "The local engine's worker process stopped unexpectedly while retouching this photo.",
    "Run the photo again. If it keeps happening, the photo may be too large for the memory available; "
    "downscale it first (the pre-flight check offers this).",
)


def default_workers() -> int:
    """One worker per core, at least 2 (a task never waits behind a single long one), at most 8."""
    return max(2, min(8, os.cpu_count() or 2))


def worker_setup() -> Any:
    """How a worker process runs the engine: single-threaded OpenCV, and freed memory kept for the next photo.

    One task per process: OpenCV's own pool (and LiteRT's, for the face models) would only oversubscribe the
    cores. And by default glibc hands freed heap memory back to the kernel as soon as more than ~2× the
    latest large block is free, so every photo page-faulted its arrays in again: ~10,000 page faults per
    512 px photo, which with two workers faulting at once cost 10–25 % more CPU than one engine alone
    (bench/batch.py). Keeping up to 1 GiB free (M_TRIM_THRESHOLD) and taking blocks up to 32 MiB (glibc's
    maximum) from the heap brings that to ~900. A worker left idle gives the memory back (`_serve`).
    bench/batch.py measures its baseline this way too; `check`'s pool workers run this way as well.
    Returns glibc (for that) or None.
    """
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    from portrait_studio.core.faces import set_threads

    set_threads(1)  # the face models' forwards too (they take every core by default)
    libc = memory.glibc()
    if libc is not None:
        libc.mallopt(memory.M_TRIM_THRESHOLD, 1 << 30)
        libc.mallopt(memory.M_MMAP_THRESHOLD, 32 << 20)
    return libc


def _serve(conn: Connection, factory: Callable[[], Engine]) -> None:
    """A worker's main loop: (image, params) in; progress messages, then the result or the error out."""
    # Ctrl+C in a terminal reaches the whole process group: the parent decides what stops (and ends its
    # workers by closing their pipes); a worker that died of it would print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc = worker_setup()
    engine = factory()
    conn.send(("ready",))
    while True:
        try:
            if libc is not None and not conn.poll(IDLE_TRIM_SECONDS):
                libc.malloc_trim(0)  # nothing to do for a while: give the kept memory back
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone or closed the pipe
        if job is None:
            return
        image, params = job
        try:
            result = engine.run(image, params, lambda p: conn.send(("progress", float(p))))
        except PortraitStudioError as err:
            conn.send(("error", err.message, err.fix, err.code))
        except Exception as err:  # the engine's bug fails the task; the worker goes on
            # Only the type reaches the task (as TaskRunner does for an in-process engine); the rest is logged
            conn.send(("crash", type(err).__name__, traceback.format_exc()))
        else:
            conn.send(("done", result))


class _Worker:
    def __init__(self, factory: Callable[[], Engine], number: int) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_serve, args=(child, factory), name=f"portrait-engine-{number}", daemon=True
        )
        self.process.start()
        child.close()  # only the worker holds its end now: its death shows here as EOFError
        self.ready = False

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the worker has built its engine (its first message)."""
        if not self.ready and self.conn.poll(timeout):
            self.ready = self.conn.recv() == ("ready",)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)  # a polite stop; a busy or dead worker is terminated below
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=2)
        self.conn.close()


class ProcessEngine:
    """An `Engine` whose `run` happens in a pool of worker processes built by `factory` (picklable)."""

    def __init__(self, factory: Callable[[], Engine], workers: int | None = None) -> None:
        self.factory = factory
        self.workers = workers or default_workers()
        self.name = str(getattr(factory, "name", getattr(factory, "__name__", "engine")))
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._spawned = 0
        self._closed = False

    def warm(self, *, wait: bool = False) -> None:
        """Start every worker now (the first tasks would wait ~0.6 s for one); `wait` until all are ready."""
        new = []
        while (worker := self._spawn()) is not None:
            new.append(worker)
        for worker in new:
            try:
                if wait:
                    worker.wait_ready()
            except (EOFError, OSError):
                # It died starting (its engine could not be built): retired, so the next task starts another
                # and fails plainly if that dies too, instead of waiting for a worker that never comes.
                log.error("engine worker %s died while starting", worker.process.name)
                self._retire(worker)
                continue
            self._idle.put(worker)

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (diagnostics, and bench/batch.py's CPU accounting)."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def run(self, image_bytes: bytes, params: EditParams, progress: ProgressFn) -> bytes:
        """Run the task in a free worker; the worker's PortraitStudioError is raised here with its code."""
        with self._slots:
            worker = self._take()
            outcome: bytes | PortraitStudioError | None = None
            try:
                outcome = self._exchange(worker, image_bytes, params, progress)
            finally:
                if outcome is not None and not self._closed:
                    self._idle.put(worker)  # it answered, so it is fit for the next task
                else:
                    self._retire(worker)
        if isinstance(outcome, PortraitStudioError):
            raise outcome
        return outcome

    def close(self) -> None:
        """Stop every worker (a running task ends as failed)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        while not self._idle.empty():
            self._idle.get_nowait()
        for worker in workers:
            worker.stop()

    # ------------------------------------------------------------------ internals
    def _spawn(self) -> _Worker | None:
        """A new worker, or None when there are already `workers` of them."""
        with self._lock:
            if self._closed:
                raise PortraitStudioError("The local engine has been shut down.", code=CODE_INTERNAL)
            if len(self._all) >= self.workers:
                return None
            self._spawned += 1
            worker = _Worker(self.factory, self._spawned)
            self._all.add(worker)
        return worker

    def _take(self) -> _Worker:
        while True:
            if self._closed:
                raise PortraitStudioError("The local engine has been shut down.", code=CODE_INTERNAL)
            worker: _Worker | None
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                # None: all workers exist and, by the semaphore, one is on its way back to the idle queue
                # (warm()); look again now and then in case it was retired or the engine closed meanwhile.
                worker = self._spawn()
                if worker is None:
                    try:
                        worker = self._idle.get(timeout=0.5)
                    except queue.Empty:
                        continue
            if worker.process.exitcode is None:
                return worker
            # Killed while idle (e.g. out of memory): not this photo's fault, so it goes to a new worker.
            name, code = worker.process.name, worker.process.exitcode
            log.warning("engine worker %s died while idle (exit code %s)", name, code)
            self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    @staticmethod
    def _exchange(
        worker: _Worker, image: bytes, params: EditParams, progress: ProgressFn
    ) -> bytes | PortraitStudioError:
        """The result or the task's error; raises only when the worker died."""
        try:
            worker.conn.send((image, params))
            while True:
                message: tuple[Any, ...] = worker.conn.recv()
                kind = message[0]
                if kind == "ready":
                    worker.ready = True
                elif kind == "progress":
                    progress(message[1])
                elif kind == "done":
                    return bytes(message[1])
                elif kind == "error":
                    return PortraitStudioError(message[1], message[2], code=message[3] or CODE_INTERNAL)
                else:
                    log.error("the engine failed in its worker process:\n%s", message[2])
                    # A bug, not the photo: the default fix (try again, report it), not the memory advice.
                    what = f"internal generation error ({message[1]})"
                    return PortraitStudioError(what, code=CODE_INTERNAL)
        except (EOFError, OSError) as err:
            log.error("engine worker %s died (exit code %s)", worker.process.name, worker.process.exitcode)
            raise PortraitStudioError(*_DIED, code=CODE_INTERNAL) from err


def default_engine(workers: int | None = None) -> Engine:
    """The local engine in `workers` worker processes; else (no engine importable) the trivial one."""
    try:
        from portrait_studio.engine import LocalEngine
    except ImportError:
        return TrivialEngine()
    return ProcessEngine(LocalEngine, workers)


__all__ = ["ProcessEngine", "default_engine", "default_workers", "worker_setup"]
