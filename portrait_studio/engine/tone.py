"""`skin_unifi`: tone evening (low-frequency colour) plus blemish removal (small dark or red spots).

Tone: within the skin, the colour averaged over a few pixels is pulled towards the colour averaged over a
much larger area, chroma fully and lightness only a little (lightness carries the face's modelling: nose,
cheekbones). Blemishes: a pixel is a spot when it is darker or redder than the median of its neighbourhood
and belongs to a small blob; it is replaced by that median (a "healing" fill), with a soft edge. The
strength lowers the spot threshold and raises the fill, so more and fainter spots go as it grows.

Under the eyes, bags and dark circles are lifted towards the lightness and colour of the cheek just below
(a smooth offset: lashes, pores and lines keep their contrast).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from portrait_studio.engine.filters import LUMA, gauss, luma, masked_gauss, sobel2_at

LOCAL_SIGMA, BROAD_SIGMA = 4.0, 28.0  # px at a 100 px eye distance: blotches vs the face's own gradient
LUMA_EVEN = 0.25  # share of the lightness blotches evened (more would flatten the face's modelling)
CLIPPED = 250.0  # a channel at least this bright may be clipped: its colour is not the skin's
# Share of the lit skin's luma (the 90th percentile of the skin's): chroma is evened fully from twice
# this, not at all below it (deep shadow, whose colour is the fill light's and noise). Relative, so that
# darker skin is evened like lighter skin: a fixed luma of 40 left deep-brown skin barely evened.
SHADOW_SHARE = 0.2
# Grey levels between the lightness bands of _lit_mean: 28 evened too little (grace_hopper's darker
# blotches fell in a band of their own), 48–56 let side light mix again (jesse).
LIGHT_BAND = 44.0
LUMA_BLOTCH = 12.0  # grey levels: lightness steps well beyond this are modelling by the light, not blotches
SPOT_MAX = 8.0  # px at a 100 px eye distance: blobs wider than about this are features, not spots
WORK_UNIT = 1.5  # see prepare()
SPOT_MIN = 9.0  # px: on small faces still heal spots up to this size (the test spots are 3–8 px)
# A spot's centre must stand out this many times above the skin's own texture (the local RMS of
# darkness/redness, clipped so the spots themselves do not raise it): wrinkles and pores on mature skin
# are contrasted too, and must not be healed into flat patches.
STAND_OUT = 3.0
TEXTURE_CLIP = 15.0
# Spot threshold in grey levels of darkness/redness over the neighbourhood median: the 99th percentile of
# healthy skin texture in astronaut/grace_hopper at a 100 px eye distance is ~9 (measured while tuning).
THRESH_AT_0, THRESH_AT_1, RAMP = 24.0, 9.0, 5.0
ROUNDNESS = 0.3  # weaker / stronger curvature at a spot's centre: 1 = a disc, 0 = a line
# The healing fill is a normalised convolution of plain skin; where little plain skin is near, its
# denominator is tiny and the fill is noise (stains: a grey patch on a philtrum, an orange square). Below
# this share of plain skin a three times wider fill takes over, and where even that has too little the spot
# is not healed at all.
FILL_FLOOR = 0.2
HALF_SIGMA = 2.4  # px: Gaussian means this wide or wider are taken on a half-size copy (see _Half)
ELONGATED = 3.5  # length / width (of the pixels' spread) beyond which a found area is a streak
GRAIN_CLIP = 8.0  # grey levels: the strongest grain laid over a fill (see _grain)
FILL_SLACK = 3.0  # grey levels a fill may go beyond the spot's own contrast (see _bounded_heal)
# A found area whose ring is more than this share darker non-skin is a rim of that region (see _rims):
# at 0.35 the stains by sunglasses' lenses stayed (15.1), at 0.2 three of its 31 pasted spots, next to
# the shadows of its smile, are left too (77 → 68 % removed).
RIM_SHARE = 0.2
PEAK_BESIDE = 0.9  # ... or its darkest pixels (this share of its peak contrast) lie against it
# A dark spot at least MOLE eye distances wide (~3 mm), solid and round (axes within MOLE_ROUND), is a
# mole: part of the face, kept. It must also be wider than SPOT_MIN: the 3–8 px test spots,
# dark ones included, are removed on faces of any size. Moles are seldom discs: obama2's, beside the
# nose, is 1.6–1.7 times as long as wide, and at 1.6 it was healed away (a crease's pieces are longer:
# beyond ELONGATED, and a crease's body runs on, see _moles).
MOLE, MOLE_ROUND = 0.05, 2.0
MOLE_RED = 0.5  # a mole is brown: redder than its skin by under half as much as it is darker
# A blush is the cheek's own warmth, broader than a blotch (issue 19, item 5: it was evened away). On the
# apples of the cheeks the colour of the mean over BLUSH_SIGMA (px at a 100 px eye distance) beyond the
# broad mean is kept where it is warmer (R − G higher; fading in over BLUSH_RED grey levels), so the
# blotches within a blush, and any other tint, still go. At 16 a pasted blush kept 44–68 %, at 8 67–83 %,
# at 7 70–85 % while the skin's colour spread at skin_unifi = 1 fell less (bob: 0.60 → 0.70 of before).
BLUSH_SIGMA = 8.0
BLUSH_RED = 2.0
BLUSH_FEATHER = 8.0  # px at a 100 px eye distance: a blush fades out, it has no edge
UNDER_EYE_LIFT = 0.7  # share of the under-eye band's difference to the cheek lifted at skin_unifi = 1


Apples = tuple[np.ndarray, ...]  # the apples of the cheeks: convex polygons (x, y) in the region's pixels


@dataclass(frozen=True)
class ToneLayers:
    """Per-region data: colour shift at strength 1, the healing fill, and each pixel's spot contrast."""

    shift: np.ndarray  # RGB float32
    heal: np.ndarray  # RGB float32: median fill - image
    spot: np.ndarray  # float32 grey levels (0 where no small blob, or where no fill can be trusted)
    feather: float  # px: the healed area's soft edge
    under_eyes: np.ndarray | None = None  # RGB float32 at strength 1, already masked


