"""Retouch masks from a FaceMesh-468 mesh: face oval, skin, eyes, brows, lips, teeth (float32, 0..1).

Landmark index sets are MediaPipe's own, from `mediapipe/python/solutions/face_mesh_connections.py`
(FACEMESH_FACE_OVAL, FACEMESH_LEFT_EYE/RIGHT_EYE, FACEMESH_LEFT_EYEBROW/RIGHT_EYEBROW, FACEMESH_LIPS),
written out here as closed contours in drawing order. "Right"/"left" are the subject's (MediaPipe's
convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
             148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)  # fmt: skip
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)  # upper edge outwards-in, then lower edge back
LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LIPS_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)

# Dilation of the features cut out of the skin, as fractions of the distance between the eye centres:
# enough to keep lashes, brow hairs and the lip line out of the smoothing (tuned on astronaut/grace_hopper).
EYE_MARGIN, BROW_MARGIN, LIP_MARGIN = 0.12, 0.08, 0.06
# Skin-colour distance (Mahalanobis, in Lab) below which a pixel is surely skin, above which surely not.
SKIN_SURE, SKIN_NOT = 2.5, 4.5
BLEMISH = 0.15  # spots up to ~0.3 eye distances across are kept in the skin mask (closing radius)


@dataclass(frozen=True)
class FaceMasks:
    """Float32 0..1 masks, all the H×W of the image (or crop) they were made for."""

    oval: np.ndarray
    skin: np.ndarray
    eyes: np.ndarray
    brows: np.ndarray
    lips: np.ndarray
    teeth: np.ndarray
    colour_refined: bool  # False when only a shape was given (no skin-colour refinement possible)


def _poly(shape: tuple[int, int], mesh: np.ndarray, *contours: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    polys = [np.round(mesh[list(c)] * 4).astype(np.int32) for c in contours]
    cv2.fillPoly(mask, polys, 255, lineType=cv2.LINE_AA, shift=2)  # shift=2: quarter-pixel precision
    return mask


def _dilate(mask: np.ndarray, radius: float) -> np.ndarray:
    r = max(1, round(radius))
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))


def _close(mask: np.ndarray, radius: float) -> np.ndarray:
    r = max(1, round(radius))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)


def _eye_distance(mesh: np.ndarray) -> float:
    right, left = mesh[list(RIGHT_EYE)].mean(0), mesh[list(LEFT_EYE)].mean(0)
    return float(max(np.hypot(*(left - right)), 1.0))


def _cheek_band(shape: tuple[int, int], mesh: np.ndarray) -> np.ndarray:
    """Pixels between the eyes' lower edge and the upper lip along the face's own vertical (roll-proof)."""
    eyes = (mesh[list(RIGHT_EYE)].mean(0) + mesh[list(LEFT_EYE)].mean(0)) / 2
    mouth = mesh[list(LIPS_OUTER)].mean(0)
    down = mouth - eyes
    length = float(np.hypot(*down)) or 1.0
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    t = ((xs - eyes[0]) * down[0] + (ys - eyes[1]) * down[1]) / length**2
    return (t > 0.3) & (t < 0.8)


def _skin_likelihood(rgb: np.ndarray, sample: np.ndarray) -> np.ndarray | None:
    """0..255 per pixel: how close its Lab colour is to the sampled skin (hair, glasses, beard fall to 0)."""
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    px = lab[sample]
    if len(px) < 50:
        return None
    centre = np.median(px, axis=0)
    spread = np.percentile(np.abs(px - centre), 90, axis=0)
    px = px[np.all(np.abs(px - centre) <= spread + 1e-6, axis=1)]  # drop specular highlights, stray hairs
    cov = np.cov(px.T) + np.diag([4.0, 1.0, 1.0])  # floor: flat synthetic skin must not give a zero spread
    cov[0, :] *= 1.5  # lightness varies with shading far more than chroma does: loosen it
    cov[:, 0] *= 1.5
    diff = lab - centre
    d = np.sqrt(np.einsum("...i,ij,...j->...", diff, np.linalg.inv(cov), diff))
    like = np.clip((SKIN_NOT - d) / (SKIN_NOT - SKIN_SURE), 0, 1).astype(np.float32)
    return (like * 255).astype(np.uint8)


def _region(shape: tuple[int, int], mesh: np.ndarray, pad: float) -> tuple[int, int, int, int] | None:
    x0, y0 = np.floor(mesh.min(0) - pad).astype(int)
    x1, y1 = np.ceil(mesh.max(0) + pad).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(shape[1], x1), min(shape[0], y1)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def face_masks(
    shape_or_rgb: np.ndarray | tuple[int, ...], mesh: np.ndarray, *, feather: float = 0.03
) -> FaceMasks:
    """Masks for one face; pass the RGB image (or a crop) for skin-colour refinement, or just its shape.

    `mesh` is the (468, 2) FaceMesh in the pixels of that image; `feather` is the edge blur as a fraction of
    the eye distance. Work is done on the face's bounding region only, so a crop is as good as the full frame.
    """
    rgb = shape_or_rgb if isinstance(shape_or_rgb, np.ndarray) and shape_or_rgb.ndim == 3 else None
    dims = np.shape(shape_or_rgb) if rgb is not None else tuple(shape_or_rgb)
    shape = (int(dims[0]), int(dims[1]))
    mesh = np.asarray(mesh, np.float32).reshape(-1, 2)
    if mesh.shape[0] < 468:
        raise ValueError("face_masks needs the 468-point FaceMesh")
    eye_d = _eye_distance(mesh)
    names = ("oval", "skin", "eyes", "brows", "lips", "teeth")
    full = {n: np.zeros(shape, np.float32) for n in names}
    region = _region(shape, mesh, pad=eye_d)
    if region is None:
        return FaceMasks(**full, colour_refined=False)
    x0, y0, x1, y1 = region
    local = mesh - [x0, y0]
    sub = (y1 - y0, x1 - x0)
    parts = _shape_masks(sub, local, eye_d)
    refined = False
    if rgb is not None:
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        like = _skin_likelihood(crop, (parts["skin"] > 127) & _cheek_band(sub, local))
        if like is not None:
            # Closing fills freckles and spots (they must be retouched, not left out); a fringe of hair is far
            # larger than the closing radius and stays out.
            like = _close(like, BLEMISH * eye_d)
            parts["skin"] = np.minimum(parts["skin"], like)
            refined = True
    sigma = max(0.5, feather * eye_d)
    for n in names:
        full[n][y0:y1, x0:x1] = cv2.GaussianBlur(parts[n].astype(np.float32) / 255.0, (0, 0), sigma)
    return FaceMasks(**full, colour_refined=refined)


def _shape_masks(shape: tuple[int, int], mesh: np.ndarray, eye_d: float) -> dict[str, np.ndarray]:
    oval = _poly(shape, mesh, FACE_OVAL)
    eyes = _poly(shape, mesh, RIGHT_EYE, LEFT_EYE)
    brows = _poly(shape, mesh, RIGHT_BROW, LEFT_BROW)
    lips_all = _poly(shape, mesh, LIPS_OUTER)
    teeth = _poly(shape, mesh, LIPS_INNER)
    lips = cv2.subtract(lips_all, teeth)
    cut = np.maximum.reduce(
        [
            _dilate(eyes, EYE_MARGIN * eye_d),
            _dilate(brows, BROW_MARGIN * eye_d),
            _dilate(lips_all, LIP_MARGIN * eye_d),
        ]
    )
    skin = cv2.subtract(oval, cut)
    return {"oval": oval, "skin": skin, "eyes": eyes, "brows": brows, "lips": lips, "teeth": teeth}


__all__ = [
    "FACE_OVAL",
    "LEFT_BROW",
    "LEFT_EYE",
    "LIPS_INNER",
    "LIPS_OUTER",
    "RIGHT_BROW",
    "RIGHT_EYE",
    "FaceMasks",
    "face_masks",
]
