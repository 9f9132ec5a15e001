"""Decode any photo a photographer has into RGB uint8, with a clear ImageError for everything that fails."""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import threading
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, PngImagePlugin, UnidentifiedImageError

from portrait_studio.core._encoding import working_copy
from portrait_studio.core.errors import CODE_INVALID_FORMAT, ImageError
from portrait_studio.core.i18n import _

#: PIL format names the app reads (MPO is a multi-picture JPEG from some cameras; GIF for its first frame).
READABLE = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "HEIF", "AVIF", "GIF")
#: Refuse to decode above this many pixels: a 150 MP medium-format frame fits, a decompression bomb does not.
MAX_PIXELS = 160_000_000
#: An ICC profile above this is applied (pixels converted to sRGB) and dropped: a fifth of the 5 MB upload.
#: Real RGB profiles are a few KB, LUT-based camera profiles some hundred KB.
MAX_PROFILE_BYTES = 1_000_000
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
    srgb_from: str | None = None  # `rgb` was converted to sRGB from this space (preflight.colour_managed)

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
    """The bytes of a photo file, or an ImageError that says why they cannot be read.

    Only a regular file (after following links) is read, and at most the size it had when opened: a named
    pipe would block for ever, /dev/zero never ends, and a file still being written would grow past the
    size checked against MAX_FILE_BYTES.
    """
    p = Path(path)
    try:
        _refuse_non_photo_file(p, os.stat(p))  # before open: opening a pipe with no writer blocks
        # O_NONBLOCK: a pipe swapped in after the stat above opens at once instead of hanging.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as f:
            size = _refuse_non_photo_file(p, os.fstat(fd))
            return f.read(size)
    except FileNotFoundError as err:
        raise ImageError(p, _("does not exist."), _("Check the file name and folder.")) from err
    except PermissionError as err:
        raise ImageError(
            p,
            _("cannot be read: permission denied."),
            _("Give yourself read permission on the file (or copy it somewhere you own) and try again."),
        ) from err
    except OSError as err:
        raise ImageError(
            p,
            _("cannot be read ({error}).").format(error=err.strerror or "input/output error"),
            _("Check the disk and try again."),
        ) from err


