"""Every fault of the gateway's switch over real HTTP: what is retried, what is not, never a double create."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from portrait_studio.api.client import Client
from portrait_studio.core.errors import (
    APIConnectionError,
    AuthenticationError,
    InsufficientBalanceError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TaskMayExistError,
)
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine

SMALL = EditParams(width=512, height=512)


class Sleeps(list[float]):
    """Records the client's sleeps instead of sleeping, so retry tests run at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fast(local_gateway: LocalGateway, sleeps: Sleeps) -> Client:
    with Client(local_gateway.base_url, local_gateway.token, sleep=sleeps, timeout=httpx.Timeout(1.0)) as c:
        yield c  # type: ignore[misc]


def test_wrong_key_is_an_authentication_error(local_gateway: LocalGateway, portrait_data_url: str) -> None:
    with Client(local_gateway.base_url, "not-the-token") as c, pytest.raises(AuthenticationError) as info:
        c.submit(SMALL, portrait_data_url)
    assert info.value.status == 401 and "Settings" in info.value.fix
    assert local_gateway.stats.creates == 0


def test_forced_401_on_poll(fast: Client, local_gateway: LocalGateway, portrait_data_url: str) -> None:
    task = fast.submit(SMALL, portrait_data_url)
    local_gateway.faults.add("poll", status=401, body={"error": {"message": "invalid api key"}})
    with pytest.raises(AuthenticationError, match="invalid api key"):
        fast.wait(task.id)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"code": 403, "message": "Insufficient balance"}}, InsufficientBalanceError),
        ({"message": "account balance is not enough"}, InsufficientBalanceError),
        ({"error": {"error_message": "model not allowed for this key"}}, PermissionDeniedError),
        ("Forbidden", PermissionDeniedError),
    ],
)
def test_403_is_told_apart_by_its_body(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str, body: object, expected: type
) -> None:
    local_gateway.faults.add("create", status=403, body=body)
    with pytest.raises(expected) as info:
        fast.submit(SMALL, portrait_data_url)
    assert info.value.status == 403
    assert local_gateway.stats.create_requests == 1 and local_gateway.stats.creates == 0


