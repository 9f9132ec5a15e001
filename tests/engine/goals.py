"""The measured goals of issue 19 on the real faces of tests/engine/real_faces.py.

Shared by tests/engine/test_real_faces.py (asserts each goal) and bench/quality.py (prints the table).
Everything is judged on the output-size image with masks made HERE from the face mesh and plain colour
rules, not with the engine's own skin mask (the thing being judged):

- judge skin: inside the face oval, outside the eyes, brows, lips and nostrils (dilated), outside thin dark
  structures, of skin colour (Lab distance to the cheeks' median) and not in deep shadow;
- thin dark structures: what a black-hat (closing minus image) of the luma shows as dark lines at least
  0.15 eye distances long: glasses frames and bridges, hair strands, moustache and beard, deep creases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from skimage.color import deltaE_ciede2000, rgb2lab

from portrait_studio.core import masks as lm
from portrait_studio.core.faces import detect_faces, face_mesh
from portrait_studio.core.params import EditParams
from portrait_studio.engine import retouch
from portrait_studio.engine.regions import NOSTRILS
from tests.engine import measure, real_faces

DEFAULTS = (0.4, 0.3, 0.0)
SPOTS = 40  # pasted on each face (spotted)
NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 48, 278, 64, 294, 129, 358, 49, 279, 209, 429,
        217, 437, 198, 420, 131, 360, 134, 363, 51, 281, 45, 275, 44, 274, 220, 440)  # fmt: skip
FOREHEAD = (10, 338, 297, 332, 284, 109, 67, 103, 54, 151, 9, 107, 336, 66, 296, 105, 334, 63, 293, 70, 300)
# Below each eye (lower lid, then two mesh rings further down), written out here so the judge does not
# depend on the engine under test (it names the same band in engine/regions.py).
UNDER_EYES = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 245, 128, 121, 120, 119, 118, 117, 111, 143),
    (263, 249, 390, 373, 374, 380, 381, 382, 362, 465, 357, 350, 349, 348, 347, 346, 340, 372),
)
CHEEKS = (
    (116, 117, 118, 119, 120, 100, 142, 203, 206, 207, 187, 123, 50, 36, 205),
    (345, 346, 347, 348, 349, 329, 371, 423, 426, 427, 411, 352, 280, 266, 425),
)


def find_mesh(rgb: np.ndarray) -> np.ndarray:
    """The largest face's mesh; the photo is framed by a grey border first, so a face that fills the frame
    is found too (the judge must not depend on the engine's own detection)."""
    pad = max(rgb.shape[:2]) // 4
    padded = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    faces = detect_faces(padded)
    assert faces.faces and not faces.approximate, "the judge found no face"
    return face_mesh(padded, faces.faces[0]) - pad


def _disk(r: float) -> np.ndarray:
    r = max(1, round(r))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _hull(shape: tuple[int, int], mesh: np.ndarray, idx: tuple[int, ...]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(m, cv2.convexHull(np.round(mesh[list(idx)]).astype(np.int32)), 1)
    return m > 0


def _poly(shape: tuple[int, int], mesh: np.ndarray, idx: tuple[int, ...]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(mesh[list(idx)]).astype(np.int32)], 1)
    return m > 0


@dataclass(frozen=True)
class Judge:
    """Masks (bool, output pixels) of one face, made on its unretouched output."""

    eye_d: float
    oval: np.ndarray
    skin: np.ndarray
    structures: np.ndarray
    nose: np.ndarray
    forehead: np.ndarray
    cheeks: np.ndarray
    mesh: np.ndarray


def judge(base: np.ndarray) -> Judge:
    """The judge's masks for the face of `base` (an all-zero output)."""
    mesh = find_mesh(base)
    shape = base.shape[:2]
    eye_d = float(np.hypot(*(mesh[list(lm.RIGHT_EYE)].mean(0) - mesh[list(lm.LEFT_EYE)].mean(0))))
    oval = cv2.erode(_poly(shape, mesh, lm.FACE_OVAL).astype(np.uint8), _disk(0.05 * eye_d)) > 0
    feats = np.zeros(shape, np.uint8)
    for idx, margin in (
        (lm.RIGHT_EYE, 0.16),
        (lm.LEFT_EYE, 0.16),
        (lm.RIGHT_BROW, 0.12),
        (lm.LEFT_BROW, 0.12),
        (lm.LIPS_OUTER, 0.1),
    ):
        feats |= cv2.dilate(_poly(shape, mesh, idx).astype(np.uint8), _disk(margin * eye_d))
    y = measure.gray(base).astype(np.float32)
    lab = rgb2lab(base)
    cheeks = _hull(shape, mesh, CHEEKS[0]) | _hull(shape, mesh, CHEEKS[1])
    centre = np.median(lab[cheeks & oval & (feats == 0)], axis=0)
    # Nostrils: only the dark holes inside the lower nose are left out (the tip and wings are skin).
    holes = _hull(shape, mesh, NOSTRILS) & (y < 0.6 * np.median(y[cheeks & oval]))
    feats |= cv2.dilate(holes.astype(np.uint8), _disk(0.03 * eye_d))
    colour = np.linalg.norm(lab - centre, axis=-1) < 20
    # Far darker than the skin (hair, frames, beard), unlike a crease, which is a slightly darker skin.
    black_hat = cv2.morphologyEx(y, cv2.MORPH_CLOSE, _disk(0.06 * eye_d)) - y
    dark = ((black_hat > 18) & (lab[..., 0] < centre[0] - 22) & oval & (feats == 0)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    long_side = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = long_side >= 0.15 * eye_d
    keep[0] = False
    structures = keep[labels]
    plain0 = oval & (feats == 0) & ~structures
    near = cv2.dilate(structures.astype(np.uint8), _disk(0.03 * eye_d)) > 0
    skin = plain0 & colour & ~near
    skin = cv2.erode(skin.astype(np.uint8), _disk(0.015 * eye_d)) > 0
    return Judge(
        eye_d=eye_d,
        oval=oval,
        skin=skin,
        structures=structures,
        nose=_hull(shape, mesh, NOSE) & skin,
        forehead=_hull(shape, mesh, FOREHEAD) & skin,
        cheeks=cheeks & skin,
        mesh=mesh,
    )


@dataclass(frozen=True)
class Case:
    """A test face's photo at output size, and how to retouch it."""

    name: str
    photo: np.ndarray
    size: int

    def out(self, gpen: float, skin: float, unifi: float, photo: np.ndarray | None = None) -> np.ndarray:
        params = EditParams(gpen=gpen, skin=skin, skin_unifi=unifi, width=self.size, height=self.size)
        return retouch(self.photo if photo is None else photo, params).image


@cache
def case(name: str) -> Case:
    face = real_faces.BY_NAME[name]
    return Case(name, real_faces.load(name), face.out)


@cache
def rendered(name: str, gpen: float, skin: float, unifi: float) -> np.ndarray:
    return case(name).out(gpen, skin, unifi)


@cache
def judged(name: str) -> Judge:
    return judge(rendered(name, 0, 0, 0))


def structure_detail_kept(name: str, strengths: tuple[float, float, float] = (0, 1, 0)) -> float | None:
    """Share of the thin dark structures' Laplacian energy kept (None: the face has hardly any)."""
    j = judged(name)
    where = cv2.dilate(j.structures.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if where.sum() < 0.05 * j.eye_d**2:
        return None
    before = measure.laplacian_energy(rendered(name, 0, 0, 0), where)
    return measure.laplacian_energy(rendered(name, *strengths), where) / before


@cache
def enlargement(name: str) -> float:
    """How many times the retouch enlarges the photo (output side / crop side; 1 when it shrinks)."""
    c = case(name)
    params = EditParams(gpen=0, skin=0, skin_unifi=0, width=c.size, height=c.size)
    return max(1.0, c.size / retouch(c.photo, params).crop_box[2])


def _hf_energy(rgb: np.ndarray, where: np.ndarray, enlarged: float) -> float:
    """Laplacian energy at the photo's own finest scale: on a photo enlarged k times the pixel-level
    Laplacian sees only the 8-bit rounding (its floor, which no retouch can lower: a face enlarged ×5 has
    an energy of ~1.3, rounding alone gives ~1.7), so the luma is first blurred by 0.5·k px."""
    if enlarged <= 1.5:
        return measure.laplacian_energy(rgb, where)
    y = cv2.GaussianBlur(measure.gray(rgb), (0, 0), 0.5 * enlarged)
    lap = cv2.Laplacian(y, cv2.CV_64F, ksize=1) * (0.5 * enlarged) ** 2  # scale-normalised (Lindeberg)
    return float(np.mean(lap[where] ** 2))


def skin_energy_ratio(name: str, strengths: tuple[float, float, float]) -> float:
    """Skin's high-frequency (Laplacian) energy after / before."""
    j = judged(name)
    k = enlargement(name)
    before = _hf_energy(rendered(name, 0, 0, 0), j.skin, k)
    return _hf_energy(rendered(name, *strengths), j.skin, k) / before


def mean_skin_shift(name: str, strengths: tuple[float, float, float] = DEFAULTS) -> float:
    """ΔE2000 between the skin's mean colour before and after."""
    j = judged(name)
    a = rgb2lab(rendered(name, 0, 0, 0))[j.skin].mean(0)
    b = rgb2lab(rendered(name, *strengths))[j.skin].mean(0)
    return float(deltaE_ciede2000(a, b))


def region_reduction(name: str) -> dict[str, float]:
    """Skin = 1's energy reduction on nose, forehead and cheeks (1 = all removed)."""
    j = judged(name)
    before, after = rendered(name, 0, 0, 0), rendered(name, 0, 1, 0)
    out = {}
    k = enlargement(name)
    for part in ("nose", "forehead", "cheeks"):
        where = getattr(j, part)
        out[part] = (
            1 - _hf_energy(after, where, k) / _hf_energy(before, where, k)
            if where.sum() > 0.05 * j.eye_d**2
            else float("nan")
        )
    return out


def _blobs_delta_e(base: np.ndarray, out: np.ndarray, j: Judge) -> list[float]:
    """Stains: each area the retouch changed a lot (ΔE76 > 6; the under-eye band aside, lifted on purpose)
    and left standing out from the skin around it MORE than before: ΔE2000 of its mean colour against
    that skin. (An area brought nearer its skin, a spot or a crease partly evened, is no stain: 0.)"""
    lab_in, lab_out = rgb2lab(base), rgb2lab(out)
    n, labels = _changed_areas(base, out, j)
    changed = labels > 0
    result = []
    ring_r = max(3, round(0.04 * j.eye_d))
    for i in range(1, n):
        blob = labels == i
        # Blobs of a few pixels (single stubble dots, pores) give a noisy mean, and so do thin rings.
        if blob.sum() < max(8, (0.02 * j.eye_d) ** 2):
            continue
        grown = cv2.dilate(blob.astype(np.uint8), _disk(ring_r + 2)) > 0
        near = cv2.dilate(blob.astype(np.uint8), _disk(2)) > 0
        ring = grown & ~near & j.skin & ~changed
        if ring.sum() < 20:
            continue
        after = float(deltaE_ciede2000(lab_out[blob].mean(0), lab_out[ring].mean(0)))
        before = float(deltaE_ciede2000(lab_in[blob].mean(0), lab_in[ring].mean(0)))
        result.append(after if after >= before else 0.0)
    return result


def _changed_areas(base: np.ndarray, out: np.ndarray, j: Judge) -> tuple[int, np.ndarray]:
    """The areas (labelled) the retouch changed a lot: ΔE76 > 6 inside the face oval, the under-eye band
    aside (lifted on purpose)."""
    lab_in, lab_out = rgb2lab(base), rgb2lab(out)
    under = np.zeros(base.shape[:2], np.uint8)
    for ring_idx in UNDER_EYES:
        cv2.fillPoly(under, [np.round(j.mesh[list(ring_idx)]).astype(np.int32)], 1)
    under = cv2.dilate(under, _disk(0.05 * j.eye_d)) > 0
    changed = ((np.linalg.norm(lab_out - lab_in, axis=-1) > 6) & j.oval & ~under).astype(np.uint8)
    return cv2.connectedComponents(changed, connectivity=8)


def heal_strokes(name: str) -> float:
    """The worst edge a heal drew at skin_unifi = 1: over each area it changed a lot (and 2 px around),
    the 98th percentile of the L* gradient after / before. A spot healed away lowers it; the soft shading
    of a crease lightened up to its dark line, left standing, raises it (a crisp stroke: 2.0 on fringe's
    nose wing)."""
    j = judged(name)
    base, out = rendered(name, 0, 0, 0), rendered(name, 0, 0, 1)
    n, labels = _changed_areas(base, out, j)

    def gradient(rgb: np.ndarray) -> np.ndarray:
        lightness = rgb2lab(rgb)[..., 0].astype(np.float32)
        return np.hypot(cv2.Sobel(lightness, cv2.CV_32F, 1, 0), cv2.Sobel(lightness, cv2.CV_32F, 0, 1))

    before, after = gradient(base), gradient(out)
    worst = 0.0
    for i in range(1, n):
        blob = labels == i
        if blob.sum() < max(8, (0.02 * j.eye_d) ** 2):  # single stubble dots, pores
            continue
        near = cv2.dilate(blob.astype(np.uint8), _disk(2)) > 0
        worst = max(worst, float(np.percentile(after[near], 98) / max(np.percentile(before[near], 98), 1e-3)))
    return worst


def heal_delta_e(name: str) -> list[float]:
    """ΔE2000 against its skin of every area healed at skin_unifi = 1: the blemishes the photo has, and
    each pasted spot the healing acted on (its disc changed by ΔE76 > 6), disc against the ring around."""
    j = judged(name)
    base = rendered(name, 0, 0, 0)
    found = _blobs_delta_e(base, rendered(name, 0, 0, 1), j)
    s = spotted(name)
    lab_out = rgb2lab(s.out)
    for spot, left in zip(s.spots, _residuals(name), strict=True):
        if left > 0.25:
            continue  # not healed (counted by spots_removed), so no fill to judge
        win, dist = measure.around(s.base.shape, spot.x, spot.y, 12)
        r = spot.diameter / 2
        disc, ring = dist <= r, (dist >= r + 1.5) & (dist < r + 4.5)
        found.append(float(deltaE_ciede2000(lab_out[win][disc].mean(0), lab_out[win][ring].mean(0))))
    return found


def nostrils_lightened(name: str) -> float:
    """Area (in eye distances²) of the lower nose (its mesh hull, grown by the engine's nostril margin)
    that skin_unifi = 1 lightens by more than 40 grey levels: a nostril healed into skin. (A nostril in
    side light is red, not black, and was found as a red spot.)"""
    j = judged(name)
    grown = cv2.dilate(_hull(j.oval.shape, j.mesh, NOSTRILS).astype(np.uint8), _disk(0.08 * j.eye_d)) > 0
    before = measure.gray(rendered(name, 0, 0, 0)).astype(np.float32)
    after = measure.gray(rendered(name, 0, 0, 1)).astype(np.float32)
    return float(((after - before > 40) & grown).sum()) / j.eye_d**2


@dataclass(frozen=True)
class Spotted:
    base: np.ndarray
    out: np.ndarray
    spots: list[measure.Spot]


@cache
def spotted(name: str) -> Spotted:
    """SPOTS pasted 3–8 px spots (at least half of them) on the output-size face, retouched at skin_unifi = 1.

    The spots are pasted on the all-zero output (so their size is in output pixels) and that image is
    retouched at its own size: the frame of a square output of a square image is the image itself.
    """
    base = rendered(name, 0, 0, 0)
    j = judged(name)
    zone = cv2.erode(j.skin.astype(np.uint8), _disk(6)) > 0
    # The judge's skin of a small or side-lit face (jesse, sunglasses) has room for 27–38 of them.
    spotted_img, spots = measure.paste_spots(base, zone, count=SPOTS, seed=1, at_least=SPOTS // 2)
    size = base.shape[0]
    params = EditParams(gpen=0, skin=0, skin_unifi=1, width=size, height=size)
    out = retouch(spotted_img, params).image
    return Spotted(spotted_img, out, spots)


@cache
def _residuals(name: str) -> list[float]:
    s = spotted(name)
    base = rendered(name, 0, 0, 0)
    size = base.shape[0]
    params = EditParams(gpen=0, skin=0, skin_unifi=1, width=size, height=size)
    clean_out = retouch(base, params).image
    return [measure.residual(s.out, clean_out, s.base, base, spot) for spot in s.spots]


def spots_removed(name: str) -> float:
    """Share of the pasted spots removed (at most a quarter of their contrast left)."""
    return float(np.mean(np.array(_residuals(name)) <= 0.25))


def headroom(name: str) -> tuple[float, bool]:
    """(head top to frame / head height in the output, whether the photo had room for 0.1 above)."""
    c = case(name)
    mesh_src = find_mesh(c.photo)
    params = EditParams(gpen=0, skin=0, skin_unifi=0, width=c.size, height=c.size)
    box = retouch(c.photo, params).crop_box
    top, bottom = mesh_src[:, 1].min(), mesh_src[:, 1].max()
    h = bottom - top
    head_top, head_h = top - 0.35 * h, 1.39 * h  # the usual proportions: hair ~35 % of the face above it
    fits = head_h * 1.1 <= box[3] and head_top - 0.1 * head_h >= 0
    return float((head_top - box[1]) / head_h), fits


def eye_distance(name: str) -> float:
    return judged(name).eye_d


def under_eye_gap(name: str, strengths: tuple[float, float, float]) -> float | None:
    """How much darker (L*) the band under the eyes is than the cheeks (None: too little of either seen)."""
    j = judged(name)
    shape = j.oval.shape
    band = np.zeros(shape, np.uint8)
    for ring_idx in UNDER_EYES:
        cv2.fillPoly(band, [np.round(j.mesh[list(ring_idx)]).astype(np.int32)], 1)
    eyes = np.zeros(shape, np.uint8)
    for idx in (lm.RIGHT_EYE, lm.LEFT_EYE):
        eyes |= cv2.dilate(_poly(shape, j.mesh, idx).astype(np.uint8), _disk(0.1 * j.eye_d))
    light = rgb2lab(rendered(name, 0, 0, 0))[..., 0]
    where = (band > 0) & (eyes == 0) & j.oval & (light > np.median(light[j.cheeks]) - 30)
    if where.sum() < 0.02 * j.eye_d**2 or j.cheeks.sum() < 0.02 * j.eye_d**2:
        return None
    lab = rgb2lab(rendered(name, *strengths))[..., 0]
    return float(np.median(lab[j.cheeks]) - np.mean(lab[where]))


MOLE = 0.065  # of the eye distance (~4 mm): a mole a photographer keeps (engine.tone.MOLE is 0.05)
OVAL = 1.8  # long / short axis of the oval mole


@dataclass(frozen=True)
class Marks:
    """A brown mole pasted on one cheek and a red blemish of the same size on the other, retouched at
    skin_unifi = 1: the share of each one's contrast left."""

    diameter: int
    mole_left: float
    blemish_left: float
    oval_left: float  # the same mole as a tilted oval of its area, 1.8 times as long as wide (pasted alone)


def _deepest(where: np.ndarray) -> tuple[int, int]:
    """(x, y) of the point of `where` farthest from its edge."""
    dist = cv2.distanceTransform(where.astype(np.uint8), cv2.DIST_L2, 5)
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return int(x), int(y)


@cache
def marks(name: str) -> Marks:
    base = rendered(name, 0, 0, 0)
    j = judged(name)
    d = max(round(MOLE * j.eye_d), 12)  # wider than the largest spots healed on any face (9 px)
    img = base.astype(np.float32)
    spots = []
    half = j.oval.shape[1] // 2
    brown = np.array((105, 65, 50), np.float32)
    for side, colour, strength in ((0, tuple(brown), 0.85), (1, (205, 75, 70), 0.7)):
        cheek = _hull(j.oval.shape, j.mesh, CHEEKS[side]) & j.skin
        x, y = _deepest(cheek)
        if x == 0 and y == 0:  # no cheek seen: the face's middle row instead
            x, y = half, j.oval.shape[0] // 2
        win, dist = measure.around(img.shape, x, y, d)
        alpha = np.clip(d / 2 + 0.5 - dist, 0, 1)[..., None]
        img[win] = img[win] * (1 - strength * alpha) + np.array(colour, np.float32) * strength * alpha
        spots.append(measure.Spot(x, y, d))
    pasted = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    size = base.shape[0]
    params = EditParams(gpen=0, skin=0, skin_unifi=1, width=size, height=size)
    out = retouch(pasted, params).image
    clean = retouch(base, params).image
    left = [measure.residual(out, clean, pasted, base, s) for s in spots]
    # Moles are seldom round: obama2's, beside the nose, is about 1.7 times as long as wide.
    x, y = spots[0].x, spots[0].y
    long_axis = round(d * np.sqrt(OVAL))
    oval = np.zeros(base.shape[:2], np.uint8)
    axes = (round(d * np.sqrt(OVAL) * 2), round(d / np.sqrt(OVAL) * 2))  # half-axes, in quarter pixels
    cv2.ellipse(oval, (x * 4, y * 4), axes, 30, 0, 360, 255, -1, cv2.LINE_AA, shift=2)
    alpha = 0.85 * (oval.astype(np.float32) / 255)[..., None]
    with_oval = np.clip(base * (1 - alpha) + brown * alpha + 0.5, 0, 255).astype(np.uint8)
    oval_out = retouch(with_oval, params).image
    oval_left = measure.residual(oval_out, clean, with_oval, base, measure.Spot(x, y, long_axis))
    return Marks(d, left[0], left[1], oval_left)


BLUSH = 0.12  # of the eye distance: the σ of a cheek's blush (the apple of the cheek, ~3 cm across)
BLUSH_RGB = (10.0, -4.0, -2.0)  # grey levels at the blush's centre: warmer, ΔE ~4 (a natural flush)


@cache
def blush_kept(name: str) -> float:
    """Share of a blush (a broad warm flush on both cheeks, pasted) kept at skin_unifi = 1: its redness
    (R − G) in the retouch of the blushed photo over the retouch of the plain one, against the paste."""
    base = rendered(name, 0, 0, 0)
    j = judged(name)
    ys, xs = np.mgrid[: base.shape[0], : base.shape[1]].astype(np.float32)
    bump = np.zeros(base.shape[:2], np.float32)
    for side in (0, 1):
        cheek = _hull(j.oval.shape, j.mesh, CHEEKS[side]) & j.skin
        if cheek.sum() < 0.05 * j.eye_d**2:
            continue  # the far cheek of a turned face
        cy, cx = np.argwhere(cheek).mean(0)
        bump = np.maximum(bump, np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * (BLUSH * j.eye_d) ** 2)))
    bump *= j.skin  # on the skin only (not over a beard or a lens)
    if not (bump > 0.3).any():
        return float("nan")  # no cheek seen
    pasted = np.clip(base + bump[..., None] * np.array(BLUSH_RGB, np.float32) + 0.5, 0, 255).astype(np.uint8)
    size = base.shape[0]
    params = EditParams(gpen=0, skin=0, skin_unifi=1, width=size, height=size)
    out = retouch(pasted, params).image.astype(np.float32)
    clean = retouch(base, params).image.astype(np.float32)
    where = bump > 0.3

    def red(a: np.ndarray) -> float:
        return float((a[..., 0] - a[..., 1])[where].sum())

    return red(out - clean) / red(pasted.astype(np.float32) - base)
