"""The API key: keyring, environment, session fallback; it never leaks into logs, errors, reprs or files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from keyring.backends import fail

from portrait_studio.api import keys
from portrait_studio.api.backend import open_backend
from portrait_studio.api.client import Client
from portrait_studio.core.errors import AuthenticationError, PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.gateway import LocalGateway

SECRET = "sk-live-THIS-IS-A-SECRET-1234567890"


@pytest.fixture(autouse=True)
def _forget_session_key() -> None:
    keys.delete_api_key()


def test_keyring_round_trip(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    assert keys.keyring_available()
    assert keys.get_api_key() is None
    assert keys.set_api_key(f"  {SECRET}\n") is keys.KeyStorage.KEYRING
    assert memory_keyring.store[("portrait-studio", "api-key")] == SECRET
    assert keys.get_api_key() == SECRET
    keys.delete_api_key()
    assert keys.get_api_key() is None


def test_environment_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    keys.set_api_key("from-keyring")
    monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", "from-env")
    assert keys.get_api_key() == "from-env"


def test_no_keyring_backend_keeps_the_key_for_the_session_only(isolated_app_dirs: Path) -> None:
    import keyring

    keyring.set_keyring(fail.Keyring())
    assert not keys.keyring_available()
    storage = keys.set_api_key(SECRET)
    assert storage is keys.KeyStorage.SESSION and "only until the app quits" in storage.message
    assert keys.get_api_key() == SECRET
    written = [p.read_bytes() for p in isolated_app_dirs.rglob("*") if p.is_file()]
    assert not any(SECRET.encode() in data for data in written)
    with pytest.raises(ValueError):
        keys.set_api_key("   ")


def test_the_key_never_leaks(
    local_gateway: LocalGateway,
    portrait_data_url: str,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    isolated_app_dirs: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    # A wrong key: the 401 error text must not quote it.
    with Client(local_gateway.base_url, SECRET) as wrong:
        texts.append(repr(wrong))
        with pytest.raises(AuthenticationError) as info:
            wrong.submit(EditParams(), portrait_data_url)
        texts += [str(info.value), repr(info.value), str(info.value.to_dict()), str(info.value.body)]
    # A server that echoes the key back in its error body: still redacted.
    gw_key = local_gateway.token
    local_gateway.faults.add("create", status=400, body={"error": {"message": f"bad key {gw_key}"}})
    with Client(local_gateway.base_url, gw_key) as right:
        with pytest.raises(PortraitStudioError) as echoed:
            right.submit(EditParams(), portrait_data_url)
        assert "***" in str(echoed.value)
        texts += [str(echoed.value), repr(echoed.value), str(echoed.value.body)]
        done = right.wait(right.submit(EditParams(width=512, height=512), portrait_data_url).id)
        right.download(done.outputs[0].url, tmp_path / "out.jpg")
        texts += [repr(done), str(done.raw), repr(right)]
    # The cloud backend session with a stored key.
    keys.set_api_key(SECRET)
    with open_backend(Settings(backend="cloud", base_url=local_gateway.base_url)) as session:
        texts.append(repr(session))
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    for text in texts:
        assert SECRET not in text and gw_key not in text, text
    files = [*tmp_path.rglob("*"), *isolated_app_dirs.rglob("*"), *local_gateway.cache_dir.rglob("*")]
    for path in files:
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data and gw_key.encode() not in data, path
    assert len(caplog.records) > 0  # the check above looked at real log lines


def test_a_failing_keyring_falls_back_to_the_session(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    from keyring.errors import PasswordSetError

    def refuse(service: str, username: str, password: str) -> None:
        raise PasswordSetError("locked")

    memory_keyring.set_password = refuse
    assert keys.set_api_key(SECRET) is keys.KeyStorage.SESSION
    assert keys.get_api_key() == SECRET
