"""The watch folder's core (api.watch) on real files, a real journal and the real local gateway in-process.

The gateway's engine records the sha256 of every image it is given: each must be a complete file's.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import Backend, run_edit
from portrait_studio.api.watch import Arrivals, FolderWatcher, WatchEvent
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.photos import astronaut

SMALL = EditParams(width=512, height=512, seed=3)


class RecordingEngine(TrivialEngine):
    """The trivial engine, keeping the sha256 of every image a task was created with."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def run(self, image_bytes, params, progress):  # type: ignore[no-untyped-def]
        with self._lock:
            self.seen.append(hashlib.sha256(image_bytes).hexdigest())
        return super().run(image_bytes, params, progress)


def photo_bytes(i: int) -> bytes:
    """A distinct 96×96 JPEG of the astronaut's face: `i` written in black and white 8×8 blocks along its top
    edge (block-aligned, so JPEG keeps every one apart)."""
    rgb = Image.fromarray(astronaut()).crop((140, 20, 340, 220)).resize((96, 96))
    for bit in range(12):
        rgb.paste((255, 255, 255) if i >> bit & 1 else (0, 0, 0), (bit * 8, 0, bit * 8 + 8, 8))
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def gateway(tmp_path: Path, engine: RecordingEngine) -> Iterator[LocalGateway]:
    with LocalGateway(engine, cache_dir=tmp_path / "gw") as gw:
        yield gw


@pytest.fixture
def client(gateway: LocalGateway) -> Iterator[Client]:
    with Client(gateway.base_url, gateway.token) as api:
        yield api


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as j:
        yield j


def watcher_for(backend: Backend, journal: Journal, in_dir: Path, out_dir: Path, **kw) -> FolderWatcher:  # type: ignore[no-untyped-def]
    return FolderWatcher.for_session(backend, SMALL, in_dir, out_dir, journal=journal, **kw)


