"""The full-resolution merge: put the model's small retouch back onto the photographer's own large file.

The model answers W×H (≤ 2048²) in sRGB, framed around the face; it says nothing about its framing. So:

1. `register`: find the answer in the original from the pixels alone — ORB features + a RANSAC similarity on
   reduced copies, refined by ECC (OpenCV's findTransformECC) — and check the fit: outside the face the
   answer must be the original (a creative answer or a regenerated background is not; it is refused with
   `NotMergeable`, and the caller keeps the model's image as the result, saying why).
2. `merge`: the retouch as a smooth delta, applied onto the original at its full size and depth, only where
   the model changed something inside a generous face region, feathered. The delta is measured against what
   the model was given (the original in the answer's frame, through sRGB at 8 bits), so the trip to sRGB and
   its clipping are not taken for a retouch. It is upsampled from the answer's frame: low and mid
   frequencies come from the model, the original's own finer texture stays. It is added in float, so 16 bits
   stay 16 bits with no banding; outside the region the result is the original, bit for bit.

Coordinates: OpenCV's (pixel centres at integers); a fit is a 2×3 matrix, answer pixels → original pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from portrait_studio.core.colour import SRGB, Space, quantise
from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import N_, _

MATCH_SIDE = 800  # feature matching looks at copies this long (ECC then refines)
ECC_SIDE = 768  # the ECC refinement runs at this size of the answer (sub-pixel there)
DETECT_SIDE = 512  # faces are looked for in the answer at this size
MIN_INLIERS = 40  # RANSAC inliers below this: the answer is not this photo
# The fit check, outside the face region, on copies blurred by σ = 1 px at the answer's size (JPEG noise and
# resampling filters differ between the app's and the model's): a local retouch leaves the median difference
# at ~1 level of 255; a regenerated background puts it far above.
MAX_MEDIAN_DIFF = 4.0
MAX_CHANGED_SHARE = 0.10  # share of outside pixels that may differ by more than CHANGED_LEVEL
CHANGED_LEVEL = 16.0
# Change below T0 (of 255) is noise (JPEG, resampling), above T1 surely the model's; the mask ramps between.
CHANGE_T0, CHANGE_T1 = 2.0, 5.0
# The face region, as multiples of a detected face box: generous (forehead to hairline, ears, part of the
# neck), since the model retouches skin beyond the detector's box.
REGION_W, REGION_H = 1.0, 1.35
NOT_SAME = N_(
    "The model's answer is not the same photo (creative mode / regenerated background), so it is kept as the "
    "result at its own size"
)


class NotMergeable(PortraitStudioError):
    """The answer cannot be merged onto the original (the message says why); keep it as the result."""

    default_fix = N_(
        "Nothing to do: the model's image is the result. Use a retouch mode for a full-size result."
    )


def _not_same(detail: str) -> NotMergeable:
    """NOT_SAME with what shows it (one sentence: "…, so it is kept …: <detail>")."""
    return NotMergeable(_("{not_same}: {detail}").format(not_same=_(NOT_SAME), detail=detail))


@dataclass(frozen=True)
class Fit:
    """Where the answer lies in the original: `matrix` (2×3, answer px → original px) and how well it fits."""

    matrix: np.ndarray = field(repr=False)
    inliers: int
    median_diff: float  # outside the face, in levels of 255
    changed_share: float  # share of the outside pixels that differ by more than CHANGED_LEVEL

    @property
    def scale(self) -> float:
        """Original pixels per answer pixel."""
        return _scale(self.matrix)

    def to_json(self) -> dict[str, object]:
        """The sidecar's record of the merge."""
        return {
            "matrix": [[round(float(v), 5) for v in row] for row in self.matrix],
            "scale": round(self.scale, 5),
            "inliers": self.inliers,
            "median_diff": round(self.median_diff, 3),
            "changed_share": round(self.changed_share, 4),
        }


@dataclass(frozen=True)
class Merged:
    """The merged photo (the original's size, dtype, channels), the fit, the retouch mask (answer frame)."""

    pixels: np.ndarray = field(repr=False)
    fit: Fit
    mask: np.ndarray = field(repr=False)
    box: tuple[int, int, int, int]  # the part of the original that changed (x, y, w, h); outside: bit-exact


