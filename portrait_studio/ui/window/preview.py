"""Live local preview: the local engine re-renders a screen-size copy while sliders move.

Requests are debounced and coalesced: while one render runs, only the newest request waits; older ones are
dropped before they start and any stale result that still arrives is ignored (latest wins).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from portrait_studio.core.params import EditParams
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.threads.runner import BackgroundRunner

DEBOUNCE_MS = 15  # one 60 Hz frame: merges the burst of valueChanged of a drag without adding visible lag


class PreviewController(QObject):
    """Owns the preview thread; `set_photo` then `request(params)`; results arrive as `ready`."""

    ready = Signal(object, object, float)  # (photo key, QImage, milliseconds from request to result)
    failed = Signal(object, str)  # (photo key, "message — fix")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = BackgroundRunner("preview", self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._submit)
        self._key: object = None
        self._rgb: Any = None
        self._faces: Any = None
        self._renderer: Any = None  # touched only on the preview thread
        self._renderer_key: object = None
        self._pending: EditParams | None = None
        self._latest = 0  # generation of the newest request; read by the worker to drop stale ones
        self._busy = False
        self._asked_at = 0.0
        self.enabled = True
        self._stopped = False
        self._session: Session | None = None

    def follow(self, session: Session) -> None:
        """Preview the session's current photo once its faces are known; its renders go to the session."""
        self._session = session
        session.current_changed.connect(lambda _i: self._point(session))
        session.photo_changed.connect(lambda i: self._point(session) if i == session.current_index else None)
        self.ready.connect(self._store)

    def _point(self, session: Session) -> None:
        photo = session.current
        if photo is None:
            return
        rgb = photo.screen.preview_rgb
        if rgb is None or photo.faces is None:
            self.set_photo(photo.send_path, None)  # nothing to render until faces are known
            return
        from portrait_studio.core.preflight import scale_faces

        # scale_faces divides by its factor: working-copy pixels per preview pixel.
        faces = scale_faces(photo.faces, photo.display.shape[1] / rgb.shape[1])
        if self.set_photo(photo.send_path, rgb, faces) and photo.result_path is None:
            self.request(photo.params)

    def _store(self, key: object, image: Any, _ms: float) -> None:
        # Previews are per file (`send_path`): a fixed copy gets its own, its faces and framing differ.
        session = self._session
        photo = session.current if session is not None else None
        if session is not None and photo is not None and photo.send_path == key:
            session.set_preview_image(session.current_index, image)

    def set_photo(self, key: object, rgb: Any, faces: Any = None) -> bool:
        """Preview this photo from now on (`rgb`: its preview-size copy; `faces` on it, if already found);
        False when it is the photo already previewed."""
        if key == self._key and rgb is self._rgb:
            return False
        self._key = key
        self._rgb = rgb
        self._faces = faces
        self._latest += 1  # results for the previous photo are now stale
        return True

    def request(self, params: EditParams) -> None:
        """Ask for a render of the current photo with `params` (debounced)."""
        if not self.enabled or self._rgb is None or self._stopped:
            return
        self._pending = params
        self._asked_at = self._asked_at or time.perf_counter()
        self._timer.start()

    def is_busy(self) -> bool:
        """True while a render is running or waiting."""
        return self._busy or self._pending is not None

    def stop(self) -> bool:
        """Stop the timer and the thread (waits for a render in hand)."""
        self._stopped = True  # results still queued for the GUI thread must not start the timer again
        self._timer.stop()
        self._pending = None
        return self._runner.stop()

    # ------------------------------------------------------------------ internals
    def _submit(self) -> None:
        if self._busy or self._pending is None:
            return  # the render in hand will pick up the newest pending params when it finishes
        params, self._pending = self._pending, None
        self._latest += 1
        gen, key, rgb, faces = self._latest, self._key, self._rgb, self._faces
        asked, self._asked_at = self._asked_at, 0.0
        self._busy = True
        self._runner.submit(
            lambda: self._render(gen, key, rgb, faces, params),
            lambda image: self._on_done(gen, key, asked, image),
            lambda err: self._on_failed(key, err),
        )

    def _render(self, gen: int, key: object, rgb: Any, faces: Any, params: EditParams) -> Any:
        """Runs on the preview thread."""
        if gen != self._latest:
            return None  # a newer request exists: skip the work entirely
        from portrait_studio.engine import PreviewRenderer
        from portrait_studio.ui.jobs.imaging import to_qimage

        if self._renderer_key != key:
            # Analyse once per photo; faces found by the loader are reused instead of detected again.
            self._renderer = PreviewRenderer(rgb, faces)
            self._renderer_key = key
        return to_qimage(self._renderer.render(params))

    def _on_done(self, gen: int, key: object, asked: float, image: Any) -> None:
        self._busy = False
        if image is not None and gen == self._latest and key == self._key:
            self.ready.emit(key, image, (time.perf_counter() - asked) * 1000)
        if self._pending is not None:
            self._submit()

    def _on_failed(self, key: object, err: object) -> None:
        self._busy = False
        self.failed.emit(key, str(err))
        if self._pending is not None:
            self._submit()


__all__ = ["DEBOUNCE_MS", "PreviewController"]
