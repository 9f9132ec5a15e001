"""The compare view's background work: smooth scaling off the GUI thread, the original's pixels zoomed in."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, QTimer, Signal
from PySide6.QtGui import QImage

from portrait_studio.core.i18n import _
from portrait_studio.ui.model.session import Session
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

    def stop(self) -> None:
        """The window is closing: no detail request starts any more."""
        self._timer.stop()

    def request_detail(self) -> bool:
        """Zoomed in past the working copy's resolution: fetch the original's pixels for the visible part."""
        from portrait_studio.ui.jobs.loader import load_detail

        photo, view = self.session.current, self.view
        before = view.before
        if photo is None or before is None or not photo.source_size or view.scale <= 1.0:
            return False
        if view.one_to_one <= 1.0:
            return False  # nothing sharper to show (small photo, or a fixed copy of another framing)
        r = view.visible_rect()
        rect, key, path, width = (
            (r.x(), r.y(), r.width(), r.height()),
            before.cacheKey(),
            photo.path,
            before.width(),
        )

        def shown(answer: tuple[tuple[float, float, float, float], QImage]) -> None:
            # A detail for another image than the one on screen now is dropped by the view (its cacheKey).
            view.set_detail(key, QRectF(*answer[0]), answer[1])
            self.detail_shown.emit()

        def failed(err: Exception) -> None:  # the working copy stays on screen: nothing is lost
            self.message.emit(_("Could not load full-resolution detail: {error}").format(error=err), 8000)

        self.io.submit(lambda: load_detail(path, rect, width), shown, failed)
        return True

    def _submit_scale(self, key: str, token: object, fn: Callable[[], QImage]) -> None:
        # Skip scales the view no longer wants by the time the thread gets to them (a resize burst).
        wanted, view = self.view.wants_scale, self.view

        def shown(image: QImage | None) -> None:
            if image is not None:
                view.scaled_ready(key, token, image)

        self.scaler.submit(lambda: fn() if wanted(key, token) else None, shown)


__all__ = ["DETAIL_DELAY_MS", "ViewController"]