# ------------------------------------------------------------------------------------------------- geometry
@dataclass
class _Frame:
    """The original's footprint under the answer, reduced to about the answer's pixel density."""

    pixels: np.ndarray  # the original's space and dtype
    to_frame: np.ndarray  # 3×3: original px → these pixels


def _h(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def _resize_map(big: tuple[int, int], small: tuple[int, int]) -> np.ndarray:
    """3×3 from big-image pixels to small-image pixels of a resize (sizes as width, height)."""
    sx, sy = small[0] / big[0], small[1] / big[1]
    return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])


def _shift(x: float, y: float) -> np.ndarray:
    return np.array([[1.0, 0, x], [0, 1.0, y], [0, 0, 1.0]])


def _scale(fit: np.ndarray) -> float:
    return float(np.sqrt(abs(np.linalg.det(fit[:2, :2]))))


def _reduced(frame: _Frame, factor: int) -> _Frame:
    """A frame area-reduced by a further whole factor."""
    if factor <= 1:
        return frame
    small = _reduce(frame.pixels, factor)
    big = (small.shape[1] * factor, small.shape[0] * factor)
    return _Frame(small, _resize_map(big, (small.shape[1], small.shape[0])) @ frame.to_frame)


def _srgb8(px: np.ndarray, space: Space) -> np.ndarray:
    """sRGB uint8 of pixels in `space` (no work for 8-bit sRGB, the common case)."""
    if space.is_srgb_like and px.dtype == np.uint8 and px.shape[-1] == 3:
        return px
    return quantise(space.to_srgb(px), np.uint8)


