"""Rows of the task journal: the JournalRow record, the dedupe key, and the owner-liveness check."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast, get_args

from portrait_studio.core.params import EditParams

#: A task's life in the journal (core/journal.py's docstring draws it).
Status = Literal["creating", "submitted", "completed", "failed", "uncertain", "dismissed"]
STATUSES: tuple[Status, ...] = get_args(Status)
IN_FLIGHT: tuple[Status, ...] = ("creating", "submitted")


@dataclass(frozen=True)
class JournalRow:
    """One task as the journal knows it (read-only snapshot)."""

    id: int
    status: Status
    input_path: str
    input_sha256: str
    upload_sha256: str
    params: EditParams
    backend: str
    base_url: str
    engine: str
    dedupe_key: str
    preset: str | None
    out_path: str | None
    task_id: str | None
    job_id: str | None
    progress: float | None
    result_path: str | None
    sidecar_path: str | None
    cost: Decimal | None
    estimate: Decimal | None
    error: dict[str, Any] | None
    owner_pid: int
    created_at: float
    updated_at: float
    finished_at: float | None
    saving_path: str | None = None  # the name its result is being created under (mark_saving)
    kind: str = "task"  # "task" | "group" (a group edit: its face tasks point at it with parent_id)
    parent_id: int | None = None
    face: dict[str, Any] | None = None  # a face task: which face of the group photo it answers


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def row_from_sql(r: sqlite3.Row) -> JournalRow:
    """Decode a `tasks` row."""
    return JournalRow(
        id=r["id"],
        status=cast(Status, r["status"]),  # checked against STATUSES when written
        input_path=r["input_path"],
        input_sha256=r["input_sha256"],
        upload_sha256=r["upload_sha256"],
        params=EditParams.from_dict(json.loads(r["params"])),
        backend=r["backend"],
        base_url=r["base_url"],
        engine=r["engine"],
        dedupe_key=r["dedupe_key"],
        preset=r["preset"],
        out_path=r["out_path"],
        task_id=r["task_id"],
        job_id=r["job_id"],
        progress=r["progress"],
        result_path=r["result_path"],
        sidecar_path=r["sidecar_path"],
        cost=_decimal(r["cost"]),
        estimate=_decimal(r["estimate"]),
        error=json.loads(r["error"]) if r["error"] else None,
        owner_pid=r["owner_pid"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        finished_at=r["finished_at"],
        saving_path=r["saving_path"],
        kind=r["kind"],
        parent_id=r["parent_id"],
        face=json.loads(r["face"]) if r["face"] else None,
    )


def dedupe_key(
    upload_sha256: str, params: EditParams, backend: str, base_url: str = "", size: str = "model"
) -> str:
    """sha256 of (uploaded bytes' sha256, canonical params JSON, backend, and the base URL for the cloud),
    plus the result size when it is "original" (the full-resolution merge).

    The local gateway picks a new port on every start, so its URL is left out: same engine, same result.
    "model" adds nothing, so rows written before the size choice existed (all model-size) keep their key;
    a row's size is known again from its key alone (`size_of`), which resume needs.
    """
    where = base_url.rstrip("/") if backend == "cloud" else ""
    canonical = json.dumps(params.to_dict(), sort_keys=True, separators=(",", ":"))
    parts = (upload_sha256, canonical, backend, where) + (("size=original",) if size == "original" else ())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def size_of(row: JournalRow) -> str:
    """The result size ("original" | "model") a row was begun with, from its dedupe key."""
    full = dedupe_key(row.upload_sha256, row.params, row.backend, row.base_url, "original")
    return "original" if row.dedupe_key == full else "model"


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists (the row's owner may still be working on it)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))  # type: ignore[attr-defined]
        ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


__all__ = [
    "IN_FLIGHT",
    "STATUSES",
    "JournalRow",
    "Status",
    "dedupe_key",
    "pid_alive",
    "row_from_sql",
    "size_of",
]
