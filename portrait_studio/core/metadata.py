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
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from PIL import Image

#: The app's XMP namespace for the edit record (prefix `ps-edit`).
NS_EDIT = "http://ns.portraitstudio.github.io/edit/1.0/"
_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "stEvt": "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "crs": "http://ns.adobe.com/camera-raw-settings/1.0/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "xml": "http://www.w3.org/XML/1998/namespace",
    "ps-edit": NS_EDIT,
}
for _prefix, _uri in _NS.items():
    if _prefix != "xml":
        ET.register_namespace(_prefix, _uri)  # keep the usual prefixes (ElementTree would say ns0, ns1…)

_XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\0"
_PHOTOSHOP = b"Photoshop 3.0\0"
_IPTC_RESOURCE = 0x0404
_JPEG_SEGMENT_MAX = 0xFFFF - 2
_ORIENTATION = 0x0112
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_TIFF_XMP, _TIFF_IPTC, _TIFF_SOFTWARE = 700, 33723, 305
#: IFD0 tags of a TIFF original that describe the photo, not how its pixels are stored (with its print
#: resolution): carried with the EXIF.
_DESCRIPTIVE = (
    270, 271, 272, 282, 283, 296, 305, 306, 315, 33432, 18246, 18249, 0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F,
)  # fmt: skip
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_IPTC_PNG_KEY = "Raw profile type iptc"
#: IPTC-IIM record 2 datasets the XMP gets when it lacks them (IIM 4.2; IPTC Photo Metadata 2019.1 mapping).
_IIM = {5: "title", 25: "keywords", 80: "creator", 116: "copyright"}


@dataclass(frozen=True)
class Metadata:
    """A photo's metadata, as bytes ready to be put into another file (each None when it has none)."""

    exif: bytes | None = field(default=None, repr=False)  # "Exif\0\0" + TIFF structure, Orientation 1
    icc: bytes | None = field(default=None, repr=False)
    xmp: bytes | None = field(default=None, repr=False)  # an XMP packet (UTF-8)
    iptc: bytes | None = field(default=None, repr=False)  # IPTC-IIM datasets


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(start, end, marker) of each segment between SOI and the image data."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):
            return
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        yield pos, pos + 2 + length, marker
        pos += 2 + length


def _irb_iptc(irb: bytes) -> bytes | None:
    """The IPTC-IIM resource (0x0404) of a Photoshop image resource block."""
    pos = 0
    while pos + 12 <= len(irb) and irb[pos : pos + 4] == b"8BIM":
        rid = struct.unpack(">H", irb[pos + 4 : pos + 6])[0]
        name_len = irb[pos + 6]
        pos += 6 + ((name_len + 2) & ~1)  # Pascal name, padded to even
        (size,) = struct.unpack(">I", irb[pos : pos + 4])
        if rid == _IPTC_RESOURCE:
            return irb[pos + 4 : pos + 4 + size]
        pos += 4 + size + (size & 1)
    return None


def _upright_exif(exif: Image.Exif) -> bytes | None:
    """EXIF rebuilt by Pillow as an APP1 payload, Orientation 1 (for a TIFF's tags, which have no payload)."""
    if not exif:
        return None
    if _ORIENTATION in exif:
        exif[_ORIENTATION] = 1
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
            if tag == _ORIENTATION and kind == 3:  # SHORT, count 1, the value in the entry itself
                out[6 + p + 8 : 6 + p + 10] = struct.pack(e + "H", 1)
    except struct.error:
        return None
    return bytes(out)


def _tiff_exif(im: Image.Image) -> bytes | None:
    """A TIFF's descriptive IFD0 tags and its EXIF/GPS sub-IFDs as one EXIF payload (not its pixel tags)."""
    whole = im.getexif()
    exif = Image.Exif()
    for tag in _DESCRIPTIVE:
        value = whole.get(tag)
        if value is not None and not (tag == 270 and str(value).startswith('{"shape"')):  # tifffile's
            exif[tag] = value
    for pointer in (_EXIF_IFD, _GPS_IFD):
        sub = whole.get_ifd(pointer)
        if sub:
            exif.get_ifd(pointer).update(sub)
    return _upright_exif(exif) if len(exif) or exif.get_ifd(_EXIF_IFD) else None


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
    return _irb_iptc(raw) if raw.startswith(b"8BIM") else raw or None


