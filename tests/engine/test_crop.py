"""Framing: the crop keeps the output's aspect ratio, stays in the photo and keeps the head when it can."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from portrait_studio.engine.crop import Head, crop_resize, plan_crop, to_output
from tests import photos


def _head(x: float, y: float, w: float, h: float) -> Head:
    return Head(x0=x, y0=y, x1=x + w, y1=y + h, eye_y=y + 0.45 * h, face_top=y + 0.3 * h)


def test_whole_frame_kept_when_the_head_is_large_enough() -> None:
    plan = plan_crop(1000, 1200, _head(350, 200, 300, 400), 1328, 1328)
    assert plan.box == (0, plan.box[1], 1000, 1000)
    assert plan.notes == []
    assert plan.box[1] <= 200  # head top inside


def test_small_head_is_framed_closer_and_said() -> None:
    plan = plan_crop(6000, 4000, _head(2900, 1500, 200, 260), 1024, 1024)
    _x, _y, w, h = plan.box
    assert w == h and h < 4000
    assert 260 / h >= 0.25 - 1e-6
    assert any("closer" in n for n in plan.notes)


def test_too_wide_output_cuts_the_top_of_the_head_first_and_says_so() -> None:
    # A 4:1 output of a head that fills the photo's height: the chin stays, the hair goes.
    head = _head(400, 50, 500, 1100)
    plan = plan_crop(1200, 1200, head, 2048, 512)
    _x, y, _w, h = plan.box
    assert y + h >= head.y1 - 1
    assert any("cut the face" in n or "top of the head" in n for n in plan.notes)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(200, 8000),
    st.integers(200, 8000),
    st.floats(0.05, 0.9),
    st.floats(0.05, 0.9),
    st.floats(0.05, 0.6),
    st.integers(512, 2048),
    st.integers(512, 2048),
)
def test_crop_always_fits_and_has_the_aspect(
    width: int, height: int, fx: float, fy: float, fs: float, out_w: int, out_h: int
) -> None:
    side = fs * min(width, height)
    head = _head(fx * (width - side), fy * (height - side), side, side)
    plan = plan_crop(width, height, head, out_w, out_h)
    x, y, w, h = plan.box
    assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
    aspect = out_w / out_h
    assert abs(w / h - aspect) <= (1 + aspect) / min(w, h)
    t = 0.02 * side + 1  # slivers under 2 % of the head are not reported (its bounds are estimates)
    head_inside = head.y0 >= y - t and head.y1 <= y + h + t and head.x0 >= x - t and head.x1 <= x + w + t
    assert head_inside or plan.notes, "the head was cut without a note"


def test_crop_resize_and_point_mapping_agree() -> None:
    rgb = np.zeros((400, 600, 3), np.uint8)
    rgb[200, 300] = 255
    out = crop_resize(rgb, (100, 100, 300, 300), 600, 600)
    assert out.shape == (600, 600, 3)
    mapped = to_output(np.array([[300.0, 200.0]], np.float32), (100, 100, 300, 300), 600, 600)[0]
    peak = np.unravel_index(np.argmax(out[..., 0]), out.shape[:2])
    assert np.allclose(mapped, (peak[1], peak[0]), atol=1.0)


def test_a_big_shrink_is_close_to_the_area_filter() -> None:
    photo = photos.large_portrait()  # 3000 × 2000, a real face with grain
    # Measured: at most 1 / 8 / 8 grey levels, mean 0.11 / 0.21 / 0.25 (plain bilinear: 50 / 32 / 28).
    for factor, worst, mean in ((1.95, 2, 0.15), (1.6, 12, 0.3), (1.42, 12, 0.35)):
        w, h = round(3000 / factor), round(2000 / factor)
        fast = crop_resize(photo, (0, 0, 3000, 2000), w, h).astype(np.int16)
        exact = cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA).astype(np.int16)
        diff = np.abs(fast - exact)
        assert diff.max() <= worst and diff.mean() <= mean, (factor, diff.max(), diff.mean())
    # Below 1.4 (filters.LINEAR_HALVING) the area filter itself is used.
    near = crop_resize(photo, (0, 0, 3000, 2000), 2400, 1600)
    assert np.array_equal(near, cv2.resize(photo, (2400, 1600), interpolation=cv2.INTER_AREA))
