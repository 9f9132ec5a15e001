import json

import pytest

from portrait_studio.core.params import EditParams
from portrait_studio.core.presets import PresetStore
from portrait_studio.ui.panels.presets_panel import NAME_ROLE, PresetsPanel

CURRENT = EditParams(gpen=0.7, skin=0.5, skin_unifi=0.2, width=1024, height=1536, seed=42)


@pytest.fixture
def store() -> PresetStore:
    return PresetStore()  # real store: built-ins from resources/, user folder under the test's data dir


@pytest.fixture
def panel(qtbot, store):
    w = PresetsPanel(store, current_params=lambda: CURRENT)
    qtbot.addWidget(w)
    w.resize(320, 480)
    w.show()
    return w


def test_lists_builtins_and_applies_one(panel, store, qtbot):
    builtins = [p for p in store.list() if p.builtin]
    assert len(builtins) >= 4
    assert panel.names()[: len(builtins)] == [p.name for p in builtins]
    assert "built-in" in panel.list.item(0).text()
    target = builtins[1]
    with qtbot.waitSignal(panel.preset_applied, timeout=1000) as blocker:
        panel.apply(target.name.upper())  # names are case-insensitive
    assert blocker.args == [target.name, target.params]
    panel.select(target.name)
    # the details line shows the real values of that preset
    assert f"Skin {target.params.skin:.1f}" in panel.details.text()


def test_double_click_and_enter_apply(panel, store, qtbot):
    from PySide6.QtCore import Qt

    qtbot.waitExposed(panel)
    second = panel.list.item(1)
    centre = panel.list.visualItemRect(second).center()
    applied: list = []
    panel.preset_applied.connect(lambda *args: applied.append(args))
    # QTest's double-click is a lone DblClick event; a real one starts with a click (item views need it)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert applied == []  # a single click only selects
    assert panel.selected_name() == second.data(NAME_ROLE)
    qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert applied == [(second.data(NAME_ROLE), store.get(second.data(NAME_ROLE)).params)]
    panel.list.setCurrentRow(2)
    panel.list.setFocus()
    with qtbot.waitSignal(panel.preset_applied, timeout=1000) as blocker:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert blocker.args[0] == panel.list.item(2).data(NAME_ROLE)


def test_save_current_as_writes_a_file_and_selects_it(panel, store):
    preset = panel.save_current_as("Wedding soft", "for the Smith shoot")
    assert preset is not None
    assert store.get("wedding soft").params == CURRENT
    assert preset.path is not None and preset.path.is_file()
    assert panel.selected_name() == "Wedding soft"
    assert "Wedding soft" in panel.names()
    assert panel.rename_button.isEnabled() and panel.delete_button.isEnabled()
    # a second save under the same name is refused unless replacing is confirmed
    assert panel.save_current_as("WEDDING SOFT") is None
    assert "already exists" in panel.message.text()
    assert panel.save_current_as("Wedding soft", replace=True) is not None


def test_save_needs_a_source_of_params(qtbot, store):
    w = PresetsPanel(store)
    qtbot.addWidget(w)
    assert not w.save_button.isEnabled()
    assert w.save_current_as("x") is None
    assert "Open a photo first" in w.message.text()
    w.set_params_source(lambda: CURRENT)
    assert w.save_button.isEnabled()
    assert w.save_current_as("x") is not None


def test_builtins_cannot_be_renamed_or_deleted(panel, store, qtbot):
    builtin = next(p for p in store.list() if p.builtin)
    panel.select(builtin.name)
    assert not panel.rename_button.isEnabled()
    assert not panel.delete_button.isEnabled()
    with qtbot.waitSignal(panel.error, timeout=1000) as blocker:
        assert panel.delete(builtin.name) is False
    assert "built-in" in blocker.args[0]
    assert panel.rename(builtin.name, "Mine") is None
    assert store.get(builtin.name).builtin
    assert "Mine" not in panel.names()
    # saving over a built-in's name is refused by the store, shown plainly
    assert panel.save_current_as(builtin.name) is None
    assert "built-in" in panel.message.text()


def test_rename_and_delete_user_preset(panel, store):
    panel.save_current_as("Draft")
    renamed = panel.rename("Draft", "Final look")
    assert renamed is not None
    assert "Draft" not in panel.names() and "Final look" in panel.names()
    assert store.get("Final look").params == CURRENT
    assert panel.delete("Final look") is True
    assert "Final look" not in panel.names()
    assert not list(store.user_dir.glob("*.json"))


def test_export_import_round_trip(panel, store, tmp_path):
    panel.save_current_as("Portable")
    out = panel.export_to("Portable", tmp_path / "portable.json")
    assert out is not None and json.loads(out.read_text())["params"]["gpen"] == 0.7
    panel.delete("Portable")
    imported = panel.import_from(out, name="Back again")
    assert imported is not None and imported.params == CURRENT
    assert panel.selected_name() == "Back again"


def test_broken_import_is_a_message_not_a_crash(panel, tmp_path, qtbot):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": 1, "name": "Oops", "params": {"gpen": 7}}')
    before = panel.names()
    with qtbot.waitSignal(panel.error, timeout=1000) as blocker:
        assert panel.import_from(bad) is None
    assert "gpen" in blocker.args[0]
    assert panel.message.isVisible()
    assert panel.names() == before


def test_broken_user_file_is_a_plain_warning(qtbot, store):
    store.save("Good one", CURRENT)
    (store.user_dir / "broken.json").write_text("{not json")
    (store.user_dir / "future.json").write_text('{"schema": 99, "name": "X", "params": {}}')
    w = PresetsPanel(store)
    qtbot.addWidget(w)
    w.show()
    assert w.problems_label.isVisible()
    text = w.problems_label.text()
    assert "2 preset files could not be read" in text
    assert "broken.json" in text and "future.json" in text and "newer Portrait Studio" in text
    assert "Good one" in w.names()


def test_presets_saved_elsewhere_appear(panel, qtbot):
    other = PresetStore()  # another window or the CLI, same folder
    other.save("From the CLI", CURRENT)
    qtbot.waitUntil(lambda: "From the CLI" in panel.names(), timeout=3000)
