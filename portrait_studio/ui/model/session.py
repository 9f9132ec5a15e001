"""The open photos of a session: each keeps its own parameters, result and status (the filmstrip's model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.params import EditParams

# Status badges shown in the filmstrip, in the order a photo usually goes through them.
LOADING, READY, NEEDS_FIX, FAILED, RUNNING, EDITED, SAVED = (
    "loading",
    "ready",
    "needs a face fix",
    "failed",
    "running",
    "edited",
    "saved",
)


@dataclass
class Photo:
    """One open photo: where it is, what was asked for it and what came back."""

    path: Path
    params: EditParams = field(default_factory=EditParams)
    display: Any = None  # screen-size RGB array (numpy), the "before" of the compare view
    source_size: tuple[int, int] | None = None  # (width, height) of the original
    faces: Any = None  # core.faces.FaceResult on `display` coordinates
    report: Any = None  # core.images.PreflightReport
    result_path: Path | None = None  # downloaded result in the cache
    result_display: Any = None  # screen-size RGB of the result
    task_id: str | None = None
    cost: str | None = None
    saved_path: Path | None = None
    error: str | None = None
    running: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def face_count(self) -> int | None:
        """Number of faces found, or None while detection has not finished."""
        return None if self.faces is None else len(self.faces.faces)

    @property
    def status(self) -> str:
        """The badge: loading / ready / needs a face fix / failed / running / edited / saved."""
        if self.running:
            return RUNNING
        if self.saved_path is not None:
            return SAVED
        if self.result_path is not None:
            return EDITED
        if self.error:
            return FAILED
        if self.display is None and self.report is None:
            return LOADING  # (a screen copy evicted to save memory keeps its report: not "loading")
        if self.report is not None and self.report.blocked:
            return NEEDS_FIX
        return READY


class Session(QObject):
    """Ordered open photos and which one is current; views subscribe to its signals."""

    added = Signal(int, int)  # (first index, count)
    changed = Signal(int)  # a photo's state changed
    current_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.photos: list[Photo] = []
        self.current_index = -1
        self.total_cost = 0.0

    @property
    def current(self) -> Photo | None:
        """The photo shown in the window, if any."""
        if 0 <= self.current_index < len(self.photos):
            return self.photos[self.current_index]
        return None

    def index_of(self, path: Path) -> int:
        """Index of an open photo by path, or -1."""
        for i, photo in enumerate(self.photos):
            if photo.path == path:
                return i
        return -1

    def add(self, paths: list[Path], params: EditParams) -> list[int]:
        """Add photos not yet open (each starting from `params`); returns the indexes of the new ones."""
        new = [p for p in dict.fromkeys(paths) if self.index_of(p) < 0]
        start = len(self.photos)
        self.photos.extend(Photo(path=p, params=params) for p in new)
        if new:
            self.added.emit(start, len(new))
        return list(range(start, start + len(new)))

    def set_current(self, index: int) -> None:
        """Make photo `index` current (ignored when out of range or unchanged)."""
        if 0 <= index < len(self.photos) and index != self.current_index:
            self.current_index = index
            self.current_changed.emit(index)

    def step(self, delta: int) -> None:
        """Move to the previous (-1) or next (+1) photo, stopping at the ends."""
        if self.photos:
            self.set_current(max(0, min(len(self.photos) - 1, self.current_index + delta)))

    def touch(self, index: int) -> None:
        """Tell views that photo `index` changed."""
        if 0 <= index < len(self.photos):
            self.changed.emit(index)


__all__ = [
    "EDITED",
    "FAILED",
    "LOADING",
    "NEEDS_FIX",
    "READY",
    "RUNNING",
    "SAVED",
    "Photo",
    "Session",
]
