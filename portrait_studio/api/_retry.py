"""Retry helpers: backoff with jitter, Retry-After, and which failures mean "nothing was sent"."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

import httpx

from portrait_studio.api import _constants as C

#: Raised before any byte of the request left this machine: repeating it cannot create a second task.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: The request may have reached the server (and a create may have made a task).
MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
TRANSPORT_ERRORS = NOT_SENT + MAYBE_SENT


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds (a number or an HTTP date), capped; None when absent or unreadable."""
    value = response.headers.get("retry-after-ms")
    if value:
        try:
            return min(max(float(value) / 1000.0, 0.0), C.MAX_RETRY_AFTER)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(seconds, 0.0), C.MAX_RETRY_AFTER)


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter for the `attempt`-th retry (0-based); Retry-After wins when given."""
    if retry_after is not None:
        return retry_after
    cap = min(C.MAX_BACKOFF, C.INITIAL_BACKOFF * 2**attempt)
    # "Equal jitter": at least half the step, so retries of many clients spread out but never hammer.
    return cap / 2 + random.uniform(0, cap / 2)


__all__ = ["MAYBE_SENT", "NOT_SENT", "TRANSPORT_ERRORS", "backoff_delay", "retry_after_seconds"]
