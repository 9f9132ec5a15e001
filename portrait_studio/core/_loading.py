"""Decode any photo a photographer has into RGB uint8, with a clear ImageError for everything that fails."""

from __future__ import annotations

import io
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from portrait_studio.core._encoding import working_copy
from portrait_studio.core.errors import CODE_INVALID_FORMAT, ImageError

#: PIL format names the app reads (MPO is a multi-picture JPEG from some cameras; GIF for its first frame).
READABLE = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "HEIF", "AVIF", "GIF")
#: Refuse to decode above this many pixels: a 150 MP medium-format frame fits, a decompression bomb does not.
MAX_PIXELS = 160_000_000
#: Refuse to read files above this size (a 150 MP 16-bit TIFF is ~900 MB; anything bigger is not a photo).
MAX_FILE_BYTES = 1_000_000_000

_heif_lock = threading.Lock()
_heif_ready = False


@dataclass(frozen=True)
class LoadedImage:
    """A decoded photo: `rgb` (H×W×3 uint8, EXIF orientation applied), facts about the file, and notes.

    `width`/`height` are the full oriented size. `rgb` is that size unless the image was loaded as a preview
    (`load_image(..., max_side=N)`); then `preview_scale` < 1 gives rgb pixels per full-size pixel.
    `exif` is the file's EXIF with the orientation tag removed (the pixels are already upright).
    """

    path: Path | None
    rgb: np.ndarray = field(repr=False)
    format: str
    file_bytes: int
    width: int
    height: int
    icc_profile: bytes | None = field(default=None, repr=False)
    exif: bytes | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)
    data: bytes = field(default=b"", repr=False)  # the file's own bytes (pass-through uploads, full decode)
    orientation: int = 1  # EXIF orientation found in the file (1 = upright already)
    mode: str = "RGB"  # PIL mode of the file (CMYK, I;16, P, RGBA…)
    preview_scale: float = 1.0

    @property
    def name(self) -> str:
        """The file name (or the name given for in-memory data)."""
        return self.path.name if self.path is not None else "image"


def register_heif() -> None:
    """Teach Pillow to read HEIC/HEIF (pillow-heif), once and only when a photo is first opened."""
    global _heif_ready
    with _heif_lock:
        if not _heif_ready:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_ready = True


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a photo file, or an ImageError that says why they cannot be read."""
    p = Path(path)
    try:
        if p.is_dir():
            raise ImageError(p, "is a folder, not a photo.", "Choose a photo file inside the folder.")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImageError(
                p,
                f"is too large to open ({size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB).",
                "Export a smaller JPEG of it from your photo editor.",
            )
        return p.read_bytes()
    except FileNotFoundError as err:
        raise ImageError(p, "does not exist.", "Check the file name and folder.") from err
    except PermissionError as err:
        raise ImageError(
            p,
            "cannot be read: permission denied.",
            "Give yourself read permission on the file (or copy it somewhere you own) and try again.",
        ) from err
    except OSError as err:
        raise ImageError(
            p, f"cannot be read ({err.strerror or err}).", "Check the disk and try again."
        ) from err


def load_image(path: str | os.PathLike[str], *, max_side: int | None = None) -> LoadedImage:
    """Read and decode a photo file (see `load_image_bytes`)."""
    p = Path(path)
    return _decode(read_file(p), p, max_side)


def load_image_bytes(data: bytes, name: str = "image", *, max_side: int | None = None) -> LoadedImage:
    """Decode photo bytes; `max_side` asks for a fast reduced preview (JPEG DCT scaling), not all pixels."""
    return _decode(bytes(data), Path(name) if name else None, max_side)


_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


def _looks_like_photo(data: bytes) -> bool:
    """A readable format's signature that Pillow still cannot open: the file is damaged, not foreign."""
    is_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return is_webp or any(data.startswith(s) for s in _SIGNATURES)


def _sniff_unsupported(data: bytes) -> str | None:
    head = data[:64].lstrip()
    for magic, what in ((b"%PDF", "a PDF document"), (b"<svg", "an SVG drawing"), (b"<?xml", "an XML file")):
        if head.startswith(magic):
            return what
    if data[4:12] in (b"ftypcrx ", b"ftypCRX "):
        return "a camera RAW file"
    return None


def _open(data: bytes, path: Path | None) -> Image.Image:
    if not data:
        raise ImageError(path, "is empty (0 bytes).", "The file was not saved completely; copy it again.")
    register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own MAX_PIXELS decides
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as err:
        if _looks_like_photo(data):
            raise _damaged(path, err) from err
        what = _sniff_unsupported(data)
        if what:
            raise ImageError(
                path, f"is {what}, not a photo the app can read.", code=CODE_INVALID_FORMAT
            ) from err
        raise ImageError(
            path,
            "is not an image (or its format is unknown).",
            "Choose a JPEG, PNG, WebP, TIFF, BMP or HEIC photo.",
            code=CODE_INVALID_FORMAT,
        ) from err
    except Image.DecompressionBombError as err:
        raise _too_big(path, None) from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise _damaged(path, err) from err
    if img.format not in READABLE:
        raise ImageError(
            path,
            f"is a {img.format} image, a format the app does not read.",
            "Export it as JPEG or PNG and open that.",
            code=CODE_INVALID_FORMAT,
        )
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise _too_big(path, (w, h))
    return img


