"""Putting EXIF, XMP and IPTC into a JPEG, PNG or TIFF file's bytes without touching its pixels (for
core.metadata, whose docstring says where each piece goes)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from PIL import Image

XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\0"
PHOTOSHOP = b"Photoshop 3.0\0"
IPTC_RESOURCE = 0x0404
JPEG_SEGMENT_MAX = 0xFFFF - 2
ORIENTATION = 0x0112
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
TIFF_XMP, TIFF_IPTC, TIFF_SOFTWARE = 700, 33723, 305
#: IFD0 tags of a TIFF original that describe the photo, not how its pixels are stored (with its print
#: resolution): carried with the EXIF.
DESCRIPTIVE = (
    270, 271, 272, 282, 283, 296, 305, 306, 315, 33432, 18246, 18249, 0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F,
)  # fmt: skip
PNG_SIG = b"\x89PNG\r\n\x1a\n"
IPTC_PNG_KEY = "Raw profile type iptc"


def jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(start, end, marker) of each segment between SOI and the image data."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):
            return
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        yield pos, pos + 2 + length, marker
        pos += 2 + length


def irb_iptc(irb: bytes) -> bytes | None:
    """The IPTC-IIM resource (0x0404) of a Photoshop image resource block."""
    pos = 0
    while pos + 12 <= len(irb) and irb[pos : pos + 4] == b"8BIM":
        rid = struct.unpack(">H", irb[pos + 4 : pos + 6])[0]
        name_len = irb[pos + 6]
        pos += 6 + ((name_len + 2) & ~1)  # Pascal name, padded to even
        (size,) = struct.unpack(">I", irb[pos : pos + 4])
        if rid == IPTC_RESOURCE:
            return irb[pos + 4 : pos + 4 + size]
        pos += 4 + size + (size & 1)
    return None


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _irb(iptc: bytes) -> bytes:
    size = len(iptc)
    return (
        b"8BIM"
        + struct.pack(">H", IPTC_RESOURCE)
        + b"\0\0"
        + struct.pack(">I", size)
        + iptc
        + b"\0" * (size & 1)
    )


def embed_jpeg(data: bytes, exif: bytes | None, xmp: bytes | None, iptc: bytes | None) -> bytes | None:
    """The JPEG with its EXIF, XMP and IPTC segments replaced (its ICC and pixels untouched)."""
    add = b""
    if exif:
        if len(exif) > JPEG_SEGMENT_MAX:
            exif = None  # a maker note too big for one segment: left out rather than cut
        else:
            add += _segment(0xE1, exif)
    if xmp:
        if len(XMP_JPEG) + len(xmp) > JPEG_SEGMENT_MAX:
            return None  # (extended XMP across segments is read by few catalogs: a sidecar instead)
        add += _segment(0xE1, XMP_JPEG + xmp)
    if iptc and len(PHOTOSHOP) + len(_irb(iptc)) <= JPEG_SEGMENT_MAX:
        add += _segment(0xED, PHOTOSHOP + _irb(iptc))
    kept: list[bytes] = []
    end = 2
    for start, end, marker in jpeg_segments(data):
        payload = data[start + 4 : end]
        ours = (
            (marker == 0xE1 and payload.startswith(XMP_JPEG))
            or (marker == 0xE1 and payload.startswith(b"Exif\0\0") and exif is not None)
            or (marker == 0xED and payload.startswith(PHOTOSHOP))
        )
        if not ours:
            kept.append(data[start:end])
    first = kept[:1] if kept and kept[0][1] == 0xE0 else []  # JFIF's APP0 must stay first
    return b"\xff\xd8" + b"".join(first) + add + b"".join(kept[len(first) :]) + data[end:]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def _png_chunks(data: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    pos = 8
    while pos + 8 <= len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        yield pos, pos + 12 + size, kind, data[pos + 8 : pos + 8 + size]
        pos += 12 + size


def embed_png(data: bytes, exif: bytes | None, xmp: bytes | None, iptc: bytes | None) -> bytes:
    """The PNG with eXIf, the XMP iTXt and the IPTC raw profile after IHDR (earlier ones of those dropped)."""
    add = b""
    if exif:
        add += _png_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif)
    if xmp:  # uncompressed, as the XMP spec (part 3, 1.1.5) asks, so a reader can scan for it
        add += _png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + xmp)
    if iptc:
        hexed = iptc.hex()
        lines = "\n".join(hexed[i : i + 72] for i in range(0, len(hexed), 72))
        text = f"\niptc\n{len(iptc):8d}\n{lines}\n".encode("latin-1")
        add += _png_chunk(b"zTXt", IPTC_PNG_KEY.encode("latin-1") + b"\0\0" + zlib.compress(text))
    out, placed = bytearray(data[:8]), False
    for start, end, kind, payload in _png_chunks(data):
        drop = (kind == b"eXIf" and exif is not None) or (
            kind == b"iTXt" and payload.startswith(b"XML:com.adobe.xmp\0")
        )
        drop = drop or (kind == b"zTXt" and payload.startswith(IPTC_PNG_KEY.encode() + b"\0"))
        if not drop:
            out += data[start:end]
        if kind == b"IHDR" and not placed:
            out += add
            placed = True
    return bytes(out)


def embed_tiff(
    data: bytes, exif: bytes | None, xmp: bytes | None, iptc: bytes | None, tool: str | None
) -> bytes | None:
    """The TIFF with a new IFD0 appended: its old entries plus XMP, IPTC, the EXIF sub-IFDs and descriptive
    tags (see the module docstring); None for a BigTIFF."""
    from PIL import TiffImagePlugin, TiffTags

    order = data[:2]
    if (
        order not in (b"II", b"MM")
        or struct.unpack(("<" if order == b"II" else ">") + "H", data[2:4])[0] != 42
    ):
        return None
    e = "<" if order == b"II" else ">"
    (ifd0,) = struct.unpack(e + "I", data[4:8])
    (count,) = struct.unpack(e + "H", data[ifd0 : ifd0 + 2])
    old = {
        struct.unpack(e + "H", data[p : p + 2])[0]: data[p : p + 12]
        for p in range(ifd0 + 2, ifd0 + 2 + 12 * count, 12)
    }
    next_ifd = data[ifd0 + 2 + 12 * count : ifd0 + 6 + 12 * count]

    new = TiffImagePlugin.ImageFileDirectory_v2(
        ifh=order + (b"\x2a\0" if order == b"II" else b"\0\x2a") + b"\0" * 4
    )
    if exif:
        source = Image.Exif()
        source.load(exif[6:] if exif.startswith(b"Exif\0\0") else exif)
        for tag, value in source.items():
            if tag in DESCRIPTIVE:
                new[tag] = value
        for pointer in (EXIF_IFD, GPS_IFD):
            sub = dict(source.get_ifd(pointer))
            if sub:
                new.tagtype[pointer] = TiffTags.LONG
                new[pointer] = sub
    if tool:
        new[TIFF_SOFTWARE] = tool
    if xmp:
        new.tagtype[TIFF_XMP] = TiffTags.BYTE
        new[TIFF_XMP] = xmp
    if iptc:  # written as UNDEFINED bytes, then its entry retyped LONG (below), as Photoshop writes it
        new.tagtype[TIFF_IPTC] = TiffTags.UNDEFINED
        new[TIFF_IPTC] = iptc + b"\0" * (-len(iptc) % 4)
    at = len(data) + (len(data) & 1)  # TIFF offsets are word aligned
    blob = new.tobytes(at)
    (n_new,) = struct.unpack(e + "H", blob[:2])
    entries = dict(old)
    for p in range(2, 2 + 12 * n_new, 12):
        entries[struct.unpack(e + "H", blob[p : p + 2])[0]] = blob[p : p + 12]
    if TIFF_IPTC in entries and iptc:
        size = len(iptc) + (-len(iptc) % 4)
        entries[TIFF_IPTC] = struct.pack(e + "HHI", TIFF_IPTC, 4, size // 4) + entries[TIFF_IPTC][8:]
    ifd_at = at + len(blob) + (len(blob) & 1)
    ifd = struct.pack(e + "H", len(entries)) + b"".join(entries[t] for t in sorted(entries)) + next_ifd
    if ifd_at + len(ifd) >= 2**32:
        return None  # past what a classic TIFF's offsets reach
    # One copy of the (often 100+ MB) pixel data: memoryview slices, joined once.
    view = memoryview(data)
    pads = (b"\0" * (at - len(data)), b"\0" * (ifd_at - at - len(blob)))
    return b"".join((view[:4], struct.pack(e + "I", ifd_at), view[8:], pads[0], blob, pads[1], ifd))


__all__ = ["embed_jpeg", "embed_png", "embed_tiff", "irb_iptc", "jpeg_segments"]
