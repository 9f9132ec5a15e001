import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from portrait_studio.api.batch import BatchQueue, duration
from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import Backend, BudgetError, EditResult
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine
from portrait_studio.ui.panels.batch_panel import BatchPanel
from tests.photos import astronaut, coffee, grace_hopper, rocket, save


@pytest.fixture
def shoot(tmp_path) -> Path:
    """A folder of real photos with a sub-folder, as a photographer's card dump looks."""
    root = tmp_path / "shoot"
    save(astronaut(), root / "01-astronaut.jpg", quality=90)
    save(grace_hopper(), root / "02-hopper.jpg", quality=90)
    save(coffee(), root / "03-coffee.png")
    save(rocket(), root / "day2" / "04-rocket.jpg", quality=90)
    return root


@pytest.fixture
def journal(tmp_path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.sqlite3") as j:
        yield j


@contextmanager
def make_queue(
    gateway: LocalGateway,
    journal: Journal,
    out: Path,
    concurrency: int = 2,
    params: EditParams = EditParams(gpen=0.5),  # noqa: B008 (frozen dataclass)
) -> Iterator[BatchQueue]:
    """The real queue over the real pipeline, through a real gateway; closed (workers joined) after."""
    with Client(gateway.base_url, gateway.token) as client:
        backend = Backend(client, "local", gateway.engine_name)
        q = BatchQueue.for_session(backend, params, journal=journal, concurrency=concurrency, out_dir=out)
        try:
            yield q
        finally:
            q.close()


@pytest.fixture
def queue(local_gateway, journal, tmp_path) -> Iterator[BatchQueue]:
    with make_queue(local_gateway, journal, tmp_path / "out") as q:
        yield q


def make_panel(qtbot, q: BatchQueue) -> BatchPanel:
    panel = BatchPanel(q)
    qtbot.addWidget(panel)
    panel.resize(720, 420)
    panel.show()
    return panel


def wait_finished(qtbot, panel: BatchPanel, timeout: int = 60000) -> None:
    qtbot.waitUntil(
        lambda: (
            bool(panel._items) and all(i.status not in ("queued", "running") for i in panel._items.values())
        ),
        timeout=timeout,
    )


def test_duration():
    assert [duration(x) for x in (None, 4.2, 150, 3900)] == ["—", "4 s", "2 min", "1 h 05 min"]


def test_folder_runs_through_real_gateway(qtbot, queue, shoot, tmp_path):
    panel = make_panel(qtbot, queue)
    assert panel.concurrency_label.text() == "2 at a time"
    with qtbot.waitSignal(panel.finished, timeout=60000):
        added = panel.add_paths([shoot])  # not recursive: day2/ is left out
    assert len(added) == 3
    assert panel.tree.topLevelItemCount() == 3
    for item in added:
        assert panel.status_of(item.id) == "Done"
        out = panel.item(item.id).result.output_path
        assert out.is_file() and out.parent == tmp_path / "out"
    assert panel.summary.text().startswith("3 photos: 3 done")
    assert panel.summary.text().endswith(" · nothing spent")  # local edits cost nothing
    assert panel.overall.value() == 3 and panel.overall.format() == "3 of 3"
    assert (shoot / "01-astronaut.jpg").stat().st_size > 0  # originals untouched, results elsewhere
    assert not list(shoot.glob("*.retouched*"))


def test_recursive_checkbox_and_reused_result(qtbot, queue, shoot):
    panel = make_panel(qtbot, queue)
    panel.add_paths([shoot / "01-astronaut.jpg"])
    wait_finished(qtbot, panel)
    panel.recursive_check.setChecked(True)
    panel.add_paths([shoot])
    wait_finished(qtbot, panel)
    names = sorted(i.path.name for i in panel._items.values())
    assert names == [
        "01-astronaut.jpg",
        "01-astronaut.jpg",
        "02-hopper.jpg",
        "03-coffee.png",
        "04-rocket.jpg",
    ]
    # the same photo again with the same settings is not paid for twice: the panel says it was reused
    statuses = sorted(panel.status_of(i) for i in panel._rows)
    assert statuses.count("Done (earlier result, free)") == 1


def test_failed_item_says_why_and_retry_continues(qtbot, queue, shoot):
    broken = shoot / "05-broken.jpg"
    broken.write_bytes(b"this is not a photo")
    panel = make_panel(qtbot, queue)
    panel.add_paths([shoot])
    wait_finished(qtbot, panel)
    failed = [i for i in panel._items.values() if i.status == "failed"]
    assert [i.path.name for i in failed] == ["05-broken.jpg"]
    row = panel._rows[failed[0].id]
    assert row.text(1) == "Failed" and row.text(4)  # the error in plain words
    assert failed[0].error.fix in row.toolTip(4)
    assert "3 done" in panel.summary.text() and "1 failed" in panel.summary.text()
    assert panel.retry_failed_button.isEnabled()
    save(astronaut(), broken, format="JPEG")  # the photographer re-exports the file
    panel.select(failed[0].id)
    assert panel.retry_button.isEnabled()
    panel.retry_button.click()
    wait_finished(qtbot, panel)
    assert panel.status_of(failed[0].id) == "Done"
    assert not panel.retry_failed_button.isEnabled()


def test_skip_and_cancel_all_with_slow_tasks(qtbot, journal, shoot, tmp_path):
    with (
        LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=1.5) as slow,
        make_queue(slow, journal, tmp_path / "out", concurrency=1) as q,
    ):
        panel = make_panel(qtbot, q)
        items = panel.add_paths([shoot], recursive=True)
        first, second, third = items[0], items[1], items[2]
        qtbot.waitUntil(lambda: panel.item(first.id).status == "running", timeout=10000)
        panel.select(third.id)
        panel.skip_button.click()
        qtbot.waitUntil(lambda: panel.status_of(third.id) == "Skipped", timeout=5000)
        assert panel.cancel_button.isEnabled()
        panel.cancel_button.click()
        wait_finished(qtbot, panel, timeout=15000)
        assert panel.status_of(second.id) == "Cancelled"
        assert panel.item(first.id).status in ("cancelled", "done")  # it may finish as the cancel lands
        assert "skipped" in panel.summary.text() and "cancelled" in panel.summary.text()
        assert q.wait(timeout=10)
        panel.select(third.id)
        assert panel.retry_button.isEnabled()


