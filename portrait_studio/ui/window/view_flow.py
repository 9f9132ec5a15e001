"""The compare view's background work: smooth scaling off the GUI thread, the original's pixels zoomed in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRectF, QTimer, Signal
from PySide6.QtGui import QImage

from portrait_studio.core.i18n import _
from portrait_studio.ui.model.session import AfterPane, Session
from portrait_studio.ui.panels.compare_view import CompareView
from portrait_studio.ui.threads.runner import BackgroundRunner

DETAIL_DELAY_MS = 120  # wait for zoom/pan to pause before decoding full-resolution detail


class ViewController(QObject):
    """Feeds a CompareView: scaled copies from the scaler thread, the original's pixels from the io thread."""

    detail_shown = Signal()  # full-resolution pixels drawn over the zoomed-in view
    message = Signal(str, int)  # status bar text, milliseconds

    def __init__(
        self,
        view: CompareView,
        session: Session,
        scaler: BackgroundRunner,
        io: BackgroundRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.session = session
        self.scaler = scaler
        self.io = io
        view.set_scaler(self._submit_scale)
        self._timer = QTimer(self)  # full-resolution detail once zooming/panning pauses
        self._timer.setSingleShot(True)
        self._timer.setInterval(DETAIL_DELAY_MS)
        self._timer.timeout.connect(self.request_detail)
        view.view_moved.connect(self._timer.start)
        # A result that arrives while zoomed in gets its own pixels too, not only the original.
        session.photo_changed.connect(lambda i: self._zoomed_change(i))

    def _zoomed_change(self, i: int) -> None:
        if i == self.session.current_index and not self.view.fit and self.view.scale > 1.0:
            self._timer.start()

    def stop(self) -> None:
        """The window is closing: no detail request starts any more."""
        self._timer.stop()

    def request_detail(self) -> bool:
        """Zoomed in past the working copy's resolution: fetch the file's own pixels for the visible part, of
        the original and of a full-size result alike (the same rect of both: the two sides stay aligned)."""

        photo, view = self.session.current, self.view
        before = view.before
        if photo is None or before is None or not photo.source_size or view.scale <= 1.0:
            return False
        if view.before_one_to_one <= 1.0:
            return False  # nothing sharper to show (small photo, or a fixed copy of another framing)
        r = view.visible_rect()
        rect, width = (r.x(), r.y(), r.width(), r.height()), before.width()
        sources: list[tuple[Path, Callable[[int, QRectF, QImage], None], int]] = [
            (photo.path, view.set_detail, before.cacheKey())
        ]
        shown, after = photo.screen.result, view.after
        if (
            photo.after is AfterPane.RESULT
            and shown is not None
            and after is not None
            and photo.result_path is not None
            and shown.pixels == tuple(photo.source_size)  # the original's frame: the same rect is its pixels
        ):
            sources.append((photo.result_path, view.set_after_detail, after.cacheKey()))
        for path, put, key in sources:
            self._fetch(path, rect, width, put, key)
        return True

    def _fetch(
        self,
        path: Path,
        rect: tuple[float, float, float, float],
        width: int,
        put: Callable[[int, QRectF, QImage], None],
        key: int,
    ) -> None:
        from portrait_studio.ui.jobs.loader import load_detail

        def shown(answer: tuple[tuple[float, float, float, float], QImage]) -> None:
            # A detail for another image than the one on screen now is dropped by the view (its cacheKey).
            put(key, QRectF(*answer[0]), answer[1])
            self.detail_shown.emit()

        def failed(err: Exception) -> None:  # the working copy stays on screen: nothing is lost
            self.message.emit(_("Could not load full-resolution detail: {error}").format(error=err), 8000)

        self.io.submit(lambda: load_detail(path, rect, width), shown, failed)

    def _submit_scale(self, key: str, token: object, fn: Callable[[], QImage]) -> None:
        # Skip scales the view no longer wants by the time the thread gets to them (a resize burst).
        wanted, view = self.view.wants_scale, self.view

        def shown(image: QImage | None) -> None:
            if image is not None:
                view.scaled_ready(key, token, image)

        self.scaler.submit(lambda: fn() if wanted(key, token) else None, shown)


__all__ = ["DETAIL_DELAY_MS", "ViewController"]
