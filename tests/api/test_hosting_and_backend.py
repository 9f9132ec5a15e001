"""Image hosting (inline / upload / public URL) and open_backend, against the real local gateway."""

from __future__ import annotations

import base64
import io
import socket

import pytest
from PIL import Image

from portrait_studio.api.backend import open_backend
from portrait_studio.api.client import Client
from portrait_studio.api.hosting import image_input_for, upload
from portrait_studio.api.keys import set_api_key
from portrait_studio.core.errors import APIError, ConfigError
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.photos import grace_hopper


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(grace_hopper()).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def test_inline_is_the_default_and_round_trips(jpeg: bytes) -> None:
    url = image_input_for(jpeg, "image/jpeg", Settings(backend="cloud"))
    assert url.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == jpeg


def test_local_backend_is_always_inline(jpeg: bytes) -> None:
    settings = Settings(backend="local", image_host="upload", upload_url="http://127.0.0.1:9/nowhere")
    assert image_input_for(jpeg, "image/jpeg", settings).startswith("data:image/jpeg;base64,")


def test_upload_to_the_gateway_then_run_a_task_on_that_url(
    jpeg: bytes, local_gateway: LocalGateway, client: Client
) -> None:
    settings = Settings(backend="cloud", image_host="upload", upload_url=local_gateway.upload_url)
    url = image_input_for(jpeg, "image/jpeg", settings, client)
    assert url.startswith(f"{local_gateway.base_url}/files/uploads/") and url.endswith(".jpg")
    done = client.wait(client.submit(EditParams(width=512, height=600), url).id)
    assert done.status == "completed" and local_gateway.stats.upload_requests == 1


def test_upload_answer_wrapped_in_data_is_understood(jpeg: bytes, local_gateway: LocalGateway) -> None:
    wrapped = {"data": {"url": "https://img.example.org/p/abc.jpg"}}
    local_gateway.faults.add("upload", status=200, body=wrapped)
    assert upload(jpeg, "image/jpeg", local_gateway.upload_url) == wrapped["data"]["url"]


@pytest.mark.parametrize(
    "fault", [{"status": 500}, {"status": 200, "body": {"ok": True}}, {"status": 200, "body": "<html>"}]
)
def test_upload_failures_name_the_setting_to_change(
    jpeg: bytes, local_gateway: LocalGateway, fault: dict[str, object]
) -> None:
    local_gateway.faults.add("upload", **fault)
    with pytest.raises(APIError) as info:
        upload(jpeg, "image/jpeg", local_gateway.upload_url)
    assert "Upload URL" in info.value.fix and "inline" in info.value.fix


def test_upload_endpoint_down_or_unset(jpeg: bytes) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/upload"
    with pytest.raises(APIError, match="could not be reached") as info:
        upload(jpeg, "image/jpeg", dead)
    assert "Upload URL" in info.value.fix
    with pytest.raises(ConfigError, match="not set"):
        image_input_for(jpeg, "image/jpeg", Settings(backend="cloud", image_host="upload"))


def test_gateway_upload_refuses_what_is_not_a_photo(local_gateway: LocalGateway) -> None:
    with pytest.raises(APIError, match="HTTP 400"):
        upload(b"GIF89a not really", "image/gif", local_gateway.upload_url)


def test_public_url_mode(jpeg: bytes) -> None:
    settings = Settings(backend="cloud", image_host="url")
    assert (
        image_input_for(jpeg, "image/jpeg", settings, public_url=" https://x.org/a.jpg ")
        == "https://x.org/a.jpg"
    )
    for bad in (None, "", "ftp://x.org/a.jpg", "/home/me/a.jpg"):
        with pytest.raises(ConfigError) as info:
            image_input_for(jpeg, "image/jpeg", settings, public_url=bad)
        assert "Image hosting" in info.value.fix


def test_open_backend_local_runs_a_task(tmp_path, portrait_data_url: str) -> None:  # type: ignore[no-untyped-def]
    with open_backend(Settings(), engine=TrivialEngine(), gateway_cache=tmp_path) as session:
        assert session.kind == "local" and session.engine_name == "trivial"
        assert session.gateway is not None and session.gateway.base_url.startswith("http://127.0.0.1:")
        task = session.client.submit(EditParams(width=512, height=512), portrait_data_url)
        done = session.client.wait(task.id)
        assert done.status == "completed"
        gateway = session.gateway
    with pytest.raises(RuntimeError):
        _ = gateway.base_url  # stopped with the session


def test_open_backend_cloud_needs_a_key(local_gateway: LocalGateway, portrait_data_url: str) -> None:
    settings = Settings(backend="cloud", base_url=local_gateway.base_url)
    with pytest.raises(ConfigError) as info:
        open_backend(settings)
    assert "API key" in info.value.fix and "local backend" in info.value.fix
    set_api_key(local_gateway.token)  # the gateway accepts its token exactly like the cloud accepts a key
    with open_backend(settings) as session:
        assert session.kind == "cloud" and session.gateway is None
        task = session.client.submit(EditParams(width=512, height=512), portrait_data_url)
        assert task.status == "in_progress"
    assert local_gateway.stats.creates == 1


def test_bad_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not an http"):
        Client("cloud.vtrix.ai", "k")
