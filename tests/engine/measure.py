"""Measurements for the engine quality tests and docs/quality/make_sheets.py: masks, energy, SSIM, spots."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from portrait_studio.core import masks as landmarks
from portrait_studio.core.faces import detect_faces, face_masks, face_mesh
from tests import photos


@dataclass(frozen=True)
class Truth:
    """Masks measured independently of the engine, on the image being judged (bool arrays)."""

    skin: np.ndarray  # surely skin (core mask ≥ 0.95, eroded)
    outside: np.ndarray  # surely not skin, including a band for SSIM's 7×7 window
    oval: np.ndarray  # the face oval (≥ 0.5)
    features: np.ndarray  # the eyes, brows and lips (inside their landmark contours)
    box: tuple[int, int, int, int]  # the face's region: x0, y0, x1, y1


def truth(rgb: np.ndarray) -> Truth:
    """Detect, mesh and mask the one face of `rgb` (an output-size image)."""
    faces = detect_faces(rgb)
    assert faces.count >= 1 and not faces.approximate
    mesh = face_mesh(rgb, faces.faces[0])
    masks = face_masks(rgb, mesh)
    kernel = np.ones((9, 9), np.uint8)
    skin = sure_skin(masks.skin)
    outside = cv2.dilate((masks.skin > 0.01).astype(np.uint8), kernel) == 0
    x0, y0 = np.floor(mesh.min(0)).astype(int)
    x1, y1 = np.ceil(mesh.max(0)).astype(int)
    h, w = rgb.shape[:2]
    box = (max(0, x0), max(0, y0), min(w, x1), min(h, y1))
    features = np.zeros((h, w), np.uint8)
    for contour in (landmarks.RIGHT_EYE, landmarks.LEFT_EYE, landmarks.RIGHT_BROW, landmarks.LEFT_BROW):
        cv2.fillPoly(features, [np.round(mesh[list(contour)]).astype(np.int32)], 1)
    cv2.fillPoly(features, [np.round(mesh[list(landmarks.LIPS_OUTER)]).astype(np.int32)], 1)
    return Truth(skin=skin, outside=outside, oval=masks.oval >= 0.5, box=box, features=features > 0)


def sure_skin(skin: np.ndarray) -> np.ndarray:
    """Where a core skin mask is surely skin: ≥ 0.95, eroded by 4 px (what the quality tests judge on)."""
    return cv2.erode((skin >= 0.95).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0


# The least sure_skin_share a face may have: measured 0.19–0.38 on the 13 faces of real_faces.py and
# 0.17 / 0.25 on the astronaut / Grace Hopper ×2 (2 Dec 2026); when pores and grain were left as pinholes in
# the mask (no closing at all) it fell to 0.09 on the astronaut and 0.14 on lenna, and smoothing and tone
# hardly acted on them.
SURE_SKIN_SHARE = 0.15


def sure_skin_share(rgb: np.ndarray, mesh: np.ndarray) -> float:
    """The sure skin of core.faces.face_masks as a share of the mesh's bounding box.

    A mask riddled with pinholes (pores and grain failing the colour test) loses most of its sure skin to
    the erosion, so this falls: what smoothing and tone act on fully has collapsed.
    """
    x0, y0 = mesh.min(0)
    x1, y1 = mesh.max(0)
    return float(sure_skin(face_masks(rgb, mesh).skin).sum() / max((x1 - x0) * (y1 - y0), 1.0))


def gray(rgb: np.ndarray) -> np.ndarray:
    """Luma as float64 (BT.601)."""
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def laplacian_energy(rgb: np.ndarray, where: np.ndarray) -> float:
    """Mean squared Laplacian of luma over `where`: the high-frequency energy."""
    lap = cv2.Laplacian(gray(rgb), cv2.CV_64F, ksize=1)
    return float(np.mean(lap[where] ** 2))


def ssim_over(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    """Mean of the luma SSIM map (7×7 window, data range 255) over `where`."""
    _, smap = structural_similarity(gray(a), gray(b), data_range=255.0, full=True)
    return float(smap[where].mean())


def ab_spread(rgb: np.ndarray, where: np.ndarray) -> float:
    """Spread of skin colour: the RMS of the a* and b* standard deviations (CIE Lab) over `where`."""
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    return float(np.hypot(lab[..., 1][where].std(), lab[..., 2][where].std()))


@dataclass(frozen=True)
class Spot:
    """A pasted blemish: centre and diameter in px."""

    x: int
    y: int
    diameter: int


def around(shape: tuple[int, ...], x: int, y: int, half: int) -> tuple[tuple[slice, slice], np.ndarray]:
    """The window of ±half px around (x, y) clipped to the image, and each pixel's distance to (x, y)."""
    y0, y1, x0, x1 = (
        max(0, y - half),
        min(shape[0], y + half + 1),
        max(0, x - half),
        min(shape[1], x + half + 1),
    )
    yy, xx = np.mgrid[y0:y1, x0:x1]
    return (slice(y0, y1), slice(x0, x1)), np.hypot(xx - x, yy - y)


