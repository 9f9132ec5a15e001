"""Tasks of the local gateway: a small worker pool runs the engine, results are kept in the cache folder."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from portrait_studio.core.errors import CODE_INTERNAL, PortraitStudioError
from portrait_studio.core.fileio import atomic_write_bytes
from portrait_studio.core.params import MODEL, EditParams
from portrait_studio.gateway.engine import Engine
from portrait_studio.gateway.faults import Faults

log = logging.getLogger(__name__)

#: Finished tasks and their files are forgotten after a day (results are downloaded right away).
MAX_AGE = 24 * 3600.0
MAX_TASKS = 2000


@dataclass
class TaskRecord:
    """One task's state, as the gateway knows it."""

    id: str
    params: EditParams
    created: float = field(default_factory=time.time)
    status: str = "in_progress"
    progress: float = 0.0
    file_name: str | None = None
    size: int | None = None
    job_id: str | None = None
    error: Any = None
    finished_at: float | None = None  # time.monotonic(), for the polling benchmark
    polls: int = 0


class TaskRunner:
    """Creates tasks, runs them on a pool, and renders them in the protocol's wire format."""

    def __init__(self, engine: Engine, files_dir: Path, faults: Faults, workers: int) -> None:
        self.engine, self.files_dir, self.faults = engine, files_dir, faults
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gateway-task")
        self._tasks: dict[str, TaskRecord] = {}
        self._lock = threading.Lock()

    def create(self, params: EditParams, image: bytes, base_url: str) -> dict[str, Any]:
        """Register a task and queue it; its wire form as the cloud answers a create: still in progress."""
        record = TaskRecord(id="task_" + secrets.token_hex(12), params=params)
        with self._lock:
            self._prune()
            self._tasks[record.id] = record
        answer = self.render(record, base_url)  # before it is queued: a quick engine may finish it at once
        self._pool.submit(self._run, record, image)
        return answer

    def get(self, task_id: str) -> TaskRecord | None:
        """The task, or None when unknown."""
        with self._lock:
            return self._tasks.get(task_id)

    def shutdown(self) -> None:
        """Stop taking work; running tasks are abandoned (their threads finish on their own)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _prune(self) -> None:
        cutoff = time.time() - MAX_AGE
        old = [k for k, t in self._tasks.items() if t.created < cutoff and t.status != "in_progress"]
        for key in old:
            del self._tasks[key]
        while len(self._tasks) > MAX_TASKS:
            self._tasks.pop(next(iter(self._tasks)))

    def _run(self, record: TaskRecord, image: bytes) -> None:
        programmed, error = self.faults.take_task_error()
        if programmed:
            self._finish(record, "failed", error=error)
            return
        try:
            result = self.engine.run(image, record.params, lambda p: self._progress(record, p))
            name = f"{record.id}-{secrets.token_hex(8)}.jpg"  # unguessable: /files/ needs no token
            # No fsync: this thread feeds the next task to the engine, and a cached result that a power cut
            # loses is lost with the task itself (tasks live in memory); the app saves its own copy durably.
            atomic_write_bytes(self.files_dir / name, result, durable=False)
        except PortraitStudioError as err:
            self._finish(record, "failed", error=_error(err.code or CODE_INTERNAL, err.message))
        except Exception as err:  # the engine's bug must fail the task, not kill the worker
            log.exception("engine failed on task %s", record.id)
            message = f"internal generation error ({type(err).__name__})"
            self._finish(record, "failed", error=_error(CODE_INTERNAL, message))
        else:
            record.file_name, record.size, record.job_id = name, len(result), "job_" + secrets.token_hex(6)
            self._finish(record, "completed")

    def _progress(self, record: TaskRecord, value: float) -> None:
        record.progress = min(max(float(value), record.progress), 0.99)  # 1.0 only when the file exists

    def _finish(self, record: TaskRecord, status: str, *, error: Any = None) -> None:
        with self._lock:
            record.error = error
            record.status = status
            record.finished_at = time.monotonic()
            if status == "completed":
                record.progress = 1.0

    # ------------------------------------------------------------------ wire format
    def render(self, record: TaskRecord, base_url: str, *, poll: bool = False) -> dict[str, Any]:
        """The task object as docs/PROTOCOL.md spells it, in the variant the fault switch asks for."""
        wire = self.faults.wire
        with self._lock:
            if poll:
                record.polls += 1
            status = record.status if record.status != "in_progress" else wire.running_status
            if poll and record.polls <= wire.unknown_status_polls:
                status = wire.unknown_status
            created: object = (
                int(record.created)
                if wire.created_at == "epoch"
                else datetime.fromtimestamp(record.created, tz=UTC).isoformat()
            )
            body: dict[str, Any] = {
                wire.id_key: record.id,
                "model": MODEL,
                "status": _case(status, wire.status_case),
                "created_at": created,
            }
            if wire.progress != "absent":
                value = round(record.progress, 4)
                body["progress"] = str(value) if wire.progress == "string" else value
            if record.status == "completed" and record.file_name:
                content: dict[str, Any] = {
                    "type": wire.output_type,
                    "url": f"{base_url}/files/{record.file_name}",
                    "jobId": record.job_id,
                }
                if wire.include_size:
                    content["size"] = record.size
                body["output"] = [{"content": [content]}]
                body["usage"] = {"cost": "0" if wire.cost == "string" else 0, "discount": 1}
            if record.status == "failed":
                body["error"] = record.error
        return body


def _error(code: str, message: str) -> dict[str, str]:
    """A task's `error`; `error_message` too, the only key the official SDKs read (PROTOCOL.md)."""
    return {"code": code, "message": message, "error_message": message}


def _case(text: str, style: str) -> str:
    return text.upper() if style == "upper" else text.title() if style == "title" else text


__all__ = ["MAX_AGE", "TaskRecord", "TaskRunner"]
