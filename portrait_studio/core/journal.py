"""The task journal: a SQLite file that records every task BEFORE it is created, so nothing paid is lost.

Lifecycle of a row (one row per create request)::

    begin()            → "creating"   written and synced before the create request is sent
    mark_submitted()   → "submitted"  the gateway answered with a task id
    mark_progress()      (progress, still "submitted")
    mark_saving()        (the name its result is about to be created under, before it is written)
    mark_completed()   → "completed"  result saved (path, sidecar, cost, jobId); the photo's current version
    mark_failed()      → "failed"     the task (or the request, certainly uncreated) failed; error kept
    mark_uncertain()   → "uncertain"  the create may have reached the server (TaskMayExistError): never resend
    release()            a cancelled wait: the task still runs (and is paid) on the server; resume finishes it
    dismiss()          → "dismissed"  the user has looked at an uncertain row and closed it

After a crash, rows owned by a dead process are found by `resumable()` ("submitted" with a task id: poll
again by id and finish) and `uncertain()` ("creating" with no answer, or "uncertain": shown to the user, never
resubmitted). `claim()` makes one process the owner of a row, so two resumers never finish a task twice.
`begin(once=True)` is begin() unless a live process (or another thread of this one) already runs the same
request, or has just finished it: the look and the insert are one BEGIN IMMEDIATE transaction, so two
processes on one folder never both create (and pay for) it; the one that finds the other's row waits for it
or reuses its result (api.pipeline).

Safety: WAL mode with synchronous=FULL (a committed row survives kill -9 and power loss, sqlite.org/wal.html),
one connection per Journal guarded by a lock (one writer; safe from many threads), busy_timeout for the GUI
and a CLI sharing the file. History (`versions`, `current_version`, `set_current`) and the spend ledger
(`spend_by_day`, `spend_by_preset`, `committed_today`) are queries of the same table (core/ledger.py).
`subscribe(callback)` calls `callback(row_id)` after every change, in the writing thread.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sqlite3
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from portrait_studio.core.errors import PortraitStudioError, with_log
from portrait_studio.core.i18n import _
from portrait_studio.core.journal_rows import (
    IN_FLIGHT,
    STATUSES,
    JournalRow,
    Status,
    dedupe_key,
    pid_alive,
    row_from_sql,
)
from portrait_studio.core.ledger import LedgerMixin
from portrait_studio.core.params import EditParams
from portrait_studio.core.paths import ENV_DATA_DIR, data_dir

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
#: A process waiting for a task writes its row at every poll (at most 20 s apart): a row silent this long is
#: not being worked on, whatever its pid says (a reused pid, a hung process), so no run waits for it.
RUNNING_SILENCE = 600.0
FILE_NAME = "journal.sqlite3"

_SCHEMA_1 = """
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    input_path TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    upload_sha256 TEXT NOT NULL,
    params TEXT NOT NULL,
    backend TEXT NOT NULL,
    base_url TEXT NOT NULL DEFAULT '',
    engine TEXT NOT NULL DEFAULT '',
    dedupe_key TEXT NOT NULL,
    preset TEXT,
    out_path TEXT,
    task_id TEXT,
    job_id TEXT,
    progress REAL,
    result_path TEXT,
    sidecar_path TEXT,
    cost TEXT,
    estimate TEXT,
    error TEXT,
    owner_pid INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX tasks_status ON tasks(status);
