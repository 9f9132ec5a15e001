"""The local engine's quality goals Q1–Q5 (zero is the plain crop; skin; skin_unifi; gpen; monotonic),
measured on real portraits (astronaut, Grace Hopper) enlarged ×2 to output scale.

The masks used to judge come from core.faces run on the output image itself (not from the engine).
"""

from __future__ import annotations

import itertools
from functools import cache

import cv2
import numpy as np
import pytest

from portrait_studio.core.faces import FaceResult, detect_faces, face_masks, face_mesh
from portrait_studio.core.params import EditParams
from portrait_studio.engine import retouch
from portrait_studio.engine.crop import crop_resize
from portrait_studio.engine.regions import NOSTRILS
from tests import photos
from tests.engine import measure

PORTRAITS = ["astronaut", "grace_hopper"]
SIZE = 1024
STEPS = [round(i / 10, 1) for i in range(11)]


@cache
def _faces(name: str, variant: str = "") -> FaceResult:
    return detect_faces(_photo(name, variant))


@cache
def _photo(name: str, variant: str = "") -> np.ndarray:
    rgb = measure.enlarged(name)
    if variant == "blurred":
        rgb = cv2.GaussianBlur(rgb, (0, 0), 1.5)
    return rgb


@cache
def _out(name: str, gpen: float, skin: float, unifi: float, variant: str = "") -> np.ndarray:
    params = EditParams(gpen=gpen, skin=skin, skin_unifi=unifi, width=SIZE, height=SIZE)
    return retouch(_photo(name, variant), params, _faces(name, variant)).image


@cache
def _truth(name: str) -> measure.Truth:
    return measure.truth(_out(name, 0, 0, 0))


# ----------------------------------------------------------------- the skin mask
@pytest.mark.parametrize("name", PORTRAITS)
def test_the_skin_mask_covers_the_plain_skin(name: str) -> None:
    rgb = _out(name, 0, 0, 0)
    share = measure.sure_skin_share(rgb, face_mesh(rgb, detect_faces(rgb).faces[0]))
    assert share >= measure.SURE_SKIN_SHARE, f"sure skin is only {share:.1%} of the face box"


def test_pasting_spots_fails_when_they_do_not_fit() -> None:
    rgb = np.full((200, 200, 3), 180, np.uint8)
    room = np.zeros((200, 200), bool)
    room[90:110, 90:110] = True  # room for a few spots, not 40
    with pytest.raises(AssertionError, match="of 40 spots fit"):
        measure.paste_spots(rgb, room, count=40, seed=1)
    # What fits is kept when enough do.
    _, few = measure.paste_spots(rgb, room, count=40, seed=1, at_least=1)
    assert 1 <= len(few) < 40
    _, spots = measure.paste_spots(rgb, np.ones((200, 200), bool), count=40, seed=1)
    assert len(spots) == 40


# --------------------------------------------------------------------------- Q1
@pytest.mark.parametrize("name", PORTRAITS)
@pytest.mark.parametrize("size", [(1328, 1328), (768, 1024), (2048, 512)])
def test_q1_all_zero_is_the_plain_crop(name: str, size: tuple[int, int]) -> None:
    rgb = getattr(photos, name)()
    params = EditParams(gpen=0, skin=0, skin_unifi=0, width=size[0], height=size[1])
    result = retouch(rgb, params)
    assert result.image.shape == (size[1], size[0], 3)
    assert np.array_equal(result.image, crop_resize(rgb, result.crop_box, *size))


# --------------------------------------------------------------------------- Q2
@pytest.mark.parametrize("name", PORTRAITS)
def test_q2_skin_removes_high_frequencies_inside_skin_only(name: str) -> None:
    before, after, truth = _out(name, 0, 0, 0), _out(name, 0, 1, 0), _truth(name)
    removed = 1 - measure.laplacian_energy(after, truth.skin) / measure.laplacian_energy(before, truth.skin)
    assert removed >= 0.60, f"only {removed:.0%} of the Laplacian energy removed"
    assert measure.ssim_over(before, after, truth.outside) >= 0.98
    # And the eyes, brows and lips in particular stay as they were.
    assert measure.ssim_over(before, after, truth.features) >= 0.99


# --------------------------------------------------------------------------- Q3
def _spot_zone(name: str) -> np.ndarray:
    """Sure skin of skin colour (no stray hair), minus the nostrils (kept dark by design, engine/regions)."""
    rgb = _out(name, 0, 0, 0)
    skin = _truth(name).skin
    y = measure.gray(rgb)
    plain = np.abs(y - np.median(y[skin])) < 0.2 * np.median(y[skin])
    mesh = face_mesh(rgb, detect_faces(rgb).faces[0])
    nose = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillConvexPoly(nose, cv2.convexHull(np.round(mesh[list(NOSTRILS)]).astype(np.int32)), 1)
    eye_d = np.hypot(*(mesh[33] - mesh[263]))
    nose = cv2.dilate(nose, np.ones((2 * round(0.2 * eye_d) + 1,) * 2, np.uint8))
    return skin & plain & (nose == 0)


