"""The full-resolution merge, with the real local engine as "the model": registration from the pixels alone,
refusal of answers that are not a retouch of the photo, bit-exact outside the face, the model's retouch
inside, no seam, 16 bits and Adobe RGB kept."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab
from skimage.metrics import structural_similarity

from portrait_studio.core.colour import Space, quantise
from portrait_studio.core.merge import NOT_SAME, NotMergeable, merge, register
from portrait_studio.core.params import EditParams
from portrait_studio.engine import retouch
from tests.core import icc_profiles
from tests.photos import chelsea, grace_hopper
from tests.photos import large_portrait as large_photo

PARAMS = EditParams(gpen=0.5, skin=0.8, skin_unifi=0.5, width=1024, height=1024)


def jpeg(rgb: np.ndarray, quality: int = 95) -> np.ndarray:
    """Through a JPEG, as every answer comes back."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


@dataclass(frozen=True)
class Case:
    original: np.ndarray  # what the merge gets (8-bit sRGB or 16-bit in `space`)
    answer: np.ndarray  # the engine's answer, sRGB uint8, via JPEG
    truth: np.ndarray  # 2×3: answer px → original px, from the engine's own crop box
    box: tuple[int, int, int, int]
    space: Space


def model_answer(original: np.ndarray, space: Space, params: EditParams = PARAMS) -> Case:
    """What the local engine, acting as the model, answers for this original (given as 8-bit sRGB)."""
    srgb = quantise(space.to_srgb(original), np.uint8)
    result = retouch(srgb, params)
    x, y, bw, bh = result.crop_box
    # The engine halves a big crop first (engine.crop.crop_resize), dropping an odd last row/column each time.
    w, h, k = bw, bh, 1
    while w >= 2 * params.width + 2 and h >= 2 * params.height + 2:
        w, h, k = w // 2, h // 2, k * 2
    sx, sy = w * k / params.width, h * k / params.height
    truth = np.array([[sx, 0, x + 0.5 * sx - 0.5], [0, sy, y + 0.5 * sy - 0.5]])
    return Case(original, jpeg(result.image), truth, result.crop_box, space)


@cache
def srgb_case() -> Case:
    return model_answer(large_photo(), Space.of(None))


@cache
def adobe16_case(size: tuple[int, int] = (3000, 2000)) -> Case:
    space = Space.of(icc_profiles.adobe_rgb())
    photo = large_photo(size).astype(np.float32) / 255
    deep = space.from_srgb(photo)  # the same scene, shot into Adobe RGB at 16 bits (with low bits of its own)
    low = np.random.default_rng(7).normal(0, 60, deep.shape)
    original = np.clip(np.rint(deep * 65535 + low), 0, 65535).astype(np.uint16)
    return model_answer(original, space)


@cache
def merged_srgb():
    c = srgb_case()
    return merge(c.original, c.answer, c.space)


def corner_error(fit: np.ndarray, truth: np.ndarray, w: int, h: int) -> float:
    """Largest distance, in original pixels, between where two fits put the answer's corners and centre."""
    pts = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1], [w / 2, h / 2, 1]], float)
    return float(np.abs(pts @ fit.T - pts @ truth.T).max())


def test_registration_finds_the_models_framing_within_a_pixel() -> None:
    c = srgb_case()
    fit = register(c.original, c.answer, c.space)
    assert corner_error(fit.matrix, c.truth, 1024, 1024) < 1.0
    assert fit.median_diff < 2 and fit.changed_share < 0.02 and fit.inliers > 100
    record = fit.to_json()  # what the sidecar keeps
    assert record["inliers"] == fit.inliers and abs(record["scale"] - c.truth[0, 0]) < 0.01


@pytest.mark.parametrize(
    "crop, size",
    [
        ((60, 40, 900, 940), (700, 731)),
        ((0, 130, 1024, 700), (1536, 1050)),
        ((0, 0, 1024, 1024), (1024, 768)),
    ],
    ids=["crop-shrink", "crop-enlarge", "stretch-to-4:3"],
)
def test_registration_recovers_a_known_crop_scale_and_shift(crop, size) -> None:
    """The model may frame and resize its answer as it likes: a further crop + scale of the engine's."""
    c = srgb_case()
    x, y, w, h = crop
    answer = jpeg(cv2.resize(c.answer[y : y + h, x : x + w], size, interpolation=cv2.INTER_AREA))
    sx, sy = w / size[0], h / size[1]
    into_answer = np.array([[sx, 0, x + 0.5 * sx - 0.5], [0, sy, y + 0.5 * sy - 0.5], [0, 0, 1]])
    truth = (np.vstack([c.truth, [0, 0, 1]]) @ into_answer)[:2]
    fit = register(c.original, answer, c.space)
    assert corner_error(fit.matrix, truth, *size) < 1.0