CREATE INDEX tasks_dedupe ON tasks(dedupe_key, status);
CREATE INDEX tasks_input ON tasks(input_sha256);
CREATE TABLE current_version (input_sha256 TEXT PRIMARY KEY, row_id INTEGER NOT NULL);
"""

# 2: the name a result is being created under, recorded before the write (a kill -9 right after the write
# leaves a file that resume recognises as this row's, instead of saving a `-2` copy next to it).
_SCHEMA_2 = "ALTER TABLE tasks ADD COLUMN saving_path TEXT"

# 3: group edits (core/group.py, api/group.py): one "group" row per group photo, one ordinary task row per
# face pointing at it (parent_id) with the face it answers (face: JSON). Old rows read as tasks without one.
_SCHEMA_3 = """
ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'task';
ALTER TABLE tasks ADD COLUMN parent_id INTEGER;
ALTER TABLE tasks ADD COLUMN face TEXT;
CREATE INDEX tasks_parent ON tasks(parent_id)
"""

#: schema N → SQL that upgrades it to N+1 (the migrations hook; version 0 is an empty file).
MIGRATIONS: dict[int, str] = {0: _SCHEMA_1, 1: _SCHEMA_2, 2: _SCHEMA_3}


class JournalError(PortraitStudioError):
    """The journal file cannot be used."""

    default_fix = _("Close other Portrait Studio windows and try again.")


class AlreadyBegun(Exception):
    """begin(once=True) found the same request running in a live process, or completed: use `row` instead."""

    def __init__(self, row: JournalRow) -> None:
        super().__init__(f"row #{row.id} has begun the same request")
        self.row = row


def journal_path() -> Path:
    """Where the journal lives: the app data folder (PORTRAIT_STUDIO_DATA_DIR overrides)."""
    return data_dir() / FILE_NAME


def _open(path: Path) -> sqlite3.Connection:
    """A connection in the journal's modes, or a JournalError that says what is wrong with the file."""
    if path.is_dir():
        raise JournalError(
            _("The task journal at {path} is a folder, not a file.").format(path=path), _move_aside(path)
        )
    conn = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; multi-statement changes use explicit BEGIN IMMEDIATE.
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.text_factory = _text  # a non-UTF-8 file name (see _stored) reads back as it was given
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn
    except (sqlite3.Error, OSError) as err:
        if conn is not None:
            conn.close()
        raise journal_error(err, path) from err


