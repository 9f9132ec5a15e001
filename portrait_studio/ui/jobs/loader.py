"""Background work for opening photos: screen-size decode + thumbnail, then faces and pre-flight.

These functions run on the loader thread (ui.background.BackgroundRunner); they touch no widget and return
plain values plus QImages (QImage, unlike QPixmap, is safe to build off the GUI thread: Qt docs, "Threads and
Implicitly Shared Classes").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from portrait_studio.core.i18n import _
from portrait_studio.ui.jobs.imaging import (
    PREVIEW_MAX,
    SCREEN_MAX,
    THUMB_MAX,
    decode_screen,
    downscale,
    own_pixels,
    screen_rgb,
    to_qimage,
)


@dataclass(frozen=True)
class ScreenLoad:
    """The first view of a photo: working copy, original size, and ready-to-paint images."""

    rgb: Any
    size: tuple[int, int]
    image: QImage
    thumb: QImage
    preview_rgb: Any  # ≤ PREVIEW_MAX copy the live preview renders on


@dataclass(frozen=True)
class Analysis:
    """Faces (on the working copy's pixels) and the pre-flight report of the original file."""

    faces: Any
    report: Any
    sha256: str = ""
    path: Path | None = None  # the file analysed  # of the file: the journal's key for a photo's history


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(image files, skipped) from files and folders, by the batch's rule (api.batch.folder_photos).

    A folder gives its photos sorted by name, without the app's own results and hidden files (macOS
    `._x.jpg`); a file given by name is opened when its suffix is a photo's, else reported as skipped.
    """
    from portrait_studio.api.batch import folder_photos  # (on use: api.batch loads the pipeline)
    from portrait_studio.core.images import IMAGE_SUFFIXES

    found: list[Path] = []
    skipped: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(folder_photos(p))
        elif p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES:
            found.append(p)
        else:
            skipped.append(p)
    return found, skipped


def load_screen(path: Path) -> ScreenLoad:
    """Decode a screen-size working copy (draft mode for JPEG) and its filmstrip thumbnail."""
    from portrait_studio.core.errors import ImageError

    try:
        rgb, size = decode_screen(path)
    except FileNotFoundError as err:
        raise ImageError(
            path, _("the file is gone."), _("Check that the photo was not moved or deleted.")
        ) from err
    except (OSError, ValueError, SyntaxError) as err:
        raise _read_error(path, err) from err
    thumb = downscale(rgb, THUMB_MAX)
    return ScreenLoad(
        rgb=rgb,
        size=size,
        image=to_qimage(rgb),
        thumb=to_qimage(thumb),
        preview_rgb=downscale(rgb, PREVIEW_MAX),
    )


def _read_error(path: Path, err: Exception) -> Exception:
    """The screen decode failed: the core loader's plain words for why ("is empty (0 bytes).", "is not an
    image…", "is damaged…"), the ones `portrait-studio check` prints, never Pillow's raw complaint."""
    from portrait_studio.core.errors import ImageError
    from portrait_studio.core.images import load_image

    try:
        load_image(path, max_side=THUMB_MAX)
    except ImageError as plain:
        return plain
    except Exception:  # the core loader failing otherwise: keep the decoder's own words
        pass
    return ImageError(path, _("could not be read as a photo ({error}).").format(error=err))


_full: dict[Path, Any] = {}  # the last photo and its result at full size, 8 bits (72 MB each at 24 MP)
_full_lock = threading.Lock()
FULL_KEPT = 2  # the original and its full-size result: zooming a comparison crops both, decoding neither


def load_detail(
    path: Path, rect: tuple[float, float, float, float], working_width: int
) -> tuple[tuple[float, float, float, float], QImage]:
    """Full-resolution pixels of `rect` (x, y, w, h in working-copy pixels); returns (rect, image).

    The view magnifies the ≤1920 px working copy when zoomed in; this gives the file's own pixels for the
    visible part (the original's, or a full-size result's: the same rect of both lands on the same place).
    The full decode is kept for the last photo and its result, so panning and zooming only crop; only the
    crop is converted to sRGB for the screen (imaging.screen_rgb), as the working copy was. A 16-bit file is
    kept at 8 bits (in its own colour space): the screen shows 8 bits, and two 24 MP files at 16 bits would
    hold 288 MB instead of 144 (issue 16's budget for the whole app is 250 MB + 4× the decoded original).
    """
    from PIL import Image

    from portrait_studio.core.deep_io import eight_bits, read_deep
    from portrait_studio.core.images import upright

    with _full_lock:
        kept = _full.get(path)
        if kept is None:
            with Image.open(path) as im:
                if im.format in ("TIFF", "PNG"):  # core's reader: 16 bits rounded (Pillow truncates them)
                    deep = read_deep(path)  # upright, with its profile
                    kept = (eight_bits(deep.pixels), deep.icc_profile)
                    del deep
                else:  # JPEG, HEIC, WebP: 8 bits; neither step copies an upright RGB photo (~60 ms at 24 MP)
                    kept = (own_pixels(upright(im)), im.info.get("icc_profile") or None)
            while len(_full) >= FULL_KEPT:
                _full.pop(next(iter(_full)))
            _full[path] = kept
    pixels, icc = kept
    k = pixels.shape[1] / working_width
    x, y, w, h = rect
    x0, y0 = max(0, int(x * k)), max(0, int(y * k))
    x1, y1 = min(pixels.shape[1], int((x + w) * k) + 1), min(pixels.shape[0], int((y + h) * k) + 1)
    crop = screen_rgb(pixels[y0:y1, x0:x1], icc)
    return (x0 / k, y0 / k, (x1 - x0) / k, (y1 - y0) / k), to_qimage(crop)