def test_queue_callbacks_reach_the_gui_thread(qtbot, queue, shoot):
    panel = make_panel(qtbot, queue)
    seen: list[tuple[bool, bool]] = []
    worker_calls: list[bool] = []
    gui = QApplication.instance().thread()
    panel.item_updated.connect(
        lambda item: seen.append((QThread.currentThread() is gui, panel.on_gui_thread()))
    )
    # the panel is one subscriber of the queue among others (a main window may subscribe too)
    queue.subscribe(lambda item: worker_calls.append(threading.current_thread().name.startswith("batch-")))
    panel.add_paths([shoot / "01-astronaut.jpg", shoot / "02-hopper.jpg"])
    wait_finished(qtbot, panel)
    assert any(worker_calls), "the queue should have reported from its worker threads"
    assert seen and all(a and b for a, b in seen)


def test_budget_pause_is_shown_and_resume_continues(qtbot, shoot):
    # BatchQueue's documented extension point: a runner. This one hits the daily cap on its first call.
    calls: list[Path] = []
    lock = threading.Lock()

    def run_one(path, progress, cancel):
        with lock:
            calls.append(path)
            first = len(calls) == 1
        if first:
            raise BudgetError(
                "Today's budget of $0.05 would be exceeded.", estimate=Decimal("0.035"), daily=True
            )
        out = path.with_suffix(".out.jpg")
        return EditResult(path, out, out, EditParams(), "test", None, None, Decimal("0.035"))

    q = BatchQueue(run_one, concurrency=1)
    try:
        panel = make_panel(qtbot, q)
        panel.add_paths([shoot / "01-astronaut.jpg", shoot / "02-hopper.jpg"])
        qtbot.waitUntil(lambda: panel.pause_label.isVisible(), timeout=5000)
        assert "budget of $0.05" in panel.pause_label.text() and "Resume" in panel.pause_label.text()
        assert panel.resume_button.isVisible()
        assert "Waiting (budget)" in [panel.status_of(i) for i in panel._rows]
        panel.resume_button.click()
        wait_finished(qtbot, panel)
        assert not panel.pause_label.isVisible()
        assert "2 done" in panel.summary.text() and "spent $0.07" in panel.summary.text()
    finally:
        q.close()


def test_panel_gone_queue_lives_on(qtbot, queue, shoot):
    before = list(queue._subscribers)
    panel = BatchPanel(queue)
    assert queue._subscribers != before
    panel.deleteLater()
    qtbot.waitUntil(lambda: queue._subscribers == before, timeout=2000)
    queue.add([shoot / "01-astronaut.jpg"])
    queue.start()
    assert queue.wait(timeout=30)  # no callback into a deleted widget


def test_dropping_a_folder_queues_its_photos(qtbot, queue, shoot):
    from PySide6.QtCore import QMimeData, QPointF, QUrl

    from tests.ui.windows import drag_enter, drop

    panel = make_panel(qtbot, queue)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(shoot)), QUrl("https://example.com/not-a-file.jpg")])
    centre = QPointF(panel.rect().center())
    assert drag_enter(panel, mime, centre)
    assert drop(panel, mime, centre)
    assert sorted(i.path.name for i in panel._items.values()) == [
        "01-astronaut.jpg",
        "02-hopper.jpg",
        "03-coffee.png",
    ]
    wait_finished(qtbot, panel)
    assert all(panel.status_of(i) == "Done" for i in panel._rows)
    # text without a local file is refused
    text = QMimeData()
    text.setText("hello")
    assert not drag_enter(panel, text, centre)


def test_the_engines_note_shows_beside_the_result(qtbot, journal, tmp_path):
    from portrait_studio.engine import LocalEngine

    photo = save(astronaut(), tmp_path / "in" / "astronaut.jpg", quality=90)
    wide = EditParams(width=2048, height=512)  # too wide a frame for her head: the crop must cut it
    with (
        LocalGateway(LocalEngine(), cache_dir=tmp_path / "gw") as gateway,
        make_queue(gateway, journal, tmp_path / "out", params=wide) as q,
    ):
        panel = make_panel(qtbot, q)
        panel.add_paths([photo])
        wait_finished(qtbot, panel)
        row = panel.tree.topLevelItem(0)
        assert row.text(4).startswith("astronaut.retouched.jpg — the crop had to cut the top of the head")
        assert "the crop had to cut" in row.toolTip(4)