@pytest.mark.parametrize("other", [grace_hopper, chelsea], ids=["another-portrait", "a-cat"])
def test_an_unrelated_answer_is_refused_in_plain_words(other) -> None:
    answer = jpeg(cv2.resize(other(), (1024, 1024), interpolation=cv2.INTER_CUBIC))
    with pytest.raises(NotMergeable) as err:
        merge(srgb_case().original, answer)
    assert str(err.value.message).startswith(NOT_SAME)


def test_a_regenerated_background_is_refused() -> None:
    """Creative mode: the same face, a new background (here: another photo around the head)."""
    c = srgb_case()
    yy, xx = np.mgrid[0:1024, 0:1024]
    head = ((xx - 512) / 300.0) ** 2 + ((yy - 470) / 380.0) ** 2 < 1
    backdrop = cv2.resize(chelsea(), (1024, 1024), interpolation=cv2.INTER_CUBIC)
    answer = jpeg(np.where(head[..., None], c.answer, backdrop))
    with pytest.raises(NotMergeable, match="differs from the original") as err:
        merge(c.original, answer, c.space)
    assert err.value.message.startswith(NOT_SAME)


def test_outside_the_face_the_result_is_the_original_bit_for_bit() -> None:
    c, m = srgb_case(), merged_srgb()
    x, y, w, h = m.box
    assert w > 0 and h > 0 and m.pixels.shape == c.original.shape and m.pixels.dtype == np.uint8
    outside = np.ones(c.original.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    assert np.array_equal(m.pixels[outside], c.original[outside])
    assert w * h < 0.25 * c.original.shape[0] * c.original.shape[1]  # the face, not the photo
    changed = np.argwhere(np.any(m.pixels != c.original, axis=-1))
    assert len(changed) > 0.02 * w * h  # and it did change the face


def _onto_answer(c: Case, pixels: np.ndarray) -> np.ndarray:
    """The (sRGB uint8) full-size pixels seen as the model's frame: its crop box, area-resized."""
    x, y, bw, bh = c.box
    return cv2.resize(pixels[y : y + bh, x : x + bw], (1024, 1024), interpolation=cv2.INTER_AREA)


def _face_ssim(c: Case, merged: np.ndarray, mask: np.ndarray) -> float:
    seen = _onto_answer(c, quantise(c.space.to_srgb(merged), np.uint8))
    ys, xs = np.nonzero(mask > 0.5)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    return float(structural_similarity(seen[box], c.answer[box], channel_axis=2, data_range=255))


def test_inside_the_result_seen_at_the_models_size_is_the_models_answer() -> None:
    c, m = srgb_case(), merged_srgb()
    assert _face_ssim(c, m.pixels, m.mask) >= 0.97
    # The retouch is really there: what the merge changed, seen at the model's size, is the model's change.
    inside = m.mask > 0.95
    before = _onto_answer(c, c.original)[inside].astype(np.float32)
    wanted = c.answer[inside] - before
    done = _onto_answer(c, m.pixels)[inside] - before
    assert np.corrcoef(wanted.ravel(), done.ravel())[0, 1] > 0.9
    assert 0.85 < np.abs(done).mean() / np.abs(wanted).mean() < 1.15


def _full_mask(m, shape: tuple[int, ...]) -> np.ndarray:
    to_answer = np.linalg.inv(np.vstack([m.fit.matrix, [0, 0, 1]]))[:2]
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(m.mask, to_answer, (shape[1], shape[0]), flags=flags)


def _seam_ratio(c: Case, m) -> float:
    """Gradient energy of the change in the mask's feathered edge over that inside it (the face region)."""
    full = _full_mask(m, c.original.shape)
    grey = lambda a: cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32)  # noqa: E731
    gy, gx = np.gradient(cv2.GaussianBlur(grey(m.pixels) - grey(c.original), (0, 0), 1.0))
    energy = gx**2 + gy**2
    band, interior = (full > 0.05) & (full < 0.95), full >= 0.95
    assert band.sum() > 1000 and interior.sum() > 1000
    return float(energy[band].mean() / energy[interior].mean())


def test_no_seam_at_the_mask_edge() -> None:
    """A model that brightens the face and beyond (flat +10 levels over a disc larger than the face region):
    the face region's edge cuts that change, and the feathering must fade it in, not leave a step."""
    original = srgb_case().original
    plain = model_answer(
        original, Space.of(None), EditParams(gpen=0, skin=0, skin_unifi=0, width=1024, height=1024)
    )
    yy, xx = np.mgrid[0:1024, 0:1024]
    disc = np.hypot(xx - 512, yy - 450) < 420
    answer = jpeg(np.clip(plain.answer.astype(int) + 10 * disc[..., None], 0, 255).astype(np.uint8))
    c = Case(original, answer, plain.truth, plain.box, plain.space)
    m = merge(c.original, c.answer, c.space)
    assert _seam_ratio(c, m) <= 1.5


