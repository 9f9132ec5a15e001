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
    assert local_gateway.stats.creates == 1
    assert not list(tmp_path.glob(".*.part")), "no temp file is left behind"


def test_precharge_reports_zero_cost_and_creates_nothing(
    client: Client, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    estimate = client.precharge(EditParams(), portrait_data_url)
    assert estimate.cost == Decimal("0") and estimate.currency == "USD"
    assert local_gateway.stats.creates == 0
