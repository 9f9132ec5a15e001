"""Shared fixtures. Every test runs with its own app folders and an in-memory keyring."""

from __future__ import annotations

import os

# Set once for the whole run (STYLE.md item 10): Qt must never look for a display in tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory, so no test touches the developer's real keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_app_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PORTRAIT_STUDIO_DATA_DIR at a fresh folder and drop any real API key from the environment."""
    root = tmp_path_factory.mktemp("appdata")
    monkeypatch.setenv("PORTRAIT_STUDIO_DATA_DIR", str(root))
    monkeypatch.delenv("PORTRAIT_STUDIO_API_KEY", raising=False)
    return root


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Swap in an in-memory keyring for every test and restore the previous one after."""
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)
