"""The 24 MP test photo and the timer shared by the intake benches (face_count.py, prepare_upload.py)."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.photos (real photographs shipped by scikit-image/matplotlib)


def photo_24mp(grain: float = 4.0) -> bytes:
    """A 6000×4000 JPEG (quality 92): a real portrait (astronaut, ~700 px face) on a real background (rocket),
    upscaled, with sensor-like grain of σ `grain`. Made in memory; nothing is downloaded."""
    import cv2

    from tests.photos import astronaut, rocket

    canvas = cv2.resize(rocket(), (6000, 4000), interpolation=cv2.INTER_CUBIC)
    canvas[600:4000, 1300:4700] = cv2.resize(astronaut(), (3400, 3400), interpolation=cv2.INTER_CUBIC)
    noise = np.random.default_rng(24).normal(0, grain, canvas.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(canvas + noise, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of `fn` takes."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t
