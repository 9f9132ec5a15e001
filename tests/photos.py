"""Real photographs for tests (shipped by scikit-image and matplotlib; nothing is downloaded)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


@cache
def _skimage(name: str) -> np.ndarray:
    from skimage import data

    img = getattr(data, name)()
    return np.ascontiguousarray(img[..., :3]) if img.ndim == 3 else np.stack([img] * 3, axis=-1)


def astronaut() -> np.ndarray:
    """Eileen Collins, 512×512 RGB, one frontal face."""
    return _skimage("astronaut").copy()


def chelsea() -> np.ndarray:
    """A cat (no human face)."""
    return _skimage("chelsea").copy()


def coffee() -> np.ndarray:
    """A cup of coffee (no face)."""
    return _skimage("coffee").copy()


def rocket() -> np.ndarray:
    """A rocket on its pad (no face)."""
    return _skimage("rocket").copy()


@cache
def _grace_hopper() -> np.ndarray:
    import matplotlib.cbook

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


def grace_hopper() -> np.ndarray:
    """Grace Hopper, 512×600 RGB, one face in uniform."""
    return _grace_hopper().copy()


def save(rgb: np.ndarray, path: Path, **kwargs: object) -> Path:
    """Write an RGB array to `path` (format from the suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path, **kwargs)
    return path


def large_portrait(size: tuple[int, int] = (3000, 2000), seed: int = 16) -> np.ndarray:
    """A real portrait (astronaut) on a real background (rocket), upscaled as a large camera file, with
    sensor-like grain (what the model's resize averages away and the merge must keep)."""
    w, h = size
    canvas = cv2.resize(rocket(), (w, h), interpolation=cv2.INTER_CUBIC)
    side = int(h * 0.85)
    x0, y0 = (w - side) // 2, h - side
    canvas[y0:, x0 : x0 + side] = cv2.resize(astronaut(), (side, side), interpolation=cv2.INTER_CUBIC)
    grain = np.random.default_rng(seed).normal(0, 3.0, canvas.shape)
    return np.clip(canvas + grain, 0, 255).astype(np.uint8)
