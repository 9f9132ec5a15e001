"""Issue 18 item 10: the cloud without an API key says so at once, with Settings and where to get one."""

from __future__ import annotations

from portrait_studio.core.settings import DEFAULT_CLOUD_BASE_URL, Settings
from tests.ui.windows import make_window


def test_the_cloud_without_a_key_says_so_at_once_with_settings_and_the_key_site(
    qtbot, ui_backend, monkeypatch
):
    w = make_window(qtbot, ui_backend)
    assert w.run_panel.key_notice.isHidden()  # local: no key needed
    w.apply_settings(Settings(backend="cloud"))
    notice = w.run_panel.key_notice
    assert notice.isVisibleTo(w)
    assert "needs an API key" in w.run_panel.key_text.text()
    assert f'href="{DEFAULT_CLOUD_BASE_URL}"' in w.run_panel.key_text.text()
    opened: list[bool] = []
    monkeypatch.setattr(w, "open_settings", lambda: opened.append(True))
    w.run_panel.key_button.click()
    assert opened == [True]

    monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", "sk-test-0123456789")
    w.apply_settings(Settings(backend="cloud"))
    assert notice.isHidden()