def _refuse_non_photo_file(p: Path, st: os.stat_result) -> int:
    """The file's size, or an ImageError for a folder, a device, a pipe or a file over MAX_FILE_BYTES."""
    if stat.S_ISDIR(st.st_mode):
        raise ImageError(p, _("is a folder, not a photo."), _("Choose a photo file inside the folder."))
    if not stat.S_ISREG(st.st_mode):
        what = (
            _("a named pipe (FIFO)") if stat.S_ISFIFO(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket" if stat.S_ISSOCK(st.st_mode)
            else _("a special file")
        )  # fmt: skip
        link = _(" (a link to {target})").format(target=os.path.realpath(p)) if p.is_symlink() else ""
        raise ImageError(
            p,
            _("is {what}{link}, not a photo file.").format(what=what, link=link),
            _("Choose a photo file (JPEG, PNG, HEIC, TIFF…)."),
        )
    if st.st_size > MAX_FILE_BYTES:
        raise ImageError(
            p,
            _("is too large to open ({mb:.0f} MB; the limit is {limit:.0f} MB).").format(
                mb=st.st_size / 1e6, limit=MAX_FILE_BYTES / 1e6
            ),
            _("Export a smaller JPEG of it from your photo editor."),
        )
    return st.st_size


def load_image(path: str | os.PathLike[str], *, max_side: int | None = None) -> LoadedImage:
    """Read and decode a photo file (see `load_image_bytes`)."""
    p = Path(path)
    return _decode(read_file(p), p, max_side)


def load_image_bytes(data: bytes, name: str = "image", *, max_side: int | None = None) -> LoadedImage:
    """Decode photo bytes; `max_side` asks for a fast reduced preview (JPEG DCT scaling), not all pixels."""
    return _decode(bytes(data), Path(name) if name else None, max_side)


_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


_stderr_lock = threading.Lock()


def jpeg_decoder_warnings(data: bytes) -> list[str]:
    """What libjpeg warned about while decoding a JPEG ("Corrupt JPEG data: premature end of data segment").

    Pillow silences libjpeg's warnings and decodes zeroed or garbled scan data into a picture without a word,
    so a visibly damaged photo would look fine to the checks. OpenCV's decoder prints them on the process's
    stderr (libjpeg's default output_message), so that stream is captured around one decode (fd level, under
    a lock; whatever else was written meanwhile is passed on). The 1/8 grey decode still reads all the scan
    data, so every corrupt-data warning is seen, at a fraction of a full decode's time.
    """
    import tempfile

    import cv2

    buffer = np.frombuffer(data, np.uint8)
    with _stderr_lock, tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        try:
            os.dup2(captured.fileno(), 2)
            cv2.imdecode(buffer, cv2.IMREAD_REDUCED_GRAYSCALE_8)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        lines = captured.read().decode("utf-8", "replace").splitlines()
    ours = [line.strip() for line in lines if line.startswith(("Corrupt JPEG data", "Premature end of JPEG"))]
    others = [line for line in lines if line.strip() not in ours]
    if others:
        os.write(2, ("\n".join(others) + "\n").encode())
    return list(dict.fromkeys(ours))


def _looks_like_photo(data: bytes) -> bool:
    """A readable format's signature that Pillow still cannot open: the file is damaged, not foreign."""
    is_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return is_webp or any(data.startswith(s) for s in _SIGNATURES)


def _sniff_unsupported(data: bytes) -> str | None:
    head = data[:64].lstrip()
    for magic, what in (
        (b"%PDF", _("a PDF document")),
        (b"<svg", _("an SVG drawing")),
        (b"<?xml", _("an XML file")),
    ):
        if head.startswith(magic):
            return what
    if data[4:12] in (b"ftypcrx ", b"ftypCRX "):
        return _("a camera RAW file")
    return None


def _open(data: bytes, path: Path | None, notes: list[str]) -> Image.Image:
    if not data:
        raise ImageError(
            path, _("is empty (0 bytes)."), _("The file was not saved completely; copy it again.")
        )
    register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own MAX_PIXELS decides
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as err:
        if data.startswith((b"II*\x00", b"MM\x00*")):
            return _open_tiff(data, path, notes)  # RGB float or 32-bit integer samples: not in Pillow
        if _looks_like_photo(data):
            raise _damaged(path, err) from err
        what = _sniff_unsupported(data)
        if what:
            raise ImageError(
                path,
                _("is {what}, not a photo the app can read.").format(what=what),
                code=CODE_INVALID_FORMAT,
            ) from err
        raise ImageError(
            path,
            _("is not an image (or its format is unknown)."),
            _("Choose a JPEG, PNG, WebP, TIFF, BMP or HEIC photo."),
            code=CODE_INVALID_FORMAT,
        ) from err
    except Image.DecompressionBombError as err:
        raise _too_big(path, None) from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise _damaged(path, err) from err
    if img.format not in READABLE:
        raise ImageError(
            path,
            _("is a {fmt} image, a format the app does not read.").format(fmt=img.format),
            _("Export it as JPEG or PNG and open that."),
            code=CODE_INVALID_FORMAT,
        )
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise _too_big(path, (w, h))
    return img


def _open_tiff(data: bytes, path: Path | None, notes: list[str]) -> Image.Image:
    """A TIFF Pillow has no mode for, through tifffile: its first picture as an 8-bit RGB image."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages.first
            if page.imagewidth * page.imagelength > MAX_PIXELS:
                raise _too_big(path, (page.imagewidth, page.imagelength))
            samples = page.asarray()
    except ImageError:
        raise
    except Exception as err:  # tifffile raises TiffFileError, ValueError, KeyError… on damaged files
        raise _damaged(path, err) from err
    if samples.ndim == 3 and samples.shape[0] in (3, 4) and samples.shape[2] not in (3, 4):
        samples = np.moveaxis(samples, 0, -1)  # planar (one plane per channel): make it interleaved
    if samples.ndim == 2:
        samples = samples[..., None]
    if samples.ndim != 3 or samples.shape[2] not in (1, 2, 3, 4):
        raise ImageError(
            path,
            _("is a TIFF of shape {shape}, not a photo the app can read.").format(shape=samples.shape),
        )
    pixels = _to_8bit(samples, notes)
    colour = pixels[..., :3] if pixels.shape[2] >= 3 else np.repeat(pixels[..., :1], 3, axis=2)
    if pixels.shape[2] in (2, 4):  # the last channel is alpha: place the picture on white
        alpha = pixels[..., -1:].astype(np.float32) / 255.0
        colour = np.round(colour * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
        if alpha.min() < 1.0:
            notes.append(_("transparent areas were placed on white."))
    img = Image.fromarray(np.ascontiguousarray(colour), "RGB")
    img.format = "TIFF"
    return img


def _to_8bit(samples: np.ndarray, notes: list[str]) -> np.ndarray:
    """uint8 samples from 16-bit, 32-bit integer or floating-point ones, with a note that says which.

    Floats are 0–1 by convention (scaled by their maximum when brighter, e.g. scene-linear HDR); 32-bit
    integers that use more than 16 bits are scaled by their maximum, so a 0–255 000 image is not all white.
    """
    if samples.dtype == np.uint8:
        return samples
    if samples.dtype == np.uint16:
        notes.append(_("16-bit image: reduced to 8 bits per channel."))
        import cv2  # one OpenCV pass, rounded as below: through float64 a 24 MP RGB frame took 576 MB more

        flat = samples.reshape(samples.shape[0], -1)
        return cv2.convertScaleAbs(flat, alpha=1 / 257).reshape(samples.shape)
    a = samples.astype(np.float64)
    if samples.dtype.kind == "f":
        notes.append(
            _("{bits}-bit floating-point image: reduced to 8 bits per channel.").format(
                bits=8 * samples.dtype.itemsize
            )
        )
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
        top = a.max() if a.size else 0.0
        a = a * (255.0 / top if top > 1.0 else 255.0)
    elif samples.dtype.itemsize <= 2:
        notes.append(
            _("{bits}-bit image: reduced to 8 bits per channel.").format(bits=8 * samples.dtype.itemsize)
        )
        a = a / 257.0 if samples.dtype.itemsize == 2 else a
    else:
        notes.append(
            _("{bits}-bit integer image: reduced to 8 bits per channel.").format(
                bits=8 * samples.dtype.itemsize
            )
        )
        top = a.max() if a.size else 0.0
        a = a / 257.0 if 255 < top <= 65535 else a * (255.0 / top) if top > 65535 else a
    return np.clip(np.round(a), 0, 255).astype(np.uint8)


def _too_big(path: Path | None, size: tuple[int, int] | None) -> ImageError:
    dims = f" ({size[0]}×{size[1]} pixels)" if size else ""
    return ImageError(
        path,
        _("is too large to open{dims}; the limit is {MAX_PIXELS} megapixels.").format(
            dims=dims, MAX_PIXELS=MAX_PIXELS // 1_000_000
        ),
        _("Export a smaller copy (for example 4096 pixels on the long side) and open that."),
    )


def _damaged(path: Path | None, err: BaseException) -> ImageError:
    reason = _reason(err)
    return ImageError(
        path,
        _("is damaged or cut short (truncated) and cannot be decoded{text}.").format(
            text=f" ({reason})" if reason else ""
        ),
        _("Copy the file again from the camera or the original source, or re-export it."),
    )


def _reason(err: BaseException) -> str:
    """A decoder's complaint fit for a photographer: its first line, without object reprs or addresses
    ("cannot identify image file <_io.BytesIO object at 0x7f…>") and never OpenCV's assertion text."""
    if type(err).__module__.startswith("cv2") or isinstance(err, (KeyError, IndexError)):
        return ""  # an assertion, or a bare key/index ("0"): nothing a person can read
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    text = re.sub(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>", "", text)
    text = re.sub(r"\b0x[0-9a-fA-F]{6,}\b", "", text)
    return text.strip(" :")[:200]


def _decode(data: bytes, path: Path | None, max_side: int | None) -> LoadedImage:
    try:
        return _decode_guarded(data, path, max_side)
    except ImageError as err:
        if not _png_metadata_too_large(data, err):
            raise
    # Pillow refuses a PNG whose text or colour-profile chunk inflates past MAX_TEXT_CHUNK (its zip-bomb
    # guard); the picture itself is fine: decode it without those chunks. `data` stays the stripped PNG, so
    # an upload that passes it through carries the same pixels without what no decoder would read either.
    image = _decode_guarded(_png_without_metadata(data), path, max_side)
    limit = f"{PngImagePlugin.MAX_TEXT_CHUNK / 1e6:.0f} MB"
    note = _(
        "its text metadata or colour profile is over {limit}: ignored (colours are read as sRGB)."
    ).format(limit=limit)
    return replace(image, file_bytes=len(data), notes=[*image.notes, note])


def _png_metadata_too_large(data: bytes, err: ImageError) -> bool:
    cause = str(err.__cause__ or "")
    return data.startswith(_PNG) and ("PngImagePlugin.MAX_TEXT" in cause or "text chunks" in cause)


_PNG = b"\x89PNG\r\n\x1a\n"
_PNG_METADATA = (b"tEXt", b"zTXt", b"iTXt", b"iCCP")


def _png_without_metadata(data: bytes) -> bytes:
    """The PNG with its text and ICC chunks left out (chunk = length, type, body, CRC: PNG spec 5.3)."""
    out, at = [data[:8]], 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        end = at + 12 + length
        if data[at + 4 : at + 8] not in _PNG_METADATA:
            out.append(data[at:end])
        at = end
    out.append(data[at:])
    return b"".join(out)


def _decode_guarded(data: bytes, path: Path | None, max_side: int | None) -> LoadedImage:
    try:
        return _decode_checked(data, path, max_side)
    except ImageError:
        raise
    except MemoryError as err:
        raise _too_big(path, None) from err
    except Exception as err:  # Pillow's plug-ins raise struct.error, IndexError… on damaged files
        raise _damaged(path, err) from err


def _decode_checked(data: bytes, path: Path | None, max_side: int | None) -> LoadedImage:
    with warnings.catch_warnings():
        # Photoshop, Lightroom and exiftool type a TIFF's IPTC (tag 33723) as an array of LONGs; Pillow
        # expects one value and warns on every read of the EXIF, about a file that is fine.
        warnings.filterwarnings("ignore", "Metadata Warning, tag 33723", UserWarning)
        return _decode_tolerant(data, path, max_side)


def _decode_tolerant(data: bytes, path: Path | None, max_side: int | None) -> LoadedImage:
    notes: list[str] = []
    img = _open(data, path, notes)
    fmt = str(img.format)
    frames = int(getattr(img, "n_frames", 1))
    if frames > 1 and fmt not in ("TIFF", "MPO", "HEIF"):
        notes.append(_("animated ({frames} frames): the first frame is used.").format(frames=frames))
    elif frames > 1:
        notes.append(_("{frames} pictures in the file: the first one is used.").format(frames=frames))
    exif = img.getexif()
    orientation = orientation_of(exif)
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
        notes.append(_("EXIF orientation {orientation} applied.").format(orientation=orientation))
    elif _orientation_text(exif) != "1":
        notes.append(
            _("EXIF orientation {exif} is not one of the 8 valid values: ignored.").format(
                exif=_orientation_text(exif)
            )
        )
    icc = img.info.get("icc_profile") or None
    mode = img.mode
    rgb, icc = _to_rgb(turned, icc, notes)
    if max_side and max(rgb.shape[:2]) > max_side:
        rgb, _scale = working_copy(rgb, max_side)
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


#: EXIF orientation → the transpose that makes the pixels upright (EXIF 2.32, tag 0x0112).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def orientation_of(exif: Image.Exif) -> int:
    """The EXIF orientation 1–8, whether stored as a number or (by some software) as text "6"; 1 when it is
    absent or not one of the eight values (65535, 9…): nothing is turned then."""
    text = _orientation_text(exif)
    return int(text) if text in ("1", "2", "3", "4", "5", "6", "7", "8") else 1


def _orientation_text(exif: Image.Exif) -> str:
    value = exif.get(0x0112, 1)
    if isinstance(value, tuple):
        value = value[0] if value else 1
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value).strip("\x00 ")[:20]


def upright(img: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; the image itself (no copy) when it is upright already.

    (ImageOps.exif_transpose copies even then, 59 ms of a 24 MP load, and ignores an orientation stored as
    text.)
    """
    orientation = orientation_of(img.getexif())
    return img if orientation == 1 else img.transpose(_TRANSPOSE[orientation])


def _is_rgb_profile(icc: bytes | None, mode: str) -> bool:
    # ICC.1 header: the profile's colour space at bytes 16–20; a CMYK image is converted to sRGB anyway.
    return bool(icc) and mode != "CMYK" and icc is not None and icc[16:20] == b"RGB "


def rgb_profile(icc: bytes | None, mode: str) -> bytes | None:
    """The profile of an image of `mode` that still describes it once made RGB and is small enough to carry,
    else None: a grey (or any non-RGB) profile on RGB pixels makes colour-managed viewers show wrong colours,
    and one over MAX_PROFILE_BYTES is converted away on load (`_to_rgb`), never embedded."""
    return icc if _is_rgb_profile(icc, mode) and icc is not None and len(icc) <= MAX_PROFILE_BYTES else None


def _to_rgb(img: Image.Image, icc: bytes | None, notes: list[str]) -> tuple[np.ndarray, bytes | None]:
    """RGB uint8 from any mode, and the ICC profile that still describes those pixels (None if dropped).

    A huge RGB profile (a 16 MB one made every trial encode of the upload carry it, and a 50 MB one kept
    `retouch` busy for minutes) is applied instead: the pixels are converted to sRGB and it is dropped.
    """
    rgb = _rgb_pixels(img, icc, notes)
    kept = rgb_profile(icc, img.mode)
    if icc is not None and kept is None and _is_rgb_profile(icc, img.mode):
        rgb = _to_srgb(rgb, icc, notes)
    return rgb, kept


def _to_srgb(rgb: np.ndarray, icc: bytes, notes: list[str]) -> np.ndarray:
    size = f"{len(icc) / 1e6:.0f} MB"
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out = ImageCms.profileToProfile(
            Image.fromarray(rgb, "RGB"), src, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        out = None
    if out is None:
        notes.append(
            _("its {size} colour profile cannot be read: ignored (colours are read as sRGB).").format(
                size=size
            )
        )
        return rgb
    notes.append(
        _("its {size} colour profile is too large to send: the colours were converted to sRGB.").format(
            size=size
        )
    )
    return np.asarray(out)


def _rgb_pixels(img: Image.Image, icc: bytes | None, notes: list[str]) -> np.ndarray:
    """RGB uint8 from any mode (a CMYK image through its own profile, `icc`)."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        samples = np.asarray(img)
        if "16" in mode:
            samples = samples.astype(np.uint16)
        grey = _to_8bit(samples, notes)
        return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))
    if mode == "CMYK":
        notes.append(_("CMYK image: converted to RGB."))
        return np.asarray(_cmyk_to_rgb(img, icc))
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3]
        if alpha.min() < 255:
            notes.append(_("transparent areas were placed on white."))
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    if mode == "P":
        return np.asarray(img.convert("RGB"))
    if mode in ("L", "1"):
        return np.asarray(img.convert("RGB"))
    # convert("RGB") of an RGB image is a full copy: 65 ms of a 24 MP load, for nothing.
    return _rgb_array(img if mode == "RGB" else img.convert("RGB"))