def _odd(v: float) -> int:
    n = max(3, round(v))
    return n if n % 2 else n + 1


def _shift(
    rgb: np.ndarray, skin: np.ndarray, spot: np.ndarray, unit: float, cheeks: Apples = ()
) -> np.ndarray:
    # Spots are left out of the averages: they must not tint the skin around them. So are clipped
    # highlights: with a channel at white their colour is lost (a whitened, not a lighter skin), and
    # the lit skin next to them was greyed towards it.
    brightest = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])  # (a third of rgb.max's time)
    hard = ((skin > 0.5) & (spot <= 0) & (brightest < CLIPPED)).astype(np.float32)
    local, share = _normalised(rgb, hard, max(1.0, LOCAL_SIGMA * unit))
    y_local = luma(local)
    broad, broad_share = _lit_mean(rgb, hard, y_local, max(4.0, BROAD_SIGMA * unit))
    # Where little skin is near (a thin band between a brow and a lid), the local mean is of a few pixels
    # and its deviation is noise: it tinted such places pink. Even only where the means are well founded.
    founded = (np.clip(share / 0.5, 0, 1) * np.clip(broad_share / 0.2, 0, 1))[..., None]
    y_broad = luma(broad)
    # Colour is compared as RGB minus luma (additive): skin in a highlight is lighter by white light
    # added, not by its colour scaled. (Scaling the broad mean to the local lightness expected a lighter
    # area to be as saturated as it is brighter, and turned lenna's lit cheeks pink.)
    chroma = (local - y_local[..., None]) - (broad - y_broad[..., None])
    _keep_blush(chroma, rgb, hard, broad - y_broad[..., None], unit, cheeks)
    # In deep shadow the colour is the fill light's and noise, not the skin's blotches: left alone.
    shadow = SHADOW_SHARE * float(np.percentile(y_local[hard > 0], 90)) if hard.any() else 0.0
    chroma *= np.clip((y_local - shadow) / max(shadow, 1.0), 0, 1)[..., None]
    # Lightness: blotches are a few grey levels; a larger step is modelling by the light, and evening it
    # flattens the face. The share evened falls off beyond LUMA_BLOTCH.
    y = y_local - y_broad
    y_even = LUMA_EVEN * y / (1.0 + (y / LUMA_BLOTCH) ** 2)
    return -(chroma + y_even[..., None]) * founded


