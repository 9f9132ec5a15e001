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

QUICK_SIDE = 576
MESH_MIN_PX = 128


@dataclass(frozen=True)
class Found:
    """Faces in photo pixels, plus the small copy they were found on (None when the photo was used)."""

    result: FaceResult
    small: np.ndarray | None = None
    scale: float = 1.0
    small_faces: list[Face] = field(default_factory=list)


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
        return Found(detect_faces(rgb))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    quick = detect_faces(small)
    if not quick.faces:
        return Found(detect_faces(rgb))
    faces = [_scaled(f, scale, w, h) for f in quick.faces]
    return Found(FaceResult(faces, quick.approximate), small, scale, quick.faces)


def mesh(rgb: np.ndarray, found: Found, index: int) -> np.ndarray:
    """The 468-point mesh of face `index`, in photo pixels."""
    if found.small is not None and found.small_faces[index].size >= MESH_MIN_PX:
        return (face_mesh(found.small, found.small_faces[index]) + 0.5) / found.scale - 0.5
    return face_mesh(rgb, found.result.faces[index])


__all__ = ["Found", "find", "mesh"]
