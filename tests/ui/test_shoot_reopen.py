"""Issue 18 item 3: quitting with unsaved results asks (Save all / Discard / Cancel), and the next start
reopens the shoot: the photos, each one's settings, result and versions; a photo gone is shown as missing."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from portrait_studio.core.settings import Settings
from portrait_studio.core.shoot import ShootStore
from portrait_studio.ui.model.session import EDITED, MISSING, READY, SAVED
from portrait_studio.ui.window.main_window import MainWindow


def open_window(qtbot, backend):
    w = MainWindow(Settings(), backend=backend, shoot=ShootStore())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def answer_quit(qtbot, button: str, seen: list[str]) -> None:
    """Click `button` of the quit question once it is up (it is modal: from a timer)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "unsaved-results":
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        chosen = next(b for b in box.buttons() if b.text().replace("&", "") == button)
        chosen.click()

    QTimer.singleShot(0, click)


def analysed(qtbot, w, count):
    qtbot.waitUntil(
        lambda: sum(p.report is not None or p.missing for p in w.session.photos) == count, timeout=60_000
    )


def test_quit_asks_then_save_all_and_the_shoot_comes_back_with_settings_results_and_versions(
    qtbot, ui_backend, portrait_file, tmp_path
):
    other = shutil.copy(portrait_file, portrait_file.with_name("second.jpg"))
    w = open_window(qtbot, ui_backend)
    w.open_paths([portrait_file, other])
    analysed(qtbot, w, 2)
    w.session.set_current(0)
    w.controls.sliders["gpen"].setValue(4)
    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        assert w.run_current()
    w.session.set_current(1)
    w.controls.sliders["skin"].setValue(7)  # settings only, no run

    seen: list[str] = []
    answer_quit(qtbot, "Cancel", seen)
    assert not w.close()  # Cancel: the window stays, nothing is lost
    assert seen == ["1 result is not saved as files yet."] and w.isVisible()

    answer_quit(qtbot, "Save all", seen)
    w.window_actions.quit_action.trigger()  # Ctrl+Q
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=30_000)
    saved = portrait_file.with_name("astronaut.retouched.jpg")  # the one naming scheme (api/output.py)
    assert saved.is_file() and saved.with_suffix(".json").is_file()

    shutil.move(other, tmp_path / "moved.jpg")  # the second photo is gone before the next start
    w2 = open_window(qtbot, ui_backend)
    photos = w2.session.photos
    assert [p.path for p in photos] == [portrait_file, other]
    assert w2.session.current_index == 1  # the photo shown last
    assert photos[0].params.gpen == 0.4 and photos[1].params.skin == 0.7
    assert photos[1].status is MISSING and "is not where it was" in (photos[1].error or "")
    assert w2.controls.params().skin == 0.7
    w2.session.set_current(0)
    analysed(qtbot, w2, 2)
    assert photos[0].status is SAVED and photos[0].saved_path == saved
    qtbot.waitUntil(lambda: photos[0].screen.result_image is not None, timeout=30_000)  # the result shown
    qtbot.waitUntil(
        lambda: w2.history_panel is not None and len(w2.history_panel._order) == 1, timeout=30_000
    )
    w2.close()  # saved: no question
    assert not w2.isVisible()


def test_discard_quits_and_the_next_start_has_the_photo_without_that_result(qtbot, ui_backend, portrait_file):
    w = open_window(qtbot, ui_backend)
    w.open_paths([portrait_file])
    analysed(qtbot, w, 1)
    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        assert w.run_current()
    assert w.session.photos[0].status is EDITED

    def remembered() -> bool:  # written while the window is open (a crash keeps it), not only on close
        photos = ShootStore().load().photos
        return bool(photos) and photos[0].result_path == w.session.photos[0].result_path

    qtbot.waitUntil(remembered, timeout=10_000)
    seen: list[str] = []
    answer_quit(qtbot, "Discard", seen)
    w.close()
    assert seen and not w.isVisible()
    assert not list(portrait_file.parent.glob("*retouched*"))  # nothing written

    w2 = open_window(qtbot, ui_backend)
    analysed(qtbot, w2, 1)
    assert w2.session.photos[0].status is READY and w2.session.photos[0].result_path is None
    qtbot.waitUntil(
        lambda: w2.history_panel is not None and len(w2.history_panel._order) == 1, timeout=30_000
    )


def test_ctrl_s_names_the_result_as_the_cli_does_and_skips_a_name_whose_sidecar_is_taken(
    qtbot, ui_backend, portrait_file
):
    from portrait_studio.api.output import planned_output
    from tests.ui.windows import make_window

    # A full-size PNG result of the CLI already holds `astronaut.retouched.json`.
    cli_result = portrait_file.with_name("astronaut.retouched.png")
    cli_result.write_bytes(b"not ours")
    cli_result.with_suffix(".json").write_text("{}")
    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([portrait_file])
    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        assert w.run_current()
    assert w.save_flow.target(w.session.current) == planned_output(portrait_file, None)
    with qtbot.waitSignal(w.saved, timeout=30_000) as saved:
        w.quick_save()
    assert saved.args == [portrait_file.with_name("astronaut.retouched-2.jpg")]
    assert portrait_file.with_name("astronaut.retouched-2.json").is_file()
    assert cli_result.with_suffix(".json").read_text() == "{}"  # the CLI's sidecar untouched
