"""Issue 18 item 8: a Save that cannot write offers Save as, Settings refuses a folder that cannot be
written, and a second Ctrl+S of the same result writes no identical "-2" copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from portrait_studio.core.errors import ConfigError
from portrait_studio.core.settings import Settings
from portrait_studio.ui.dialogs.settings_dialog import validate_form
from tests.ui.windows import make_window

UNWRITABLE = Path(
    "/sys"
)  # a real folder nobody can create files in, root included (permission bits would not)


def test_settings_refuse_an_output_folder_that_cannot_be_written(tmp_path):
    with pytest.raises(ConfigError) as err:
        validate_form(Settings(output_dir=str(UNWRITABLE)))
    assert "cannot be written" in err.value.message and "(" in err.value.message  # with the reason
    validate_form(Settings(output_dir=str(tmp_path)))  # a writable one is fine


def test_save_that_cannot_write_offers_save_as_and_a_second_save_writes_no_copy(
    qtbot, tmp_path, portrait_file, ui_backend, monkeypatch
):
    w = make_window(
        qtbot, ui_backend, Settings(output_dir=str(UNWRITABLE))
    )  # (a folder made read-only later)
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths([portrait_file])
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)
    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        assert w.run_current()
    with qtbot.waitSignal(w.save_failed, timeout=30_000):
        w.quick_save()
    assert w.statusBar().currentMessage().startswith("Not saved")  # not stuck on "Saving …"
    qtbot.waitUntil(lambda: getattr(w, "cannot_save_box", None) is not None and w.cannot_save_box.isVisible())
    asked: list[bool] = []
    monkeypatch.setattr(w, "choose_save_as", lambda: asked.append(True))
    button = next(b for b in w.cannot_save_box.buttons() if b.text() == "Save as…")
    button.click()
    assert asked == [True]

    out = tmp_path / "out"
    out.mkdir()
    w.apply_settings(w.settings.replace(output_dir=str(out)))
    with qtbot.waitSignal(w.saved, timeout=30_000) as first:
        w.quick_save()
    w.quick_save()
    assert w.statusBar().currentMessage() == f"Already saved as {first.args[0]}"
    qtbot.wait(300)
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".jpg") == [Path(first.args[0]).name]
