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
# Spots up to this size (of the eye distance) that the colour test leaves out are put back into the skin
# mask (they must be retouched) when they are compact and surrounded by skin: a glasses rim, a strand of
# hair or a moustache is long or dense and stays out. (A morphological closing used to do this and
# swallowed every structure thinner than its radius: frames, strands, stubble.)
BLEMISH = 0.2
SPOT_FILL, SPOT_ASPECT, SPOT_SURROUND = 0.35, 2.5, 0.7
TILE_PIXELS = 1 << 20  # the spots' ring test works on at most this many pixels at once (~20 MB)
# Thin dark structures (glasses rims and bridges, strands of hair, moustache and stubble hairs) are not skin
# even where their colour passes for it (a thin rim is a mix of its colour and the skin's): a pixel is one
# when it is darker than its surroundings' closing (a black-hat of L*, radius THIN_RADIUS eye distances) by
# more than THIN_DEPTH and darker than the skin's median by more than THIN_DROP (L* units). A crease is only
# a little darker than the skin and stays in.
THIN_RADIUS, THIN_DEPTH, THIN_DROP = 0.06, 6.0, 12.0
THIN_RAMP = 4.0  # L* over THIN_DROP from "maybe" to "surely" a structure
# Dark hairs closer than 2 × HAIR_GAP (of the eye distance) are one hair area, when they are pieces at least
# HAIR_LONG long (see _join_hairs).
HAIR_GAP, HAIR_LONG = 0.02, 0.05
# Pores, grain and JPEG noise make single pixels (and 2–3 px clusters on an enlarged photo) fail the colour
# test: a mask without a closing was riddled with pinholes, exactly where smoothing must act (the sure skin
# of the astronaut ×2 fell from 26 % of the face box to 8 %). A closing this small (of the eye distance;
# the old one was 0.15) fills them and no structure wider than ~2 × PORE; darker ones are kept out anyway.
PORE = 0.03


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


def _fill_pores(like: np.ndarray, lab: np.ndarray, skin_lightness: float, eye_d: float) -> np.ndarray:
    """`like` with the pinholes that pores and film grain leave in a per-pixel colour test filled in (a
    closing of PORE eye distances), except where a pixel is darker than the skin by more than THIN_DROP: it
    may be part of a strand, a rim or a fold, which the closing must not swallow."""
    closed = _close(like, PORE * eye_d)
    dark = (skin_lightness - lab[..., 0]) > THIN_DROP
    return np.where(dark, like, closed)


