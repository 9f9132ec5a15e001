"""Faces for the engine: a quick look on a small copy first, and the mesh from that copy when it is enough.

A portrait's face is large, so one detector pass on a ≤ 576 px copy (no tiles: core/_blazeface.py tiles only
above 1.5 × 384 px) nearly always finds it; the full tiled search of core.faces runs only when it does not.
FaceMesh sees a 192 px crop of 1.5 × the face box, so a face of ≥ 128 px in the small copy gives the mesh
model all the detail it can use, and the mesh is taken there too (scaled back to the photo).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from portrait_studio.core.faces import Face, FaceResult, detect_faces, face_mesh
from portrait_studio.engine.filters import shrink

QUICK_SIDE = 576
MESH_MIN_PX = 128
# A face that fills the frame (a close-up, or the engine's own output of one) has no context around it and
# the detector misses it: when nothing is found, look again with this much grey border added on each side
# (a share of the longer side), as a letterbox would.
BORDER = 0.25


@dataclass(frozen=True)
class Found:
    """Faces in photo pixels, plus the small copy they were found on (None when the photo was used)."""

    result: FaceResult
    small: np.ndarray | None = None
    scale: float = 1.0
    small_faces: list[Face] = field(default_factory=list)
    pad: int = 0  # the border `small` has on each side (small-copy pixels), when found with a border


def _scaled(face: Face, scale: float, w: int, h: int) -> Face:
    x, y, bw, bh = (v / scale for v in face.box)
    x0, y0 = max(0, round(x)), max(0, round(y))
    box = (x0, y0, max(1, min(round(bw), w - x0)), max(1, min(round(bh), h - y0)))
    return Face(box, face.score, (face.keypoints / scale).astype(np.float32))


def find(rgb: np.ndarray) -> Found:
    """Find the faces of a photo (largest first), quickly when it is a portrait."""
    h, w = rgb.shape[:2]
    scale = QUICK_SIDE / max(h, w)
    if scale >= 1.0:
        found = detect_faces(rgb)
        return Found(found) if found.faces else _with_border(rgb, 1.0, rgb)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = shrink(rgb, *size)
    quick = detect_faces(small)
    if not quick.faces:
        found = detect_faces(rgb)
        return Found(found) if found.faces else _with_border(rgb, scale, small)
    faces = [_scaled(f, scale, w, h) for f in quick.faces]
    return Found(FaceResult(faces, quick.approximate), small, scale, quick.faces)


def _with_border(rgb: np.ndarray, scale: float, small: np.ndarray) -> Found:
    """Detection on `small` (rgb shrunk by `scale`) framed by a grey border; faces in photo pixels."""
    pad = max(8, round(BORDER * max(small.shape[:2])))
    framed = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    seen = detect_faces(framed)
    if not seen.faces:
        return Found(seen)
    h, w = rgb.shape[:2]
    shifted = [Face(f.box, f.score, (f.keypoints - pad).astype(np.float32)) for f in seen.faces]
    faces = []
    for f, orig in zip(shifted, seen.faces, strict=True):
        x, y, bw, bh = orig.box
        # Clip the box to the photo (it may reach into the border); the keypoints are kept as found.
        x0, y0 = max(0, (x - pad) / scale), max(0, (y - pad) / scale)
        x1, y1 = min(w, (x - pad + bw) / scale), min(h, (y - pad + bh) / scale)
        box = (round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))
        faces.append(Face(box, f.score, (f.keypoints / scale).astype(np.float32)))
    return Found(FaceResult(faces, seen.approximate), framed, scale, list(seen.faces), pad)


def mesh(rgb: np.ndarray, found: Found, index: int) -> np.ndarray:
    """The 468-point mesh of face `index`, in photo pixels."""
    if found.small is not None and (found.pad or found.small_faces[index].size >= MESH_MIN_PX):
        # With a border the mesh must be taken on the framed copy: its crop reaches past the photo's edge.
        pts = face_mesh(found.small, found.small_faces[index]) - found.pad
        return (pts + 0.5) / found.scale - 0.5
    return face_mesh(rgb, found.result.faces[index])


__all__ = ["Found", "find", "mesh"]