def _keep_blush(
    chroma: np.ndarray, rgb: np.ndarray, hard: np.ndarray, broad: np.ndarray, unit: float, cheeks: Apples
) -> None:
    """Take a blush out of `chroma` (in place): on the apples of the cheeks, the warmth of the mean over
    BLUSH_SIGMA beyond the broad mean (`broad`: its colour, RGB minus luma). Worked out on the apples'
    bounding box only, with room for the means."""
    if not cheeks:
        return
    feather = max(1.0, BLUSH_FEATHER * unit)
    sigma = max(2.0, BLUSH_SIGMA * unit)
    pts = np.concatenate(cheeks)
    pad = 3 * (feather + sigma)
    h, w = hard.shape
    x0, y0 = (max(0, int(v - pad)) for v in pts.min(0))
    x1, y1 = min(w, int(pts[:, 0].max() + pad) + 1), min(h, int(pts[:, 1].max() + pad) + 1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    box = (slice(y0, y1), slice(x0, x1))
    apples = np.zeros((y1 - y0, x1 - x0), np.float32)
    for hull in cheeks:
        cv2.fillConvexPoly(
            apples, np.round((hull - [x0, y0]) * 4).astype(np.int32), 1.0, cv2.LINE_AA, shift=2
        )
    apples = gauss(apples, feather)
    mid, _ = _normalised(rgb[box], hard[box], sigma)
    blush = (mid - luma(mid)[..., None]) - broad[box]
    warm = apples * np.clip((blush[..., 0] - blush[..., 1]) / BLUSH_RED, 0, 1)
    chroma[box] -= warm[..., None] * blush


def _lit_mean(
    rgb: np.ndarray, mask: np.ndarray, key: np.ndarray, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """(Gaussian mean of rgb over mask, of pixels lit about as `key` says; its share 0..1).

    A side-lit face is two skins: one in the key light, one in a fill of another colour and a fraction of
    its brightness. A plain broad mean mixes them, and pulling each half towards it greyed and lightened
    the lit half and tinted the shadow. So the mean is taken per band of lightness (a bilateral grid: the
    pixels' own smoothed lightness picks the band, linearly between the two nearest), and a pixel is
    compared with skin under the same light. A blotch is a few grey levels off its skin: same band.
    """
    # The band is picked by a mean of σ/7, and the key is one of that σ too (LOCAL_SIGMA): both are
    # smooth enough for the whole grid to be worked out on a half-size copy (see _Half; 19 → 7 ms of a
    # 12 MP retouch), the masked colour halved as a sum.
    half = _Half.of(mask.shape, sigma / 7)
    weight = half.down(mask)
    if not (weight > 0).any():
        return np.zeros_like(rgb), np.zeros(mask.shape, np.float32)
    colour, key = half.down(rgb * mask[..., None]), half.down(key)
    # The luma of the blurred image, taken as the blur of the luma (the same: luma is linear).
    y = cv2.GaussianBlur(luma(half.down(rgb)), (0, 0), max(1.0, sigma / 7 / half.k))
    lo, hi = float(y[weight > 0].min()), float(y[weight > 0].max())
    n = max(1, int(np.ceil((hi - lo) / LIGHT_BAND)))
    centres = [lo + LIGHT_BAND * i for i in range(n + 1)]  # Python floats: an np.float64 makes all float64
    num = np.zeros_like(colour)
    den = np.zeros(weight.shape, np.float32)
    for c in centres:
        band = np.clip(1 - np.abs(y - c) / LIGHT_BAND, 0, 1)
        member = weight * band
        if member.max() <= 0:
            continue
        at = np.clip(1 - np.abs(key - c) / LIGHT_BAND, 0, 1)
        num += at[..., None] * gauss(colour * band[..., None], sigma / half.k)
        den += at * gauss(member, sigma / half.k)
    return half.up(num / np.maximum(den, FILL_FLOOR / 4)[..., None]), half.up(den)


def _spots(
    rgb: np.ndarray, skin: np.ndarray, unit: float, mole_px: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(spot map, raw contrast, the skin's median lightness and redness, moles) for dark and red spots up
    to SPOT_MAX·unit px wide (grey levels); spots at least `mole_px` wide that are moles are left out of
    the map and returned as a 0/1 mask instead."""
    size = max(SPOT_MIN, SPOT_MAX * unit)
    k = _odd(2.2 * size)  # a median removes blobs covering under half of its window
    y, red = luma(rgb), rgb[..., 0] - rgb[..., 1]  # lightness, and redness (a cheap stand-in for a*)
    # The neighbourhood medians are of skin only: outside the skin (hair, a frame, the background) the
    # values are replaced by the nearby skin's mean first. Otherwise skin next to a dark, grey area is
    # "redder than its surroundings" and was healed into a smear along the hairline.
    inside = (skin > 0.3).astype(np.float32)
    near = masked_gauss(np.dstack([y, red]), inside, max(2.0, 0.5 * size))
    y_ref = np.where(inside > 0, y, near[..., 0])
    red_ref = np.where(inside > 0, red, near[..., 1])
    # Medians of 8-bit copies (+0.5 rounds; redness is offset by 128 to fit): OpenCV's large-window
    # median is only for 8 bits.
    fy, fred = (
        cv2.medianBlur(np.clip(c + base + 0.5, 0, 255).astype(np.uint8), k).astype(np.float32) - base
        for c, base in ((y_ref, 0.0), (red_ref, 128.0))
    )
    darker, redder = fy - y, red - fred
    raw = np.maximum(darker, redder)
    contrast = np.maximum(raw, 0.0) * inside
    clipped = np.clip(raw, -TEXTURE_CLIP, TEXTURE_CLIP)
    texture = np.sqrt(masked_gauss(clipped * clipped, inside, 2.0 * size))
    strong = (contrast > THRESH_AT_1 * 0.7) & (contrast > STAND_OUT * texture)
    # Two scales: small spots are lost in a wide blur, large ones have a flat top under a narrow one.
    centres = _blob_centres(contrast, max(0.8, size / 12), strong) | _blob_centres(
        contrast, max(1.2, size / 6), strong
    )
    # Spread each centre's contrast over its spot: pixels near a centre, at least a quarter as contrasted.
    spread = cv2.dilate(contrast * centres, _disk(round(0.6 * size)))
    spot = np.where(contrast >= 0.4 * spread, spread, 0.0).astype(np.float32)
    grow = _disk(round(0.25 * size) + 1)
    # A crease's or a philtrum column's centres spread into separate short pieces, each "round" on its
    # own (lenna's philtrum was "healed" into its highlight): they are also judged joined (a closing keeps
    # their width), by their shape (spots close together on mottled skin join into a sparse patch, which
    # is still spots).
    joined = cv2.morphologyEx((spot > 0).astype(np.uint8), cv2.MORPH_CLOSE, _disk(round(0.25 * size)))
    spot[_streaks(spot > 0, size) | (_elongated(joined > 0, size) & (spot > 0))] = 0.0
    # What is left is spots, but for the rims of dark regions and the moles (one labelling for both).
    moles: np.ndarray = np.zeros(spot.shape, np.float32)
    areas = _areas(spot > 0)
    if areas is not None:
        rim = _rims(areas, y, skin, contrast, size)
        mole, bodies = _moles(areas, ~rim, contrast, spot, darker, redder, mole_px, size)
        spot[(rim | mole)[areas.labels]] = 0.0
        moles = cv2.dilate((mole[areas.labels] | bodies).astype(np.float32), grow)
    return cv2.dilate(spot, grow), contrast, np.dstack([fy, fred]), moles


@dataclass(frozen=True)
class _Areas:
    """The 8-connected areas of a mask and each one's size and shape (index 0: the background)."""

    labels: np.ndarray
    at: tuple[np.ndarray, np.ndarray]  # (ys, xs) of the mask's pixels
    of: np.ndarray  # ... and the label of each
    count: np.ndarray  # pixels
    major: np.ndarray  # σ of the pixels' spread along the longest axis (second moments)
    minor: np.ndarray  # ... and across it

    @property
    def solidity(self) -> np.ndarray:
        """Pixels / the area of the ellipse of twice those σ (1 for a disc)."""
        return _solidity(self.count, self.major, self.minor)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Each area's sum of `values` (an image)."""
        return np.bincount(self.of, values[self.at], len(self.count))

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Each area's mean of `values` (an image)."""
        return self.sum(values) / self.count

    def max(self, values: np.ndarray) -> np.ndarray:
        """Each area's largest of `values` (an image, >= 0; 0 for the background)."""
        peak = np.zeros(len(self.count), np.float32)
        np.maximum.at(peak, self.of, values[self.at])
        return peak

    def boxes(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(top-left, bottom-right) corners, inclusive, (y, x), of the areas `which` (labels) only:
        connectedComponentsWithStats gives every area's, at 3.6 times the cost of the labelling."""
        chosen = np.isin(self.of, which)
        lab, yx = self.of[chosen], np.stack([self.at[0][chosen], self.at[1][chosen]], axis=1)
        lo, hi = np.full((len(self.count), 2), 1 << 30, np.int64), np.zeros((len(self.count), 2), np.int64)
        np.minimum.at(lo, lab, yx)
        np.maximum.at(hi, lab, yx)
        return lo[which], hi[which]


def _areas(found: np.ndarray) -> _Areas | None:
    n, labels = cv2.connectedComponents(found.astype(np.uint8), connectivity=8)
    if n <= 1:
        return None
    ys, xs = np.nonzero(found)
    lab = labels[ys, xs]
    return _Areas(labels, (ys, xs), lab, *_shapes(lab, ys, xs, n))


def _solidity(count: np.ndarray, major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    return count / (4 * np.pi * major * minor)


def _shapes(
    lab: np.ndarray, ys: np.ndarray, xs: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count, major, minor) of each of `n` sets of pixels (at ys, xs; `lab` says which set): see _Areas."""
    count = np.maximum(np.bincount(lab, minlength=n), 1)
    mx, my = np.bincount(lab, xs, n) / count, np.bincount(lab, ys, n) / count
    dx, dy = xs - mx[lab], ys - my[lab]
    sxx, syy = np.bincount(lab, dx * dx, n) / count, np.bincount(lab, dy * dy, n) / count
    sxy = np.bincount(lab, dx * dy, n) / count
    half, disc = (sxx + syy) / 2, np.sqrt(((sxx - syy) / 2) ** 2 + sxy**2)
    major = np.sqrt(half + disc + 1 / 12)  # + the σ of a 1 px line
    minor = np.sqrt(np.maximum(half - disc, 0) + 1 / 12)
    return count, major, minor


def _elongated(found: np.ndarray, size: float) -> np.ndarray:
    """Pixels of solid found areas longer than a spot and over ELONGATED times as long as wide, in any
    direction (the spread of their pixels' second moments: a diagonal streak has a square bounding box).
    A sparse string of spots on mottled skin is still spots."""
    a = _areas(found)
    if a is None:
        return np.zeros(found.shape, bool)
    bad = (4 * a.major > max(size, SPOT_MIN + 1)) & (a.major > ELONGATED * a.minor) & (a.solidity > 0.6)
    bad[0] = False
    return bad[a.labels]


def _rims(a: _Areas, y: np.ndarray, skin: np.ndarray, contrast: np.ndarray, size: float) -> np.ndarray:
    """Which found areas (a bool per label) are the rim of something darker outside the skin (a shadow
    beside the nose, a lens, a frame, the dark line of a crease): over RIM_SHARE of the ring around them
    is darker non-skin, or their darkest pixels lie against it. Their contrast is that region's edge, not
    a spot: healed, they were lightened into a jagged light band against the dark (sunglasses: ΔE2000
    15.3 by the lenses; obama2: 6.1 by the nose), and the shading of a crease whose dark line the skin
    mask leaves out was lightened up to that line, which was left as a crisp stroke (fringe's and
    sunglasses' nose wings, obama2's nasolabial fold)."""
    # Each ring pixel belongs to the area it grew from (the grey dilation of the labels: where two rings
    # meet, one of them).
    grown = cv2.dilate(a.labels.astype(np.float32), _disk(max(2, round(0.25 * size)))).astype(np.int32)
    ring = (grown > 0) & (a.labels == 0)
    darker_out = ring & (skin < 0.3) & (y < a.mean(y)[grown])
    n = len(a.count)
    share = np.bincount(grown[darker_out], minlength=n) / np.maximum(np.bincount(grown[ring], minlength=n), 1)
    # The area's own pixels next to that darker non-skin (within 2 px), and whether its peak is among them.
    beside = cv2.dilate(darker_out.astype(np.uint8), _disk(2)) > 0
    rim = (share > RIM_SHARE) | (a.max(contrast * beside) >= PEAK_BESIDE * a.max(contrast))
    rim[0] = False
    return rim


def _moles(
    a: _Areas,
    may: np.ndarray,
    contrast: np.ndarray,
    spot: np.ndarray,
    darker: np.ndarray,
    redder: np.ndarray,
    mole_px: float,
    size: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(which found areas are moles, a bool per label; the moles' whole bodies, a mask). Only areas
    that `may` be (a bool per label) are judged.

    A mole is at least `mole_px` across, solid, round, and brown (see MOLE_RED). A red spot of any size
    is a blemish; mottled skin found as spots is a sparse patch, not solid (walter's cheek); a mole is a
    clean dark disc (walter's, 17 px at a 214 px eye distance, had been healed away at skin_unifi = 1).

    Its size, shape and colour are those of its body: the connected pixels at least half as much darker
    than their skin as its peak is contrasted. A found area is clipped to a spot's reach around its
    centres, so a mark longer than that was judged by a disc cut out of it (a pasted oval mole 1.8 times
    as long as wide on obama: "round", 9.4 px across against 10, healed). A body that runs on past the
    crop (into a crease, a shadow) is no mole's: such an area is judged by itself.
    """
    brown = (a.mean(redder) < MOLE_RED * a.mean(darker)) & may
    wide = 2 * np.sqrt(a.sum((contrast >= 0.5 * spot).astype(np.float32)) / np.pi)
    major, minor, solidity = a.major.copy(), a.minor.copy(), a.solidity.copy()
    found: dict[int, tuple[int, int, np.ndarray]] = {}
    # A found area may be one end of its mark (the blob centres of a flat-topped oval are by its ends):
    # the body is looked for up to two spot widths beyond it.
    reach = max(2, round(2 * size))
    # Only brown areas already most of a mole wide can be moles (a mole found at one end only: 0.8 of
    # it): a few dozen per face, each worked out on its own small crop.
    candidates = np.nonzero(brown & (wide >= 0.7 * mole_px))[0]
    candidates = candidates[candidates > 0]
    for label, (top, left), (bottom, right) in zip(candidates, *a.boxes(candidates), strict=True):
        y0, x0 = max(int(top) - reach, 0), max(int(left) - reach, 0)
        window = (slice(y0, int(bottom) + reach + 1), slice(x0, int(right) + reach + 1))
        own = a.labels[window] == label
        crop = darker[window]
        above = crop >= 0.5 * spot[window][own].max()
        parts_n, parts = cv2.connectedComponents(above.astype(np.uint8), connectivity=8)
        under = np.zeros(parts_n, bool)
        under[parts[own]] = True
        under[0] = False
        body = under[parts]
        # None (its peak is of redness), or at the crop's edge: it runs on (the region's own edge is no
        # skin: contrast 0 there).
        if not body.any() or body[0].any() or body[-1].any() or body[:, 0].any() or body[:, -1].any():
            continue
        if redder[window][body].mean() >= MOLE_RED * crop[body].mean():
            brown[label] = False  # the body is a red spot's (a mole is brown all over)
            continue
        # The body as one (pieces of it side by side are no solid disc).
        ys, xs = np.nonzero(body)
        (count,), (major[label],), (minor[label],) = _shapes(np.zeros(len(ys), np.intp), ys, xs, 1)
        wide[label] = 2 * np.sqrt(count / np.pi)
        solidity[label] = _solidity(count, major[label], minor[label])
        found[int(label)] = (y0, x0, body)
    mole = (wide >= mole_px) & (major <= MOLE_ROUND * minor) & (solidity > 0.7) & brown
    mole[0] = False
    bodies = np.zeros(contrast.shape, bool)
    for which, (top, left, body) in found.items():
        if mole[which]:
            window = (slice(top, top + body.shape[0]), slice(left, left + body.shape[1]))
            # A spot found beside a mole stays a spot (it is healed even where the mole's body reaches it).
            labels = a.labels[window]
            bodies[window] |= body & ((labels == 0) | mole[labels])
    return mole, bodies


def _streaks(found: np.ndarray, size: float) -> np.ndarray:
    """Pixels of found areas that are not spots: centres strung along a crease join into a streak (long and
    thin, or a sparse diagonal), a diffuse patch spreads wide. Two spots side by side stay spots."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(found.astype(np.uint8), connectivity=8)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    long_side, short_side = np.maximum(w, h), np.maximum(np.minimum(w, h), 1)
    fill = stats[:, cv2.CC_STAT_AREA] / (w * h)
    thin = (long_side / short_side > 2.5) | (fill < 0.35)
    bad = ((long_side > max(size, SPOT_MIN + 1)) & thin) | (long_side > 3 * size)
    bad[0] = False  # label 0 is the background
    return bad[labels]


def _blob_centres(contrast: np.ndarray, sigma: float, candidates: np.ndarray) -> np.ndarray:
    """Peaks of round blobs among `candidates`: both Hessian eigenvalues clearly negative (Lindeberg's
    blob measure).

    A wrinkle or a shadow edge curves in one direction only (one eigenvalue near 0), so it is not a spot.
    The eigenvalues are worked out only at the candidate peaks (a few hundred pixels, not the region).
    """
    smooth = cv2.GaussianBlur(contrast, (0, 0), sigma)
    found = candidates & (smooth >= cv2.dilate(smooth, np.ones((3, 3), np.uint8)))
    ys, xs = np.nonzero(found)
    dxx, dyy, dxy = sobel2_at(smooth, ys, xs)  # (three whole-region Sobel passes: 7 ms of 12 MP)
    half_trace = (dxx + dyy) / 2
    disc = np.sqrt(((dxx - dyy) / 2) ** 2 + dxy**2)
    weak, strong = half_trace + disc, half_trace - disc  # both negative on a bright peak of `contrast`
    found[ys, xs] = (weak < 0) & (weak < ROUNDNESS * strong)
    return found


def _disk(radius: int) -> np.ndarray:
    r = max(1, int(radius))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _box_of(mask: np.ndarray, pad: int = 0) -> tuple[slice, slice] | None:
    """The bounding box of a mask's nonzero pixels with `pad` px of room, within the mask (None: empty).
    cv2.boundingRect: np.nonzero took 4–6 ms on a region."""
    bx, by, bw, bh = cv2.boundingRect((mask > 0).astype(np.uint8))
    if bw == 0:
        return None
    h, w = mask.shape[:2]
    return slice(max(0, by - pad), min(h, by + bh + pad)), slice(max(0, bx - pad), min(w, bx + bw + pad))


@dataclass(frozen=True)
class _Half:
    """A half-size working copy for Gaussian means of σ >= HALF_SIGMA px (at 0.25 cycles/px, the half
    copy's limit, such a Gaussian passes under 0.1 %): the sums (values × weights, and weights: halving
    each alone and dividing after is another mean) are halved, blurred and enlarged, the same in a third
    of the time. `k` is 1 (the full size kept) below that σ or on tiny images."""

    h: int
    w: int
    k: int

    @staticmethod
    def of(shape: tuple[int, ...], sigma: float) -> _Half:
        h, w = shape[:2]
        return _Half(h, w, 2 if sigma >= HALF_SIGMA and min(h, w) >= 8 else 1)

    def down(self, a: np.ndarray) -> np.ndarray:
        if self.k == 1:
            return a
        hh, ww = self.h // 2 * 2, self.w // 2 * 2
        return cv2.resize(a[:hh, :ww], (ww // 2, hh // 2), interpolation=cv2.INTER_AREA)

    def up(self, a: np.ndarray) -> np.ndarray:
        return a if self.k == 1 else cv2.resize(a, (self.w, self.h), interpolation=cv2.INTER_LINEAR)


def _carry(
    rgb: np.ndarray, spot: np.ndarray, contrast: np.ndarray, skin: np.ndarray, unit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fill, plain, trust): the skin around the spots carried in over them (normalised convolution, so it
    follows shading gradients), where the skin is plain, and how far the fill can be trusted (0..1).

    Only plain skin is carried in: no spot, no hair, and nothing darker or redder than its surroundings
    (a glasses frame, a crease), which would stain the fill.
    """
    plain = ((contrast < 0.4 * spot) | (spot <= 0)) & (contrast < THRESH_AT_0) & (skin > 0.5)
    plain_f = plain.astype(np.float32)
    skin_f = (skin > 0.5).astype(np.float32)
    sigma = _fill_sigma(unit)
    # The fill, its offset and its trust are Gaussian means: on a half-size copy (the full-resolution
    # spot search's fill was 19 ms of a 12 MP retouch).
    half = _Half.of(plain.shape, sigma)
    down, up, k = half.down, half.up, half.k
    num, den = down(rgb * plain_f[..., None]), down(plain_f)
    near, near_share = _mean_of(num, den, sigma / k)
    wide, wide_share = _mean_of(num, den, 3 * sigma / k)
    mix = np.clip(near_share / FILL_FLOOR, 0, 1)[..., None]
    fill = up(mix * near + (1 - mix) * wide)
    # The fill keeps the skin's local mean. On mottled or stubbled skin half the pixels are darker than
    # the median: all "spots", and the plain skin left is the lighter half. A fill of it lifted the whole
    # area into a light patch (walter's cheek: L* 77 on skin of 68; jesse's stubble shaved off). Matched
    # to the mean of all the skin around, over three times the fill's reach, a lone spot still goes (it
    # is a few per cent of that mean) while dense texture is only softened, its lightness kept.
    offset, _ = _mean_of(down((rgb - fill) * skin_f[..., None]), down(skin_f), 3 * sigma / k)
    return fill + up(offset), plain_f, up(np.clip(wide_share / FILL_FLOOR, 0, 1))


def _bounded_heal(rgb: np.ndarray, fill: np.ndarray, median: np.ndarray, grain: np.ndarray) -> np.ndarray:
    """What healing adds (fill + grain − rgb; any shape (..., 3)), within what a spot is.

    A spot is darker or redder than its skin's median: the fill lightens a pixel no more than it is darker
    and takes out no more red than it is redder (plus FILL_SLACK grey levels). The fill is carried in from
    the plain skin nearby, which can be lighter than the skin the spot sits on: next to a lens's shadow
    (sunglasses: ΔE 25 → 19), on a cheek in side light (three_quarter).

    And healing lightens, or takes red out (which darkens by red's share of luma), and darkens no more:
    where the fill reached into a shadow (a jaw line, beside a nose) a dark patch was painted.
    """
    heal = fill - rgb
    more_y = np.maximum(luma(heal) - np.maximum(median[..., 0] - luma(rgb), 0.0) - FILL_SLACK, 0.0)
    heal -= more_y[..., None]
    red_out = heal[..., 1] - heal[..., 0]  # redness taken out (R - G falls)
    more_red = np.maximum(
        red_out - np.maximum(rgb[..., 0] - rgb[..., 1] - median[..., 1], 0.0) - FILL_SLACK, 0.0
    )
    heal[..., 0] += 0.5 * more_red
    heal[..., 1] -= 0.5 * more_red
    heal += grain
    heal -= np.minimum(luma(heal) - LUMA[0] * np.minimum(heal[..., 0], 0.0), 0.0)[..., None]
    return heal


def _fill_sigma(unit: float) -> float:
    return max(1.5, 0.3 * SPOT_MAX * unit)


def _normalised(rgb: np.ndarray, mask: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(Gaussian mean of rgb over mask, the mask's own Gaussian share 0..1)."""
    return _mean_of(rgb * mask[..., None], mask, sigma)


def _mean_of(num: np.ndarray, den: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """(Gaussian mean of the values whose sum with their weights is `num`, over weights `den`; the
    weights' own Gaussian share)."""
    share = gauss(den, sigma)
    return gauss(num, sigma) / np.maximum(share, FILL_FLOOR / 4)[..., None], share


def _grain(rgb: np.ndarray, plain: np.ndarray, unit: float, at: tuple[np.ndarray, ...]) -> np.ndarray:
    """Fine grain of nearby plain skin to lay over the fill, as a healing brush does: a flat fill reads as
    a smooth disc on textured skin (the source is the skin one and a half spot-widths to the side).
    Only at the pixels `at` (ys, xs), where it is used: shifting the whole region took two copies."""
    # Grain is fine texture: the strong light and dark bumps of mottled skin copied over a healed spot
    # are new blotches (walter's cheek: +15 grey levels on light pixels). (Taking it about the plain
    # skin's own mean instead of the blur of all the skin measured the same, at twice the cost.)
    offset = round(1.5 * max(SPOT_MIN, SPOT_MAX * unit))
    ys, xs = at
    if len(ys) == 0:
        return np.zeros((0, 3), np.float32)
    src = (xs - offset) % rgb.shape[1]  # the pixel `offset` to the left, wrapping round as np.roll did
    # Blurred on the sources' bounding box only, with room for the kernel (OpenCV's reaches 4 σ): the
    # same values (the skin's box is half of a close-up's region; the whole region took 10 ms).
    sigma = max(0.7, 0.8 * unit)
    pad = int(np.ceil(4 * sigma)) + 1
    h, w = rgb.shape[:2]
    y0, y1 = max(0, int(ys.min()) - pad), min(h, int(ys.max()) + pad + 1)
    x0, x1 = max(0, int(src.min()) - pad), min(w, int(src.max()) + pad + 1)
    box = rgb[y0:y1, x0:x1]
    ys, src = ys - y0, src - x0
    grain = box[ys, src] - cv2.GaussianBlur(box, (0, 0), sigma)[ys, src]  # at the sources only
    return np.clip(grain, -GRAIN_CLIP, GRAIN_CLIP) * plain[y0:y1, x0:x1][ys, src][..., None]


def _analyse(
    rgb: np.ndarray, skin: np.ndarray, unit: float, mole_px: float, cheeks: Apples
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(spot map, colour shift, fill, plain-skin mask, skin median, moles) of a region."""
    spot, contrast, median, moles = _spots(rgb, skin, unit, mole_px)
    fill, plain, trust = _carry(rgb, spot, contrast, skin, unit)
    # A mole is not averaged into the skin's colour either (it would tint the skin around it).
    shift = _shift(rgb, skin, np.maximum(spot, moles), unit, cheeks)
    return spot * trust, shift, fill, plain, median, moles


def _under_eyes(rgb: np.ndarray, skin: np.ndarray, band: np.ndarray, unit: float) -> np.ndarray | None:
    """RGB to add at strength 1: the band's smooth colour pulled towards the cheek below it, only where
    the band is darker than that cheek (a bright under-eye is left alone)."""
    if band.max() <= 0.05:
        return None
    drop = max(2, round(35 * unit))  # the cheek reference: the band moved down by a third of an eye distance
    cheek = np.zeros_like(skin)
    cheek[drop:] = (band[:-drop] > 0.3) & (skin[drop:] > 0.5)
    if cheek.sum() < 20:
        return None
    sigma = max(2.0, 6 * unit)
    inside = (band > 0.3).astype(np.float32)
    local = masked_gauss(rgb, inside, sigma)
    # The cheek's colour carried up over the band: the same smooth mean, taken from the cheek only, far
    # enough to reach the band.
    ref = masked_gauss(rgb, cheek.astype(np.float32), 4 * sigma)
    # The lift is worked out on the band's box only: it is zero elsewhere.
    box = _box_of(band)
    assert box is not None  # band.max() > 0.05
    diff = ref[box] - local[box]
    dy = luma(diff)
    lighter = np.clip(dy / 4.0, 0, 1)  # only lift, never darken
    # Only skin is lifted: a dark circle is somewhat darker than the cheek and about its colour, a lens, a
    # frame or a shadow under glasses is far darker or of another colour (sunglasses were tinted to skin).
    off = diff - dy[..., None]
    chroma = np.sqrt(np.einsum("...i,...i->...", off, off))  # (np.linalg.norm took ten times as long)
    skin_like = np.clip((45.0 - dy) / 10.0, 0, 1) * np.clip((25.0 - chroma) / 8.0, 0, 1)
    lift = np.zeros_like(rgb)
    lift[box] = UNDER_EYE_LIFT * diff * (lighter * skin_like * band[box])[..., None]
    return lift


def _small_spots(
    rgb: np.ndarray, skin: np.ndarray, mole_px: float
) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(box, and in it: spot map, fill, skin median, moles) of spots a few pixels wide, found at full
    resolution (see prepare); None when there is no skin.

    Only the skin's bounding box is searched (with room for the filters: a third of the face region on
    a close-up is hair, background and clothes): spots are only ever found on skin, and every average
    the search takes is over skin only, so the margin's outer side does not change the result.
    """
    # The room: 3 σ of the widest average (the fill's), well over the median's radius.
    box = _box_of(skin > 0.3, round(3 * SPOT_MIN))
    if box is None:
        return None
    part, part_skin = np.ascontiguousarray(rgb[box]), np.ascontiguousarray(skin[box])
    found, contrast, median, moles = _spots(part, part_skin, 1.0, mole_px)
    fill, _, trust = _carry(part, found, contrast, part_skin, 1.0)
    return box, found * trust, fill, median, moles


def prepare(
    rgb: np.ndarray,
    skin: np.ndarray,
    unit: float,
    under_eyes: np.ndarray | None = None,
    cheeks: Apples = (),
) -> ToneLayers:
    """Tone layers of an RGB float32 region with its skin mask (and its under-eye band, to lift it; the
    apples of its cheeks, to keep a blush)."""
    # Tone, fill and the larger spots are found on a copy where the eye distance is at most 100·WORK_UNIT
    # px: on a big face that is most of the time saved. Spots of a few pixels vanish on that copy, so they
    # are looked for again at full resolution, with the sizes of a 100 px eye distance (scale-free: a
    # 3–8 px blemish is found on a close-up as on a small face).
    f = min(1.0, WORK_UNIT / unit)
    mole_px = max(MOLE * 100.0 * unit, SPOT_MIN + 1.0)
    lift = None
    if f < 1.0:
        h, w = skin.shape
        size = (max(1, round(w * f)), max(1, round(h * f)))
        small, small_skin = (cv2.resize(a, size, interpolation=cv2.INTER_AREA) for a in (rgb, skin))
        scale = np.array([size[0] / w, size[1] / h], np.float32)
        small_cheeks = tuple((hull + 0.5) * scale - 0.5 for hull in cheeks)
        parts = _analyse(small, small_skin, unit * f, mole_px * f, small_cheeks)
        spot, shift, fill, plain, median, moles = (
            cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR) for a in parts
        )
        # The under-eye lift is a smooth offset of smooth means (and its band is drawn at a lower scale
        # still, see regions.MASK_EYE_PX): the reduced copy gives the same, in a quarter of the time.
        if under_eyes is not None:
            band = cv2.resize(under_eyes, size, interpolation=cv2.INTER_AREA)
            small_lift = _under_eyes(small, small_skin, band, unit * f)
            if small_lift is not None:
                lift = cv2.resize(small_lift, (w, h), interpolation=cv2.INTER_LINEAR)
        small_spots = _small_spots(rgb, skin, mole_px)
        if small_spots is not None:  # merged on its box only (on the whole region: 11 ms of 12 MP)
            box, tiny, tiny_fill, tiny_median, tiny_moles = small_spots
            use = tiny > spot[box]
            fill[box][use] = tiny_fill[use]
            median[box][use] = tiny_median[use]
            np.maximum(spot[box], tiny, out=spot[box])
            np.maximum(moles[box], tiny_moles, out=moles[box])
    else:
        spot, shift, fill, plain, median, moles = _analyse(rgb, skin, unit, mole_px, cheeks)
        lift = _under_eyes(rgb, skin, under_eyes, unit) if under_eyes is not None else None
    # The soft edge is of the smallest spots' scale: those are found at full resolution with the sizes of
    # a 100 px eye distance (their dilation is a few pixels), and a feather of the face's own scale (4 px
    # on a close-up) blurred a 3 px spot's mask to half: a grey ghost of it stayed (einstein).
    feather = max(0.8, 0.1 * SPOT_MAX * min(unit, WORK_UNIT))
    # A mole keeps its colour: not healed (a piece of it found by the other search is not either), nor
    # tone-evened, which would fade it to the skin's (feathered: the shift is a few grey levels, and a
    # hard edge in it drew a faint ring around the mole).
    # On the moles' box only, with room for the blur (OpenCV's kernel reaches 4 σ): a few moles are a
    # small part of the region (the whole region took 9 ms of a 12 MP retouch).
    around = _box_of(moles, int(np.ceil(8 * feather)) + 1)
    if around is not None:
        np.multiply(spot[around], 1.0 - moles[around], out=spot[around])
        kept = 1.0 - cv2.GaussianBlur(moles[around], (0, 0), 2 * feather)
        np.multiply(shift[around], kept[..., None], out=shift[around])
    # The heal is used only under the spot mask, feathered by `feather` (OpenCV's kernel reaches 4 σ): it
    # is worked out on those pixels alone (on the whole region it was a tenth of a 12 MP retouch).
    reach = _disk(int(np.ceil(4 * feather)) + 1)
    at = np.nonzero(cv2.dilate((spot > 0).astype(np.uint8), reach))
    # Bounded at full resolution: a fill worked out on the reduced copy and enlarged is not bounded by
    # each full-resolution pixel's own contrast.
    heal = np.zeros_like(rgb)
    heal[at] = _bounded_heal(rgb[at], fill[at], median[at], _grain(rgb, plain, unit, at))
    return ToneLayers(shift=shift, heal=heal, spot=spot, feather=feather, under_eyes=lift)


def spot_mask(layers: ToneLayers, strength: float) -> np.ndarray:
    """0..1: how much of each pixel is replaced by the healing fill at this strength."""
    if strength <= 0:
        return np.zeros(layers.spot.shape, np.float32)
    thresh = THRESH_AT_0 + (THRESH_AT_1 - THRESH_AT_0) * strength
    m = np.clip((layers.spot - thresh) / RAMP, 0.0, 1.0) * min(1.0, 2.5 * strength)
    return cv2.GaussianBlur(m, (0, 0), layers.feather)


__all__ = ["ToneLayers", "prepare", "spot_mask"]
