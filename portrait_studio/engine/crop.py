"""Framing: crop a photo to the output's aspect ratio around the face, then resize it.

The output has the request's width × height. The crop is the largest window of that aspect ratio that
fits in the photo (most context kept, as the cloud model's "reference" mode keeps clothing and background),
zoomed in only when the head would otherwise be a small part of the frame, and placed so the eyes sit a
little above the middle. The head is never cut when it can fit; when it cannot, the top of the hair goes
first and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from portrait_studio.core.i18n import _
from portrait_studio.engine.filters import shrink

# Head height as a share of the crop height, at least (a portrait, not a full-length shot); a loose
# head-and-shoulders framing keeps the head at about a third of the frame.
MIN_HEAD_SHARE = 0.25
# Where the eye line sits, as a share of the crop height from the top (the classic portrait rule of
# thirds puts it at 1/3–0.4; 0.4 keeps some room for the hair).
EYE_LINE = 0.4
# Room above the head top, as a share of the head height, whenever the frame has it: a head touching the
# frame's top edge looks cut even when it is not (issue 19: the top touched while ~120 px stayed under the
# chin). When the frame is tight the spare height is shared, the top getting at least 0.1 of the head.
HEADROOM = 0.12


@dataclass(frozen=True)
class Head:
    """The head's extent and eye line in photo pixels (x0, y0, x1, y1, eye_y)."""

    x0: float
    y0: float
    x1: float
    y1: float
    eye_y: float
    face_top: float  # top of the face proper (brows); cutting below this would cut the face

    @property
    def height(self) -> float:
        """Head height in pixels."""
        return self.y1 - self.y0


@dataclass(frozen=True)
class CropPlan:
    """Where to crop (x, y, w, h in photo pixels) and what had to be given up."""

    box: tuple[int, int, int, int]
    notes: list[str] = field(default_factory=list)


def head_from_points(points: np.ndarray) -> Head:
    """Estimate the whole head from face landmarks (mesh or detector keypoints + box corners)."""
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    h = y1 - y0
    # The mesh stops at the upper forehead: hair adds about 35 % of the face height above it and the
    # ears/hair about 12 % on each side (proportions of an adult head, e.g. Loomis' head construction).
    return Head(
        x0=float(x0 - 0.12 * (x1 - x0)),
        y0=float(y0 - 0.35 * h),
        x1=float(x1 + 0.12 * (x1 - x0)),
        y1=float(y1 + 0.04 * h),
        eye_y=float(y0 + 0.38 * h),
        face_top=float(y0),
    )


def _span(start: float, size: float, limit: int) -> float:
    """Clamp a window start so that [start, start + size] stays inside [0, limit]."""
    return float(min(max(start, 0.0), max(limit - size, 0.0)))


def plan_crop(width: int, height: int, head: Head, out_w: int, out_h: int) -> CropPlan:
    """Choose the crop box of aspect out_w:out_h in a width × height photo for this head."""
    aspect = out_w / out_h
    cw = min(float(width), height * aspect)
    ch = cw / aspect
    notes: list[str] = []
    # Zoom in when the head would be too small, but keep the whole head width with room to spare.
    want_h = max(head.height / MIN_HEAD_SHARE, (head.x1 - head.x0) * 1.6 / aspect)
    if ch > want_h:
        ch, cw = want_h, want_h * aspect
        notes.append(_("the photo was cropped closer around the face (the head was small in the frame)"))
    cx = (head.x0 + head.x1) / 2
    x = _span(cx - cw / 2, cw, width)
    y = _span(head.eye_y - EYE_LINE * ch, ch, height)
    # Keep the whole head when it fits, with room above it: move the window up or down just enough.
    if head.height <= ch:
        spare = ch - head.height
        room = min(HEADROOM * head.height, max(spare / 2, min(0.1 * head.height, spare)))
        if head.y0 - room < y:
            y = _span(head.y0 - room, ch, height)
        elif head.y1 > y + ch:
            y = _span(head.y1 - ch, ch, height)
    else:
        # It cannot fit: keep chin and face, give up the top of the hair first.
        y = _span(head.y1 - ch, ch, height)
    notes.extend(_cut_notes(head, x, y, cw, ch, width, height))
    return CropPlan(box=_round_box(x, y, cw, ch, aspect, width, height), notes=notes)


def _round_box(
    x: float, y: float, cw: float, ch: float, aspect: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """Whole pixels, the shorter side rounded first and the other derived from it (aspect kept)."""
    if cw <= ch:
        w = max(1, min(width, round(cw)))
        h = max(1, min(height, round(w / aspect)))
    else:
        h = max(1, min(height, round(ch)))
        w = max(1, min(width, round(h * aspect)))
    return (min(max(0, round(x)), width - w), min(max(0, round(y)), height - h), w, h)


def _cut_notes(head: Head, x: float, y: float, cw: float, ch: float, w: int, h: int) -> list[str]:
    """Plain notes for every side where the head extends beyond the crop (and the photo allows it)."""
    notes = []
    tol = 0.02 * head.height  # estimated head bounds are not exact; ignore slivers
    if head.y0 < y - tol and y > 0:
        part = _("the face") if head.face_top < y else _("the top of the head")
        notes.append(
            _("the crop had to cut {part} (the output's aspect ratio is too wide for this head)").format(
                part=part
            )
        )
    if head.y1 > y + ch + tol and y + ch < h:
        notes.append(_("the crop had to cut the chin (the output's aspect ratio is too wide for this head)"))
    if (head.x0 < x - tol and x > 0) or (head.x1 > x + cw + tol and x + cw < w):
        notes.append(_("the crop had to cut the side of the head (the output's aspect ratio is too narrow)"))
    return notes


def crop_resize(rgb: np.ndarray, box: tuple[int, int, int, int], out_w: int, out_h: int) -> np.ndarray:
    """Cut `box` out of the photo and resize it to out_w × out_h (area filter down, cubic up).

    The last step of a shrink may be the near-exact one (`filters.shrink(exact=False)`): this is the
    output's every pixel, the largest single step of a retouch of a big photo.
    """
    x, y, w, h = box
    part = rgb[y : y + h, x : x + w]
    if (w, h) == (out_w, out_h):
        return np.ascontiguousarray(part)
    if w < out_w:
        return cv2.resize(part, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
    return shrink(part, out_w, out_h, exact=False)


def to_output(points: np.ndarray, box: tuple[int, int, int, int], out_w: int, out_h: int) -> np.ndarray:
    """Map photo-pixel points into the resized crop's pixel coordinates."""
    x, y, w, h = box
    scale = np.array([out_w / w, out_h / h], np.float32)
    # Pixel centres: OpenCV's resize maps centre (i + 0.5) to (i + 0.5) · scale.
    return ((points - [x, y] + 0.5) * scale - 0.5).astype(np.float32)


__all__ = ["CropPlan", "Head", "crop_resize", "head_from_points", "plan_crop", "to_output"]
