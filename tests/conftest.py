"""Shared fixtures. Every test runs with its own app folders and an in-memory keyring."""

from __future__ import annotations

import os

# Set once for the whole run (STYLE.md item 10): Qt must never look for a display in tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

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


# --------------------------------------------------------------------------- local gateway (issue 3)
if TYPE_CHECKING:  # imported lazily below so a half-edited gateway never breaks unrelated tests
    from portrait_studio.api.client import Client
    from portrait_studio.gateway import LocalGateway


@pytest.fixture
def local_gateway(tmp_path: Path) -> Iterator[LocalGateway]:
    """A running LocalGateway on 127.0.0.1 (fast trivial engine, fresh cache dir), stopped after the test.

    `.base_url`, `.token`, `.stats.creates`, `.faults` (test-only fault switch, see gateway/faults.py).
    """
    from portrait_studio.gateway import LocalGateway, TrivialEngine

    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gateway-cache") as gateway:
        yield gateway


@pytest.fixture
def client(local_gateway: LocalGateway) -> Iterator[Client]:
    """An api Client bound to `local_gateway` with its token as the API key."""
    from portrait_studio.api.client import Client

    with Client(local_gateway.base_url, local_gateway.token) as api:
        yield api


@pytest.fixture
def portrait_data_url() -> str:
    """The astronaut photo (one frontal face) as an inline JPEG data URL, ready for `image_input`."""
    import base64
    import io

    from PIL import Image

    from tests.photos import astronaut

    buf = io.BytesIO()
    Image.fromarray(astronaut()).save(buf, "JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