def wait_for(condition, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def results(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.glob("*.jpg"))


# --------------------------------------------------------------------------- Arrivals (when a file is whole)
def test_a_file_still_being_written_is_not_taken_until_closed(tmp_path: Path):
    path = tmp_path / "a.jpg"
    arrivals = Arrivals(settle=1.0, quiet=0.2, stall=30.0, closes=True)
    path.write_bytes(b"x" * 10)
    arrivals.written(path, 0.0)
    assert arrivals.ready(0.0) == []  # first look records its size
    assert arrivals.ready(5.0) == []  # unchanged for 5 s, but open for writing: never read
    arrivals.closed(path, 5.0)
    assert arrivals.ready(5.1) == []  # closed, not yet quiet
    assert arrivals.ready(5.3) == [path]
    assert len(arrivals) == 0


def test_without_close_events_a_file_is_taken_once_stable(tmp_path: Path):
    path = tmp_path / "a.jpg"
    arrivals = Arrivals(settle=1.0, closes=False)
    path.write_bytes(b"x")
    arrivals.written(path, 0.0)
    assert arrivals.ready(0.0) == []
    assert arrivals.ready(0.9) == []
    with path.open("ab") as f:  # it grows: the clock starts again
        f.write(b"more")
    assert arrivals.ready(1.0) == []
    assert arrivals.ready(1.9) == []
    assert arrivals.ready(2.0) == [path]


def test_a_writer_that_died_is_given_up_on_after_the_stall(tmp_path: Path):
    path = tmp_path / "a.jpg"
    arrivals = Arrivals(settle=1.0, stall=30.0, closes=True)
    path.write_bytes(b"x")
    arrivals.written(path, 0.0)
    arrivals.ready(0.0)
    assert arrivals.ready(29.0) == []
    assert arrivals.ready(30.0) == [path]


def test_arrivals_come_out_in_arrival_order_and_deleted_files_drop_out(tmp_path: Path):
    arrivals = Arrivals(settle=1.0, closes=True)
    names = ["c.jpg", "a.jpg", "gone.jpg", "b.jpg"]
    for n, name in enumerate(names):
        (tmp_path / name).write_bytes(b"x")
        arrivals.seen(tmp_path / name, float(n))
    arrivals.ready(4.0)
    (tmp_path / "gone.jpg").unlink()
    assert arrivals.ready(5.0) == [tmp_path / n for n in ("c.jpg", "a.jpg", "b.jpg")]


# --------------------------------------------------------------------------- the watcher
def test_only_whole_photos_are_retouched_once_and_a_restart_does_nothing_again(
    tmp_path: Path, client: Client, gateway: LocalGateway, engine: RecordingEngine, journal: Journal
):
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    (shoot / "old.jpg").write_bytes(photo_bytes(0))  # there before the watcher starts
    for name in ("x.jpg.part", "x.jpg.tmp", "x.jpg~", "x.jpg.crdownload", ".x.jpg", "old.retouched.jpg"):
        (shoot / name).write_bytes(photo_bytes(9))  # temporary, hidden, or the app's own result: ignored
    events: list[WatchEvent] = []
    watcher = watcher_for(Backend(client, "local"), journal, shoot, out, settle=0.5)
    watcher.subscribe(events.append)
    watcher.start()
    try:
        whole = {sha(photo_bytes(i)) for i in range(4)}
        with (shoot / "slow.jpg").open("wb") as f:  # written in pieces over a second, held open
            data = photo_bytes(1)
            for k in range(5):
                f.write(data[k * len(data) // 5 : (k + 1) * len(data) // 5])
                f.flush()
                time.sleep(0.25)
        (shoot / "moved.jpg.part").write_bytes(photo_bytes(2))
        os.replace(shoot / "moved.jpg.part", shoot / "moved.jpg")  # a download finished by a rename
        (shoot / "quick.jpg").write_bytes(photo_bytes(3))
        wait_for(lambda: gateway.stats.creates == 4 and watcher.queue.idle() and len(results(out)) == 4)
    finally:
        watcher.stop()
    assert set(engine.seen) == whole and len(engine.seen) == 4  # never a partial file, each once
    assert results(out) == [f"{n}.retouched.jpg" for n in ("moved", "old", "quick", "slow")]
    assert not [e for e in events if e.kind == "item" and e.item and e.item.status == "failed"]

    again = watcher_for(Backend(client, "local"), journal, shoot, out, settle=0.2, rescan=0.3)
    seen: list[WatchEvent] = []
    again.subscribe(seen.append)
    again.start()
    try:
        wait_for(lambda: len([e for e in seen if e.kind == "already_done"]) == 4)
        time.sleep(0.8)  # two more rescans: nothing is queued again
    finally:
        again.stop()
    assert gateway.stats.creates == 4 and results(out) == [
        f"{n}.retouched.jpg" for n in ("moved", "old", "quick", "slow")
    ]
    assert not [e for e in seen if e.kind == "item"]


def test_a_result_reused_from_elsewhere_is_copied_once_not_at_every_restart(
    tmp_path: Path, client: Client, gateway: LocalGateway, journal: Journal
):
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    (shoot / "a.jpg").write_bytes(photo_bytes(5))
    backend = Backend(client, "local")
    run_edit(backend, shoot / "a.jpg", SMALL, journal=journal, out_dir=tmp_path / "window-cache")
    for _ in range(2):  # the first run copies the earlier result (no charge); the restart must not again
        watcher = watcher_for(backend, journal, shoot, out, settle=0.2)
        watcher.start()
        try:
            wait_for(lambda w=watcher: len(results(out)) >= 1 and w.queue.idle())
            time.sleep(0.5)
        finally:
            watcher.stop()
    assert results(out) == ["a.retouched.jpg"] and gateway.stats.creates == 1


def test_the_daily_cap_pauses_with_a_message_and_it_resumes_when_the_cap_allows(
    tmp_path: Path, client: Client, gateway: LocalGateway, journal: Journal
):
    estimate = {"status": "success", "data": {"cost": "0.05", "currency": "USD"}}
    gateway.faults.add("precharge", status=200, body=estimate, times=-1)
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    for i in range(2):
        (shoot / f"p{i}.jpg").write_bytes(photo_bytes(20 + i))
    cap = [Decimal("0.04")]
    events: list[WatchEvent] = []
    watcher = watcher_for(
        Backend(client, "cloud"), journal, shoot, out, settle=0.2, budget_check=0.2, cap_source=lambda: cap[0]
    )
    watcher.subscribe(events.append)
    watcher.start()
    try:
        wait_for(lambda: any(e.kind == "paused" for e in events))
        time.sleep(0.6)  # three looks at the cap: still too low, so it stays paused and pays nothing
        paused = [e for e in events if e.kind == "paused"]
        assert len(paused) == 1 and "budget" in paused[0].message and "$0.04" in paused[0].message
        assert gateway.stats.creates == 0 and not any(e.kind == "resumed" for e in events)
        cap[0] = Decimal("1")  # raised in Settings
        wait_for(lambda: len(results(out)) == 2)
    finally:
        watcher.stop()
    assert any(e.kind == "resumed" for e in events) and gateway.stats.creates == 2


def test_stopping_leaves_a_running_task_resumable_and_the_next_start_finishes_it(
    tmp_path: Path, journal: Journal
):
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=3) as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        backend = Backend(client, "local")
        watcher = watcher_for(backend, journal, shoot, out, settle=0.2)
        watcher.start()
        (shoot / "a.jpg").write_bytes(photo_bytes(30))
        wait_for(lambda: gateway.stats.creates == 1)
        watcher.stop(grace=0)  # the task is still running on the gateway
        [row] = journal.rows()
        assert row.status == "submitted" and row.owner_pid == 0  # released: resumable
        again = watcher_for(backend, journal, shoot, out, settle=0.2)
        again.start()
        try:
            wait_for(lambda: results(out) == ["a.retouched.jpg"])
        finally:
            again.stop()
        assert gateway.stats.creates == 1 and journal.get(row.id).status == "completed"


def test_the_rescan_finds_photos_whose_events_were_lost(
    tmp_path: Path, client: Client, gateway: LocalGateway, journal: Journal, monkeypatch: pytest.MonkeyPatch
):
    from portrait_studio.api import watch

    monkeypatch.setattr(watch._Handler, "dispatch", lambda self, event: None)  # inotify overflowed
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    watcher = watcher_for(Backend(client, "local"), journal, shoot, out, settle=0.2, rescan=0.5)
    watcher.start()
    try:
        time.sleep(0.3)  # after the first scan
        for i in range(3):
            (shoot / f"late{i}.jpg").write_bytes(photo_bytes(40 + i))
        wait_for(lambda: len(results(out)) == 3)
    finally:
        watcher.stop()
    assert gateway.stats.creates == 3


def test_already_done_knows_a_request_whose_size_follows_the_photo(tmp_path: Path, client, journal):
    """The watcher pins an unpinned size from the photo's upright size, as run_edit does: else a photo done
    before would never be known again."""
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    out.mkdir()
    photo = shoot / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 600 × 512, shown 512 × 600 (turned by 90°)
    Image.fromarray(astronaut()).resize((600, 512)).save(photo, quality=90, exif=exif.tobytes())
    params = EditParams(gpen=0.5)
    backend = Backend(client, "local")
    done = run_edit(backend, photo, params, journal=journal, out_dir=out, size="model")
    assert (done.params.width, done.params.height) == (1748, 2048)  # the upright 512 × 600's aspect
    watcher = FolderWatcher.for_session(backend, params, shoot, out, journal=journal, size="model")
    try:
        assert watcher.done_before(photo) == done.output_path
        other = FolderWatcher.for_session(
            backend, params.replace(width=1328, height=1328), shoot, out, journal=journal, size="model"
        )
        assert other.done_before(photo) is None  # another request: not done
        other.queue.close()
    finally:
        watcher.queue.close()
