"""What a catalog sees in a result (issue 20, issue 16 item 6): exiftool reads the original's rating, label,
keywords, title, copyright and creator, its EXIF with the orientation normalised, and the XMP record of the
edit, from JPEG, 8- and 16-bit TIFF and PNG results at both result sizes, made over real HTTP by the local
gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image

from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import Backend, EditResult, run_edit
from portrait_studio.core import metadata
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests import exiftool
from tests.core import icc_profiles
from tests.photos import large_portrait

PARAMS = EditParams(gpen=0.5, skin=0.8, skin_unifi=0.3, width=768, height=512, seed=11)
ORIGINAL = (1200, 800)  # larger than the answer, so "original" merges at full size


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw") as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        yield Backend(client, "local", "trivial")


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as j:
        yield j


def make_original(folder: Path, kind: str) -> Path:
    """A real portrait as a camera/catalog file of this kind, tagged by exiftool as a catalog tags it."""
    rgb = large_portrait(ORIGINAL)
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "jpg":
        path = folder / "shot.jpg"
        # Stored turned on its side with Orientation 6, as a camera held upright writes it.
        Image.fromarray(np.ascontiguousarray(np.rot90(rgb, 1))).save(path, quality=92)
        exiftool.tag(path, "-EXIF:Orientation#=6")
    elif kind in ("tif8", "tif16"):
        path = folder / f"shot-{kind}.tif"
        px = rgb if kind == "tif8" else rgb.astype(np.uint16) * 257
        tifffile.imwrite(path, px, photometric="rgb", iccprofile=icc_profiles.adobe_rgb(), metadata=None)
    else:
        path = folder / "shot.png"
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257)
    return exiftool.tag(path)


def check_catalog_tags(tags: dict, result: EditResult, *, iptc: bool = True) -> None:
    assert tags["XMP-xmp:Rating"] == 4
    assert tags["XMP-xmp:Label"] == "Red"
    assert exiftool.as_list(tags["XMP-dc:Subject"]) == ["bride", "first dance"]
    assert tags["XMP-dc:Title"] == "The first dance"
    assert tags["XMP-dc:Rights"] == "(c) Ann Photographer"
    assert exiftool.as_list(tags["XMP-dc:Creator"]) == ["Ann Photographer"]
    if iptc:
        assert exiftool.as_list(tags["IPTC:Keywords"]) == ["bride", "first dance"]
        assert tags["IPTC:ObjectName"] == "The first dance"
        assert tags["IPTC:By-line"] == "Ann Photographer"
    assert tags["IFD0:Make"] == "TestCam"
    assert tags["IFD0:Artist"] == "Ann Photographer"
    assert tags["ExifIFD:ExposureTime"] == pytest.approx(1 / 250)
    # The edit record.
    assert tags["XMP-xmp:CreatorTool"].startswith("Portrait Studio ")
    assert tags["XMP-ps-edit:TaskID"] == result.task_id
    assert tags["XMP-ps-edit:Engine"] == result.engine == "local (trivial)"
    assert float(tags["XMP-ps-edit:Gpen"]) == 0.5 and float(tags["XMP-ps-edit:Skin"]) == 0.8
    assert str(tags["XMP-ps-edit:Cost"]) == str(result.cost)
    assert tags["XMP-xmpMM:HistoryAction"] == "edited"
    assert f"task {result.task_id}" in tags["XMP-xmpMM:HistoryParameters"]
    assert "Warning" not in tags and "Error" not in tags, (tags.get("Warning"), tags.get("Error"))


@pytest.mark.parametrize("size", ["original", "model"])
@pytest.mark.parametrize("kind", ["jpg", "tif8", "tif16", "png"])
def test_exiftool_reads_the_catalog_tags_and_the_edit_record(
    tmp_path: Path, backend: Backend, journal: Journal, kind: str, size: str
):
    src = make_original(tmp_path / "shoot", kind)
    before = src.read_bytes()
    result = run_edit(backend, src, PARAMS, journal=journal, out_dir=tmp_path / "out", size=size)
    tags = exiftool.read(result.output_path)
    check_catalog_tags(tags, result)
    expected = (
        {"jpg": "JPEG", "tif8": "TIFF", "tif16": "TIFF", "png": "PNG"}[kind] if size == "original" else "JPEG"
    )
    assert tags["File:FileType"] == expected
    w, h = ORIGINAL if size == "original" else (PARAMS.width, PARAMS.height)
    assert tags["Composite:ImageSize"] == f"{w} {h}"
    if "IFD0:Orientation" in tags:
        assert tags["IFD0:Orientation"] == 1  # the pixels are upright; a viewer must not turn them again
    if size == "original" and kind == "tif16":
        assert tags["IFD0:BitsPerSample"] in ("16 16 16", [16, 16, 16])
    assert not metadata.sidecar_xmp(result.output_path).exists()  # embedded: no .xmp beside it
    assert src.read_bytes() == before


def test_the_model_size_result_of_a_turned_jpeg_is_upright_with_orientation_1(
    tmp_path: Path, backend: Backend, journal: Journal
):
    src = make_original(tmp_path / "shoot", "jpg")
    assert exiftool.read(src)["IFD0:Orientation"] == 6
    result = run_edit(backend, src, PARAMS, journal=journal, out_dir=tmp_path / "out", size="original")
    with Image.open(result.output_path) as im:
        assert im.size == ORIGINAL  # stored upright: 1200 × 800, where the file held 800 × 1200 turned
    assert exiftool.read(result.output_path)["IFD0:Orientation"] == 1


def test_an_edit_record_without_an_original_xmp_still_reads_and_iptc_only_fields_reach_the_xmp(
    tmp_path: Path,
):
    """An older catalog wrote only IPTC: the result's XMP gets the keywords, title, creator and copyright."""
    path = tmp_path / "old.jpg"
    Image.fromarray(large_portrait((300, 200))).save(path, quality=90)
    exiftool.tag(
        path, "-IPTC:Keywords=bride", "-IPTC:Keywords=veil", "-IPTC:ObjectName=Vows", "-IPTC:By-line=Bo"
    )
    source = metadata.read_metadata(path)
    assert source.xmp is None and source.iptc
    record = {"tool": "Portrait Studio test", "when": "2026-12-02T06:00:00Z", "fields": {"TaskID": "t-1"}}
    xmp = metadata.edit_xmp(source.xmp, source.iptc, record)
    body = metadata.embed(path.read_bytes(), exif=source.exif, xmp=xmp, iptc=source.iptc)
    assert body is not None
    out = tmp_path / "out.jpg"
    out.write_bytes(body)
    tags = exiftool.read(out)
    assert exiftool.as_list(tags["XMP-dc:Subject"]) == ["bride", "veil"]
    assert tags["XMP-dc:Title"] == "Vows" and exiftool.as_list(tags["XMP-dc:Creator"]) == ["Bo"]
    assert tags["XMP-ps-edit:TaskID"] == "t-1" and tags["XMP-xmp:CreatorTool"] == "Portrait Studio test"
    with Image.open(out) as a, Image.open(path) as b:  # only metadata segments changed, not the pixels
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_an_existing_creator_tool_and_history_are_replaced_and_extended_not_duplicated(tmp_path: Path):
    path = tmp_path / "lr.jpg"
    Image.fromarray(large_portrait((300, 200))).save(path, quality=90)
    exiftool.tag(
        path,
        "-XMP:CreatorTool=Adobe Photoshop Lightroom Classic 13.0",
        "-XMP:HistoryAction=derived",
        "-XMP:HistorySoftwareAgent=Adobe Photoshop Lightroom Classic 13.0",
        "-XMP:Rating=5",
    )
    source = metadata.read_metadata(path)
    record = {"tool": "Portrait Studio test", "when": "2026-12-02T06:00:00Z", "fields": {"TaskID": "t-2"}}
    once = metadata.edit_xmp(source.xmp, source.iptc, record)
    twice = metadata.edit_xmp(once, source.iptc, {**record, "fields": {"TaskID": "t-3"}})
    body = metadata.embed(path.read_bytes(), exif=source.exif, xmp=twice, iptc=source.iptc)
    assert body is not None
    out = tmp_path / "out.jpg"
    out.write_bytes(body)
    tags = exiftool.read(out)
    assert tags["XMP-xmp:CreatorTool"] == "Portrait Studio test"  # one value, not a list of two
    assert tags["XMP-ps-edit:TaskID"] == "t-3"
    assert exiftool.as_list(tags["XMP-xmpMM:HistoryAction"]) == ["derived", "edited", "edited"]
    assert tags["XMP-xmp:Rating"] == 5


