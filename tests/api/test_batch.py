"""The batch queue through the real local gateway: many photos, failures, retry/skip, cancel, budget pause."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from portrait_studio.api.batch import BatchItem, BatchQueue, expand, folder_photos, status_counts, summary
from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import Backend
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.photos import astronaut

SMALL = EditParams(width=512, height=512, seed=3)


def _shoot(folder: Path, n: int, *, start: int = 0, size: int = 256) -> list[Path]:
    """n distinct small portraits (one pixel differs, so no two uploads are identical)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = np.asarray(Image.fromarray(astronaut()).resize((size, size)))
    paths = []
    for i in range(start, start + n):
        rgb = base.copy()
        rgb[0, 0] = (i % 256, i // 256, 7)
        path = folder / f"img{i:03d}.png"  # PNG: lossless, so the marker pixel survives
        Image.fromarray(rgb).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def journal() -> Journal:
    with Journal() as j:
        yield j


def test_expand_folders(tmp_path: Path):
    _shoot(tmp_path / "shoot", 2)
    _shoot(tmp_path / "shoot" / "day2", 1, start=5)
    (tmp_path / "shoot" / "notes.txt").write_text("x")
    (tmp_path / "shoot" / "img000.retouched.jpg").write_bytes(b"x")
    assert [p.name for p in expand([tmp_path / "shoot"])] == ["img000.png", "img001.png"]
    deep = expand([tmp_path / "shoot"], recursive=True)
    assert [p.relative_to(tmp_path / "shoot").as_posix() for p in deep] == [
        "day2/img005.png",
        "img000.png",
        "img001.png",
    ]
    assert expand([tmp_path / "missing.jpg"]) == [tmp_path / "missing.jpg"]  # reported by the run


def test_a_folder_leaves_out_the_apps_results_and_hidden_files(tmp_path: Path):
    shoot = tmp_path / "shoot"
    _shoot(shoot, 1)
    for name in ("img000-retouched.jpg", "img000-retouched-2.jpg", "img000.retouched-2.jpg", "._img000.png"):
        (shoot / name).write_bytes(b"x")  # Save's names, an edit's second result, a macOS resource fork
    _shoot(shoot / ".thumbnails", 1, start=9)
    assert [p.name for p in expand([shoot], recursive=True)] == ["img000.png"]
    given = shoot / "img000-retouched.jpg"
    assert expand([given]) == [given]  # a file named on its own is taken as asked


def test_folder_photos_is_the_one_folder_rule_in_any_letter_case(tmp_path: Path):
    shoot = tmp_path / "shoot"
    _shoot(shoot, 1)
    for name in ("IMG_9.JPG", "scan.HEIC", "clip.mov", "IMG_9-retouched.JPG"):
        (shoot / name).write_bytes(b"x")
    assert [p.name for p in folder_photos(shoot)] == ["IMG_9.JPG", "img000.png", "scan.HEIC"]
    assert expand([shoot]) == folder_photos(shoot)


def test_status_counts_are_what_the_summary_says(tmp_path: Path):
    statuses = ["done", "failed", "done"]
    items = [BatchItem(i, tmp_path / f"{i}.jpg", status) for i, status in enumerate(statuses)]
    assert status_counts(items) == {"done": 2, "failed": 1}
    assert summary(items, None) == "3 photos: 2 done, 1 failed"


def test_a_photo_added_twice_is_queued_once(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    photos = _shoot(tmp_path / "shoot", 3)
    with BatchQueue.for_session(Backend(client, "local"), SMALL, journal=journal, concurrency=4) as queue:
        first = queue.add([tmp_path / "shoot", photos[0]])  # a folder dropped with one of its files
        again = queue.add([photos[1]])  # and one of them dropped again while it waits or runs
        assert len(first) == 3 and again == []
        queue.start()
        assert queue.wait(60)
        assert queue.counts() == {"done": 3} and local_gateway.stats.creates == 3  # nothing paid twice
        (redo,) = queue.add([photos[2]])  # once done, adding it again is allowed (and reuses the result)
        assert queue.wait(60)
        done = queue.get(redo.id)
        assert done.result is not None and done.result.reused and local_gateway.stats.creates == 3


def test_200_tasks_at_concurrency_8_none_lost_none_duplicated(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    photos = _shoot(tmp_path / "in", 200, size=128)
    out = tmp_path / "out"
    queue = BatchQueue.for_session(
        Backend(client, "local"), SMALL, journal=journal, concurrency=8, out_dir=out
    )
    queue.add(photos[:100])
    queue.start()
    queue.add(photos[100:])  # added while it runs
    assert queue.wait(timeout=240)
    items = queue.items()
    queue.close()
    assert [i.status for i in items] == ["done"] * 200, [i.error for i in items if i.error][:3]
    assert local_gateway.stats.creates == 200  # 0 duplicated creates
    assert len({i.result.task_id for i in items if i.result}) == 200
    files = sorted(out.iterdir())
    assert len(files) == 400  # 200 results + 200 sidecars, each once (no "-2" copies)
    assert {f.name for f in files} == {
        f"img{n:03d}.retouched.{ext}" for n in range(200) for ext in ("jpg", "json")
    }
    rows = journal.rows(limit=1000)
    assert len(rows) == 200 and {r.status for r in rows} == {"completed"}
    assert {r.result_path for r in rows} == {str(out / f"img{n:03d}.retouched.jpg") for n in range(200)}


def test_skipping_a_running_item(tmp_path: Path, journal: Journal):
    photos = _shoot(tmp_path, 2)
    running = threading.Event()
    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=3) as gw,
        Client(gw.base_url, gw.token) as client,
        BatchQueue.for_session(Backend(client, "local"), SMALL, journal=journal, concurrency=1) as queue,
    ):
        queue.subscribe(lambda item: running.set() if item.stage == "running" else None)
        [first, second] = queue.add(photos)
        queue.start()
        assert running.wait(30)
        queue.skip(first.id)
        assert queue.wait(60)
        assert queue.get(first.id).status == "skipped" and queue.get(second.id).status == "done"


def test_failed_items_do_not_stop_the_rest_and_can_be_retried_or_skipped(
    tmp_path: Path, client: Client, journal: Journal
):
    good = _shoot(tmp_path, 3)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    missing = tmp_path / "gone.jpg"
    changes: list[BatchItem] = []
    with BatchQueue.for_session(Backend(client, "local"), SMALL, journal=journal, concurrency=2) as queue:
        queue.subscribe(changes.append)
        queue.add([good[0], broken, good[1], missing, good[2]])
        queue.start()
        assert queue.wait(60)
        by_name = {i.path.name: i for i in queue.items()}
        assert by_name["broken.jpg"].status == "failed" and by_name["gone.jpg"].status == "failed"
        assert by_name["broken.jpg"].error is not None and by_name["broken.jpg"].error.fix
        assert sum(i.status == "done" for i in queue.items()) == 3
        # Fix the broken file, retry it; skip the missing one.
        Image.fromarray(astronaut()).save(broken)
        queue.retry(by_name["broken.jpg"].id)
        queue.skip(by_name["gone.jpg"].id)
        assert queue.wait(60)
        assert queue.counts() == {"done": 4, "skipped": 1}
        assert queue.get(by_name["broken.jpg"].id).attempts == 2
        line = queue.get(by_name["gone.jpg"].id).to_json()
        assert line["status"] == "skipped" and line["error"]["message"]
    assert {c.status for c in changes} >= {"queued", "running", "done", "failed", "skipped"}


def test_cancel_all_stops_waiting_and_paid_tasks_stay_resumable(tmp_path: Path, journal: Journal):
    photos = _shoot(tmp_path, 5)
    started = threading.Event()
    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=3) as gw,
        Client(gw.base_url, gw.token) as client,
        BatchQueue.for_session(Backend(client, "cloud"), SMALL, journal=journal, concurrency=2) as queue,
    ):
        queue.subscribe(lambda item: started.set() if item.stage == "running" else None)
        queue.add(photos)
        queue.start()
        assert started.wait(30)
        queue.cancel_all()
        assert queue.wait(30)
        assert queue.counts() == {"cancelled": 5}
        paid = journal.resumable()
        assert 1 <= len(paid) <= 2  # the running ones: on the service and paid, not forgotten
        # Retrying a cancelled item whose task is paid for finishes that task: nothing is created again.
        creates = gw.stats.creates
        first = next(i for i in queue.items() if str(i.path.resolve()) == paid[0].input_path)
        queue.retry(first.id)
        assert queue.wait(60)
        done = queue.get(first.id)
        assert done.status == "done" and done.result is not None and done.result.task_id == paid[0].task_id
        assert gw.stats.creates == creates


