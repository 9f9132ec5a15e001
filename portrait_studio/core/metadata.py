"""What catalogs read: a photo's EXIF, XMP and IPTC carried onto a result, with an XMP record of the edit.

    meta = read_metadata(original)                       # Metadata(exif, icc, xmp, iptc)
    xmp = edit_xmp(meta.xmp, meta.iptc, record)     # the original's XMP + the edit (CreatorTool, params)
    body = embed(body, exif=meta.exif, xmp=xmp, iptc=meta.iptc)   # None: the format cannot hold them

Where each piece goes (what Lightroom, Capture One, darktable, digiKam and exiftool look for):

| format | EXIF | XMP | IPTC-IIM |
|---|---|---|---|
| JPEG | APP1 `Exif\\0\\0` | APP1 `http://ns.adobe.com/xap/1.0/\\0` | APP13 Photoshop IRB, resource 0x0404 |
| TIFF | IFD0 descriptive tags + ExifIFD/GPS sub-IFDs | tag 700 | tag 33723 |
| PNG | `eXIf` chunk | `iTXt` `XML:com.adobe.xmp` | `zTXt` `Raw profile type iptc` (ImageMagick's) |

Pillow writes none of XMP/IPTC into TIFF or PNG and tifffile no EXIF sub-IFD, so the bytes are put in here
after encoding, without touching the pixels: a TIFF gets a new IFD0 appended (the old entries, which point at
data that stays where it is, plus the new tags) and its header pointed at it. Anything else (WebP, BigTIFF,
an XMP too large for one JPEG segment) returns None from `embed`: the caller writes `<name>.xmp` beside it
(`sidecar_xmp`), which is what catalogs read for formats that cannot hold XMP.

The EXIF carried is the original's with Orientation 1: the pixels were turned upright before anything else.
The XMP is the original's packet, parsed with the standard library and extended: `xmp:CreatorTool`,
`xmp:ModifyDate`/`MetadataDate`, one `xmpMM:History` event (what was done, by which app, when, with which
parameters) and the edit's details in the app's own namespace (`ps-edit:`: parameters, task id, cost, engine).
Rating, colour label, keywords, title, copyright and creator stay as the original had them; those only in the
IPTC record (an older catalog wrote them there) are copied into the XMP too, so a reader of either finds them.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from portrait_studio.core._embed import (
    DESCRIPTIVE,
    EXIF_IFD,
    GPS_IFD,
    IPTC_PNG_KEY,
    IPTC_RESOURCE,
    ORIENTATION,
    PNG_SIG,
    TIFF_IPTC,
    TIFF_XMP,
    embed_jpeg,
    embed_png,
    embed_tiff,
    irb_iptc,
)
from portrait_studio.core._xmp import NS_EDIT, edit_xmp, iptc_fields


@dataclass(frozen=True)
class Metadata:
    """A photo's metadata, as bytes ready to be put into another file (each None when it has none)."""

    exif: bytes | None = field(default=None, repr=False)  # "Exif\0\0" + TIFF structure, Orientation 1
    icc: bytes | None = field(default=None, repr=False)
    xmp: bytes | None = field(default=None, repr=False)  # an XMP packet (UTF-8)
    iptc: bytes | None = field(default=None, repr=False)  # IPTC-IIM datasets


def _upright_exif(exif: Image.Exif) -> bytes | None:
    """EXIF rebuilt by Pillow as an APP1 payload, Orientation 1 (for a TIFF's tags, which have no payload)."""
    if not exif:
        return None
    if ORIENTATION in exif:
        exif[ORIENTATION] = 1
    try:
        raw = exif.tobytes()
    except Exception:  # EXIF in the wild is often broken: the result is still worth having without it
        return None
    return raw if raw.startswith(b"Exif\0\0") else b"Exif\0\0" + raw


def upright_exif(exif: bytes | None) -> bytes | None:
    """An EXIF payload with its IFD0 Orientation set to 1 in place, every other byte kept as it was (a rebuild
    would move maker notes, whose inner offsets then point at nothing); None when it does not parse."""
    if not exif:
        return None
    raw = exif if exif.startswith(b"Exif\0\0") else b"Exif\0\0" + exif
    tiff = raw[6:]
    e = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    try:
        if e is None or struct.unpack(e + "H", tiff[2:4])[0] != 42:
            return None
        (ifd0,) = struct.unpack(e + "I", tiff[4:8])
        (count,) = struct.unpack(e + "H", tiff[ifd0 : ifd0 + 2])
        out = bytearray(raw)
        for p in range(ifd0 + 2, ifd0 + 2 + 12 * count, 12):
            tag, kind = struct.unpack(e + "HH", tiff[p : p + 4])
            if tag == ORIENTATION and kind == 3:  # SHORT, count 1, the value in the entry itself
                out[6 + p + 8 : 6 + p + 10] = struct.pack(e + "H", 1)
    except struct.error:
        return None
    return bytes(out)


def _tiff_exif(im: Image.Image) -> bytes | None:
    """A TIFF's descriptive IFD0 tags and its EXIF/GPS sub-IFDs as one EXIF payload (not its pixel tags)."""
    whole = im.getexif()
    exif = Image.Exif()
    for tag in DESCRIPTIVE:
        value = whole.get(tag)
        if value is not None and not (tag == 270 and str(value).startswith('{"shape"')):  # tifffile's
            exif[tag] = value
    for pointer in (EXIF_IFD, GPS_IFD):
        sub = whole.get_ifd(pointer)
        if sub:
            exif.get_ifd(pointer).update(sub)
    return _upright_exif(exif) if len(exif) or exif.get_ifd(EXIF_IFD) else None


