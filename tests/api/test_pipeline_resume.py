"""resume_pending: orphaned rows of a dead process are finished (cloud) or re-run for free (local)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from PIL import Image

from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import Backend
from portrait_studio.api.resume import INTERRUPTED, resume_pending
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.photos import astronaut

SMALL = EditParams(width=512, height=512, seed=5)

# A process that journals a row and submits the task, then dies without waiting (like a crash mid-poll).
_SUBMIT_AND_DIE = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from portrait_studio.api.client import Client
    from portrait_studio.api.pipeline import Backend, _create, _image_input, _prepare
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import EditParams
    from portrait_studio.core.settings import Settings
    base_url, token, kind, photo, out = sys.argv[1:6]
    params = EditParams(width=512, height=512, seed=5)
    with Client(base_url, token) as client, Journal() as journal:
        backend = Backend(client, kind)
        prep = _prepare(Path(photo))
        row = journal.begin(input_path=photo, input_sha256=prep.input_sha256,
                            upload_sha256=prep.upload_sha256, params=params, backend=kind,
                            base_url=base_url, out_path=out)
        _create(backend, params, _image_input(prep, backend, Settings()), journal, row)
    os._exit(0)
    """
)


def _submit_and_die(gw: LocalGateway, kind: str, photo: Path, out: Path) -> None:
    args = [sys.executable, "-c", _SUBMIT_AND_DIE, gw.base_url, gw.token, kind, str(photo), str(out)]
    subprocess.run(args, check=True, timeout=60)


def test_cloud_row_is_polled_again_by_id(tmp_path: Path, local_gateway: LocalGateway, monkeypatch):
    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    _submit_and_die(local_gateway, "cloud", photo, tmp_path / "a.retouched.jpg")
    monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", local_gateway.token)
    with Journal() as journal:
        [row] = journal.resumable()
        report = resume_pending(journal)
        [result] = report.finished
        assert result.task_id == row.task_id and result.output_path == tmp_path / "a.retouched.jpg"
        assert journal.get(row.id).status == "completed" and report.failed == [] and report.uncertain == []
    assert local_gateway.stats.creates == 1


def test_a_result_saved_just_before_a_crash_is_not_saved_twice(
    tmp_path: Path, local_gateway: LocalGateway, monkeypatch
):
    import json

    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    out = tmp_path / "a.retouched.jpg"
    _submit_and_die(local_gateway, "cloud", photo, out)
    monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", local_gateway.token)
    with Journal() as journal:
        [row] = journal.resumable()
        with Client(local_gateway.base_url, local_gateway.token) as client:
            done = client.wait(row.task_id)  # type: ignore[arg-type]
            client.download(done.outputs[0].url, out)
        # The crash came after the result and its sidecar were written, before the journal said so.
        out.with_suffix(".json").write_text(json.dumps({"task_id": row.task_id, "output": str(out)}))
        [result] = resume_pending(journal).finished
        assert result.output_path == out and journal.get(row.id).result_path == str(out)
        assert sorted(p.name for p in tmp_path.glob("a.retouched*")) == [out.name, "a.retouched.json"]
    assert local_gateway.stats.creates == 1


def test_local_row_whose_gateway_died_is_run_again_free(tmp_path: Path):
    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw1", min_task_seconds=30) as dying:
        _submit_and_die(dying, "local", photo, tmp_path / "out" / "a.retouched.jpg")
    # The in-process gateway is gone with its task; a new local session runs the edit again.
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw2") as fresh, Journal() as journal:
        [old] = journal.resumable()

        def open_local() -> _Session:
            return _Session(Client(fresh.base_url, fresh.token))

        report = resume_pending(journal, open_local=open_local)
        [result] = report.finished
        assert result.output_path == tmp_path / "out" / "a.retouched.jpg" and result.output_path.is_file()
        closed = journal.get(old.id)
        assert closed.status == "failed" and closed.error and closed.error["code"] == INTERRUPTED
        assert journal.get(result.row_id).status == "completed"  # type: ignore[arg-type]
        assert fresh.stats.creates == 1 and journal.resumable() == []


def test_a_local_rerun_cancelled_before_sending_is_left_for_the_next_start(tmp_path: Path):
    import threading

    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw1", min_task_seconds=30) as dying:
        _submit_and_die(dying, "local", photo, tmp_path / "out" / "a.retouched.jpg")
    cancel = threading.Event()
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw2") as fresh, Journal() as journal:
        [old] = journal.resumable()

        def open_local() -> _Session:
            cancel.set()  # the window is closed while the local engine starts (ResumeFlow.stop)
            return _Session(Client(fresh.base_url, fresh.token))

        report = resume_pending(journal, open_local=open_local, cancel=cancel)
        assert report.finished == [] and [r.id for r, _err in report.failed] == [old.id]
        assert fresh.stats.creates == 0 and [r.id for r in journal.resumable()] == [old.id]  # not lost
        report = resume_pending(journal, open_local=lambda: _Session(Client(fresh.base_url, fresh.token)))
        [result] = report.finished  # the next start finishes it
        assert result.output_path == tmp_path / "out" / "a.retouched.jpg" and fresh.stats.creates == 1
        assert journal.get(old.id).status == "failed" and journal.resumable() == []


def test_a_local_rerun_that_cannot_work_closes_the_row_with_its_reason(tmp_path: Path):
    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw1", min_task_seconds=30) as dying:
        _submit_and_die(dying, "local", photo, tmp_path / "out" / "a.retouched.jpg")
    photo.unlink()  # the original is gone: running it again at every start would fail every time
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw2") as fresh, Journal() as journal:
        [old] = journal.resumable()
        report = resume_pending(journal, open_local=lambda: _Session(Client(fresh.base_url, fresh.token)))
        [(row, err)] = report.failed
        assert row.id == old.id and "a.jpg" in err.message
        closed = journal.get(old.id)
        assert closed.status == "failed" and closed.error and closed.error["message"] == err.message
        assert journal.resumable() == [] and fresh.stats.creates == 0


def test_uncertain_cloud_rows_are_only_listed(tmp_path: Path, local_gateway: LocalGateway):
    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    local_gateway.faults.add("create", status=500, after=True)
    failed = subprocess.run(
        [
            sys.executable,
            "-c",
            _SUBMIT_AND_DIE,
            local_gateway.base_url,
            local_gateway.token,
            "cloud",
            str(photo),
            "x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "TaskMayExistError" in failed.stderr
    with Journal() as journal:
        report = resume_pending(journal)
        assert report.finished == [] and [r.status for r in report.uncertain] == ["uncertain"]
    assert local_gateway.stats.creates == 1  # listed, never resubmitted


class _Session:
    """The shape open_local returns (a context manager with .client and .kind), over a given client."""

    def __init__(self, client: Client) -> None:
        self.client, self.kind, self.engine_name = client, "local", "trivial"

    def __enter__(self) -> Backend:
        return Backend(self.client, "local", "trivial")

    def __exit__(self, *exc: object) -> None:
        self.client.close()