def _too_big(path: Path | None, size: tuple[int, int] | None) -> ImageError:
    dims = f" ({size[0]}×{size[1]} pixels)" if size else ""
    return ImageError(
        path,
        f"is too large to open{dims}; the limit is {MAX_PIXELS // 1_000_000} megapixels.",
        "Export a smaller copy (for example 4096 pixels on the long side) and open that.",
    )


def _damaged(path: Path | None, err: BaseException) -> ImageError:
    return ImageError(
        path,
        f"is damaged or cut short (truncated) and cannot be decoded ({err}).",
        "Copy the file again from the camera or the original source, or re-export it.",
    )


def _decode(data: bytes, path: Path | None, max_side: int | None) -> LoadedImage:
    try:
        return _decode_checked(data, path, max_side)
    except ImageError:
        raise
    except MemoryError as err:
        raise _too_big(path, None) from err
    except Exception as err:  # Pillow's plug-ins raise struct.error, IndexError… on damaged files
        raise _damaged(path, err) from err


def _decode_checked(data: bytes, path: Path | None, max_side: int | None) -> LoadedImage:
    img = _open(data, path)
    notes: list[str] = []
    fmt = str(img.format)
    frames = int(getattr(img, "n_frames", 1))
    if frames > 1 and fmt not in ("TIFF", "MPO", "HEIF"):
        notes.append(f"animated ({frames} frames): the first frame is used.")
    elif frames > 1:
        notes.append(f"{frames} pictures in the file: the first one is used.")
    exif = img.getexif()
    orientation = int(exif.get(0x0112, 1) or 1)
    full_w, full_h = (img.height, img.width) if orientation in (5, 6, 7, 8) else (img.width, img.height)
    if max_side and fmt in ("JPEG", "MPO") and max(img.size) > max_side:
        img.draft("RGB", (max_side, max_side))  # DCT scaling: decodes at 1/2, 1/4 or 1/8 size, far faster
    try:
        img.load()
        turned = upright(img)
    except Image.DecompressionBombError as err:
        raise _too_big(path, img.size) from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise _damaged(path, err) from err
    if orientation != 1:
        notes.append(f"EXIF orientation {orientation} applied.")
    icc = img.info.get("icc_profile") or None
    mode = img.mode
    rgb, icc = _to_rgb(turned, icc, notes)
    if max_side and max(rgb.shape[:2]) > max_side:
        rgb, _ = working_copy(rgb, max_side)
    if 0x0112 in exif:
        del exif[0x0112]
    return LoadedImage(
        path=path,
        rgb=rgb,
        format="JPEG" if fmt == "MPO" else fmt,
        file_bytes=len(data),
        width=full_w,
        height=full_h,
        icc_profile=icc,
        exif=exif.tobytes() if len(exif) else None,
        notes=notes,
        data=data,
        orientation=orientation,
        mode=mode,
        preview_scale=rgb.shape[1] / full_w,
    )


def upright(img: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; the image itself (no copy) when it is upright already.

    ImageOps.exif_transpose returns a copy even then: 59 ms of every 24 MP load, for nothing.
    """
    if int(img.getexif().get(0x0112, 1) or 1) == 1:
        return img
    return ImageOps.exif_transpose(img) or img


def rgb_profile(icc: bytes | None, mode: str) -> bytes | None:
    """The profile of an image of `mode` that still describes it once made RGB, else None: a CMYK image is
    converted to sRGB, and a grey (or any non-RGB) profile on RGB pixels makes colour-managed viewers show
    wrong colours (ICC.1 header: the colour space at bytes 16–20)."""
    return icc if icc and mode != "CMYK" and icc[16:20] == b"RGB " else None


def _to_rgb(img: Image.Image, icc: bytes | None, notes: list[str]) -> tuple[np.ndarray, bytes | None]:
    """RGB uint8 from any mode, and the ICC profile that still describes those pixels (None if dropped)."""
    return _rgb_pixels(img, icc, notes), rgb_profile(icc, img.mode)


def _rgb_pixels(img: Image.Image, icc: bytes | None, notes: list[str]) -> np.ndarray:
    """RGB uint8 from any mode (a CMYK image through its own profile, `icc`)."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        notes.append("16-bit image: reduced to 8 bits per channel.")
        a = np.asarray(img, dtype=np.float64)
        a = a * 255.0 if mode == "F" and a.max() <= 1.0 else a / 257.0 if a.max() > 255 or "16" in mode else a
        grey = np.clip(np.round(a), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))
    if mode == "CMYK":
        notes.append("CMYK image: converted to RGB.")
        return np.asarray(_cmyk_to_rgb(img, icc))
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3]
        if alpha.min() < 255:
            notes.append("transparent areas were placed on white.")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    if mode == "P":
        return np.asarray(img.convert("RGB"))
    if mode in ("L", "1"):
        return np.asarray(img.convert("RGB"))
    # convert("RGB") of an RGB image is a full copy: 65 ms of a 24 MP load, for nothing.
    return np.ascontiguousarray(np.asarray(img if mode == "RGB" else img.convert("RGB")))


def _cmyk_to_rgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """CMYK → sRGB through the file's own profile when it has one (colour-managed), else Pillow's formula."""
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out = ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if out is not None:
                return out
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken embedded profile: fall back to the plain conversion below
    return img.convert("RGB")


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "READABLE",
    "LoadedImage",
    "load_image",
    "load_image_bytes",
    "read_file",
    "register_heif",
    "rgb_profile",
    "upright",
]
