"""LocalEngine: what the gateway runs — JPEG in, retouched JPEG out, plain errors with task codes."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from portrait_studio.core import engine_notes
from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.engine import LocalEngine, NoFaceError, retouch
from tests import photos


def _jpeg(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def test_run_returns_a_jpeg_of_the_requested_size_with_rising_progress() -> None:
    seen: list[float] = []
    data = LocalEngine().run(_jpeg(photos.grace_hopper()), EditParams(width=768, height=1024), seen.append)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.size == (768, 1024)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_notes_travel_in_the_results_comment_segment() -> None:
    src = _jpeg(photos.astronaut())
    wide = LocalEngine().run(src, EditParams(width=2048, height=512, seed=7), lambda p: None)
    with Image.open(io.BytesIO(wide)) as img:
        notes = engine_notes.from_comment(img.info["comment"])
    assert notes is not None and len(notes) == 2
    assert "the crop had to cut the top of the head" in notes[0] and "the seed does not change" in notes[1]
    plain = LocalEngine().run(src, EditParams(width=512, height=512), lambda p: None)
    with Image.open(io.BytesIO(plain)) as img:
        assert "comment" not in img.info  # nothing to say: no segment


def test_run_is_deterministic_and_retouches() -> None:
    src = _jpeg(photos.astronaut())
    params = EditParams(gpen=0.4, skin=0.3, skin_unifi=0.3, width=512, height=512)
    a = LocalEngine().run(src, params, lambda p: None)
    b = LocalEngine().run(src, params, lambda p: None)
    assert a == b
    plain = LocalEngine().run(src, params.replace(gpen=0, skin=0, skin_unifi=0), lambda p: None)
    assert a != plain


@pytest.mark.parametrize("params", [EditParams(prompt="a concert photo"), EditParams(gen_mode="creative")])
def test_prompt_regeneration_is_refused_plainly_with_code(params: EditParams) -> None:
    with pytest.raises(PortraitStudioError) as info:
        LocalEngine().run(_jpeg(photos.astronaut()), params, lambda p: None)
    assert info.value.code == "003010002"
    assert "cloud" in info.value.message and "prompt" in info.value.message.lower()


@pytest.mark.parametrize("mode", ["reference", "reference_char"])
def test_reference_modes_retouch(mode: str) -> None:
    data = LocalEngine().run(
        _jpeg(photos.astronaut()), EditParams(gen_mode=mode, width=512, height=512), lambda p: None
    )
    assert data[:2] == b"\xff\xd8"


def test_no_face_is_a_clear_error() -> None:
    with pytest.raises(NoFaceError) as info:
        LocalEngine().run(_jpeg(photos.coffee()), EditParams(), lambda p: None)
    assert info.value.code == "003010002"
    assert "No face" in info.value.message and info.value.fix


def test_unreadable_bytes_fail_with_a_format_code() -> None:
    with pytest.raises(PortraitStudioError) as info:
        LocalEngine().run(b"not an image at all", EditParams(), lambda p: None)
    assert info.value.code == "003010003"


def test_two_faces_retouch_both_and_say_so() -> None:
    a, g = photos.astronaut(), photos.grace_hopper()[:512, :512]
    both = np.hstack([a, g])
    result = retouch(both, EditParams(width=1024, height=512))
    assert result.faces_retouched == 2
    assert any("2 faces found" in n for n in result.notes)


def test_input_array_is_never_modified() -> None:
    rgb = photos.astronaut()
    copy = rgb.copy()
    retouch(rgb, EditParams(gpen=1, skin=1, skin_unifi=1, width=512, height=512))
    assert np.array_equal(rgb, copy)


def test_two_tasks_at_once_give_the_same_bytes_as_one_by_one() -> None:
    # The gateway runs two workers: the engine must be safe to call from both at the same time.
    src = [_jpeg(photos.astronaut()), _jpeg(photos.grace_hopper())]
    params = EditParams(gpen=0.5, skin=0.5, skin_unifi=0.5, width=640, height=640)
    alone = [LocalEngine().run(s, params, lambda p: None) for s in src]
    engine = LocalEngine()
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda s: engine.run(s, params, lambda p: None), src))
    assert together == alone


def test_missing_face_models_fail_with_a_task_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from portrait_studio.core.errors import FaceModelError
    from portrait_studio.engine import detect

    def no_models(*args: object) -> None:
        raise FaceModelError("The face-mesh model file is missing.")

    monkeypatch.setattr(detect, "face_mesh", no_models)
    with pytest.raises(FaceModelError) as info:
        LocalEngine().run(_jpeg(photos.astronaut()), EditParams(), lambda p: None)
    assert info.value.code == "003010095"


def test_an_effect_at_zero_is_not_prepared_and_the_result_is_the_same() -> None:
    from portrait_studio.engine import detect
    from portrait_studio.engine.render import analyse, render

    rgb = photos.astronaut()
    mesh = detect.mesh(rgb, detect.find(rgb), 0)
    full, lean = analyse(rgb, mesh), analyse(rgb, mesh, only=(0.4, 0.3, 0.0))  # the default sliders
    assert full is not None and lean is not None
    assert lean.tone is None and lean.skin is not None and lean.detail is not None
    assert np.array_equal(render(rgb, [full], 0.4, 0.3, 0.0), render(rgb, [lean], 0.4, 0.3, 0.0))
