"""`gpen`: face detail enhancement — deblurring unsharp mask on luma with overshoot control (no halos).

GPEN itself is a GAN; on a CPU the classical equivalent is a two-band unsharp mask: a fine band that
undoes softness (a focus miss, an upscale) and a middle band for local contrast ("clarity"). Noise is cored
(tiny fine-band values are not amplified), and the result is clamped to the local minimum and maximum of the
original (plus a little), which is what keeps bright or dark rims — halos — from appearing at edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from portrait_studio.engine.filters import gauss

FINE_SIGMA = 1.4  # px: the blur scale undone (a slight focus miss; upscales pass a larger softness)
MID_SIGMA = 5.0  # px at a 100 px eye distance: local contrast of lashes, iris, brow and lip lines
FINE_GAIN, MID_GAIN = 2.2, 0.6  # at gpen = 1
CORE = 1.5  # fine-band values below this (grey levels) are noise: not amplified
OVERSHOOT = 6.0  # grey levels allowed beyond the 3×3 neighbourhood's range: crisp, not haloed


@dataclass(frozen=True)
class DetailLayers:
    """Luma detail to add at gpen = 1 and the per-pixel bounds that keep it halo-free."""

    detail: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def prepare(y: np.ndarray, unit: float, softness: float = 1.0) -> DetailLayers:
    """Detail layers for a luma region (float32 0..255); `softness` ≥ 1 for upscaled photos."""
    fine_sigma = FINE_SIGMA * max(1.0, softness)
    soft = gauss(y, fine_sigma)
    fine = y - soft
    fine = np.sign(fine) * np.maximum(np.abs(fine) - CORE, 0.0)
    mid = soft - gauss(soft, max(fine_sigma * 1.5, MID_SIGMA * unit))
    kernel = np.ones((3, 3), np.uint8)
    lo = cv2.erode(y, kernel) - OVERSHOOT - y
    hi = cv2.dilate(y, kernel) + OVERSHOOT - y
    return DetailLayers(detail=FINE_GAIN * fine + MID_GAIN * mid, lo=lo, hi=hi)


def delta(layers: DetailLayers, strength: float) -> np.ndarray:
    """Luma added at this strength (clamped; mask it before adding)."""
    return np.clip(strength * layers.detail, layers.lo, layers.hi)


__all__ = ["DetailLayers", "delta", "prepare"]