# Random places tried per spot before paste_spots gives up: a region with no room left would otherwise be
# tried for ever. 40 spots took 1.3–1.9 tries each on Grace Hopper's spot zone and 30–105 on the
# astronaut's smaller one (seeds 1–5, measured); a try costs microseconds.
MAX_TRIES_PER_SPOT = 500


def paste_spots(
    rgb: np.ndarray, where: np.ndarray, count: int, seed: int, *, at_least: int | None = None
) -> tuple[np.ndarray, list[Spot]]:
    """Paste `count` dark and red soft spots (3–8 px across) at random non-overlapping places in `where`.

    After MAX_TRIES_PER_SPOT random tries per spot, the spots that fit are kept when there are `at_least`
    of them (default: all `count`); fewer fail (AssertionError): a rate measured on a handful of spots
    says nothing, and a region that small usually means the mask it came from collapsed.
    """
    at_least = count if at_least is None else at_least
    rng = np.random.default_rng(seed)
    out = rgb.astype(np.float32)
    ys, xs = np.nonzero(where)
    assert len(ys) > 0, f"no room to paste {count} spots: the region is empty"
    spots: list[Spot] = []
    taken = np.zeros(where.shape, bool)
    tries = 0
    while len(spots) < count:
        tries += 1
        if tries > MAX_TRIES_PER_SPOT * count:
            assert len(spots) >= at_least, (
                f"only {len(spots)} of {count} spots fit in the region ({len(ys)} px) after {tries - 1} "
                f"tries, fewer than {at_least}: it is too small (has the mask it came from collapsed?)"
            )
            break
        i = rng.integers(len(ys))
        x, y, d = int(xs[i]), int(ys[i]), int(rng.integers(3, 9))
        r = d / 2
        win, dist = around(rgb.shape, x, y, 16)
        if taken[win][dist < r * 4].any():
            continue
        alpha = np.clip(r + 0.5 - dist, 0, 1)[..., None]  # anti-aliased disc
        # Half dark brown spots (moles, dark marks), half red ones (spots): typical blemish colours.
        colour = np.array([95, 60, 45] if len(spots) % 2 else [200, 70, 70], np.float32)
        strength = 0.75
        out[win] = out[win] * (1 - strength * alpha) + colour * strength * alpha
        taken[win] |= dist < r * 2
        spots.append(Spot(x, y, d))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), spots


def contrast(rgb: np.ndarray, spot: Spot) -> float:
    """How much a spot's disc stands out from the skin just around it (RGB length of the mean difference).

    The ring is 3 px wide, or half the radius for a large mark (a pasted mole)."""
    r = spot.diameter / 2
    width = max(3.0, r / 2)
    win, dist = around(rgb.shape, spot.x, spot.y, max(10, int(np.ceil(r + 1.5 + width)) + 1))
    ring = (dist >= r + 1.5) & (dist < r + 1.5 + width)  # outside the disc's anti-aliased edge
    img = rgb[win].astype(np.float64)
    return float(np.linalg.norm(img[dist <= r].mean(axis=0) - img[ring].mean(axis=0)))


def residual(
    out_spotted: np.ndarray, out_clean: np.ndarray, spotted: np.ndarray, clean: np.ndarray, spot: Spot
) -> float:
    """Share of a pasted spot's contrast left after retouching (beyond what the skin itself has there)."""
    natural = contrast(clean, spot)
    left = contrast(out_spotted, spot) - max(natural, contrast(out_clean, spot))
    return max(0.0, left) / max(contrast(spotted, spot) - natural, 1e-6)


@cache
def _enlarged(name: str) -> np.ndarray:
    rgb = getattr(photos, name)()
    # A ×2 cubic enlargement: the face then has the eye distance (~90–170 px) of a typical 1024–1328 px
    # output, the scale the 3–8 px blemish sizes refer to.
    # The top 1024 × 1024 square keeps the whole head of both portraits, so a 1024² output needs no crop.
    return cv2.resize(rgb, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)[:1024, :1024]


def enlarged(name: str) -> np.ndarray:
    """A real portrait enlarged ×2, cut to its top 1024 × 1024 square (a fresh copy)."""
    return _enlarged(name).copy()
