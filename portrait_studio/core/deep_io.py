"""16-bit photo I/O: read a TIFF or PNG at its own bit depth with its ICC profile; write one atomically.

The app's intake (`images.load_image`) gives RGB uint8 for the model; the full-resolution result needs the
original's own pixels: 16-bit TIFF through tifffile (Pillow reduces 48-bit RGB to 8 bits), 16-bit PNG through
OpenCV (Pillow cannot write it); everything else at 8 bits through Pillow. Pixels are upright (EXIF/TIFF
orientation applied), H×W×C with C = 1 (grey), 3 (RGB) or 4 (CMYK); an alpha channel is kept apart.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np
from PIL import Image

from portrait_studio.core.errors import ImageError
from portrait_studio.core.fileio import atomic_write_bytes, atomic_write_with
from portrait_studio.core.i18n import _

_ICC_TAG = 34675  # TIFF InterColorProfile
_ORIENTATION_TAG = 274
# TIFF Photometric: 0 WhiteIsZero, 1 BlackIsZero, 2 RGB, 5 Separated (CMYK).
_PHOTOMETRIC_CHANNELS = {0: 1, 1: 1, 2: 3, 5: 4}


@dataclass(frozen=True)
class DeepImage:
    """A photo's own pixels (uint8 or uint16, H×W×C, upright), its ICC profile, alpha and file format."""

    pixels: np.ndarray = field(repr=False)
    icc_profile: bytes | None = field(default=None, repr=False)
    alpha: np.ndarray | None = field(default=None, repr=False)
    format: str = "TIFF"

    @property
    def bits(self) -> int:
        """Bits per channel: 8 or 16."""
        return 16 if self.pixels.dtype == np.uint16 else 8

    @property
    def channels(self) -> int:
        """1 grey, 3 RGB, 4 CMYK."""
        return int(self.pixels.shape[2])


