"""Group portraits with a one-face model: choose faces, isolate each in its own upload, merge them back.

    faces = group_faces(detect_faces(rgb).faces)            # numbered left to right, tiny ones marked
    chosen = choose(faces, "all")                             # "all" | "largest" | (1, 3)
    upload = isolate(rgb, faces, number)                      # FaceUpload, or NotIsolated with the reason
    merged = merge_faces(original, [(upload, answer), ...], faces, space)

The model accepts exactly one face per image (docs/PROTOCOL.md). So each chosen face is sent as a crop with
context (`core.preflight.face_crop_box`: 3 face-sizes, hair and shoulders) in which the local detector must
count exactly one face, that one. A neighbour reaching into the crop is covered in the upload only (a flat
patch of its own median colour, feathered; the chosen face itself is never covered) and the crop is counted
again; a face that still is not alone (a cheek pressed into another face, a face behind another) is reported
with its reason and not sent.

The merge (`merge_faces`) registers each answer on the upload it answers (core.merge.retouch_delta: the model
changed what it was given, neighbours' covers included) and puts its retouch onto the full-resolution
original with a per-face weight: the face's own generous region (core.merge.face_region), cut where another
face (chosen or not) is nearer, by elliptic distance in units of each face's size, with a soft seam of
SEAM_BAND. So two faces' weights sum to at most 1 where they meet (no double retouch, no seam), an unchosen
face keeps its own pixels, and outside the chosen faces the result is the original bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from portrait_studio.core.colour import SRGB, Space, quantise
from portrait_studio.core.faces import Face, detect_faces
from portrait_studio.core.i18n import _, ngettext
from portrait_studio.core.merge import (
    REGION_H,
    REGION_W,
    Delta,
    NotMergeable,
    changed_box,
    retouch_delta,
)
from portrait_studio.core.preflight import face_crop_box

#: A face smaller than this share of the largest one is a background face: off unless asked for by number.
TINY_SHARE = 0.4
SEAM_BAND = 0.15  # the soft seam between two faces' weights, in units of the faces' elliptic radius
COVER_GROW = 1.3  # a neighbour's cover: its box grown this much about its centre (ears, hairline)
PROTECT_RADIUS = (
    0.8  # the chosen face's own core (elliptic radius of core.merge.face_region) is never covered
)
COVER_ROUNDS = 2  # cover, count again; once more for a face the first count found that the full one missed
COVER_MARGIN = 0.06  # face sizes around a neighbour's cover that are not merged either
MIN_WEIGHT = 1.0 / 512  # below this a weight is 0: compact support, the rest stays the original's pixels

FacesChoice = str | Sequence[int]  # "all" | "largest" | face numbers (1-based, left to right)
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class GroupFace:
    """A face of a group photo: `number` (1-based, left to right), `box` in the photo's pixels, `tiny`."""

    number: int
    face: Face = field(repr=False)
    tiny: bool

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(x, y, w, h) in the photo's pixels."""
        return self.face.box

    def to_json(self) -> dict[str, object]:
        """The sidecar's record of the face."""
        return {"number": self.number, "box": list(self.box), "tiny": self.tiny}


@dataclass(frozen=True)
class FaceUpload:
    """One face's upload: sRGB uint8 pixels of `crop` (x, y, w, h of the photo) scaled by `scale`, with the
    neighbours `covered` (boxes in upload pixels)."""

    number: int
    crop: tuple[int, int, int, int]
    scale: float
    rgb: np.ndarray = field(repr=False)
    covered: tuple[tuple[int, int, int, int], ...] = ()
    cover: np.ndarray | None = field(
        default=None, repr=False
    )  # uint8 0..255: how much of each pixel is cover

    def to_photo(self) -> np.ndarray:
        """3×3: upload pixels → photo pixels (pixel centres at integers, as core.merge)."""
        x, y, w, h = self.crop
        uh, uw = self.rgb.shape[:2]
        sx, sy = uw / w, uh / h
        photo_to_upload = np.array(
            [[sx, 0, 0.5 * sx - 0.5 - sx * x], [0, sy, 0.5 * sy - 0.5 - sy * y], [0, 0, 1]]
        )
        return np.linalg.inv(photo_to_upload)


@dataclass(frozen=True)
class NotIsolated:
    """A face that cannot be sent alone, and why (plain words)."""

    number: int
    reason: str


class FacesChoiceError(ValueError):
    """`--faces` (or a window's choice) names no face of the photo, or is not all|largest|N,M."""


