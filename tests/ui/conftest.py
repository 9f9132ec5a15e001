"""UI fixtures: fail any test that leaves a QThread or a Python thread running, or a QTimer active.

"QThread: Destroyed while thread is still running" aborts the whole test process (pytest-qt#276), so a
leak must fail the test that caused it, not a random later one. napari's conftest does the same.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThread, QTimer


@pytest.fixture(autouse=True)
def no_dangling_qt(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Record every QThread, Python thread and QTimer started in the test; after teardown none may run."""
    threads: list[weakref.ref[QThread]] = []
    timers: list[weakref.ref[QTimer]] = []
    py_threads: list[threading.Thread] = []
    thread_start = QThread.start
    timer_start = QTimer.start
    py_start = threading.Thread.start

    def track_py_thread(self: threading.Thread) -> None:
        py_threads.append(self)
        py_start(self)

    def track_thread(self: QThread, *args: Any) -> None:
        threads.append(weakref.ref(self))
        thread_start(self, *args)

    def track_timer(self: QTimer, *args: Any) -> None:
        timers.append(weakref.ref(self))
        timer_start(self, *args)

    monkeypatch.setattr(QThread, "start", track_thread)
    monkeypatch.setattr(QTimer, "start", track_timer)
    monkeypatch.setattr(threading.Thread, "start", track_py_thread)
    yield
    # Autouse and requested before qtbot, so this runs after qtbot has closed the test's widgets.
    running = [t.objectName() or repr(t) for t in _alive(threads) if _safe(t.isRunning)]
    active = [repr(t) for t in _alive(timers) if _safe(t.isActive)]
    for thread in _alive(threads):  # stop leaks so the next test is not aborted by them
        if _safe(thread.isRunning):
            thread.quit()
            thread.wait(5000)
    # A thread that is ending (a server's handler, a pool's worker told to stop) gets a moment to finish.
    alive = [t.name for t in py_threads if (t.join(2.0) or t.is_alive())]
    assert not running, f"QThreads still running after the test: {running}"
    assert not alive, f"Python threads still running after the test: {alive}"
    assert not active, f"QTimers still active after the test: {active}"


def _alive(refs: list[weakref.ref[Any]]) -> list[Any]:
    return [obj for obj in (r() for r in refs) if obj is not None]


def _safe(method: Any) -> bool:
    try:
        return bool(method())
    except RuntimeError:  # the C++ object is already deleted: it cannot be running
        return False


@pytest.fixture
def portrait_file(tmp_path: Path) -> Path:
    """The astronaut photo (one frontal face) as a JPEG in its own folder."""
    from tests.photos import astronaut, save

    return save(astronaut(), tmp_path / "in" / "astronaut.jpg", quality=92)


@pytest.fixture
def ui_backend(tmp_path: Path) -> Iterator[Any]:
    """A real LocalGateway with the real local engine, wrapped as the backend session the window uses."""
    from portrait_studio.api.backend import BackendSession
    from portrait_studio.api.client import Client
    from portrait_studio.gateway import LocalGateway

    gateway = LocalGateway(cache_dir=tmp_path / "gateway").start()
    session = BackendSession(Client(gateway.base_url, gateway.token), "local", gateway, gateway.engine_name)
    yield session
    session.close()
