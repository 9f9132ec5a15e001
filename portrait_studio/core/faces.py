"""Faces: count, boxes, keypoints, 468-point mesh and retouch masks (the design is docs/FACES.md).

Detection runs on a ≤ 1920 px working copy; every result is given in the pixels of the array passed in.
When the MediaPipe weights are missing or damaged, OpenCV's Haar cascade takes over and the result is marked
`approximate` (no mesh then: `face_mesh` raises FaceModelError).
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from portrait_studio.core import _blazeface
from portrait_studio.core._encoding import working_copy
from portrait_studio.core.errors import FaceModelError
from portrait_studio.core.i18n import _
from portrait_studio.core.masks import FaceMasks, face_masks

log = logging.getLogger(__name__)

WORKING_SIDE = 1920  # detection never looks at more pixels than this (FACES.md: 21/21 correct at this size)
# FACES.md chose 0.6 for the bare detector; every detection is verified by FaceMesh's presence flag. The
# tile grid took 0.5; the whole-image scans give some 30 px faces less context than a tile did (one
# scored 0.47, 0.76 in its tile), and 0.4 finds every face of bench/_face_sets.py the grid found, still no
# face in the negatives (measured: docs/FACES.md).
SCORE_THRESHOLD = 0.4

#: keypoint order of BlazeFace (MediaPipe face_detection): the subject's own right/left, so the "right eye" is
#: the one on the image's left in a frontal photo.
KEYPOINT_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth", "right_ear_tragion", "left_ear_tragion")


@dataclass(frozen=True)
class Face:
    """One face: `box` (x, y, w, h) px, `score` 0..1, `keypoints` 6×2 px in KEYPOINT_NAMES order."""

    box: tuple[int, int, int, int]
    score: float
    keypoints: np.ndarray = field(compare=False, repr=False)

    @property
    def size(self) -> int:
        """The longer side of the box in pixels."""
        return max(self.box[2], self.box[3])


@dataclass(frozen=True)
class FaceResult:
    """All faces found, largest first; `approximate` when the Haar fallback was used (no mesh)."""

    faces: list[Face]
    approximate: bool = False

    @property
    def count(self) -> int:
        """How many faces."""
        return len(self.faces)


@functools.cache
def _models(model_dir: Path | None) -> _blazeface.BlazeFace:
    return _blazeface.BlazeFace(model_dir)


_model_lock = threading.Lock()


def load_models(model_dir: str | Path | None = None) -> _blazeface.BlazeFace:
    """The cached BlazeFace models (FaceModelError when the files are missing or damaged)."""
    folder = Path(model_dir) if model_dir is not None else _blazeface.default_model_dir()
    with _model_lock:  # load once even when two worker threads ask at the same moment
        return _models(folder)


def models_available(model_dir: str | Path | None = None) -> bool:
    """True when the MediaPipe weights are present and intact."""
    try:
        load_models(model_dir)
    except FaceModelError:
        return False
    return True


def set_threads(count: int | None) -> None:
    """Threads each face-model forward may use: 1 in a process that is one of several workers, None (the
    default) for every usable core."""
    _blazeface.set_threads(count)


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("expected an H×W×3 uint8 RGB array")
    return np.ascontiguousarray(rgb)


def detect_faces(
    rgb: np.ndarray, *, model_dir: str | Path | None = None, threshold: float = SCORE_THRESHOLD
) -> FaceResult:
    """Find faces in an RGB uint8 image; boxes and keypoints in its pixels, largest face first."""
    rgb = _check_rgb(rgb)
    small, scale = _detector_copy(rgb)
    try:
        models = load_models(model_dir)
    except FaceModelError as err:
        log.warning("face models unavailable, using the approximate Haar detector: %s", err)
        return FaceResult(_to_faces(_haar(small), scale, rgb.shape), approximate=True)
    return FaceResult(_to_faces(models.detect(small, threshold), scale, rgb.shape), approximate=False)


def _detector_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The ≤ WORKING_SIDE copy detection looks at, and its scale: halved by area averaging while that stays at
    least WORKING_SIDE, then bilinear for the last < 2×.

    OpenCV's 2× INTER_AREA is its fast (SIMD) path: 24 MP → 1920 px takes 14 ms this way against 44 ms for
    working_copy's 3× area step (one thread), with the same faces found on the small-face cases of
    bench/_face_sets.py upscaled to 6000 px with grain (44/48 both, the same misses; docs/BENCHMARKS.md).
    """
    h, w = rgb.shape[:2]
    scale = min(1.0, WORKING_SIDE / max(h, w))
    if scale == 1.0 or min(h, w) < 4:  # a line of pixels: working_copy's own guard handles it
        return working_copy(rgb, WORKING_SIDE)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    while min(rgb.shape[:2]) >= 2 and max(rgb.shape[:2]) >= 2 * WORKING_SIDE:
        rgb = cv2.resize(rgb, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR), scale


