"""Shared fixtures. Every test runs with its own app folders and an in-memory keyring."""

from __future__ import annotations

import os

# Set once for the whole run (docs/STYLE.md item 10): Qt must never look for a display in tests.
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


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """PORTRAIT_STUDIO_TEST_GC=1: collect garbage after every test, so an unclosed socket or file is reported
    at the test that left it (with `filterwarnings = error` it fails that test) instead of, named by no test,
    at the end of the run. Off by default: a full collection per test costs about a minute per run."""
    if os.environ.get("PORTRAIT_STUDIO_TEST_GC") == "1":
        import gc

        gc.collect()


@pytest.fixture(autouse=True)
def isolated_app_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PORTRAIT_STUDIO_DATA_DIR at a fresh folder and drop any real API key from the environment."""
    root = tmp_path_factory.mktemp("appdata")
    monkeypatch.setenv("PORTRAIT_STUDIO_DATA_DIR", str(root))
    monkeypatch.delenv("PORTRAIT_STUDIO_API_KEY", raising=False)
    return root


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read English whatever the developer's LANG (a zh_CN test sets its language itself); the
    environment variable reaches the CLI subprocesses and engine workers too."""
    from portrait_studio.core import i18n

    monkeypatch.setenv(i18n.ENV_LANGUAGE, "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Swap in an in-memory keyring for every test and restore the previous one after."""
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def no_session_key() -> Iterator[None]:
    """Forget a session-only API key (api.keys keeps one when no keyring exists): no leak between tests."""
    from portrait_studio.api import keys

    keys.delete_api_key()
    yield
    keys.delete_api_key()


# --------------------------------------------------------------------------- local gateway
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


# --------------------------------------------------------------------------- crash/resume helpers
def cli_args(*args: str) -> list[str]:
    """`portrait-studio ARGS…` run with this interpreter."""
    import sys

    return [sys.executable, "-m", "portrait_studio", *args]


STANDALONE_TASK_SECONDS = 8.0


@pytest.fixture
def standalone_gateway(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A `portrait-studio gateway` process whose tasks take STANDALONE_TASK_SECONDS (so a client is surely
    polling when it is killed); yields its {"base_url", "token", "cache"}."""
    import json
    import signal
    import subprocess

    cache = tmp_path / "gateway-cache"
    args = ("gateway", "--engine", "trivial", "--min-task-seconds", str(STANDALONE_TASK_SECONDS))
    with subprocess.Popen(
        cli_args(*args, "--cache-dir", str(cache)), stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield {**info, "cache": str(cache)}
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def retouch_killed_while_polling(photo: Path, gateway: dict[str, str], env: dict[str, str]) -> int:
    """Run `portrait-studio retouch` against `gateway`, SIGKILL it while it polls; the journal row id left."""
    import os
    import signal
    import subprocess
    import time

    from portrait_studio.core.journal import Journal

    retouch = ("retouch", str(photo), "--backend", "cloud", "--base-url", gateway["base_url"], "--json")
    with (
        subprocess.Popen(cli_args(*retouch, "--width", "512", "--height", "512"), env=env) as proc,
        Journal() as j,
    ):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the task runs and the client has polled it
            rows = j.rows()
            if rows and rows[0].status == "submitted" and (rows[0].progress or 0) > 0:
                break
            assert proc.poll() is None, "retouch ended before it could be killed"
            time.sleep(0.1)
        else:
            pytest.fail("the task never reached polling")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        [row] = j.rows()
        return row.id
