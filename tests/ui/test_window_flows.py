"""The window's controllers and its model: one folder rule, errors that are not Run errors, typed state."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from PIL import Image

from portrait_studio.core.params import EditParams
from portrait_studio.ui.jobs.run_job import RunJob, RunOutcome
from portrait_studio.ui.model.session import AfterPane, Session, Status
from tests import photos
from tests.ui.windows import make_window


def wait_analysed(qtbot, w, paths: list[Path]) -> None:
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths(paths)
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)


def test_a_folder_opens_what_the_batch_would_do_not_the_apps_results_nor_macos_forks(qtbot, tmp_path):
    shoot = tmp_path / "shoot"
    photos.save(photos.astronaut(), shoot / "a.jpg", quality=90)
    photos.save(photos.astronaut(), shoot / "a-retouched.jpg", quality=90)  # the window's own Save
    photos.save(photos.astronaut(), shoot / "a.retouched.jpg", quality=90)  # an edit's result
    (shoot / "._a.jpg").write_bytes(b"\x00\x05\x16\x07 macOS resource fork")
    w = make_window(qtbot)
    new = w.open_paths([shoot])
    assert [w.session.photos[i].path.name for i in new] == ["a.jpg"]


def test_a_history_comparison_that_cannot_be_decoded_is_no_run_error(qtbot, tmp_path, portrait_file):
    w = make_window(qtbot)
    wait_analysed(qtbot, w, [portrait_file])
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    failures: list[str] = []
    w.run_failed.connect(failures.append)
    w.compare_versions(None, SimpleNamespace(result_path=str(broken)))
    qtbot.waitUntil(lambda: "Could not show that version" in w.statusBar().currentMessage(), timeout=10_000)
    assert failures == []  # nothing was sent: no "Run failed" for a picture that could not be read
    assert w.run_panel.error.isHidden()


def test_a_detail_that_cannot_be_decoded_is_no_run_error(qtbot, tmp_path):
    a = photos.astronaut()
    big = photos.save(
        a.repeat(5, axis=0).repeat(5, axis=1), tmp_path / "big.jpg", quality=90
    )  # 2560² > screen
    w = make_window(qtbot)
    wait_analysed(qtbot, w, [big])
    w.compare.zoom_to(4.0)
    big.write_bytes(b"the card was pulled out")  # the original is gone by the time detail is decoded
    from portrait_studio.ui.jobs import loader

    loader.forget_detail()
    failures: list[str] = []
    w.run_failed.connect(failures.append)
    assert w.request_detail()
    qtbot.waitUntil(lambda: "full-resolution detail" in w.statusBar().currentMessage(), timeout=10_000)
    assert failures == []
    assert not w.compare.has_detail()


def test_every_session_mutator_emits_photo_changed_once(qapp, tmp_path):
    session = Session()
    changed: list[int] = []
    session.photo_changed.connect(changed.append)
    session.add([tmp_path / "a.jpg", tmp_path / "b.jpg"], EditParams())
    job = RunJob(key=tmp_path / "b.jpg", path=tmp_path / "b.jpg", params=EditParams(gpen=0.5))
    session.set_running(1, job, "Sending…")
    assert changed == [1] and session.photos[1].status is Status.RUNNING
    outcome = RunOutcome(job.key, tmp_path / "r.jpg", "t-1", Decimal("0.035"), "cloud")
    session.set_result(1, outcome, "Done")
    session.set_result(1, outcome, "Done")
    assert changed == [1, 1, 1]
    assert session.total_cost == Decimal("0.070")  # money is Decimal: no 0.07000000000000001
    photo = session.photos[1]
    assert (photo.status, photo.outcome, photo.run_text, photo.params.gpen) == (
        Status.EDITED,
        outcome,
        "Done",
        0.5,
    )
    session.set_params(1, EditParams(gpen=0.2), show_preview=True)
    assert photo.after is AfterPane.PREVIEW and changed == [1, 1, 1, 1]


def test_an_evicted_result_is_decoded_again_when_the_photo_is_shown(qapp, tmp_path):
    from PySide6.QtGui import QImage

    session = Session()
    session.add([tmp_path / "a.jpg", tmp_path / "b.jpg"], EditParams())
    photo = session.photos[0]
    photo.display, photo.report = object(), object()  # loaded and analysed
    session.set_result_image(0, QImage(4, 4, QImage.Format.Format_RGB888))
    assert photo.after_image(True)[0] is AfterPane.RESULT
    session.evict(keep={1})
    assert photo.display is None and photo.screen.result_image is None
    assert photo.after is AfterPane.RELOAD_RESULT and photo.after_image(True) == (None, None)


def test_batch_queue_subscribers_are_called_and_unsubscribe(qtbot, tmp_path):
    from portrait_studio.api.batch import BatchQueue
    from portrait_studio.api.pipeline import EditResult

    src = tmp_path / "a.jpg"
    Image.new("RGB", (8, 8)).save(src)

    def run_one(path, progress, cancel):
        return EditResult(path, path, path, EditParams(), "test", None, None, None)

    queue = BatchQueue(run_one, concurrency=1)
    try:
        seen: list[str] = []
        unsubscribe = queue.subscribe(lambda item: seen.append(item.status))
        queue.add([src])
        queue.start()
        assert queue.wait(timeout=10)
        assert seen and seen[-1] == "done"
        unsubscribe()
        count = len(seen)
        queue.add([src])
        queue.start()
        assert queue.wait(timeout=10)
        assert len(seen) == count
    finally:
        queue.close()
