"""A damaged task journal: a clear message with the fix, never a raw sqlite traceback; one
bad row leaves the others working. Every journal here is a real SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from portrait_studio.core import journal as journal_module
from portrait_studio.core.journal import Journal, JournalError, journal_path
from portrait_studio.core.params import EditParams
from tests.conftest import cli_args
from tests.core.test_images_corpus import assert_plain


def _filled(path: Path, rows: int = 3) -> list[int]:
    """A journal with `rows` submitted tasks that no live process owns (what `resume` picks up)."""
    with Journal(path) as j:
        ids = []
        for i in range(rows):
            row = j.begin(
                input_path=f"/photos/p{i}.jpg",
                input_sha256=f"in{i}",
                upload_sha256=f"up{i}",
                params=EditParams(),
                backend="cloud",
                base_url="https://cloud.example",
            )
            j.mark_submitted(row, f"task-{i}")
            j.release(row)
            ids.append(row)
    return ids


def _sql(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(statement)
    conn.close()


def _truncate(path: Path) -> None:
    _filled(path, rows=200)
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(size // 2)


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _half_header(path: Path) -> None:
    _filled(path)
    path.write_bytes(path.read_bytes()[:50])


def _folder(path: Path) -> None:
    path.mkdir()


def _missing_table(path: Path) -> None:
    _filled(path)
    _sql(path, "DROP TABLE current_version")


def _missing_column(path: Path) -> None:
    _filled(path)
    _sql(path, "ALTER TABLE tasks DROP COLUMN job_id")


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (_truncate, "is damaged"),
    "garbage": (_garbage, "is damaged (file is not a database)"),
    "half-header": (_half_header, "is damaged"),
    "folder": (_folder, "is a folder, not a file"),
    "missing-table": (_missing_table, "is damaged (the table current_version is missing)"),
    "missing-column": (_missing_column, "is damaged (tasks lacks job_id)"),
}


@pytest.mark.parametrize("kind", DAMAGE, ids=list(DAMAGE))
def test_damage_is_a_message_with_the_fix(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    damage, said = DAMAGE[kind]
    damage(path)
    with pytest.raises(JournalError) as info:
        Journal(path)
    err = info.value
    assert str(path) in err.message and said in err.message
    assert f"mv {path} {path}.bad" in err.fix and "paid results already saved are not affected" in err.fix
    assert_plain(str(err))


def test_a_read_only_journal_says_how_to_fix_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "journal.sqlite3"
    _filled(path)
    # chmod cannot stop root (these tests may run as root): open the real file read-only as SQLite would.
    connect = sqlite3.connect
    monkeypatch.setattr(
        journal_module.sqlite3, "connect", lambda p, **kw: connect(f"file:{p}?mode=ro", uri=True, **kw)
    )
    with pytest.raises(JournalError) as info:
        Journal(path)
    assert "cannot be written (it or its folder is read-only)" in info.value.message
    assert "write permission" in info.value.fix and "PORTRAIT_STUDIO_DATA_DIR" in info.value.fix
    assert_plain(str(info.value))


def test_a_newer_journal_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    _filled(path)
    _sql(path, "PRAGMA user_version=99")
    before = path.read_bytes()
    with pytest.raises(JournalError, match="newer Portrait Studio") as info:
        Journal(path)
    assert "Update Portrait Studio" in info.value.fix
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "damage",
    [
        "params = '{not json'",
        "params = '{\"gpen\": 7}'",  # JSON, but out of range: ParamsError
        "error = 'not json either'",
        "input_path = CAST(X'ff00fe' AS TEXT)",  # not UTF-8
    ],
)
def test_one_bad_row_leaves_the_others_resumable(damage: str, tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first, bad, last = _filled(path)
    _sql(path, f"UPDATE tasks SET {damage} WHERE id = {bad}")
    with Journal(path) as j:
        ids = {r.id for r in j.resumable()}
        if "input_path" in damage:  # undecodable text reads back with U+FFFD: the row itself is usable
            assert ids == {first, bad, last}
            return
        assert ids == {first, last}
        assert {r.id for r in j.rows()} == {first, last}
        assert j.get(first).task_id == "task-0"
        with pytest.raises(JournalError, match=f"Row #{bad} of the task journal"):
            j.get(bad)


def test_non_utf8_file_names_round_trip(tmp_path: Path) -> None:
    name = os.fsdecode(b"/photos/caf\xe9-\xff.jpg")  # Latin-1 bytes on a UTF-8 system: surrogate escapes
    marked = "/photos/odd\U0010fffe.jpg"  # the escape mark itself, in a real name
    with Journal(tmp_path / "journal.sqlite3") as j:
        ids = [
            j.begin(input_path=p, input_sha256=p, upload_sha256="u", params=EditParams(), backend="local")
            for p in (name, marked, "/photos/plain.jpg")
        ]
        assert [j.get(i).input_path for i in ids] == [name, marked, "/photos/plain.jpg"]
        assert os.fsencode(j.get(ids[0]).input_path) == b"/photos/caf\xe9-\xff.jpg"


# --------------------------------------------------------------------------- through the commands
def _run(*args: str, env_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTRAIT_STUDIO_DATA_DIR": str(env_root)}
    return subprocess.run(
        cli_args(*args), capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize("command", ["resume", "retouch"])
@pytest.mark.parametrize("kind", ["garbage", "folder", "newer"])
def test_commands_on_a_damaged_journal_say_what_to_do(
    command: str, kind: str, tmp_path: Path, isolated_app_dirs: Path
) -> None:
    path = journal_path()
    if kind == "newer":
        _filled(path)
        _sql(path, "PRAGMA user_version=99")
    else:
        DAMAGE[kind][0](path)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"")  # never read: the journal is opened first
    args = ["resume"] if command == "resume" else ["retouch", str(photo)]
    done = _run(*args, env_root=isolated_app_dirs)
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert str(path) in out and ("mv " in out or "Update Portrait Studio" in out)
    assert_plain(out.replace("error: ", "", 1))
