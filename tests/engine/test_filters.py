"""The engine's small filters against the OpenCV operations they stand in for."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from portrait_studio.engine.filters import sobel2_at


@pytest.mark.parametrize("shape", [(5, 7), (64, 48)])
def test_sobel2_at_equals_opencvs_sobel_everywhere_borders_included(shape: tuple[int, int]) -> None:
    img = np.random.default_rng(1).normal(0, 20, shape).astype(np.float32)
    ys, xs = np.nonzero(np.ones(shape, bool))
    dxx, dyy, dxy = sobel2_at(img, ys, xs)
    for mine, (ox, oy) in ((dxx, (2, 0)), (dyy, (0, 2)), (dxy, (1, 1))):
        theirs = cv2.Sobel(img, cv2.CV_32F, ox, oy)[ys, xs]
        np.testing.assert_allclose(mine, theirs, atol=1e-3)
