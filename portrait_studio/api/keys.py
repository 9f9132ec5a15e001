"""The API key: OS keyring (service "portrait-studio") or PORTRAIT_STUDIO_API_KEY; never a plain file."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from enum import Enum

import keyring
from keyring.errors import KeyringError

from portrait_studio.api import _constants as C
from portrait_studio.api._constants import ENV_API_KEY, KEYRING_SERVICE, KEYRING_USER
from portrait_studio.core.i18n import _
from portrait_studio.core.logs import add_secret

log = logging.getLogger(__name__)

_session_key: str | None = None  # used only when no keyring backend exists
_lock = threading.Lock()


class KeyStorage(Enum):
    """Where set_api_key put the key."""

    KEYRING = "keyring"
    SESSION = "session"  # no keyring backend: kept in memory until the app quits

    @property
    def message(self) -> str:
        """What to tell the user after saving."""
        if self is KeyStorage.KEYRING:
            return _("The API key is stored in your system keyring.")
        return _(
            "No system keyring is available, so the API key is kept only until the app quits (it "
            "is never written to a plain file). Install and unlock a keyring service (e.g. GNOME "
            "Keyring or KWallet) to keep it, or set PORTRAIT_STUDIO_API_KEY."
        )


def keyring_available() -> bool:
    """True when a real keyring backend is configured (not keyring's "fail" or "null" backends)."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring config must not crash start-up
        return False
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    backends = getattr(backend, "backends", None)  # the chainer: available only if it chains something
    return backends is None or bool(backends)


def get_api_key() -> str | None:
    """The environment variable wins, then the keyring, then a key kept for this session."""
    key = _find_api_key()
    add_secret(key)  # whatever key the app holds never reaches its log file
    return key


def _find_api_key() -> str | None:
    env = os.environ.get(C.ENV_API_KEY, "").strip()
    if env:
        return env
    if keyring_available():
        try:
            stored = keyring.get_password(C.KEYRING_SERVICE, C.KEYRING_USER)
        except KeyringError as err:
            log.warning("could not read the keyring (%s)", type(err).__name__)
            stored = None
        if stored:
            return stored
    with _lock:
        return _session_key


def gateway_token() -> str | None:
    """The token for a standalone `portrait-studio gateway` the user pointed the local backend at.

    Only the environment variable (set for that run, to the token the gateway printed): the keyring holds the
    cloud key, which must never go to a local port.
    """
    return os.environ.get(C.ENV_API_KEY, "").strip() or None


def set_api_key(key: str) -> KeyStorage:
    """Store the key in the keyring, or for this session only when there is none."""
    global _session_key
    key = key.strip()
    if not key:
        raise ValueError("the API key is empty")
    add_secret(key)
    if keyring_available():
        try:
            keyring.set_password(C.KEYRING_SERVICE, C.KEYRING_USER, key)
        except KeyringError as err:
            log.warning(
                "could not write to the keyring (%s); keeping the key for this session", type(err).__name__
            )
        else:
            with _lock:
                _session_key = None
            return KeyStorage.KEYRING
    with _lock:
        _session_key = key
    return KeyStorage.SESSION


def delete_api_key() -> None:
    """Forget the key in the keyring and in this session (the environment variable is not ours to unset)."""
    global _session_key
    with _lock:
        _session_key = None
    if keyring_available():
        with contextlib.suppress(KeyringError):  # nothing stored: already deleted
            keyring.delete_password(C.KEYRING_SERVICE, C.KEYRING_USER)


def redact(text: str, key: str | None = None) -> str:
    """`text` with the API key (given, or the current one) replaced by ***."""
    key = key if key is not None else get_api_key()
    return text.replace(key, C.REDACTED) if key else text


__all__ = [
    "ENV_API_KEY",
    "KEYRING_SERVICE",
    "KEYRING_USER",
    "KeyStorage",
    "delete_api_key",
    "gateway_token",
    "get_api_key",
    "keyring_available",
    "redact",
    "set_api_key",
]
