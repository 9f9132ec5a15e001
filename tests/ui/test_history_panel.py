import datetime as dt
import hashlib
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.ui.panels.history_panel import ORIGINAL, REFRESH_DELAY_MS, HistoryPanel, ledger_summary
from portrait_studio.ui.text import money, when
from tests.photos import astronaut

SHA = hashlib.sha256(b"portrait bytes").hexdigest()


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "journal.sqlite3") as j:  # a real SQLite file
        yield j


def record(
    journal: Journal, tmp_path: Path, gpen: float, cost: str | None, *, sha=SHA, preset=None, backend="cloud"
) -> int:
    """One completed task written through the journal's own lifecycle (begin → submitted → completed)."""
    params = EditParams(gpen=gpen)
    row = journal.begin(
        input_path=tmp_path / "portrait.jpg",
        input_sha256=sha,
        upload_sha256=sha,
        params=params,
        backend=backend,
        base_url="https://cloud.example",
        engine=backend,
        preset=preset,
    )
    journal.mark_submitted(row, f"task-{row}")
    result = tmp_path / f"portrait.v{row}.jpg"
    result.write_bytes(b"jpeg")
    journal.mark_completed(row, result_path=result, cost=Decimal(cost) if cost else None)
    return row


@pytest.fixture
def panel(qtbot, journal):
    w = HistoryPanel(journal)
    qtbot.addWidget(w)
    w.resize(520, 420)
    w.show()
    return w


def test_money_and_when():
    assert money(None) == "—"
    assert money(Decimal("0")) == "free"
    assert money(Decimal("0.035")) == "$0.035"
    assert money(Decimal("0.02")) == "$0.02"
    assert money(Decimal("1.5")) == "$1.50"
    assert money(Decimal("0.0004")) == "<$0.001"
    now = dt.datetime(2026, 11, 24, 15, 0)
    assert when(dt.datetime(2026, 11, 24, 9, 5).timestamp(), now) == "09:05"
    assert when(dt.datetime(2026, 11, 21, 9, 5).timestamp(), now) == "Sat 09:05"
    assert when(dt.datetime(2026, 10, 1, 9, 5).timestamp(), now) == "2026-10-01 09:05"


def test_lists_versions_of_the_photo_only(panel, journal, tmp_path):
    a = record(journal, tmp_path, 0.2, "0.035")
    b = record(journal, tmp_path, 0.6, "0.035")
    record(journal, tmp_path, 0.9, "0.035", sha="0" * 64)  # another photo
    panel.set_photo(SHA, tmp_path / "portrait.jpg")
    assert [r.id for r in panel.versions()] == [a, b]
    assert panel.tree.topLevelItemCount() == 3  # the original + two versions
    assert panel.tree.topLevelItem(0).text(1) == "Original"
    newest = panel.tree.topLevelItem(2)
    assert newest.text(0) == "●" and newest.text(1) == "v2"  # the newest is current
    assert "Face HD 0.6" in newest.text(4) and newest.text(5) == "$0.035" and newest.text(3) == "cloud"
    assert "portrait.jpg: 2 versions" in panel.photo_label.text()
    panel.set_photo(None)
    assert panel.tree.topLevelItemCount() == 0 and "No photo" in panel.photo_label.text()


def test_a_local_version_does_not_claim_a_random_seed(panel, journal, tmp_path):
    record(journal, tmp_path, 0.2, "0.035")  # seed -1 on the cloud: a new seed each run
    record(journal, tmp_path, 0.6, None, backend="local")  # the local engine uses no seed at all
    panel.set_photo(SHA, tmp_path / "portrait.jpg")
    cloud, local = panel.tree.topLevelItem(1), panel.tree.topLevelItem(2)
    assert cloud.text(4).endswith("· random seed")
    assert local.text(3) == "local" and "seed" not in local.text(4)


def test_compare_any_two_or_one_with_original(panel, journal, tmp_path, qtbot):
    a = record(journal, tmp_path, 0.2, None)
    record(journal, tmp_path, 0.4, None)
    c = record(journal, tmp_path, 0.8, None)
    panel.set_photo(SHA)
    panel.select(c, a)
    assert panel.compare_button.isEnabled()
    with qtbot.waitSignal(panel.compare_requested, timeout=1000) as blocker:
        panel.compare_button.click()
    before, after = blocker.args
    assert (before.id, after.id) == (a, c)  # older first, whatever the click order
    assert Path(after.result_path).is_file()
    panel.select(c)
    with qtbot.waitSignal(panel.compare_requested, timeout=1000) as blocker:
        assert panel.compare_selected()
    assert blocker.args[0] is None and blocker.args[1].id == c  # None = the original photo
    panel.select(ORIGINAL)
    assert not panel.compare_button.isEnabled()
    assert not panel.compare_selected()


def test_undo_redo_and_make_current(panel, journal, tmp_path, qtbot):
    a = record(journal, tmp_path, 0.2, None)
    b = record(journal, tmp_path, 0.5, None)
    panel.set_photo(SHA)
    assert panel.current_id() == b and panel.undo_button.isEnabled() and not panel.redo_button.isEnabled()
    with qtbot.waitSignal(panel.version_restored, timeout=1000) as blocker:
        panel.undo_button.click()
    assert blocker.args[0].id == a
    assert journal.current_version(SHA).id == a  # the journal remembers it (survives a restart)
    assert panel.current_id() == a and panel.tree.topLevelItem(1).text(0) == "●"
    assert not panel.undo_button.isEnabled() and panel.redo_button.isEnabled()
    assert panel.redo().id == b
    panel.select(a)
    assert panel.restore_button.isEnabled()
    panel.restore_button.click()
    assert journal.current_version(SHA).id == a
    # a new panel (the app restarted) shows the same current version
    again = HistoryPanel(journal)
    qtbot.addWidget(again)
    again.set_photo(SHA)
    assert again.current_id() == a