def _rgb_array(img: Image.Image) -> np.ndarray:
    """The pixels of an RGB image as an H×W×3 array (read-only, as np.asarray gives it), made in one piece.

    np.asarray(img) runs Image.tobytes, which packs the pixels (4 bytes each inside Pillow) 64 KB at a time
    and joins the pieces: one more copy of the whole image into fresh memory — 100 ms of a 24 MP load, 26 ms
    of `check`'s half-size one (measured, docs/BENCHMARKS.md). The same raw encoder asked for the whole image
    at once gives one bytes object, used as it is: 53 and 2 ms, the same bytes.
    """
    w, h = img.size
    size = w * h * 3
    try:
        encoder = Image._getencoder("RGB", "raw", "RGB")  # what tobytes itself uses (a Pillow internal)
        encoder.setimage(img.im, (0, 0, w, h))
        _consumed, status, data = encoder.encode(size)
        encoder.cleanup()
    except (AttributeError, TypeError, ValueError):  # another Pillow's internals: the usual way
        status, data = 0, b""
    if status != 1 or len(data) != size:  # not all in one piece (never seen): the usual way
        return np.ascontiguousarray(np.asarray(img))
    return np.frombuffer(data, np.uint8).reshape(h, w, 3)


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
    "MAX_PROFILE_BYTES",
    "READABLE",
    "LoadedImage",
    "jpeg_decoder_warnings",
    "load_image",
    "load_image_bytes",
    "orientation_of",
    "read_file",
    "register_heif",
    "rgb_profile",
    "upright",
]
