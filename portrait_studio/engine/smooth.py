"""`skin`: frequency-separation smoothing, the retoucher's classic: split, soften the middle band, keep grain.

The face region is split into three layers that add up to the original: an edge-preserving base (guided
filter: keeps the nose, jaw and cheekbone edges), a middle band (blotches, fine lines, uneven texture) and a
fine band (pores and grain). Strength s removes most of the middle band and part of the fine band, so that
moderate settings keep a natural skin texture and s = 1 is smooth but not flat. The bands are the skin's:
masked by it, the middle one less its local mean over it: smoothing takes out texture, not colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from portrait_studio.engine.filters import gauss, guided, luma, wide_mean

# At s = 1: share of the middle band and of the fine band removed. The fine band is never fully removed
# (a film of grain keeps skin from looking like plastic), yet the Laplacian energy falls by well over
# 60 % (tests/engine/test_quality.py, Q2).
MID_CUT, FINE_CUT = 0.95, 0.8
BASE_RADIUS = 9.0  # guided filter radius at a 100 px eye distance
# Guided filter eps (on 0..255 values): structures whose local standard deviation is well above √eps
# (≈ 14 grey levels) count as edges and stay in the base.
BASE_EPS = 14.0**2
FINE_SIGMA = 1.2  # pores and grain: below ~1.2 px at a 100 px eye distance
# An enlarged photo (a small face upscaled ×3–7 to the output) carries its grain and JPEG blocks enlarged by
# the same factor: the bands must be at least that coarse, or smoothing barely acts (issue 19: 43 % of the
# skin's high-frequency energy removed at skin = 1 on a face enlarged ×7, against 60 % wanted).
SOFT_FINE, SOFT_RADIUS = 1.0, 2.0  # fine sigma and base radius per unit of enlargement


@dataclass(frozen=True)
class SkinLayers:
    """The middle and fine bands of a face region's skin (RGB float32): the bands (base = image - mid -
    fine) masked by the skin, the middle one less its local mean over it (see split)."""

    mid: np.ndarray
    fine: np.ndarray


def split(rgb: np.ndarray, skin: np.ndarray, unit: float, softness: float = 1.0) -> SkinLayers:
    """Split an RGB float32 region into the bands of its skin (`skin`: the region's 0..1 mask), sized for a
    face whose eye distance is 100·unit px, in a photo enlarged `softness` times (1: not enlarged)."""
    fine_sigma = max(0.7, FINE_SIGMA * unit, SOFT_FINE * softness)
    radius = max(2, round(BASE_RADIUS * unit), round(SOFT_RADIUS * softness))
    sub = max(1, min(4, radius // 4))  # the fast guided filter: same result on a copy shrunk by `sub`
    soft = gauss(rgb, fine_sigma)
    # The base is taken from the low-pass, so the three bands nest: base ⊂ soft ⊂ image.
    base = guided(luma(soft), soft, radius, BASE_EPS, sub=sub)
    # Skin is lighter and redder than most of what borders it (brows, lashes, hair, stubble, shadow), and
    # the low-passes reach over those: the bands are positive on the skin near them (the middle band by
    # 0.5–1.9 grey levels on average over the skin, the fine band by 0.2–0.9), and taking them out
    # darkened and greyed it (jesse: ΔE2000 1.28 at skin = 1, 0.26 at the defaults). So the middle band
    # loses its own mean over the skin at the base's scale (a normalised convolution): what smoothing
    # removes is texture with no colour of its own. The mean is taken off under the skin mask feathered at
    # the fine band's scale: under the sharp mask it drew the mask's edges into the skin (4 points less
    # energy removed on sunglasses), as a plain high-pass of the masked band it spread 1–3 grey levels onto
    # the brows and hair beside the skin. Doing the same to the fine band cost 7 ms for no better colour.
    # (Weights as three equal channels: numpy multiplies them at twice the speed of a broadcast.)
    weight = skin.astype(np.float32)
    weight3, feathered3 = (cv2.merge([m, m, m]) for m in (weight, gauss(weight, fine_sigma)))
    mid, fine = soft - base, rgb - soft
    mid *= weight3
    mid -= feathered3 * wide_mean(mid, weight, radius)
    fine *= weight3
    return SkinLayers(mid=mid, fine=fine)


def cut(strength: float) -> tuple[float, float]:
    """Shares of the middle and fine bands removed at this strength (0 → nothing)."""
    return MID_CUT * strength, FINE_CUT * strength


def delta(layers: SkinLayers, strength: float) -> np.ndarray:
    """What smoothing adds to the region at this strength (already of the skin only: the bands are masked)."""
    mid_cut, fine_cut = cut(strength)
    return -(mid_cut * layers.mid + fine_cut * layers.fine)


__all__ = ["SkinLayers", "cut", "delta", "split"]
