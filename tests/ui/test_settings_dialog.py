import socket
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QDialog, QLineEdit

from portrait_studio.api import keys
from portrait_studio.api.keys import KEYRING_SERVICE, KEYRING_USER
from portrait_studio.core.settings import Settings, load_settings, settings_path
from portrait_studio.ui.dialogs.settings_dialog import SettingsDialog, mask_key

SECRET = "sk-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def forget_session_key() -> Iterator[None]:
    """keys keeps a session key in a module global when there is no keyring: never leak it to other tests."""
    yield
    keys.delete_api_key()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def make_dialog(qtbot, settings: Settings | None = None) -> SettingsDialog:
    d = SettingsDialog(settings or Settings())
    qtbot.addWidget(d)
    d.show()
    return d


def test_form_shows_settings_and_saves_them(qtbot, tmp_path):
    start = Settings(backend="cloud", base_url="https://gw.example", theme="dark", confirm_cost_above=0.05)
    d = make_dialog(qtbot, start)
    assert d.result_settings() == start  # the form shows exactly what it was given
    d.theme_combo.setCurrentIndex(d.theme_combo.findData("light"))
    d.output_edit.setText(str(tmp_path))
    d.confirm_spin.setValue(0.25)
    d.budget_check.setChecked(True)
    d.budget_spin.setValue(3.5)
    with qtbot.waitSignal(d.settings_changed, timeout=1000) as blocker:
        d.buttons.button(d.buttons.StandardButton.Save).click()
    saved = blocker.args[0]
    assert saved.theme == "light" and saved.output_dir == str(tmp_path)
    assert saved.confirm_cost_above == 0.25 and saved.budget_cap == 3.5
    assert load_settings() == saved  # written by core.settings.save_settings
    assert d.result() == QDialog.DialogCode.Accepted


def test_budget_cap_off_means_none(qtbot):
    d = make_dialog(qtbot, Settings(budget_cap=2.0))
    assert d.budget_spin.isEnabled()
    d.budget_check.setChecked(False)
    assert not d.budget_spin.isEnabled()
    assert d.result_settings().budget_cap is None


def test_cloud_fields_follow_backend_and_hosting(qtbot):
    d = make_dialog(qtbot, Settings(backend="local"))
    assert not d.base_url_edit.isEnabled() and not d.key_edit.isEnabled()
    d.backend_combo.setCurrentIndex(d.backend_combo.findData("cloud"))
    assert d.base_url_edit.isEnabled() and d.key_edit.isEnabled()
    assert not d.upload_url_edit.isEnabled()
    d.host_combo.setCurrentIndex(d.host_combo.findData("upload"))
    assert d.upload_url_edit.isEnabled()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("base_url_edit", "cloud.vtrix.ai", "not a web address"),
        ("upload_url_edit", "", "upload endpoint"),
        ("output_edit", "/no/such/folder/anywhere", "does not exist"),
    ],
)
def test_invalid_form_is_explained_and_not_saved(qtbot, field, value, words):
    d = make_dialog(qtbot, Settings(backend="cloud", image_host="upload", upload_url="https://up.example/u"))
    getattr(d, field).setText(value)
    changed = []
    d.settings_changed.connect(changed.append)
    d.accept()
    assert words in d.error_label.text()
    assert "—" in d.error_label.text()  # message — fix
    assert d.isVisible() and not changed
    assert not settings_path().exists()


def test_api_key_is_masked_and_stored_in_keyring(qtbot, memory_keyring):
    d = make_dialog(qtbot, Settings(backend="cloud"))
    assert d.key_edit.echoMode() == QLineEdit.EchoMode.Password
    assert "No API key yet" in d.key_status.text()
    qtbot.keyClicks(d.key_edit, SECRET)
    assert SECRET not in d.key_edit.displayText()
    d.accept()
    assert memory_keyring.store[(KEYRING_SERVICE, KEYRING_USER)] == SECRET
    assert d.key_storage is keys.KeyStorage.KEYRING
    assert SECRET not in load_settings().to_dict().values()
    assert SECRET not in settings_path().read_text()  # never in the plain settings file
    # opening again shows it is there, masked, with only the last four characters
    d2 = make_dialog(qtbot, Settings(backend="cloud"))
    assert d2.key_edit.placeholderText() == mask_key(SECRET) and "cdef" in mask_key(SECRET)
    assert "system keyring" in d2.key_status.text()
    assert d2.remove_key_button.isEnabled()
    d2.remove_key_button.click()
    assert (KEYRING_SERVICE, KEYRING_USER) not in memory_keyring.store
    assert "No API key yet" in d2.key_status.text()


