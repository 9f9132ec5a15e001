"""The window on a group photo: "Retouch each face (N tasks, estimate $x)", face-box toggles by click and
by key, and a Run that sends one task per chosen face (real window, real local gateway and engine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from portrait_studio.ui.model.session import EDITED
from tests import photos
from tests.group_photos import tight_group
from tests.ui.test_main_window_cases import open_and_wait, three_faces
from tests.ui.windows import make_window

SHOTS = Path("/tmp/h17-shots")


def _shot(w, name: str) -> None:
    if SHOTS.is_dir():  # looked at by hand while building; nothing is written otherwise
        w.grab().save(str(SHOTS / name))


def test_group_photo_offers_each_face_toggles_and_runs_one_task_per_chosen_face(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    w.resize(1400, 900)
    strip = np.asarray(Image.open(three_faces(tmp_path)).convert("RGB"))
    open_and_wait(qtbot, w, [photos.save(strip, tmp_path / "three.png")])  # PNG: outside is bit-exact
    flow = w.faces_flow
    qtbot.waitUntil(lambda: flow.current() is not None and flow.current().ready, timeout=60_000)
    assert flow.bar.isVisible()
    assert flow.bar.label.text() == "Retouch each face (3 tasks, estimate $0 — local engine)"
    assert not w.run_current()  # not turned on yet: the photo still needs one face (nothing sent)
    assert ui_backend.gateway.stats.creates == 0

    assert w.banner.level == "error"  # three faces: the model alone would refuse the photo
    size = w.controls.result_size
    size.choose("model")  # (the photo is no larger than the model's output: a choice of the user's)
    assert size.isEnabled() and size.size_for(w.session.current) == "model"
    flow.bar.button.click()  # "Retouch each face"
    choice = flow.current()
    assert choice.on and choice.chosen == {1, 2, 3}
    # Face by face, the result is the original's size whatever was chosen: the choice shows it, fixed.
    assert size.current() == "original" and not size.isEnabled() and "face by face" in size.toolTip()
    assert size.size_for(w.session.current) == "original"
    assert w.banner.level == "ok" and "3 faces found — each retouched on its own" in w.banner.text()
    w.compare.zoom_fit()
    qtbot.wait(50)
    _shot(w, "faces-on.png")
    face2 = next(f for f in choice.faces if f.number == 2)
    centre = flow.toggles.box_rect(face2.box).center().toPoint()
    qtbot.mouseClick(w.compare, Qt.MouseButton.LeftButton, pos=centre)  # a click on face 2 turns it off
    assert choice.chosen == {1, 3}
    assert flow.bar.label.text().startswith("Retouch each face (2 tasks")
    w.compare.setFocus()
    qtbot.keyClick(w.compare, Qt.Key.Key_3)  # key 3: face 3 off
    assert choice.chosen == {1}
    qtbot.keyClick(w.compare, Qt.Key.Key_A)  # A: every face
    assert choice.chosen == {1, 2, 3}
    qtbot.keyClick(w.compare, Qt.Key.Key_2)
    _shot(w, "faces-toggled.png")

    with qtbot.waitSignal(w.run_finished, timeout=180_000):
        assert w.run_current()
    assert ui_backend.gateway.stats.creates == 2  # faces 1 and 3
    photo = w.session.current
    assert photo.status == EDITED
    with Image.open(photo.result_path) as im:
        result = np.asarray(im.convert("RGB")).astype(int)
    with Image.open(photo.path) as im:
        original = np.asarray(im.convert("RGB")).astype(int)
    assert result.shape == original.shape  # merged into the full photo
    import json

    boxes = {
        f["number"]: f["box"] for f in json.loads(photo.result_path.with_suffix(".json").read_text())["faces"]
    }
    assert sorted(boxes) == [1, 3]  # the sidecar lists the faces sent
    x, y, fw, fh = boxes[1]
    assert np.abs(result[y : y + fh, x : x + fw] - original[y : y + fh, x : x + fw]).mean() > 0.5  # retouched
    third = original.shape[1] // 3
    assert (result[:, third + 40 : 2 * third - 40] == original[:, third + 40 : 2 * third - 40]).all()  # 2 not
    _shot(w, "faces-result.png")
    flow.bar.button.click()  # back to one face: the user's own pick of Result size again
    assert size.isEnabled() and size.current() == "model" and "face by face" not in size.toolTip()


def test_a_face_that_cannot_be_sent_alone_is_marked_and_cannot_be_turned_on(qtbot, tmp_path, ui_backend):
    pair, _ = tight_group(2, gap=0.7)
    w = make_window(qtbot, ui_backend)
    open_and_wait(qtbot, w, [photos.save(pair, tmp_path / "pressed.png")])
    flow = w.faces_flow
    qtbot.waitUntil(lambda: flow.current() is not None and flow.current().ready, timeout=60_000)
    choice = flow.current()
    [refused] = [f for f in choice.faces if f.refused]
    assert refused.number == 1 and "face 1" in flow.bar.toolTip()
    flow.set_on(True)
    assert choice.chosen == {2} and flow.bar.label.text().startswith("Retouch each face (1 task,")
    assert not flow.toggle(1)  # cannot be turned on


def test_a_selected_face_gets_its_own_strengths_and_a_reset_returns_it(qtbot, tmp_path, ui_backend):
    import json

    w = make_window(qtbot, ui_backend)
    w.resize(1400, 900)
    strip = np.asarray(Image.open(three_faces(tmp_path)).convert("RGB"))
    open_and_wait(qtbot, w, [photos.save(strip, tmp_path / "three.png")])
    flow = w.faces_flow
    qtbot.waitUntil(lambda: flow.current() is not None and flow.current().ready, timeout=60_000)
    flow.bar.button.click()
    choice, photo = flow.current(), w.session.current
    w.compare.zoom_fit()
    qtbot.wait(50)

    def centre(n: int):
        return flow.toggles.box_rect(next(f for f in choice.faces if f.number == n).box).center().toPoint()

    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mouseClick(w.compare, Qt.MouseButton.LeftButton, shift, centre(1))  # select face 1
    assert choice.selected == 1 and choice.chosen == {1, 2, 3}  # selecting is not toggling
    photo_skin = photo.params.skin
    w.controls.sliders["skin"].setValue(10)  # the user drags Skin to 1.0: face 1's own
    own = {"gpen": photo.params.gpen, "skin": 1.0, "skin_unifi": photo.params.skin_unifi}
    assert choice.strengths == {1: own}
    assert photo.params.skin == photo_skin  # the photo keeps its settings
    assert flow.bar.reset_button.isVisible() and "Face 1 selected" in flow.bar.hint.text()
    _shot(w, "faces-selected.png")
    qtbot.mouseClick(w.compare, Qt.MouseButton.LeftButton, shift, centre(2))  # face 2: the photo's
    assert choice.selected == 2 and w.controls.params().skin == photo_skin
    assert not flow.bar.reset_button.isVisible()
    qtbot.mouseClick(w.compare, Qt.MouseButton.LeftButton, shift, centre(2))  # again: nothing selected
    assert choice.selected is None

    with qtbot.waitSignal(w.run_finished, timeout=180_000):
        assert w.run_current()
    assert ui_backend.gateway.stats.creates == 3
    sidecar = json.loads(photo.result_path.with_suffix(".json").read_text())
    skins = {f["number"]: f["params"]["skin"] for f in sidecar["faces"]}
    assert skins == {1: 1.0, 2: photo_skin, 3: photo_skin}

    qtbot.mouseClick(w.compare, Qt.MouseButton.LeftButton, shift, centre(1))
    assert w.controls.params().skin == 1.0
    flow.bar.reset_button.click()  # "Use the photo's settings"
    assert choice.strengths == {} and w.controls.params().skin == photo_skin


def test_the_window_batch_takes_a_group_photo_as_one_item_with_per_face_progress(tmp_path, ui_backend):
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import EditParams
    from portrait_studio.core.settings import Settings
    from portrait_studio.ui import text
    from portrait_studio.ui.window.docks import batch_queue

    strip = np.asarray(Image.open(three_faces(tmp_path)).convert("RGB"))
    photo = photos.save(strip, tmp_path / "three.png")
    said: list[str] = []
    settings = Settings(backend="local")
    with Journal() as journal:
        queue = batch_queue(
            journal, lambda _p: EditParams(width=512, height=512), lambda: ui_backend, lambda: settings
        )
        queue.subscribe(lambda item: said.append(text.batch_status(item)))
        [item] = queue.add([photo])
        queue.start()
        assert queue.wait(180)
        done = queue.get(item.id)
        queue.close()
    assert done.status == "done" and len(done.result.faces) == 3
    assert ui_backend.gateway.stats.creates == 3
    assert {s.split(" · ")[-1] for s in said if "face" in s} == {"face 1 of 3", "face 2 of 3", "face 3 of 3"}
