"""Result files: original EXIF/ICC put in without re-encoding, upright orientation, never over anything."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from portrait_studio.api.output import (
    as_jpeg,
    original_metadata,
    planned_output,
    save_result,
    take_notes,
    with_metadata,
)
from portrait_studio.core.engine_notes import as_comment
from tests.photos import astronaut

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _jpeg(**save: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(astronaut()).resize((128, 128)).save(buf, "JPEG", quality=85, **save)
    return buf.getvalue()


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0112] = orientation
    return exif.tobytes()


def test_metadata_goes_in_orientation_becomes_upright_pixels_untouched():
    result = _jpeg(exif=_exif(1))  # the gateway's own EXIF and no ICC
    out = with_metadata(result, exif=_exif(6), icc_profile=SRGB)
    with Image.open(io.BytesIO(out)) as a, Image.open(io.BytesIO(result)) as b:
        assert a.tobytes() == b.tobytes()
        assert a.info["icc_profile"] == SRGB
        exif = a.getexif()
        assert exif[0x010F] == "TestCam" and exif[0x0112] == 1  # pixels were turned upright before upload
    assert out.count(b"Exif\0\0") == 1  # the gateway's EXIF was replaced, not duplicated


def test_large_icc_profiles_are_split_into_chunks():
    big = SRGB + bytes(range(256)) * 400  # > 64 KB: must span several APP2 segments
    out = with_metadata(_jpeg(), exif=None, icc_profile=big)
    with Image.open(io.BytesIO(out)) as im:
        assert im.info["icc_profile"] == big


def test_broken_exif_is_dropped_and_the_result_still_saved():
    out = with_metadata(_jpeg(), exif=b"Exif\0\0garbage", icc_profile=None)
    with Image.open(io.BytesIO(out)) as im:
        im.load()
        assert im.size == (128, 128)


def test_png_results_become_jpeg_once():
    buf = io.BytesIO()
    Image.fromarray(astronaut()).save(buf, "PNG")
    data = as_jpeg(buf.getvalue())
    assert data[:2] == b"\xff\xd8"
    with pytest.raises(ValueError):
        with_metadata(buf.getvalue(), exif=None, icc_profile=SRGB)  # only JPEG bytes are patched


def test_names_never_collide_with_the_input_or_earlier_results(tmp_path: Path):
    src = tmp_path / "x.retouched.jpg"  # an input that already looks like a result
    src.write_bytes(_jpeg())
    planned = planned_output(src, None)
    assert planned == tmp_path / "x.retouched.retouched.jpg"
    first = save_result(_jpeg(), planned, exif=None, icc_profile=None, never=src)
    second = save_result(_jpeg(), planned, exif=None, icc_profile=None, never=src)
    assert (first.name, second.name) == ("x.retouched.retouched.jpg", "x.retouched.retouched-2.jpg")
    assert src.read_bytes() == _jpeg()
    assert oct(first.stat().st_mode & 0o777) != "0o600"  # normal file permissions, not mkstemp's


def test_a_cmyk_originals_profile_is_not_put_on_the_rgb_result(tmp_path: Path):
    rgb, cmyk = tmp_path / "rgb.jpg", tmp_path / "cmyk.jpg"
    Image.fromarray(astronaut()).save(rgb, "JPEG", exif=_exif(1), icc_profile=SRGB)
    Image.fromarray(astronaut()).convert("CMYK").save(cmyk, "JPEG", exif=_exif(1), icc_profile=SRGB)
    assert original_metadata(rgb)[1] == SRGB
    exif, icc = original_metadata(cmyk)
    assert exif is not None and icc is None  # its EXIF still goes on the result


def test_only_an_rgb_profile_goes_on_the_rgb_upload_and_result(tmp_path: Path):
    from portrait_studio.core.images import load_image

    # A profile for other pixels than RGB (here a real CIELAB one, as a grey photo's "Gray" profile would be)
    # describes the original, not the RGB pixels the app makes of it.
    other = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    grey = tmp_path / "grey.jpg"
    Image.fromarray(astronaut()).convert("L").save(grey, "JPEG", exif=_exif(1), icc_profile=other)
    assert load_image(grey).icc_profile is None  # so not on the upload
    exif, icc = original_metadata(grey)
    assert exif is not None and icc is None  # nor on the result
    rgb = tmp_path / "rgb.jpg"
    Image.fromarray(astronaut()).save(rgb, "JPEG", icc_profile=SRGB)
    assert load_image(rgb).icc_profile == SRGB and original_metadata(rgb)[1] == SRGB


def _jpeg_with_comment(comment: bytes) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(astronaut()).save(buf, "JPEG", quality=90, comment=comment)
    return buf.getvalue()


def test_the_engines_notes_are_taken_out_of_the_result_and_nothing_else():
    segment = as_comment(["the crop had to cut the chin"])
    data = _jpeg_with_comment(segment)
    clean, notes = take_notes(data)
    assert notes == ["the crop had to cut the chin"]
    assert len(clean) == len(data) - (4 + len(segment))  # marker, length and payload: only that segment
    with Image.open(io.BytesIO(clean)) as a, Image.open(io.BytesIO(data)) as b:
        assert "comment" not in a.info and a.tobytes() == b.tobytes()
    # A photographer's own comment (any other result) is kept as it is.
    theirs = _jpeg_with_comment(b"Studio 3, key light left")
    assert take_notes(theirs) == (theirs, [])
    assert take_notes(b"\x89PNG\r\n\x1a\n") == (b"\x89PNG\r\n\x1a\n", [])