def journal_error(err: BaseException, path: Path) -> JournalError:
    """A JournalError with the fix for what SQLite (or the OS) said about the journal file."""
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err)
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "not a database" in text or "malformed" in text:
        return JournalError(
            _("The task journal at {path} is damaged ({text}).").format(path=path, text=text),
            _move_aside(path),
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text or isinstance(err, PermissionError):
        return JournalError(
            _("The task journal at {path} cannot be written (it or its folder is read-only).").format(
                path=path
            ),
            _(
                "Give yourself write permission on {path} and its folder, or set {ENV_DATA_DIR} to a "
                "folder you own."
            ).format(path=path, ENV_DATA_DIR=ENV_DATA_DIR),
        )
    if name == "SQLITE_BUSY" or "locked" in text:
        return JournalError(
            _("The task journal at {path} is in use by another program (locked).").format(path=path)
        )
    if name == "SQLITE_FULL" or "full" in text:
        return JournalError(
            _("The task journal at {path} cannot grow: the disk is full.").format(path=path),
            _("Free disk space."),
        )
    return JournalError(
        _("The task journal at {path} cannot be opened ({text}).").format(path=path, text=text),
        _(
            "Check the disk and the folder {path}, then try again; if it keeps happening, report "
            "it{with_log}."
        ).format(path=path.parent, with_log=with_log()),
    )


def _move_aside(path: Path) -> str:
    bad = path.with_name(path.name + ".bad")
    mv = "move" if os.name == "nt" else "mv"
    return _(
        "Move it aside: {mv} {path} {bad} — a new journal is started on the next run; paid "
        "results already saved are not affected."
    ).format(mv=mv, path=shlex.quote(str(path)), bad=shlex.quote(str(bad)))


def _expected_columns() -> dict[str, list[str]]:
    """Each table's columns as the migrations make them (built in memory, so it follows every migration)."""
    with sqlite3.connect(":memory:") as mem:
        for version in sorted(MIGRATIONS):
            mem.executescript(MIGRATIONS[version])
        tables = [r[0] for r in mem.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        expected = {t: [c[1] for c in mem.execute(f"PRAGMA table_info({t})")] for t in tables}
    mem.close()
    return {t: cols for t, cols in expected.items() if not t.startswith("sqlite_")}


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """A journal of the right version whose tables or columns are gone (hand-edited, a half-copied file)
    would fail at the first query: say so now, with the fix."""
    problems = [r[0] for r in conn.execute("PRAGMA quick_check")]  # every page readable: ms for a journal
    if problems != ["ok"]:
        raise JournalError(
            _("The task journal at {path} is damaged ({problems}).").format(path=path, problems=problems[0]),
            _move_aside(path),
        )
    for table, columns in _expected_columns().items():
        found = {c[1] for c in conn.execute(f"PRAGMA table_info({table})")}
        missing = [c for c in columns if c not in found]
        if missing:
            what = (
                _("the table {table} is missing").format(table=table)
                if not found
                else _("{table} lacks {missing}").format(table=table, missing=", ".join(missing))
            )
            raise JournalError(
                _("The task journal at {path} is damaged ({what}).").format(path=path, what=what),
                _move_aside(path),
            )


# SQLite text must be UTF-8, but a POSIX file name is any bytes (Python keeps the undecodable ones as
# surrogate escapes U+DC80–U+DCFF, PEP 383). Such text is stored with each surrogate written as the mark and
# one of U+10FF00–U+10FF7F, and read back the same way; the mark itself is doubled: every string round-trips.
_MARK = "\U0010fffe"  # a noncharacter: never in a real name


def _stored(text: str) -> str:
    if text.isascii() or (_MARK not in text and not any("\udc80" <= c <= "\udcff" for c in text)):
        return text  # isascii: a flag of the str object, so nearly every value costs nothing
    return "".join(
        _MARK + _MARK
        if c == _MARK
        else _MARK + chr(0x10FF00 + ord(c) - 0xDC80)
        if "\udc80" <= c <= "\udcff"
        else c
        for c in text
    )


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if _MARK not in text:
        return text
    out, chars = [], iter(text)
    for c in chars:
        if c == _MARK:
            nxt = next(chars, "")
            c = _MARK if nxt == _MARK else chr(0xDC80 + ord(nxt) - 0x10FF00) if nxt else ""
        out.append(c)
    return "".join(out)


sqlite3.register_adapter(str, _stored)  # every str bound to a query: one check, nothing changed if UTF-8


def _decoded(found: list[sqlite3.Row]) -> list[JournalRow]:
    """The rows that decode. A damaged one (edited by hand, written by a buggy build) is logged and left
    out, so every other row still resumes and lists."""
    rows = []
    for r in found:
        try:
            rows.append(row_from_sql(r))
        except (ValueError, TypeError, KeyError) as err:
            log.warning("journal row #%s is damaged and skipped (%s)", r["id"], err)
    return rows


class Journal(LedgerMixin):
    """The SQLite task journal (see the module docstring for the row lifecycle)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else journal_path()
        self._lock = threading.RLock()
        self._listeners: list[Callable[[int], None]] = []
        self._conn = _open(self.path)
        try:
            self._migrate()
            _check_schema(self._conn, self.path)
        except BaseException as err:
            self._conn.close()
            if isinstance(err, sqlite3.Error):
                raise journal_error(err, self.path) from err
            raise

    # ------------------------------------------------------------------ plumbing
    def _migrate(self) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise JournalError(
                        _(
                            "The task journal at {path} was written by a newer Portrait Studio "
                            "(journal version "
                            "{version}; this one reads up to {SCHEMA_VERSION})."
                        ).format(path=self.path, version=version, SCHEMA_VERSION=SCHEMA_VERSION),
                        _("Update Portrait Studio; the journal is left untouched."),
                    )
                while version < SCHEMA_VERSION:
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            self._conn.execute(statement)
                    version += 1
                    self._conn.execute(f"PRAGMA user_version={version}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, args).fetchall())

    def _update(self, row_id: int, **fields: Any) -> None:
        fields["updated_at"] = time.time()
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._lock:
            self._conn.execute(f"UPDATE tasks SET {cols} WHERE id = ?", (*fields.values(), row_id))
        self._notify(row_id)

    def subscribe(self, callback: Callable[[int], None]) -> Callable[[], None]:
        """Call `callback(row_id)` after each change (in the writing thread); returns an unsubscriber."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self, row_id: int) -> None:
        for callback in list(self._listeners):
            try:
                callback(row_id)
            except Exception:  # a panel's bug must never undo a journal write
                log.exception("journal listener failed")

    # ------------------------------------------------------------------ writes
    def begin(
        self,
        *,
        input_path: Path | str,
        input_sha256: str,
        upload_sha256: str,
        params: EditParams,
        backend: str,
        base_url: str = "",
        engine: str = "",
        out_path: Path | str | None = None,
        preset: str | None = None,
        estimate: Decimal | None = None,
        once: bool = False,
        size: str = "model",
        kind: str = "task",
        parent_id: int | None = None,
        face: dict[str, Any] | None = None,
    ) -> int:
        """Write the "creating" row (synced to disk) BEFORE the create request; returns its id.

        `once`: raise AlreadyBegun instead when a live process (this one included) is already creating or
        waiting for the same request, or it is completed (its result still there); the look and the insert
        are one transaction across processes. `kind="group"`: a group edit's row (no task of its own);
        `parent_id`, `face`: a face task of a group (its row id, and the face it answers).
        """
        now = time.time()
        key = dedupe_key(upload_sha256, params, backend, base_url, size)
        row = {
            "status": "creating",
            "input_path": str(input_path),
            "input_sha256": input_sha256,
            "upload_sha256": upload_sha256,
            "params": json.dumps(params.to_dict(), sort_keys=True),
            "backend": backend,
            "base_url": base_url,
            "engine": engine,
            "dedupe_key": key,
            "preset": preset,
            "out_path": str(out_path) if out_path else None,
            "estimate": str(estimate) if estimate is not None else None,
            "owner_pid": os.getpid(),
            "kind": kind,
            "parent_id": parent_id,
            "face": json.dumps(face, sort_keys=True) if face is not None else None,
            "created_at": now,
            "updated_at": now,
        }
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # no other process can insert between our look and ours
            try:
                running = (self._running(key) or self.find_reusable(key)) if once else None
                if running is None:
                    cur = self._conn.execute(
                        f"INSERT INTO tasks ({cols}) VALUES ({marks})", tuple(row.values())
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        if running is not None:
            raise AlreadyBegun(running)
        row_id = int(cur.lastrowid or 0)
        self._notify(row_id)
        return row_id

    def mark_submitted(self, row_id: int, task_id: str) -> None:
        """The gateway gave a task id: from now on the task can always be found again."""
        self._update(row_id, status="submitted", task_id=task_id, progress=0.0)

    def mark_progress(self, row_id: int, progress: float | None) -> None:
        """Record the task's progress (0..1)."""
        self._update(row_id, progress=progress)

    def mark_saving(self, row_id: int, path: Path | str) -> None:
        """The name the row's result is about to be created under (synced before the file is written)."""
        self._update(row_id, saving_path=str(path))

    def mark_completed(
        self,
        row_id: int,
        *,
        result_path: Path | str,
        sidecar_path: Path | str | None = None,
        cost: Decimal | None = None,
        job_id: str | None = None,
    ) -> None:
        """The result is on disk: record it and make it the photo's current version."""
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "UPDATE tasks SET status='completed', result_path=?, sidecar_path=?, cost=?, job_id=?,"
                    " progress=1.0, updated_at=?, finished_at=?, error=NULL WHERE id=?",
                    (
                        str(result_path),
                        str(sidecar_path) if sidecar_path else None,
                        str(cost) if cost is not None else None,
                        job_id,
                        now,
                        now,
                        row_id,
                    ),
                )
                self._conn.execute(  # a group's face task is part of its version, not one of its own
                    "INSERT OR REPLACE INTO current_version (input_sha256, row_id)"
                    " SELECT input_sha256, id FROM tasks WHERE id=? AND parent_id IS NULL",
                    (row_id,),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        self._notify(row_id)

    def mark_failed(self, row_id: int, error: dict[str, Any]) -> None:
        """The task failed (or was certainly never created); keep the error's code and message."""
        self._update(row_id, status="failed", error=json.dumps(error), finished_at=time.time())

    def mark_uncertain(self, row_id: int, error: dict[str, Any] | None = None) -> None:
        """The create may have reached the server: show it to the user; never resend it blindly."""
        self._update(row_id, status="uncertain", error=json.dumps(error) if error else None)

    def release(self, row_id: int) -> None:
        """Stop owning a row (a cancelled wait): its task is still paid for, so `resumable()` picks it up."""
        self._update(row_id, owner_pid=0)

    def dismiss(self, row_id: int) -> None:
        """The user closed an uncertain row after checking it (it is kept, but no longer listed)."""
        self._update(row_id, status="dismissed", finished_at=time.time())

    def claim(self, row_id: int) -> bool:
        """Become the row's owner unless a live process owns it; True only for the one caller that took it.

        This process counts as live too: start-up resume and a batch photo of the same request may both try,
        and the second must leave the task to the first (else it is downloaded and saved twice).
        """
        row = self.get(row_id)
        if row.owner_pid and (row.owner_pid == os.getpid() or pid_alive(row.owner_pid)):
            return False
        with self._lock:
            cur = self._conn.execute(
                "UPDATE tasks SET owner_pid=?, updated_at=? WHERE id=? AND owner_pid=?",
                (os.getpid(), time.time(), row_id, row.owner_pid),
            )
        return cur.rowcount == 1

    # ------------------------------------------------------------------ reads
    def _running(self, key: str) -> JournalRow | None:
        rows = self._query(
            "SELECT * FROM tasks WHERE dedupe_key=? AND status IN ('creating', 'submitted')"
            " AND owner_pid != 0 ORDER BY id",
            (key,),
        )
        me, recent = os.getpid(), time.time() - RUNNING_SILENCE
        live = [
            r
            for r in map(row_from_sql, rows)
            if r.updated_at > recent and (r.owner_pid == me or pid_alive(r.owner_pid))
        ]
        return live[0] if live else None

    def running(self, key: str) -> JournalRow | None:
        """The row of this request that a live process (this one included) is creating or waiting for."""
        with self._lock:
            return self._running(key)

    def get(self, row_id: int) -> JournalRow:
        """One row by id (KeyError when absent)."""
        rows = self._query("SELECT * FROM tasks WHERE id=?", (row_id,))
        if not rows:
            raise KeyError(row_id)
        if not (decoded := _decoded(rows)):
            raise JournalError(
                _("Row #{row_id} of the task journal {path} is damaged.").format(
                    row_id=row_id, path=self.path
                ),
                _("Run again."),
            )
        return decoded[0]

    def rows(self, *, status: Status | None = None, limit: int = 1000) -> list[JournalRow]:
        """The newest rows first, optionally of one status."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        where, args = ("WHERE status=?", (status,)) if status else ("", ())
        sql = f"SELECT * FROM tasks {where} ORDER BY id DESC LIMIT ?"
        return _decoded(self._query(sql, (*args, limit)))

    def _orphaned(self, statuses: tuple[str, ...], key: str | None = None) -> list[JournalRow]:
        marks = ", ".join("?" for _ in statuses)
        where, args = f"status IN ({marks})", statuses
        if key is not None:  # one request's rows only, through the (dedupe_key, status) index
            where, args = f"dedupe_key = ? AND {where}", (key, *statuses)
        found = self._query(f"SELECT * FROM tasks WHERE {where} ORDER BY id", args)
        me = os.getpid()
        rows = _decoded(found)
        return [r for r in rows if r.owner_pid != me and not (r.owner_pid and pid_alive(r.owner_pid))]

    def resumable(self, key: str | None = None) -> list[JournalRow]:
        """Submitted tasks (with a task id) that no live process is waiting for: poll them again by id.

        `key`: only those of one request (its dedupe key: a cancelled wait, a crash), to finish, not re-pay.
        """
        return [r for r in self._orphaned(("submitted",), key) if r.task_id]

    def uncertain(self, key: str | None = None) -> list[JournalRow]:
        """Rows whose create may or may not have happened: to show the user, never to resubmit silently.

        `key`: only those of one request (its dedupe key), as the pipeline asks before every cloud edit.
        """
        where, args = (
            ("status='uncertain'", ()) if key is None else ("status='uncertain' AND dedupe_key=?", (key,))
        )
        marked = _decoded(self._query(f"SELECT * FROM tasks WHERE {where}", args))
        crashed = [
            r for r in self._orphaned(("creating",), key) if r.kind == "task"
        ]  # a group: orphaned_groups()
        return sorted(marked + crashed, key=lambda r: r.id)

    def orphaned_groups(self) -> list[JournalRow]:
        """Group edits a dead process left unfinished: to resume (their paid face tasks are finished)."""
        return [r for r in self._orphaned(("creating",)) if r.kind == "group"]

    def children(self, group_id: int) -> list[JournalRow]:
        """A group edit's face tasks, oldest first."""
        return _decoded(self._query("SELECT * FROM tasks WHERE parent_id=? ORDER BY id", (group_id,)))

    def in_flight(self) -> list[JournalRow]:
        """Rows not yet finished, whoever owns them."""
        marks = ", ".join("?" for _ in IN_FLIGHT)
        return _decoded(self._query(f"SELECT * FROM tasks WHERE status IN ({marks})", IN_FLIGHT))

    def find_reusable(self, key: str) -> JournalRow | None:
        """The newest completed row with this dedupe key whose result file still exists (no double charge)."""
        found = self._query(
            "SELECT * FROM tasks WHERE dedupe_key=? AND status='completed' ORDER BY id DESC", (key,)
        )
        for r in _decoded(found):
            if r.result_path and Path(r.result_path).is_file():
                return r
        return None


__all__ = [
    "FILE_NAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AlreadyBegun",
    "Journal",
    "JournalError",
    "JournalRow",
    "dedupe_key",
    "journal_error",
    "journal_path",
]
