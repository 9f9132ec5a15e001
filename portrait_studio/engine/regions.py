"""Where each effect may act: the face-mesh masks of core.faces, cut to the face region plus a margin."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from portrait_studio.core.faces import face_masks
from portrait_studio.core.masks import LEFT_EYE, RIGHT_EYE, thin_structures
from portrait_studio.engine.filters import luma

# Nostrils and the base of the nose (MediaPipe mesh indices around the alae and the subnasale, checked by
# drawing them on astronaut and grace_hopper): core.masks has no nostril mask, and nostrils must stay sharp
# and dark (they look like a dark blemish to the spot finder).
NOSTRILS = (48, 64, 98, 97, 2, 326, 327, 294, 278)
NOSTRIL_MARGIN = 0.08  # of the eye distance: the dark nostril holes sit just below the hull's lower edge
# Inside that zone only the dark holes are nostrils (darker than this share of the median luma of the
# nose around them, over NOSTRIL_NEAR eye distances); the tip and the wings are skin and are smoothed like
# the rest (a cut-out of the whole zone left a textured nose on a smooth face). The median is local: in
# side light one median of the zone is the shadow half's, which then was all "nostril", while the lit
# nostril was healed away as a red spot (jesse).
NOSTRIL_DARK = 0.7
NOSTRIL_NEAR = 0.3
# Below each eye: the lower lid, then two rings of the mesh further down (MediaPipe indices, outer corner
# to inner and back): the band of bags and dark circles that skin_unifi lifts towards the cheek.
UNDER_EYES = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 245, 128, 121, 120, 119, 118, 117, 111, 143),
    (263, 249, 390, 373, 374, 380, 381, 382, 362, 465, 357, 350, 349, 348, 347, 346, 340, 372),
)
# The apples of the cheeks (MediaPipe indices around 50 and 280, checked by drawing them on obama2), where a
# blush sits: skin_unifi keeps its warmth (see tone.BLUSH_SIGMA).
CHEEK_APPLES = ((118, 101, 36, 205, 187, 123, 117), (347, 330, 266, 425, 411, 352, 346))
MASK_EYE_PX = 110.0  # masks are drawn at most at this eye distance (px) and enlarged (see face_regions)
MARGIN = 0.35  # region margin around the face oval, of the eye distance (room for the mask feathering)


@dataclass(frozen=True)
class Regions:
    """Masks (float32 0..1) of one face, all cut to `box` = (x0, y0, x1, y1) of the image."""

    box: tuple[int, int, int, int]
    oval: np.ndarray  # the whole face, feathered
    skin: np.ndarray  # skin only: no eyes, brows, lips, nostrils, hair or glasses
    features: np.ndarray  # eyes with lashes, brows, lips, teeth, nostrils: full gpen
    under_eyes: np.ndarray  # the bags and dark circles below the eyes (not the lids or lashes)
    unit: float  # eye distance / 100 px: the effects' sizes scale with the face


def eye_distance(mesh: np.ndarray) -> float:
    """Distance between the eye centres in pixels."""
    right, left = mesh[list(RIGHT_EYE)].mean(0), mesh[list(LEFT_EYE)].mean(0)
    return float(max(np.hypot(*(left - right)), 1.0))


def region_box(shape: tuple[int, ...], mesh: np.ndarray) -> tuple[int, int, int, int] | None:
    """The face oval's bounding box plus a margin, clipped to the image (None when fully outside)."""
    pad = MARGIN * eye_distance(mesh)
    x0, y0 = np.floor(mesh.min(0) - pad).astype(int)
    x1, y1 = np.ceil(mesh.max(0) + pad).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(shape[1], x1), min(shape[0], y1)
    return (int(x0), int(y0), int(x1), int(y1)) if x1 - x0 > 8 and y1 - y0 > 8 else None


def _dilate(mask: np.ndarray, radius: float) -> np.ndarray:
    r = max(1, round(radius))
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))


