"""Task journal on a real SQLite file: lifecycle, crash states, threads, history, ledger."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from portrait_studio.core.journal import SCHEMA_VERSION, Journal, JournalError, dedupe_key, journal_path
from portrait_studio.core.ledger import NO_PRESET, HistoryError
from portrait_studio.core.params import EditParams
from portrait_studio.core.paths import data_dir


def _begin(j: Journal, *, sha: str = "a" * 64, params: EditParams | None = None, **kw: object) -> int:
    fields: dict[str, object] = {
        "input_path": "/photos/x.jpg",
        "input_sha256": sha,
        "upload_sha256": "u" + sha[1:],
        "params": params or EditParams(),
        "backend": "cloud",
        "base_url": "https://cloud.example",
    }
    fields.update(kw)
    return j.begin(**fields)  # type: ignore[arg-type]


def test_lives_in_the_data_dir_in_wal_mode():
    with Journal() as j:
        assert j.path == journal_path() == data_dir() / "journal.sqlite3"
        _begin(j)
    conn = sqlite3.connect(journal_path())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_lifecycle_to_completed(tmp_path: Path):
    j = Journal()
    seen: list[int] = []
    j.subscribe(seen.append)
    rid = _begin(j, preset="Studio", estimate=Decimal("0.035"))
    row = j.get(rid)
    assert row.status == "creating" and row.owner_pid == os.getpid() and row.estimate == Decimal("0.035")
    j.mark_submitted(rid, "task-1")
    j.mark_progress(rid, 0.5)
    assert j.get(rid).progress == 0.5
    result = tmp_path / "x.retouched.jpg"
    result.write_bytes(b"jpeg")
    j.mark_completed(rid, result_path=result, cost=Decimal("0.02"), job_id="job-9")
    done = j.get(rid)
    assert (done.status, done.task_id, done.cost, done.job_id) == (
        "completed",
        "task-1",
        Decimal("0.02"),
        "job-9",
    )
    assert done.finished_at is not None and done.params == EditParams()
    assert seen == [rid] * 4
    # The same bytes + params + backend now have a reusable result; another backend or params does not.
    assert j.find_reusable(done.dedupe_key) == done
    other = dedupe_key(done.upload_sha256, EditParams(skin=0.9), "cloud", "https://cloud.example")
    assert j.find_reusable(other) is None
    assert done.dedupe_key != dedupe_key(done.upload_sha256, EditParams(), "local")
    # A result file deleted by the user is not offered (the user would get nothing).
    result.unlink()
    assert j.find_reusable(done.dedupe_key) is None


def test_local_dedupe_key_ignores_the_ephemeral_port():
    p = EditParams()
    assert dedupe_key("u", p, "local", "http://127.0.0.1:1") == dedupe_key(
        "u", p, "local", "http://127.0.0.1:2"
    )
    assert dedupe_key("u", p, "cloud", "https://a") != dedupe_key("u", p, "cloud", "https://b")


_CRASH = textwrap.dedent(
    """
    import os, sys, time
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import EditParams
    j = Journal()
    base = dict(input_sha256="s" * 64, upload_sha256="u" * 64, params=EditParams(), backend="cloud")
    a = j.begin(input_path="/p/a.jpg", **base)          # crash between the write and the answer
    b = j.begin(input_path="/p/b.jpg", **base)
    j.mark_submitted(b, "task-b")                      # crash while polling
    c = j.begin(input_path="/p/c.jpg", **base)
    j.mark_failed(c, {"code": "003010095", "message": "boom"})
    print("ready", flush=True)
    time.sleep(60)
    """
)


def test_rows_survive_kill_9_and_are_sorted_into_resumable_and_uncertain():
    with subprocess.Popen([sys.executable, "-c", _CRASH], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        j = Journal()
        # While the writer lives, its rows are its own business.
        assert j.resumable() == [] and j.uncertain() == []
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    resumable = j.resumable()
    assert [(r.input_path, r.task_id) for r in resumable] == [("/p/b.jpg", "task-b")]
    assert [(r.input_path, r.status) for r in j.uncertain()] == [("/p/a.jpg", "creating")]
    assert j.rows(status="failed")[0].error == {"code": "003010095", "message": "boom"}
    # Exactly one resumer wins a row.
    assert j.claim(resumable[0].id) is True
    assert j.claim(resumable[0].id) is False  # not twice, even within this process (resume and a batch)
    assert j.resumable() == []
    assert j.get(resumable[0].id).owner_pid == os.getpid()


def test_released_rows_are_resumable_and_dismissed_rows_leave_the_list():
    j = Journal()
    rid = _begin(j)
    j.mark_submitted(rid, "t")
    assert j.resumable() == []  # this live process owns it
    j.release(rid)  # e.g. the user cancelled the wait: the task is still paid for
    assert [r.id for r in j.resumable()] == [rid]
    other = _begin(j, sha="b" * 64)  # another photo's task, also let go
    j.mark_submitted(other, "t2")
    j.release(other)
    assert [r.id for r in j.resumable(j.get(rid).dedupe_key)] == [rid]  # only this very request
    assert [r.id for r in j.resumable(j.get(other).dedupe_key)] == [other]
    u = _begin(j)
    j.mark_uncertain(u, {"code": None, "message": "timeout on create"})
    assert [r.id for r in j.uncertain()] == [u]
    v = _begin(j, sha="c" * 64)  # another photo's create that may have happened
    j.mark_uncertain(v, {"code": None, "message": "timeout on create"})
    assert [r.id for r in j.uncertain(j.get(u).dedupe_key)] == [u]  # only this very request
    j.dismiss(v)
    j.dismiss(u)
    assert j.uncertain() == []


def test_many_threads_share_one_journal():
    j = Journal()
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(25):
                rid = _begin(j, sha=f"{n:02d}{i:02d}".ljust(64, "0"))
                j.mark_submitted(rid, f"t-{n}-{i}")
                j.mark_progress(rid, 0.5)
                j.mark_completed(rid, result_path=f"/r/{n}-{i}.jpg", cost=Decimal("0.01"))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = j.rows(limit=10_000)
    assert len(rows) == 200 and {r.status for r in rows} == {"completed"}
    assert len({r.task_id for r in rows}) == 200
    assert j.total_spent() == Decimal("2.00")


def test_history_versions_and_undo(tmp_path: Path):
    j = Journal()
    sha = "h" * 64
    ids = []
    for gpen in (0.2, 0.5, 0.8):
        rid = _begin(j, sha=sha, params=EditParams(gpen=gpen), engine="local")
        j.mark_submitted(rid, f"t{gpen}")
        j.mark_completed(rid, result_path=tmp_path / f"{gpen}.jpg", cost=Decimal(0))
        ids.append(rid)
    failed = _begin(j, sha=sha)
    j.mark_failed(failed, {"code": "x", "message": "no"})
    versions = j.versions(sha)
    assert [v.id for v in versions] == ids and [v.params.gpen for v in versions] == [0.2, 0.5, 0.8]
    assert [v.id for v in j.versions(input_path="/photos/x.jpg")] == ids
    assert j.current_version(sha).id == ids[-1]  # type: ignore[union-attr]
    j.set_current(ids[0])  # undo twice
    assert j.current_version(sha).id == ids[0]  # type: ignore[union-attr]
    with pytest.raises(HistoryError, match="failed"):
        j.set_current(failed)
    with pytest.raises(HistoryError):
        j.set_current(99999)
    assert j.current_version("n" * 64) is None


def test_spend_ledger_per_task_day_preset_and_committed():
    j = Journal()
    for preset, cost in (("Studio", "0.02"), ("Studio", "0.03"), (None, "0.05")):
        rid = _begin(j, preset=preset)
        j.mark_submitted(rid, "t")
        j.mark_completed(rid, result_path="/r.jpg", cost=Decimal(cost))
    open_row = _begin(j, estimate=Decimal("0.04"))
    today = time.strftime("%Y-%m-%d")
    assert j.spend_by_day() == {today: Decimal("0.10")}
    assert j.spend_by_preset() == {"Studio": Decimal("0.05"), NO_PRESET: Decimal("0.05")}
    assert j.spent_today() == Decimal("0.10")
    assert j.committed_today() == Decimal("0.14")
    j.mark_failed(open_row, {"message": "x"})
    assert j.committed_today() == Decimal("0.10")


def test_reopening_keeps_everything_and_a_newer_schema_is_left_alone(tmp_path: Path):
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        rid = _begin(j)
    with Journal(path) as again:
        assert again.get(rid).status == "creating"
        with pytest.raises(KeyError):
            again.get(rid + 1)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(JournalError, match="newer") as info:
        Journal(path)
    assert info.value.fix
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1
    conn.close()


def test_spent_today_counts_only_today_and_exact_cents(tmp_path: Path):
    j = Journal(tmp_path / "j.sqlite3")
    yesterday = time.time() - 86400
    old = _begin(j)
    j.mark_submitted(old, "t-old")
    j.mark_completed(old, result_path="/r.jpg", cost=Decimal("0.07"))
    stale = _begin(j, estimate=Decimal("0.50"))  # an unfinished task of yesterday: not today's commitment
    with sqlite3.connect(tmp_path / "j.sqlite3") as raw:
        raw.execute("UPDATE tasks SET created_at=? WHERE id IN (?, ?)", (yesterday, old, stale))
    for _ in range(10):  # ten tasks at 0.01: exactly 0.10, as floats would not add up
        rid = _begin(j)
        j.mark_submitted(rid, "t")
        j.mark_completed(rid, result_path="/r.jpg", cost=Decimal("0.01"))
    today = time.strftime("%Y-%m-%d")
    assert j.spend_by_day() == {
        time.strftime("%Y-%m-%d", time.localtime(yesterday)): Decimal("0.07"),
        today: Decimal("0.10"),
    }
    assert j.spent_today() == Decimal("0.10") and j.total_spent() == Decimal("0.17")
    assert j.committed_today() == Decimal("0.10")


def test_a_journal_of_the_previous_schema_is_upgraded_with_its_rows(tmp_path: Path):
    from portrait_studio.core.journal import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:  # what version 1 of the app wrote
        old.executescript(MIGRATIONS[0] + "; PRAGMA user_version=1;")
        old.execute(
            "INSERT INTO tasks (status, input_path, input_sha256, upload_sha256, params, backend, dedupe_key,"
            " task_id, created_at, updated_at) VALUES ('submitted', '/p/a.jpg', 's', 'u', '{}', 'cloud', 'k',"
            " 't1', 1, 1)"
        )
    with Journal(path) as j:
        [row] = j.rows()
        assert row.task_id == "t1" and row.saving_path is None
        assert row.kind == "task" and row.parent_id is None and row.face is None  # schema 3: not a group
        j.mark_saving(row.id, "/p/a.retouched.jpg")
        assert j.get(row.id).saving_path == "/p/a.retouched.jpg"
    with sqlite3.connect(path) as again:
        assert again.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def test_the_same_request_is_begun_once_while_running_or_done():
    from portrait_studio.core.journal import RUNNING_SILENCE, AlreadyBegun

    with Journal() as j:
        first = _begin(j, once=True)
        with pytest.raises(AlreadyBegun) as running:  # this process's own thread is running it
            _begin(j, once=True)
        assert running.value.row.id == first
        assert _begin(j, once=False) != first  # --force: always a new row
        with sqlite3.connect(j.path) as raw:  # a row nobody has touched for long is not waited for
            raw.execute("UPDATE tasks SET updated_at=?", (time.time() - RUNNING_SILENCE - 1,))
        assert j.running(j.get(first).dedupe_key) is None
        finished = _begin(j, once=True)
        j.mark_submitted(finished, "t")
        j.mark_completed(finished, result_path=__file__)  # done, its result on disk: reused, not begun
        with pytest.raises(AlreadyBegun) as done:
            _begin(j, once=True)
        assert done.value.row.id == finished
