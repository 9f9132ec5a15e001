"""The Edit-In contract through the window (`portrait-studio edit FILE`), this test playing Lightroom Classic
(tests/lightroom.py; issue 20): the real MainWindow in round-trip mode on the real local engine, Ctrl+S."""

from __future__ import annotations

import hashlib

from tests.lightroom import check_round_trip, render_edit_copy, sha, snapshot
from tests.ui.windows import edit_in_window


def test_window_round_trip_saves_back_in_place_asks_before_closing_and_restores(qtbot, tmp_path, ui_backend):
    from PySide6.QtCore import Qt

    from portrait_studio.core.params import EditParams
    from portrait_studio.ui.window.edit_in_flow import CANCEL, DISCARD

    _original, edit = render_edit_copy(tmp_path / "shoot")
    rendered, before = edit.read_bytes(), snapshot(edit)
    listing = sorted(p.name for p in edit.parent.iterdir())
    w, flow, analysed = edit_in_window(qtbot, ui_backend, edit)
    assert "Edit In" in w.windowTitle() and edit.name in w.windowTitle()
    actions = w.window_actions
    assert not actions.save_as_action.isEnabled() and not actions.open_action.isEnabled()
    assert not actions.recent_menu.menuAction().isVisible() and not w.acceptDrops()
    size = w.controls.result_size
    assert size.current() == "original" and not size.isEnabled()
    qtbot.waitUntil(lambda: bool(analysed), timeout=60_000)
    assert w.windowTitle() == flow.title()  # (the photo's own title does not replace it)
    assert flow.source not in w.recent.items  # the working copy is not offered as a recent photo
    w.set_params(EditParams(gpen=0.5, skin=0.8, skin_unifi=0.3, width=1024, height=1024, seed=5))
    with qtbot.waitSignal(w.run_finished, timeout=180_000):
        assert w.run_current()
    assert flow.unsaved and edit.read_bytes() == rendered  # nothing written before Save
    asked: list[str] = []
    flow.ask = lambda name: asked.append(name) or CANCEL
    assert not w.close() and w.isVisible() and asked == [edit.name]  # Cancel keeps the window open
    with qtbot.waitSignal(flow.written, timeout=60_000):
        qtbot.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S
    check_round_trip(before, edit, listing)
    assert not flow.unsaved
    saved = edit.read_bytes()
    # A second run starts from the rendering (the window's copy), not from the saved retouch.
    assert sha(flow.source) == hashlib.sha256(rendered).hexdigest()
    w.set_params(EditParams(gpen=0.2, skin=0.3, skin_unifi=0.0, width=1024, height=1024, seed=5))
    with qtbot.waitSignal(w.run_finished, timeout=180_000):
        assert w.run_current()
    assert flow.unsaved
    with qtbot.waitSignal(flow.restored, timeout=30_000):
        flow.restore()  # File → Restore previous version: the rendering back
    assert edit.read_bytes() == rendered
    flow.ask = lambda name: asked.append(name) or DISCARD
    assert w.close() and asked == [edit.name, edit.name]
    assert edit.read_bytes() == rendered and saved != rendered
    assert sorted(p.name for p in edit.parent.iterdir()) == listing


def test_the_close_question_offers_save_discard_cancel_with_save_first(qtbot):
    from PySide6.QtWidgets import QMessageBox

    from portrait_studio.ui.window.edit_in_flow import question_box

    box = question_box(None, "IMG_0042-Edit.tif")
    qtbot.addWidget(box)
    button = QMessageBox.StandardButton
    assert box.standardButtons() == button.Save | button.Discard | button.Cancel
    assert box.defaultButton() is box.button(button.Save)
    assert "IMG_0042-Edit.tif" in box.text()
