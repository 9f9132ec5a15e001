"""PreviewRenderer: analyse once, render per slider change — same look as retouch(), input untouched."""

from __future__ import annotations

import threading

import numpy as np

from portrait_studio.core.params import EditParams
from portrait_studio.engine import PreviewRenderer, retouch
from tests import photos


def test_zero_renders_the_photo_and_effects_change_only_the_face() -> None:
    rgb = photos.astronaut()
    renderer = PreviewRenderer(rgb)
    assert renderer.face_count == 1
    assert np.array_equal(renderer.render(EditParams(gpen=0, skin=0, skin_unifi=0)), rgb)
    out = renderer.render(EditParams(gpen=0.4, skin=0.3, skin_unifi=0.3))
    assert out.shape == rgb.shape and not np.array_equal(out, rgb)
    assert np.array_equal(out[:, :100], rgb[:, :100])  # the background at the left edge is untouched
    assert np.array_equal(rgb, photos.astronaut())


def test_preview_matches_the_full_retouch_when_no_crop_is_needed() -> None:
    rgb = photos.astronaut()  # 512², whole frame kept at a 512² output
    params = EditParams(gpen=0.6, skin=0.5, skin_unifi=0.4, width=512, height=512)
    full = retouch(rgb, params)
    assert full.crop_box == (0, 0, 512, 512)
    preview = PreviewRenderer(rgb).render(params)
    assert np.abs(preview.astype(int) - full.image.astype(int)).max() <= 1


def test_no_face_renders_unchanged() -> None:
    rgb = photos.coffee()
    renderer = PreviewRenderer(rgb)
    assert renderer.face_count == 0
    assert np.array_equal(renderer.render(EditParams(skin=1)), rgb)


def test_deterministic_from_a_worker_thread() -> None:
    renderer = PreviewRenderer(photos.grace_hopper())
    params = EditParams(gpen=0.7, skin=0.2, skin_unifi=0.5)
    here = renderer.render(params)
    there: list[np.ndarray] = []
    worker = threading.Thread(target=lambda: there.append(renderer.render(params)))
    worker.start()
    worker.join(timeout=30)
    assert there and np.array_equal(here, there[0])