def test_the_originals_fine_texture_is_kept_where_the_model_only_smoothed() -> None:
    """The model's answer is 1024² for a ~1900² crop: detail finer than its pixels comes from the original."""
    c, m = srgb_case(), merged_srgb()
    full = _full_mask(m, c.original.shape) > 0.95
    fine = lambda a: a.astype(np.float32) - cv2.GaussianBlur(a.astype(np.float32), (0, 0), 1.0)  # noqa: E731
    upsampled = cv2.warpAffine(  # what a merge that pasted the model's pixels would have there
        c.answer, np.linalg.inv(np.vstack([m.fit.matrix, [0, 0, 1]]))[:2], c.original.shape[1::-1],
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
    )  # fmt: skip
    kept = np.abs(fine(m.pixels)[full]).mean()
    assert kept > 0.6 * np.abs(fine(c.original)[full]).mean()
    assert kept > 1.5 * np.abs(fine(upsampled)[full]).mean()


def test_sixteen_bit_adobe_rgb_stays_sixteen_bit_adobe_rgb() -> None:
    c = adobe16_case()
    m = merge(c.original, c.answer, c.space)
    assert m.pixels.dtype == np.uint16 and m.pixels.shape == c.original.shape
    x, y, w, h = m.box
    outside = np.ones(c.original.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    assert np.array_equal(m.pixels[outside], c.original[outside])
    assert _face_ssim(c, m.pixels, m.mask) >= 0.97
    # No 8-bit round trip inside: the retouched face keeps 16-bit levels (not multiples of 257) …
    inside = _full_mask(m, c.original.shape) > 0.95
    assert np.mean(m.pixels[inside] % 257 != 0) > 0.9
    # … and keeps its colour where the model left it (a skin patch of the cheek, ΔE2000 against the answer).
    seen = _onto_answer(c, quantise(c.space.to_srgb(m.pixels), np.uint8)).astype(np.float32) / 255
    ys, xs = np.nonzero(m.mask > 0.9)
    patch = (
        slice(int(np.median(ys)) - 20, int(np.median(ys)) + 20),
        slice(int(np.median(xs)) - 20, int(np.median(xs)) + 20),
    )
    mean = lambda a: rgb2lab(a[patch].reshape(-1, 1, 3).mean(0, keepdims=True))  # noqa: E731
    assert deltaE_ciede2000(mean(seen), mean(c.answer.astype(np.float32) / 255)).max() < 1.0


@pytest.mark.slow
def test_a_24_megapixel_sixteen_bit_adobe_rgb_original() -> None:
    c = adobe16_case((6000, 4000))
    m = merge(c.original, c.answer, c.space)
    assert m.pixels.shape == (4000, 6000, 3) and m.pixels.dtype == np.uint16
    assert corner_error(m.fit.matrix, c.truth, 1024, 1024) < 1.0
    x, y, w, h = m.box
    outside = np.ones(c.original.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    assert np.array_equal(m.pixels[outside], c.original[outside])
    assert _face_ssim(c, m.pixels, m.mask) >= 0.97


def test_a_sixteen_bit_grey_original_stays_grey() -> None:
    space = Space.of(icc_profiles.grey_22(), 1)
    photo = large_photo().astype(np.float32) / 255
    grey = quantise(space.from_srgb(photo), np.uint16)[..., 0]  # H×W, as a grey TIFF reads
    c = model_answer(grey, space)
    m = merge(c.original, c.answer, c.space)
    assert m.pixels.shape == grey.shape and m.pixels.dtype == np.uint16
    x, y, w, h = m.box
    outside = np.ones(grey.shape, bool)
    outside[y : y + h, x : x + w] = False
    assert np.array_equal(m.pixels[outside], grey[outside]) and np.any(m.pixels != grey)
    assert corner_error(m.fit.matrix, c.truth, 1024, 1024) < 1.0


def test_in_place_gives_the_same_result_into_the_originals_own_array() -> None:
    c = adobe16_case()
    copied = merge(c.original, c.answer, c.space)
    own = c.original.copy()
    in_place = merge(own, c.answer, c.space, in_place=True)
    assert np.shares_memory(in_place.pixels, own)
    assert np.array_equal(in_place.pixels, copied.pixels)
    assert not np.array_equal(copied.pixels, c.original)  # (the retouch did change something)


def test_a_read_only_original_is_copied_even_in_place() -> None:
    c = srgb_case()
    frozen = c.original.copy()
    frozen.flags.writeable = False
    m = merge(frozen, c.answer, c.space, in_place=True)
    assert not np.shares_memory(m.pixels, frozen)
    assert np.array_equal(m.pixels, merged_srgb().pixels)


def test_merging_in_strips_of_rows_equals_one_pass(monkeypatch) -> None:
    from portrait_studio.core import merge as merge_module

    c = srgb_case()
    monkeypatch.setattr(merge_module, "APPLY_STRIP_ROWS", 1 << 20)  # the whole changed box at once
    whole = merge(c.original, c.answer, c.space)
    monkeypatch.setattr(merge_module, "APPLY_STRIP_ROWS", 7)  # many strips, an odd height
    strips = merge(c.original, c.answer, c.space)
    assert whole.box[3] > 7 * 10
    assert np.array_equal(whole.pixels, strips.pixels)
