"""Colour management: the numpy matrix/TRC path agrees with littleCMS, wide-gamut colours survive the trip to
the model's sRGB and back (ΔE2000 < 1), 16 bits stay 16 bits, untagged is sRGB and says so."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms
from skimage.color import deltaE_ciede2000, xyz2lab

from portrait_studio.core import colour
from portrait_studio.core.colour import Space, quantise
from tests.core import icc_profiles

WIDE = {
    "Adobe RGB": icc_profiles.adobe_rgb,
    "ProPhoto": icc_profiles.prophoto,
    "Display P3": icc_profiles.display_p3,
}
# Flat patches of a portrait (skin, hair, sky, foliage, grey card, dark suit, bright wall), sRGB 8-bit.
PATCHES = np.array(
    [[224, 172, 150], [141, 85, 36], [60, 40, 30], [90, 140, 200], [70, 120, 60], [128, 128, 128],
     [20, 22, 30], [245, 240, 230], [200, 60, 70]],
    np.uint8,
)  # fmt: skip


def _lcms(icc_in: bytes | None, icc_out: bytes | None, px: np.ndarray, mode_in: str = "RGB") -> np.ndarray:
    def prof(icc: bytes | None) -> ImageCms.ImageCmsProfile:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc) if icc else ImageCms.createProfile("sRGB"))

    t = ImageCms.buildTransform(
        prof(icc_in), prof(icc_out), mode_in, "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )  # fmt: skip
    return np.asarray(ImageCms.applyTransform(Image.fromarray(px), t)).astype(int)


def _lab(space: Space, px: np.ndarray) -> np.ndarray:
    """CIE Lab (D50) of pixels in `space` (through its matrix: checked against littleCMS below)."""
    shaper = space._shaper
    assert shaper is not None
    linear = np.stack([fwd(px[..., i]) for i, (fwd, _) in enumerate(shaper.curves)], axis=-1)
    return xyz2lab(linear @ shaper.matrix.T, illuminant="D50", observer="2")


@pytest.mark.parametrize("name", WIDE)
def test_matrix_path_agrees_with_littlecms_both_ways(name: str) -> None:
    icc = WIDE[name]()
    space = Space.of(icc)
    assert space._shaper is not None and not space.untagged and name.split()[0] in space.name
    px = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    to = quantise(space.to_srgb(px), np.uint8).astype(int) - _lcms(icc, None, px)
    back = quantise(space.from_srgb(px), np.uint8).astype(int) - _lcms(None, icc, px)
    for diff in (to, back):
        assert np.abs(diff).max() <= 1 and np.abs(diff).mean() < 0.03  # rounding only


@pytest.mark.parametrize("name", WIDE)
def test_a_flat_patch_keeps_its_colour_through_the_models_srgb(name: str) -> None:
    space = Space.of(WIDE[name]())
    patch = quantise(space.from_srgb(PATCHES[None]), np.uint16)  # a 16-bit original of those colours
    seen = quantise(space.to_srgb(patch), np.uint8)  # what the model gets (8-bit sRGB) …
    back = space.from_srgb(seen)  # … and its unchanged answer, back in the original's space
    de = deltaE_ciede2000(_lab(space, patch.astype(np.float32) / 65535), _lab(space, back))
    assert de.max() < 1.0, de


def test_sixteen_bits_are_not_reduced_to_eight_on_the_way() -> None:
    space = Space.of(icc_profiles.adobe_rgb())
    ramp = np.linspace(9000, 50000, 40000).astype(np.uint16)
    px = np.stack([ramp, ramp // 2 + 8000, ramp], axis=-1)[None]
    srgb = space.to_srgb(px)
    assert len(np.unique(quantise(srgb[..., 0], np.uint16))) > 20000  # no 8-bit steps (256 would be banding)
    back = quantise(space.from_srgb(srgb), np.uint16).astype(int)
    assert np.abs(back - px).max() <= 2  # float round trip: 2 / 65535 at most


def test_grey_goes_to_a_neutral_srgb_as_littlecms_does() -> None:
    icc = icc_profiles.grey_22()
    space = Space.of(icc, 1)
    assert space._shaper is not None and space.channels == 1
    grey = np.arange(256, dtype=np.uint8).reshape(16, 16)
    mine = quantise(space.to_srgb(grey), np.uint8).astype(int)
    assert mine.shape == (16, 16, 3) and (mine[..., 0] == mine[..., 2]).all()
    assert np.abs(mine - _lcms(icc, None, grey, "L")).max() <= 1
    deep = (np.arange(256, dtype=np.uint16) * 257).reshape(16, 16)
    assert (
        np.abs(quantise(space.from_srgb(space.to_srgb(deep)), np.uint16)[..., 0] - deep.astype(int)).max()
        <= 2
    )


def test_the_littlecms_path_gives_the_matrix_paths_answer() -> None:
    """LUT profiles (CMYK, RGB with tables) go through littleCMS: forced here on a matrix profile."""
    icc = icc_profiles.prophoto()
    matrix, lcms = Space.of(icc), Space(icc, 3, "ProPhoto", False, None)
    px = np.random.default_rng(2).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    for a, b in ((matrix.to_srgb(px), lcms.to_srgb(px)), (matrix.from_srgb(px), lcms.from_srgb(px))):
        assert np.abs(quantise(a, np.uint8).astype(int) - quantise(b, np.uint8)).max() <= 1


def test_untagged_is_srgb_and_says_so() -> None:
    px = np.random.default_rng(3).integers(0, 65536, (8, 8, 3), dtype=np.uint16)
    space = Space.of(None)
    assert space.untagged and space.is_srgb_like and space.name == "sRGB"
    assert np.array_equal(quantise(space.to_srgb(px), np.uint16), px)
    assert np.array_equal(quantise(space.from_srgb(px), np.uint16), px)


@pytest.mark.parametrize(
    "icc, channels",
    [(b"garbage" * 30, 3), (icc_profiles.grey_22(), 3), (icc_profiles.adobe_rgb(), 1), (b"", 3)],
    ids=["damaged", "grey-profile-on-rgb", "rgb-profile-on-grey", "empty"],
)
def test_a_profile_that_does_not_fit_is_ignored_as_a_viewer_would(icc: bytes, channels: int) -> None:
    space = Space.of(icc, channels)
    assert space.untagged and space.icc is None


def test_untagged_cmyk_uses_the_plain_formula() -> None:
    cmyk = np.random.default_rng(4).integers(0, 256, (8, 8, 4), dtype=np.uint8)
    want = np.asarray(Image.fromarray(cmyk, "CMYK").convert("RGB"))
    assert np.array_equal(quantise(Space.of(None, 4).to_srgb(cmyk), np.uint8), want)


def test_srgb_matrix_is_littlecms_own() -> None:
    """The built-in sRGB (D50-adapted, Bradford) is what ImageCms.createProfile('sRGB') carries."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    shaper = colour._shaper(srgb)
    assert shaper is not None
    assert np.abs(shaper.matrix - colour.SRGB_MATRIX).max() < 2e-4
