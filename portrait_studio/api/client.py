"""The Spark Edit Portrait protocol client: one long-lived httpx.Client, safe retries, no leaked key."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from portrait_studio import __version__
from portrait_studio.api import _constants as C
from portrait_studio.api._download import fetch
from portrait_studio.api._retry import MAYBE_SENT, NOT_SENT, TRANSPORT_ERRORS, backoff_delay
from portrait_studio.api._retry import retry_after_seconds as _retry_after
from portrait_studio.api.models import Estimate, Task, parse_estimate, parse_task
from portrait_studio.api.polling import PollPlanner
from portrait_studio.core.errors import (
    CODE_STATUS_FAILED,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    CancelledError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    TaskFailedError,
    TaskMayExistError,
    error_for_status,
)
from portrait_studio.core.fileio import atomic_write_bytes
from portrait_studio.core.i18n import _
from portrait_studio.core.params import EditParams

log = logging.getLogger(__name__)

CREATE_PATH = "/model/v1/generation"
PRECHARGE_PATH = "/model/v1/generation/precharge"
TASK_PATH = "/model/v1/generation/task/{id}"
#: Errors after which polling again cannot help: the key, the permission or the task itself is wrong.
_FATAL_POLL_ERRORS = (AuthenticationError, PermissionDeniedError, NotFoundError, ConfigError)


class Client:
    """Submit, poll, wait for, estimate and download Spark Edit Portrait tasks (thread-safe)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                _("The base URL {base_url!r} is not an http(s) address.").format(base_url=base_url),
                _("Set the base URL in Settings, e.g. https://cloud.vtrix.ai"),
            )
        self.base_url = base_url.strip().rstrip("/")
        self._api_key = api_key or ""
        self.max_retries = max_retries
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout if timeout is not None else C.DEFAULT_TIMEOUT,
            transport=transport,
            headers={"User-Agent": f"portrait-studio/{__version__}"},
            follow_redirects=False,  # a redirect would carry the Authorization header elsewhere
        )

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def http(self) -> httpx.Client:
        """The pooled httpx.Client; it carries no Authorization header (that is added per API request)."""
        return self._http

    def __repr__(self) -> str:
        key = C.REDACTED if self._api_key else "none"
        return f"Client(base_url={self.base_url!r}, api_key={key})"

    # ------------------------------------------------------------------ protocol
    def submit(self, params: EditParams, image_input: str) -> Task:
        """Create a task; raises TaskMayExistError when the create may have reached the server unanswered."""
        payload = params.to_payload(image_input)
        response = self._create(payload)
        try:
            return self._scrub_task(parse_task(response.json()))
        except (ValueError, APIError) as err:
            raise TaskMayExistError(
                _("The service accepted the request but its answer could not be read, so the task may exist.")
            ) from err

    def poll(self, task_id: str) -> Task:
        """The task's current state (retried on connection errors, timeouts, 429 and 5xx)."""
        response = self._safe("GET", TASK_PATH.format(id=task_id))
        try:
            body = response.json()
        except ValueError as err:
            raise APIError(
                _("The service's answer about the task could not be read."),
                _("Wait a minute; the app will poll again."),
                code=CODE_STATUS_FAILED,
            ) from err
        return self._scrub_task(parse_task(body, fallback_id=task_id))

    def precharge(self, params: EditParams, image_input: str) -> Estimate:
        """What the task would cost; nothing is created (so this request is safe to repeat)."""
        response = self._safe("POST", PRECHARGE_PATH, json_body=params.to_payload(image_input))
        try:
            return parse_estimate(response.json())
        except ValueError:
            return Estimate(cost=None, reason="unreadable precharge answer")

    def wait(
        self,
        task_id: str,
        on_progress: Callable[[Task], None] | None = None,
        cancel: threading.Event | None = None,
        deadline: float | None = None,
        *,
        planner: PollPlanner | None = None,
    ) -> Task:
        """Poll until the task is done. `deadline` is an absolute time.monotonic() value.

        Raises TaskFailedError (code and message kept), CancelledError, or APITimeoutError at the deadline.
        """
        planner = planner or PollPlanner()
        errors = 0
        if planner.initial > 0:
            self._pause(planner.initial, cancel, deadline)
        while True:
            if cancel is not None and cancel.is_set():
                raise CancelledError(_("Stopped waiting for the task (it may still finish on the service)."))
            try:
                task = self.poll(task_id)
                errors = 0
            except _FATAL_POLL_ERRORS:
                raise
            except APIError as err:
                errors += 1
                log.warning("poll of task %s failed (%d in a row): %s", task_id, errors, err.message)
                if errors >= C.POLL_ERROR_LIMIT:
                    raise
                task = None
            now = time.monotonic()
            if task is not None:
                if on_progress is not None:
                    on_progress(task)
                if task.status == "completed":
                    return task
                if task.status == "failed":
                    assert task.error is not None  # parse_task always sets it for failed tasks
                    raise task.error
                planner.observe(now, task.progress)
            if deadline is not None and now >= deadline:
                raise APITimeoutError(
                    _("Task {task_id} did not finish in time.").format(task_id=task_id),
                    _("It may still finish: it is kept in History and checked again later."),
                )
            self._pause(planner.next_delay(now), cancel, deadline)

    def _pause(self, delay: float, cancel: threading.Event | None, deadline: float | None) -> None:
        """Wait `delay` seconds before the next poll: less at the deadline, and no longer once cancelled."""
        if deadline is not None:
            delay = min(delay, max(deadline - time.monotonic(), 0.0))
        if cancel is not None:
            cancel.wait(delay)
        else:
            self._sleep(delay)

    def fetch(self, url: str) -> bytes:
        """A result's bytes, with a size cap; the content must be an image (retried like a poll)."""
        if self._api_key and self._api_key in url and not self._own_origin(url):
            raise APIError(
                _("The service's result link carries your API key to another host; it was not opened."),
                _("Report this to the service; the key was not sent."),
                code=CODE_STATUS_FAILED,
            )
        return fetch(self._http, url, headers=self._auth_headers(url), retry=self._retry_loop)

    def download(self, url: str, dest: Path) -> Path:
        """A result saved to `dest` atomically (a previous `dest` stays until the new one is good)."""
        return atomic_write_bytes(dest, self.fetch(url))

    # ------------------------------------------------------------------ plumbing
    def _own_origin(self, url: str) -> bool:
        return _origin(url) == _origin(self.base_url)

    def _auth_headers(self, url: str) -> dict[str, str]:
        """The one place the key is put on a request: only for this client's own origin (scheme, host, port).

        A CDN link, a redirect target or any other host gets no Authorization header.
        """
        if not self._api_key or not self._own_origin(url):
            return {}
        return {"Authorization": f"Bearer {self._api_key}"}

    def _send(self, method: str, path: str, json_body: Any = None) -> httpx.Response:
        started = time.monotonic()
        url = self.base_url + path
        response = self._http.request(method, url, json=json_body, headers=self._auth_headers(url))
        log.debug("%s %s → %d in %.2f s", method, path, response.status_code, time.monotonic() - started)
        return response

    def _retry_loop(self, attempt: Callable[[], httpx.Response], what: str) -> httpx.Response:
        """Run `attempt` with the safe-request retry policy; errors come back as the core tree."""
        for n in range(self.max_retries + 1):
            last = n == self.max_retries
            try:
                response = attempt()
            except TRANSPORT_ERRORS as err:
                if last:
                    raise self._transport_error(err, what) from err
                log.info("%s: %s, retrying", what, type(err).__name__)
                self._sleep(backoff_delay(n))
                continue
            if response.status_code in C.RETRY_STATUSES and not last:
                after = _retry_after(response)
                response.close()
                log.info("%s: HTTP %d, retrying", what, response.status_code)
                self._sleep(backoff_delay(n, after))
                continue
            return response
        raise AssertionError("unreachable")  # the loop always returns or raises on its last pass

    def _safe(self, method: str, path: str, json_body: Any = None) -> httpx.Response:
        response = self._retry_loop(lambda: self._send(method, path, json_body), f"{method} {path}")
        return self._check(response)

    def _create(self, payload: dict[str, Any]) -> httpx.Response:
        """POST a create; repeated only when the service certainly created nothing (docs/STYLE.md item 5)."""
        for n in range(self.max_retries + 1):
            last = n == self.max_retries
            try:
                response = self._send("POST", CREATE_PATH, payload)
            except NOT_SENT as err:
                if last:
                    raise self._transport_error(err, "create") from err
                self._sleep(backoff_delay(n))
                continue
            except MAYBE_SENT as err:
                raise TaskMayExistError(
                    _(
                        "The connection broke while creating the task ({type}); "
                        "the task may have been created."
                    ).format(type=type(err).__name__)
                ) from err
            if response.status_code in C.CREATE_RETRY_STATUSES and not last:
                after = _retry_after(response)
                response.close()
                self._sleep(backoff_delay(n, after))
                continue
            if response.status_code >= 500 and response.status_code not in C.CREATE_RETRY_STATUSES:
                raise TaskMayExistError(
                    _(
                        "The service failed (HTTP {status}) while creating the task; the task may have "
                        "been created."
                    ).format(status=response.status_code)
                )
            if response.status_code in (408, 504):
                raise TaskMayExistError(_("The service timed out while creating the task; it may exist."))
            return self._check(response)
        raise AssertionError("unreachable")

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code < 400:
            return response
        try:
            body: object = response.json()
        except ValueError:
            body = response.text
        err = error_for_status(
            response.status_code,
            body,
            retry_after=_retry_after(response),
            request_id=response.headers.get("x-request-id"),
        )
        raise self._scrub(err)

    def _transport_error(self, err: Exception, what: str) -> APIError:
        host = urlsplit(self.base_url).netloc
        if isinstance(err, httpx.TimeoutException):
            return APITimeoutError(_("{host} did not answer in time ({what}).").format(host=host, what=what))
        return APIConnectionError(
            _("Could not reach {host} ({what}: {type}).").format(
                host=host, what=what, type=type(err).__name__
            )
        )

    def _scrub(self, err: APIStatusError) -> APIStatusError:
        """A server that echoes the key back must not put it into our error text."""
        if self._api_key and self._api_key in err.message:
            err.message = err.message.replace(self._api_key, C.REDACTED)
            err.args = (err.message,)
        if self._api_key and self._api_key in json.dumps(err.body, default=str):
            err.body = C.REDACTED
        return err

    def _scrub_task(self, task: Task) -> Task:
        """The same for a task: its failure text and job ids go to the screen, the journal and the sidecar."""
        key = self._api_key
        if not key or key not in json.dumps(task.raw, default=str):
            return task
        error = task.error
        if error is not None and key in json.dumps([error.message, error.server_message]):
            error = TaskFailedError(
                error.code, (error.server_message or "").replace(key, C.REDACTED), task.id
            )
        outputs = [
            dataclasses.replace(o, job_id=o.job_id.replace(key, C.REDACTED)) if o.job_id else o
            for o in task.outputs
        ]
        return dataclasses.replace(task, error=error, outputs=outputs, raw={})


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: http://h and http://h:80 are one origin."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # a bad port matches nothing
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


__all__ = ["CREATE_PATH", "PRECHARGE_PATH", "TASK_PATH", "Client"]
