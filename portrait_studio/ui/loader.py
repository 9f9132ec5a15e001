"""Background work for opening photos: screen-size decode + thumbnail, then faces and pre-flight.

These functions run on the loader thread (ui.background.BackgroundRunner); they touch no widget and return
plain values plus QImages (QImage, unlike QPixmap, is safe to build off the GUI thread: Qt docs, "Threads and
Implicitly Shared Classes").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from portrait_studio.ui.imaging import THUMB_MAX, decode_screen, downscale, to_qimage

# Suffixes offered for folders and drops; anything else dropped is reported, not silently opened.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif"})


@dataclass(frozen=True)
class ScreenLoad:
    """The first view of a photo: working copy, original size, and ready-to-paint images."""

    rgb: Any
    size: tuple[int, int]
    image: QImage
    thumb: QImage


@dataclass(frozen=True)
class Analysis:
    """Faces (on the working copy's pixels) and the pre-flight report of the original file."""

    faces: Any
    report: Any
    fixed: Any = None  # prepared upload bytes after one-click fixes


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(image files, skipped) from files and folders; folders contribute their images, sorted by name."""
    found: list[Path] = []
    skipped: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found.extend(sorted(c for c in p.iterdir() if c.is_file() and c.suffix.lower() in IMAGE_SUFFIXES))
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
        raise ImageError(path, "the file is gone.", "Check that the photo was not moved or deleted.") from err
    except (OSError, ValueError, SyntaxError) as err:
        raise ImageError(path, f"this file could not be read as a photo ({err}).") from err
    thumb = downscale(rgb, THUMB_MAX)
    return ScreenLoad(rgb=rgb, size=size, image=to_qimage(rgb), thumb=to_qimage(thumb))


def analyse(path: Path, working_rgb: Any, params: Any) -> Analysis:
    """Detect faces on the working copy and run the pre-flight checks of the original file."""
    from portrait_studio.core.faces import detect_faces
    from portrait_studio.core.images import load_image, preflight

    faces = detect_faces(working_rgb)
    loaded = load_image(path)
    # Pre-flight judges the original; face boxes are scaled from the working copy to the original.
    scale = loaded.width / working_rgb.shape[1]
    report = preflight(loaded, _scaled_faces(faces, scale), params)
    return Analysis(faces=faces, report=report)


def _scaled_faces(faces: Any, scale: float) -> Any:
    """The same FaceResult in another image's pixels (scale = other width / working width)."""
    import dataclasses

    if abs(scale - 1.0) < 1e-6:
        return faces
    moved = [
        dataclasses.replace(
            f,
            box=tuple(round(v * scale) for v in f.box),
            keypoints=(f.keypoints * scale).astype(f.keypoints.dtype),
        )
        for f in faces.faces
    ]
    return dataclasses.replace(faces, faces=moved)


__all__ = ["IMAGE_SUFFIXES", "Analysis", "ScreenLoad", "analyse", "expand_paths", "load_screen"]


def apply_fixes(path: Path, fixes: list[str], params: Any) -> Analysis:
    """Apply pre-flight fixes to the original; the report of the fixed upload (`fixed` holds its bytes)."""
    raise NotImplementedError("waiting for core.images.prepare_upload")