def read_metadata(path: str | Path) -> Metadata:
    """The photo's EXIF (Orientation 1), RGB ICC, XMP and IPTC; empty when it is gone or unreadable."""
    with warnings.catch_warnings():
        # (Pillow warns about the LONG-typed IPTC tag of TIFFs from Photoshop, Lightroom and exiftool.)
        warnings.filterwarnings("ignore", "Metadata Warning, tag 33723", UserWarning)
        return _read(path)


def _read(path: str | Path) -> Metadata:
    from portrait_studio.core.images import rgb_profile

    try:
        with Image.open(path) as im:  # the header only: no pixels are decoded
            icc = rgb_profile(im.info.get("icc_profile"), im.mode)
            xmp = im.info.get("xmp") or None
            iptc: bytes | None = None
            if im.format == "TIFF":
                exif = _tiff_exif(im)
                raw = _tiff_tags(path, (_TIFF_XMP, _TIFF_IPTC))
                xmp, iptc = xmp or raw.get(_TIFF_XMP), raw.get(_TIFF_IPTC)
            else:
                exif = upright_exif(im.info.get("exif"))
                if im.format in ("JPEG", "MPO"):
                    iptc = (im.info.get("photoshop") or {}).get(_IPTC_RESOURCE)
                elif im.format == "PNG" and isinstance(im.info.get(_IPTC_PNG_KEY), str):
                    iptc = _png_iptc(im.info[_IPTC_PNG_KEY])
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


# --- IPTC-IIM -------------------------------------------------------------------------------------------


def iptc_fields(iptc: bytes | None) -> dict[str, list[str]]:
    """Title, keywords, creator and copyright of an IPTC-IIM record (record 2), as lists of strings."""
    out: dict[str, list[str]] = {}
    data, pos = iptc or b"", 0
    while pos + 5 <= len(data) and data[pos] == 0x1C:
        record, dataset = data[pos + 1], data[pos + 2]
        (size,) = struct.unpack(">H", data[pos + 3 : pos + 5])
        pos += 5
        if size & 0x8000:  # extended dataset: the next (size & 0x7FFF) bytes hold the length
            n = size & 0x7FFF
            size = int.from_bytes(data[pos : pos + n], "big")
            pos += n
        value = data[pos : pos + size]
        pos += size
        if record == 2 and dataset in _IIM:
            out.setdefault(_IIM[dataset], []).append(value.decode("utf-8", "replace"))
    return out


# --- XMP ------------------------------------------------------------------------------------------------


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def _empty_packet() -> ET.Element:
    root = ET.Element(_q("x", "xmpmeta"))
    ET.SubElement(root, _q("rdf", "RDF"))
    return root


def _parse(xmp: bytes | None) -> ET.Element:
    """The x:xmpmeta element of a packet (a new one when there is none or it does not parse)."""
    if not xmp:
        return _empty_packet()
    text = xmp.decode("utf-8", "replace").strip("\0 \r\n\t")
    start = text.find("<x:xmpmeta")
    end = text.rfind("</x:xmpmeta>")
    try:
        if start >= 0 and end > start:
            return ET.fromstring(text[start : end + len("</x:xmpmeta>")])
        rdf = ET.fromstring(text[text.find("<rdf:RDF") :]) if "<rdf:RDF" in text else None
    except ET.ParseError:
        return _empty_packet()
    root = _empty_packet()
    if rdf is not None and rdf.tag == _q("rdf", "RDF"):
        root.remove(root[0])
        root.append(rdf)
    return root


def _descriptions(root: ET.Element) -> list[ET.Element]:
    rdf = root.find(_q("rdf", "RDF"))
    if rdf is None:
        rdf = ET.SubElement(root, _q("rdf", "RDF"))
    found = rdf.findall(_q("rdf", "Description"))
    if not found:
        found = [ET.SubElement(rdf, _q("rdf", "Description"), {_q("rdf", "about"): ""})]
    return found


def _has(descriptions: list[ET.Element], tag: str) -> bool:
    return any(d.find(tag) is not None or tag in d.attrib for d in descriptions)


def _drop(descriptions: list[ET.Element], tag: str) -> None:
    for d in descriptions:
        d.attrib.pop(tag, None)
        for child in d.findall(tag):
            d.remove(child)


def _container(parent: ET.Element, tag: str, kind: str, items: list[str], lang: bool = False) -> None:
    holder = ET.SubElement(ET.SubElement(parent, tag), _q("rdf", kind))
    for item in items:
        li = ET.SubElement(holder, _q("rdf", "li"), {_q("xml", "lang"): "x-default"} if lang else {})
        li.text = item


