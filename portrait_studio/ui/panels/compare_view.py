"""Before/after view: split with a draggable divider, side by side, or toggle (hold Space); synced zoom."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from portrait_studio.core.i18n import N_, _
from portrait_studio.ui import text as words
from portrait_studio.ui.model.session import AfterPane, Session

SPLIT, SIDE, TOGGLE = "split", "side", "toggle"
MODES = (SPLIT, SIDE, TOGGLE)
CANVAS = QColor(38, 38, 40)  # neutral grey: colour judgement needs a neutral surround (as in Lightroom)
GRAB_PX = 8  # how near the divider a press grabs it
ZOOM_MIN, ZOOM_MAX = 0.02, 16.0


class CompareView(QWidget):
    """Paints the before image and the after image in one shared image coordinate system."""

    zoom_changed = Signal(float)  # displayed scale (1.0 = 100 % of the shown image)
    divider_moved = Signal(float)
    view_moved = Signal()  # zoom or pan changed (the window fetches full-resolution detail when zoomed in)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compare-view")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.before: QImage | None = None
        self.after: QImage | None = None
        self.after_label = N_("After")
        self.before_label = N_("Before")  # ("Original" / "v1" when History versions are compared)
        self.placeholder = N_("Open a portrait to begin\nCtrl+O, or drop photos or a folder here")
        self.mode = SPLIT
        self.divider = 0.5
        self.showing_before = False
        self.face_boxes: list[tuple[float, float, float, float]] = []
        self.show_faces = True
        self.fit = True
        self.scale = 1.0
        self.before_one_to_one = 1.0  # view scale at which one screen pixel shows one pixel of the original
        self.after_pixels: int | None = None  # the after image's own width when it is a result file
        self.offset = QPointF(0, 0)  # widget position of image pixel (0, 0) inside a viewport
        self._drag: str | None = None
        self._last = QPointF()
        self._cache: dict[str, tuple[tuple[int, int, int], QImage]] = {}
        self._pending: dict[str, tuple[int, int, int]] = {}
        self._scaler: Callable[[str, object, Callable[[], QImage]], None] | None = None
        # Full-resolution pixels of the visible part of the before image: (before's cacheKey, rect in
        # before-image pixels, image); drawn over the working copy when zoomed in past its resolution.
        self._detail: tuple[int, QRectF, QImage] | None = None
        self._after_detail: tuple[int, QRectF, QImage] | None = None  # the same for a full-size result

    @property
    def one_to_one(self) -> float:
        """The view scale of 1:1: one screen pixel per pixel of the result when one is shown (a model-size
        result's own pixels, not 100 % of the original), else per pixel of the original."""
        if self.after is not None and self.after_pixels:
            frame = self._frame(self.after)
            return self.after_pixels / frame.width() if frame.width() > 0 else self.before_one_to_one
        return self.before_one_to_one

    @one_to_one.setter
    def one_to_one(self, scale: float) -> None:
        self.before_one_to_one = scale

    # ------------------------------------------------------------------ public API
    def set_before(self, image: QImage | None, *, keep_view: bool = False) -> None:
        """Show a new photo (resets to fit unless `keep_view`)."""
        self.before = image
        self._detail = None
        self._cache.pop("before", None)
        if not keep_view:
            self.fit = True
        self._relayout()

    def set_after(self, image: QImage | None, label: str = N_("After"), pixels: int | None = None) -> None:
        """Show the after image (local preview or result), labelled; `pixels`: a result file's own width
        (1:1 then shows its pixels), None for a preview (drawn in the original's frame)."""
        self.after = image
        self.after_label = label
        self.after_pixels = pixels
        self._after_detail = None
        self._cache.pop("after", None)
        self.zoom_changed.emit(self.scale)  # (the percentage of a new 1:1 changes)
        self.update()

    def set_mode(self, mode: str) -> None:
        """split / side / toggle."""
        if mode not in MODES:
            raise ValueError(f"unknown compare mode {mode!r}")
        self.mode = mode
        self._relayout()

    def set_divider(self, fraction: float) -> None:
        """Put the split divider at `fraction` of the width (0..1)."""
        self.divider = min(1.0, max(0.0, fraction))
        self.divider_moved.emit(self.divider)
        self.update()

    def set_faces(self, boxes: list[tuple[float, float, float, float]]) -> None:
        """Face boxes (x, y, w, h) in the before image's pixels."""
        self.face_boxes = list(boxes)
        self.update()

    def set_show_faces(self, show: bool) -> None:
        """Draw the face boxes or not."""
        self.show_faces = show
        self.update()

    def set_show_before(self, show: bool) -> None:
        """Hold-to-see-before (Space in toggle mode, and in the other modes too)."""
        if show != self.showing_before:
            self.showing_before = show
            self.update()

    def zoom_fit(self) -> None:
        """Fit the whole photo in the view."""
        self.fit = True
        self._relayout()

    def zoom_to(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom to `scale` keeping the image point under `anchor` (default: viewport centre) in place."""
        vp = self._viewport()
        anchor = anchor if anchor is not None else vp.center()
        local = anchor - vp.topLeft()
        scale = min(ZOOM_MAX, max(ZOOM_MIN, scale))
        img_pt = (local - self.offset) / self.scale
        self.fit = False
        self.scale = scale
        self.offset = local - img_pt * scale
        self._clamp()
        self.zoom_changed.emit(self.scale)
        self.view_moved.emit()
        self.update()

    def image_to_widget(self, x: float, y: float, right: bool = False) -> QPointF:
        """Where image pixel (x, y) lands in widget coordinates (`right`: the after pane of side mode)."""
        vp = self._viewport(right)
        return vp.topLeft() + self.offset + QPointF(x, y) * self.scale

    def sizeHint(self) -> QSize:
        return QSize(900, 650)

    # ------------------------------------------------------------------ geometry
    def _viewport(self, right: bool = False) -> QRectF:
        w, h = float(self.width()), float(self.height())
        if self.mode == SIDE:
            half = w / 2
            return QRectF(half if right else 0.0, 0.0, half, h)
        return QRectF(0.0, 0.0, w, h)

    def _image_size(self) -> tuple[int, int]:
        img = self.before or self.after
        return (img.width(), img.height()) if img is not None else (1, 1)

    def _relayout(self) -> None:
        if self.fit:
            vp = self._viewport()
            iw, ih = self._image_size()
            margin = 24.0
            self.scale = max(ZOOM_MIN, min((vp.width() - margin) / iw, (vp.height() - margin) / ih))
            self.offset = QPointF((vp.width() - iw * self.scale) / 2, (vp.height() - ih * self.scale) / 2)
            self.zoom_changed.emit(self.scale)
        self.update()

    def _clamp(self) -> None:
        # Keep at least a quarter of the viewport covered so the photo cannot be panned out of sight.
        vp = self._viewport()
        iw, ih = self._image_size()
        w, h = iw * self.scale, ih * self.scale
        x = min(vp.width() * 0.75, max(vp.width() * 0.25 - w, self.offset.x()))
        y = min(vp.height() * 0.75, max(vp.height() * 0.25 - h, self.offset.y()))
        self.offset = QPointF(x, y)

    def _frame(self, image: QImage) -> QRectF:
        """Where `image` sits in the before image's pixel frame (a result of another shape is fitted in)."""
        iw, ih = self._image_size()
        if image.width() * ih == image.height() * iw or abs(image.width() / image.height() - iw / ih) < 0.01:
            return QRectF(0, 0, iw, ih)
        k = min(iw / image.width(), ih / image.height())
        w, h = image.width() * k, image.height() * k
        return QRectF((iw - w) / 2, (ih - h) / 2, w, h)

    def _scaled(self, key: str, image: QImage, size: tuple[int, int]) -> QImage | None:
        """`image` smoothly scaled to `size` when it is a downscale and ready; None: draw the original.

        The smooth scale of a 1920 px photo takes tens of ms, so with a scaler it is made on a worker thread
        and the view repaints when it arrives; meanwhile the original is drawn with a fast filter.
        """
        if size[0] >= image.width() or size[0] < 1 or size[1] < 1:
            return None  # magnifying: drawn directly (pixels shown as they are)
        want = (size[0], size[1], image.cacheKey())
        hit = self._cache.get(key)
        if hit is not None and hit[0] == want:
            return hit[1]
        if self._scaler is None:
            self._cache[key] = (want, _smooth(image, size))
            return self._cache[key][1]
        if self._pending.get(key) != want:
            self._pending[key] = want
            self._scaler(key, want, functools.partial(_smooth, image, size))
        return None

    def set_scaler(self, submit: Callable[[str, object, Callable[[], QImage]], None] | None) -> None:
        """Scale off the GUI thread: `submit(key, token, fn)`, then call `scaled_ready` with the result."""
        self._scaler = submit

    def visible_rect(self) -> QRectF:
        """The part of the before image (its pixels) that the view shows now."""
        iw, ih = self._image_size()
        vp = self._viewport()
        top_left = (QPointF(0, 0) - self.offset) / self.scale
        rect = QRectF(top_left, QSize(1, 1).toSizeF())
        rect.setSize(QSize(round(vp.width() / self.scale) + 1, round(vp.height() / self.scale) + 1).toSizeF())
        return rect.intersected(QRectF(0, 0, iw, ih))

    def set_detail(self, key: int, rect: QRectF, image: QImage) -> None:
        """Full-resolution pixels for `rect` (before-image pixels) of the before image with cacheKey `key`."""
        if self.before is not None and self.before.cacheKey() == key:
            self._detail = (key, QRectF(rect), image)
            self.update()

    def has_detail(self) -> bool:
        """True when full-resolution detail is drawn over part of the before image."""
        return self._detail is not None

    def set_after_detail(self, key: int, rect: QRectF, image: QImage) -> None:
        """A full-size result's own pixels for `rect` (before-image pixels: both files have one frame)."""
        if self.after is not None and self.after.cacheKey() == key:
            self._after_detail = (key, QRectF(rect), image)
            self.update()

    def has_after_detail(self) -> bool:
        """True when a full-size result's own pixels are drawn over part of the after image."""
        return self._after_detail is not None

    def wants_scale(self, key: str, token: object) -> bool:
        """True while a scale job is still the one the view waits for (thread-safe read)."""
        return self._pending.get(key) == token

    def scaled_ready(self, key: str, token: object, image: QImage) -> None:
        """A smooth scale made by the scaler arrived (ignored when the view has moved on)."""
        if self._pending.get(key) == token:
            del self._pending[key]
            self._cache[key] = (token, image)  # type: ignore[assignment]
            self.update()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()  # explicit: a painter kept alive by a frame reference would outlive the paint event

    def _paint(self, p: QPainter) -> None:
        p.fillRect(self.rect(), CANVAS)
        if self.before is None and self.after is None:
            self._paint_placeholder(p)
            return
        after = self.after if (self.after is not None and not self.showing_before) else None
        if self.mode == SIDE:
            # Space held: the before on both sides, so the right pane visibly flips between the two.
            right, key = (self.before, "before") if self.showing_before else (self.after, "after")
            self._paint_image(p, "before", self.before, self._viewport(False))
            self._paint_image(p, key, right, self._viewport(True))
            self._paint_faces(p, self._viewport(False))
            self._label(p, self._viewport(False), self.before_label, left=True)
            label = (
                self.before_label
                if self.showing_before
                else (self.after_label if self.after else N_("No result yet"))
            )
            self._label(p, self._viewport(True), label, True)
            p.setPen(QPen(QColor(20, 20, 20), 2))
            p.drawLine(QPointF(self.width() / 2, 0), QPointF(self.width() / 2, self.height()))
        elif self.mode == SPLIT and after is not None:
            x = self.divider * self.width()
            full = self._viewport()
            self._paint_image(p, "before", self.before, full, QRectF(0, 0, x, self.height()))
            self._paint_image(p, "after", after, full, QRectF(x, 0, self.width() - x, self.height()))
            self._paint_faces(p, full)
            self._paint_divider(p, x)
            self._label(p, full, self.before_label, left=True)
            self._label(p, full, self.after_label, left=False)
        else:
            shown = after if after is not None else self.before
            self._paint_image(p, "after" if shown is after else "before", shown, self._viewport())
            self._paint_faces(p, self._viewport())
            self._label(p, self._viewport(), self.after_label if shown is after else self.before_label, True)

    def _paint_image(
        self, p: QPainter, key: str, image: QImage | None, vp: QRectF, clip: QRectF | None = None
    ) -> None:
        if image is None:
            return
        p.save()
        p.setClipRect(clip if clip is not None else vp)
        frame = self._frame(image)
        target = QRectF(
            _snapped(vp.topLeft() + self.offset + frame.topLeft() * self.scale),
            QSize(round(frame.width() * self.scale), round(frame.height() * self.scale)).toSizeF(),
        )
        scaled = self._scaled(key, image, (round(target.width()), round(target.height())))
        if scaled is not None:
            p.drawImage(target.topLeft(), scaled)
        else:
            # Smooth filtering only when magnifying a little; a pending downscale is drawn fast meanwhile.
            magnify = target.width() > image.width()  # (at exactly 1:1 the pixels are copied as they are)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, magnify and self.scale < 2.0)
            p.drawImage(target, image, QRectF(image.rect()))
        detail = self._detail if key == "before" else self._after_detail if key == "after" else None
        if detail is not None and self.scale > 1.0:
            _key, rect, pixels = detail
            where = QRectF(
                _snapped(vp.topLeft() + self.offset + rect.topLeft() * self.scale), rect.size() * self.scale
            )
            # Past 2 screen pixels per original pixel show the pixels themselves (as Lightroom's 1:1 and up);
            # at 1:1 each file pixel is one screen pixel, unfiltered (the real pixels, on both sides alike).
            exact = round(where.width()) == pixels.width()
            smooth = not exact and where.width() < 2 * pixels.width()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            p.drawImage(where, pixels, QRectF(pixels.rect()))
        p.restore()

    def _paint_faces(self, p: QPainter, vp: QRectF) -> None:
        if not (self.show_faces and self.face_boxes and self.before is not None):
            return
        p.save()
        p.setClipRect(vp)  # (side by side: the before's boxes stay in its own pane)
        p.setPen(QPen(QColor(90, 200, 255), 1.5))
        for x, y, w, h in self.face_boxes:
            tl = vp.topLeft() + self.offset + QPointF(x, y) * self.scale
            p.drawRect(QRectF(tl, QSize(round(w * self.scale), round(h * self.scale)).toSizeF()))
        p.restore()

    def _paint_divider(self, p: QPainter, x: float) -> None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(240, 240, 240), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setBrush(QColor(240, 240, 240))
        p.drawEllipse(QPointF(x, self.height() / 2), 9, 9)
        p.setPen(QPen(QColor(40, 40, 40), 2))
        cy = self.height() / 2
        p.drawLine(QPointF(x - 4, cy), QPointF(x - 1, cy - 3))
        p.drawLine(QPointF(x - 4, cy), QPointF(x - 1, cy + 3))
        p.drawLine(QPointF(x + 4, cy), QPointF(x + 1, cy - 3))
        p.drawLine(QPointF(x + 4, cy), QPointF(x + 1, cy + 3))
        p.restore()

    def _label(self, p: QPainter, vp: QRectF, text: str, left: bool) -> None:
        p.save()
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() * 0.85))
        font.setBold(True)
        p.setFont(font)
        text = _(text).upper()  # a label is kept as marked (N_) and translated as it is drawn
        rect = p.fontMetrics().boundingRect(text).adjusted(-8, -4, 8, 4)
        x = vp.left() + 12 if left else vp.right() - rect.width() - 12
        rect.moveTo(round(x), round(vp.top() + 12))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 150))
        p.drawRoundedRect(QRectF(rect), 4, 4)
        p.setPen(QColor(235, 235, 235))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()

    def _paint_placeholder(self, p: QPainter) -> None:
        p.setPen(QColor(150, 150, 150))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        p.setFont(font)
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, _(self.placeholder))

    # ------------------------------------------------------------------ input
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        near = abs(pos.x() - self.divider * self.width()) <= GRAB_PX
        self._drag = "divider" if (self.mode == SPLIT and self.after is not None and near) else "pan"
        self._last = pos
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag == "divider":
            self.set_divider(pos.x() / max(1, self.width()))
        elif self._drag == "pan":
            self.fit = False
            self.offset += pos - self._last
            self._clamp()
            self.view_moved.emit()
            self.update()
        elif self.mode == SPLIT and self.after is not None:
            near = abs(pos.x() - self.divider * self.width()) <= GRAB_PX
            self.setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.OpenHandCursor)
        self._last = pos

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.toggle_zoom(event.position())

    def toggle_zoom(self, anchor: QPointF | None = None) -> None:
        """Lightroom-style (double-click, Z): between fit and 1:1, around `anchor` (default: the centre)."""
        if self.fit:
            self.zoom_to(self.one_to_one, anchor)
        else:
            self.zoom_fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_to(self.scale * (1.15**steps), event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self.set_show_before(True)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self.set_show_before(False)
            event.accept()
            return
        super().keyReleaseEvent(event)


class CompareBinding(QObject):
    """Keeps a CompareView on the session's current photo: its before, its after pane, its face boxes."""

    def __init__(self, view: CompareView, session: Session) -> None:
        super().__init__(view)
        self.view = view
        self.session = session
        self.backend = "local"  # the captions name the engine ("Result · cloud", "Local preview")
        self.preview_enabled = True
        self._versions_shown = False
        session.current_changed.connect(lambda _i: self.refresh(new_photo=True))
        session.photo_changed.connect(lambda i: self.refresh() if i == session.current_index else None)

    def refresh(self, *, new_photo: bool = False) -> None:
        """Draw the current photo's state (only what changed: a new before image resets zoom and detail)."""
        photo, view = self.session.current, self.view
        if photo is None:
            return
        before = photo.before_image()
        versions = photo.after is AfterPane.VERSIONS and photo.screen.versions is not None
        if new_photo or before is not view.before:
            same = view.before is not None and view.before is before
            # Comparing History versions (and coming back from them) keeps the zoom the user is looking at.
            keep = same or (not new_photo and (versions or self._versions_shown))
            view.set_before(before, keep_view=keep)
            if photo.display is not None and photo.source_size and photo.run_path is None:
                view.before_one_to_one = photo.source_size[0] / photo.display.shape[1]
            else:
                view.before_one_to_one = 1.0
        self._versions_shown = versions
        kind, after = photo.after_image(self.preview_enabled)
        label = (
            {
                AfterPane.RESULT: words.result_label(self.backend),
                AfterPane.PREVIEW: words.preview_label(self.backend),
                AfterPane.VERSIONS: photo.screen.version_labels[1],
            }.get(kind, "After")
            if kind is not None
            else N_("After")
        )
        before_label = photo.screen.version_labels[0] if versions else N_("Before")
        if before_label != view.before_label:
            view.before_label = before_label
            view.update()
        shown = photo.screen.result if kind is AfterPane.RESULT else None
        pixels = shown.pixels[0] if shown is not None else None  # 1:1 is the result's own pixels
        if shown is not None:
            label = f"{label} · {shown.caption()}"  # "Result · local engine · 6000 × 4000, 16-bit"
        if after is not view.after or label != view.after_label or pixels != view.after_pixels:
            view.set_after(after, label, pixels)
        boxes = [f.box for f in photo.faces.faces] if photo.faces is not None else []
        if boxes != view.face_boxes:
            view.set_faces(boxes)


def _snapped(point: QPointF) -> QPointF:
    """A whole screen pixel: an image drawn at 1:1 from a fractional position would be resampled (blurred)."""
    return QPointF(round(point.x()), round(point.y()))


def _smooth(image: QImage, size: tuple[int, int]) -> QImage:
    return image.scaled(
        size[0], size[1], Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


__all__ = [
    "MODES",
    "SIDE",
    "SPLIT",
    "TOGGLE",
    "CompareBinding",
    "CompareView",
]
