"""The one bridge from a callback made on any thread to a slot run on the GUI thread.

Models outside the ui (Journal, PresetStore, BatchQueue) call their subscribers on whichever thread wrote;
a widget must only be touched on the GUI thread (napari#2598). `Bridge(slot, owner)` gives a thread-safe
`call(*args)` that queues `slot(*args)` onto the owner's thread, and does nothing once the owner is gone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal


class Bridge(QObject):
    """Re-emits `call(*args)` from any thread as a queued call of `slot(*args)` on `owner`'s thread."""

    _queued = Signal(tuple)

    def __init__(self, slot: Callable[..., Any], owner: QObject) -> None:
        super().__init__(owner)  # deleted with its owner: a later call finds no C++ object, dropped
        self._slot = slot
        self._queued.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def call(self, *args: Any) -> None:
        """Thread-safe: run `slot(*args)` on the owner's thread soon (dropped if the owner was deleted)."""
        with contextlib.suppress(RuntimeError):  # "Internal C++ object already deleted"
            self._queued.emit(args)

    def _deliver(self, args: tuple[Any, ...]) -> None:
        self._slot(*args)


__all__ = ["Bridge"]
