"""Pre-flight report and prepare_upload on real photos: problems, fixes, and uploads that always comply."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from portrait_studio.core.errors import ImageError
from portrait_studio.core.faces import detect_faces
from portrait_studio.core.images import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_SIDE,
    LoadedImage,
    face_crop_box,
    load_for_upload,
    load_image,
    load_image_bytes,
    min_face_px,
    preflight,
    prepare_upload,
)
from portrait_studio.core.params import EditParams
from tests import photos
from tests.core.test_faces_composites import side_by_side, small_face_canvas, upscaled


def _encode(rgb: np.ndarray, fmt: str = "JPEG", **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **kw)
    return buf.getvalue()


def _load(rgb: np.ndarray, name: str = "photo.jpg", fmt: str = "JPEG", **kw: object) -> LoadedImage:
    return load_image_bytes(_encode(rgb, fmt, **kw), name)


def _assert_compliant(data: bytes, mime: str) -> Image.Image:
    assert len(data) <= MAX_UPLOAD_BYTES
    img = Image.open(io.BytesIO(data))
    assert img.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[mime]
    assert max(img.size) <= MAX_UPLOAD_SIDE
    return img


def test_ready_photo_passes_and_uploads_its_own_bytes() -> None:
    image = _load(photos.grace_hopper(), quality=92)
    report = preflight(image)
    assert report.ok and report.problems == []
    assert report.faces.count == 1
    upload = prepare_upload(image)
    assert upload.data == image.data  # untouched: no second JPEG generation
    assert upload.mime == "image/jpeg" and upload.fixes == [] and upload.quality is None


def test_png_passes_through_as_png() -> None:
    image = _load(photos.grace_hopper(), "g.png", "PNG")
    upload = prepare_upload(image)
    assert upload.mime == "image/png" and upload.data == image.data


#: `check --json`'s keys, in order (the issue's contract; test_cli_check.py checks the CLI's output too).
REPORT_KEYS = ["path", "ok", "format", "bytes", "width", "height", "faces", "face_boxes", "problems"]


def test_json_shape_matches_the_cli_contract() -> None:
    image = _load(side_by_side(photos.astronaut(), photos.grace_hopper()), "two.jpg")
    data = preflight(image).to_json()
    assert list(data) == REPORT_KEYS
    assert data["path"] == "two.jpg" and data["ok"] is False and data["faces"] == 2
    assert len(data["face_boxes"]) == 2 and all(len(b) == 4 for b in data["face_boxes"])
    assert [p["code"] for p in data["problems"]] == ["several_faces"]
    assert data["problems"][0]["message"] == "2 faces were found; the model needs exactly one."
    assert set(data["problems"][0]) == {"code", "message", "fix"}


@pytest.mark.parametrize("name", ["chelsea", "coffee", "rocket"])
def test_no_face(name: str) -> None:
    report = preflight(_load(getattr(photos, name)()))
    assert [p.code for p in report.problems] == ["no_face"]
    assert report.problems[0].auto_fix is None  # nothing the app can do: the user picks another photo
    assert report.blocked  # a task would fail: the window does not send it


def test_several_faces_fixed_by_cropping_to_the_largest() -> None:
    a, g = photos.astronaut(), photos.grace_hopper()
    image = _load(side_by_side(a, g, a[:, ::-1].copy()), "three.jpg", quality=95)
    report = preflight(image)
    problem = report.problems[0]
    assert (
        problem.code == "several_faces"
        and problem.auto_fix == "crop_to_face"
        and "3 faces" in problem.message
    )
    assert report.blocked and problem.blocks  # the model takes one face: sent as it is, the task would fail
    upload = prepare_upload(image, crop_to_face=report.faces.faces[0])
    cropped = np.asarray(_assert_compliant(upload.data, upload.mime).convert("RGB"))
    assert any("cropped to the face" in f for f in upload.fixes)
    # the crop now holds exactly the one face, and the check passes on it
    again = preflight(load_image_bytes(upload.data, "crop.jpg"))
    assert again.faces.count == 1 and again.ok, again.problems
    assert cropped.shape[0] == cropped.shape[1]


def test_small_face_in_big_frame_offers_a_crop() -> None:
    image_rgb, _ = small_face_canvas(110, canvas=(2400, 3200), at=(1500, 800))
    image = _load(image_rgb, "far.jpg", quality=90)
    report = preflight(image)
    assert [p.code for p in report.problems] == ["small_face"]
    assert report.problems[0].auto_fix == "crop_to_face"
    assert not report.blocked  # advice: the task still runs
    upload = prepare_upload(image, crop_to_face=report.faces.faces[0])
    again = preflight(load_image_bytes(upload.data, "crop.jpg"))
    assert again.ok, again.problems


def test_tiny_face_cannot_be_fixed_by_the_app() -> None:
    image = _load(small_face_canvas(30)[0], "tiny.jpg")
    report = preflight(image)
    small = [p for p in report.problems if p.code == "small_face"]
    assert small and small[0].auto_fix is None
    assert f"only {report.faces.faces[0].size} pixels" in small[0].message


def test_face_size_need_follows_requested_output() -> None:
    assert min_face_px(None) == min_face_px(EditParams()) == 64  # the whole frame: the face is not enlarged
    assert min_face_px(EditParams(width=1328, height=1328)) == 83  # the square preset: 1328 / 16
    assert min_face_px(EditParams(width=2048, height=1024)) == 128
    assert min_face_px(EditParams(width=512, height=512)) == 64
    image = _load(photos.astronaut())  # a 107 px face
    assert preflight(image, params=EditParams(width=1328, height=1328)).ok
    big = preflight(image, params=EditParams(width=2048, height=2048))
    assert [p.code for p in big.problems] == ["small_face"]


def test_6000px_photo_downscaled_and_fits() -> None:
    image = _load(upscaled(photos.astronaut(), 6000), "big.jpg", quality=95)
    report = preflight(image)
    assert {p.code for p in report.problems} >= {"too_many_pixels"}
    assert report.faces.count == 1
    assert not report.ok and not report.blocked  # fixed on upload (below), so it does not stop a Run
    upload = prepare_upload(image)
    img = _assert_compliant(upload.data, upload.mime)
    assert img.size == (4096, 4096)
    assert any("downscaled from 6000×6000 to 4096×4096" in f for f in upload.fixes)
    assert upload.quality is not None


def test_quality_search_finds_the_highest_that_fits() -> None:
    rng = np.random.default_rng(7)
    # texture that cannot be compressed much: a real photo with grain on top, 4000×2600
    base = upscaled(photos.coffee(), 4000)[:2600]
    noisy = np.clip(base.astype(int) + rng.integers(-40, 41, base.shape), 0, 255).astype(np.uint8)
    image = load_image_bytes(_encode(noisy, "PNG", compress_level=1), "noisy.png")
    assert image.file_bytes > MAX_UPLOAD_BYTES
    upload = prepare_upload(image)
    _assert_compliant(upload.data, upload.mime)
    assert upload.quality is not None and upload.quality < 95
    # a few steps up would not have fitted: the search did not settle low
    assert len(_encode(noisy, quality=upload.quality + 3)) > MAX_UPLOAD_BYTES


@pytest.mark.parametrize(("fmt", "name"), [("WEBP", "p.webp"), ("TIFF", "p.tif"), ("BMP", "p.bmp")])
def test_other_formats_converted_to_jpeg(fmt: str, name: str) -> None:
    image = _load(photos.grace_hopper(), name, fmt)
    report = preflight(image)
    assert [p.code for p in report.problems] == ["format"] and report.problems[0].auto_fix == "convert"
    upload = prepare_upload(image)
    _assert_compliant(upload.data, upload.mime)
    assert upload.mime == "image/jpeg"
    assert any(f"converted from {fmt} to JPEG" in f for f in upload.fixes)


def test_rotated_jpeg_is_sent_upright() -> None:
    g = photos.grace_hopper()
    exif = Image.Exif()
    exif[0x0112] = 6
    image = load_image_bytes(_encode(np.rot90(g, 1).copy(), exif=exif.tobytes(), quality=95), "r.jpg")
    upload = prepare_upload(image)
    sent = np.asarray(Image.open(io.BytesIO(upload.data)).convert("RGB"))
    assert sent.shape == g.shape
    assert np.abs(sent.astype(int) - g).mean() < 6


def test_preview_loading_counts_the_same_faces(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(_encode(upscaled(photos.astronaut(), 4800), quality=90))
    full = load_image(path)
    preview = load_image(path, max_side=1920)
    assert (preview.width, preview.height) == (full.width, full.height) == (4800, 4800)
    assert max(preview.rgb.shape[:2]) <= 1920 and preview.preview_scale < 1
    a, b = preflight(full), preflight(preview)
    assert a.faces.count == b.faces.count == 1
    assert np.allclose(a.face_boxes[0], b.face_boxes[0], atol=0.05 * a.faces.faces[0].size)
    upload = prepare_upload(preview)  # needs all pixels: decodes them from the kept bytes
    assert Image.open(io.BytesIO(upload.data)).size == (4096, 4096)


def test_face_crop_box_stays_inside() -> None:
    face = detect_faces(photos.astronaut()).faces[0]
    x, y, w, h = face_crop_box(face, 512, 512)
    assert x >= 0 and y >= 0 and x + w <= 512 and y + h <= 512
    fx, fy, fw, fh = face.box
    assert x <= fx and y <= fy and fx + fw <= x + w and fy + fh <= y + h
    assert w == h == min(512, round(face.size * 3))


def test_faces_given_are_used_not_recounted() -> None:
    image = _load(photos.grace_hopper())
    none = detect_faces(photos.coffee())
    assert [p.code for p in preflight(image, faces=none).problems] == ["no_face"]


def test_upload_load_checks_a_sendable_jpeg_at_eighth_scale(tmp_path: Path) -> None:
    path = tmp_path / "ready.jpg"
    path.write_bytes(_encode(photos.grace_hopper(), quality=92))
    image = load_for_upload(path)
    assert image.preview_scale <= 1 / 8 and max(image.rgb.shape[:2]) <= 64  # decoded small…
    assert (image.width, image.height) == (512, 600)  # the full size is still known
    upload = prepare_upload(image)
    assert upload.data == path.read_bytes() and upload.fixes == []  # …and sent as it is


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.995])
def test_upload_load_still_refuses_a_cut_short_jpeg(tmp_path: Path, keep: float) -> None:
    whole = _encode(photos.grace_hopper(), quality=92)
    path = tmp_path / "cut.jpg"
    path.write_bytes(whole[: int(len(whole) * keep)])
    with pytest.raises(ImageError, match="damaged or cut short"):
        load_for_upload(path)


def test_upload_load_decodes_in_full_what_must_be_reencoded(tmp_path: Path) -> None:
    g = photos.grace_hopper()
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated, png = tmp_path / "r.jpg", tmp_path / "p.png"
    rotated.write_bytes(_encode(np.rot90(g, 1).copy(), exif=exif.tobytes(), quality=95))
    png.write_bytes(_encode(g, "PNG"))
    for path in (rotated, png):
        image = load_for_upload(path)
        assert image.preview_scale == 1.0 and image.rgb.shape == g.shape  # one full decode, upright
    sent = prepare_upload(load_for_upload(rotated))
    assert Image.open(io.BytesIO(sent.data)).size == (g.shape[1], g.shape[0])
    assert sent.fixes[0] == "turned upright (EXIF orientation)"


def test_a_jpeg_with_zeroed_scan_data_is_reported_damaged_not_ready(tmp_path):
    """Pillow decodes 4 KB of zeroed scan data into a picture without a word; the check must still say so."""
    good = photos.save(photos.astronaut(), tmp_path / "good.jpg", quality=92)
    data = bytearray(good.read_bytes())
    start = data.find(b"\xff\xda") + 2000  # inside the entropy-coded scan, after the SOS header
    data[start : start + 4096] = bytes(4096)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(bytes(data))
    assert "damaged" not in [p.code for p in preflight(load_image(good)).problems]
    report = preflight(load_image(bad))
    damaged = [p for p in report.problems if p.code == "damaged"]
    assert damaged and "Corrupt JPEG data" in damaged[0].message
    assert not report.ok and not report.blocked  # a warning with a fix, not a refusal


def test_a_pinned_aspect_that_crops_the_photo_is_said_before_run() -> None:
    image = _load(photos.astronaut())  # 512 × 512
    assert not [p for p in preflight(image).problems if p.code == "cropped"]  # follows the photo
    wide = preflight(image, params=EditParams(width=2048, height=1024))
    (cropped,) = [p for p in wide.problems if p.code == "cropped"]
    assert "2048×1024 (2.00:1)" in cropped.message and "512×512 (1:1)" in cropped.message
    assert "50% of its height is left out" in cropped.message
    assert "keeps the whole photo" in cropped.message  # the default result size: the original's
    assert "photo's own aspect" in cropped.fix
    assert not cropped.blocks and cropped.auto_fix is None
    model = preflight(image, params=EditParams(width=2048, height=1024), result_size="model")
    (said,) = [p.message for p in model.problems if p.code == "cropped"]
    assert "the result is that part only" in said


def test_a_photo_longer_than_the_model_allows_is_cropped_even_at_its_own_aspect() -> None:
    from portrait_studio.core.preflight import crop_problem

    assert crop_problem(6000, 4000, None) is None and crop_problem(3000, 4000, EditParams()) is None
    panorama = crop_problem(10000, 2000, None)  # 5:1; the model's output is at most 2048 × 512 (4:1)
    assert panorama is not None and "2048×512 (4.00:1)" in panorama.message
    assert "20% of its width is left out" in panorama.message and "at most 4:1" in panorama.fix