def _from_iptc(desc: ET.Element, descriptions: list[ET.Element], iptc: bytes | None) -> None:
    """The IPTC record's title, keywords, creator and copyright, where the XMP has none of its own."""
    fields = iptc_fields(iptc)
    if fields.get("keywords") and not _has(descriptions, _q("dc", "subject")):
        _container(desc, _q("dc", "subject"), "Bag", fields["keywords"])
    if fields.get("title") and not _has(descriptions, _q("dc", "title")):
        _container(desc, _q("dc", "title"), "Alt", fields["title"][:1], lang=True)
    if fields.get("creator") and not _has(descriptions, _q("dc", "creator")):
        _container(desc, _q("dc", "creator"), "Seq", fields["creator"])
    if fields.get("copyright") and not _has(descriptions, _q("dc", "rights")):
        _container(desc, _q("dc", "rights"), "Alt", fields["copyright"][:1], lang=True)


def _history(descriptions: list[ET.Element], desc: ET.Element, event: Mapping[str, str]) -> None:
    """Append one stEvt event to xmpMM:History (made when the original has none)."""
    seq = None
    for d in descriptions:
        history = d.find(_q("xmpMM", "History"))
        if history is not None:
            seq = history.find(_q("rdf", "Seq"))
            if seq is None:
                seq = ET.SubElement(history, _q("rdf", "Seq"))
            break
    if seq is None:
        seq = ET.SubElement(ET.SubElement(desc, _q("xmpMM", "History")), _q("rdf", "Seq"))
    li = ET.SubElement(seq, _q("rdf", "li"), {_q("rdf", "parseType"): "Resource"})
    for name, value in event.items():
        ET.SubElement(li, _q("stEvt", name)).text = value


def edit_xmp(source: bytes | None, iptc: bytes | None, record: Mapping[str, Any]) -> bytes:
    """The original's XMP packet with the edit recorded in it (see the module docstring).

    `record`: `tool` (CreatorTool, e.g. "Portrait Studio 0.4"), `when` (ISO 8601), `parameters` (one line for
    the history), and `fields`: the `ps-edit:` properties (name → str), e.g. TaskID, Cost, Engine, Gpen.
    """
    root = _parse(source)
    descriptions = _descriptions(root)
    desc = ET.SubElement(root.find(_q("rdf", "RDF")), _q("rdf", "Description"), {_q("rdf", "about"): ""})  # type: ignore[arg-type]
    _from_iptc(desc, descriptions, iptc)
    for name in ("CreatorTool", "ModifyDate", "MetadataDate"):
        _drop(descriptions, _q("xmp", name))
    _drop(descriptions, _q("ps-edit", "Edit"))
    ET.SubElement(desc, _q("xmp", "CreatorTool")).text = str(record["tool"])
    ET.SubElement(desc, _q("xmp", "ModifyDate")).text = str(record["when"])
    ET.SubElement(desc, _q("xmp", "MetadataDate")).text = str(record["when"])
    for name in record.get("fields", {}):
        _drop(descriptions, _q("ps-edit", name))
    for name, value in record.get("fields", {}).items():
        if value is not None:
            ET.SubElement(desc, _q("ps-edit", name)).text = str(value)
    _history(
        descriptions,
        desc,
        {
            "action": "edited",
            "softwareAgent": str(record["tool"]),
            "when": str(record["when"]),
            "parameters": str(record.get("parameters", "")),
            "changed": "/",
        },
    )
    body = ET.tostring(root, encoding="unicode")
    # The packet wrapper with room to grow in place (XMP spec part 3, 1.1.2): editors update it without a
    # rewrite of the whole file.
    padding = ("\n" + " " * 99) * 20
    packet = f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{body}{padding}\n<?xpacket end="w"?>'
    return packet.encode("utf-8")


# --- embedding ------------------------------------------------------------------------------------------


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _irb(iptc: bytes) -> bytes:
    size = len(iptc)
    return (
        b"8BIM"
        + struct.pack(">H", _IPTC_RESOURCE)
        + b"\0\0"
        + struct.pack(">I", size)
        + iptc
        + b"\0" * (size & 1)
    )


