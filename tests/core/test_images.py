"""Loading real photos, saving (atomic, ICC/EXIF kept) and working copies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from portrait_studio.core.errors import ImageError
from portrait_studio.core.images import load_image, save_image, working_copy
from tests import photos

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif(make: str) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = make
    return exif.tobytes()


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif"])
def test_save_round_trip_keeps_pixels_icc_and_exif(suffix: str, tmp_path: Path) -> None:
    g = photos.grace_hopper()
    path = save_image(g, tmp_path / f"out{suffix}", quality=95, icc_profile=SRGB, exif=_exif("Nikon"))
    assert path == tmp_path / f"out{suffix}"
    back = load_image(path)
    assert back.rgb.shape == g.shape
    lossless = suffix in (".png", ".tif")
    assert np.abs(back.rgb.astype(int) - g).mean() < (0.01 if lossless else 3)
    assert back.icc_profile == SRGB
    assert back.exif is not None
    kept = Image.Exif()
    kept.load(back.exif)
    assert kept.get(0x010F) == "Nikon"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind


def test_save_is_atomic_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "keep.jpg"
    save_image(photos.astronaut(), target)
    before = target.read_bytes()
    with pytest.raises(ValueError):
        save_image(np.zeros((10, 10), np.uint8), target)  # not RGB: refused before anything is written
    with pytest.raises(ValueError, match="EXIF"):  # JPEG's APP1 segment holds at most 64 KB: fails mid-save
        save_image(photos.astronaut(), target, exif=b"Exif\0\0" + b"x" * 70_000)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.jpg"]


def test_save_format_from_argument_and_unknown_suffix(tmp_path: Path) -> None:
    path = save_image(photos.astronaut(), tmp_path / "no-suffix", fmt="png")
    with Image.open(path) as img:
        assert img.format == "PNG"
    with pytest.raises(ImageError, match=r"\.gif"):
        save_image(photos.astronaut(), tmp_path / "x.gif")


def test_load_real_photos_from_disk(tmp_path: Path) -> None:
    for name in ("astronaut", "grace_hopper", "chelsea", "coffee", "rocket"):
        rgb = getattr(photos, name)()
        path = photos.save(rgb, tmp_path / f"{name}.png")
        image = load_image(path)
        assert np.array_equal(image.rgb, rgb)
        assert image.format == "PNG" and image.path == path and image.name == f"{name}.png"


def test_working_copy() -> None:
    a = photos.astronaut()
    same, s = working_copy(a, 1000)
    assert same is a and s == 1.0
    small, s = working_copy(a, 128)
    assert small.shape == (128, 128, 3) and s == 0.25
    assert abs(float(small.mean()) - float(a.mean())) < 2  # area-averaged, not sampled


def test_upright_turns_only_what_needs_turning(tmp_path: Path) -> None:
    from portrait_studio.core.images import upright

    g = photos.grace_hopper()  # 600 tall × 512 wide
    plain, one, six = tmp_path / "plain.jpg", tmp_path / "one.jpg", tmp_path / "six.jpg"
    Image.fromarray(g).save(plain, quality=95)
    for path, orientation, pixels in ((one, 1, g), (six, 6, np.rot90(g, 1).copy())):
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.fromarray(pixels).save(path, quality=95, exif=exif.tobytes())
    for path in (plain, one):
        with Image.open(path) as img:
            assert upright(img) is img  # no copy of an upright photo
    with Image.open(six) as img:
        turned = np.asarray(upright(img).convert("RGB"))
    assert turned.shape == g.shape and np.abs(turned.astype(int) - g).mean() < 6  # stored sideways


def _save_new_name(args: tuple[str, int, float]) -> str:
    path, value, start = args
    import time

    time.sleep(max(0.0, start - time.time()))  # every process saves at the same moment
    rgb = np.full((64, 64, 3), value, np.uint8)
    return str(save_image(rgb, path, new_name=True))


def test_saves_under_a_new_name_from_several_processes_never_share_a_file(tmp_path: Path) -> None:
    """Save (Ctrl+S) takes a free name: processes saving the same name at once each get their own file."""
    import multiprocessing
    import time

    target = tmp_path / "photo-retouched.png"
    start = time.time() + 1.5
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        written = pool.map(_save_new_name, [(str(target), 40 * i, start) for i in range(1, 5)])
    assert len(set(written)) == 4
    values = sorted(int(np.asarray(Image.open(p))[0, 0, 0]) for p in written)
    assert values == [40, 80, 120, 160]  # each file holds what its own process wrote: none replaced


def test_loaded_pixels_are_pillows_own(tmp_path: Path) -> None:
    """The one-piece copy out of Pillow (core/_loading._rgb_array) gives exactly np.asarray's pixels, at full
    size and at check's DCT-scaled size."""
    path = tmp_path / "a.jpg"
    Image.fromarray(photos.astronaut()).resize((2400, 2400)).save(path, quality=90)
    with Image.open(path) as img:
        full = np.asarray(img.convert("RGB"))
    got = load_image(path)
    assert got.rgb.shape == (2400, 2400, 3) and got.rgb.dtype == np.uint8 and got.rgb.flags.c_contiguous
    assert np.array_equal(got.rgb, full)
    with Image.open(path) as img:
        img.draft("RGB", (1200, 1200))
        half = np.asarray(img.convert("RGB"))
    assert half.shape == (1200, 1200, 3)
    assert np.array_equal(load_image(path, max_side=1200).rgb, half)
