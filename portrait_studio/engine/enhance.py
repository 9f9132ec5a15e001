"""`gpen`: face detail enhancement — deblurring unsharp mask on luma with overshoot control (no halos).

GPEN itself is a GAN; on a CPU the classical equivalent is a two-band unsharp mask: a fine band that
undoes softness (a focus miss, an upscale) and a middle band for local contrast ("clarity"). Noise is cored
(fine-band values within a few times the photo's own noise level are not amplified: sensor grain and JPEG
blocks stay as they were), and the result is clamped to the local minimum and maximum of the original (plus
a little), which is what keeps bright or dark rims — halos — from appearing at edges.

Only the features (eyes, lashes, brows, lips) get the fine band. Skin gets the middle band alone: the fine
band of skin is pores, grain and compression noise, and sharpening it made the defaults grainier than the
original (skin high-frequency energy up to ×1.98 at .4/.3/0, issue 19).
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
# ... nor below this many times the region's noise level (robust σ of the fine band: its median absolute
# value / 0.6745; most of a face region is smooth skin, so the median sees the grain, not the edges).
NOISE_CORE = 2.5
OVERSHOOT = 6.0  # grey levels allowed beyond the 3×3 neighbourhood's range: crisp, not haloed


@dataclass(frozen=True)
class DetailLayers:
    """Luma detail to add at gpen = 1 and the per-pixel bounds that keep it halo-free."""

    fine: np.ndarray  # at gpen = 1, gain included: the features' sharpening
    mid: np.ndarray  # at gpen = 1, gain included: local contrast, for features and skin
    lo: np.ndarray
    hi: np.ndarray


def prepare(y: np.ndarray, unit: float, softness: float = 1.0) -> DetailLayers:
    """Detail layers for a luma region (float32 0..255); `softness` ≥ 1 for upscaled photos."""
    fine_sigma = FINE_SIGMA * max(1.0, softness)
    soft = gauss(y, fine_sigma)
    fine = y - soft
    core = max(CORE, NOISE_CORE * float(np.median(np.abs(fine))) / 0.6745)
    fine = np.sign(fine) * np.maximum(np.abs(fine) - core, 0.0)
    mid = soft - gauss(soft, max(fine_sigma * 1.5, MID_SIGMA * unit))
    kernel = np.ones((3, 3), np.uint8)
    lo = cv2.erode(y, kernel) - OVERSHOOT - y
    hi = cv2.dilate(y, kernel) + OVERSHOOT - y
    return DetailLayers(fine=FINE_GAIN * fine, mid=MID_GAIN * mid, lo=lo, hi=hi)


def delta(
    layers: DetailLayers, strength: float, features: np.ndarray | float = 1.0, skin: np.ndarray | float = 0.0
) -> np.ndarray:
    """Luma added at this strength (clamped): both bands weighted by `features`, the middle band alone by
    `skin` (weights 0..1 per pixel; the result needs no further mask)."""
    detail = features * (layers.fine + layers.mid) + skin * layers.mid
    return np.clip(strength * detail, layers.lo, layers.hi)


__all__ = ["DetailLayers", "delta", "prepare"]