def forget_detail(keep: Path | None = None) -> None:
    """Free the kept full-size decodes (~72 MB each at 24 MP) but `keep`'s: once another photo is shown they
    would only wait for the next zoom. Never waits for a decode in progress (the GUI thread calls this);
    that one is let go at the next switch."""
    if _full_lock.acquire(blocking=False):
        try:
            for path in [p for p in _full if p != keep]:
                del _full[path]
        finally:
            _full_lock.release()


def warm_up() -> None:
    """Import the heavy modules (numpy, OpenCV, Pillow, face models) before the first photo needs them.

    Runs on the loader thread after the first paint, so neither start-up nor the first open pays for it.
    """
    import cv2  # noqa: F401
    import numpy  # noqa: F401
    from PIL import Image  # noqa: F401

    from portrait_studio.api import pipeline  # noqa: F401
    from portrait_studio.core import faces, images, preflight  # noqa: F401
    from portrait_studio.engine import PreviewRenderer  # noqa: F401

    faces.models_available()


def analyse(path: Path, working_rgb: Any, params: Any) -> Analysis:
    """Detect faces on the working copy and run the pre-flight checks of the original file."""
    import hashlib

    from portrait_studio.core.face_cache import detect_faces_cached
    from portrait_studio.core.images import load_image
    from portrait_studio.core.preflight import preflight, scale_faces

    # A reduced decode (JPEG DCT scaling) is enough: pre-flight needs the file's facts, not all its pixels.
    loaded = load_image(path, max_side=SCREEN_MAX)
    # By content hash: reopening a photo (or a shoot) counts nothing again; `check` shares the cache.
    faces = detect_faces_cached(working_rgb, loaded.data)
    # Pre-flight wants faces on loaded.rgb; it is the working copy's size give or take a rounding pixel.
    factor = working_rgb.shape[1] / loaded.rgb.shape[1]
    report = preflight(loaded, scale_faces(faces, factor), params)
    sha256 = hashlib.sha256(loaded.data).hexdigest()  # the file's bytes were just read: not a second time
    return Analysis(faces=faces, report=report, sha256=sha256, path=path)


@dataclass(frozen=True)
class FixResult:
    """A fixed copy of a photo (in the cache) that Run sends instead of the original."""

    path: Path
    screen: ScreenLoad
    analysis: Analysis
    fixes: list[str]


def apply_fixes(path: Path, auto_fix: str, params: Any) -> FixResult:
    """Apply a pre-flight fix ("crop_to_face", "downscale", "reencode", "convert") into a cached copy."""
    import hashlib

    from portrait_studio.core.face_cache import detect_faces_cached
    from portrait_studio.core.fileio import atomic_write_bytes
    from portrait_studio.core.images import load_image
    from portrait_studio.core.paths import cache_dir
    from portrait_studio.core.preflight import prepare_upload

    loaded = load_image(path)
    face = None
    if auto_fix == "crop_to_face":
        found = detect_faces_cached(loaded.rgb, loaded.data)
        face = found.faces[0] if found.faces else None  # largest first (core.faces)
    upload = prepare_upload(loaded, crop_to_face=face)
    digest = hashlib.sha256(upload.data).hexdigest()[:12]
    suffix = ".png" if upload.mime == "image/png" else ".jpg"
    fixed = atomic_write_bytes(
        cache_dir() / "fixed" / f"{path.stem}.{auto_fix}.{digest}{suffix}", upload.data
    )
    screen = load_screen(fixed)
    return FixResult(fixed, screen, analyse(fixed, screen.rgb, params), list(upload.fixes))


__all__ = [
    "Analysis",
    "FixResult",
    "ScreenLoad",
    "analyse",
    "apply_fixes",
    "expand_paths",
    "forget_detail",
    "load_detail",
    "load_screen",
    "warm_up",
]
