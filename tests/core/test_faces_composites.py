"""Composite test images built from the real photos (faces at known places and sizes), and their counts."""

from __future__ import annotations

import cv2
import numpy as np

from tests import photos

ASTRONAUT_FACE = 107  # px: BlazeFace's box side for the face in skimage's 512×512 astronaut
GRACE_FACE = 210  # px: the same for Grace Hopper's face in matplotlib's 512×600 photo


def side_by_side(*images: np.ndarray, height: int = 600) -> np.ndarray:
    """Photos scaled to one height and placed next to each other."""
    scaled = [cv2.resize(im, (round(im.shape[1] * height / im.shape[0]), height)) for im in images]
    return np.ascontiguousarray(np.hstack(scaled))


def small_face_canvas(face_px: int, canvas: tuple[int, int] = (1280, 1920), at: tuple[int, int] = (900, 500)):
    """The astronaut shrunk so her face is `face_px` wide, pasted on the rocket photo; gives (image, box)."""
    h, w = canvas
    background = cv2.resize(photos.rocket(), (w, h), interpolation=cv2.INTER_CUBIC)
    scale = face_px / ASTRONAUT_FACE
    small = cv2.resize(photos.astronaut(), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    x, y = at
    background[y : y + small.shape[0], x : x + small.shape[1]] = small
    return background, (x, y, small.shape[1], small.shape[0])


def pasted_face(background: str, person: str, at: tuple[int, int], px: int = 30) -> np.ndarray:
    """`person` ("astronaut" or "grace") shrunk to a `px` face, pasted at `at` on a 1920×1280 real photo."""
    canvas = cv2.resize(getattr(photos, background)(), (1920, 1280), interpolation=cv2.INTER_CUBIC)
    src, face = (
        (photos.astronaut(), ASTRONAUT_FACE) if person == "astronaut" else (photos.grace_hopper(), GRACE_FACE)
    )
    small = cv2.resize(src, None, fx=px / face, fy=px / face, interpolation=cv2.INTER_AREA)
    x, y = at
    canvas[y : y + small.shape[0], x : x + small.shape[1]] = small[: 1280 - y, : 1920 - x]
    return canvas


def rotated(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate about the centre, keeping the whole image (edges filled by replication)."""
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def mirrored(rgb: np.ndarray) -> np.ndarray:
    """Left-right mirror."""
    return np.ascontiguousarray(rgb[:, ::-1])


def upscaled(rgb: np.ndarray, side: int) -> np.ndarray:
    """Upscale so the longer side is `side` px."""
    s = side / max(rgb.shape[:2])
    return cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)


def test_composites_are_what_they_claim() -> None:
    image, box = small_face_canvas(30)
    assert image.shape == (1280, 1920, 3)
    assert box[2] == round(512 * 30 / ASTRONAUT_FACE)
    a = photos.astronaut()
    assert np.array_equal(mirrored(mirrored(a)), a)
    assert upscaled(a, 6000).shape[:2] == (6000, 6000)
    assert side_by_side(a, a).shape == (600, 1200, 3)