_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


def _tiff_tags(path: str | Path, wanted: tuple[int, ...]) -> dict[int, bytes]:
    """The raw value bytes of these IFD0 tags of a classic TIFF, read by seeking (not the whole file).

    Pillow types IPTC (33723) as one LONG and returns only a number for Photoshop's LONG array, with a
    warning; the bytes themselves are what every reader takes.
    """
    found: dict[int, bytes] = {}
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            e = {b"II": "<", b"MM": ">"}.get(head[:2])
            if e is None or len(head) < 8 or struct.unpack(e + "H", head[2:4])[0] != 42:
                return found
            f.seek(struct.unpack(e + "I", head[4:8])[0])
            (count,) = struct.unpack(e + "H", f.read(2))
            table = f.read(12 * count)
            for p in range(0, len(table) - 11, 12):
                tag, kind, n = struct.unpack(e + "HHI", table[p : p + 8])
                if tag in wanted:
                    size = _TYPE_SIZES.get(kind, 1) * n
                    if size <= 4:
                        found[tag] = table[p + 8 : p + 8 + size]
                    elif size <= 16_000_000:
                        f.seek(struct.unpack(e + "I", table[p + 8 : p + 12])[0])
                        found[tag] = f.read(size)
    except (OSError, struct.error):
        pass
    return found


def _png_iptc(text: str) -> bytes | None:
    """ImageMagick's "Raw profile" text decoded: a line naming it ("iptc", or exiftool's "IPTC profile"),
    a line with the byte count, then hex. exiftool wraps the IPTC in a Photoshop resource block."""
    lines = text.strip().split("\n")
    try:
        raw = bytes.fromhex("".join("".join(lines[2:]).split()))
    except ValueError:
        return None
    return irb_iptc(raw) if raw.startswith(b"8BIM") else raw or None


def read_metadata(path: str | Path) -> Metadata:
    """The photo's EXIF (Orientation 1), RGB ICC, XMP and IPTC; empty when it is gone or unreadable."""
    with warnings.catch_warnings():
        # (Pillow warns about the LONG-typed IPTC tag of TIFFs from Photoshop, Lightroom and exiftool.)
        warnings.filterwarnings("ignore", "Metadata Warning, tag 33723", UserWarning)
        return _read(path)


def _read(path: str | Path) -> Metadata:
    from portrait_studio.core._loading import register_heif
    from portrait_studio.core.images import rgb_profile

    register_heif()  # (a HEIC original's EXIF and XMP too)
    try:
        with Image.open(path) as im:  # the header only: no pixels are decoded
            icc = rgb_profile(im.info.get("icc_profile"), im.mode)
            xmp = im.info.get("xmp") or None
            iptc: bytes | None = None
            if im.format == "TIFF":
                exif = _tiff_exif(im)
                raw = _tiff_tags(path, (TIFF_XMP, TIFF_IPTC))
                xmp, iptc = xmp or raw.get(TIFF_XMP), raw.get(TIFF_IPTC)
            else:
                exif = upright_exif(im.info.get("exif"))
                if im.format in ("JPEG", "MPO"):
                    iptc = (im.info.get("photoshop") or {}).get(IPTC_RESOURCE)
                elif im.format == "PNG" and isinstance(im.info.get(IPTC_PNG_KEY), str):
                    iptc = _png_iptc(im.info[IPTC_PNG_KEY])
    except (OSError, ValueError, SyntaxError):  # (Pillow raises SyntaxError for some damaged headers)
        return Metadata()
    return Metadata(exif, icc, _as_bytes(xmp), iptc or None)


def _as_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, tuple):  # Pillow gives some BYTE/LONG tags as tuples of ints
        try:
            return bytes(value)
        except (TypeError, ValueError):
            return (
                b"".join(struct.pack(">I", v) for v in value)
                if all(isinstance(v, int) for v in value)
                else None
            )
    return bytes(value) or None


def embed(
    body: bytes, *, exif: bytes | None, xmp: bytes | None, iptc: bytes | None, tool: str | None = None
) -> bytes | None:
    """`body` (a JPEG, PNG or TIFF file's bytes) with this EXIF, XMP and IPTC in it; None when its format
    cannot hold them (the caller writes a `.xmp` sidecar). `tool` is a TIFF's Software tag."""
    if body[:2] == b"\xff\xd8":
        return embed_jpeg(body, exif, xmp, iptc)
    if body[:8] == PNG_SIG:
        return embed_png(body, exif, xmp, iptc)
    if body[:4] in (b"II*\0", b"MM\0*"):
        return embed_tiff(body, exif, xmp, iptc, tool)
    return None


def sidecar_xmp(result: Path) -> Path:
    """`x.retouched.webp` → `x.retouched.xmp` (darktable writes `x.webp.xmp`; Lightroom and Capture One read
    `x.xmp`, which is what this is)."""
    return result.with_suffix(".xmp")


def xmp_of(body: bytes) -> bytes | None:
    """The XMP packet embedded in a file's bytes (what `embed` put in), or None."""
    try:
        with Image.open(io.BytesIO(body)) as im:
            if im.format == "TIFF":
                return _as_bytes(im.info.get("xmp")) or _as_bytes(getattr(im, "tag_v2", {}).get(TIFF_XMP))
            return _as_bytes(im.info.get("xmp"))
    except (OSError, ValueError, SyntaxError):
        return None


__all__ = [
    "NS_EDIT",
    "Metadata",
    "edit_xmp",
    "embed",
    "iptc_fields",
    "read_metadata",
    "sidecar_xmp",
    "xmp_of",
]
