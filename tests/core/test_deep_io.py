"""16-bit TIFF/PNG I/O: bit-exact round trips that keep the ICC profile, orientation, atomic writes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from portrait_studio.core.deep_io import eight_bits, orient, read_deep, write_png, write_tiff
from portrait_studio.core.errors import ImageError
from tests.core import icc_profiles
from tests.photos import astronaut


def _deep(shape: tuple[int, ...] = (60, 80, 3)) -> np.ndarray:
    """A real photo at 16 bits, with low bits that an 8-bit trip would lose."""
    base = np.resize(astronaut(), (*shape[:2], 3))[..., : shape[2] if len(shape) == 3 else 1]
    noise = np.random.default_rng(5).integers(0, 257, base.shape)
    return (base.astype(np.int64) * 257 - noise).clip(0, 65535).astype(np.uint16)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("writer", [write_tiff, write_png], ids=["tiff", "png"])
def test_sixteen_bits_and_the_profile_survive_a_round_trip(tmp_path: Path, writer, channels: int) -> None:
    px = _deep((60, 80, channels))
    icc = icc_profiles.adobe_rgb() if channels == 3 else icc_profiles.grey_22()
    out = writer(tmp_path / f"x.{'tif' if writer is write_tiff else 'png'}", px, icc)
    back = read_deep(out)
    assert back.bits == 16 and back.channels == channels
    assert np.array_equal(back.pixels, px) and back.icc_profile == icc
    with Image.open(
        out
    ) as img:  # another reader finds the profile too (Photoshop, Lightroom read the same tag)
        assert img.info.get("icc_profile") == icc


@pytest.mark.parametrize("writer", [write_tiff, write_png], ids=["tiff", "png"])
def test_alpha_is_kept_apart_and_written_back(tmp_path: Path, writer) -> None:
    px, alpha = _deep(), _deep((60, 80, 1))[..., 0]
    back = read_deep(
        writer(tmp_path / f"a.{'tif' if writer is write_tiff else 'png'}", px, None, alpha=alpha)
    )
    assert np.array_equal(back.pixels, px) and np.array_equal(back.alpha, alpha) and back.icc_profile is None


def test_cmyk_tiff_round_trip(tmp_path: Path) -> None:
    px = np.random.default_rng(6).integers(0, 65536, (20, 30, 4), dtype=np.uint16)
    back = read_deep(write_tiff(tmp_path / "c.tif", px))
    assert back.channels == 4 and np.array_equal(back.pixels, px)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_is_applied_as_pillow_does(orientation: int) -> None:
    rgb = np.ascontiguousarray(astronaut()[:40, :70])
    img = Image.fromarray(rgb)
    exif = img.getexif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    img.save(buf, "PNG", exif=exif.tobytes())
    want = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(buf.getvalue()))))
    assert np.array_equal(orient(rgb, orientation), want)


def test_a_tiff_orientation_tag_is_applied(tmp_path: Path) -> None:
    import tifffile

    px = _deep((30, 50, 3))
    tifffile.imwrite(tmp_path / "r.tif", px, photometric="rgb", extratags=[(274, "H", 1, 6, True)])
    assert np.array_equal(read_deep(tmp_path / "r.tif").pixels, np.rot90(px, -1))


def test_an_lzw_tiff_at_eight_bits_is_read_through_pillow(tmp_path: Path) -> None:
    rgb = np.ascontiguousarray(astronaut()[:50, :50])
    Image.fromarray(rgb).save(tmp_path / "l.tif", compression="tiff_lzw", icc_profile=icc_profiles.prophoto())
    back = read_deep(tmp_path / "l.tif")
    assert back.bits == 8 and np.array_equal(back.pixels, rgb) and back.icc_profile == icc_profiles.prophoto()


def test_a_jpeg_comes_at_eight_bits_with_its_profile(tmp_path: Path) -> None:
    Image.fromarray(astronaut()).save(tmp_path / "j.jpg", quality=95, icc_profile=icc_profiles.display_p3())
    back = read_deep(tmp_path / "j.jpg")
    assert back.format == "JPEG" and back.bits == 8 and back.pixels.shape == (512, 512, 3)
    assert back.icc_profile == icc_profiles.display_p3()


def test_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    good = write_tiff(tmp_path / "d.tif", _deep()).read_bytes()
    (tmp_path / "d.tif").write_bytes(good[: len(good) // 3])
    with pytest.raises(ImageError, match="cannot be decoded at its full bit depth") as err:
        read_deep(tmp_path / "d.tif")
    assert "Re-export" in str(err.value.fix)


@pytest.mark.parametrize("writer", [write_tiff, write_png], ids=["tiff", "png"])
def test_a_failed_write_leaves_the_old_file_and_no_litter(tmp_path: Path, writer) -> None:
    target = tmp_path / "keep.out"
    target.write_bytes(b"the photographer's file")
    with pytest.raises((KeyError, ValueError, TypeError)):
        writer(target, np.zeros((4, 4, 5), np.uint16))  # five channels: no such photo
    assert target.read_bytes() == b"the photographer's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.out"]


def test_eight_bits_rounds_every_sixteen_bit_level_to_the_nearest() -> None:
    levels = np.arange(65536, dtype=np.uint16).reshape(256, 256, 1).repeat(3, axis=-1)
    want = np.clip(np.rint(levels / 257.0), 0, 255).astype(np.uint8)
    got = eight_bits(levels)
    assert got.dtype == np.uint8 and np.abs(got.astype(int) - want).max() == 0
