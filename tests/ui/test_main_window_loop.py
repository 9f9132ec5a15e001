"""The whole retouch loop in the real window, against a real local gateway and the real local engine."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from portrait_studio.ui.model.session import EDITED, SAVED
from portrait_studio.ui.window.main_window import MainWindow
from tests.ui.windows import drag_enter, drop, make_window


def drop_files(w: MainWindow, paths: list[Path]) -> None:
    """A real drag-enter + drop of file URLs on the window, as a file manager sends them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(w.compare.mapTo(w, QPoint(50, 50)))
    assert drag_enter(w, mime, pos)
    assert drop(w, mime, pos)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_drop_preflight_sliders_run_compare_save(qtbot, portrait_file, ui_backend, tmp_path):
    w = make_window(qtbot, ui_backend)
    before_hash = sha(portrait_file)
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        drop_files(w, [portrait_file])
    photo = w.session.current
    assert photo is not None and photo.path == portrait_file
    assert "1 face found" in w.banner.text()
    assert w.faces_label.text() == "1 face"
    assert w.compare.before is not None and len(w.compare.face_boxes) == 1

    # Sliders hold only tenths: keys, wheel and a set value all land on 0.0, 0.1 … 1.0 and reach EditParams.
    gpen = w.controls.sliders["gpen"]
    gpen.setFocus()
    qtbot.keyClick(gpen, Qt.Key.Key_Right)
    assert w.controls.params().gpen == 0.5
    assert w.controls.value_labels["gpen"].text() == "0.5"
    wheel_up = QWheelEvent(
        QPointF(5, 5), QPointF(5, 5), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(w.controls.sliders["skin"], wheel_up)
    assert w.controls.params().skin == 0.4  # one notch = one 0.1 step (Qt's default would jump 0.3)
    w.controls.sliders["skin"].setValue(7)
    w.controls.sliders["skin_unifi"].set_strength(0.25)  # snapped by EditParams before it gets here
    p = w.controls.params()
    assert (p.gpen, p.skin, p.skin_unifi) == (0.5, 0.7, 0.3)
    assert photo.params == p
    assert str(p.skin) == "0.7"  # exact tenths on the wire, not 0.7000000000000001

    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        progress = []
        w.run_progress.connect(progress.append)
        qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert w.run_panel.bar.isVisible()
    assert progress, "no progress was reported while the task ran"
    assert photo.status == EDITED
    assert photo.result_path is not None and photo.result_path.exists()
    assert w.compare.after is not None and w.compare.after_label.startswith("Result")
    assert "Done in" in w.run_panel.status.text()
    assert "Note" not in w.run_panel.status.text()  # nothing the sliders do not already show
    assert w.cost_label.text().startswith("Session cost:")

    out = tmp_path / "out" / "astronaut-final.png"
    with qtbot.waitSignal(w.saved, timeout=30_000) as saved:
        assert w.save_as(out)
    assert saved.args == [out]
    with Image.open(out) as saved_image:
        assert saved_image.format == "PNG"
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["params"]["skin"] == 0.7 and sidecar["seed"] == photo.params.seed
    assert sidecar["task_id"] == photo.task_id
    assert sha(portrait_file) == before_hash, "the original was changed"
    assert photo.status == SAVED


def test_save_refuses_the_original(qtbot, portrait_file, ui_backend):
    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([portrait_file])
    before = sha(portrait_file)
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()
    with qtbot.waitSignal(w.save_failed, timeout=30_000) as failed:
        w.save_as(portrait_file)
    assert "original" in failed.args[0]
    assert sha(portrait_file) == before


def test_save_keeps_exif_and_icc_and_writes_each_format(qtbot, tmp_path, ui_backend):
    from PIL import ImageCms

    from tests.photos import grace_hopper

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model 8"  # Model
    original = tmp_path / "in" / "hopper.jpg"
    original.parent.mkdir()
    Image.fromarray(grace_hopper()).save(original, quality=93, icc_profile=icc, exif=exif.tobytes())
    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([original])
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()
    for suffix, fmt in ((".jpg", "JPEG"), (".webp", "WEBP"), (".tif", "TIFF")):
        out = tmp_path / "out" / f"hopper{suffix}"
        with qtbot.waitSignal(w.saved, timeout=30_000):
            w.save_as(out)
        with Image.open(out) as im:
            assert im.format == fmt
            assert im.info.get("icc_profile") == icc, f"{fmt}: colour profile lost"
            assert im.getexif().get(0x010F) == "TestCam", f"{fmt}: EXIF lost"
        assert json.loads(out.with_suffix(".json").read_text())["format"] == fmt


def _run(qtbot, w: MainWindow) -> None:
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()


def test_ctrl_s_on_two_same_named_photos_keeps_both(qtbot, tmp_path, ui_backend):
    from portrait_studio.core.settings import Settings
    from tests.photos import astronaut, grace_hopper, save

    first = save(astronaut(), tmp_path / "card1" / "IMG_0001.jpg")  # two cards, the camera's same numbering
    second = save(grace_hopper(), tmp_path / "card2" / "IMG_0001.jpg")
    out = tmp_path / "out"
    w = make_window(qtbot, ui_backend, settings=Settings(output_dir=str(out)))
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths([first, second])
    qtbot.waitUntil(lambda: len(set(seen)) >= 2, timeout=60_000)
    for i in (0, 1):
        w.session.set_current(i)
        _run(qtbot, w)
    saved: list[Path] = []
    w.saved.connect(saved.append)
    w.session.set_current(0)
    w.quick_save()
    w.session.set_current(1)
    w.quick_save()  # queued before the first is written: each takes its own free name when it is written
    qtbot.waitUntil(lambda: len(saved) == 2, timeout=30_000)
    assert sorted(p.name for p in saved) == ["IMG_0001.retouched-2.jpg", "IMG_0001.retouched.jpg"]
    assert len({sha(p) for p in saved}) == 2  # two different results, neither over the other
    assert sorted(p.name for p in out.glob("*.json")) == sorted(p.with_suffix(".json").name for p in saved)


def test_ctrl_s_expands_home_in_the_output_folder(qtbot, tmp_path, ui_backend, portrait_file, monkeypatch):
    from portrait_studio.core.settings import Settings

    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    w = make_window(qtbot, ui_backend, settings=Settings(output_dir="~/Retouched"))
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([portrait_file])
    _run(qtbot, w)
    with qtbot.waitSignal(w.saved, timeout=30_000) as saved:
        w.quick_save()
    assert saved.args == [home / "Retouched" / "astronaut.retouched.jpg"]
    assert not any(p.name == "~" for p in Path.cwd().iterdir())


def test_ctrl_s_still_saves_when_the_original_is_gone(qtbot, tmp_path, ui_backend, portrait_file):
    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([portrait_file])
    _run(qtbot, w)
    moved = portrait_file.rename(tmp_path / "elsewhere.jpg")  # the card was ejected, the file moved
    with qtbot.waitSignal(w.saved, timeout=30_000) as saved:
        w.quick_save()
    out = saved.args[0]
    assert out == portrait_file.with_name("astronaut.retouched.jpg") and out.is_file()
    # The result in its own format is saved as it is: it already holds the original's metadata, so nothing
    # needs the (gone) original and nothing is lost.
    assert out.read_bytes() == w.session.current.result_path.read_bytes()
    assert w.statusBar().currentMessage() == f"Saved {out}"
    assert moved.is_file()


def test_save_as_another_format_without_the_original_says_what_is_missing(
    qtbot, tmp_path, ui_backend, portrait_file
):
    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([portrait_file])
    _run(qtbot, w)
    portrait_file.rename(tmp_path / "elsewhere.jpg")  # the card was ejected, the file moved
    with qtbot.waitSignal(w.saved, timeout=30_000) as saved:
        assert w.save_as(tmp_path / "out" / "astronaut.webp")
    assert saved.args[0].is_file()
    assert "without the original's EXIF" in w.statusBar().currentMessage()


def test_save_as_a_typed_extension_chooses_the_format(qtbot, tmp_path, portrait_file):
    from portrait_studio.ui.dialogs.save_dialog import SaveAsDialog

    dialog = SaveAsDialog(tmp_path / "a.retouched.jpg", portrait_file)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "a.retouched.png"))  # typed, the format list left at JPEG
    assert (dialog.request().fmt, dialog.request().path.name) == ("PNG", "a.retouched.png")
    dialog.path_edit.setText(str(tmp_path / "a.retouched"))  # no extension: the chosen format's
    assert (dialog.request().fmt, dialog.request().path.name) == ("JPEG", "a.retouched.jpg")
