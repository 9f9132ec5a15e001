"""The cloud API key goes only to the cloud origin, and a server echoing it back gets it into no file or text.

Issue 14 items 1, 4 and 15: resume polled a dead local gateway's port with the key; a failed task's message
and a jobId carrying the key were printed, journalled and put in the sidecar; a task the service answers 404
for was asked again at every start.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from PIL import Image

from portrait_studio.api import keys
from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import CODE_TASK_GONE, Backend, run_edit
from portrait_studio.api.resume import resume_pending
from portrait_studio.core.errors import APIError, TaskFailedError
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.conftest import cli_args
from tests.fake_cloud import EchoCloud, Trap
from tests.photos import astronaut, grace_hopper

SMALL = EditParams(width=512, height=512, seed=3)


@pytest.fixture
def key() -> str:
    planted = f"sk-planted-{uuid.uuid4().hex}"
    keys.set_api_key(planted)
    return planted


def _photo(folder: Path, name: str = "a.jpg") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    Image.fromarray(astronaut() if name.startswith("a") else grace_hopper()).save(path, quality=90)
    return path


def _plant_submitted(journal: Journal, photo: Path, *, backend: str, base_url: str, task_id: str) -> int:
    """A row a killed process left: submitted with a task id, owned by nobody alive."""
    row = journal.begin(
        input_path=photo,
        input_sha256="s",
        upload_sha256=uuid.uuid4().hex,
        params=SMALL,
        backend=backend,
        base_url=base_url,
        out_path=photo.with_name(photo.stem + ".retouched.jpg"),
    )
    journal.mark_submitted(row, task_id)
    journal.release(row)
    return row


class _Local:
    """open_local's shape over a given local gateway."""

    def __init__(self, gateway: LocalGateway) -> None:
        self.client = Client(gateway.base_url, gateway.token)

    def __enter__(self) -> Backend:
        return Backend(self.client, "local", "trivial")

    def __exit__(self, *exc: object) -> None:
        self.client.close()


def test_resume_sends_nothing_with_the_key_to_a_dead_local_gateways_port(tmp_path: Path, key: str):
    photo = _photo(tmp_path / "shoot")
    with Trap() as port_now_taken, LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw") as fresh:
        with Journal() as journal:
            old = _plant_submitted(
                journal, photo, backend="local", base_url=port_now_taken.base_url, task_id="t1"
            )
            report = resume_pending(journal, open_local=lambda: _Local(fresh))
            [result] = report.finished
            assert result.output_path.is_file() and journal.get(old).status == "failed"  # run again, free
        assert key.encode() not in bytes(port_now_taken.received)
        assert fresh.stats.creates == 1


def test_the_key_goes_to_no_other_origin_than_the_clients_own(key: str):
    with EchoCloud() as cloud, Trap() as elsewhere, Client(cloud.base_url, key) as client:
        assert client.fetch(f"{elsewhere.base_url}/x.jpg")[:2] == b"\xff\xd8"  # a CDN link: fetched, no key
        with pytest.raises(APIError, match="carries your API key"):
            client.fetch(f"{elsewhere.base_url}/x.jpg?token={key}")  # a link that would carry it
        assert b"Authorization" not in bytes(elsewhere.received)
        assert key.encode() not in bytes(elsewhere.received)


def test_a_failed_tasks_message_and_a_job_id_echoing_the_key_are_scrubbed(tmp_path: Path, key: str):
    shoot = tmp_path / "shoot"
    good, bad = _photo(shoot, "a.jpg"), _photo(shoot, "b.jpg")
    with EchoCloud() as cloud, Client(cloud.base_url, key) as client, Journal() as journal:
        backend = Backend(client, "cloud")
        done = run_edit(backend, good, SMALL, journal=journal)
        with pytest.raises(TaskFailedError) as failed:
            run_edit(backend, bad, SMALL.replace(prompt="please fail"), journal=journal)
        assert "the key Bearer *** is not allowed" in failed.value.message and key not in str(failed.value)
        row = journal.rows()[0]
        assert row.status == "failed" and row.error and key not in json.dumps(row.error)
        sidecar = done.sidecar_path.read_text()
        assert "job Bearer ***" in sidecar and key not in sidecar
        assert done.job_id is not None and key not in done.job_id


