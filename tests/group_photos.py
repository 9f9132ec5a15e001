"""Group photos made from the real portraits (tests/photos.py): side by side, and a tight group of heads
whose cheeks touch, at known places. Built once per process (detection runs on the sources)."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

from tests import photos


@cache
def _head(person: str, mirror: bool) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    """A head cut from a real portrait: pixels, a soft elliptic alpha, and the face box inside the cut."""
    from portrait_studio.core.faces import detect_faces

    src = photos.astronaut() if person == "astronaut" else photos.grace_hopper()
    src = np.ascontiguousarray(src[:, ::-1]) if mirror else src
    [face] = detect_faces(src).faces
    x, y, w, h = face.box
    cx, cy = x + w / 2, y + h * 0.5
    half_w, half_h = 0.85 * w, 1.15 * h  # hair and ears, a little of the neck
    x0, y0 = int(max(0, cx - half_w)), int(max(0, cy - half_h))
    x1, y1 = int(min(src.shape[1], cx + half_w)), int(min(src.shape[0], cy + half_h))
    cut = src[y0:y1, x0:x1]
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    r = np.sqrt(((xs - cx) / half_w) ** 2 + ((ys - cy) / half_h) ** 2)
    alpha = np.clip((1.0 - r) / 0.12, 0, 1).astype(np.float32)
    return cut, alpha, (x - x0, y - y0, float(w), float(h))


def tight_group(
    n: int = 5, face_px: int = 170, gap: float = 0.95
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """`n` real heads (astronaut and Grace Hopper, alternately mirrored) in a row on a real background, face
    centres `gap` face-widths apart (≤ 1: cheeks touch), staggered in height like a group; (image, boxes)."""
    width = int(face_px * (gap * (n - 1) + 3))
    height = int(face_px * 4.2)
    canvas = cv2.resize(photos.coffee(), (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    boxes = []
    for i in range(n):
        person = "astronaut" if i % 2 == 0 else "grace"
        cut, alpha, (fx, fy, fw, fh) = _head(person, mirror=i % 3 == 1)
        k = face_px / fw
        cut = cv2.resize(cut, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(alpha, (cut.shape[1], cut.shape[0]), interpolation=cv2.INTER_LINEAR)
        centre_x = face_px * (1.5 + gap * i)
        centre_y = face_px * (1.7 + 0.25 * (i % 2))  # every other head a little lower
        x0 = round(centre_x - (fx + fw / 2) * k)
        y0 = round(centre_y - (fy + fh / 2) * k)
        part = canvas[y0 : y0 + cut.shape[0], x0 : x0 + cut.shape[1]]
        a = alpha[: part.shape[0], : part.shape[1], None]
        part[...] = part * (1 - a) + cut[: part.shape[0], : part.shape[1]] * a
        boxes.append((int(x0 + fx * k), int(y0 + fy * k), int(fw * k), int(fh * k)))
    return np.clip(np.rint(canvas), 0, 255).astype(np.uint8), boxes