def _reduce(px: np.ndarray, factor: int) -> np.ndarray:
    """Area-average by a whole factor (OpenCV's fast path; the size is cut to a multiple first)."""
    if factor <= 1:
        return px
    h, w = px.shape[0] // factor * factor, px.shape[1] // factor * factor
    return cv2.resize(px[:h, :w], (w // factor, h // factor), interpolation=cv2.INTER_AREA)


def _fit_side(px: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray, _Frame]:
    """A copy at most `side` long (area filter by a whole factor, then area again), its 3×3 pixel map, and
    the copy after the whole-factor step alone (a reduced original to take other copies from, cheaply)."""
    h, w = px.shape[:2]
    step = _reduced(_Frame(px, np.eye(3)), max(1, int(max(h, w) / side)))
    small, to_small = step.pixels, step.to_frame
    scale = side / max(small.shape[:2])
    if scale < 1:
        size = (max(1, round(small.shape[1] * scale)), max(1, round(small.shape[0] * scale)))
        to_small = _resize_map((small.shape[1], small.shape[0]), size) @ to_small
        small = cv2.resize(small, size, interpolation=cv2.INTER_AREA)
    return small, to_small, step


def _grey8(srgb: np.ndarray) -> np.ndarray:
    g = srgb if srgb.dtype == np.uint8 else quantise(srgb, np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(g), cv2.COLOR_RGB2GRAY)


# -------------------------------------------------------------------------------------------- face regions
def face_region(shape: tuple[int, int], boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
    """A soft 0..1 mask of generous ellipses around face boxes (x, y, w, h) in an image of `shape` (h, w)."""
    h, w = shape
    mask = np.zeros((h, w), np.float32)
    for x, y, bw, bh in boxes:
        cx, cy = x + bw / 2, y + bh * 0.55
        ax, ay = REGION_W * bw, REGION_H * bh
        x0, x1 = max(0, int(cx - 1.15 * ax)), min(w, int(np.ceil(cx + 1.15 * ax)) + 1)
        y0, y1 = max(0, int(cy - 1.15 * ay)), min(h, int(np.ceil(cy + 1.15 * ay)) + 1)
        if x1 <= x0 or y1 <= y0:
            continue
        xs = ((np.arange(x0, x1, dtype=np.float32) - cx) / ax) ** 2
        ys = ((np.arange(y0, y1, dtype=np.float32) - cy) / ay) ** 2
        r = np.sqrt(ys[:, None] + xs[None, :])
        part = mask[y0:y1, x0:x1]
        np.maximum(part, np.clip((1.15 - r) / 0.3, 0, 1), out=part)  # soft edge from r = 0.85 to 1.15
    return mask


def _detect_boxes(answer: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Face boxes in the answer, found on a ≤ 512 px copy (a face fills a good part of the answer's frame;
    at its full size the detector took 1.5 s here, at 512 px a tenth of it)."""
    from portrait_studio.core.faces import detect_faces

    small, to_small, _small_map = _fit_side(answer, DETECT_SIDE)
    k = 1.0 / to_small[0, 0]
    return [(x * k, y * k, bw * k, bh * k) for x, y, bw, bh in (f.box for f in detect_faces(small).faces)]


# --------------------------------------------------------------------------------------------- registration
def _match(answer_grey: np.ndarray, original_grey: np.ndarray) -> tuple[np.ndarray, int]:
    """Similarity (2×3, answer copy px → original copy px) by ORB + RANSAC, and its inlier count."""
    orb = cv2.ORB.create(nfeatures=1500, scaleFactor=1.2, nlevels=10, fastThreshold=10)
    ka, da = orb.detectAndCompute(answer_grey, None)
    ko, do = orb.detectAndCompute(original_grey, None)
    if da is None or do is None or len(ka) < MIN_INLIERS or len(ko) < MIN_INLIERS:
        raise _not_same(_("the two images have too little in common to be aligned."))
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(da, do, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        raise _not_same(_("the two images have too little in common to be aligned."))
    src = np.array([ka[m.queryIdx].pt for m in good], np.float32)
    dst = np.array([ko[m.trainIdx].pt for m in good], np.float32)
    # A similarity (the model crops and scales); a full affine when that explains far more matches (a model
    # that stretched its answer to another aspect). ECC refines either.
    fits = []
    for estimate in (cv2.estimateAffinePartial2D, cv2.estimateAffine2D):
        m, inl = estimate(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0, maxIters=4000)
        fits.append((m, int(inl.sum()) if inl is not None and m is not None else 0))
    (m, count), (affine, affine_count) = fits
    if affine_count > 1.5 * count:
        m, count = affine, affine_count
    if m is None or count < MIN_INLIERS:
        raise _not_same(_("only {n} details line up between the two.").format(n=count))
    return m.astype(np.float64), count


def _ecc(template: np.ndarray, image: np.ndarray, warp: np.ndarray) -> np.ndarray:
    """Refine `warp` (template px → image px, 2×3) by ECC; the first guess when ECC does not converge."""
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4)  # from ORB's start: < 15 steps
    try:
        _rho, w = cv2.findTransformECC(  # type: ignore[call-overload]  # (no mask: None; the stubs lack it)
            template.astype(np.float32), image.astype(np.float32), warp.astype(np.float32),
            cv2.MOTION_AFFINE, criteria, None, 3,
        )  # fmt: skip
    except cv2.error:
        return warp
    return np.asarray(w, np.float64)


def _footprint(
    source: _Frame,
    fit: np.ndarray,
    size: tuple[int, int],
    origin: tuple[int, int] = (0, 0),
    density: float = 1,
) -> _Frame:
    """The part of the original (`source`: it, or a reduced copy) under the answer's rectangle (`origin`,
    `size`; plus a margin), reduced to `density` × the answer's pixel density. At 1 the warp onto the
    answer's frame is near 1:1 and resamples as the model's own resize did (a bilinear warp that shrinks
    1.9× aliases, and every aliased edge would read as a retouch); below 1 (for ECC), by a whole factor."""
    w, h = size
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) - [
        0.5 - origin[0],
        0.5 - origin[1],
        0,
    ]
    into = source.to_frame @ _h(fit)  # answer px → source px
    pts = corners @ into[:2].T
    scale = _scale(into) / density
    pad = 4 * max(1, int(scale))
    sh, sw = source.pixels.shape[:2]
    x0 = int(np.clip(np.floor(pts[:, 0].min()) - pad, 0, sw))
    y0 = int(np.clip(np.floor(pts[:, 1].min()) - pad, 0, sh))
    x1 = int(np.clip(np.ceil(pts[:, 0].max()) + pad, 0, sw))
    y1 = int(np.clip(np.ceil(pts[:, 1].max()) + pad, 0, sh))
    part = _Frame(source.pixels[y0:y1, x0:x1], _shift(-x0, -y0) @ source.to_frame)
    frame = _reduced(part, max(1, int(scale)))
    rest = scale / max(1, int(scale))
    if rest > 1.05 and density == 1:
        big = (frame.pixels.shape[1], frame.pixels.shape[0])
        small = (max(1, round(big[0] / rest)), max(1, round(big[1] / rest)))
        frame = _Frame(
            cv2.resize(frame.pixels, small, interpolation=cv2.INTER_AREA),
            _resize_map(big, small) @ frame.to_frame,
        )
    return _Frame(np.ascontiguousarray(frame.pixels), frame.to_frame)


def _warp(
    frame: _Frame, fit: np.ndarray, size: tuple[int, int], origin: tuple[int, int] = (0, 0)
) -> tuple[np.ndarray, np.ndarray]:
    """The original in (the part at `origin`, `size` of) the answer's frame, in its dtype, and where that is
    defined (bool), by bilinear warp."""
    m = (frame.to_frame @ _h(fit) @ _shift(*origin))[:2]  # answer px → frame px
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    px = cv2.warpAffine(frame.pixels, m, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    ones = np.ones(frame.pixels.shape[:2], np.uint8)
    valid = cv2.warpAffine(ones, m, size, flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
    return (px[..., None] if px.ndim == 2 else px), valid


def register(
    original: np.ndarray,
    answer: np.ndarray,
    space: Space = SRGB,
    faces: list[tuple[float, float, float, float]] | None = None,
) -> Fit:
    """Where the answer (sRGB uint8, W×H) lies in the original (its own space, uint8/uint16); NotMergeable
    when it is not a local retouch of this photo. `faces`: face boxes in the answer (None: detected)."""
    return _register(original, answer, space, faces)[0]


def _register(
    original: np.ndarray,
    answer: np.ndarray,
    space: Space,
    faces: list[tuple[float, float, float, float]] | None,
) -> tuple[Fit, list[tuple[float, float, float, float]]]:
    """The fit and the face boxes in the answer."""
    original = original[..., None] if original.ndim == 2 else original
    h, w = answer.shape[:2]
    small, o_map, step = _fit_side(original, MATCH_SIDE)
    ans_small, a_map, _match_scale = _fit_side(answer, MATCH_SIDE)
    m, inliers = _match(_grey8(ans_small), _grey8(_srgb8(small, space)))
    fit = (np.linalg.inv(o_map) @ _h(m) @ a_map)[:2]
    if not 0.05 < _scale(fit) < 50:
        raise _not_same(_("the matching details do not agree on one framing."))
    # ECC on the answer reduced to ≤ ECC_SIDE, against the footprint reduced to about that density (by a whole
    # factor, so at least that): ~0.05 px there, well under 1 px at full size; at the answer's full size it
    # would cost 4× for nothing visible.
    ecc_ans, e_map, _ecc_scale = _fit_side(answer, ECC_SIDE)
    whole = _Frame(original, np.eye(3))
    needed = _scale(fit) / e_map[0, 0]  # original px per ECC template px
    coarse = _footprint(
        step if needed >= 1 / step.to_frame[0, 0] else whole, fit, (w, h), density=e_map[0, 0]
    )
    guess = (coarse.to_frame @ _h(fit) @ np.linalg.inv(e_map))[:2]
    refined = _ecc(_grey8(ecc_ans), _grey8(_srgb8(coarse.pixels, space)), guess)
    fit = (np.linalg.inv(coarse.to_frame) @ _h(refined) @ e_map)[:2]
    boxes = _detect_boxes(answer) if faces is None else faces
    # The check, at the ECC's size too: the question is "same photo or not", not a pixel's worth.
    k = e_map[0, 0]
    small_fit = (_h(fit) @ np.linalg.inv(e_map))[:2]
    seen, valid = _warp(coarse, small_fit, (ecc_ans.shape[1], ecc_ans.shape[0]))
    region = face_region(ecc_ans.shape[:2], [(x * k, y * k, bw * k, bh * k) for x, y, bw, bh in boxes])
    median, share = _fit_check(_srgb8(seen, space), valid, ecc_ans, region)
    if median > MAX_MEDIAN_DIFF or share > MAX_CHANGED_SHARE:
        raise _not_same(
            _(
                "outside the face {share} of it differs from the original "
                "(typical difference {median} of 255)."
            ).format(share=f"{share:.0%}", median=f"{median:.1f}")
        )
    return Fit(fit, inliers, median, share), boxes


def _fit_check(
    seen: np.ndarray, valid: np.ndarray, answer: np.ndarray, region: np.ndarray
) -> tuple[float, float]:
    """Median difference (of 255) and the share of strongly changed pixels outside the face region, between
    the original as the model saw it and its answer (both sRGB uint8, one frame)."""
    blur = [cv2.GaussianBlur(a.astype(np.float32), (0, 0), 1.0) for a in (seen, answer)]
    diff = np.abs(blur[0] - blur[1])
    outside = valid & (region == 0)
    if outside.mean() < 0.1:  # the face fills the frame: judge on what there is rather than on nothing
        outside = valid & (region < 0.5)
    if not outside.any():
        raise _not_same(_("nothing of the original is left to compare the answer with."))
    d = diff.mean(axis=-1)[outside]
    return float(np.median(d)), float((d > CHANGED_LEVEL).mean())


# ------------------------------------------------------------------------------------------------- transfer
def _change_mask(delta: np.ndarray, region: np.ndarray, valid: np.ndarray, feather: float) -> np.ndarray:
    """0..1 where the model retouched: smoothed change magnitude, closed, inside the region, feathered."""
    mag = np.abs(delta).max(axis=-1) * 255.0
    mag = cv2.GaussianBlur(mag, (0, 0), 2.0)
    m = np.clip((mag - CHANGE_T0) / (CHANGE_T1 - CHANGE_T0), 0, 1).astype(np.float32)
    r = max(1, round(feather))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    m = cv2.dilate(m, kernel)  # smoothed skin keeps pores that the threshold drops: fill the gaps
    m = np.minimum(m, region) * valid
    m = cv2.GaussianBlur(m, (0, 0), feather)
    m[m < 1.0 / 512] = 0.0  # compact support: everything outside is the original, bit for bit
    return m


@dataclass(frozen=True)
class Delta:
    """The model's retouch in the answer's frame, before it is put onto the original: `values` (float32,
    the space's 0..1 units, already masked) on the answer's pixels from `origin` on, the fit and the mask."""

    values: np.ndarray = field(repr=False)
    origin: tuple[int, int]
    fit: Fit
    mask: np.ndarray = field(repr=False)
    given: np.ndarray = field(repr=False)  # what the model was given there, in the space's 0..1 units


def retouch_delta(
    original: np.ndarray,
    answer: np.ndarray,
    space: Space = SRGB,
    faces: list[tuple[float, float, float, float]] | None = None,
) -> Delta:
    """What the model changed (register, then answer minus what it was given, masked where it retouched).

    `original` H×W×C (C present) in `space`. The group merge (core.group) takes this per face and puts each
    onto the photo with its own weights; `merge` puts one onto the original whole.
    """
    fit, boxes = _register(original, answer, space, faces)
    h, w = answer.shape[:2]
    region = face_region((h, w), boxes)
    rx0, ry0, rw, rh = cv2.boundingRect((region > 0).astype(np.uint8))
    if rw == 0 or rh == 0:
        raise _not_same(_("no face was found in the model's answer."))
    rx1, ry1 = rx0 + rw, ry0 + rh
    # What the model changed: its answer minus what it was given (the original through 8-bit sRGB), both
    # back in the original's space; on the face region's box only (the rest is not merged).
    crop = (slice(ry0, ry1), slice(rx0, rx1))
    size, origin = (int(rx1 - rx0), int(ry1 - ry0)), (int(rx0), int(ry0))
    frame = _footprint(_Frame(original, np.eye(3)), fit.matrix, size, origin)
    warped, valid = _warp(frame, fit.matrix, size, origin)
    given = space.from_srgb(_srgb8(warped, space))
    delta = space.from_srgb(answer[crop]) - given
    face_w = max(b[2] for b in boxes)
    mask = np.zeros((h, w), np.float32)
    mask[crop] = _change_mask(delta, region[crop], valid, feather=max(2.0, 0.04 * face_w))
    return Delta(delta * mask[crop][..., None], origin, fit, mask, given)


def merge(
    original: np.ndarray,
    answer: np.ndarray,
    space: Space = SRGB,
    faces: list[tuple[float, float, float, float]] | None = None,
    *,
    in_place: bool = False,
) -> Merged:
    """The original (H×W×C uint8/uint16 in `space`) with the answer's retouch (sRGB uint8) at full size.

    NotMergeable (with the reason in plain words) when the answer is not a local retouch of this photo.
    `in_place`: the retouch is added into `original` itself, for a caller that owns the decoded original and
    needs it no more (a 24 MP 16-bit copy is 144 MB; a read-only array is copied all the same); when the
    merge is refused, it is left unchanged.
    """
    squeeze = original.ndim == 2
    original = original[..., None] if squeeze else original
    d = retouch_delta(original, answer, space, faces)
    box = changed_box(d.mask, d.fit.matrix, original.shape)
    writable = in_place and original.flags.writeable  # (Pillow's decoded pixels are read-only)
    pixels = _apply(original if writable else original.copy(), d.values, d.fit.matrix, d.origin, box)
    return Merged(pixels[..., 0] if squeeze else pixels, d.fit, d.mask, box)


def changed_box(mask: np.ndarray, fit: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The original's pixels (x, y, w, h) that a mask in the answer's frame reaches, with a pixel to spare."""
    mx, my, mw, mh = cv2.boundingRect((mask > 0).astype(np.uint8))
    if mw == 0 or mh == 0:
        return (0, 0, 0, 0)
    x0, y0, x1, y1 = mx - 1, my - 1, mx + mw, my + mh
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float64) @ fit.T
    bx0, by0 = np.floor(corners.min(0)).astype(int) - 1
    bx1, by1 = np.ceil(corners.max(0)).astype(int) + 2
    bx0, by0, bx1, by1 = max(0, bx0), max(0, by0), min(shape[1], bx1), min(shape[0], by1)
    return (int(bx0), int(by0), int(max(0, bx1 - bx0)), int(max(0, by1 - by0)))


APPLY_STRIP_ROWS = 256  # rows of the full-size result merged at a time (_apply)


def _apply(
    out: np.ndarray,
    delta: np.ndarray,
    fit: np.ndarray,
    origin: tuple[int, int],
    box: tuple[int, int, int, int],
) -> np.ndarray:
    """`out` with `delta` (answer frame, its top-left at `origin` there) upsampled onto `box` of it and added
    in float; every pixel outside `box` is left untouched."""
    x, y, bw, bh = box
    if bw == 0 or bh == 0:
        return out
    scaled = delta * float(np.iinfo(out.dtype).max)  # in the original's levels (scaled while small)
    channels = delta.shape[2]
    parts = [
        np.ascontiguousarray(scaled[..., c0 : c0 + 4]) for c0 in range(0, channels, 4)
    ]  # warpAffine: ≤ 4
    depth = cv2.CV_8U if out.dtype == np.uint8 else cv2.CV_16U
    # A strip of rows at a time: the upsampled delta of a face box is H×W×C float32 (~100 MB for a 24 MP
    # portrait, twice over with warpAffine's output); a strip keeps it to a few MB. Each strip's map is the
    # same affine, shifted to the strip's first row, so the result is the one of a single pass.
    for sy in range(0, bh, APPLY_STRIP_ROWS):
        rows = min(APPLY_STRIP_ROWS, bh - sy)
        # full-size pixel (x + i, y + sy + j) → answer px → delta px
        to_delta = _shift(-origin[0], -origin[1]) @ np.linalg.inv(_h(fit)) @ _shift(x, y + sy)
        up = np.empty((rows, bw, channels), np.float32)
        for c0, part in zip(range(0, channels, 4), parts, strict=True):
            warped = cv2.warpAffine(
                part, to_delta[:2], (bw, rows), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=0
            )
            up[..., c0 : c0 + part.shape[2]] = warped.reshape(rows, bw, -1)
        region = out[y + sy : y + sy + rows, x : x + bw]
        # The sum in float, rounded and saturated to the original's dtype (a zero delta adds nothing).
        region[...] = cv2.add(region, up, dtype=depth).reshape(region.shape)
    return out


__all__ = [
    "MAX_MEDIAN_DIFF",
    "NOT_SAME",
    "Delta",
    "Fit",
    "Merged",
    "NotMergeable",
    "changed_box",
    "face_region",
    "merge",
    "register",
    "retouch_delta",
]
