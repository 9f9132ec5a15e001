"""The bad-input corpus (generated here, ≥ 30 files): each loads correctly or gives a clear ImageError."""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from portrait_studio.core import _loading
from portrait_studio.core.errors import ImageError
from portrait_studio.core.images import LoadedImage, load_image, load_image_bytes, preflight
from tests import photos

SMALL = photos.astronaut()[::2, ::2].copy()  # 256×256: the corpus stays fast


def _jpeg(rgb: np.ndarray = SMALL, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", **kw)
    return buf.getvalue()


def _png(img: Image.Image, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **kw)
    return buf.getvalue()


def _save(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming width×height, with one tiny IDAT (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


def _animated(fmt: str) -> bytes:
    frames = [Image.fromarray(np.roll(SMALL, 40 * i, axis=1)) for i in range(3)]
    return _save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def _palette_transparent() -> bytes:
    img = Image.fromarray(SMALL).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    img.info["transparency"] = 0
    return _png(img, transparency=0)


def _rgba() -> bytes:
    rgba = np.dstack([SMALL, np.full(SMALL.shape[:2], 255, np.uint8)])
    rgba[:64, :64, 3] = 0  # a transparent corner
    return _png(Image.fromarray(rgba, "RGBA"))


def _grey16() -> bytes:
    ramp = np.tile(np.linspace(0, 65535, 256), (64, 1)).astype(np.uint16)
    return _png(Image.fromarray(ramp))


def _rgb16() -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", (SMALL.astype(np.uint16) * 257)[..., ::-1])
    assert ok
    return buf.tobytes()


def _with_icc() -> bytes:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _jpeg(icc_profile=icc)


def _heic() -> bytes:
    from portrait_studio.core._loading import register_heif

    register_heif()
    return _save(Image.fromarray(SMALL), "HEIF", quality=80)


def _multipage_tiff() -> bytes:
    pages = [Image.fromarray(SMALL), Image.fromarray(SMALL[::-1].copy())]
    return _save(pages[0], "TIFF", save_all=True, append_images=pages[1:])


def _garbled_jpeg() -> bytes:
    data = bytearray(_jpeg())
    data[len(data) // 2 : len(data) // 2 + 200] = bytes(200)  # zeros over the entropy-coded data
    return bytes(data)


def _exif_orientation(value: bytes, kind: int) -> bytes:
    """EXIF holding only an orientation entry of TIFF type `kind` (2 ASCII, 3 SHORT), as odd software writes.

    Pillow's Exif cannot write a text orientation, so the IFD is packed by hand (TIFF 6.0, section 2).
    """
    entry = struct.pack("<HHI", 0x0112, kind, len(value) if kind == 2 else 1) + value.ljust(4, b"\0")
    return b"Exif\0\0II*\0" + struct.pack("<IH", 8, 1) + entry + struct.pack("<I", 0)


def _line(width: int, height: int) -> bytes:
    ramp = np.linspace(0, 255, max(width, height)).astype(np.uint8).reshape(height, width)
    return _png(Image.fromarray(np.dstack([ramp] * 3)))


def _tifffile(samples: np.ndarray, **kw: object) -> bytes:
    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(buf, samples, **{"photometric": "rgb", **kw})
    return buf.getvalue()


_FLOAT = SMALL.astype(np.float32) / 255.0


def _png_big_chunk(kind: str) -> bytes:
    """A PNG whose zTXt text or iCCP profile inflates to 3 MB (past Pillow's 1 MB MAX_TEXT_CHUNK guard)."""
    from PIL import PngImagePlugin

    img = Image.fromarray(SMALL)
    if kind == "zTXt":
        info = PngImagePlugin.PngInfo()
        info.add_text("comment", "retouch notes " * 220_000, zip=True)
        return _png(img, pnginfo=info)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _png(img, icc_profile=srgb + bytes(3_000_000))


def _huge_profile_tiff(megabytes: int) -> bytes:
    """A TIFF whose ICC profile is a real sRGB one padded to `megabytes` (read by its header)."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _save(Image.fromarray(SMALL), "TIFF", icc_profile=srgb + bytes(megabytes * 1_000_000))


def _not_white(image: LoadedImage) -> bool:
    return 40 < float(image.rgb.mean()) < 215 and image.rgb.std() > 20


@dataclass(frozen=True)
class Case:
    """One corpus file: its name, how to make its bytes, what must happen (format loaded, or error text)."""

    name: str
    make: Callable[[], bytes]
    loads_as: str | None = None
    error: str | None = None
    note: str | None = None
    pixels: Callable[[LoadedImage], bool] | None = None  # a check of the decoded picture itself


CORPUS = [
    Case("zero.jpg", lambda: b"", error="empty"),
    Case("cut.jpg", lambda: _jpeg()[:3000], error="truncated"),
    Case("cut.png", lambda: _png(Image.fromarray(SMALL))[:5000], error="truncated"),
    Case("cut-header.png", lambda: _png(Image.fromarray(SMALL))[:20], error="truncated"),
    Case("notes.jpg", lambda: b"shopping list: milk, eggs\n" * 20, error="not an image"),
    Case("document.jpg", lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", error="PDF"),
    Case(
        "drawing.jpg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        error="SVG",
    ),
    Case("png-named.jpg", lambda: _png(Image.fromarray(SMALL)), loads_as="PNG"),
    Case(
        "cmyk.jpg",
        lambda: _save(Image.fromarray(SMALL).convert("CMYK"), "JPEG"),
        loads_as="JPEG",
        note="CMYK",
    ),
    Case("grey16.png", _grey16, loads_as="PNG", note="16-bit"),
    Case("rgb16.png", _rgb16, loads_as="PNG"),
    Case("palette-alpha.png", _palette_transparent, loads_as="PNG", note="white"),
    Case("rgba.png", _rgba, loads_as="PNG", note="white"),
    Case("grey-alpha.png", lambda: _png(Image.fromarray(SMALL).convert("LA")), loads_as="PNG"),
    Case("one-bit.png", lambda: _png(Image.fromarray(SMALL).convert("1")), loads_as="PNG"),
    Case("grey.jpg", lambda: _save(Image.fromarray(SMALL).convert("L"), "JPEG"), loads_as="JPEG"),
    Case("animated.gif", lambda: _animated("GIF"), loads_as="GIF", note="animated (3 frames)"),
    Case("animated.webp", lambda: _animated("WEBP"), loads_as="WEBP", note="animated (3 frames)"),
    Case("still.webp", lambda: _save(Image.fromarray(SMALL), "WEBP"), loads_as="WEBP"),
    Case("photo.bmp", lambda: _save(Image.fromarray(SMALL), "BMP"), loads_as="BMP"),
    Case("photo.tif", lambda: _save(Image.fromarray(SMALL), "TIFF"), loads_as="TIFF"),
    Case("pages.tif", _multipage_tiff, loads_as="TIFF", note="2 pictures"),
    Case("photo.heic", _heic, loads_as="HEIF"),
    Case("icc.jpg", _with_icc, loads_as="JPEG"),
    Case("bomb.png", lambda: _png_header_only(100_000, 100_000), error="too large to open"),
    Case("garbled.jpg", _garbled_jpeg, loads_as="JPEG"),  # libjpeg conceals the damage: still a picture
    Case("picture.ppm", lambda: _save(Image.fromarray(SMALL), "PPM"), error="format the app does not read"),
    Case("cut.gif", lambda: _animated("GIF")[:200], error="truncated"),
    Case("header-only.bmp", lambda: _save(Image.fromarray(SMALL), "BMP")[:60], error="truncated"),
    # valid photos that were refused or mis-described
    Case("line-wide.png", lambda: _line(60000, 1), loads_as="PNG"),
    Case("line-tall.png", lambda: _line(1, 60000), loads_as="PNG"),
    Case(
        "orientation-text.jpg",
        lambda: _jpeg(SMALL[:, :200].copy(), exif=_exif_orientation(b"6\0", 2)),
        loads_as="JPEG",
        note="EXIF orientation 6 applied",
        pixels=lambda im: im.rgb.shape[:2] == (200, 256),  # turned: the stored 256 wide is now 256 tall
    ),
    Case(
        "orientation-9.jpg",
        lambda: _jpeg(exif=_exif_orientation(struct.pack("<H", 9), 3)),
        loads_as="JPEG",
        note="EXIF orientation 9 is not one of the 8 valid values: ignored",
    ),
    Case(
        "orientation-65535.jpg",
        lambda: _jpeg(exif=_exif_orientation(struct.pack("<H", 65535), 3)),
        loads_as="JPEG",
        note="EXIF orientation 65535 is not one of the 8 valid values: ignored",
    ),
    Case(
        "grey-float32.tif",
        lambda: _save(Image.fromarray(_FLOAT[..., 0], "F"), "TIFF"),
        loads_as="TIFF",
        note="32-bit floating-point image",
        pixels=lambda im: abs(int(im.rgb[100, 100, 0]) - int(SMALL[100, 100, 0])) <= 1,
    ),
    Case(
        "rgb-float32.tif",
        lambda: _tifffile(_FLOAT),
        loads_as="TIFF",
        note="32-bit floating-point image",
        pixels=lambda im: np.abs(im.rgb.astype(int) - SMALL).max() <= 1,
    ),
    Case(
        "rgb-float16.tif", lambda: _tifffile(_FLOAT.astype(np.float16)), loads_as="TIFF", note="16-bit float"
    ),
    Case(
        "rgba-float32.tif",
        lambda: _tifffile(np.dstack([_FLOAT, np.ones(SMALL.shape[:2], np.float32)])),
        loads_as="TIFF",
        pixels=lambda im: np.abs(im.rgb.astype(int) - SMALL).max() <= 1,
    ),
    Case(
        "grey-int32.tif",
        lambda: _save(Image.fromarray(SMALL[..., 0].astype(np.int32) * 1000, "I"), "TIFF"),
        loads_as="TIFF",
        note="32-bit integer image",
        pixels=_not_white,
    ),
    Case(
        "rgb-int32.tif",
        lambda: _tifffile(SMALL.astype(np.int32) * 8_000_000),
        loads_as="TIFF",
        note="32-bit integer image",
        pixels=lambda im: np.abs(im.rgb.astype(int) - SMALL).max() <= 2,
    ),
    Case(
        "planar.tif",
        lambda: _tifffile(_FLOAT.transpose(2, 0, 1).copy(), planarconfig="separate"),
        loads_as="TIFF",
        pixels=lambda im: np.abs(im.rgb.astype(int) - SMALL).max() <= 1,
    ),
    Case("big-ztxt.png", lambda: _png_big_chunk("zTXt"), loads_as="PNG", note="over 1 MB: ignored"),
    Case("big-iccp.png", lambda: _png_big_chunk("iCCP"), loads_as="PNG", note="over 1 MB: ignored"),
    Case("icc-16mb.tif", lambda: _huge_profile_tiff(16), loads_as="TIFF", note="converted to sRGB"),
    Case("cut.tif", lambda: _save(Image.fromarray(SMALL), "TIFF")[:300], error="truncated"),
    Case("header.tif", lambda: b"II*\x00" + bytes(60), error="truncated"),
]

#: What a message the photographer reads must never contain (a repr, an address, a library's internals).
RAW = ("Traceback", "0x", "BytesIO", "Error:", "error:", "Exception", "OpenCV", "assert")


def assert_plain(text: str) -> None:
    """No traceback, object address or raw exception class name in a message meant for a person."""
    for raw in RAW:
        assert raw not in text, (raw, text)


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus_file(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.make())
    if case.error is not None:
        with pytest.raises(ImageError) as info:
            load_image(path)
        err = info.value
        assert case.error in err.message
        assert str(path) in err.message  # names the file
        assert err.fix and err.fix != err.message  # and says what to do
        assert_plain(str(err))
        return
    image = load_image(path)
    assert image.format == case.loads_as
    assert image.rgb.dtype == np.uint8 and image.rgb.ndim == 3 and image.rgb.shape[2] == 3
    assert (image.width, image.height) == (image.rgb.shape[1], image.rgb.shape[0])
    assert image.file_bytes == path.stat().st_size
    if case.note:
        assert any(case.note in n for n in image.notes), image.notes
    if case.pixels:
        assert case.pixels(image)
    if "orientation" not in case.name:
        assert not any("orientation" in n for n in image.notes), image.notes  # never "9 applied"
    if "float" in case.name:
        assert not any(n.startswith("16-bit image") for n in image.notes), image.notes
    report = preflight(image)  # every loadable file also goes through the check without crashing
    assert report.to_json()["format"] == case.loads_as


def test_corpus_has_at_least_30_files() -> None:
    # the 8 EXIF orientations, permission, folder and missing path are further files, tested below
    assert len(CORPUS) + 8 + 3 >= 30


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientations_give_upright_pixels(orientation: int, tmp_path: Path) -> None:
    upright = SMALL[:, :200]  # not square: a wrong rotation changes the shape
    # What a camera stores for each orientation: the inverse of the transform the viewer must apply.
    stored = {
        1: upright,
        2: upright[:, ::-1],
        3: upright[::-1, ::-1],
        4: upright[::-1],
        5: upright.transpose(1, 0, 2),
        6: np.rot90(upright, 1),
        7: np.rot90(upright.transpose(1, 0, 2), 2),  # transverse: mirror across the other diagonal
        8: np.rot90(upright, -1),
    }[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"orient{orientation}.jpg"
    path.write_bytes(_jpeg(np.ascontiguousarray(stored), exif=exif.tobytes(), quality=95))
    image = load_image(path)
    assert image.rgb.shape == upright.shape
    assert np.abs(image.rgb.astype(int) - upright).mean() < 4
    assert image.orientation == orientation
    assert (orientation != 1) == any("orientation" in n for n in image.notes)


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="is a folder"):
        load_image(tmp_path)
    with pytest.raises(ImageError, match="does not exist"):
        load_image(tmp_path / "gone.jpg")


def test_file_without_read_permission(tmp_path: Path) -> None:
    path = tmp_path / "locked.jpg"
    path.write_bytes(_jpeg())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads anything: then the file simply loads
            assert load_image(path).format == "JPEG"
        else:
            with pytest.raises(ImageError, match="permission denied"):
                load_image(path)
    finally:
        path.chmod(0o644)


def test_permission_error_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The OS refusal itself, for runs as root where chmod cannot take read access away.
    path = tmp_path / "locked.jpg"
    path.write_bytes(_jpeg())

    def refuse(*args: object, **kw: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(_loading.os, "open", refuse)
    with pytest.raises(ImageError) as info:
        load_image(path)
    assert "permission denied" in info.value.message and "read permission" in info.value.fix


def test_30mb_jpeg_loads_and_is_flagged(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    noise = rng.integers(0, 256, (3000, 4200, 3), dtype=np.uint8)
    path = tmp_path / "huge.jpg"
    path.write_bytes(_jpeg(noise, quality=100, subsampling=0))
    assert path.stat().st_size > 30_000_000
    image = load_image(path)
    assert (image.width, image.height) == (4200, 3000)
    codes = {p.code for p in preflight(image).problems}
    assert {"too_many_bytes", "too_many_pixels", "no_face"} <= codes


def test_16bit_grey_keeps_its_range() -> None:
    image = load_image_bytes(_grey16(), "ramp.png")
    row = image.rgb[0, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 255 and np.all(np.diff(row) >= 0)


def test_transparency_goes_on_white() -> None:
    image = load_image_bytes(_rgba(), "rgba.png")
    assert np.all(image.rgb[:64, :64] == 255)
    assert not np.all(image.rgb[100:, 100:] == 255)


def test_cmyk_becomes_rgb_of_the_same_picture() -> None:
    image = load_image_bytes(_save(Image.fromarray(SMALL).convert("CMYK"), "JPEG", quality=95), "cmyk.jpg")
    assert image.mode == "CMYK" and image.icc_profile is None
    assert np.abs(image.rgb.astype(int) - SMALL).mean() < 12
    # the half-size astronaut's face (~53 px) is also below the 64 px floor
    assert [p.code for p in preflight(image).problems] == ["format", "small_face"]


def test_icc_and_exif_are_kept_for_saving() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0112] = 6
    image = load_image_bytes(_jpeg(icc_profile=icc, exif=exif.tobytes()), "cam.jpg")
    assert image.icc_profile == icc
    assert image.exif is not None
    kept = Image.Exif()
    kept.load(image.exif)
    assert kept[0x010F] == "TestCam"
    assert 0x0112 not in kept  # pixels are upright now: saving the tag again would turn them twice


def test_heic_is_flagged_and_counted() -> None:
    image = load_image_bytes(_save_heic_full(), "portrait.heic")
    assert image.format == "HEIF"
    report = preflight(image)
    assert report.faces.count == 1
    assert [p.code for p in report.problems] == ["format"]


def _save_heic_full() -> bytes:
    from portrait_studio.core._loading import register_heif

    register_heif()
    return _save(Image.fromarray(photos.astronaut()), "HEIF", quality=90)


def test_loaded_image_is_named_in_bytes_errors() -> None:
    with pytest.raises(ImageError, match=r"upload\.png: is not an image"):
        load_image_bytes(b"hello", "upload.png")


_BASE = _jpeg(SMALL[:64, :64].copy())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_BASE) - 1), st.integers(0, 255)), min_size=1, max_size=12))
def test_damaged_jpegs_never_crash(edits: list[tuple[int, int]]) -> None:
    data = bytearray(_BASE)
    for at, value in edits:
        data[at] = value
    try:
        image = load_image_bytes(bytes(data), "fuzz.jpg")
    except ImageError as err:
        assert "fuzz.jpg" in err.message and err.fix
    else:
        assert isinstance(image, LoadedImage) and image.rgb.dtype == np.uint8


def test_heic_with_orientation_comes_upright() -> None:
    from portrait_studio.core._loading import register_heif

    register_heif()
    g = photos.grace_hopper()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: the viewer must rotate 90° clockwise
    data = _save(Image.fromarray(np.rot90(g, 1).copy()), "HEIF", exif=exif.tobytes(), quality=90)
    image = load_image_bytes(data, "turned.heic")
    assert image.rgb.shape == g.shape
    assert np.abs(image.rgb.astype(int) - g).mean() < 4


# --------------------------------------------------------------------------- not a file
def test_named_pipe_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "x.jpg"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    with pytest.raises(ImageError) as info:
        load_image(fifo)
    assert "named pipe" in info.value.message and "not a photo file" in info.value.message
    assert_plain(str(info.value))


def test_link_to_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    link = tmp_path / "zero.jpg"
    link.symlink_to("/dev/zero")  # never ends: reading it filled the memory
    with pytest.raises(ImageError) as info:
        load_image(link)
    assert "a device (a link to /dev/zero)" in info.value.message
    assert_plain(str(info.value))


def test_link_to_a_photo_still_loads(tmp_path: Path) -> None:
    real = tmp_path / "real.jpg"
    real.write_bytes(_jpeg())
    (tmp_path / "link.jpg").symlink_to(real)
    assert load_image(tmp_path / "link.jpg").format == "JPEG"


def test_a_file_growing_while_read_is_read_only_up_to_its_checked_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "copying.jpg"
    start = _jpeg()
    path.write_bytes(start)
    limit = len(start) + 10
    monkeypatch.setattr(_loading, "MAX_FILE_BYTES", limit)
    real_stat, real_fstat = os.stat, os.fstat
    looks = []

    def grow(result: os.stat_result) -> os.stat_result:
        looks.append(result.st_size)
        if len(looks) > 1:  # another program is still writing it: it grows after it was first checked
            with path.open("ab") as f:
                f.write(bytes(2 * limit))
        return result

    monkeypatch.setattr(_loading.os, "stat", lambda *a, **kw: grow(real_stat(*a, **kw)))
    monkeypatch.setattr(_loading.os, "fstat", lambda *a, **kw: grow(real_fstat(*a, **kw)))
    try:
        data = _loading.read_file(path)
    except ImageError as err:
        assert "too large" in err.message
    else:
        assert len(data) <= limit


# --------------------------------------------------------------------------- huge profiles
def test_a_huge_profile_is_applied_not_embedded_in_the_upload(tmp_path: Path) -> None:
    from portrait_studio.core.images import MAX_UPLOAD_BYTES, prepare_upload, rgb_profile

    path = tmp_path / "scan.tif"
    path.write_bytes(_huge_profile_tiff(16))  # made the upload "impossible to fit" after 47 s
    image = load_image(path)
    assert image.icc_profile is None
    assert np.abs(image.rgb.astype(int) - SMALL).max() <= 2  # an sRGB profile: the colours stay
    upload = prepare_upload(image)
    assert len(upload.data) <= MAX_UPLOAD_BYTES and upload.quality is not None and upload.quality >= 90
    with Image.open(io.BytesIO(upload.data)) as sent:
        assert "icc_profile" not in sent.info
    with Image.open(path) as original:  # the result's metadata is read from the original the same way
        assert rgb_profile(original.info.get("icc_profile"), original.mode) is None


def test_a_normal_profile_is_still_kept(tmp_path: Path) -> None:
    from portrait_studio.core.images import prepare_upload

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = load_image_bytes(_save(Image.fromarray(SMALL), "TIFF", icc_profile=icc), "scan.tif")
    assert image.icc_profile == icc
    with Image.open(io.BytesIO(prepare_upload(image).data)) as sent:
        assert sent.info.get("icc_profile") == icc


def test_an_unreadable_huge_profile_is_dropped_with_a_note() -> None:
    data = _save(Image.fromarray(SMALL), "TIFF", icc_profile=b"\0" * 16 + b"RGB " + bytes(2_000_000))
    image = load_image_bytes(data, "broken-profile.tif")
    assert image.icc_profile is None and np.array_equal(image.rgb, SMALL)
    assert any("colour profile cannot be read" in n for n in image.notes)
