"""Real photographs for tests (shipped by scikit-image and matplotlib; nothing is downloaded)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
