"""Test-only fault switch of the local gateway: error answers, slow or dropped connections, wire variants."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

Route = Literal["create", "poll", "precharge", "files", "upload", "spec", "*"]


@dataclass
class Fault:
    """One programmed misbehaviour; `times` < 0 means for ever."""

    route: str
    status: int | None = None  # answer this HTTP status instead
    body: Any = None  # … with this body (dict → JSON, str → text)
    retry_after: str | None = None  # … and this Retry-After header
    delay: float = 0.0  # sleep before answering
    drop: bool = False  # close the connection without any answer
    after: bool = False  # create only: make the task first, then misbehave
    times: int = 1


@dataclass
class WireStyle:
    """How task objects are spelled: every variant docs/PROTOCOL.md says a client must tolerate."""

    status_case: Literal["lower", "upper", "title"] = "lower"
    running_status: str = "in_progress"  # or pending / processing / queued / anything unknown
    id_key: Literal["id", "task_id"] = "id"
    progress: Literal["number", "string", "absent"] = "number"
    created_at: Literal["epoch", "iso"] = "epoch"
    cost: Literal["string", "number"] = "string"
    output_type: Literal["image", "image_url"] = "image"
    include_size: bool = True
    #: The first N polls of each task answer this unknown status.
    unknown_status: str = "mystery_state"
    unknown_status_polls: int = 0


@dataclass
class Faults:
    """Thread-safe switchboard, consulted by the request handler and the task runner.

    Examples (tests only):
      add("create", status=403, body={"error": {"message": "Insufficient balance"}})   # 403 balance
      add("poll", status=429, retry_after="2", times=3)     # rate limit with Retry-After
      add("poll", status=500)                               # 500 once
      add("create", status=500, after=True)                 # the task exists, the answer is a 500
      add("create", delay=5, after=True)                    # slow answer after creating (client timeout)
      add("poll", drop=True)                                # dropped connection
      add("files", status=403, body="expired", times=-1)    # expired result URL
      fail_next_task({"code": "003010095", "message": "…"}) # task failure, in any error form
      wire = WireStyle(status_case="upper", unknown_status_polls=2)   # variant spellings
    """

    wire: WireStyle = field(default_factory=WireStyle)
    #: The next tasks fail with this `error` value exactly as it will be sent (object, string or int).
    task_errors: list[Any] = field(default_factory=list)
    _rules: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: Route, **kwargs: Any) -> Fault:
        """Program a fault on a route, e.g. `add("poll", status=429, retry_after="1")`."""
        fault = Fault(route=route, **kwargs)
        with self._lock:
            self._rules.append(fault)
        return fault

    def fail_next_task(self, error: Any) -> None:
        """Make the next created task fail with this `error` field."""
        with self._lock:
            self.task_errors.append(error)

    def take(self, route: str, *, after: bool = False) -> Fault | None:
        """The first armed fault for this route and phase (consuming one of its `times`)."""
        with self._lock:
            for fault in self._rules:
                if fault.route in (route, "*") and fault.after == after and fault.times != 0:
                    fault.times -= 1 if fault.times > 0 else 0
                    return fault
        return None

    def take_task_error(self) -> tuple[bool, Any]:
        """(True, error) when a task failure is programmed."""
        with self._lock:
            if self.task_errors:
                return True, self.task_errors.pop(0)
        return False, None

    def clear(self) -> None:
        """Back to a well-behaved gateway."""
        with self._lock:
            self._rules.clear()
            self.task_errors.clear()
            self.wire = WireStyle()


__all__ = ["Fault", "Faults", "Route", "WireStyle"]