def parse_choice(text: str) -> FacesChoice:
    """ "all", "largest", or "2,3" → (2, 3); FacesChoiceError for anything else."""
    t = text.strip().lower()
    if t in ("all", "largest"):
        return t
    try:
        numbers = tuple(int(part) for part in t.split(",") if part.strip())
    except ValueError:
        numbers = ()
    if not numbers or any(n < 1 for n in numbers):
        raise FacesChoiceError(
            _("--faces takes all, largest or face numbers like 1,3 (not {given})").format(given=repr(text))
        )
    return tuple(sorted(set(numbers)))


def group_faces(faces: Sequence[Face]) -> list[GroupFace]:
    """The faces numbered left to right (as a photographer counts them), background faces marked tiny."""
    if not faces:
        return []
    largest = max(f.size for f in faces)
    ordered = sorted(faces, key=lambda f: (f.box[0] + f.box[2] / 2, f.box[1]))
    return [GroupFace(i + 1, f, f.size < TINY_SHARE * largest) for i, f in enumerate(ordered)]


def choose(faces: Sequence[GroupFace], choice: FacesChoice = "all") -> list[GroupFace]:
    """The faces to retouch: all but the tiny ones (default), the largest, or the ones named by number."""
    if choice == "all":
        return [f for f in faces if not f.tiny]
    if choice == "largest":
        return [max(faces, key=lambda f: f.face.size)] if faces else []
    if isinstance(choice, str):
        raise FacesChoiceError(_("unknown faces choice {given}").format(given=repr(choice)))
    missing = [n for n in choice if not 1 <= n <= len(faces)]
    if missing:
        raise FacesChoiceError(
            ngettext(
                "the photo has {n} face; there is no face {missing}",
                "the photo has {n} faces; there is no face {missing}",
                len(faces),
            ).format(n=len(faces), missing=", ".join(str(n) for n in missing))
        )
    return [f for f in faces if f.number in set(choice)]