def test_429_on_poll_honours_retry_after(
    fast: Client, sleeps: Sleeps, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    task = fast.submit(SMALL, portrait_data_url)
    local_gateway.faults.add("poll", status=429, retry_after="7", times=2)
    fast.wait(task.id)
    assert sleeps.count(7.0) == 2, sleeps


def test_429_on_create_is_retried_once_the_wait_is_over(
    fast: Client, sleeps: Sleeps, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    local_gateway.faults.add("create", status=429, retry_after="3")
    task = fast.submit(SMALL, portrait_data_url)
    assert task.status == "in_progress" and sleeps == [3.0]
    assert local_gateway.stats.create_requests == 2 and local_gateway.stats.creates == 1


def test_503_on_create_is_retried_and_creates_once(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    local_gateway.faults.add("create", status=503, times=2)
    fast.submit(SMALL, portrait_data_url)
    assert local_gateway.stats.create_requests == 3 and local_gateway.stats.creates == 1


def test_rate_limit_that_never_ends_gives_up_with_a_clear_error(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    local_gateway.faults.add("create", status=429, retry_after="1", times=-1)
    with pytest.raises(RateLimitError) as info:
        fast.submit(SMALL, portrait_data_url)
    assert info.value.retry_after == 1.0
    assert local_gateway.stats.create_requests == fast.max_retries + 1 and local_gateway.stats.creates == 0


@pytest.mark.parametrize("after", [False, True])
def test_500_on_create_is_never_repeated(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str, after: bool
) -> None:
    local_gateway.faults.add("create", status=500, after=after)
    with pytest.raises(TaskMayExistError) as info:
        fast.submit(SMALL, portrait_data_url)
    assert "History" in info.value.fix
    assert local_gateway.stats.create_requests == 1
    assert local_gateway.stats.creates == (1 if after else 0)


def test_create_timeout_after_the_task_was_made_is_reported_not_repeated(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    local_gateway.faults.add("create", delay=2.0, after=True)  # longer than the 1 s read timeout
    with pytest.raises(TaskMayExistError, match="ReadTimeout"):
        fast.submit(SMALL, portrait_data_url)
    assert local_gateway.stats.create_requests == 1 and local_gateway.stats.creates == 1


def test_dropped_connection_on_create_is_reported_not_repeated(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    local_gateway.faults.add("create", drop=True, after=True)
    with pytest.raises(TaskMayExistError):
        fast.submit(SMALL, portrait_data_url)
    assert local_gateway.stats.create_requests == 1 and local_gateway.stats.creates == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_create_is_retried_when_the_connection_failed_before_sending(
    tmp_path: Path, portrait_data_url: str
) -> None:
    port = _free_port()
    gateway = LocalGateway(TrivialEngine(), cache_dir=tmp_path, port=port)
    started: list[float] = []

    def sleep_then_start(seconds: float) -> None:
        started.append(seconds)
        gateway.start()  # the gateway comes up while the client backs off

    try:
        with Client(f"http://127.0.0.1:{port}", gateway.token, sleep=sleep_then_start) as c:
            task = c.submit(SMALL, portrait_data_url)
        assert task.status == "in_progress" and len(started) == 1
        assert gateway.stats.create_requests == 1 and gateway.stats.creates == 1
    finally:
        gateway.stop()


def test_unreachable_gateway_gives_a_connection_error_with_a_fix(portrait_data_url: str) -> None:
    sleeps = Sleeps()
    with Client(f"http://127.0.0.1:{_free_port()}", "k", sleep=sleeps) as c:
        with pytest.raises(APIConnectionError) as info:
            c.submit(SMALL, portrait_data_url)
        with pytest.raises(APIConnectionError):
            c.poll("task_x")
    assert "base URL" in info.value.fix and len(sleeps) == 2 * c.max_retries


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 502},
        {"status": 503, "retry_after": "2"},
        {"drop": True},
        {"delay": 2.0},  # slow answer: the 1 s read timeout fires and the poll is retried
    ],
    ids=["500", "502", "503", "dropped", "slow"],
)
def test_poll_faults_are_retried(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str, fault: dict[str, object]
) -> None:
    task = fast.submit(SMALL, portrait_data_url)
    local_gateway.faults.add("poll", **fault)
    done = fast.wait(task.id)
    assert done.status == "completed"
    assert local_gateway.stats.creates == 1


def test_persistent_server_error_while_polling_ends_the_wait(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    task = fast.submit(SMALL, portrait_data_url)
    local_gateway.faults.add("poll", status=500, times=-1)
    with pytest.raises(ServerError):
        fast.wait(task.id)
    assert local_gateway.stats.creates == 1


def test_expired_result_url_says_so(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str, tmp_path: Path
) -> None:
    done = fast.wait(fast.submit(SMALL, portrait_data_url).id)
    local_gateway.faults.add("files", status=403, body="<Error>Request has expired</Error>", times=-1)
    with pytest.raises(NotFoundError, match="expired") as info:
        fast.download(done.outputs[0].url, tmp_path / "r.jpg")
    assert "fresh link" in info.value.fix
    assert not (tmp_path / "r.jpg").exists() and not list(tmp_path.glob(".*.part"))


def test_download_survives_a_dropped_connection_and_a_500(
    fast: Client, local_gateway: LocalGateway, portrait_data_url: str, tmp_path: Path
) -> None:
    done = fast.wait(fast.submit(SMALL, portrait_data_url).id)
    local_gateway.faults.add("files", drop=True)
    local_gateway.faults.add("files", status=500)
    out = fast.download(done.outputs[0].url, tmp_path / "r.jpg")
    assert out.stat().st_size == done.outputs[0].size
    assert local_gateway.stats.files_requests == 3