def orient(px: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels turned upright as EXIF/TIFF orientation 1–8 says (H×W×C; a copy-free view where it can)."""
    flips = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: a.transpose(1, 0, 2)[:, ::-1],
        7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1],
        8: lambda a: a.transpose(1, 0, 2)[::-1],
    }
    return flips[orientation](px) if orientation in flips else px


TIFF_READ_BUFFER = (
    8 << 20
)  # compressed bytes tifffile reads at a time (its default, 256 MB, doubled the peak)


def read_deep(path: str | os.PathLike[str]) -> DeepImage:
    """A TIFF or PNG at its own depth (other formats at 8 bits, through Pillow); ImageError if unreadable.

    A TIFF is decoded from the file a few strips at a time: its bytes are never held whole (122 MB for a
    24 MP 16-bit ZIP TIFF), so the peak is the decoded pixels and ~25 MB (was 3.5× the pixels)."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            magic = f.read(8)
        if magic[:4] in (b"II*\x00", b"MM\x00*"):
            return _read_tiff(p)
        data = p.read_bytes()
    except OSError as err:
        raise _unreadable(p, err) from err
    except ImageError:
        raise
    except Exception as err:  # tifffile raises many kinds on damaged files
        raise _undecodable(p, err) from err
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            return _read_png(data)
        return _read_pillow(data)
    except Exception as err:  # OpenCV and Pillow raise many kinds on damaged files
        raise _undecodable(p, err) from err


def _unreadable(p: Path, err: OSError) -> ImageError:
    return ImageError(
        p,
        _("cannot be read ({text}).").format(text=err.strerror or err),
        _("Check the file and try again."),
    )


def _undecodable(p: Path, err: Exception) -> ImageError:
    return ImageError(
        p,
        _("cannot be decoded at its full bit depth ({value}).").format(value=err),
        _("Re-export it from your photo editor (TIFF with ZIP or no compression, or PNG) and try again."),
    )


def _read_tiff(path: Path) -> DeepImage:
    import tifffile

    with tifffile.TiffFile(path) as tif:
        page: Any = tif.pages[0]  # a TiffPage (tifffile types it as TiffPage | TiffFrame)
        tags = page.tags
        if page.compression not in (1, 8, 32946) and not _has_imagecodecs():
            if page.bitspersample == 8:
                return _read_pillow(path.read_bytes())  # Pillow decodes LZW, JPEG… at 8 bits: nothing lost
            raise ImageError(
                path,
                _("is compressed with {compression} (not readable at 16 bits here).").format(
                    compression=page.compression.name
                ),
                _("Re-export it as a TIFF with ZIP compression or none."),
            )
        px = np.asarray(page.asarray(buffersize=TIFF_READ_BUFFER))
        photometric = int(page.photometric)
        icc = tags[_ICC_TAG].value if _ICC_TAG in tags else None
        orientation = int(tags[_ORIENTATION_TAG].value) if _ORIENTATION_TAG in tags else 1
        planar = int(page.planarconfig) == 2
    if planar and px.ndim == 3:
        px = np.moveaxis(px, 0, -1)
    px = px[..., None] if px.ndim == 2 else px
    colours = _PHOTOMETRIC_CHANNELS.get(photometric)
    if colours is None or px.dtype not in (np.uint8, np.uint16) or px.shape[2] < colours:
        raise ImageError(
            path, _("is a kind of TIFF the app cannot read at full depth."), _("Export it as RGB TIFF.")
        )
    alpha = px[..., colours] if px.shape[2] > colours else None
    px = px[..., :colours]
    if photometric == 0:
        px = np.iinfo(px.dtype).max - px  # WhiteIsZero
    upright = np.ascontiguousarray(orient(px, orientation))
    turned_alpha = (
        None if alpha is None else np.ascontiguousarray(orient(alpha[..., None], orientation)[..., 0])
    )
    return DeepImage(upright, bytes(icc) if icc else None, turned_alpha, "TIFF")


def _has_imagecodecs() -> bool:
    try:
        import imagecodecs  # noqa: F401
    except ImportError:
        return False
    return True


def _read_png(data: bytes) -> DeepImage:
    raw = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise ValueError("OpenCV could not decode the PNG")
    raw = raw[..., None] if raw.ndim == 2 else raw
    alpha = np.ascontiguousarray(raw[..., -1]) if raw.shape[2] in (2, 4) else None
    colour = (
        raw[..., :1]
        if raw.shape[2] <= 2
        else cv2.cvtColor(np.ascontiguousarray(raw[..., :3]), cv2.COLOR_BGR2RGB)
    )
    with Image.open(io.BytesIO(data)) as img:  # only the header chunks are parsed here, not the pixels
        icc = img.info.get("icc_profile") or None
        orientation = int(img.getexif().get(0x0112, 1) or 1)
    colour = colour[..., None] if colour.ndim == 2 else colour
    turned_alpha = (
        None if alpha is None else np.ascontiguousarray(orient(alpha[..., None], orientation)[..., 0])
    )
    return DeepImage(np.ascontiguousarray(orient(colour, orientation)), icc, turned_alpha, "PNG")


def _read_pillow(data: bytes) -> DeepImage:
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as img:
        icc = img.info.get("icc_profile") or None
        fmt = str(img.format)
        turned = ImageOps.exif_transpose(img) or img
        mode = turned.mode
        if mode not in ("L", "RGB", "CMYK"):
            turned = turned.convert("RGB")
        px = np.asarray(turned)
    return DeepImage(px[..., None] if px.ndim == 2 else px, icc, None, "JPEG" if fmt == "MPO" else fmt)


def eight_bits(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels of uint8/uint16 ones, rounded (for a JPEG of a 16-bit result; one pass in OpenCV: the
    float round trip took 5× a JPEG encode of a 24 MP frame)."""
    if pixels.dtype == np.uint8:
        return pixels
    return cv2.convertScaleAbs(pixels, alpha=1 / 257)


def _checked(pixels: np.ndarray, channels: tuple[int, ...]) -> np.ndarray:
    px = pixels[..., None] if pixels.ndim == 2 else pixels
    if px.ndim != 3 or px.shape[2] not in channels or px.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"expected H×W×{channels} uint8/uint16 pixels, got {px.shape} {px.dtype}")
    return px


def _tiff_writer(
    pixels: np.ndarray, icc_profile: bytes | None, alpha: np.ndarray | None, level: int
) -> Callable[[IO[bytes], str], None]:
    """What writes the TIFF (8/16-bit grey, RGB or CMYK, ZIP + predictor, ICC embedded) into a file object."""
    import tifffile

    px = _checked(pixels, (1, 3, 4))
    photometric = {1: "minisblack", 3: "rgb", 4: "separated"}[px.shape[2]]
    extras = {}
    if alpha is not None:
        px = np.concatenate([px, alpha.astype(px.dtype)[..., None]], axis=-1)
        extras["extrasamples"] = (2,)  # unassociated alpha
    body = px[..., 0] if px.shape[2] == 1 else px

    def write(f: IO[bytes], name: str) -> None:
        tifffile.imwrite(
            tifffile.FileHandle(f, name=name),  # a temp file's own name is its descriptor number
            body,
            photometric=photometric,
            compression="zlib",
            compressionargs={"level": level},
            predictor=2,
            iccprofile=icc_profile,
            metadata=None,
            **extras,  # type: ignore[arg-type]
        )

    return write


def write_tiff(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    icc_profile: bytes | None = None,
    *,
    alpha: np.ndarray | None = None,
    level: int = 1,
) -> Path:
    """Write a TIFF (8/16-bit grey, RGB or CMYK, ZIP + predictor, ICC embedded) atomically.

    zlib level 1: a 24 MP 16-bit frame is 144 MB of pixels; the higher levels cost seconds for a few percent.
    """
    write = _tiff_writer(pixels, icc_profile, alpha, level)
    return atomic_write_with(path, lambda f: write(f, Path(path).name))


def tiff_bytes(
    pixels: np.ndarray, icc_profile: bytes | None = None, *, alpha: np.ndarray | None = None, level: int = 1
) -> bytes:
    """The bytes write_tiff would write (for a result created exclusively under a new name)."""
    buf = io.BytesIO()
    _tiff_writer(pixels, icc_profile, alpha, level)(buf, "result.tif")
    return buf.getvalue()


def png_bytes(
    pixels: np.ndarray, icc_profile: bytes | None = None, *, alpha: np.ndarray | None = None
) -> bytes:
    """PNG bytes of 8/16-bit grey or RGB pixels, the ICC profile in an iCCP chunk (OpenCV writes none)."""
    px = _checked(pixels, (1, 3))
    bgr = px[..., 0] if px.shape[2] == 1 else cv2.cvtColor(np.ascontiguousarray(px), cv2.COLOR_RGB2BGR)
    if alpha is not None:
        bgr = np.dstack([bgr, alpha.astype(px.dtype)])
    ok, buf = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ValueError("OpenCV could not encode the PNG")
    png = buf.tobytes()
    if not icc_profile:
        return png
    payload = b"ICC Profile\0\0" + zlib.compress(
        icc_profile
    )  # name, NUL, compression method 0 (PNG 11.3.3.3)
    chunk = struct.pack(">I", len(payload)) + b"iCCP" + payload
    chunk += struct.pack(">I", zlib.crc32(b"iCCP" + payload) & 0xFFFFFFFF)
    ihdr_end = 8 + 4 + 4 + 13 + 4  # signature, then IHDR (length, type, 13 bytes of data, CRC): always first
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def write_png(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    icc_profile: bytes | None = None,
    *,
    alpha: np.ndarray | None = None,
) -> Path:
    """Write an 8/16-bit PNG (ICC embedded) atomically."""
    return atomic_write_bytes(path, png_bytes(pixels, icc_profile, alpha=alpha))


__all__ = [
    "DeepImage",
    "eight_bits",
    "orient",
    "png_bytes",
    "read_deep",
    "tiff_bytes",
    "write_png",
    "write_tiff",
]
