"""Watch folder in the real window (issue 20): new photos appear in the filmstrip with their result badges, a
photo done before is not done again, and the daily cap pauses it with a message that stays in view.

The real window, the real local gateway; files land in the watched folder as a tethering program writes them
(a `.part` renamed into place, and a plain write).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt

from portrait_studio.api.backend import BackendSession
from portrait_studio.api.client import Client
from portrait_studio.core.settings import Settings
from portrait_studio.gateway import LocalGateway, TrivialEngine
from portrait_studio.ui.model.session import SAVED
from portrait_studio.ui.window.watch_flow import OFF, PAUSED, WATCHING
from tests import photos
from tests.ui.windows import make_window


def start_watching(qtbot, w, in_dir: Path, out_dir: Path, preset: str | None = None) -> None:
    qtbot.waitUntil(lambda: w.watch_flow is not None and w.presets_panel is not None, timeout=60_000)
    w.shoot.watch_action.trigger()  # File ▸ … Photo ▸ Watch folder… (a toggle)
    dialog = w.shoot.dialog
    assert dialog is not None and dialog.isVisible() and dialog.objectName() == "watch-dialog"
    dialog.watch_edit.setText(str(in_dir))
    dialog.out_edit.setText(str(out_dir))
    if preset is not None:
        dialog.settings_box.setCurrentIndex(dialog.settings_box.findText(f"Preset: {preset}"))
    assert dialog.start_button.isEnabled(), dialog.plan_label.text()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.watch_flow.state == WATCHING, timeout=30_000)


def arrive(src: Path, dest: Path) -> None:
    """Copied in as a tethering program does: written under a temporary name, renamed when complete."""
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(src.read_bytes())
    os.replace(part, dest)


def test_photos_arriving_show_in_the_filmstrip_with_their_results(qtbot, tmp_path, ui_backend):
    src = tmp_path / "card"
    a = photos.save(photos.astronaut(), src / "IMG_0001.jpg", quality=90)
    b = photos.save(photos.grace_hopper(), src / "IMG_0002.jpg", quality=90)
    in_dir, out_dir = tmp_path / "tether", tmp_path / "tether" / "retouched"
    in_dir.mkdir()
    w = make_window(qtbot, ui_backend)
    start_watching(qtbot, w, in_dir, out_dir, preset="Natural")
    label = w.shoot.watch_label
    assert label.isVisible() and label.text() == f"Watching {in_dir} → {out_dir}"
    assert w.shoot.watch_action.isChecked()
    arrive(a, in_dir / a.name)
    qtbot.waitUntil(lambda: w.session.index_of(in_dir / a.name) >= 0, timeout=30_000)
    assert w.filmstrip.isVisible()  # one photo, but its badge is the watch's answer
    (in_dir / b.name).write_bytes(b.read_bytes())
    qtbot.waitUntil(lambda: len(w.session.photos) == 2, timeout=30_000)
    qtbot.waitUntil(
        lambda: all(w.filmstrip.item(i).data(Qt.ItemDataRole.UserRole) == SAVED for i in range(2)),
        timeout=120_000,
    )
    results = sorted(p.name for p in out_dir.glob("*.jpg"))
    assert results == ["IMG_0001.retouched.jpg", "IMG_0002.retouched.jpg"]
    assert [p.path.name for p in w.session.photos] == ["IMG_0001.jpg", "IMG_0002.jpg"]  # arrival order
    assert w.session.current_index == 0  # the photo shown is not taken away by an arrival
    natural = w.session.photos[0].params
    assert (natural.gpen, natural.skin, natural.skin_unifi) == (0.3, 0.2, 0.1)  # the preset chosen
    assert w.controls.params() == natural  # and the sliders say so
    assert label.text().endswith("· 2 done")
    assert ui_backend.gateway.stats.creates == 2
    w.shoot.watch_action.trigger()  # off
    assert w.watch_flow.state == OFF and not label.isVisible() and not w.shoot.watch_action.isChecked()
    # Watching again: what the journal did into that folder is shown done, and not sent again.
    for photo in list(w.session.photos):
        photo.saved_path = photo.result_path = None  # (a fresh look: only the watcher can mark them)
    start_watching(qtbot, w, in_dir, out_dir, preset="Natural")
    qtbot.waitUntil(lambda: all(p.saved_path is not None for p in w.session.photos), timeout=60_000)
    assert w.session.photos[0].saved_path == out_dir / "IMG_0001.retouched.jpg"
    assert ui_backend.gateway.stats.creates == 2
    w.shoot.watch_action.trigger()


def test_a_folder_that_is_not_there_is_refused_in_the_dialog(qtbot, tmp_path, ui_backend):
    w = make_window(qtbot, ui_backend)
    qtbot.waitUntil(lambda: w.watch_flow is not None, timeout=60_000)
    w.shoot.watch_action.trigger()
    dialog = w.shoot.dialog
    dialog.watch_edit.setText(str(tmp_path / "no-such-folder"))
    dialog.out_edit.setText(str(tmp_path / "out"))
    assert not dialog.start_button.isEnabled()
    assert "does not exist" in dialog.plan_label.text()
    dialog.reject()
    assert not w.shoot.watch_action.isChecked() and w.watch_flow.state == OFF


def test_the_daily_cap_pauses_the_watch_with_a_message_in_view(qtbot, tmp_path):
    # A gateway that quotes $0.05 a photo, spoken to as the cloud; the day's cap is $0.04.
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw") as gateway:
        quote = {"status": "success", "data": {"cost": "0.05", "currency": "USD"}}
        gateway.faults.add("precharge", status=200, body=quote, times=-1)
        backend = BackendSession(Client(gateway.base_url, gateway.token), "cloud", None, "cloud")
        settings = Settings(backend="cloud", budget_cap=Decimal("0.04"))
        try:
            w = make_window(qtbot, backend, settings)
            in_dir = tmp_path / "hot"
            in_dir.mkdir()
            start_watching(qtbot, w, in_dir, tmp_path / "out")
            photos.save(photos.astronaut(), in_dir / "a.jpg", quality=90)
            qtbot.waitUntil(lambda: w.watch_flow.state == PAUSED, timeout=60_000)
            label = w.shoot.watch_label
            assert label.isVisible() and label.text().startswith("Watch paused: ")
            assert "$0.04" in label.text() and "Raise the daily budget cap in Settings" in label.text()
            assert gateway.stats.creates == 0  # nothing paid past the cap
            i = w.session.index_of(in_dir / "a.jpg")
            assert i >= 0 and w.session.photos[i].queued  # waiting, badge QUEUED
            w.shoot.watch_action.trigger()
            assert w.watch_flow.state == OFF and not w.session.photos[i].queued
        finally:
            backend.close()


def test_a_photo_first_seen_running_takes_the_settings_it_is_sent_with(qapp, tmp_path):
    # The queue reports "queued" after the lock, so a worker's "running" can be the first report the window
    # reads (the watch folder's arrivals); the photo and the sliders must still show the watch's settings.
    from portrait_studio.api.batch import BatchItem
    from portrait_studio.core.params import EditParams
    from portrait_studio.ui.model.session import RUNNING, Session
    from portrait_studio.ui.window.batch_flow import apply_item

    session = Session()
    session.add([tmp_path / "IMG_1.jpg"], EditParams())
    session.set_current(0)
    shown: list[EditParams] = []
    natural = EditParams(gpen=0.3, skin=0.2, skin_unifi=0.1)
    item = BatchItem(1, tmp_path / "IMG_1.jpg", status="running", progress=0.25, stage="retouching")
    apply_item(session, 0, item, natural, lambda _i: None, shown.append)
    photo = session.photos[0]
    assert photo.params == natural and shown == [natural]
    assert photo.status == RUNNING and photo.progress == 0.25 and photo.run_text.endswith("25 %")