# ----------------------------------------------------------------------------------------------- geometry
def _radius(box: Box, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Elliptic radius of core.merge.face_region around `box` at pixel columns xs, rows ys (a grid)."""
    x, y, bw, bh = box
    cx, cy = x + bw / 2, y + bh * 0.55
    return np.sqrt(((ys[:, None] - cy) / (REGION_H * bh)) ** 2 + ((xs[None, :] - cx) / (REGION_W * bw)) ** 2)


def face_weight(boxes: Sequence[Box], index: int, window: tuple[int, int, int, int]) -> np.ndarray:
    """Face `index`'s merge weight (0..1, float32) on `window` (x, y, w, h) of the photo: its region, cut
    where another of `boxes` is nearer (soft seam of SEAM_BAND), zero below MIN_WEIGHT."""
    x, y, w, h = window
    xs = np.arange(x, x + w, dtype=np.float32)
    ys = np.arange(y, y + h, dtype=np.float32)
    own = _radius(boxes[index], xs, ys)
    weight = np.clip((1.15 - own) / 0.3, 0, 1)  # face_region's soft edge (r 0.85 → 1.15)
    for j, other in enumerate(boxes):
        if j != index:
            share = np.clip(0.5 + (_radius(other, xs, ys) - own) / (2 * SEAM_BAND), 0, 1)
            np.minimum(weight, share, out=weight)
    weight = weight.astype(np.float32)
    weight[weight < MIN_WEIGHT] = 0.0
    return weight


def _floats(box: tuple[int, int, int, int]) -> Box:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


def _intersects(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _grown(box: tuple[float, ...], k: float) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return (x + w / 2 - k * w / 2, y + h / 2 - k * h / 2, k * w, k * h)


def _in_upload(box: tuple[float, ...], crop: tuple[int, int, int, int], scale: float) -> Box:
    return ((box[0] - crop[0]) * scale, (box[1] - crop[1]) * scale, box[2] * scale, box[3] * scale)


def _cover(
    rgb: np.ndarray, box: tuple[float, ...], protect: Box, cover: np.ndarray
) -> tuple[int, int, int, int]:
    """Paint a feathered flat ellipse of its median colour over `box` (grown), never over `protect`'s core;
    record its alpha in `cover` (uint8, the upload's size); returns the painted box."""
    h, w = rgb.shape[:2]
    gx, gy, gw, gh = _grown(box, COVER_GROW)
    x0, y0 = max(0, int(gx)), max(0, int(gy))
    x1, y1 = min(w, int(np.ceil(gx + gw))), min(h, int(np.ceil(gy + gh)))
    if x1 <= x0 or y1 <= y0:
        return (0, 0, 0, 0)
    xs = np.arange(x0, x1, dtype=np.float32)
    ys = np.arange(y0, y1, dtype=np.float32)
    cx, cy = gx + gw / 2, gy + gh / 2
    r = np.sqrt(((ys[:, None] - cy) / (gh / 2)) ** 2 + ((xs[None, :] - cx) / (gw / 2)) ** 2)
    feather = max(2.0, 0.06 * min(gw, gh))
    alpha = np.clip((1.0 - r) * min(gw, gh) / 2 / feather, 0, 1)
    mine = _radius(protect, xs, ys)
    alpha *= np.clip((mine - PROTECT_RADIUS) / 0.1, 0, 1)  # the chosen face's core stays as it is
    part = rgb[y0:y1, x0:x1]
    colour = np.median(part.reshape(-1, 3), axis=0)
    part[...] = quantise((part * (1 - alpha[..., None]) + colour * alpha[..., None]) / 255.0, np.uint8)
    np.maximum(cover[y0:y1, x0:x1], np.ceil(alpha * 255).astype(np.uint8), out=cover[y0:y1, x0:x1])
    return (x0, y0, x1 - x0, y1 - y0)


def _same_face(found: Face, expected: tuple[float, ...]) -> bool:
    fx, fy, fw, fh = found.box
    cx, cy = fx + fw / 2, fy + fh / 2
    ex, ey, ew, eh = expected
    return ex <= cx <= ex + ew and ey <= cy <= ey + eh and 0.5 < fw / max(ew, 1) < 2


def isolate(
    rgb: np.ndarray, faces: Sequence[GroupFace], number: int, *, max_side: int = 4096
) -> FaceUpload | NotIsolated:
    """Face `number`'s upload from the photo's sRGB pixels, in which the detector finds exactly that face;
    NotIsolated with the reason when no cover makes it so. Nothing of `rgb` is changed."""
    target = next(f for f in faces if f.number == number)
    h, w = rgb.shape[:2]
    crop = face_crop_box(target.face, w, h)
    x, y, cw, ch = crop
    scale = min(1.0, max_side / max(cw, ch))
    pixels = rgb[y : y + ch, x : x + cw]
    if scale < 1.0:
        size = (max(1, round(cw * scale)), max(1, round(ch * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    pixels = np.ascontiguousarray(pixels).copy()
    scale = pixels.shape[1] / cw
    mine = _in_upload(target.box, crop, scale)
    covered: list[tuple[int, int, int, int]] = []
    cover = np.zeros(pixels.shape[:2], np.uint8)
    # Neighbours the photo's count knows of, wherever they reach into the crop (one cut by its edge too).
    to_cover = [
        _in_upload(f.box, crop, scale)
        for f in faces
        if f.number != number and _intersects(_grown(f.box, COVER_GROW), crop)
    ]
    for _round in range(COVER_ROUNDS + 1):
        for box in to_cover:
            covered.append(_cover(pixels, box, mine, cover))
        found = detect_faces(pixels).faces
        ours = [f for f in found if _same_face(f, mine)]
        others = [f for f in found if not _same_face(f, mine)]
        if not ours:
            return NotIsolated(
                number,
                _(
                    "face {n} is not found on its own once its neighbours are covered (it is turned away, "
                    "cut off, or pressed into another face)"
                ).format(n=number),
            )
        if len(ours) == 1 and not others:
            return FaceUpload(number, crop, scale, pixels, tuple(covered), cover if covered else None)
        to_cover = [_floats(f.box) for f in others]
        if not to_cover:  # two detections on our one face: the model would see the same
            break
    return NotIsolated(
        number,
        _(
            "another face overlaps face {n} so closely that it cannot be covered without covering face {n} "
            "itself; the model accepts only one face per task"
        ).format(n=number),
    )


# -------------------------------------------------------------------------------------------------- merge
@dataclass(frozen=True)
class FaceMerge:
    """One face's retouch as merged: its number, the fit (answer → photo, 2×3), and the photo box changed."""

    number: int
    matrix: np.ndarray = field(repr=False)
    box: tuple[int, int, int, int]
    inliers: int
    median_diff: float

    def to_json(self) -> dict[str, object]:
        """The sidecar's record of this face's merge."""
        return {
            "matrix": [[round(float(v), 5) for v in row] for row in self.matrix],
            "box": list(self.box),
            "inliers": self.inliers,
            "median_diff": round(self.median_diff, 3),
        }


@dataclass(frozen=True)
class GroupMerged:
    """The photo with every merged face; per face its record (`faces`), in the order given."""

    pixels: np.ndarray = field(repr=False)
    faces: list[FaceMerge]
    refused: list[tuple[int, str]] = field(default_factory=list)  # (number, why): that face left as it was


def merge_faces(
    original: np.ndarray,
    answers: Sequence[tuple[FaceUpload, np.ndarray]],
    faces: Sequence[GroupFace],
    space: Space = SRGB,
) -> GroupMerged:
    """The original (H×W×C uint8/uint16 in `space`, the size the faces were counted at) with each answer's
    retouch (sRGB uint8) merged at full size with its face's weight. An answer that is not a local retouch of
    its upload (core.merge.NotMergeable) leaves its face as it was and is listed in `refused` with the reason.
    One copy of the original is made, whatever the number of faces."""
    squeeze = original.ndim == 2
    out = (original[..., None] if squeeze else original).copy()
    boxes: list[Box] = [_floats(f.box) for f in faces]
    index = {f.number: i for i, f in enumerate(faces)}
    records = []
    refused = []
    for upload, answer in answers:
        try:
            delta = retouch_delta(upload.rgb, answer, SRGB)
        except NotMergeable as err:
            refused.append((upload.number, err.message))
            continue
        matrix = (upload.to_photo() @ np.vstack([delta.fit.matrix, [0, 0, 1]]))[:2]
        box = changed_box(delta.mask, matrix, out.shape)
        if box[2] and box[3]:
            weight = face_weight(boxes, index[upload.number], box) * (1.0 - _covered(upload, box))
            weight[weight < MIN_WEIGHT] = 0.0
            _add(out, delta, matrix, box, weight, space)
        records.append(FaceMerge(upload.number, matrix, box, delta.fit.inliers, delta.fit.median_diff))
    return GroupMerged(out[..., 0] if squeeze else out, records, refused)


def _covered(upload: FaceUpload, box: tuple[int, int, int, int]) -> np.ndarray:
    """0..1 on `box` of the photo: where this face's upload showed a cover instead of the photo (with a
    margin of COVER_MARGIN face sizes: the model's retouch of the cover's edge, its blur and the merge's own
    feather reach that far). The answer there responds to pixels the photo does not have: never merged."""
    x, y, bw, bh = box
    if upload.cover is None:
        return np.zeros((bh, bw), np.float32)
    side = max(upload.rgb.shape[:2]) / 3  # the crop is 3 face sizes (core.preflight.face_crop_box)
    r = max(2, round(COVER_MARGIN * side))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    grown = cv2.dilate(upload.cover, kernel).astype(np.float32) / 255.0
    soft = np.maximum(upload.cover.astype(np.float32) / 255.0, cv2.GaussianBlur(grown, (0, 0), r / 2))
    at = np.array([[1.0, 0, x], [0, 1.0, y], [0, 0, 1.0]])
    to_upload = np.linalg.inv(upload.to_photo()) @ at  # box px → upload px
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return np.clip(cv2.warpAffine(soft, to_upload[:2], (bw, bh), flags=flags, borderValue=0), 0, 1)


def _add(
    out: np.ndarray,
    delta: Delta,
    matrix: np.ndarray,
    box: tuple[int, int, int, int],
    weight: np.ndarray,
    space: Space,
) -> None:
    """Add the weighted delta (answer frame) onto `box` of `out` in place, only where weight > 0.

    The delta is sRGB (what the model was given and answered); for a photo in another space it is taken
    into that space at the answer's size (the answer minus what it was given, both converted), so the full
    size pixels are only added to, never converted (core.merge does the same)."""
    values = delta.values
    if not (space.is_srgb_like and out.shape[2] == 3):
        given = delta.given
        values = space.from_srgb(np.clip(given + values, 0, 1)) - space.from_srgb(given)
    x, y, bw, bh = box
    shift = np.array([[1.0, 0, -delta.origin[0]], [0, 1.0, -delta.origin[1]], [0, 0, 1.0]])
    at = np.array([[1.0, 0, x], [0, 1.0, y], [0, 0, 1.0]])
    to_delta = shift @ np.linalg.inv(np.vstack([matrix, [0, 0, 1]])) @ at  # box px → delta px
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    channels = values.shape[2]
    up = np.empty((bh, bw, channels), np.float32)
    for c0 in range(0, channels, 4):  # warpAffine takes at most 4 channels
        part = np.ascontiguousarray(values[..., c0 : c0 + 4], dtype=np.float32)
        warped = cv2.warpAffine(part, to_delta[:2], (bw, bh), flags=flags, borderValue=0)
        up[..., c0 : c0 + part.shape[2]] = warped.reshape(bh, bw, -1)
    region = out[y : y + bh, x : x + bw]
    inside = weight > 0
    top = float(np.iinfo(out.dtype).max)
    summed = region[inside].astype(np.float32) + up[inside] * (weight[inside][:, None] * top)
    region[inside] = np.clip(np.rint(summed), 0, top).astype(out.dtype)


__all__ = [
    "COVER_GROW",
    "SEAM_BAND",
    "TINY_SHARE",
    "FaceMerge",
    "FaceUpload",
    "FacesChoice",
    "FacesChoiceError",
    "GroupFace",
    "GroupMerged",
    "NotIsolated",
    "choose",
    "face_weight",
    "group_faces",
    "isolate",
    "merge_faces",
    "parse_choice",
]
