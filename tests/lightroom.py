"""Lightroom Classic's part in the Edit-In contract tests (issue 20): render the file, then check it.

Lightroom's "Edit In → Additional External Editor" renders `NAME-Edit.tif` beside the original (16-bit,
ProPhoto RGB, with the catalog's rating and keywords in EXIF, IPTC and XMP), starts the editor on it and
re-reads that same path when the editor is done. So: the same path must then hold the retouched image, at
the same size, bit depth and profile, with the same metadata; nothing else may appear in the folder; and
`edit --restore` must bring the rendered file back byte for byte. The CLI way in is tested in
tests/test_edit_in_contract.py, the window's in tests/ui/test_edit_in_window.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import tifffile
from PIL import Image

from tests import exiftool
from tests.core import icc_profiles
from tests.photos import large_portrait

SIZE = (1800, 1200)  # larger than the model's answer, so the retouch is merged at the file's own size
LIGHTROOM_TAGS = (
    *exiftool.CATALOG_TAGS,
    "-EXIF:Rating=4",  # Lightroom writes the rating into EXIF (0x4746) as well as XMP
    "-XMP:CreatorTool=Adobe Photoshop Lightroom Classic 13.1 (Windows)",
)


def render_edit_copy(shoot: Path) -> tuple[Path, Path]:
    """(the original, `NAME-Edit.tif` as Lightroom renders it for an external editor)."""
    rgb = large_portrait(SIZE)
    original = shoot / "IMG_0042.jpg"
    shoot.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(original, quality=95)
    edit = shoot / "IMG_0042-Edit.tif"
    # ProPhoto-encoded 16-bit pixels (values, not a real conversion: the profile is what must survive).
    # ProPhoto-encoded 16-bit pixels with low bits of their own (values, not a real conversion: the profile is
    # what must survive).
    noise = np.random.default_rng(3).integers(0, 200, rgb.shape)
    px = np.clip(rgb.astype(np.int32) * 257 + noise - 100, 0, 65535).astype(np.uint16)
    tifffile.imwrite(edit, px, photometric="rgb", iccprofile=icc_profiles.prophoto(), compression="zlib",
                     metadata=None, resolution=(240, 240))  # fmt: skip
    exiftool.tag(edit, *LIGHTROOM_TAGS)
    return original, edit


def snapshot(path: Path) -> dict[str, Any]:
    tags = exiftool.read(path)
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        px = page.asarray()
        icc = page.tags[34675].value
    return {"tags": tags, "pixels": px, "icc": bytes(icc)}


def check_round_trip(before: dict[str, Any], path: Path, listing: list[str]) -> None:
    after = snapshot(path)
    b, a = before["tags"], after["tags"]
    assert a["File:FileType"] == "TIFF"
    assert after["pixels"].dtype == np.uint16 and after["pixels"].shape == before["pixels"].shape
    assert after["icc"] == before["icc"]  # the ProPhoto profile, byte for byte
    assert a["ICC_Profile:ProfileDescription"] == b["ICC_Profile:ProfileDescription"]
    for key in (
        "XMP-xmp:Rating", "IFD0:Rating", "XMP-xmp:Label", "XMP-dc:Subject", "IPTC:Keywords", "XMP-dc:Title",
        "IPTC:ObjectName", "XMP-dc:Rights", "IPTC:CopyrightNotice", "XMP-dc:Creator", "IPTC:By-line",
        "IFD0:Artist", "IFD0:Copyright", "IFD0:Make", "ExifIFD:ExposureTime", "IFD0:XResolution",
    ):  # fmt: skip
        assert a.get(key) == b.get(key) is not None, key
    assert a["XMP-xmp:Rating"] == 4 and a["IFD0:Rating"] == 4
    assert exiftool.as_list(a["XMP-dc:Subject"]) == ["bride", "first dance"]
    assert a["XMP-xmp:CreatorTool"].startswith("Portrait Studio")  # the edit record
    assert a["XMP-ps-edit:TaskID"].startswith("task_") and a["XMP-ps-edit:Engine"]
    assert "edited" in exiftool.as_list(a["XMP-xmpMM:HistoryAction"])
    # The retouch is there: the face changed, the background (the rocket's sky, top-left) did not.
    diff = np.abs(after["pixels"].astype(np.int32) - before["pixels"]).max(axis=2)
    h, w = diff.shape
    assert (diff[h // 5 : h // 2, 2 * w // 5 : 3 * w // 5] > 256).mean() > 0.05
    assert (diff[: h // 6, : w // 6] == 0).all()
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # nothing written beside the file


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
