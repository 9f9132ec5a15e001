"""Analyse a face once, then render any slider setting cheaply (shared by retouch() and the preview).

Each effect is prepared from the untouched face region into layers (bands, fills, bounds); a render is then
a few per-pixel blends of those layers, masked by the face-mesh regions. Because every effect is computed
from the same original region, the full-size retouch and the screen preview follow one formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from portrait_studio.engine import enhance, smooth, tone
from portrait_studio.engine.filters import luma
from portrait_studio.engine.regions import Regions, cheek_apples, face_regions

# gpen on skin (not features) at skin = 0; smoothing then takes it back, so the two sliders do not fight.
SKIN_DETAIL = 0.5


@dataclass(frozen=True)
class FaceLayers:
    """What one face needs: its regions and the layers of the effects asked for (None: not prepared)."""

    regions: Regions
    skin: smooth.SkinLayers | None
    detail: enhance.DetailLayers | None
    tone: tone.ToneLayers | None


def analyse(
    rgb: np.ndarray, mesh: np.ndarray, softness: float = 1.0, only: tuple[float, float, float] | None = None
) -> FaceLayers | None:
    """Prepare one face (mesh in `rgb`'s pixels); None when the face lies outside the image.

    `only` = (gpen, skin, skin_unifi) prepares just the effects a render at those strengths uses (the tone
    layers were 23 % of a default retouch, whose skin_unifi is 0); None prepares all, for the preview, which
    renders any setting from one analysis.
    """
    regions = face_regions(rgb, mesh)
    if regions is None:
        return None
    gpen, skin, skin_unifi = only or (1.0, 1.0, 1.0)
    x0, y0, x1, y1 = regions.box
    src = rgb[y0:y1, x0:x1].astype(np.float32)
    return FaceLayers(
        regions=regions,
        skin=smooth.split(src, regions.skin, regions.unit, softness) if skin > 0 else None,
        detail=enhance.prepare(luma(src), regions.unit, softness) if gpen > 0 else None,
        tone=(
            tone.prepare(src, regions.skin, regions.unit, regions.under_eyes, cheek_apples(regions, mesh))
            if skin_unifi > 0
            else None
        ),
    )


def face_delta(layers: FaceLayers, gpen: float, skin: float, skin_unifi: float) -> np.ndarray:
    """What the three effects add to the face region (RGB float32, region-sized)."""
    r = layers.regions
    out = np.zeros((*r.skin.shape, 3), np.float32)
    keep = np.ones(r.skin.shape, np.float32)  # 1 - healed share: a healed spot is not smoothed or sharpened
    if skin_unifi > 0:
        assert layers.tone is not None, "analysed without the tone layers"
        # A dark spot is itself half out of the colour-refined skin mask (it is dark): heal wherever the
        # mask is at least half skin, fully, or the spot stays as a ghost.
        healed = tone.spot_mask(layers.tone, skin_unifi) * np.clip(2.0 * r.skin, 0.0, 1.0)
        out += healed[..., None] * layers.tone.heal
        out += (skin_unifi * r.skin)[..., None] * layers.tone.shift
        if layers.tone.under_eyes is not None:
            out += skin_unifi * layers.tone.under_eyes
        keep -= healed
    if skin > 0:
        assert layers.skin is not None, "analysed without the skin layers"
        out += keep[..., None] * smooth.delta(layers.skin, skin)  # (the layers are masked by the skin)
    if gpen > 0:
        assert layers.detail is not None, "analysed without the detail layers"
        # Skin and the margins around the features (oval minus features) get local contrast only.
        rest = SKIN_DETAIL * (1.0 - skin) * np.maximum(r.skin, r.oval - r.features).clip(0, 1)
        out += enhance.delta(layers.detail, gpen, r.features * keep, rest * keep)[..., None]
    return out


def render(
    rgb: np.ndarray, faces: list[FaceLayers], gpen: float, skin: float, skin_unifi: float
) -> np.ndarray:
    """A retouched copy of `rgb` (the image the layers were prepared on)."""
    out = rgb.copy()
    if not (gpen or skin or skin_unifi):
        return out
    for layers in faces:
        x0, y0, x1, y1 = layers.regions.box
        region = out[y0:y1, x0:x1].astype(np.float32)
        region += face_delta(layers, gpen, skin, skin_unifi)
        out[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
    return out


__all__ = ["FaceLayers", "analyse", "face_delta", "render"]
