"""Each task-object variant docs/PROTOCOL.md says to tolerate, served by the gateway, read by the client."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portrait_studio.api.client import Client
from portrait_studio.api.models import Task
from portrait_studio.core.errors import APITimeoutError, CancelledError, TaskFailedError
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, WireStyle

SMALL = EditParams(width=512, height=512)


def _no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
def fast(local_gateway: LocalGateway) -> Client:
    with Client(local_gateway.base_url, local_gateway.token, sleep=_no_sleep) as c:
        yield c  # type: ignore[misc]


VARIANTS = {
    "upper-case": WireStyle(status_case="upper"),
    "title-case": WireStyle(status_case="title"),
    "pending": WireStyle(running_status="pending"),
    "processing": WireStyle(running_status="PROCESSING"),
    "queued": WireStyle(running_status="queued"),
    "task_id": WireStyle(id_key="task_id"),
    "progress-string": WireStyle(progress="string"),
    "progress-absent": WireStyle(progress="absent"),
    "iso-created_at": WireStyle(created_at="iso"),
    "cost-number": WireStyle(cost="number"),
    "image_url-no-size": WireStyle(output_type="image_url", include_size=False),
    "unknown-status": WireStyle(unknown_status="WEIRD_NEW_STATE", unknown_status_polls=3),
}


@pytest.mark.parametrize("style", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_wire_variant_completes(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str, style: WireStyle
) -> None:
    local_gateway.faults.wire = style
    created = fast.submit(SMALL, portrait_data_url)
    assert created.status == "in_progress" and created.id.startswith("task_")
    assert isinstance(created.created_at, datetime) and created.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - created.created_at).total_seconds()) < 60
    seen: list[Task] = []
    done = fast.wait(created.id, on_progress=seen.append)
    assert done.status == "completed" and done.id == created.id
    assert done.cost == Decimal("0") and isinstance(done.cost, Decimal)
    assert len(done.outputs) == 1 and done.outputs[0].url.startswith(local_gateway.base_url)
    size = done.outputs[0].size
    assert (size is None) if not style.include_size else (size is not None and size > 1000)
    if style.unknown_status_polls:
        assert [t.status for t in seen[:3]] == ["in_progress"] * 3  # unknown = still running, no error
        assert seen[0].raw["status"] == "WEIRD_NEW_STATE"
    running = [t for t in seen if t.status == "in_progress"]
    for t in running:
        if style.progress == "absent":
            assert t.progress is None
        else:
            assert t.progress is not None and 0.0 <= t.progress <= 1.0


ERROR_FORMS = {
    "object-message": ({"code": "003010095", "message": "GPU fell over"}, "003010095", "GPU fell over"),
    "object-error_message": (
        {"code": "003010003", "error_message": "webp not allowed"},
        "003010003",
        "webp not allowed",
    ),
    "int-code": ({"code": 3010002, "message": "gpen out of range"}, "003010002", "gpen out of range"),
    "plain-string": ("upstream exploded", None, "upstream exploded"),
    "bare-int": (3010097, "003010097", None),
}


@pytest.mark.parametrize(("error", "code", "message"), ERROR_FORMS.values(), ids=ERROR_FORMS.keys())
def test_failed_task_keeps_code_and_message(
    fast: Client,
    local_gateway: LocalGateway,
    portrait_data_url: str,
    error: object,
    code: str | None,
    message: str | None,
) -> None:
    local_gateway.faults.fail_next_task(error)
    task = fast.submit(SMALL, portrait_data_url)
    with pytest.raises(TaskFailedError) as info:
        fast.wait(task.id)
    err = info.value
    assert err.code == code and err.server_message == message and err.task_id == task.id
    if message:
        assert message in str(err)  # the public SDKs lose this message; we must not
    if code:
        assert err.fix and err.fix != TaskFailedError.default_fix


def test_engine_error_code_reaches_the_client(tmp_path, portrait_data_url: str) -> None:
    from portrait_studio.core.errors import PortraitStudioError

    class Refuses:
        def run(self, image_bytes: bytes, params: EditParams, progress) -> bytes:  # type: ignore[no-untyped-def]
            raise PortraitStudioError("prompts need the cloud model", code="003010002")

    with (
        LocalGateway(Refuses(), cache_dir=tmp_path) as gw,
        Client(gw.base_url, gw.token, sleep=_no_sleep) as c,
        pytest.raises(TaskFailedError) as info,
    ):
        c.wait(c.submit(SMALL, portrait_data_url).id)
    assert info.value.code == "003010002" and info.value.server_message == "prompts need the cloud model"


def test_engine_crash_fails_the_task_with_an_internal_error(tmp_path, portrait_data_url: str) -> None:
    class Crashes:
        def run(self, image_bytes: bytes, params: EditParams, progress) -> bytes:  # type: ignore[no-untyped-def]
            raise ZeroDivisionError

    with (
        LocalGateway(Crashes(), cache_dir=tmp_path) as gw,
        Client(gw.base_url, gw.token, sleep=_no_sleep) as c,
        pytest.raises(TaskFailedError) as info,
    ):
        c.wait(c.submit(SMALL, portrait_data_url).id)
    assert info.value.code == "003010095" and "ZeroDivisionError" in (info.value.server_message or "")


def test_cancel_stops_waiting_at_once(tmp_path, portrait_data_url: str) -> None:
    from portrait_studio.gateway import TrivialEngine

    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path, min_task_seconds=30) as gw,
        Client(gw.base_url, gw.token) as c,
    ):
        task = c.submit(SMALL, portrait_data_url)
        cancel = threading.Event()
        polls: list[Task] = []

        def on_progress(t: Task) -> None:
            polls.append(t)
            if len(polls) == 2:
                cancel.set()

        with pytest.raises(CancelledError):
            c.wait(task.id, on_progress=on_progress, cancel=cancel)
        assert len(polls) == 2 and polls[-1].status == "in_progress"


def test_deadline_ends_the_wait_with_a_timeout(tmp_path, portrait_data_url: str) -> None:
    import time

    from portrait_studio.gateway import TrivialEngine

    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path, min_task_seconds=30) as gw,
        Client(gw.base_url, gw.token) as c,
    ):
        task = c.submit(SMALL, portrait_data_url)
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=task.id):
            c.wait(task.id, deadline=started + 1.5)
        assert 1.4 <= time.monotonic() - started < 5.0
        assert gw.stats.creates == 1
