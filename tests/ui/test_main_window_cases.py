"""The window's other paths: several faces, cancel mid-task, gateway faults, the filmstrip."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from portrait_studio.core.settings import Settings
from portrait_studio.ui.model.session import BLOCKED, EDITED, NEEDS_FIX, READY
from portrait_studio.ui.window.main_window import MainWindow
from tests import photos
from tests.ui.windows import make_window


def open_and_wait(qtbot, w: MainWindow, paths: list[Path], count: int = 1) -> None:
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths(paths)
    qtbot.waitUntil(lambda: len(set(seen)) >= count, timeout=60_000)


def three_faces(tmp_path: Path) -> Path:
    """Three real portraits side by side (astronaut, Grace Hopper, astronaut mirrored)."""
    a = photos.astronaut()
    g = photos.grace_hopper()[44:556, :, :]  # 512×512 around her face
    strip = np.hstack([a, g, a[:, ::-1]])
    return photos.save(strip, tmp_path / "group" / "three.jpg", quality=92)


def test_three_faces_warn_block_run_and_crop_fix(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    open_and_wait(qtbot, w, [three_faces(tmp_path)])
    photo = w.session.current
    assert photo.face_count == 3
    assert "3 faces — the model needs exactly one" in w.banner.text()
    assert photo.status == NEEDS_FIX
    assert w.faces_label.text() == "3 faces"
    assert len(w.compare.face_boxes) == 3

    assert not w.run_current()  # the model would refuse it: nothing is sent
    assert "Not sent" in w.run_panel.error.text()
    assert ui_backend.gateway.stats.creates == 0

    crop = [b for b in w.banner.buttons if "crop" in b.text().lower()]
    assert crop, f"no crop fix offered: {[b.text() for b in w.banner.buttons]}"
    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        crop[0].click()
    assert photo.face_count == 1
    assert "1 face found" in w.banner.text()
    assert photo.status == READY
    fixed = photo.run_path
    assert fixed != photo.path and fixed.exists()
    w.compare.zoom_to(1.0)  # the fixed copy's own pixels are the photo now: 1:1 reads 100 %
    assert w.zoom_label.text() == "100 %"

    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()  # the cropped copy is what is sent now
    row = w.executor.journal().get(1)
    assert row.input_path == str(fixed.resolve())
    assert photo.status == EDITED


def test_cloud_cost_above_the_limit_asks_first(qtbot, portrait_file, ui_backend):
    from portrait_studio.api.backend import BackendSession

    # The local gateway speaking as "the cloud", its precharge answering a price above the user's limit.
    cloud = BackendSession(ui_backend.client, "cloud")
    price = {"status": "success", "data": {"cost": "0.50", "currency": "USD", "discount": 1}}
    ui_backend.gateway.faults.add("precharge", status=200, body=price)
    w = MainWindow(Settings(backend="cloud", confirm_cost_above=0.10), backend=cloud)
    qtbot.addWidget(w)
    w.show()
    asked: list[tuple[object, object]] = []
    w.confirm_cost = lambda estimate, limit: asked.append((estimate, limit)) or False
    open_and_wait(qtbot, w, [portrait_file])
    with qtbot.waitSignal(w.run_failed, timeout=60_000) as failed:
        assert w.run_current()
    assert [(str(e), str(lim)) for e, lim in asked] == [("0.50", "0.1")]
    assert "0.50" in failed.args[0] and ui_backend.gateway.stats.creates == 0  # nothing was paid

    ui_backend.gateway.faults.add(
        "precharge", status=200, body=price, times=2
    )  # asked, then run at that price
    w.confirm_cost = lambda estimate, limit: True
    shown: list[str] = []
    w.run_progress.connect(lambda _f: shown.append(w.run_panel.status.text()))
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()
    assert any("Sending · estimate $0.50" in text for text in shown), shown  # the price, before paying
    assert ui_backend.gateway.stats.creates == 1
    assert "(estimate $" in w.run_panel.status.text()  # the estimate of the task actually sent
    assert w.backend_label.text().startswith("Cloud")


def test_cancel_mid_task_stops_and_leaves_no_thread(qtbot, tmp_path, portrait_file):
    from portrait_studio.api.backend import BackendSession
    from portrait_studio.api.client import Client
    from portrait_studio.gateway import LocalGateway, TrivialEngine

    # A task that takes 60 s: cancel must not wait for it.
    gateway = LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=60).start()
    backend = BackendSession(Client(gateway.base_url, gateway.token), "local", gateway, gateway.engine_name)
    try:
        w = make_window(qtbot, backend)
        open_and_wait(qtbot, w, [portrait_file])
        fractions: list[float] = []
        w.run_progress.connect(fractions.append)
        assert w.run_current()
        qtbot.waitUntil(lambda: any(f > 0 for f in fractions), timeout=30_000)
        assert w.run_panel.cancel_button.isEnabled()
        with qtbot.waitSignal(w.run_cancelled, timeout=10_000):
            qtbot.keyClick(w, Qt.Key.Key_Escape)
        assert not w.runner.busy
        assert w.session.current.status == READY
        assert "Cancelled" in w.run_panel.status.text()
        assert w.run_panel.run_button.isEnabled()
        w.close()
        assert not w.runner.is_running()
        assert not w.loader.is_running() and not w.io.is_running()
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"task": {"code": "003010095", "message": "GPU fell over"}}, "The service failed while generating"),
        (
            {"route": "create", "status": 403, "body": {"error": {"message": "insufficient balance"}}},
            "balance is too low",
        ),
    ],
)
def test_gateway_fault_is_shown_in_plain_words(qtbot, portrait_file, ui_backend, fault, words):
    w = make_window(qtbot, ui_backend)
    open_and_wait(qtbot, w, [portrait_file])
    if "task" in fault:
        ui_backend.gateway.faults.fail_next_task(fault["task"])
    else:
        ui_backend.gateway.faults.add(fault["route"], status=fault["status"], body=fault["body"])
    with qtbot.waitSignal(w.run_failed, timeout=60_000) as failed:
        assert w.run_current()
    assert words in failed.args[0]
    assert w.run_panel.error.isVisible()
    assert words in w.run_panel.error.text()
    assert len(w.run_panel.error.text().splitlines()) >= 2, "the fix is missing"
    assert w.run_panel.run_button.isEnabled()


def test_filmstrip_keeps_params_per_photo_and_arrows_move(qtbot, tmp_path, ui_backend):
    folder = tmp_path / "shoot"
    photos.save(photos.astronaut(), folder / "01.jpg")
    photos.save(photos.grace_hopper(), folder / "02.jpg")
    photos.save(photos.chelsea(), folder / "03.png")
    (folder / "notes.txt").write_text("not a photo")
    w = make_window(qtbot, ui_backend)
    open_and_wait(qtbot, w, [folder], count=3)
    assert [p.path.name for p in w.session.photos] == ["01.jpg", "02.jpg", "03.png"]
    assert w.filmstrip.count() == 3 and w.filmstrip.isVisible()
    assert w.session.photos[2].status == BLOCKED  # the cat: no face, nothing the app can fix

    w.session.set_current(0)
    w.controls.sliders["gpen"].setValue(9)
    w.compare.setFocus()
    qtbot.keyClick(w.compare, Qt.Key.Key_Right)
    assert w.session.current_index == 1
    assert w.controls.params().gpen == 0.4  # photo 2 kept its own parameters
    w.controls.sliders["skin"].setValue(0)
    qtbot.keyClick(w.compare, Qt.Key.Key_Left)
    assert w.session.current_index == 0
    assert w.controls.params().gpen == 0.9 and w.controls.params().skin == 0.3
    w.filmstrip.setCurrentRow(1)
    assert w.session.current_index == 1 and w.controls.params().skin == 0.0

    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current(), (w.statusBar().currentMessage(), w.run_panel.error.text(), w.session.current)
    assert w.session.photos[1].status == EDITED
    assert w.filmstrip.item(1).data(Qt.ItemDataRole.UserRole) == EDITED
    assert w.session.photos[0].status == READY


def test_history_and_batch_docks_use_the_same_journal_and_backend(qtbot, tmp_path, portrait_file, ui_backend):
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.history_panel is not None and w.batch_panel is not None, timeout=30_000)
    w.docks["history"].show()  # View ▸ Panels ▸ History
    open_and_wait(qtbot, w, [portrait_file])
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()
    qtbot.waitUntil(lambda: len(w.history_panel.versions()) == 1, timeout=10_000)
    assert w.history_panel.versions()[0].task_id == w.session.current.task_id
    with qtbot.assertNotEmitted(w.run_finished, wait=1000):  # showing a version is not a finished run
        w.show_version(w.history_panel.versions()[0])

    other = photos.save(photos.grace_hopper(), tmp_path / "batch" / "hopper.jpg")
    new = w.open_paths([other])  # a batch is of photos in the filmstrip (Retouch selected…)
    with qtbot.waitSignal(w.batch_panel.finished, timeout=90_000):
        (item,) = w.batch_flow.retouch(new)
    done = w.batch_panel.item(item.id)
    assert done.status == "done", done.error
    assert done.result is not None and done.result.output_path.exists()
    assert ui_backend.gateway.stats.creates == 2  # the batch went through the window's own backend
    assert w.batch_queue.pace.typical() is not None  # its photos share a pace (later ones are polled less)


def test_switching_to_cloud_without_a_key_labels_the_preview_and_explains(qtbot, portrait_file):
    from portrait_studio.api.keys import delete_api_key, get_api_key

    delete_api_key()  # a key another test kept "for the session" (api.keys module state) must not leak in
    assert get_api_key() is None
    w = make_window(qtbot)  # no backend given: the window opens its own (local gateway) after the first paint
    with qtbot.waitSignal(w.warmed_up, timeout=60_000):
        pass
    open_and_wait(qtbot, w, [portrait_file])
    qtbot.waitUntil(lambda: w.compare.after is not None, timeout=60_000)
    assert w.compare.after_label == "Preview"
    w.apply_settings(Settings(backend="cloud", budget_cap=3.0))
    assert w.backend_label.text() == "Cloud · https://cloud.vtrix.ai"
    assert w.batch_queue.concurrency == 2 and w.batch_queue.budget_cap == 3.0  # the docks follow Settings
    assert w.compare.after_label == "Local preview"  # the cloud result only comes with Run
    with qtbot.waitSignal(w.run_failed, timeout=30_000) as failed:
        assert w.run_current()
    assert "needs an API key" in failed.args[0] and "Settings" in failed.args[0]


def test_a_whole_shoot_keeps_only_a_few_screen_copies_in_memory(qtbot, tmp_path, ui_backend):
    from portrait_studio.ui.model.session import LOADING
    from portrait_studio.ui.window.open_flow import KEEP_SCREEN_COPIES

    folder = tmp_path / "shoot"
    a, g = photos.astronaut(), photos.grace_hopper()
    for n in range(14):  # fourteen frames of two sitters, some mirrored
        img = (a if n % 2 else g)[:, ::-1] if n % 3 == 0 else (a if n % 2 else g)
        photos.save(np.ascontiguousarray(img), folder / f"frame-{n:02d}.jpg")
    w = make_window(qtbot, ui_backend)
    open_and_wait(qtbot, w, [folder], count=14)
    held = [i for i, p in enumerate(w.session.photos) if p.display is not None]
    assert len(held) <= KEEP_SCREEN_COPIES + 3, held
    assert all(p.status != LOADING and p.face_count == 1 for p in w.session.photos)
    assert w.filmstrip.count() == 14

    far = 12
    assert w.session.photos[far].display is None  # evicted after its analysis
    with qtbot.waitSignal(w.photo_loaded, timeout=30_000, check_params_cb=lambda i: i == far):
        w.session.set_current(far)
    assert w.compare.before is w.session.photos[far].screen.image
    assert "1 face found" in w.banner.text()


def test_presets_dock_sets_the_photo_params_and_recent_files_remember(qtbot, portrait_file, ui_backend):
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.presets_panel is not None, timeout=30_000)
    open_and_wait(qtbot, w, [portrait_file])
    w.controls.seed_lock.setChecked(True)
    w.controls.new_seed.click()
    seed = w.controls.params().seed
    name = w.presets_panel.names()[0]
    applied = w.presets_panel.apply(name)
    assert applied is not None
    assert (applied.gpen, applied.skin, applied.skin_unifi) != (0.4, 0.3, 0.0), "pick a preset that changes"
    p = w.session.current.params
    assert (p.gpen, p.skin, p.skin_unifi) == (applied.gpen, applied.skin, applied.skin_unifi)
    assert p.seed == seed  # a locked seed survives a preset
    assert w.controls.params() == p

    paths = [a.toolTip() for a in w.window_actions.recent_menu.actions()]
    assert str(portrait_file.resolve()) in paths
    w2 = make_window(qtbot, ui_backend)  # a new window (next start) lists it too
    assert str(portrait_file.resolve()) in [a.toolTip() for a in w2.window_actions.recent_menu.actions()]


def test_a_damaged_file_and_a_non_photo_are_explained(qtbot, tmp_path, ui_backend):
    from portrait_studio.ui.model.session import FAILED

    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    w = make_window(qtbot, ui_backend)
    assert w.open_paths([notes]) == []
    # one item: "Skipped 1 item that is not a photo" (ngettext; was "item(s) that are not photos")
    assert "not a photo" in w.statusBar().currentMessage() and "notes.txt" in w.statusBar().currentMessage()
    open_and_wait(qtbot, w, [bad])
    photo = w.session.current
    assert photo.status == FAILED
    assert "broken.jpg" in w.banner.text() and "is damaged" in w.banner.text()  # the core loader's words
    assert not w.run_current()
    assert "Not sent" in w.run_panel.error.text() and ui_backend.gateway.stats.creates == 0


def test_settings_changed_during_a_batch_wait_for_its_running_photos(qtbot, tmp_path):
    w = make_window(qtbot)  # the window opens (and owns) its local gateway; the batch shares it
    with qtbot.waitSignal(w.warmed_up, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: w.batch_panel is not None, timeout=30_000)
    shoot = [
        photos.save(img, tmp_path / "shoot" / f"{n}.jpg")
        for n, img in enumerate((photos.astronaut(), photos.grace_hopper(), photos.astronaut()[:, ::-1]))
    ]
    w.batch_flow.retouch(w.open_paths(shoot))
    qtbot.waitUntil(lambda: w.batch_queue.counts().get("running", 0) > 0, timeout=30_000)
    w.apply_settings(Settings(theme="dark"))  # applied to the Run worker once the backend is free
    # held back while the batch's photos use the backend
    assert w.settings_flow.pending == Settings(theme="dark")
    with qtbot.waitSignal(w.batch_panel.finished, timeout=120_000):
        pass
    assert [i.status for i in w.batch_queue.items()] == ["done"] * 3, [i.error for i in w.batch_queue.items()]
    qtbot.waitUntil(lambda: w.settings_flow.pending is None, timeout=5_000)  # applied once the batch was done
    assert w.runner.worker._settings == Settings(theme="dark")


def test_a_local_batch_refuses_a_prompt_before_sending_with_the_engines_fix(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.batch_panel is not None, timeout=30_000)
    other = photos.save(photos.grace_hopper(), tmp_path / "batch" / "hopper.jpg")
    open_and_wait(qtbot, w, [other])
    w.controls.prompt.setText("make it an oil painting")
    assert w.shoot.retouch_selected()  # Retouch selected…: the dialog says why before anything is sent
    dialog = w.shoot.dialog
    assert "its settings use a prompt, which needs the cloud" in dialog.plan_label.text()
    assert not dialog.start_button.isEnabled()
    dialog.reject()
    # Run says the same with the engine's fix.
    w.run_current()
    said = w.run_panel.error.text()
    assert "needs the cloud model" in said and "Clear the prompt" in said
    assert ui_backend.gateway.stats.creates == 0  # nothing was sent


def test_the_local_engines_notes_reach_the_run_panel(qtbot, portrait_file, ui_backend):
    w = make_window(qtbot, ui_backend)
    open_and_wait(qtbot, w, [portrait_file])
    w.controls.seed.setText("7")  # typed: the photographer may expect another result from another seed
    w.controls.seed.editingFinished.emit()
    assert w.controls.params().seed == 7
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()
    text = w.run_panel.status.text()
    assert text.startswith("Done in")
    assert "\nNote: The local engine is deterministic: the seed does not change its result." in text


def test_a_history_version_made_current_is_saved_with_its_own_sidecar(
    qtbot, tmp_path, portrait_file, ui_backend
):
    import json

    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.history_panel is not None, timeout=30_000)
    w.docks["history"].show()
    open_and_wait(qtbot, w, [portrait_file])
    w.controls.seed.setText("7")  # the first version carries the engine's note about the seed
    w.controls.seed.editingFinished.emit()
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()
    first_task = w.session.current.task_id
    w.controls.sliders["gpen"].setValue(9)
    w.controls.seed.setText("-1")
    w.controls.seed.editingFinished.emit()
    with qtbot.waitSignal(w.run_finished, timeout=90_000):
        assert w.run_current()
    qtbot.waitUntil(lambda: len(w.history_panel.versions()) == 2, timeout=10_000)
    first = next(v for v in w.history_panel.versions() if v.task_id == first_task)
    shown = w.session.current.screen.result_image
    with qtbot.assertNotEmitted(w.run_finished, wait=0):  # showing a version is not a finished run
        w.show_version(first)
        qtbot.waitUntil(lambda: w.session.current.screen.result_image is not shown, timeout=10_000)
    assert w.run_panel.status.text() == ""  # the second run's "Done" no longer describes what is shown
    out = tmp_path / "out" / "first.jpg"
    with qtbot.waitSignal(w.saved, timeout=30_000):
        assert w.save_as(out)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["task_id"] == first_task and sidecar["params"]["gpen"] == first.params.gpen != 0.9
    assert sidecar["seed"] == 7 and "the seed does not change its result" in sidecar["notes"][0]


def test_a_replaced_api_key_is_used_from_the_next_run(qtbot, portrait_file, local_gateway):
    from portrait_studio.api import keys

    # The local gateway speaking as "the cloud": it accepts only its own token as the API key.
    keys.set_api_key("an-old-revoked-key")
    w = make_window(qtbot, settings=Settings(backend="cloud", base_url=local_gateway.base_url))
    open_and_wait(qtbot, w, [portrait_file])
    with qtbot.waitSignal(w.run_failed, timeout=60_000) as failed:
        assert w.run_current()
    assert "key" in failed.args[0].lower()
    # What the Settings dialog does on OK: the new key goes to the keyring, the same settings are applied.
    keys.set_api_key(local_gateway.token)
    w.apply_settings(w.settings)
    outcome: list[str] = []
    w.run_finished.connect(lambda _o: outcome.append("done"))
    w.run_failed.connect(outcome.append)
    assert w.run_current()
    qtbot.waitUntil(lambda: bool(outcome), timeout=90_000)
    assert outcome == ["done"] and local_gateway.stats.creates == 1


def test_a_theme_change_keeps_the_running_local_engine(qtbot):
    w = make_window(qtbot)  # the window opens (and owns) its local gateway
    with qtbot.waitSignal(w.warmed_up, timeout=60_000):
        pass
    backend = w.runner.worker.backend()
    pids = backend.gateway.engine.pids
    assert pids
    w.apply_settings(w.settings.replace(theme="dark"))
    qtbot.wait(100)  # a backend check queued on the Run worker's thread runs meanwhile
    assert w.runner.worker.backend() is backend and backend.gateway.engine.pids == pids  # not restarted
    closed_on: list[str] = []
    close = backend.close
    backend.close = lambda: closed_on.append(threading.current_thread().name) or close()
    w.apply_settings(w.settings.replace(backend="cloud"))
    qtbot.waitUntil(lambda: backend.gateway.engine.pids == [], timeout=10_000)  # its workers were stopped
    assert closed_on and threading.main_thread().name not in closed_on  # ... and not by the GUI thread


def test_a_batch_saves_in_the_output_folder_of_settings(qtbot, tmp_path, ui_backend):
    out = tmp_path / "Retouched"
    w = make_window(qtbot, ui_backend, settings=Settings(output_dir=str(out)))
    qtbot.waitUntil(lambda: w.batch_panel is not None, timeout=30_000)
    shot = photos.save(photos.grace_hopper(), tmp_path / "card" / "hopper.jpg")
    with qtbot.waitSignal(w.batch_panel.finished, timeout=90_000):
        (item,) = w.batch_flow.retouch(w.open_paths([shot]))
    done = w.batch_panel.item(item.id)
    assert done.status == "done", done.error
    assert sorted(p.name for p in out.iterdir()) == ["hopper.retouched.jpg", "hopper.retouched.json"]
    assert sorted(p.name for p in shot.parent.iterdir()) == ["hopper.jpg"]  # the card is left as it was
