"""History (versions of a photo, undo) and the spend ledger: read-mostly queries over the task journal.

Mixed into `core.journal.Journal`; a panel calls them on the journal object::

    journal.versions(sha)          # completed results of one photo, oldest first (params, engine, cost, time)
    journal.current_version(sha)   # the version shown as "current" (the newest, unless undone)
    journal.set_current(row_id)    # undo / redo: pick any completed version as current
    journal.spend_by_day(), journal.spend_by_preset(), journal.spent_today(), journal.committed_today()
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import N_, _
from portrait_studio.core.journal_rows import JournalRow, row_from_sql
from portrait_studio.core.money import parse_money

NO_PRESET = N_("(no preset)")


class HistoryError(PortraitStudioError):
    """A version cannot be made current (it is not a finished result)."""

    default_fix = _("Pick a version whose status is completed.")


def _day(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch).date().isoformat()  # the user's local day


def _sum(amounts: Iterable[str | None]) -> Decimal:
    """The total of amounts as the journal stores them (TEXT); an unreadable one counts as nothing."""
    return sum((_money(a) for a in amounts), Decimal(0))


class LedgerMixin:
    """History and spend queries; needs the Journal's `_query`, `_lock`, `_conn` and `_notify`."""

    _lock: threading.RLock
    _conn: sqlite3.Connection

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        raise NotImplementedError

    def _notify(self, row_id: int) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ history
    def versions(self, input_sha256: str | None = None, *, input_path: str | None = None) -> list[JournalRow]:
        """Every completed result of one photo (by the original file's sha256, or by path), oldest first."""
        if input_sha256 is None and input_path is None:
            raise ValueError("give input_sha256 or input_path")
        column, value = ("input_sha256", input_sha256) if input_sha256 else ("input_path", str(input_path))
        sql = (  # a group's face tasks are parts of its one version
            f"SELECT * FROM tasks WHERE {column}=? AND status='completed' AND parent_id IS NULL"
            " ORDER BY finished_at, id"
        )
        return [row_from_sql(r) for r in self._query(sql, (value,))]

    def current_version(self, input_sha256: str) -> JournalRow | None:
        """The photo's current version: the newest result, or the one picked with set_current (undo)."""
        found = self._query(
            "SELECT t.* FROM current_version c JOIN tasks t ON t.id = c.row_id WHERE c.input_sha256=?",
            (input_sha256,),
        )
        if found:
            return row_from_sql(found[0])
        versions = self.versions(input_sha256)
        return versions[-1] if versions else None

    def set_current(self, row_id: int) -> JournalRow:
        """Make a completed version the current one (undo to a previous version, or redo)."""
        found = self._query("SELECT * FROM tasks WHERE id=?", (row_id,))
        if not found:
            raise HistoryError(_("There is no version #{row_id}.").format(row_id=row_id))
        row = row_from_sql(found[0])
        if row.status != "completed":
            raise HistoryError(
                _("Version #{row_id} is {status}, not a finished result.").format(
                    row_id=row_id, status=row.status
                )
            )
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO current_version (input_sha256, row_id) VALUES (?, ?)",
                (row.input_sha256, row_id),
            )
        self._notify(row_id)
        return row

    # ------------------------------------------------------------------ spend ledger
    # Only the summed columns are read (not whole rows with their params): a batch with a budget cap asks for
    # committed_today() before every photo, and local tasks (cost 0) make every row a charged one. Sums stay
    # Decimal in Python: SQLite's SUM of the TEXT amounts would go through floats.
    def _charges(self, where: str = "", args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        # A group edit's row shows its faces' total in the history; the money is counted once, on the faces.
        sql = (
            "SELECT cost, created_at, preset FROM tasks WHERE cost IS NOT NULL AND kind != 'group'"
            f" {where} ORDER BY id"
        )
        return self._query(sql, args)

    def spend_by_day(self) -> dict[str, Decimal]:
        """Money spent per local day (ISO date → USD), oldest first."""
        out: dict[str, Decimal] = {}
        for r in self._charges():
            day = _day(r["created_at"])
            out[day] = out.get(day, Decimal(0)) + _money(r["cost"])
        return out

    def spend_by_preset(self) -> dict[str, Decimal]:
        """Money spent per preset name (NO_PRESET for edits made without one)."""
        out: dict[str, Decimal] = {}
        for r in self._charges():
            key = r["preset"] or _(NO_PRESET)
            out[key] = out.get(key, Decimal(0)) + _money(r["cost"])
        return out

    def spent_today(self) -> Decimal:
        """Money spent on tasks created today (local time)."""
        today = self._charges("AND created_at >= ? AND created_at < ?", _today())
        return _sum(r["cost"] for r in today)

    def total_spent(self) -> Decimal:
        """Money spent on every task in the journal."""
        return _sum(r["cost"] for r in self._charges())

    def committed_today(self) -> Decimal:
        """Spent today plus the precharge estimates of today's unfinished tasks (what a budget cap checks)."""
        unfinished = "status IN ('creating', 'submitted', 'uncertain')"
        sql = f"SELECT id, kind, estimate FROM tasks WHERE {unfinished} AND estimate IS NOT NULL"
        pending = self._query(sql + " AND created_at >= ? AND created_at < ?", _today())
        tasks = _sum(r["estimate"] for r in pending if r["kind"] != "group")
        # A running group edit holds its whole estimate; the part its face tasks hold already is theirs.
        held = Decimal(0)
        for g in (r for r in pending if r["kind"] == "group"):
            parts = self._query("SELECT estimate FROM tasks WHERE parent_id=?", (g["id"],))
            held += max(Decimal(0), _money(g["estimate"]) - _sum(r["estimate"] for r in parts))
        return self.spent_today() + tasks + held


def _today() -> tuple[float, float]:
    """Today's local midnight and the next one, as epoch seconds (the journal's created_at)."""
    start = dt.datetime.combine(dt.date.today(), dt.time())
    return start.timestamp(), (start + dt.timedelta(days=1)).timestamp()


def _money(text: str | None) -> Decimal:
    """An amount as the journal stores it (TEXT); an unreadable one counts as nothing."""
    return parse_money(text) or Decimal(0)


__all__ = ["NO_PRESET", "HistoryError", "LedgerMixin"]
