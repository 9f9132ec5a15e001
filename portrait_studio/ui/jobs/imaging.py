"""Pixel helpers for the views: fast screen-size decode, numpy ↔ QImage (safe on any thread).

What reaches the screen is sRGB: a photo or result tagged with another space (Adobe RGB, ProPhoto, P3, a grey
or CMYK profile) is converted with core.colour for display only, so before and after, fit and 1:1 detail all
show the same colours; the files themselves are never converted.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

SCREEN_MAX = 1920  # long edge of the working copy: the size faces.detect_faces works at (docs/FACES.md)
PREVIEW_MAX = 1280  # long edge of live previews: a fit-to-window canvas is rarely wider
THUMB_MAX = 160


def decode_screen(path: Path, max_edge: int = SCREEN_MAX) -> tuple[Any, tuple[int, int]]:
    """(sRGB uint8 array with its long edge ≤ max_edge, original (width, height)), EXIF orientation applied.

    JPEGs are decoded at 1/2, 1/4 or 1/8 scale by libjpeg (PIL's draft mode), so a 24 MP photo shows in a
    fraction of a full decode. A 16-bit TIFF or PNG comes through Pillow at 8 bits (enough for a screen).
    """
    from PIL import Image

    from portrait_studio.core.images import orientation_of, upright

    with Image.open(path) as im:
        size = im.size
        if orientation_of(im.getexif()) in (5, 6, 7, 8):  # EXIF orientations that turn the photo by 90°
            size = (size[1], size[0])
        icc = im.info.get("icc_profile") or None
        im.draft("RGB", (max_edge, max_edge))
        # OpenCV's area filter: alias-free for downscales, multithreaded and GIL-free (the GUI thread keeps
        # running); measured 2–4× faster than PIL's LANCZOS thumbnail on a 3000×2000 draft.
        small = downscale(own_pixels(upright(im)), max_edge)
        return screen_rgb(small, icc), size


def own_pixels(im: Any) -> Any:
    """A Pillow image's pixels in its own colours: grey and CMYK stay in their channels until their profile
    converts them (screen_rgb; Pillow's plain CMYK → RGB formula shows other colours), the rest as RGB (no
    copy when it is RGB already)."""
    import numpy as np

    mode = im.mode if im.mode in ("L", "CMYK") else "RGB"
    return np.asarray(im if im.mode == mode else im.convert(mode))


def screen_rgb(pixels: Any, icc: bytes | None) -> Any:
    """sRGB uint8 H×W×3 for the screen from a photo's own pixels (uint8/uint16; H×W, or C = 1, 3, 4) and
    its ICC profile (None: untagged, shown as it is). The array itself when nothing needs converting."""
    import numpy as np

    from portrait_studio.core.colour import quantise

    px = pixels[..., None] if pixels.ndim == 2 else pixels
    space, as_is = _space(icc, int(px.shape[2]))
    if as_is:  # untagged or sRGB RGB (most camera JPEGs): shown as they are, at 8 bits
        return pixels if px.dtype == np.uint8 else quantise(px.astype(np.float32) / 65535, np.uint8)
    return quantise(space.to_srgb(px), np.uint8)


@functools.lru_cache(maxsize=8)
def _space(icc: bytes | None, channels: int) -> tuple[Any, bool]:
    """(the Space, True when converting it to sRGB changes nothing visible), per profile: panning asks for
    each crop, and parsing a profile and probing it costs more than converting a small crop."""
    from portrait_studio.core.colour import Space
    from portrait_studio.core.images import srgb_like

    space = Space.of(icc, channels)
    return space, channels == 3 and srgb_like(space)


def downscale(rgb: Any, max_edge: int) -> Any:
    """A copy with the long edge ≤ max_edge (area interpolation), or the array itself when already small."""
    import cv2
    import numpy as np

    h, w = rgb.shape[:2]
    k = max_edge / max(h, w)
    if k >= 1:
        return np.ascontiguousarray(rgb)
    small = cv2.resize(rgb, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)
    return small[..., None] if rgb.ndim == 3 and small.ndim == 2 else small  # (OpenCV drops a 1-channel axis)


def screen_image(path: Path) -> QImage:
    """A result or photo file as a screen-sized QImage (a worker thread's job: it decodes the file)."""
    return to_qimage(decode_screen(path)[0])


def to_qimage(rgb: Any) -> QImage:
    """An RGB888 QImage owning a copy of an H×W×3 uint8 array."""
    import numpy as np

    arr = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def from_qimage(image: QImage) -> Any:
    """H×W×3 uint8 array from a QImage."""
    import numpy as np

    img = image.convertToFormat(QImage.Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(
        img.height(), img.bytesPerLine()
    )
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


__all__ = [
    "PREVIEW_MAX",
    "SCREEN_MAX",
    "THUMB_MAX",
    "decode_screen",
    "downscale",
    "from_qimage",
    "own_pixels",
    "screen_image",
    "screen_rgb",
    "to_qimage",
]