def test_a_cloud_task_the_service_does_not_know_is_closed_not_retried(tmp_path: Path, key: str):
    photo = _photo(tmp_path / "shoot")
    with EchoCloud() as cloud, Journal() as journal:
        row = _plant_submitted(journal, photo, backend="cloud", base_url=cloud.base_url, task_id="task-404")
        [(failed_row, err)] = resume_pending(journal).failed
        assert failed_row.id == row and err.code == CODE_TASK_GONE and "no longer knows" in err.message
        closed = journal.get(row)
        assert closed.status == "failed" and closed.error and closed.error["code"] == CODE_TASK_GONE
        assert key not in json.dumps(closed.error)
        again = resume_pending(journal)
        assert again.failed == [] and again.finished == [] and journal.resumable() == []


def test_a_planted_key_is_in_no_file_and_no_byte_sent_to_another_port(
    tmp_path: Path, isolated_app_dirs: Path
):
    """retouch (one done, one failed), then resume of a dead local gateway's row and of a task the cloud
    forgot, all as real processes against an echoing cloud; results are served from a CDN origin."""
    key = f"sk-planted-{uuid.uuid4().hex}"
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    good, bad = _photo(shoot, "a.jpg"), _photo(shoot, "b.jpg")
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": key}
    printed = []
    with EchoCloud() as cloud, Trap() as cdn, Trap() as dead_gateway_port:
        cloud.result_host = cdn.base_url

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(cli_args(*args), env=env, capture_output=True, text=True, timeout=240)
            printed.append(done.stdout + done.stderr)
            return done

        cloud_args = ("--backend", "cloud", "--base-url", cloud.base_url, "-o", str(out), "--json")
        ok = cli("retouch", str(good), "--width", "512", "--height", "512", *cloud_args)
        assert ok.returncode == 0, ok.stderr
        failed = cli("retouch", str(bad), "--prompt", "fail now", *cloud_args)
        assert failed.returncode == 1 and "is not allowed" in failed.stdout
        with Journal() as journal:
            _plant_submitted(
                journal, good, backend="local", base_url=dead_gateway_port.base_url, task_id="t9"
            )
            gone = _plant_submitted(journal, bad, backend="cloud", base_url=cloud.base_url, task_id="task-x")
        resumed = cli("resume", "--json")
        lines = [json.loads(line) for line in resumed.stdout.splitlines()]
        assert sorted(line["status"] for line in lines) == ["completed", "failed"], resumed.stderr
        assert next(line for line in lines if line["row"] == gone)["error"]["code"] == CODE_TASK_GONE
        again = cli("resume")
        assert "nothing to resume" in again.stdout  # the forgotten task was closed, not asked again
        sent_elsewhere = bytes(cdn.received) + bytes(dead_gateway_port.received)
    assert cloud.creates == 2 and b"GET /files/" in bytes(cdn.received)  # the CDN was really used
    assert key.encode() not in sent_elsewhere
    written = [p for root in (isolated_app_dirs, tmp_path) for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "journal.sqlite3" for p in written) and any(p.suffix == ".json" for p in written)
    assert [p for p in written if key.encode() in p.read_bytes()] == []
    assert [text for text in printed if key in text] == []


def test_retouch_at_a_given_local_gateway_never_sends_the_keyrings_cloud_key(key: str):
    from portrait_studio.cli import build_parser
    from portrait_studio.cli.retouch import open_session
    from portrait_studio.core.errors import NotFoundError

    with Trap() as gateway_port:
        argv = ["retouch", "x.jpg", "--backend", "local", "--base-url", gateway_port.base_url]
        session, _settings = open_session(build_parser().parse_args(argv))
        with session, pytest.raises(NotFoundError):
            session.client.poll("t1")
        assert b"GET /model/" in bytes(gateway_port.received)  # it was asked, without the key
        assert key.encode() not in bytes(gateway_port.received)