def _embed_jpeg(data: bytes, exif: bytes | None, xmp: bytes | None, iptc: bytes | None) -> bytes | None:
    """The JPEG with its EXIF, XMP and IPTC segments replaced (its ICC and pixels untouched)."""
    add = b""
    if exif:
        if len(exif) > _JPEG_SEGMENT_MAX:
            exif = None  # a maker note too big for one segment: left out rather than cut
        else:
            add += _segment(0xE1, exif)
    if xmp:
        if len(_XMP_JPEG) + len(xmp) > _JPEG_SEGMENT_MAX:
            return None  # (extended XMP across segments is read by few catalogs: a sidecar instead)
        add += _segment(0xE1, _XMP_JPEG + xmp)
    if iptc and len(_PHOTOSHOP) + len(_irb(iptc)) <= _JPEG_SEGMENT_MAX:
        add += _segment(0xED, _PHOTOSHOP + _irb(iptc))
    kept: list[bytes] = []
    end = 2
    for start, end, marker in _jpeg_segments(data):
        payload = data[start + 4 : end]
        ours = (
            (marker == 0xE1 and payload.startswith(_XMP_JPEG))
            or (marker == 0xE1 and payload.startswith(b"Exif\0\0") and exif is not None)
            or (marker == 0xED and payload.startswith(_PHOTOSHOP))
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


def _embed_png(data: bytes, exif: bytes | None, xmp: bytes | None, iptc: bytes | None) -> bytes:
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
        add += _png_chunk(b"zTXt", _IPTC_PNG_KEY.encode("latin-1") + b"\0\0" + zlib.compress(text))
    out, placed = bytearray(data[:8]), False
    for start, end, kind, payload in _png_chunks(data):
        drop = (kind == b"eXIf" and exif is not None) or (
            kind == b"iTXt" and payload.startswith(b"XML:com.adobe.xmp\0")
        )
        drop = drop or (kind == b"zTXt" and payload.startswith(_IPTC_PNG_KEY.encode() + b"\0"))
        if not drop:
            out += data[start:end]
        if kind == b"IHDR" and not placed:
            out += add
            placed = True
    return bytes(out)


def _embed_tiff(
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
            if tag in _DESCRIPTIVE:
                new[tag] = value
        for pointer in (_EXIF_IFD, _GPS_IFD):
            sub = dict(source.get_ifd(pointer))
            if sub:
                new.tagtype[pointer] = TiffTags.LONG
                new[pointer] = sub
    if tool:
        new[_TIFF_SOFTWARE] = tool
    if xmp:
        new.tagtype[_TIFF_XMP] = TiffTags.BYTE
        new[_TIFF_XMP] = xmp
    if iptc:  # written as UNDEFINED bytes, then its entry retyped LONG (below), as Photoshop writes it
        new.tagtype[_TIFF_IPTC] = TiffTags.UNDEFINED
        new[_TIFF_IPTC] = iptc + b"\0" * (-len(iptc) % 4)
    at = len(data) + (len(data) & 1)  # TIFF offsets are word aligned
    blob = new.tobytes(at)
    (n_new,) = struct.unpack(e + "H", blob[:2])
    entries = dict(old)
    for p in range(2, 2 + 12 * n_new, 12):
        entries[struct.unpack(e + "H", blob[p : p + 2])[0]] = blob[p : p + 12]
    if _TIFF_IPTC in entries and iptc:
        size = len(iptc) + (-len(iptc) % 4)
        entries[_TIFF_IPTC] = struct.pack(e + "HHI", _TIFF_IPTC, 4, size // 4) + entries[_TIFF_IPTC][8:]
    ifd_at = at + len(blob) + (len(blob) & 1)
    ifd = struct.pack(e + "H", len(entries)) + b"".join(entries[t] for t in sorted(entries)) + next_ifd
    if ifd_at + len(ifd) >= 2**32:
        return None  # past what a classic TIFF's offsets reach
    # One copy of the (often 100+ MB) pixel data: memoryview slices, joined once.
    view = memoryview(data)
    pads = (b"\0" * (at - len(data)), b"\0" * (ifd_at - at - len(blob)))
    return b"".join((view[:4], struct.pack(e + "I", ifd_at), view[8:], pads[0], blob, pads[1], ifd))


def embed(
    body: bytes, *, exif: bytes | None, xmp: bytes | None, iptc: bytes | None, tool: str | None = None
) -> bytes | None:
    """`body` (a JPEG, PNG or TIFF file's bytes) with this EXIF, XMP and IPTC in it; None when its format
    cannot hold them (the caller writes a `.xmp` sidecar). `tool` is a TIFF's Software tag."""
    if body[:2] == b"\xff\xd8":
        return _embed_jpeg(body, exif, xmp, iptc)
    if body[:8] == _PNG_SIG:
        return _embed_png(body, exif, xmp, iptc)
    if body[:4] in (b"II*\0", b"MM\0*"):
        return _embed_tiff(body, exif, xmp, iptc, tool)
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
                return _as_bytes(im.info.get("xmp")) or _as_bytes(getattr(im, "tag_v2", {}).get(_TIFF_XMP))
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
