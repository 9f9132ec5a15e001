"""The journal's group edits (schema 3): a group row, its face rows, money held once, one history version."""

from __future__ import annotations

import os
import sqlite3
from decimal import Decimal
from pathlib import Path

from portrait_studio.core.journal import MIGRATIONS, SCHEMA_VERSION, Journal
from tests.core.test_journal import _begin


def test_a_group_holds_its_estimate_once_and_counts_each_face_once():
    with Journal() as j:
        group = _begin(j, kind="group", estimate=Decimal("1.20"), size="original", face={"choice": "all"})
        assert j.committed_today() == Decimal("1.20")
        first = _begin(j, sha="b" * 64, parent_id=group, estimate=Decimal("0.40"), face={"number": 1})
        assert j.committed_today() == Decimal("1.20")  # the face's part is no longer the group's: not twice
        j.mark_submitted(first, "t1")
        j.mark_completed(first, result_path="/cache/x.face1.jpg", cost=Decimal("0.40"))
        assert j.spent_today() == Decimal("0.40") and j.committed_today() == Decimal("1.20")
        second = _begin(j, sha="c" * 64, parent_id=group, estimate=Decimal("0.40"))
        j.mark_submitted(second, "t2")
        j.mark_completed(second, result_path="/cache/x.face2.jpg", cost=Decimal("0.40"))
        assert j.committed_today() == Decimal("1.20")
        j.mark_completed(group, result_path="/p/x.retouched.jpg", cost=Decimal("0.80"))  # its faces' total
        assert j.spent_today() == j.total_spent() == Decimal("0.80")  # counted on the faces, once
        assert j.committed_today() == Decimal("0.80")
        [version] = j.versions("a" * 64)  # the faces are parts of the group's one version
        assert version.id == group and version.kind == "group"
        assert j.current_version("a" * 64).id == group
        assert [r.id for r in j.children(group)] == [first, second]
        assert j.get(first).face == {"number": 1} and j.get(first).parent_id == group


def test_a_dead_process_group_is_resumable_as_a_group_not_listed_as_uncertain():
    with Journal() as j:
        group = _begin(j, kind="group", size="original")
        face = _begin(j, sha="b" * 64, parent_id=group)
        j._conn.execute("UPDATE tasks SET owner_pid=? WHERE id IN (?, ?)", (_dead_pid(), group, face))
        assert [r.id for r in j.orphaned_groups()] == [group]
        assert [r.id for r in j.uncertain()] == [face]  # a face whose create may have happened: the user's


def test_a_schema_2_journal_upgrades_and_its_rows_are_plain_tasks(tmp_path: Path):
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1] + "; PRAGMA user_version=2;")
        old.execute(
            "INSERT INTO tasks (status, input_path, input_sha256, upload_sha256, params, backend, dedupe_key,"
            " task_id, created_at, updated_at, saving_path) VALUES ('completed', '/p/a.jpg', 's', 'u', '{}',"
            " 'cloud', 'k', 't1', 1, 1, '/p/a.retouched.jpg')"
        )
    with Journal(path) as j:
        [row] = j.rows()
        assert row.kind == "task" and row.parent_id is None and row.saving_path == "/p/a.retouched.jpg"
        assert j.versions("s")[0].id == row.id and j.orphaned_groups() == []
    with sqlite3.connect(path) as again:
        assert again.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def _dead_pid() -> int:
    pid = 2**22 - 7
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1
