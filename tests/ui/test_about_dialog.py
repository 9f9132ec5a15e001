"""The About dialog: version, and the three licences with links to their texts."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

import PySide6
from PySide6.QtCore import qVersion

from portrait_studio import APP_NAME, __version__
from portrait_studio.ui.dialogs import about_dialog
from portrait_studio.ui.dialogs.about_dialog import AboutDialog, licences, licences_html


def test_dialog_shows_version_and_every_licence(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    version_text = dialog.version_label.text()
    assert f"Version {__version__}" in version_text
    assert qVersion() in version_text and PySide6.__version__ in version_text
    assert APP_NAME in dialog.windowTitle()
    shown = dialog.licences_view.toPlainText()
    for spdx in ("MIT", "LGPL-3.0-only", "Apache-2.0"):
        assert spdx in shown
    assert dialog.licences_view.openExternalLinks()
    assert not dialog.grab().isNull()


def test_shipped_licence_files_are_linked_and_say_what_they_should():
    by_spdx = {item.spdx: item for item in licences()}
    assert set(by_spdx) == {"MIT", "LGPL-3.0-only", "Apache-2.0"}
    mit, apache = by_spdx["MIT"].local_file, by_spdx["Apache-2.0"].local_file
    lgpl = by_spdx["LGPL-3.0-only"].local_file
    assert mit is not None and "MIT License" in mit.read_text(encoding="utf-8")
    assert lgpl is not None
    qt_text = lgpl.read_text(encoding="utf-8")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in qt_text and "GNU GENERAL PUBLIC LICENSE" in qt_text
    assert apache is not None
    notice = apache.read_text(encoding="utf-8")
    assert "Apache License" in notice and "MediaPipe" in notice
    html = licences_html(licences())
    linked = {
        unquote(urlparse(href).path)
        for href in (part.split('"', 1)[0] for part in html.split('href="')[1:])
        if href.startswith("file:")
    }
    assert linked == {str(mit), str(lgpl), str(apache)}


def test_the_app_licence_is_found_in_an_installed_wheels_metadata(tmp_path, monkeypatch):
    # A wheel has no clone around it: the LICENSE it installs under *.dist-info/licenses/ is the one linked.
    monkeypatch.setattr(
        about_dialog, "resources_dir", lambda: tmp_path / "site" / "portrait_studio" / "resources"
    )
    found = about_dialog.app_licence_file()
    assert found is not None and "MIT License" in found.read_text()  # (tests/test_xcb_start.py: a real wheel)


def test_a_missing_notice_file_is_not_linked(tmp_path, monkeypatch):
    monkeypatch.setattr(about_dialog, "resources_dir", lambda: tmp_path / "resources")
    monkeypatch.setattr(about_dialog, "installed_licence_file", lambda: None)  # (no wheel's metadata either)
    items = licences()
    assert all(item.local_file is None for item in items)
    assert "file:" not in licences_html(items)
    # the licences are still named, with the official texts online
    assert [i.url for i in items] == [about_dialog.MIT_URL, about_dialog.LGPL3_URL, about_dialog.APACHE2_URL]
