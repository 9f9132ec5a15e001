"""Where each effect may act: the face-mesh masks of core.faces, cut to the face region plus a margin."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from portrait_studio.core.faces import face_masks
from portrait_studio.core.masks import LEFT_EYE, RIGHT_EYE

# Nostrils and the base of the nose (MediaPipe mesh indices around the alae and the subnasale, checked by
# drawing them on astronaut and grace_hopper): core.masks has no nostril mask, and nostrils must stay sharp
# and dark (they look like a dark blemish to the spot finder).
NOSTRILS = (48, 64, 98, 97, 2, 326, 327, 294, 278)
NOSTRIL_MARGIN = 0.08  # of the eye distance: the dark nostril holes sit just below the hull's lower edge
MASK_EYE_PX = 110.0  # masks are drawn at most at this eye distance (px) and enlarged (see face_regions)
MARGIN = 0.35  # region margin around the face oval, of the eye distance (room for the mask feathering)


@dataclass(frozen=True)
class Regions:
    """Masks (float32 0..1) of one face, all cut to `box` = (x0, y0, x1, y1) of the image."""

    box: tuple[int, int, int, int]
    oval: np.ndarray  # the whole face, feathered
    skin: np.ndarray  # skin only: no eyes, brows, lips, nostrils, hair or glasses
    features: np.ndarray  # eyes with lashes, brows, lips, teeth, nostrils: kept sharp
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


def _nostrils(shape: tuple[int, int], mesh: np.ndarray, eye_d: float) -> np.ndarray:
    mask = np.zeros(shape, np.float32)
    hull = cv2.convexHull(np.round(mesh[list(NOSTRILS)]).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1.0, lineType=cv2.LINE_AA)
    return _dilate(mask, NOSTRIL_MARGIN * eye_d)


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
    oval, skin, features = _masks(crop, local, eye_d * f)
    if f < 1.0:
        back = (shape[1], shape[0])
        oval, skin, features = (
            cv2.resize(m, back, interpolation=cv2.INTER_LINEAR) for m in (oval, skin, features)
        )
    return Regions(box=box, oval=oval, skin=skin, features=features, unit=eye_d / 100.0)


def _masks(crop: np.ndarray, local: np.ndarray, eye_d: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = face_masks(crop, local)
    nostrils = _nostrils(crop.shape[:2], local, eye_d)
    sigma = max(0.7, 0.03 * eye_d)  # the same feathering core.masks uses (3 % of the eye distance)
    nostrils = cv2.GaussianBlur(nostrils, (0, 0), sigma)
    # Lashes and brow hairs reach past the mesh contours: widen the sharp-keeping zone like the skin cut does.
    eyes = _dilate(m.eyes, 0.12 * eye_d)
    lips = _dilate(np.maximum(m.lips, m.teeth), 0.05 * eye_d)
    brows = _dilate(m.brows, 0.08 * eye_d)
    features = np.maximum.reduce([eyes, lips, brows, nostrils])
    skin = m.skin * (1.0 - np.clip(nostrils * 1.5, 0, 1))
    return m.oval, skin, features
