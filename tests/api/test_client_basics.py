"""The client against the real local gateway over loopback HTTP: the happy path end to end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PIL import Image

from portrait_studio.api.client import Client
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway


def test_submit_wait_download_round_trip(
    client: Client, local_gateway: LocalGateway, portrait_data_url: str, tmp_path: Path
) -> None:
    task = client.submit(EditParams(width=640, height=576), portrait_data_url)
    assert task.id.startswith("task_") and task.status == "in_progress"
    done = client.wait(task.id)
    assert done.status == "completed" and done.cost == Decimal("0")
    assert len(done.outputs) == 1 and done.outputs[0].size and done.outputs[0].job_id
    out = client.download(done.outputs[0].url, tmp_path / "result.jpg")
    with Image.open(out) as img:
        assert img.format == "JPEG" and img.size == (640, 576)
    assert client.fetch(done.outputs[0].url) == out.read_bytes()  # the same bytes, in memory
    assert local_gateway.stats.creates == 1
    assert not list(tmp_path.glob(".*.part")), "no temp file is left behind"


def test_precharge_reports_zero_cost_and_creates_nothing(
    client: Client, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    estimate = client.precharge(EditParams(), portrait_data_url)
    assert estimate.cost == Decimal("0") and estimate.currency == "USD"
    assert local_gateway.stats.creates == 0


def test_download_refuses_what_is_not_an_image(
    client: Client, local_gateway: LocalGateway, tmp_path: Path
) -> None:
    import pytest

    from portrait_studio.core.errors import APIError

    spec = f"{local_gateway.base_url}/api/v1/skill/models/spark_edit_portrait/spec"  # JSON, not a picture
    out = tmp_path / "out"
    with pytest.raises(APIError, match="not a readable image"):
        client.download(spec, out / "x.jpg")
    for url in ("file:///etc/passwd", "data:image/jpeg;base64,AAAA", "ftp://example.org/a.jpg"):
        with pytest.raises(APIError, match="not an http"):
            client.download(url, out / "x.jpg")
    assert not out.exists() or not list(out.iterdir()), "nothing is written"


def test_download_size_cap_and_old_file_kept(
    client: Client, portrait_data_url: str, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from portrait_studio.api import _constants
    from portrait_studio.core.errors import APIError

    done = client.wait(client.submit(EditParams(width=512, height=512), portrait_data_url).id)
    dest = tmp_path / "out" / "result.jpg"
    dest.parent.mkdir()
    dest.write_bytes(b"previous result")
    monkeypatch.setattr(_constants, "MAX_DOWNLOAD_BYTES", 10_000)
    with pytest.raises(APIError, match="too large"):
        client.download(done.outputs[0].url, dest)
    assert dest.read_bytes() == b"previous result" and len(list(dest.parent.iterdir())) == 1