def _to_faces(raw: list[_blazeface.RawFace], scale: float, shape: tuple[int, ...]) -> list[Face]:
    h, w = shape[:2]
    faces = []
    for r in raw:
        x, y, bw, bh = (v / scale for v in r.box)
        x0, y0 = max(0, round(x)), max(0, round(y))
        x1, y1 = min(w, round(x + bw)), min(h, round(y + bh))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        kp = (r.keypoints / scale).astype(np.float32)
        kp.setflags(write=False)
        faces.append(Face((x0, y0, x1 - x0, y1 - y0), round(r.score, 4), kp))
    return sorted(faces, key=lambda f: -(f.box[2] * f.box[3]))


def _haar(rgb: np.ndarray) -> list[_blazeface.RawFace]:
    """OpenCV's frontal Haar cascade (ships inside opencv-python-headless 4.x); keypoints estimated."""
    cascade = _haar_cascade()
    grey = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    min_side = max(24, min(rgb.shape[:2]) // 40)
    found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=6, minSize=(min_side, min_side))
    out = []
    for x, y, w, h in np.asarray(found).reshape(-1, 4):
        # keypoints placed at average proportions of a frontal face inside a Haar box (approximate by design)
        rel = np.array([[0.3, 0.38], [0.7, 0.38], [0.5, 0.6], [0.5, 0.78], [0.05, 0.5], [0.95, 0.5]])
        kp = (rel * [w, h] + [x, y]).astype(np.float32)
        out.append(_blazeface.RawFace((float(x), float(y), float(w), float(h)), 0.5, kp))
    return out


@functools.cache
def _haar_cascade() -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise FaceModelError(_("Neither the face models nor OpenCV's Haar cascade could be loaded."))
    return cascade


def face_mesh(rgb: np.ndarray, face: Face, *, model_dir: str | Path | None = None) -> np.ndarray:
    """The 468 FaceMesh landmarks of `face` as a (468, 2) float32 array in the pixels of `rgb`."""
    rgb = _check_rgb(rgb)
    models = load_models(model_dir)
    side = face.size * _blazeface.MESH_SCALE
    scale = min(1.0, 2 * _blazeface.SIZE / max(side, 1.0))
    if scale < 1.0:
        # Crop around the face and shrink it first: warping the whole 24 MP frame for a 192 px input is waste.
        return _mesh_on_crop(rgb, face, models, scale)
    return models.mesh(rgb, face.box, face.keypoints)


def _mesh_on_crop(rgb: np.ndarray, face: Face, models: _blazeface.BlazeFace, scale: float) -> np.ndarray:
    x, y, w, h = face.box
    pad = round(max(w, h))
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(rgb.shape[1], x + w + pad), min(rgb.shape[0], y + h + pad)
    crop = rgb[y0:y1, x0:x1]
    small = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    box = tuple(v * scale for v in (x - x0, y - y0, w, h))
    kp = (face.keypoints - [x0, y0]) * scale
    pts = models.mesh(small, box, kp)
    return (pts / scale + [x0, y0]).astype(np.float32)


__all__ = [
    "KEYPOINT_NAMES",
    "SCORE_THRESHOLD",
    "WORKING_SIDE",
    "Face",
    "FaceMasks",
    "FaceResult",
    "detect_faces",
    "face_masks",
    "face_mesh",
    "load_models",
    "models_available",
    "set_threads",
]
