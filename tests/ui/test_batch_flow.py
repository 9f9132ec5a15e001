"""Batch as a verb on the filmstrip (issue 18 item 2) and settings across a shoot (issue 20), in the window.

The real window, the real local gateway and engine, real photos; keyboard and mouse where a photographer
would use them (Ctrl/Shift-click and Ctrl+A in the filmstrip, Ctrl+Shift+Enter, Ctrl+Shift+C / V).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from portrait_studio.core.params import EditParams
from portrait_studio.core.presets import PresetStore
from portrait_studio.ui.model.session import BLOCKED, QUEUED, RUNNING, SAVED
from tests import photos
from tests.ui.windows import make_window

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def shoot_folder(tmp_path: Path) -> Path:
    """Two portraits and a cat (no face: the model would refuse it)."""
    folder = tmp_path / "shoot"
    photos.save(photos.astronaut(), folder / "01-astronaut.jpg", quality=90)
    photos.save(photos.grace_hopper(), folder / "02-hopper.jpg", quality=90)
    photos.save(photos.chelsea(), folder / "03-chelsea.jpg", quality=90)
    return folder


def open_shoot(qtbot, w, folder: Path) -> None:
    w.open_paths([folder])
    qtbot.waitUntil(lambda: w.batch_flow is not None and w.presets_panel is not None, timeout=60_000)
    qtbot.waitUntil(lambda: all(p.report is not None for p in w.session.photos), timeout=60_000)


def click_thumb(qtbot, w, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    strip = w.filmstrip
    centre = strip.visualItemRect(strip.item(row)).center()
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, modifier, centre)


def badge(w, row: int) -> object:
    return w.filmstrip.item(row).data(Qt.ItemDataRole.UserRole)


def test_retouch_selected_from_the_filmstrip_with_a_preset(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    open_shoot(qtbot, w, shoot_folder(tmp_path))
    assert w.filmstrip.isVisible() and w.filmstrip.count() == 3
    assert badge(w, 2) == BLOCKED
    # Click the first, Ctrl-click the second: two selected, the last clicked shown.
    click_thumb(qtbot, w, 0)
    click_thumb(qtbot, w, 1, Qt.KeyboardModifier.ControlModifier)
    assert w.filmstrip.selected_indexes() == [0, 1] and w.session.current_index == 1
    # Ctrl+A selects the whole shoot; the photo shown stays shown.
    w.filmstrip.setFocus()
    qtbot.keyClick(w.filmstrip, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert w.filmstrip.selected_indexes() == [0, 1, 2] and w.session.current_index == 1
    seen: list[object] = []
    w.session.photo_changed.connect(lambda i: seen.append(w.session.photos[i].status))
    qtbot.keyClick(w, Qt.Key.Key_Return, CTRL_SHIFT)  # Retouch selected…
    dialog = w.shoot.dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "Retouch 3 photos"
    labels = [dialog.settings_box.itemText(i) for i in range(dialog.settings_box.count())]
    assert labels[0] == "Each photo's own settings" and "Preset: Studio" in labels
    plan = dialog.plan_label.text()
    assert plan.startswith("2 photos will be retouched into ")
    assert "1 left out — 03-chelsea.jpg:" in plan and "free" in plan  # the cat has no face: not sent
    dialog.settings_box.setCurrentIndex(labels.index("Preset: Studio"))
    out = tmp_path / "out"
    dialog.out_edit.setText(str(out))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert w.statusBar().currentMessage() == f"Retouching 2 photos into {out}."
    qtbot.waitUntil(lambda: badge(w, 0) == SAVED and badge(w, 1) == SAVED, timeout=120_000)
    qtbot.waitUntil(lambda: w.batch_queue.idle(), timeout=10_000)
    # Not "Retouching 2 photos" beside "2 done" (the message would last 8 s; the settled report crosses to
    # the GUI thread in far less than 3).
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == "", timeout=3_000)
    assert QUEUED in seen or RUNNING in seen  # each thumbnail followed its item on the way
    assert RUNNING in seen
    studio = PresetStore().get("Studio").params
    for i, name in ((0, "01-astronaut"), (1, "02-hopper")):
        photo = w.session.photos[i]
        result = out / f"{name}.retouched.jpg"
        assert photo.saved_path == result and result.is_file()
        assert photo.params == studio  # the photo now carries the settings its result was made with
        sidecar = json.loads((out / f"{name}.retouched.json").read_text())
        assert sidecar["params"]["gpen"] == studio.gpen
    assert badge(w, 2) == BLOCKED and w.session.photos[2].result_path is None
    assert not list((tmp_path / "shoot").glob("*.retouched*"))  # originals and their folder left alone
    assert "Batch: 2 photos: 2 done" in w.shoot.batch_label.text() and w.shoot.batch_label.isVisible()
    w.shoot.batch_label.linkActivated.emit("batch")  # the status line opens the Batch dock's list
    assert w.docks["batch"].isVisible()
    # Clicking a thumbnail opens its before/after: the result in the compare view.
    click_thumb(qtbot, w, 0)
    qtbot.waitUntil(lambda: w.compare.after is not None and w.session.current.screen.result_image is not None)
    assert w.compare.after is w.session.photos[0].screen.result_image
    assert "Saved as" in w.run_panel.status.text()
    # The Batch dock lists the same queue.
    assert w.batch_panel.tree.topLevelItemCount() == 2


def test_each_photos_own_settings_and_an_unwritable_output_folder(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    open_shoot(qtbot, w, shoot_folder(tmp_path))
    w.session.set_params(0, EditParams(gpen=0.9, skin=0.0))
    w.session.set_params(1, EditParams(gpen=0.1, skin=0.8))
    w.filmstrip.select_indexes([0, 1])
    assert w.shoot.retouch_selected()
    dialog = w.shoot.dialog
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dialog.out_edit.setText(str(blocker / "out"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error_label.isVisible()  # said, and nothing was sent
    assert "cannot" in dialog.error_label.text().lower() or "not" in dialog.error_label.text().lower()
    assert ui_backend.gateway.stats.creates == 0
    dialog.out_edit.setText(str(tmp_path / "out"))
    qtbot.keyClick(dialog.start_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: badge(w, 0) == SAVED and badge(w, 1) == SAVED, timeout=120_000)
    sent = [json.loads(p.read_text())["params"] for p in sorted((tmp_path / "out").glob("*.json"))]
    assert [(s["gpen"], s["skin"]) for s in sent] == [(0.9, 0.0), (0.1, 0.8)]


def test_copy_paste_and_sync_settings_and_a_preset_on_a_selection(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    open_shoot(qtbot, w, shoot_folder(tmp_path))
    click_thumb(qtbot, w, 0)
    w.controls.sliders["gpen"].setValue(8)  # the photographer sets the first photo
    w.controls.sliders["skin"].setValue(6)
    first = w.session.photos[0].params
    assert (first.gpen, first.skin) == (0.8, 0.6)
    w.compare.setFocus()
    qtbot.keyClick(w, Qt.Key.Key_C, CTRL_SHIFT)
    assert "Copied the settings of 01-astronaut.jpg" in w.statusBar().currentMessage()
    click_thumb(qtbot, w, 1)
    click_thumb(qtbot, w, 2, Qt.KeyboardModifier.ShiftModifier)
    assert w.filmstrip.selected_indexes() == [1, 2]
    qtbot.keyClick(w, Qt.Key.Key_V, CTRL_SHIFT)
    assert [w.session.photos[i].params for i in (1, 2)] == [first, first]
    assert w.controls.params() == first  # the photo shown: its sliders follow
    assert "Pasted the settings onto 2 photos" in w.statusBar().currentMessage()
    # Sync settings to selected: the photo shown gives its settings to the others selected.
    w.controls.sliders["skin_unifi"].setValue(5)
    w.filmstrip.select_all_photos()
    w.shoot.sync_action.trigger()
    synced = w.session.photos[2].params
    assert synced.skin_unifi == 0.5 and all(p.params == synced for p in w.session.photos)
    # A preset with two photos selected goes onto both; the third keeps its settings.
    click_thumb(qtbot, w, 0)
    click_thumb(qtbot, w, 1, Qt.KeyboardModifier.ControlModifier)
    w.presets_panel.apply("Soft glow")
    glow = PresetStore().get("Soft glow").params
    assert [w.session.photos[i].params for i in range(3)] == [glow, glow, synced]
    # With one photo selected, a preset is that photo's alone, as before.
    click_thumb(qtbot, w, 2)
    w.presets_panel.apply("Natural")
    assert w.session.photos[2].params == PresetStore().get("Natural").params
    assert w.session.photos[1].params == glow


def test_the_filmstrip_menu_holds_the_selection_verbs(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    open_shoot(qtbot, w, shoot_folder(tmp_path))
    texts = [a.text() for a in w.filmstrip.actions() if not a.isSeparator()]
    verbs = ["&Retouch selected…", "&Copy settings", "Pa&ste settings", "S&ync settings to selected"]
    assert texts[:4] == verbs
    assert not w.shoot.paste_action.isEnabled()  # nothing copied yet
    w.shoot.copy_action.trigger()
    assert w.shoot.paste_action.isEnabled()
    w.shoot.preset_menu.aboutToShow.emit()
    assert "Studio" in [a.text() for a in w.shoot.preset_menu.actions()]
    # The Batch dock's Add folder adds to the filmstrip (selected) and asks how to retouch, never starts.
    more = tmp_path / "more"
    photos.save(photos.astronaut()[:, ::-1], more / "04-mirror.jpg", quality=90)
    assert w.batch_panel.add_paths([more]) == []
    assert w.session.photos[-1].path.name == "04-mirror.jpg"
    assert w.filmstrip.selected_indexes() == [3]
    assert w.shoot.dialog.isVisible() and w.shoot.dialog.windowTitle() == "Retouch 1 photo"
    # The photo added is shown: its settings are "the photo shown's"; another one alone keeps its own first.
    assert w.shoot.dialog.settings_box.itemText(0) == "The settings of the photo shown (04-mirror.jpg)"
    w.shoot.dialog.reject()
    w.filmstrip.select_indexes([0])
    w.shoot.retouch_selected()
    assert w.shoot.dialog.settings_box.itemText(0) == "Each photo's own settings"
    assert w.batch_queue.items() == [] and ui_backend.gateway.stats.creates == 0
    w.shoot.dialog.reject()
    w.docks["batch"].show()  # View ▸ Panels ▸ Batch: the dock offers the verb too
    assert w.batch_panel.retouch_button.isVisible()
    qtbot.mouseClick(w.batch_panel.retouch_button, Qt.MouseButton.LeftButton)
    assert w.shoot.dialog.isVisible()
    w.shoot.dialog.reject()
    # In a text field Ctrl+A selects its text, not the shoot.
    w.filmstrip.select_indexes([0])
    w.controls.prompt.setFocus()
    qtbot.keyClicks(w.controls.prompt, "soft light")
    qtbot.keyClick(w.controls.prompt, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert w.controls.prompt.selectedText() == "soft light" and w.filmstrip.selected_indexes() == [0]


def test_stepping_within_a_selection_keeps_it_and_outside_it_starts_anew(qapp, tmp_path):
    from portrait_studio.ui.model.session import Session
    from portrait_studio.ui.panels.filmstrip import Filmstrip

    session = Session()
    strip = Filmstrip(session)
    session.add([tmp_path / f"{i}.jpg" for i in range(5)], EditParams())
    session.set_current(0)
    strip.select_indexes([0, 1, 2])
    session.step(1)  # → within the three picked
    assert strip.selected_indexes() == [0, 1, 2] and strip.currentRow() == 1
    session.set_current(4)  # outside them: the photo shown alone
    assert strip.selected_indexes() == [4]
    strip.deleteLater()


def test_esc_on_a_photo_of_the_batch_leaves_it_out_and_the_others_go_on(qtbot, tmp_path):
    from portrait_studio.api.backend import BackendSession
    from portrait_studio.api.client import Client
    from portrait_studio.gateway import LocalGateway, TrivialEngine

    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=2.0) as gateway:
        backend = BackendSession(Client(gateway.base_url, gateway.token), "local", None, "trivial")
        try:
            w = make_window(qtbot, backend)
            open_shoot(qtbot, w, shoot_folder(tmp_path))
            w.batch_queue.set_concurrency(1)  # one at a time: the second waits in the queue
            click_thumb(qtbot, w, 1)
            items = w.batch_flow.retouch([0, 1], out_dir=tmp_path / "out")
            assert len(items) == 2 and badge(w, 1) == QUEUED
            assert w.controls.params() == w.session.photos[1].params  # the sliders show what it is sent with
            assert not w.run_current()  # Ctrl+Enter does not send it a second time
            assert "being retouched in the batch" in w.statusBar().currentMessage()
            w.compare.setFocus()
            qtbot.keyClick(w, Qt.Key.Key_Escape)  # the photo shown, 02-hopper, is left out
            assert "02-hopper.jpg was left out of the batch" in w.statusBar().currentMessage()
            qtbot.waitUntil(lambda: badge(w, 0) == SAVED, timeout=60_000)
            assert w.batch_queue.get(items[1].id).status == "skipped"
            assert w.session.photos[1].saved_path is None and not w.session.photos[1].queued
            assert [p.name for p in (tmp_path / "out").glob("*.jpg")] == ["01-astronaut.retouched.jpg"]
        finally:
            w.shutdown()
            backend.close()


def test_the_daily_cap_pauses_the_batch_in_view_and_resume_finishes_it(qtbot, tmp_path):
    from decimal import Decimal

    from portrait_studio.api.backend import BackendSession
    from portrait_studio.api.client import Client
    from portrait_studio.core.settings import Settings
    from portrait_studio.gateway import LocalGateway, TrivialEngine

    # A gateway that quotes $0.05 a photo, spoken to as the cloud; the day's cap is $0.04.
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw") as gateway:
        quote = {"status": "success", "data": {"cost": "0.05", "currency": "USD"}}
        gateway.faults.add("precharge", status=200, body=quote, times=-1)
        backend = BackendSession(Client(gateway.base_url, gateway.token), "cloud", None, "cloud")
        settings = Settings(backend="cloud", budget_cap=Decimal("0.04"))
        try:
            w = make_window(qtbot, backend, settings)
            open_shoot(qtbot, w, shoot_folder(tmp_path))
            w.filmstrip.select_indexes([0, 1])
            assert w.shoot.retouch_selected()
            dialog = w.shoot.dialog
            said = dialog.plan_label.text()
            assert "Estimate: not known yet" in said and "Today's budget has $0.04 left" in said
            dialog.out_edit.setText(str(tmp_path / "out"))
            qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
            label = w.shoot.batch_label
            qtbot.waitUntil(lambda: "Batch paused:" in label.text(), timeout=60_000)
            assert "$0.04" in label.text() and "Raise the daily budget cap in Settings" in label.text()
            assert w.docks["batch"].isVisible() and w.batch_panel.resume_button.isVisible()
            # (the other photo, running as the first met the cap, meets it too and waits)
            qtbot.waitUntil(lambda: badge(w, 0) == QUEUED and badge(w, 1) == QUEUED, timeout=30_000)
            assert gateway.stats.creates == 0
            w.apply_settings(settings.replace(budget_cap=Decimal("1")))  # raised in Settings
            qtbot.mouseClick(w.batch_panel.resume_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: badge(w, 0) == SAVED and badge(w, 1) == SAVED, timeout=60_000)
            assert gateway.stats.creates == 2 and "Batch: 2 photos: 2 done" in label.text()
            # The next batch's estimate knows the cloud's price now.
            w.filmstrip.select_indexes([0, 1])
            w.shoot.retouch_selected()
            assert "about $0.10 (2 × $0.05" in w.shoot.dialog.plan_label.text()
            w.shoot.dialog.reject()
        finally:
            w.shutdown()
            backend.close()


def test_a_photo_done_is_counted_once_however_many_late_reports_read_it(qapp, tmp_path):
    # Reports cross threads after the fact, and each reads the newest snapshot: the queued and running
    # reports of a photo done meanwhile all read "done". Its cost must be added to the session once (the local
    # gateway charges nothing, so this is shown with a paid result in the queue's own snapshot).
    import os
    from dataclasses import replace
    from decimal import Decimal

    from portrait_studio.api.pipeline import EditResult
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.settings import Settings
    from portrait_studio.ui.model.session import Session
    from portrait_studio.ui.window.batch_flow import BatchFlow

    session = Session()
    photo = photos.save(photos.astronaut(), tmp_path / "a.jpg", quality=90)
    session.add([photo], EditParams())
    with Journal(tmp_path / "journal.sqlite3") as journal:
        flow = BatchFlow(session, journal, lambda: None, Settings, lambda _i: None)
        try:
            (item,) = flow.queue.add([photo])  # (not started: nothing runs)
            flow._keys[item.id] = photo
            flow._jobs[os.path.abspath(photo)] = (EditParams(gpen=0.5), tmp_path, None)
            out = tmp_path / "a.retouched.jpg"
            result = EditResult(photo, out, out, EditParams(gpen=0.5), "cloud", "t-1", "j-1", Decimal("0.05"))
            flow.queue._items[item.id] = replace(item, status="done", result=result, progress=1.0)
            for _report in ("queued", "running", "done"):
                flow._on_item_id(item.id)
            assert session.total_cost == Decimal("0.05") and session.photos[0].saved_path == out
        finally:
            flow.close()


def test_quitting_while_the_batch_runs_asks_first(qtbot, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from portrait_studio.api.backend import BackendSession
    from portrait_studio.api.client import Client
    from portrait_studio.core.settings import Settings
    from portrait_studio.core.shoot import ShootStore
    from portrait_studio.gateway import LocalGateway, TrivialEngine
    from portrait_studio.ui.window.main_window import MainWindow

    def answer(button: str, seen: list[str]) -> None:
        def click() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox) or box.objectName() != "batch-running":
                QTimer.singleShot(20, click)
                return
            seen.append(box.text())
            next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

        QTimer.singleShot(0, click)

    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=30.0) as gateway:
        backend = BackendSession(Client(gateway.base_url, gateway.token), "local", None, "trivial")
        try:
            w = MainWindow(Settings(), backend=backend, shoot=ShootStore())  # as the app starts it
            qtbot.addWidget(w)
            w.show()
            qtbot.waitExposed(w)
            open_shoot(qtbot, w, shoot_folder(tmp_path))
            w.batch_flow.retouch([0, 1], out_dir=tmp_path / "out")
            qtbot.waitUntil(lambda: badge(w, 0) == RUNNING, timeout=30_000)
            seen: list[str] = []
            answer("Cancel", seen)
            assert not w.close() and w.isVisible()  # Cancel: the batch goes on
            assert seen == ["Still being retouched: 2 photos of the batch."]
            assert w.batch_flow.busy()
            answer("Quit", seen)
            w.close()
            qtbot.waitUntil(lambda: not w.isVisible(), timeout=30_000)
            assert all(i.status in ("cancelled", "skipped") for i in w.batch_queue.items())
        finally:
            w.shutdown()
            backend.close()
