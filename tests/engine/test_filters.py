"""The engine's small filters against the OpenCV operations they stand in for."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from portrait_studio.engine.filters import masked_gauss, sobel2_at, wide_mean


@pytest.mark.parametrize("shape", [(5, 7), (64, 48)])
def test_sobel2_at_equals_opencvs_sobel_everywhere_borders_included(shape: tuple[int, int]) -> None:
    img = np.random.default_rng(1).normal(0, 20, shape).astype(np.float32)
    ys, xs = np.nonzero(np.ones(shape, bool))
    dxx, dyy, dxy = sobel2_at(img, ys, xs)
    for mine, (ox, oy) in ((dxx, (2, 0)), (dyy, (0, 2)), (dxy, (1, 1))):
        theirs = cv2.Sobel(img, cv2.CV_32F, ox, oy)[ys, xs]
        np.testing.assert_allclose(mine, theirs, atol=1e-3)


@pytest.mark.parametrize("sigma", [4.0, 27.0])
def test_wide_mean_is_masked_gauss_within_a_grey_level(sigma: float) -> None:
    rng = np.random.default_rng(2)
    # A smooth ramp with grain, under a mask with a hole and a hard edge (where a mean must not leak).
    ys, xs = np.mgrid[0:240, 0:200].astype(np.float32)
    img = np.dstack([xs * 0.5, ys * 0.3, 100 + 0 * xs]) + rng.normal(0, 5, (240, 200, 3)).astype(np.float32)
    mask = np.ones((240, 200), np.float32)
    mask[:, 150:] = 0
    mask[100:130, 40:80] = 0
    inside = mask > 0
    theirs = masked_gauss(img, mask, sigma)[inside]
    mine = wide_mean(img * mask[..., None], mask, sigma)[inside]
    assert np.abs(mine - theirs).mean() < 0.3
    assert np.abs(mine - theirs).max() < 1.5