@pytest.mark.parametrize("name", PORTRAITS)
def test_q3_skin_unifi_removes_pasted_blemishes(name: str) -> None:
    clean = _photo(name)
    params = EditParams(gpen=0, skin=0, skin_unifi=1, width=SIZE, height=SIZE)
    out_clean = retouch(clean, params, _faces(name)).image
    left = []
    # 200 spots: five layouts of 40 (seeds 1–5), so the rate does not hang on one lucky layout. On Grace
    # Hopper's lined skin single layouts range from 85 % to 100 % (seeds 1–8, measured).
    for seed in range(1, 6):
        spotted, spots = measure.paste_spots(clean, _spot_zone(name), count=40, seed=seed)
        out_spotted = retouch(spotted, params, detect_faces(spotted)).image
        left += [measure.residual(out_spotted, out_clean, spotted, clean, s) for s in spots]
    # A spot counts as removed when at most a quarter of its contrast is left (it no longer reads as a spot).
    removed = np.mean(np.array(left) <= 0.25)
    assert removed >= 0.90, (
        f"{removed:.0%} removed; largest residual contrasts {np.round(sorted(left)[-25:], 2)}"
    )


@pytest.mark.parametrize("name", PORTRAITS)
def test_q3_skin_unifi_evens_skin_tone(name: str) -> None:
    truth = _truth(name)
    before = measure.ab_spread(_out(name, 0, 0, 0), truth.skin)
    after = measure.ab_spread(_out(name, 0, 0, 1), truth.skin)
    assert after < 0.85 * before


# --------------------------------------------------------------------------- Q4
@pytest.mark.parametrize("name", PORTRAITS)
def test_q4_gpen_restores_a_blurred_portrait(name: str) -> None:
    original = _out(name, 0, 0, 0)
    x0, y0, x1, y1 = _truth(name).box
    face = np.zeros(original.shape[:2], bool)
    face[y0:y1, x0:x1] = True
    blurred = _out(name, 0, 0, 0, "blurred")
    enhanced = _out(name, 1, 0, 0, "blurred")
    assert measure.ssim_over(original, enhanced, face) > measure.ssim_over(original, blurred, face) + 0.005


# --------------------------------------------------------------------------- Q4 + Q5
@pytest.mark.parametrize("name", PORTRAITS)
def test_q5_gpen_sharpness_grows_monotonically(name: str) -> None:
    oval = _truth(name).oval
    sharp = [measure.laplacian_energy(_out(name, g, 0, 0), oval) for g in STEPS]
    assert all(b > a for a, b in itertools.pairwise(sharp)), sharp


@pytest.mark.parametrize("name", PORTRAITS)
def test_q5_skin_energy_falls_monotonically(name: str) -> None:
    skin = _truth(name).skin
    energy = [measure.laplacian_energy(_out(name, 0, s, 0), skin) for s in STEPS]
    assert all(b < a for a, b in itertools.pairwise(energy)), energy


@pytest.mark.parametrize("name", PORTRAITS)
def test_q5_skin_unifi_spread_falls_monotonically(name: str) -> None:
    skin = _truth(name).skin
    spread = [measure.ab_spread(_out(name, 0, 0, u), skin) for u in STEPS]
    assert all(b < a for a, b in itertools.pairwise(spread)), spread


@pytest.mark.parametrize("effect", [0, 1, 2])
@pytest.mark.parametrize("name", PORTRAITS)
def test_q5_change_grows_with_each_strength(name: str, effect: int) -> None:
    base = _out(name, 0, 0, 0).astype(np.float64)
    oval = _truth(name).oval
    changes = []
    for v in STEPS:
        args = [0.0, 0.0, 0.0]
        args[effect] = v
        changes.append(np.abs(_out(name, *args).astype(np.float64) - base)[oval].mean())
    assert changes[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(changes)), changes


@pytest.mark.parametrize("name", PORTRAITS)
def test_eyes_brows_lips_and_teeth_stay_sharp_at_full_smoothing(name: str) -> None:
    before = _out(name, 0, 0, 0)
    mesh = face_mesh(before, detect_faces(before).faces[0])
    masks = face_masks(before, mesh)
    for part in ("eyes", "brows", "lips", "teeth"):
        where = getattr(masks, part) >= 0.99
        if where.sum() < 50:  # Grace Hopper's closed mouth shows no teeth
            continue
        kept = measure.laplacian_energy(_out(name, 0, 1, 1), where) / measure.laplacian_energy(before, where)
        assert kept >= 0.97, f"{part}: {kept:.2f} of its detail kept"