def test_a_format_without_room_for_xmp_gets_none_and_the_caller_a_sidecar_name(tmp_path: Path):
    webp = tmp_path / "a.webp"
    Image.fromarray(large_portrait((300, 200))).save(webp)
    assert metadata.embed(webp.read_bytes(), exif=None, xmp=b"<x/>", iptc=None) is None
    assert metadata.sidecar_xmp(tmp_path / "a.retouched.webp") == tmp_path / "a.retouched.xmp"


def test_an_xmp_too_large_for_a_jpeg_goes_into_a_sidecar_that_exiftool_reads(
    tmp_path: Path, backend: Backend, journal: Journal
):
    """Lightroom's develop settings can make a TIFF's XMP larger than a JPEG segment holds (64 KB): the
    model-size JPEG result then gets `NAME.retouched.xmp` beside it, recorded in the JSON sidecar."""
    src = make_original(tmp_path / "shoot", "tif16")
    exiftool.tag(src, "-XMP:Description=" + "develop settings " * 5000)  # ~85 KB of XMP
    result = run_edit(backend, src, PARAMS, journal=journal, out_dir=tmp_path / "out", size="model")
    xmp = metadata.sidecar_xmp(result.output_path)
    assert xmp.is_file() and xmp.name == "shot-tif16.retouched.xmp"
    assert json.loads(result.sidecar_path.read_text())["xmp_sidecar"] == str(xmp)
    tags = exiftool.read(xmp)
    assert tags["XMP-xmp:Rating"] == 4 and exiftool.as_list(tags["XMP-dc:Subject"]) == [
        "bride",
        "first dance",
    ]
    assert tags["XMP-ps-edit:TaskID"] == result.task_id
    inside = exiftool.read(result.output_path)
    assert "XMP-xmp:Rating" not in inside and exiftool.as_list(inside["IPTC:Keywords"]) == [
        "bride",
        "first dance",
    ]
