"""XMP packets for core.metadata: the original's packet extended with the edit's record (standard library
ElementTree; the usual prefixes kept), and the IPTC-IIM fields an XMP lacks copied into it."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

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

#: IPTC-IIM record 2 datasets the XMP gets when it lacks them (IIM 4.2; IPTC Photo Metadata 2019.1 mapping).
_IIM = {5: "title", 25: "keywords", 80: "creator", 116: "copyright"}


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


__all__ = ["NS_EDIT", "edit_xmp", "iptc_fields"]
