"""Full-resolution, colour-true results through the pipeline (issue 16): the real local engine behind the real
local gateway over HTTP acts as the model; the answer is merged onto the photographer's own file."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import Backend, EditResult, run_edit
from portrait_studio.core.colour import Space, quantise
from portrait_studio.core.deep_io import eight_bits, read_deep, write_tiff
from portrait_studio.core.journal import Journal
from portrait_studio.core.merge import NOT_SAME
from portrait_studio.core.params import EditParams
from portrait_studio.engine.local import LocalEngine
from portrait_studio.gateway import LocalGateway
from tests.conftest import cli_args
from tests.core import icc_profiles
from tests.photos import chelsea
from tests.photos import large_portrait as large_photo

PARAMS = EditParams(gpen=0.5, skin=0.8, skin_unifi=0.5, width=1024, height=1024, seed=3)


def adobe16(size: tuple[int, int]) -> tuple[np.ndarray, Space]:
    """The same scene shot into Adobe RGB at 16 bits (with low bits of its own)."""
    space = Space.of(icc_profiles.adobe_rgb())
    deep = space.from_srgb(large_photo(size).astype(np.float32) / 255)
    low = np.random.default_rng(7).normal(0, 60, deep.shape)
    return np.clip(np.rint(deep * 65535 + low), 0, 65535).astype(np.uint16), space


class Unrelated:
    """A "model" that answers another picture (as a creative mode or a regenerated scene would)."""

    name = "unrelated"

    def run(self, image_bytes: bytes, params: EditParams, progress) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(chelsea()).resize((params.width, params.height)).save(buf, "JPEG", quality=92)
        return buf.getvalue()


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Backend]:
    """The real local engine behind the real local gateway, over HTTP."""
    with (
        LocalGateway(LocalEngine(), cache_dir=tmp_path / "gw") as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        yield Backend(client, "local")


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as j:
        yield j


def sidecar(result: EditResult) -> dict:
    return json.loads(result.sidecar_path.read_text())


def onto_answer(srgb: np.ndarray, fit: list[list[float]], size: tuple[int, int]) -> np.ndarray:
    """Full-size sRGB pixels seen in the model's frame (the fit: a scale + shift; its footprint, resized)."""
    (sx, _, tx), (_, sy, ty) = fit
    x0, y0 = round(tx - 0.5 * sx + 0.5), round(ty - 0.5 * sy + 0.5)
    x1, y1 = round(x0 + sx * size[0]), round(y0 + sy * size[1])
    return cv2.resize(srgb[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)


def check_full_resolution(tmp_path: Path, local: Backend, journal: Journal, size: tuple[int, int]) -> None:
    original, space = adobe16(size)
    src = write_tiff(tmp_path / "portrait.tif", original, space.icc)
    full = run_edit(local, src, PARAMS, journal=journal)
    assert full.output_path == tmp_path / "portrait.retouched.tif"
    got = read_deep(full.output_path)
    assert got.pixels.shape == original.shape and got.pixels.dtype == np.uint16  # 6000×4000, 16-bit
    assert got.icc_profile == space.icc  # Adobe RGB tagged: the very profile bytes
    side = sidecar(full)
    assert side["result_size"] == "original" and side["size"] == [size[0], size[1]] and side["bits"] == 16
    assert side["colour_space"] == space.name and side["untagged"] is False
    x, y, w, h = side["merge"]["box"]
    outside = np.ones(original.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    assert np.array_equal(got.pixels[outside], original[outside])  # bit-exact outside the face
    assert not np.array_equal(got.pixels, original)  # and the face was retouched

    model = run_edit(local, src, PARAMS, journal=journal, size="model")  # another request: not reused
    # portrait.retouched.json is the TIFF's sidecar: the model-size result takes the next name, -2.
    assert not model.reused and model.output_path == tmp_path / "portrait.retouched-2.jpg"
    answer = np.asarray(Image.open(model.output_path).convert("RGB"))
    assert answer.shape == (1024, 1024, 3) and sidecar(model)["result_size"] == "model"
    # Inside, the full-size result seen in the model's frame is the model's answer.
    seen = onto_answer(quantise(space.to_srgb(got.pixels), np.uint8), side["merge"]["matrix"], (1024, 1024))
    fit = np.array(side["merge"]["matrix"])
    corners = np.array([[x, y], [x + w, y + h]], float)
    (ax0, ay0), (ax1, ay1) = ((corners - fit[:, 2]) / np.diag(fit[:, :2])).clip(0, 1024).astype(int)
    face = (slice(ay0, ay1), slice(ax0, ax1))
    assert structural_similarity(seen[face], answer[face], channel_axis=2, data_range=255) >= 0.97
    # The upload was converted from Adobe RGB: the answer's background has the original's sRGB colours
    # (sent unconverted, as before, its Adobe RGB numbers would be read as sRGB: several levels off there).
    srgb = onto_answer(quantise(space.to_srgb(original), np.uint8), side["merge"]["matrix"], (1024, 1024))
    corner = (slice(0, 150), slice(0, 150))
    assert np.abs(srgb[corner].mean((0, 1)) - answer[corner].astype(float).mean((0, 1))).max() < 2.0
    raw = onto_answer(eight_bits(original), side["merge"]["matrix"], (1024, 1024))  # what was sent before
    assert np.abs(raw[corner].mean((0, 1)) - answer[corner].astype(float).mean((0, 1))).max() > 3.0


def test_a_16_bit_adobe_rgb_tiff_comes_back_at_its_size_depth_and_profile(tmp_path, local, journal):
    check_full_resolution(tmp_path, local, journal, (3000, 2000))


@pytest.mark.slow
def test_a_24_megapixel_16_bit_adobe_rgb_tiff(tmp_path, local, journal):
    check_full_resolution(tmp_path, local, journal, (6000, 4000))


def test_a_jpeg_original_gives_a_full_size_jpeg_at_its_quality(tmp_path, local, journal):
    src = tmp_path / "shoot.jpg"
    exif = Image.Exif()
    exif[0x010F] = "Portrait Camera Co"  # Make
    Image.fromarray(large_photo((4000, 3000))).save(src, "JPEG", quality=88, exif=exif.tobytes())
    result = run_edit(local, src, PARAMS, journal=journal)
    assert result.output_path == tmp_path / "shoot.retouched.jpg"
    with Image.open(result.output_path) as im:
        assert im.size == (4000, 3000) and im.format == "JPEG"
        assert im.getexif().get(0x010F) == "Portrait Camera Co"  # the original's EXIF is carried
    side = sidecar(result)
    assert side["result_size"] == "original" and side["jpeg_quality"] == 88  # matched to the original's
    assert side["untagged"] is True and "sRGB" in side["colour_note"]  # untagged is sRGB, and it says so
    again = run_edit(local, src, PARAMS, journal=journal)  # the same size choice: reused, nothing run
    assert again.reused and again.output_path == result.output_path


def test_an_unrelated_answer_is_kept_at_the_models_size_with_the_reason(tmp_path, journal):
    src = tmp_path / "portrait.png"
    Image.fromarray(large_photo((3000, 2000))).save(src)
    with (
        LocalGateway(Unrelated(), cache_dir=tmp_path / "gw") as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        result = run_edit(Backend(client, "local"), src, PARAMS, journal=journal)
    assert result.output_path == tmp_path / "portrait.retouched.jpg"  # the model's image, not a ghost
    with Image.open(result.output_path) as im:
        assert im.size == (1024, 1024)
    assert any(NOT_SAME in note for note in result.notes)
    side = sidecar(result)
    assert side["result_size"] == "model" and NOT_SAME in side["merge_refused"]
    assert any(NOT_SAME in note for note in side["notes"])


def test_cli_size_model_gives_the_models_image(tmp_path):
    src = tmp_path / "portrait.png"
    Image.fromarray(large_photo((1800, 1200))).save(src)
    size = ("--width", "512", "--height", "512")
    args = cli_args("retouch", str(src), *size, "--size", "model", "--backend", "local", "--json")
    out = subprocess.run(args, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout.splitlines()[-1])
    assert line["output"] == str(tmp_path / "portrait.retouched.jpg")
    with Image.open(line["output"]) as im:
        assert im.size == (512, 512)
    full = subprocess.run(
        cli_args("retouch", str(src), *size, "--backend", "local", "--json"),
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert full.returncode == 0, full.stderr
    merged = json.loads(full.stdout.splitlines()[-1])
    # A new request (the size is in its key); its name skips the one whose sidecar the JPEG's holds.
    assert merged["output"] == str(tmp_path / "portrait.retouched-2.png") and not merged["reused"]
    with Image.open(merged["output"]) as im:
        assert im.size == (1800, 1200)


def test_by_default_the_model_sees_the_whole_photo_at_its_aspect(tmp_path, local, journal):
    src = tmp_path / "portrait.jpg"
    Image.fromarray(large_photo((3000, 2000))).save(src, "JPEG", quality=90)
    result = run_edit(local, src, EditParams(gpen=0.5, skin=0.8), journal=journal, size="model")
    with Image.open(result.output_path) as im:
        assert im.size == (2048, 1365)  # 3:2 at the model's largest, not the seed's 1328² crop of the head
    assert (result.params.width, result.params.height) == (2048, 1365)  # pinned: what was sent
    assert sidecar(result)["params"]["width"] == 2048
    full = run_edit(local, src, EditParams(gpen=0.5, skin=0.8), journal=journal)
    x, y, w, h = sidecar(full)["merge"]["frame"]  # where the model's frame lies in the original
    # The photo's own aspect, and nearly all of it (the local engine zooms in a little when the head is
    # small in the frame, and says so).
    assert abs(w / h - 1.5) < 0.01 and w >= 0.9 * 3000, (x, y, w, h)
    square = run_edit(local, src, EditParams(gpen=0.5, skin=0.8, width=1328, height=1328), journal=journal)
    x, y, w, h = sidecar(square)["merge"]["frame"]  # the square preset: a part of the photo
    assert w < 2100 and abs(w - h) <= 3 and not square.reused


@pytest.mark.parametrize("kind", ["tiff16", "jpeg"])
def test_the_full_resolution_path_decodes_the_original_once(tmp_path, local, journal, monkeypatch, kind):
    import portrait_studio.core.deep_io as deep_io
    import portrait_studio.core.preflight as preflight

    decodes: list[str] = []
    read_deep, load_bytes = deep_io.read_deep, preflight.load_image_bytes
    monkeypatch.setattr(deep_io, "read_deep", lambda p: decodes.append("deep") or read_deep(p))
    monkeypatch.setattr(
        preflight, "load_image_bytes", lambda *a, **k: decodes.append("8-bit") or load_bytes(*a, **k)
    )
    if kind == "tiff16":
        original, space = adobe16((3000, 2000))
        src = write_tiff(tmp_path / "portrait.tif", original, space.icc)
    else:  # above 4096 px: re-encoded for the upload, so decoded in full for it
        src = tmp_path / "portrait.jpg"
        Image.fromarray(large_photo((4800, 3200))).save(src, "JPEG", quality=90)
    result = run_edit(local, src, PARAMS, journal=journal)
    assert sidecar(result)["result_size"] == "original"
    assert decodes == (["deep"] if kind == "tiff16" else ["8-bit"])  # upload and merge share the one decode


def test_a_photo_no_larger_than_the_answer_is_one_request_whatever_the_result_size(tmp_path, journal):
    """Nothing to merge onto: "original" and "model" give the same result, so they are one request (the
    window says "Model output" for such a photo, a CLI run says "original" by default: one payment)."""
    photo = tmp_path / "small.jpg"
    Image.fromarray(large_photo((512, 512))).save(photo, quality=90)
    params = EditParams(gpen=0.3, width=512, height=512)
    with (
        LocalGateway(LocalEngine(), cache_dir=tmp_path / "gw") as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        first = run_edit(Backend(client, "local"), photo, params, journal=journal, size="original")
        again = run_edit(Backend(client, "local"), photo, params, journal=journal, size="model")
        assert gateway.stats.creates == 1
    assert again.reused and again.output_path == first.output_path
    # A larger photo is still two requests: the full-size result is another file.
    big = tmp_path / "big.jpg"
    Image.fromarray(large_photo((1200, 900))).save(big, quality=90)
    with (
        LocalGateway(LocalEngine(), cache_dir=tmp_path / "gw2") as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        run_edit(Backend(client, "local"), big, params, journal=journal, size="original")
        run_edit(Backend(client, "local"), big, params, journal=journal, size="model")
        assert gateway.stats.creates == 2
