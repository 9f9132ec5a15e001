"""Issue 16 (the window) and issue 18 item 5: the Result size choice, a full-resolution 16-bit Adobe RGB
result compared and saved at its own depth and profile, 1:1 showing real pixels on both sides, and a refused
merge said in plain words. The real window, the real local gateway over HTTP, a real portrait."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage

from portrait_studio.core.colour import Space, quantise
from portrait_studio.core.deep_io import eight_bits, read_deep, write_tiff
from portrait_studio.core.params import EditParams
from portrait_studio.ui.jobs.imaging import decode_screen, from_qimage
from portrait_studio.ui.panels.compare_view import SIDE
from tests.core import icc_profiles
from tests.photos import chelsea, large_portrait
from tests.ui.test_edit_layout import visible_in
from tests.ui.windows import make_window

SIZE = (4500, 3000)  # 13.5 MP: large enough for a working copy and 1:1 detail, quick enough for a window test
PARAMS = EditParams(gpen=0.5, skin=0.8, skin_unifi=0.5, width=1536, height=1024, seed=3)
SHOTS = Path(os.environ.get("PORTRAIT_STUDIO_SHOTS", "")) if os.environ.get("PORTRAIT_STUDIO_SHOTS") else None


def shot(widget: Any, name: str) -> QImage:
    """The widget as painted (offscreen); kept as a PNG when PORTRAIT_STUDIO_SHOTS names a folder."""
    image = widget.grab().toImage()
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        image.save(str(SHOTS / f"{name}.png"))
    return image


@pytest.fixture
def adobe_tiff(tmp_path: Path) -> tuple[Path, np.ndarray, Space]:
    """A real portrait shot into Adobe RGB at 16 bits (with low bits of its own), as a TIFF."""
    space = Space.of(icc_profiles.adobe_rgb())
    deep = space.from_srgb(large_portrait(SIZE).astype(np.float32) / 255)
    low = np.random.default_rng(7).normal(0, 60, deep.shape)
    pixels = np.clip(np.rint(deep * 65535 + low), 0, 65535).astype(np.uint16)
    return write_tiff(tmp_path / "in" / "portrait.tif", pixels, space.icc), pixels, space


def open_photo(qtbot: Any, w: Any, path: Path) -> None:
    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        w.open_paths([path])
    w.set_params(PARAMS)


def run(qtbot: Any, w: Any) -> None:
    with qtbot.waitSignal(w.run_finished, timeout=180_000):
        assert w.run_current()
    qtbot.waitUntil(lambda: w.compare.after is not None and w.session.current.screen.result is not None)


def block(image: QImage, at: QPoint, size: int = 64) -> np.ndarray:
    return from_qimage(image.copy(QRect(at.x(), at.y(), size, size)))


def shows_exactly(image: QImage, at: QPoint, want: np.ndarray) -> QPoint | None:
    """Where, within a pixel of `at` (the view snaps images to whole pixels), the grab shows `want`."""
    for dy in (0, -1, 1):
        for dx in (0, -1, 1):
            here = at + QPoint(dx, dy)
            if np.array_equal(block(image, here, want.shape[1]), want):
                return here
    return None


def widget_point(w: Any, x: float, y: float, right: bool = False) -> QPoint:
    """Where pixel (x, y) of the original lands in the compare view (rounded as the view snaps images)."""
    k = w.compare.before_one_to_one
    p = w.compare.image_to_widget(x / k, y / k, right)
    return QPoint(round(p.x()), round(p.y()))


def test_a_16_bit_adobe_rgb_tiff_is_compared_at_1_to_1_and_saved_at_its_depth(qtbot, ui_backend, adobe_tiff):
    src, original, space = adobe_tiff
    w = make_window(qtbot, ui_backend)
    w.resize(1280, 720)
    open_photo(qtbot, w, src)
    choice = w.controls.result_size
    # The choice is visible at 1280×720 and says the original's own size; it is the default (larger than
    # the model's output).
    assert (w.width(), w.height()) == (1280, 720) and visible_in(w, choice)
    assert choice.current() == "original" and choice.currentText() == "Original (4500 × 3000)"
    assert choice.itemText(1) == "Model output (1536 × 1024)"
    shot(w, "window-1280x720-before-run")

    run(qtbot, w)
    photo, view = w.session.current, w.compare
    shown = photo.screen.result
    assert (
        photo.result_path.suffix == ".tif" and shown.full_size and shown.pixels == SIZE and shown.bits == 16
    )
    assert choice.note.startswith("This result: 4500 × 3000, 16-bit TIFF") and choice.note in choice.toolTip()
    assert view.after_label == "Result · local engine · 4500 × 3000, 16-bit"
    run_side = json.loads(photo.result_path.with_suffix(".json").read_text())
    assert run_side["result_size"] == "original" and run_side["bits"] == 16

    # On screen, both sides are the file's colours converted to sRGB (not Adobe RGB numbers shown as sRGB).
    srgb = quantise(space.to_srgb(original[:200, :200]), np.uint8).astype(float).mean((0, 1))
    raw = eight_bits(original[:200, :200]).astype(float).mean((0, 1))
    k = view.before_one_to_one
    for image in (view.before, view.after):
        corner = from_qimage(image)[: int(200 / k), : int(200 / k)].astype(float).mean((0, 1))
        assert np.abs(corner - srgb).max() < 2.0 and np.abs(corner - raw).max() > 3.0
    view.set_mode(SIDE)
    qtbot.wait(200)
    shot(view, "full-size-side-fit")

    # 1:1 is the result's own pixels, which are the original's frame: both sides real pixels, aligned.
    assert view.after_pixels == SIZE[0] and view.one_to_one == pytest.approx(k)
    x, y, bw, bh = run_side["merge"]["box"]  # the retouched face region: its middle (cheeks, nose)
    cx, cy = x + bw // 2 - 32, y + bh // 2 - 32
    view.zoom_to(view.one_to_one, view.image_to_widget(cx / k, cy / k))  # (the face stays where it was)
    qtbot.waitUntil(lambda: view.has_detail() and view.has_after_detail(), timeout=60_000)
    qtbot.wait(100)
    assert w.zoom_label.text() == "100 %"
    grab = shot(view, "full-size-side-1to1")
    result = read_deep(photo.result_path).pixels
    left, right = widget_point(w, cx, cy), widget_point(w, cx, cy, right=True)
    # (The files' pixels, at the 8 bits a screen shows, converted from Adobe RGB to sRGB.)
    want_before = quantise(space.to_srgb(eight_bits(original[cy : cy + 64, cx : cx + 64])), np.uint8)
    want_after = quantise(space.to_srgb(eight_bits(result[cy : cy + 64, cx : cx + 64])), np.uint8)
    assert not np.array_equal(want_before, want_after)  # (the face was retouched there)
    # One screen pixel = one pixel of the file, on both sides, at the same place of each pane.
    seen_before, seen_after = shows_exactly(grab, left, want_before), shows_exactly(grab, right, want_after)
    assert seen_before is not None and seen_after is not None
    assert abs(seen_after.x() - seen_before.x() - view.width() / 2) <= 1 and seen_after.y() == seen_before.y()
    if SHOTS is not None:  # 100 % crops: face before and after, side by side (each inside its own pane)
        half = view.width() // 2
        x0 = max(0, min(seen_before.x() - 96, half - 256))
        y0 = max(0, min(seen_before.y() - 96, view.height() - 256))
        crops = [block(grab, QPoint(x0 + dx, y0), 256) for dx in (0, seen_after.x() - seen_before.x())]
        crop = np.concatenate(crops, axis=1)
        Image.fromarray(crop).save(SHOTS / "full-size-crop-face-100.png")
        # The merged region's edges (where a seam would be), before | after at 100 %, from the same pixels.
        for name, (ex, ey) in {
            "left": (x, y + bh // 2),
            "top": (x + bw // 2, y),
            "bottom": (x + bw // 2, y + bh),
        }.items():
            ys, xs = slice(max(0, ey - 128), ey + 128), slice(max(0, ex - 128), ex + 128)
            pair = [quantise(space.to_srgb(a[ys, xs]), np.uint8) for a in (original, result)]
            Image.fromarray(np.concatenate(pair, axis=1)).save(SHOTS / f"full-size-crop-edge-{name}-100.png")

    # Save writes the full-resolution result as it is: a 16-bit Adobe RGB TIFF, read back with tifffile.
    with qtbot.waitSignal(w.saved, timeout=60_000) as saved:
        w.quick_save()
    out = saved.args[0]
    assert out.name == "portrait.retouched.tif"  # (NAME.retouched.EXT everywhere: issue 18 item 9)
    with tifffile.TiffFile(out) as tif:
        page = tif.pages[0]
        assert page.dtype == np.uint16 and page.shape == (SIZE[1], SIZE[0], 3)
        assert bytes(page.tags[34675].value) == space.icc
        assert np.array_equal(page.asarray(), result)
    side = json.loads(out.with_suffix(".json").read_text())  # (NAME.retouched.json)
    assert side["result_size"] == "original" and side["bits"] == 16 and side["size"] == list(SIZE)

    # Save as another format keeps what that format can hold: 16-bit PNG; JPEG at 8 bits; the profile stays.
    png = out.with_name("portrait-final.png")
    with qtbot.waitSignal(w.saved, timeout=60_000):
        assert w.save_as(png)
    back = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16 and np.array_equal(cv2.cvtColor(back, cv2.COLOR_BGR2RGB), result)
    with Image.open(png) as im:
        assert im.info.get("icc_profile") == space.icc
    jpg = out.with_name("portrait-final.jpg")
    with qtbot.waitSignal(w.saved, timeout=60_000):
        assert w.save_as(jpg)
    with Image.open(jpg) as im:
        assert im.size == SIZE and im.mode == "RGB" and im.info.get("icc_profile") == space.icc


def test_a_model_size_result_shows_its_own_pixels_at_1_to_1(qtbot, ui_backend, adobe_tiff):
    src, _original, _space = adobe_tiff
    w = make_window(qtbot, ui_backend)
    open_photo(qtbot, w, src)
    w.controls.result_size.choose("model")
    run(qtbot, w)
    photo, view = w.session.current, w.compare
    assert photo.result_path.suffix == ".jpg" and photo.screen.result.pixels == (1536, 1024)
    assert json.loads(photo.result_path.with_suffix(".json").read_text())["result_size"] == "model"
    assert w.controls.result_size.note == "This result is the model's image (1536 × 1024)."
    assert view.after_label.endswith(" · model's 1536 × 1024")
    # 1:1 is one screen pixel per pixel of the result (not 100 % of the 4500 px original).
    assert view.after_pixels == 1536 and view.one_to_one == pytest.approx(1536 / view.before.width())
    view.set_mode(SIDE)
    w.window_actions.zoom100_action.trigger()  # Ctrl+1
    qtbot.wait(200)
    assert view.scale == pytest.approx(view.one_to_one)
    assert w.zoom_label.text() == "100 % · original 34 %"
    grab = shot(view, "model-size-side-1to1")
    answer, _ = decode_screen(photo.result_path, 4096)  # the result's own pixels, as sRGB for the screen
    assert answer.shape[:2] == (1024, 1536)
    at = view.image_to_widget(700 * view.before.width() / 1536, 300 * view.before.width() / 1536, right=True)
    assert shows_exactly(grab, QPoint(round(at.x()), round(at.y())), answer[300:364, 700:764]) is not None
    with qtbot.waitSignal(w.saved, timeout=60_000) as saved:
        w.quick_save()
    with Image.open(saved.args[0]) as im:
        assert saved.args[0].suffix == ".jpg" and im.size == (1536, 1024)


class Unrelated:
    """A "model" that answers another picture (as a creative mode or a regenerated scene would)."""

    name = "unrelated"

    def run(self, image_bytes: bytes, params: EditParams, progress: Any) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(chelsea()).resize((params.width, params.height)).save(buf, "JPEG", quality=92)
        return buf.getvalue()


@pytest.fixture
def unrelated_backend(tmp_path: Path) -> Iterator[Any]:
    from portrait_studio.api.backend import BackendSession
    from portrait_studio.api.client import Client
    from portrait_studio.gateway import LocalGateway

    gateway = LocalGateway(Unrelated(), cache_dir=tmp_path / "gateway").start()
    session = BackendSession(Client(gateway.base_url, gateway.token), "local", gateway, "unrelated")
    yield session
    session.close()


def test_a_refused_merge_says_why_in_plain_words(qtbot, unrelated_backend, tmp_path):
    src = tmp_path / "in" / "portrait.jpg"
    src.parent.mkdir()
    Image.fromarray(large_portrait((3000, 2000))).save(src, quality=92)
    w = make_window(qtbot, unrelated_backend)
    w.resize(1280, 720)
    open_photo(qtbot, w, src)
    assert w.controls.result_size.current() == "original"
    run(qtbot, w)
    photo = w.session.current
    assert photo.screen.result.pixels == (1536, 1024) and photo.screen.result.refused
    assert w.controls.result_size.note.startswith(
        "This result is the model's image (1536 × 1024), not merged onto the original: The model's answer is "
        "not the same photo (creative mode / regenerated background)"
    )
    assert w.compare.after_label.endswith(" · model's 1536 × 1024, not merged")
    # The run panel says why, in the pipeline's words (once: no doubled full stop).
    status = w.run_panel.status.text()
    assert (
        "Note: The model's answer is not the same photo (creative mode / regenerated background), so it is "
        "kept as the result at its own size: the two images have too little in common" in status
    )
    assert status.endswith("aligned.") and ".." not in status
    shot(w, "window-1280x720-merge-refused")


def test_the_windows_batch_follows_the_result_size_choice(qtbot, ui_backend, tmp_path):
    from portrait_studio.ui.panels.result_size import model_size

    photos = []
    for name, seed in (("a", 1), ("b", 2)):
        photos.append(tmp_path / "in" / f"{name}.jpg")
        photos[-1].parent.mkdir(exist_ok=True)
        Image.fromarray(large_portrait((3000, 2000), seed=seed)).save(photos[-1], quality=92)
    w = make_window(qtbot, ui_backend)
    w.open_paths(photos)
    qtbot.waitUntil(lambda: w.batch_flow is not None, timeout=60_000)
    qtbot.waitUntil(lambda: all(p.report is not None for p in w.session.photos), timeout=60_000)
    out = tmp_path / "out"
    (first,) = w.batch_flow.retouch([0], out_dir=out)  # the default: the original's own size
    qtbot.waitUntil(lambda: w.batch_queue.get(first.id).status == "done", timeout=180_000)
    w.controls.result_size.choose("model")  # from now on every photo gets the model's image
    (second,) = w.batch_flow.retouch([1], out_dir=out)
    qtbot.waitUntil(lambda: w.batch_queue.get(second.id).status == "done", timeout=180_000)
    done = [w.batch_queue.get(item.id).result for item in (first, second)]
    with Image.open(done[0].output_path) as im:
        assert im.size == (3000, 2000)  # merged onto the original at its size
    with Image.open(done[1].output_path) as im:
        assert im.size == model_size(w.session.photos[1]) != (3000, 2000)  # the model's image
    sides = [json.loads(r.sidecar_path.read_text())["result_size"] for r in done]
    assert sides == ["original", "model"]


def test_1_to_1_of_a_result_larger_than_a_small_photo_is_the_results_pixels(qtbot, ui_backend, portrait_file):
    # Issue 18 item 5: a 1328 px result of a 512 px photo was shown scaled down at "100 %".
    from portrait_studio.ui.panels.result_size import model_size

    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        w.open_paths([portrait_file])
    choice, view = w.controls.result_size, w.compare
    m = model_size(w.session.current)[0]  # the model's largest square (the request follows the photo)
    assert m > 512 and choice.current() == "model" and choice.currentText() == f"Model output ({m} × {m})"
    run(qtbot, w)
    photo = w.session.current
    assert photo.source_size == (512, 512) and photo.screen.result.pixels == (m, m)
    w.window_actions.zoom100_action.trigger()
    qtbot.wait(100)
    assert view.scale == pytest.approx(m / 512)
    assert w.zoom_label.text() == f"100 % · original {100 * m / 512:.0f} %"
    grab = shot(view, "small-photo-result-1to1")
    answer, _ = decode_screen(photo.result_path, 4096)
    k = m / 512  # result pixels per before (working copy) pixel
    x, y = m // 2 + 96, m // 2 - 200  # right of the split's divider (the middle): the after side
    p = view.image_to_widget(x / k, y / k)
    assert view.width() / 2 + 8 < p.x() < view.width() - 80
    assert shows_exactly(grab, QPoint(round(p.x()), round(p.y())), answer[y : y + 64, x : x + 64]) is not None


def test_a_preset_applied_brings_its_result_size(qtbot, ui_backend, portrait_file):
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.presets_panel is not None, timeout=30_000)
    store = w.presets_panel.store
    store.save("For the web", EditParams(gpen=0.2), "", "model")
    builtin = next(p for p in store.list() if p.builtin)
    assert builtin.result_size == "original"
    choice = w.controls.result_size
    choice.choose("original")
    assert w.presets_panel.apply("For the web") is not None
    assert choice.current() == "model" and choice.chosen == "model"
    assert w.presets_panel.apply(builtin.name) is not None
    assert choice.current() == "original"
    choice.choose("model")
    saved = w.presets_panel.save_current_as("Small")
    assert saved is not None and saved.result_size == "model"


def test_the_size_boxes_show_the_size_a_photo_is_sent_at_when_it_follows_the_photo(
    qtbot, ui_backend, adobe_tiff
):
    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        w.open_paths([adobe_tiff[0]])
    follows = EditParams(gpen=0.5)  # no size: the photo's own aspect at the largest the model allows
    w.set_params(follows)
    boxes = w.controls.width_box, w.controls.height_box
    assert [b.value() for b in boxes] == [2048, 1365] and not any(b.isEnabled() for b in boxes)
    assert w.controls.params().follows_photo  # shown only: the request still follows the photo
    w.set_params(PARAMS)  # a fixed size shows itself, editable
    assert [b.value() for b in boxes] == [1536, 1024] and all(b.isEnabled() for b in boxes)
    w.set_params(follows)
    assert [b.value() for b in boxes] == [2048, 1365]