def test_budget_cap_pauses_before_paying_and_resume_continues(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    photos = _shoot(tmp_path, 3)
    estimate = {"status": "success", "data": {"cost": "0.05", "currency": "USD"}}
    local_gateway.faults.add("precharge", status=200, body=estimate, times=-1)
    with BatchQueue.for_session(
        Backend(client, "cloud"), SMALL, journal=journal, concurrency=1, budget_cap=Decimal("0.04")
    ) as queue:
        queue.add(photos)
        queue.start()
        assert queue.wait(30)
        assert queue.paused_reason and "budget" in queue.paused_reason
        assert queue.counts() == {"queued": 3} and local_gateway.stats.creates == 0
        assert queue.idle()  # photos wait, but none will start until resume(): the backend may change
        queue.budget_cap = Decimal("1")
        queue.resume()
        assert not queue.idle()  # queued and no longer paused: about to start
        assert queue.wait(60)
        assert queue.counts() == {"done": 3} and local_gateway.stats.creates == 3
        assert all(item.error is None for item in queue.items())  # the pause is not their result


def test_photos_checked_at_once_never_pass_the_budget_together(tmp_path: Path, journal: Journal):
    estimate = {"status": "success", "data": {"cost": "0.05", "currency": "USD"}}
    # Tasks that run 5 s: their estimates stay committed while the other photos check (this test gateway
    # bills 0 once a task is done, which would rightly free the money for more photos).
    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=5) as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        gateway.faults.add("precharge", status=200, body=estimate, times=-1)
        with BatchQueue.for_session(
            Backend(client, "cloud"), SMALL, journal=journal, concurrency=8, budget_cap=Decimal("0.10")
        ) as queue:
            queue.add(_shoot(tmp_path / "shoot", 8))
            queue.start()  # eight photos ask their price at the same moment
            assert queue.wait(60)
            assert gateway.stats.creates == 2  # exactly what the cap allows, however the checks interleave
            assert queue.paused_reason and queue.counts() == {"done": 2, "queued": 6}


