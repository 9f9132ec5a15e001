"""At start-up the window finishes a task a crash interrupted, and lists (never resends) uncertain ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from portrait_studio.core.journal import Journal
from tests.conftest import retouch_killed_while_polling
from tests.photos import astronaut
from tests.ui.windows import make_window


def test_window_start_finishes_a_task_killed_mid_poll(qtbot, tmp_path: Path, standalone_gateway, monkeypatch):
    photo = tmp_path / "shoot" / "eileen.jpg"
    photo.parent.mkdir()
    Image.fromarray(astronaut()).save(photo, quality=90)
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": standalone_gateway["token"]}
    row_id = retouch_killed_while_polling(photo, standalone_gateway, env)
    expected = photo.parent / "eileen.retouched.jpg"
    assert not expected.exists()

    monkeypatch.setenv(
        "PORTRAIT_STUDIO_API_KEY", standalone_gateway["token"]
    )  # the key the task was made with
    w = make_window(qtbot)
    qtbot.waitUntil(lambda: w.resume_flow is not None, timeout=30_000)
    with qtbot.waitSignal(w.resume_flow.finished, timeout=90_000) as finished:
        pass
    report = finished.args[0]
    assert [r.output_path for r in report.finished] == [expected]
    assert "Finished 1 interrupted edit" in w.statusBar().currentMessage()
    with Image.open(expected) as result:
        assert result.size == (512, 512)
    with Journal() as journal:
        row = journal.get(row_id)
    assert row.status == "completed"
    created = {p.name.rsplit("-", 1)[0] for p in (Path(standalone_gateway["cache"]) / "files").glob("*.jpg")}
    assert created == {row.task_id}  # polled by id: nothing was created again
    assert w.resume_flow.dialog is None  # nothing uncertain to show


def test_uncertain_cloud_task_is_listed_and_can_be_dismissed(qtbot):
    crashed = subprocess.run(  # a process that wrote the row and died before the create's answer
        [
            sys.executable,
            "-c",
            "from portrait_studio.core.journal import Journal\n"
            "from portrait_studio.core.params import EditParams\n"
            "Journal().begin(input_path='/shoot/a.jpg', input_sha256='s', upload_sha256='u',"
            " params=EditParams(), backend='cloud', base_url='https://cloud.example')\n",
        ],
        timeout=60,
    )
    assert crashed.returncode == 0
    w = make_window(qtbot)
    qtbot.waitUntil(lambda: w.resume_flow is not None, timeout=30_000)
    qtbot.waitUntil(lambda: w.resume_flow.dialog is not None, timeout=30_000)
    box = w.resume_flow.dialog
    assert box.isVisible() and "may have created" in box.text()
    assert "/shoot/a.jpg" in box.detailedText()
    with Journal() as journal:
        assert [r.input_path for r in journal.uncertain()] == ["/shoot/a.jpg"]  # listed, not resubmitted
        w.resume_flow.dismiss_button.click()
        qtbot.waitUntil(lambda: journal.uncertain() == [], timeout=10_000)
