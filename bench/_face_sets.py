"""The face-count bench's recall set and the old tiled detector it is compared with (bench/face_count.py).

Recall: a 30 px face (astronaut or Grace Hopper) pasted at 4 places on 3 real backgrounds at 1920×1280
(24 placements), 45–220 px faces at 2 places (20), the 2/3-face groups, ±15°/±30° rotations, 6000 px
upscales, ~100 px faces straddling the old 384 px tile seams; negatives: the cat, coffee, rocket, their
composite and 6000 px upscales, a greyscale cat (and a greyscale astronaut, one face). Each case is (name,
image, expected count). Nothing is downloaded (tests/photos.py).

The old detector (until December 2026): the whole image, 35 tiles of 384 px and 6 of 768 px on the 1920 px
copy, each letterboxed to 192², a face cut by a tile edge dropped; rebuilt here on the shipped scan and merge
so both detectors are measured on the same runtime and the same FaceMesh check.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from portrait_studio.core import _blazeface as bf
from tests import photos
from tests.core.test_faces_composites import (
    ASTRONAUT_FACE,
    mirrored,
    pasted_face,
    rotated,
    side_by_side,
    small_face_canvas,
    upscaled,
)

PLACES = ((100, 100), (570, 560), (960, 640), (1700, 1100))

Case = tuple[str, np.ndarray, int]


def cases() -> list[Case]:
    """Every case, small faces first."""
    a, g = photos.astronaut(), photos.grace_hopper()
    out: list[Case] = [
        (f"30px {p} on {bg} at {at}", pasted_face(bg, p, at), 1)
        for p in ("astronaut", "grace")
        for bg in ("rocket", "coffee", "chelsea")
        for at in PLACES
    ]
    out += [
        (f"{px}px {p} on rocket at {at}", pasted_face("rocket", p, at, px), 1)
        for px in (45, 60, 90, 150, 220)
        for p in ("astronaut", "grace")
        for at in ((500, 300), (1300, 700))
    ]
    for px in (100, 120):
        s = px / ASTRONAUT_FACE
        out.append(
            (f"{px}px across a seam", small_face_canvas(px, at=(570 - int(173 * s), 560 - int(68 * s)))[0], 1)
        )
    out += [("two", side_by_side(a, g), 2), ("three", side_by_side(a, g, mirrored(a)), 3)]
    out += [
        (f"{who} rotated {d}°", rotated(im, d), 1)
        for d in (15, -15, 30, -30)
        for who, im in (("a", a), ("g", g))
    ]
    out += [("astronaut 6000px", upscaled(a, 6000), 1), ("grace 6000px", upscaled(g, 6000), 1)]
    grey = cv2.cvtColor(cv2.cvtColor(photos.chelsea(), cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    out += [(n, getattr(photos, n)(), 0) for n in ("chelsea", "coffee", "rocket")]
    out += [
        (
            "cat+coffee+rocket 1920",
            upscaled(side_by_side(photos.chelsea(), photos.coffee(), photos.rocket()), 1920),
            0,
        ),
        ("rocket 6000px", upscaled(photos.rocket(), 6000), 0),
        ("cat 6000px", upscaled(photos.chelsea(), 6000), 0),
        ("greyscale cat 1920", upscaled(grey, 1920), 0),
        ("greyscale astronaut", cv2.cvtColor(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB), 1),
    ]
    return out


def _tile_origins(length: int, tile: int) -> list[int]:
    step = tile * 3 // 4
    last = max(length - tile, 0)
    return sorted({*range(0, last + 1, step), last})


def _cut(f: bf.RawFace, view: tuple[int, int, int, int], full: tuple[int, int]) -> bool:
    x0, y0, vw, vh = view
    bx, by, bw, bh = f.box[0] - x0, f.box[1] - y0, f.box[2], f.box[3]
    if (bx < 2 and x0 > 0) or (by < 2 and y0 > 0):
        return True
    return (bx + bw > vw - 2 and x0 + vw < full[0]) or (by + bh > vh - 2 and y0 + vh < full[1])


def tiled_candidates(models: bf.BlazeFace, rgb: np.ndarray) -> list[bf.RawFace]:
    """The old grid: whole image + 384 px and 768 px tiles with 25 % overlap, one 192² input each."""
    h, w = rgb.shape[:2]
    views = [
        (x, y, min(t, w), min(t, h))
        for t in (384, 768)
        if max(h, w) > 1.5 * t
        for y in _tile_origins(h, t)
        for x in _tile_origins(w, t)
    ]
    square, s, ox, oy = bf._letterbox(rgb)
    found = models._scan(square, s, (ox, oy))
    for x0, y0, vw, vh in views:
        square, s, ox, oy = bf._letterbox(rgb[y0 : y0 + vh, x0 : x0 + vw])
        for f in models._scan(square, s, (ox, oy)):
            moved = bf.RawFace(
                (f.box[0] + x0, f.box[1] + y0, f.box[2], f.box[3]),
                f.score,
                f.keypoints + np.float32([x0, y0]),
            )
            if not _cut(moved, (x0, y0, vw, vh), (w, h)):
                found.append(moved)
    return found


def tiled_inputs(rgb: np.ndarray) -> int:
    """How many 192² inputs the old grid runs on a working copy of this shape."""
    h, w = rgb.shape[:2]
    return 1 + sum(
        len(_tile_origins(h, t)) * len(_tile_origins(w, t)) for t in (384, 768) if max(h, w) > 1.5 * t
    )


def detect_with(
    models: bf.BlazeFace,
    candidates: Callable[[np.ndarray], list[bf.RawFace]],
    rgb: np.ndarray,
    threshold: float = 0.5,
) -> list[bf.RawFace]:
    """The full detection (working copy, merge, FaceMesh check) with another candidate finder."""
    from portrait_studio.core._encoding import working_copy
    from portrait_studio.core.faces import WORKING_SIDE

    small, _ = working_copy(np.ascontiguousarray(rgb), WORKING_SIDE)
    return models._verify(small, bf._merge([f for f in candidates(small) if f.score >= threshold]))