def test_cancel_all_while_a_photo_meets_the_budget_cancels_it_too(tmp_path: Path):
    from portrait_studio.api.pipeline import BudgetError

    checking, release = threading.Event(), threading.Event()

    def over_budget(path: Path, progress, cancel: threading.Event):  # type: ignore[no-untyped-def]
        checking.set()
        release.wait(30)  # the price check answers after the user pressed Cancel all
        raise BudgetError("Today's budget would be exceeded.", estimate=Decimal("0.05"), daily=True)

    with BatchQueue(over_budget, concurrency=1) as queue:
        queue.add(_shoot(tmp_path, 2))
        queue.start()
        assert checking.wait(30)
        queue.cancel_all()
        release.set()
        assert queue.wait(30)
        assert [i.status for i in queue.items()] == ["cancelled", "cancelled"]  # none back in line
        assert queue.paused_reason is None


def test_eta_and_concurrency_defaults(tmp_path: Path, client: Client, journal: Journal):
    assert BatchQueue.for_session(Backend(client, "cloud"), SMALL, journal=journal).concurrency == 2
    local = BatchQueue.for_session(Backend(client, "local"), SMALL, journal=journal)
    assert local.concurrency >= 1
    local.add(_shoot(tmp_path, 4))
    assert local.eta() is None
    local.start()
    assert local.wait(60)
    assert local.eta() == 0.0 and local.spent() == Decimal(0)
    local.close()


def test_concurrency_can_change_while_running(tmp_path: Path):
    """Settings switching local ↔ cloud changes how many photos run at once, without restarting the queue."""
    import time

    lock, running, peak = threading.Lock(), [0], [0]
    release = threading.Event()

    def run_one(path: Path, progress, cancel: threading.Event) -> Path:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        release.wait(30)
        with lock:
            running[0] -= 1
        return path

    def running_settles_at(n: int) -> bool:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and running[0] != n:
            time.sleep(0.01)
        time.sleep(0.2)  # and no further photo starts
        return running[0] == n

    photos = _shoot(tmp_path, 8, size=16)
    with BatchQueue(run_one, concurrency=1) as queue:
        queue.add(photos)
        queue.start()
        assert running_settles_at(1)
        queue.set_concurrency(3)
        assert running_settles_at(3)
        queue.set_concurrency(1)
        release.set()
        assert queue.wait(30)
    assert peak[0] == 3
    assert [item.status for item in queue.items()] == ["done"] * 8


def test_eta_before_the_first_photo_is_done_comes_from_the_running_one(tmp_path: Path):
    from portrait_studio.api._progress import Progress

    reported, release = threading.Event(), threading.Event()

    def slow(path: Path, progress, cancel: threading.Event):  # type: ignore[no-untyped-def]
        progress(Progress("running", 0.5, 10.0, "task_1"))  # "10 s left" after a moment's work
        reported.set()
        release.wait(30)
        raise RuntimeError("stopped by the test")

    with BatchQueue(slow, concurrency=1) as queue:
        queue.add(_shoot(tmp_path, 3))
        queue.start()
        assert reported.wait(30)
        eta = queue.eta()
        # ~10 s for the running photo, and as much for each of the two waiting behind it.
        assert eta is not None and 29 < eta <= 31, eta
        queue.set_concurrency(8)  # more in flight than photos: still never less than the running one's rest
        assert (eta := queue.eta()) is not None and 9 < eta <= 11, eta
        release.set()


def test_each_photo_of_a_batch_is_sent_at_its_own_aspect(tmp_path: Path, client: Client, journal: Journal):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    face = astronaut()
    wide = np.concatenate([face[:, :128], face, face[:, -128:]], axis=1)  # 768 × 512 (3:2)
    tall = np.concatenate([face[:96], face, face[-96:]], axis=0)  # 512 × 704 (8:11)
    Image.fromarray(wide).save(shoot / "wide.jpg", quality=90)
    Image.fromarray(tall).save(shoot / "tall.jpg", quality=90)
    params = EditParams(gpen=0.5)  # the size follows each photo
    with BatchQueue.for_session(
        Backend(client, "local"), params, journal=journal, concurrency=2, size="model"
    ) as queue:
        queue.add([shoot])
        queue.start()
        assert queue.wait(60)
        results = {Path(i.path).name: i.result for i in queue.items()}
    assert {n: (r.params.width, r.params.height) for n, r in results.items()} == {
        "wide.jpg": (2048, 1365),
        "tall.jpg": (1489, 2048),
    }
    for result in results.values():
        with Image.open(result.output_path) as im:
            assert im.size == (result.params.width, result.params.height)