def show_spending(panel, qtbot) -> None:
    """Open the Spending tab and wait for the ledger read (it runs off the GUI thread)."""
    with qtbot.waitSignal(panel.ledger_updated, timeout=5000):
        panel.tabs.setCurrentIndex(1)


def test_spend_ledger_per_task_day_and_preset(panel, journal, tmp_path, qtbot):
    record(journal, tmp_path, 0.2, "0.035", preset="Studio")
    record(journal, tmp_path, 0.3, "0.035", preset="Studio")
    record(journal, tmp_path, 0.4, "0.02")
    panel.set_budget_cap(Decimal("0.08"))
    show_spending(panel, qtbot)
    summary = panel.ledger_label.text()
    assert "Today $0.09" in summary and "all time $0.09" in summary
    assert "daily cap $0.08 reached (batches pause)" in summary and "left" not in summary
    today = dt.date.today().isoformat()
    day = panel.by_day.topLevelItem(0)
    assert (day.text(0), day.text(1)) == (today, "$0.09")
    presets = {
        panel.by_preset.topLevelItem(i).text(0): panel.by_preset.topLevelItem(i).text(1)
        for i in range(panel.by_preset.topLevelItemCount())
    }
    assert presets == {"Studio": "$0.07", "(no preset)": "$0.02"}
    assert panel.recent.topLevelItemCount() == 3
    assert panel.recent.topLevelItem(0).text(3) == "$0.02"  # newest first
    assert ledger_summary(journal, None) == "Today $0.09 · all time $0.09"
    assert (
        ledger_summary(journal, Decimal("0.5"))
        == "Today $0.09 · all time $0.09 · daily cap $0.50, $0.41 left"
    )


def test_ledger_summary_of_nothing_spent_says_zero_not_free(journal):
    # money() calls a single free edit "free"; a sum of nothing is $0.00, and a full cap leaves nothing.
    assert (
        ledger_summary(journal, Decimal("2.0"))
        == "Today $0.00 · all time $0.00 · daily cap $2.00, $2.00 left"
    )


def test_ledger_is_read_off_the_gui_thread_and_only_when_shown(panel, journal, tmp_path, qtbot, monkeypatch):
    threads: list[str] = []
    real = journal.spend_by_day

    def spy():
        threads.append(threading.current_thread().name)
        return real()

    monkeypatch.setattr(journal, "spend_by_day", spy)
    record(journal, tmp_path, 0.2, "0.035")
    qtbot.wait(REFRESH_DELAY_MS + 100)
    assert threads == []  # the Versions tab is on screen: the ledger is not read at all
    show_spending(panel, qtbot)
    assert threads == ["ledger-read"]
    with qtbot.waitSignal(panel.ledger_updated, timeout=5000):
        record(journal, tmp_path, 0.3, "0.035")  # a write while the tab is shown: read again, once per burst
    assert "$0.07" in panel.ledger_label.text()
    assert threading.main_thread().name not in threads


def test_refreshes_when_another_thread_writes(panel, journal, tmp_path, qtbot):
    panel.set_photo(SHA)
    assert panel.versions() == []
    writer = threading.Thread(target=record, args=(journal, tmp_path, 0.7, "0.035"))
    writer.start()
    writer.join()
    # the journal calls back in the writer thread; the panel redraws on the GUI thread, once per burst
    qtbot.waitUntil(lambda: len(panel.versions()) == 1, timeout=3000)
    show_spending(panel, qtbot)
    assert "$0.035" in panel.ledger_label.text()


def test_real_edit_through_local_gateway_appears(panel, journal, client, tmp_path, qtbot):
    from portrait_studio.api.pipeline import run_edit

    photo = tmp_path / "astronaut.jpg"
    Image.fromarray(astronaut()).save(photo, quality=92)
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    panel.set_photo(sha, photo)
    done: list = []
    t = threading.Thread(
        target=lambda: done.append(
            run_edit(client, photo, EditParams(gpen=0.5), journal=journal, backend_kind="local")
        )
    )
    t.start()
    t.join(timeout=60)
    assert done, "the edit did not finish"
    qtbot.waitUntil(lambda: len(panel.versions()) == 1, timeout=3000)
    version = panel.versions()[0]
    assert version.result_path == str(done[0].output_path) and Path(version.result_path).is_file()
    assert panel.tree.topLevelItem(1).text(5) == "free"
    assert photo.read_bytes() and time.time() - version.finished_at < 120


def test_hidden_panel_runs_no_timer_and_catches_up_when_shown(panel, journal, tmp_path, qtbot):
    panel.set_photo(SHA)
    panel.hide()
    record(journal, tmp_path, 0.3, None)
    qtbot.wait(50)  # let the queued journal signal arrive
    assert not panel._timer.isActive()
    assert panel.versions() == []
    panel.show()
    assert len(panel.versions()) == 1
