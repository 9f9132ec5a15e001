"""Issue 18 item 7: messages belong to their photo, the status bar never stays on a busy line, plain words for
files that cannot be read, a badge that says when nothing can be fixed, and damaged JPEGs are not "ready"."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from portrait_studio.ui.model.session import BLOCKED
from tests import photos
from tests.ui.windows import make_window


def open_and_wait(qtbot, w, paths, count=1):
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths(paths)
    qtbot.waitUntil(lambda: len(set(seen)) >= count, timeout=60_000)


def test_a_not_sent_message_stays_with_its_photo(qtbot, tmp_path):
    a = photos.astronaut()
    group = photos.save(np.hstack([a, a[:, ::-1]]), tmp_path / "shoot" / "01-two.jpg", quality=92)
    photos.save(a, tmp_path / "shoot" / "02-one.jpg", quality=92)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, [group.parent], count=2)
    w.session.set_current(0)
    assert not w.run_current()  # two faces: refused before anything is sent
    assert "Not sent" in w.run_panel.error.text() and w.run_panel.error.isVisibleTo(w)
    w.session.set_current(1)
    assert w.run_panel.error.isHidden(), "photo 1's error is shown over photo 2"
    w.session.set_current(0)
    assert "Not sent" in w.run_panel.error.text() and not w.run_panel.error.isHidden()


def test_unreadable_files_get_the_cli_words_and_the_status_bar_does_not_wait_for_faces(qtbot, tmp_path):
    empty = tmp_path / "shoot" / "01-empty.jpg"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    text_file = tmp_path / "shoot" / "02-notes.jpg"
    text_file.write_text("these are my notes, not a photo\n" * 20)
    w = make_window(qtbot)
    open_and_wait(qtbot, w, [empty.parent], count=2)
    w.session.set_current(0)
    assert "is empty (0 bytes)" in w.banner.text()
    assert w.faces_label.text() != "Looking for faces…"
    w.session.set_current(1)
    assert "is not an image" in w.banner.text()
    assert "cannot identify image file" not in w.banner.text()
    assert w.faces_label.text() == "Not read"


def badge_colour(w, index):
    image: QImage = w.filmstrip.item(index).icon().pixmap(w.filmstrip.iconSize()).toImage()
    return image.pixelColor(image.width() - 8, 10)


def test_no_face_is_not_badged_fix_when_nothing_can_be_fixed(qtbot, tmp_path):
    photos.save(photos.astronaut(), tmp_path / "shoot" / "01.jpg")
    photos.save(photos.chelsea(), tmp_path / "shoot" / "02-cat.jpg")
    w = make_window(qtbot)
    open_and_wait(qtbot, w, [tmp_path / "shoot"], count=2)
    cat = w.session.photos[1]
    assert cat.face_count == 0 and cat.status == BLOCKED
    from portrait_studio.ui.panels.filmstrip import BADGE_COLOURS, BADGE_TEXT

    assert BADGE_TEXT[BLOCKED] != "FIX"
    assert badge_colour(w, 1) == BADGE_COLOURS[BLOCKED]  # the tile drawn carries the "cannot be sent" badge


def test_a_jpeg_with_zeroed_scan_data_is_not_ready_to_retouch(qtbot, tmp_path):
    good = photos.save(photos.astronaut(), tmp_path / "good.jpg", quality=92)
    data = bytearray(good.read_bytes())
    start = data.find(b"\xff\xda") + 2000
    data[start : start + 4096] = bytes(4096)
    bad = tmp_path / "damaged.jpg"
    bad.write_bytes(bytes(data))
    w = make_window(qtbot)
    open_and_wait(qtbot, w, [bad])
    assert "ready to retouch" not in w.banner.text()
    assert "damaged" in w.banner.text()