def test_no_keyring_keeps_key_for_session_and_says_so(qtbot, no_keyring, memory_keyring):
    d = make_dialog(qtbot, Settings(backend="cloud"))
    assert "No system keyring" in d.key_status.text()
    assert "until the app quits" in d.key_status.text()
    d.key_edit.setText(SECRET)
    d.accept()
    assert d.key_storage is keys.KeyStorage.SESSION
    assert keys.get_api_key() == SECRET
    assert not memory_keyring.store
    d2 = make_dialog(qtbot, Settings(backend="cloud"))
    assert "this session only" in d2.key_status.text()


def test_environment_key_is_reported(qtbot, monkeypatch):
    monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", SECRET)
    d = make_dialog(qtbot, Settings(backend="cloud"))
    assert "PORTRAIT_STUDIO_API_KEY" in d.key_status.text()
    assert SECRET not in d.key_status.text() and SECRET not in d.key_edit.placeholderText()


def run_probe(qtbot, d: SettingsDialog, timeout: int = 15000) -> tuple[bool, str]:
    with qtbot.waitSignal(d.connection_tested, timeout=timeout) as blocker:
        d.test_button.click()
    assert not d.test_button.isEnabled() or not d.is_testing()
    qtbot.waitUntil(lambda: not d.is_testing(), timeout=5000)  # the QThread is finished and released
    assert d.test_button.isEnabled()
    return blocker.args[0], blocker.args[1]


def test_test_connection_over_real_http(qtbot, local_gateway):
    # "cloud" pointed at the local gateway: the same protocol, a real server, its token as the key
    d = make_dialog(qtbot, Settings(backend="cloud", base_url=local_gateway.base_url))
    d.key_edit.setText(local_gateway.token)
    ok, message = run_probe(qtbot, d)
    assert ok, message
    assert "key was accepted" in message and "cost nothing" in message  # the local gateway quotes "0"
    assert d.test_result.text().startswith("✔")
    assert local_gateway.stats.creates == 0  # a precharge creates (and charges) nothing


def test_test_connection_wrong_key_in_plain_words(qtbot, local_gateway):
    d = make_dialog(qtbot, Settings(backend="cloud", base_url=local_gateway.base_url))
    d.key_edit.setText("not-the-token")
    ok, message = run_probe(qtbot, d)
    assert not ok
    assert "API key was refused" in message and "Check the API key" in message
    assert "not-the-token" not in message


def test_test_connection_unreachable(qtbot):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = make_dialog(qtbot, Settings(backend="cloud", base_url=f"http://127.0.0.1:{port}"))
    d.key_edit.setText(SECRET)
    ok, message = run_probe(qtbot, d)
    assert not ok
    assert f"Could not reach 127.0.0.1:{port}" in message and "base URL in Settings" in message
    assert SECRET not in message


def test_test_connection_without_key(qtbot):
    d = make_dialog(qtbot, Settings(backend="cloud"))
    ok, message = run_probe(qtbot, d)
    assert not ok and "no API key" in message


def test_test_connection_local_backend(qtbot):
    d = make_dialog(qtbot, Settings(backend="local"))
    ok, message = run_probe(qtbot, d, timeout=30000)
    assert ok, message
    assert "local engine is ready" in message


def test_closing_during_a_test_waits_for_the_thread(qtbot, local_gateway):
    local_gateway.faults.add("precharge", delay=0.5)
    d = make_dialog(qtbot, Settings(backend="cloud", base_url=local_gateway.base_url))
    d.key_edit.setText(local_gateway.token)
    d.test_button.click()
    assert d.is_testing()
    d.reject()  # must not leave a running QThread behind ("Destroyed while thread is still running")
    assert not d.is_testing()
    assert d.result() == QDialog.DialogCode.Rejected


def test_test_connection_goes_through_the_upload_endpoint(qtbot, local_gateway):
    upload_url = local_gateway.upload_url  # the local gateway's upload URL (its secret, no key)
    d = make_dialog(
        qtbot,
        Settings(
            backend="cloud", base_url=local_gateway.base_url, image_host="upload", upload_url=upload_url
        ),
    )
    d.key_edit.setText(local_gateway.token)
    ok, message = run_probe(qtbot, d)
    assert ok, message
    assert "upload endpoint works" in message
    assert local_gateway.stats.upload_requests == 1 and local_gateway.stats.precharge_requests == 1


def test_test_connection_reports_a_broken_upload_endpoint(qtbot, local_gateway):
    d = make_dialog(
        qtbot,
        Settings(
            backend="cloud",
            base_url=local_gateway.base_url,
            image_host="upload",
            upload_url=f"{local_gateway.base_url}/no-such-route",
        ),
    )
    d.key_edit.setText(local_gateway.token)
    ok, message = run_probe(qtbot, d)
    assert not ok
    assert "upload endpoint" in message and "Upload URL" in message
    assert local_gateway.stats.precharge_requests == 0
