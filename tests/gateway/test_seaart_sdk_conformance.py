"""Conformance with a client nobody here wrote: the official seaart-sdk (PyPI, 0.1.4) drives our gateway."""

from __future__ import annotations

import io
import urllib.request
from pathlib import Path

import pytest
import seaart_sdk
from PIL import Image
from seaart_sdk.modal_types import with_poll_interval, with_poll_timeout

from portrait_studio.gateway import LocalGateway, WireStyle


def test_sdk_creates_and_waits_to_completed(local_gateway: LocalGateway) -> None:
    # An uploaded URL, as the SDK's users would send (image_input is documented as a URL).
    upload_url = _upload(local_gateway)
    sdk = seaart_sdk.Client(
        seaart_sdk.ClientConfig(api_key=local_gateway.token, base_url=local_gateway.base_url)
    )
    body = {
        "model": "spark_edit_portrait",
        "input": [
            {"params": {"image_input": upload_url, "gpen": 0.4, "skin": 0.3, "width": 512, "height": 512}}
        ],
    }
    task = sdk.modal.create(body)
    assert task.id.startswith("task_") and task.status == "in_progress"
    updates: list[tuple[str, float]] = []
    done = task.wait(with_poll_interval(0.2), with_poll_timeout(30), _callback(updates))
    assert done.status == "completed" and updates[-1][0] == "completed"
    urls = done.urls()
    assert len(urls) == 1
    with urllib.request.urlopen(urls[0], timeout=10) as response:  # downloadable, no key needed
        data = response.read()
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.size == (512, 512)
    assert done.usage is not None and done.usage.cost_float64() == 0.0
    assert local_gateway.stats.creates == 1


def test_sdk_sees_a_failed_task_and_an_auth_error(local_gateway: LocalGateway) -> None:
    sdk = seaart_sdk.Client(
        seaart_sdk.ClientConfig(api_key=local_gateway.token, base_url=local_gateway.base_url)
    )
    local_gateway.faults.fail_next_task({"code": 3010095, "error_message": "GPU fell over"})
    body = {"model": "spark_edit_portrait", "input": [{"params": {"image_input": _upload(local_gateway)}}]}
    with pytest.raises(seaart_sdk.SeaArtError, match="GPU fell over"):
        sdk.modal.create(body).wait(with_poll_interval(0.2), with_poll_timeout(30))
    wrong = seaart_sdk.Client(seaart_sdk.ClientConfig(api_key="wrong", base_url=local_gateway.base_url))
    with pytest.raises(seaart_sdk.SeaArtError) as info:
        wrong.modal.create(body)
    # The SDK shows an HTTP error body's `error_message` only (before it was there: "Unauthorized").
    assert info.value.status == 401 and info.value.message == "API key missing or invalid."
    assert local_gateway.stats.creates == 1


def test_sdk_reports_our_own_task_failure_and_refusal(tmp_path: Path) -> None:
    # Our engine's failure text, not a programmed error: with only `message` the SDK said "task failed".
    from tests.gateway.engines import FAIL_SEED, SeedSwitchedEngine

    with LocalGateway(SeedSwitchedEngine(), cache_dir=tmp_path) as gateway:
        sdk = seaart_sdk.Client(seaart_sdk.ClientConfig(api_key=gateway.token, base_url=gateway.base_url))
        params = {"image_input": _upload(gateway), "seed": FAIL_SEED}
        body = {"model": "spark_edit_portrait", "input": [{"params": params}]}
        with pytest.raises(seaart_sdk.SeaArtError) as failed:
            sdk.modal.create(body).wait(with_poll_interval(0.1), with_poll_timeout(30))
        assert failed.value.message == "task failed: not a portrait"
        body["input"][0]["params"] = {**params, "gpen": 1.5}  # type: ignore[index]
        with pytest.raises(seaart_sdk.SeaArtError) as refused:
            sdk.modal.create(body)
        assert refused.value.status == 400 and "gpen" in refused.value.message


def test_sdk_reads_our_variant_spellings(local_gateway: LocalGateway) -> None:
    # The SDK lower-cases statuses; upper-case answers must still complete for it.
    local_gateway.faults.wire = WireStyle(status_case="upper", running_status="processing")
    sdk = seaart_sdk.Client(
        seaart_sdk.ClientConfig(api_key=local_gateway.token, base_url=local_gateway.base_url)
    )
    body = {"model": "spark_edit_portrait", "input": [{"params": {"image_input": _upload(local_gateway)}}]}
    done = sdk.modal.create(body).wait(with_poll_interval(0.2), with_poll_timeout(30))
    assert done.status == "COMPLETED" and done.urls()


def _callback(store: list[tuple[str, float]]):  # type: ignore[no-untyped-def]
    from seaart_sdk.modal_types import with_poll_callback

    return with_poll_callback(lambda status, progress: store.append((status, progress)))


def _upload(gateway: LocalGateway) -> str:
    from portrait_studio.api.hosting import upload
    from tests.photos import astronaut

    buf = io.BytesIO()
    Image.fromarray(astronaut()).save(buf, "JPEG")
    return upload(buf.getvalue(), "image/jpeg", gateway.upload_url)
