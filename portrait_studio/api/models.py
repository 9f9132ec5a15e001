"""Typed views of the gateway's answers, parsed leniently (each variant docs/PROTOCOL.md says to tolerate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from portrait_studio.core.errors import (
    CODE_CREATE_FAILED,
    CODE_STATUS_FAILED,
    APIError,
    TaskFailedError,
    normalize_code,
)
from portrait_studio.core.i18n import _
from portrait_studio.core.money import parse_money

Status = Literal["in_progress", "completed", "failed"]

#: Statuses that mean "still running" (docs/PROTOCOL.md); anything unknown also counts as running.
_RUNNING = frozenset({"in_progress", "pending", "processing", "queued", "running", "created", "submitted"})
_COMPLETED = frozenset({"completed", "succeeded", "success", "done", "finished"})
_FAILED = frozenset({"failed", "failure", "error", "cancelled", "canceled"})


@dataclass(frozen=True)
class Output:
    """One result file of a completed task."""

    url: str
    size: int | None = None
    job_id: str | None = None


@dataclass(frozen=True)
class Task:
    """A task as the gateway last described it."""

    id: str
    status: Status
    progress: float | None = None
    outputs: list[Output] = field(default_factory=list)
    cost: Decimal | None = None
    error: TaskFailedError | None = None
    created_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def done(self) -> bool:
        """True once the task will not change any more."""
        return self.status != "in_progress"


@dataclass(frozen=True)
class Estimate:
    """A precharge answer: what the task would cost (None when the service cannot say)."""

    cost: Decimal | None
    currency: str = "USD"
    discount: float | None = None
    reason: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def normalize_status(value: object) -> Status:
    """Any case, any synonym; unknown means still running, never an exception (docs/PROTOCOL.md)."""
    text = str(value or "").strip().lower()
    if text in _COMPLETED:
        return "completed"
    if text in _FAILED:
        return "failed"
    return "in_progress"


def parse_progress(value: object) -> float | None:
    """0.0–1.0 from a number or a string; percentages (e.g. "45" or "45%") are scaled down."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip().rstrip("%"))
    except ValueError:
        return None
    if number != number or number < 0:  # NaN or negative: no information
        return None
    if number > 1.0:
        number = number / 100.0 if number <= 100.0 else 1.0
    return number


def parse_time(value: object) -> datetime | None:
    """Epoch seconds (or milliseconds) or an ISO-8601 string → an aware UTC datetime."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds: 1e11 s is the year 5138
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def parse_error(value: object, task_id: str | None) -> TaskFailedError:
    """A failed task's error as an object {code, message|error_message}, a plain string, or a bare code."""
    if isinstance(value, dict):
        message = value.get("message") or value.get("error_message") or value.get("msg")
        return TaskFailedError(normalize_code(value.get("code")), _text(message), task_id)
    if isinstance(value, int) and not isinstance(value, bool):
        return TaskFailedError(normalize_code(value), None, task_id)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        code = normalize_code(text) if text.isdigit() else None
        return TaskFailedError(code, None if code else text, task_id)
    return TaskFailedError(None, None, task_id)


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _outputs(value: object) -> list[Output]:
    """`output: [{"content": [{"type": "image"|"image_url", "url", "size", "jobId"}]}]`."""
    found: list[Output] = []
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        contents = item.get("content", [item])
        for content in contents if isinstance(contents, list) else [contents]:
            if not isinstance(content, dict):
                continue
            url = content.get("url") or content.get("image_url")
            if isinstance(url, dict):  # {"image_url": {"url": ...}} as some gateways nest it
                url = url.get("url")
            if not isinstance(url, str) or not url:
                continue
            size = content.get("size")
            job = content.get("jobId") or content.get("job_id")
            found.append(
                Output(
                    url=url,
                    size=int(size) if isinstance(size, int | float) and not isinstance(size, bool) else None,
                    job_id=str(job) if job not in (None, "") else None,
                )
            )
    return found


def parse_task(body: object, *, fallback_id: str | None = None) -> Task:
    """Build a Task from a create or poll answer; raise APIError only when there is no task at all."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict) and "status" not in body:
        body = body["data"]  # some gateways wrap the task in {"data": ...}
    if not isinstance(body, dict):
        raise APIError(
            _("The service answered with something that is not a task."),
            _("Check the base URL in Settings: it must point at the Spark Edit Portrait gateway."),
            code=CODE_STATUS_FAILED,
        )
    task_id = body.get("id") or body.get("task_id") or body.get("taskId") or fallback_id
    if task_id in (None, ""):
        raise APIError(
            _("The service did not return a task id."),
            _("Check the base URL in Settings, then try again."),
            code=CODE_CREATE_FAILED,
        )
    task_id = str(task_id)
    status = normalize_status(body.get("status"))
    usage = body.get("usage")
    cost = parse_money(usage.get("cost")) if isinstance(usage, dict) else None
    error = parse_error(body.get("error"), task_id) if status == "failed" else None
    return Task(
        id=task_id,
        status=status,
        progress=1.0 if status == "completed" else parse_progress(body.get("progress")),
        outputs=_outputs(body.get("output")) if status == "completed" else [],
        cost=cost,
        error=error,
        created_at=parse_time(body.get("created_at")),
        raw=dict(body),
    )


def parse_estimate(body: object) -> Estimate:
    """A precharge answer → Estimate; a "failed" envelope keeps its reason and gives no cost."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        data = body if isinstance(body, dict) else {}
    discount = data.get("discount")
    reason = data.get("reason") or (body.get("message") if isinstance(body, dict) else None)
    return Estimate(
        cost=parse_money(data.get("cost")),
        currency=str(data.get("currency") or "USD"),
        discount=float(discount)
        if isinstance(discount, int | float | str) and _is_number(discount)
        else None,
        reason=str(reason) if reason else None,
        raw=dict(body) if isinstance(body, dict) else {},
    )


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


__all__ = [
    "Estimate",
    "Output",
    "Status",
    "Task",
    "normalize_status",
    "parse_error",
    "parse_estimate",
    "parse_progress",
    "parse_task",
    "parse_time",
]