def _readmit_spots(
    like: np.ndarray, shape_skin: np.ndarray, eye_d: float, surround: float = SPOT_SURROUND
) -> np.ndarray:
    """`like` with the compact, isolated holes inside the skin shape (spots, moles, freckles) set to skin:
    those whose ring is at least `surround` skin."""
    holes = ((like < 128) & (shape_skin > 127)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
    if n <= 1:
        return like
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    area = stats[:, cv2.CC_STAT_AREA]
    long_side, short_side = np.maximum(w, h), np.maximum(np.minimum(w, h), 1)
    compact = (
        (long_side <= BLEMISH * eye_d) & (area >= SPOT_FILL * w * h) & (long_side <= SPOT_ASPECT * short_side)
    )
    # A dot of one or two pixels is a pore or noise, not worth the ring test.
    ok = compact & (area <= 2)
    ringed = np.nonzero(compact & (area > 2))[0]
    ringed = ringed[ringed != 0]  # label 0 is what is not a hole
    if ringed.size:
        ok[ringed] = _surrounded(labels, stats, ringed, like >= 128, shape_skin > 127, surround)
    ok[0] = False
    back = cv2.dilate(ok[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    out = like.copy()
    out[back] = 255
    return out


def _surrounded(
    labels: np.ndarray,
    stats: np.ndarray,
    which: np.ndarray,
    skin: np.ndarray,
    shape: np.ndarray,
    surround: float,
) -> np.ndarray:
    """For each blob of `which`: is the ring around it (the pixels within its longer side, at least 2 px,
    in the chessboard metric: a square dilation) mostly inside the skin shape, and at least `surround` of
    that skin? Stubble and beard are many dots close together, the edge of the hair or of a shadow is skin
    on one side only.

    Blobs of about one size are tested together (a Python loop per blob took 15 ms on a 12 MP retouch):
    each one's box is cut out with a margin of the group's widest ring into a tile, the tiles are stacked
    into one image and one distance transform gives every ring. A blob lies a margin inside its tile, so
    the pixels of its ring are nearer to it than to the next tile's blob.
    """
    out = np.zeros(which.size, bool)
    rows_img, cols_img = labels.shape
    flat_labels = labels.ravel()
    code = (shape.view(np.uint8) << 1 | skin.view(np.uint8)).ravel()  # bit 1: in the skin shape, bit 0: skin
    x, y = stats[which, cv2.CC_STAT_LEFT], stats[which, cv2.CC_STAT_TOP]
    w, h = stats[which, cv2.CC_STAT_WIDTH], stats[which, cv2.CC_STAT_HEIGHT]
    ring = np.maximum(2, np.maximum(w, h))
    size_class = np.ceil(np.log2(ring)).astype(int)  # 2 | 3–4 | 5–8 | 9–16 …
    for c in np.unique(size_class):
        group = np.nonzero(size_class == c)[0]
        margin = int(ring[group].max())
        tile_h, tile_w = int(h[group].max()) + 2 * margin, int(w[group].max()) + 2 * margin
        step = max(1, TILE_PIXELS // (tile_h * tile_w))  # memory stays bounded on a big close-up
        for pick in (group[i : i + step] for i in range(0, group.size, step)):
            rows = (y[pick] - margin)[:, None] + np.arange(tile_h)
            cols = (x[pick] - margin)[:, None] + np.arange(tile_w)
            valid = ((rows >= 0) & (rows < rows_img))[:, :, None] & ((cols >= 0) & (cols < cols_img))[
                :, None, :
            ]
            flat = (
                np.clip(rows, 0, rows_img - 1)[:, :, None] * cols_img
                + np.clip(cols, 0, cols_img - 1)[:, None, :]
            )
            tile = code.take(flat)
            blob = (flat_labels.take(flat) == which[pick][:, None, None]) & valid
            # Chessboard distance to the blob (DIST_C with a 3×3 mask is exact).
            dist = cv2.distanceTransform((~blob).reshape(-1, tile_w).astype(np.uint8), cv2.DIST_C, 3)
            around = (dist.reshape(blob.shape) <= ring[pick][:, None, None]) & ~blob & valid
            inside = around & ((tile & 2) > 0)
            n_around, n_inside = around.sum(axis=(1, 2)), inside.sum(axis=(1, 2))
            n_skin = (inside & ((tile & 1) > 0)).sum(axis=(1, 2))
            out[pick] = (
                (n_inside >= 0.5 * n_around) & (n_inside > 0) & (n_skin / np.maximum(n_inside, 1) >= surround)
            )
    return out


def _eye_distance(mesh: np.ndarray) -> float:
    right, left = mesh[list(RIGHT_EYE)].mean(0), mesh[list(LEFT_EYE)].mean(0)
    return float(max(np.hypot(*(left - right)), 1.0))


def _down_the_face(shape: tuple[int, int], mesh: np.ndarray) -> np.ndarray:
    """Each pixel's place along the face's own vertical (roll-proof): 0 at the eyes, 1 at the mouth."""
    eyes = (mesh[list(RIGHT_EYE)].mean(0) + mesh[list(LEFT_EYE)].mean(0)) / 2
    mouth = mesh[list(LIPS_OUTER)].mean(0)
    down = mouth - eyes
    length = float(np.hypot(*down)) or 1.0
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    return ((xs - eyes[0]) * down[0] + (ys - eyes[1]) * down[1]) / length**2


def _cheek_band(shape: tuple[int, int], mesh: np.ndarray) -> np.ndarray:
    """Pixels between the eyes' lower edge and the upper lip."""
    t = _down_the_face(shape, mesh)
    return (t > 0.3) & (t < 0.8)


def _forehead_band(shape: tuple[int, int], mesh: np.ndarray) -> np.ndarray:
    """Pixels above the brows (the forehead, or the fringe that hides it)."""
    t = _down_the_face(shape, mesh)
    return (t < -0.55) & (t > -1.3)


def _skin_model(lab: np.ndarray, sample: np.ndarray, forehead: np.ndarray) -> np.ndarray | None:
    """0..255 skin likelihood from the cheeks' colours, widened by the forehead's own colours when they are
    skin (a lit or shiny forehead is often lighter than the cheeks and fell outside a cheek-only model,
    leaving a seam across it); a fringe of hair over the forehead has another colour and adds nothing."""
    like = _skin_likelihood(lab, sample)
    if like is None:
        return None
    upper = _skin_likelihood(lab, forehead, reference=lab[sample])
    return like if upper is None else np.maximum(like, upper)


def _join_hairs(sure: np.ndarray, drop: np.ndarray, eye_d: float) -> np.ndarray:
    """`sure` with the gaps between nearby dark hairs (a moustache, stubble, a beard's edge) closed.

    Inside a moustache the lighter hairs and the skin glimpsed between the dark ones pass the skin tests;
    smoothed, they blurred the hair into a smear (jesse's moustache kept 61 % of its detail at skin = 1).
    Only pieces that are surely dark (not a crease, only a little darker) and longer than a grain (film
    grain and JPEG noise in shadow are dots; joined, they cut smoothing out of einstein's cheek) are joined.
    """
    dark = ((sure >= 0.5) & (drop >= THIN_DROP + THIN_RAMP)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    long_side = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = long_side >= HAIR_LONG * eye_d
    keep[0] = False
    r = max(1, round(HAIR_GAP * eye_d))
    joined = cv2.morphologyEx(
        keep[labels].astype(np.uint8), cv2.MORPH_CLOSE, np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    )
    return np.maximum(sure, joined.astype(np.float32))


def thin_structures(lab: np.ndarray, skin_lightness: float, eye_d: float) -> np.ndarray:
    """0..1 per pixel: how surely it belongs to a thin dark structure (see THIN_DEPTH), spots excepted.

    `lab` is the image in CIE Lab (OpenCV's float scale, L* 0..100), `skin_lightness` the skin's median L*.
    Compact, isolated dark blobs (spots, moles) are not structures: they are skin to retouch.
    """
    light = np.ascontiguousarray(lab[..., 0])
    r = max(1, round(THIN_RADIUS * eye_d))
    # A square closing (separable in OpenCV, several times faster than a disc at full resolution) finds
    # thin lines of any direction as well: a line is thinner than the square in both axes' passes.
    kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    depth = cv2.morphologyEx(light, cv2.MORPH_CLOSE, kernel) - light
    drop = skin_lightness - light
    sure = np.clip((depth - THIN_DEPTH) / THIN_DEPTH, 0, 1) * np.clip((drop - THIN_DROP) / THIN_RAMP, 0, 1)
    sure = _join_hairs(sure, drop, eye_d)
    # A spot among wrinkles (themselves dark lines) has less plain skin around it than one on a smooth
    # cheek: a half-plain ring is enough here.
    everywhere = np.full(sure.shape, 255, np.uint8)
    spots = _readmit_spots(255 - (sure * 255).astype(np.uint8), everywhere, eye_d, surround=0.5)
    return np.where(spots == 255, 0.0, sure).astype(np.float32)


def _skin_likelihood(
    lab: np.ndarray, sample: np.ndarray, reference: np.ndarray | None = None
) -> np.ndarray | None:
    """0..255 per pixel: how close its Lab colour is to the sampled skin (hair, glasses, beard fall to 0).

    With `reference` (the cheeks' pixels), the sample counts only when its median is near their median.
    """
    px = lab[sample]
    if len(px) < 50:
        return None
    centre = np.median(px, axis=0)
    if reference is not None:
        ref = np.median(reference, axis=0)
        # Lightness may differ (light falls on the forehead), chroma must not (hair, a hat, a hand do).
        if abs(centre[0] - ref[0]) > 20 or np.hypot(*(centre[1:] - ref[1:])) > 8:
            return None
    spread = np.percentile(np.abs(px - centre), 90, axis=0)
    px = px[np.all(np.abs(px - centre) <= spread + 1e-6, axis=1)]  # drop specular highlights, stray hairs
    cov = np.cov(px.T) + np.diag([4.0, 1.0, 1.0])  # floor: flat synthetic skin must not give a zero spread
    cov[0, :] *= 1.5  # lightness varies with shading far more than chroma does: loosen it
    cov[:, 0] *= 1.5
    diff = lab - centre
    # The Mahalanobis distance as a float32 product (einsum took float64, three times as long).
    d = np.sqrt(((diff @ np.linalg.inv(cov).astype(np.float32)) * diff).sum(axis=-1))
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
        lab = cv2.cvtColor(crop.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        inside = parts["skin"] > 127
        sample = inside & _cheek_band(sub, local)
        like = _skin_model(lab, sample, inside & _forehead_band(sub, local))
        if like is not None:
            skin_lightness = float(np.median(lab[..., 0][sample]))
            like = _fill_pores(like, lab, skin_lightness, eye_d)
            thin = thin_structures(lab, skin_lightness, eye_d)
            like = (like * (1 - thin)).astype(np.uint8)
            colour = _readmit_spots(like, parts["skin"], eye_d)
            refined = True
    sigma = max(0.5, feather * eye_d)
    for n in names:
        full[n][y0:y1, x0:x1] = cv2.GaussianBlur(parts[n].astype(np.float32) / 255.0, (0, 0), sigma)
    if refined:
        # The colour test is applied after the shape's feathering, not before: a blur would spread skin
        # over a thin strand or rim (a 2 px strand inside a feathered mask reads as half skin).
        soft = cv2.GaussianBlur(colour.astype(np.float32) / 255.0, (0, 0), 0.5)
        full["skin"][y0:y1, x0:x1] *= soft
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
    "thin_structures",
]