def _nostrils(crop: np.ndarray, mesh: np.ndarray, eye_d: float) -> np.ndarray:
    """The dark nostril holes (float32 0/1), not the whole lower nose."""
    hull_mask = np.zeros(crop.shape[:2], np.uint8)
    hull = cv2.convexHull(np.round(mesh[list(NOSTRILS)]).astype(np.int32))
    cv2.fillConvexPoly(hull_mask, hull, 1)
    zone = _dilate(hull_mask, NOSTRIL_MARGIN * eye_d) > 0
    holes = np.zeros(zone.shape, np.float32)
    if not zone.any():
        return holes
    # Worked out on the zone's bounding box (the lower nose) and the median's reach: over the whole region
    # of a full-size face (eye distance ~700 px, a 2000² region) the median took ~90 ms.
    k = max(3, round(NOSTRIL_NEAR * eye_d) // 2 * 2 + 1)
    x, y, w, h = cv2.boundingRect(zone.astype(np.uint8))
    box = (slice(max(0, y - k // 2), y + h + k // 2), slice(max(0, x - k // 2), x + w + k // 2))
    inside, lum = zone[box], luma(crop[box].astype(np.float32))
    # Outside the zone the zone's own median stands in, so the local medians near its edge are of the
    # nose (an 8-bit copy: OpenCV's large-window median is for 8 bits only).
    y8 = np.where(inside, lum, np.median(lum[inside])).clip(0, 255).astype(np.uint8)
    near = cv2.medianBlur(y8, k).astype(np.float32)
    holes[box] = inside & (lum < NOSTRIL_DARK * near)
    return _dilate(holes, 0.02 * eye_d)


def _under_eyes(shape: tuple[int, int], mesh: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.float32)
    for ring in UNDER_EYES:
        cv2.fillPoly(mask, [np.round(mesh[list(ring)] * 4).astype(np.int32)], 1.0, cv2.LINE_AA, shift=2)
    return mask


def cheek_apples(regions: Regions, mesh: np.ndarray) -> tuple[np.ndarray, ...]:
    """The apples of the cheeks as convex polygons (float32 x, y) in `regions`' box, for the face whose mesh
    is given in the image's pixels. Only the tone needs them, and draws them at the size it works on."""
    local = (mesh - [regions.box[0], regions.box[1]]).astype(np.float32)
    return tuple(cv2.convexHull(local[list(ring)]).reshape(-1, 2) for ring in CHEEK_APPLES)


def face_regions(rgb: np.ndarray, mesh: np.ndarray) -> Regions | None:
    """The masks of one face whose mesh is given in `rgb`'s pixels (None when it lies outside)."""
    box = region_box(rgb.shape, mesh)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    eye_d = eye_distance(mesh)
    shape = (y1 - y0, x1 - x0)
    # The masks are soft-edged: drawing them for a face larger than MASK_EYE_PX between the eyes and
    # enlarging them afterwards looks the same and saves most of the time on big faces.
    f = min(1.0, MASK_EYE_PX / eye_d)
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    local = (mesh - [x0, y0]).astype(np.float32)
    if f < 1.0:
        size = (max(1, round(shape[1] * f)), max(1, round(shape[0] * f)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        local = ((local + 0.5) * [size[0] / shape[1], size[1] / shape[0]] - 0.5).astype(np.float32)
    oval, skin, features, under = _masks(crop, local, eye_d * f)
    if f < 1.0:
        back = (shape[1], shape[0])
        oval, skin, features, under = (
            cv2.resize(m, back, interpolation=cv2.INTER_LINEAR) for m in (oval, skin, features, under)
        )
        # A glasses rim or a strand of hair a few pixels wide vanishes on the reduced copy: look for thin
        # dark structures again at full resolution.
        full = np.ascontiguousarray(rgb[y0:y1, x0:x1]).astype(np.float32) / 255.0
        lab = cv2.cvtColor(full, cv2.COLOR_RGB2LAB)
        sure = skin > 0.9
        if sure.any():
            thin = thin_structures(lab, float(np.median(lab[..., 0][sure])), eye_d)
            skin = skin * (1.0 - cv2.GaussianBlur(thin, (0, 0), 0.5))
    return Regions(box=box, oval=oval, skin=skin, features=features, under_eyes=under, unit=eye_d / 100.0)


def _masks(
    crop: np.ndarray, local: np.ndarray, eye_d: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    m = face_masks(crop, local)
    sigma = max(0.7, 0.03 * eye_d)  # the same feathering core.masks uses (3 % of the eye distance)
    nostrils = cv2.GaussianBlur(_nostrils(crop, local, eye_d), (0, 0), sigma)
    # Full gpen only where the features are, lashes and brow hairs just past the mesh contours included:
    # the wider margins that core.masks cuts out of the skin are skin and get the skin's share of gpen
    # (full gpen there drew stippled rings and "drawn-on" brows).
    eyes = _dilate(m.eyes, 0.04 * eye_d)
    lips = np.maximum(m.lips, m.teeth)
    brows = _dilate(m.brows, 0.02 * eye_d)
    features = cv2.GaussianBlur(np.maximum.reduce([eyes, lips, brows]), (0, 0), sigma)
    features = np.maximum(features, nostrils)
    skin = m.skin * (1.0 - np.clip(nostrils * 1.5, 0, 1))
    # Under the eyes: the band without the lid and lashes (eyes dilated) and without the nostrils.
    under = _under_eyes(crop.shape[:2], local) * (1.0 - np.clip(_dilate(m.eyes, 0.06 * eye_d), 0, 1))
    under = cv2.GaussianBlur(under, (0, 0), 2 * sigma)
    return m.oval, skin, features, under
