"""Save as another format keeps what a catalog reads: the result's EXIF, XMP (rating, keywords, the edit's
record) and IPTC go into the new file (exiftool reads them), at 16 bits too; WebP gets a `.xmp` beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from portrait_studio.api.pipeline import Backend, run_edit
from portrait_studio.core import metadata
from portrait_studio.core.journal import Journal
from portrait_studio.ui.dialogs.save_dialog import SaveRequest, write_result
from tests import exiftool
from tests.api import test_result_metadata as results
from tests.api.test_result_metadata import PARAMS, check_catalog_tags, make_original

# The result-metadata tests' fixtures: a local gateway with the trivial engine over real HTTP, a journal.
backend = results.backend
journal = results.journal


@pytest.mark.parametrize(
    ("kind", "fmt", "suffix", "bits"),
    [("tif16", "PNG", ".png", 16), ("tif16", "JPEG", ".jpg", 8), ("jpg", "TIFF", ".tif", 8)],
)
def test_save_as_another_format_keeps_the_catalog_tags_and_the_edit_record(
    tmp_path: Path, backend: Backend, journal: Journal, kind: str, fmt: str, suffix: str, bits: int
):
    original = make_original(tmp_path / "shoot", kind)
    result = run_edit(backend, original, PARAMS, journal=journal, out_dir=tmp_path / "out", size="original")
    target = tmp_path / "saved" / f"copy{suffix}"
    target.parent.mkdir()
    saved = write_result(SaveRequest(target, fmt), result.output_path, original, {})
    assert saved.path == target
    tags = exiftool.read(target)
    check_catalog_tags(tags, result)
    assert tags["File:FileType"] == fmt
    if fmt != "JPEG":
        assert str(bits) in str(tags["IFD0:BitsPerSample"] if fmt == "TIFF" else tags["PNG:BitDepth"])
    assert not metadata.sidecar_xmp(target).exists()


def test_save_as_webp_keeps_the_exif_and_puts_the_xmp_beside_it(tmp_path: Path, backend, journal):
    original = make_original(tmp_path / "shoot", "jpg")
    result = run_edit(backend, original, PARAMS, journal=journal, out_dir=tmp_path / "out", size="model")
    target = tmp_path / "copy.webp"
    write_result(SaveRequest(target, "WEBP"), result.output_path, original, {})
    assert exiftool.read(target)["IFD0:Make"] == "TestCam"
    xmp = exiftool.read(metadata.sidecar_xmp(target))
    assert xmp["XMP-xmp:Rating"] == 4 and xmp["XMP-ps-edit:TaskID"] == result.task_id


def test_without_keep_metadata_nothing_of_the_catalog_is_written(tmp_path: Path, backend, journal):
    original = make_original(tmp_path / "shoot", "jpg")
    result = run_edit(backend, original, PARAMS, journal=journal, out_dir=tmp_path / "out", size="original")
    target = tmp_path / "plain.png"
    write_result(SaveRequest(target, "PNG", keep_metadata=False), result.output_path, original, {})
    tags = exiftool.read(target)
    assert "XMP-xmp:Rating" not in tags and "IFD0:Make" not in tags
