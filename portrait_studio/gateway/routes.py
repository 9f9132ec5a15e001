"""Request handler of the local gateway: the routes of docs/PROTOCOL.md, auth, faults, uploads and /files/."""

from __future__ import annotations

import email.parser
import email.policy
import hmac
import json
import logging
import re
import secrets
import socket
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Protocol

from portrait_studio.core.errors import CODE_INTERNAL, CODE_INVALID_PARAM, CODE_NO_IMAGE, CODE_STATUS_FAILED
from portrait_studio.core.fileio import atomic_write_bytes
from portrait_studio.core.params import MODEL
from portrait_studio.gateway.faults import Fault, Faults
from portrait_studio.gateway.intake import (
    MAX_IMAGE_BYTES,
    IntakeError,
    check_image,
    fetch_image,
    parse_create,
)
from portrait_studio.gateway.spec import model_spec
from portrait_studio.gateway.tasks import TaskRunner

log = logging.getLogger(__name__)

#: An inline data URL of a 5 MB photo is ~6.7 MB of base64; anything far above that is refused unread.
MAX_BODY = 12 * 1024 * 1024
_TASK = re.compile(r"^/model/v1/generation/task/(?P<id>[\w-]+)$")
_SPEC = re.compile(r"^/api/v1/skill/models/(?P<model>[\w.-]+)/spec$")
_FILE = re.compile(r"^/files/(?P<name>(uploads/)?[\w.-]+)$")
_UPLOAD = re.compile(r"^/upload(/(?P<secret>[\w-]+))?$")


class _Refused(Exception):
    """A request refused before its body is understood (HTTP `status`); the connection is closed after."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Served(Protocol):
    """What a request uses of the LocalGateway that owns the server (server.py imports this module)."""

    token: str
    upload_secret: str
    files_dir: Path
    faults: Faults
    runner: TaskRunner

    @property
    def port(self) -> int: ...
    @property
    def base_url(self) -> str: ...
    def cap_uploads(self) -> None: ...
    @property
    def stats(self) -> _Counts: ...
    def local_file(self, url: str) -> bytes | None: ...


class _Counts(Protocol):
    def count(self, name: str) -> None: ...


class Handler(BaseHTTPRequestHandler):
    """One request; `server.gateway` is the LocalGateway that owns the server."""

    protocol_version = "HTTP/1.1"  # keep-alive, as httpx and urllib expect
    # Headers and body go out as two writes; with Nagle's algorithm on, the body waited for the client's
    # delayed ACK: 40 ms on every kept-alive request (measured: 109 ms per photo through the pipeline with
    # an engine that does nothing, 19 ms of it CPU).
    disable_nagle_algorithm = True
    _body: bytes | None = None
    server_version = "PortraitStudioLocalGateway/1"
    timeout = 60  # seconds a kept-alive connection may stay silent before its thread is freed

    @property
    def gw(self) -> Served:
        return self.server.gateway  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines only (never headers, so never the token), to the log rather than stderr.
        log.debug("%s - %s", self.address_string(), format % args)

    # ------------------------------------------------------------------ dispatch
    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        self._body = None  # one handler serves every request of a keep-alive connection
        path = self.path.split("?", 1)[0]
        route, action, auth = self._route(method, path)
        self.gw.stats.count(route + "_requests")
        try:
            refusal = self._foreign()
            if refusal is not None:
                self._read_body()
                self._send_error(403, "403", refusal)
                return
            if not auth():
                self._read_body()
                self._send_error(401, "401", "API key missing or invalid.")
                return
            fault = self.gw.faults.take(route)
            if fault is not None and self._apply(fault, read_body=True):
                return
            action()
        except IntakeError as err:
            self._send_error(400, err.code or CODE_INVALID_PARAM, err.message)
        except _Refused as err:
            self.close_connection = True  # the body's end is unknown (or not worth reading): no keep-alive
            self._send_error(err.status, CODE_INVALID_PARAM, err.message)
            self._drain()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away or went silent: nobody to answer
        except Exception:  # a bug: an answer the client can show, the traceback only in the log
            log.exception("the gateway failed on %s %s", method, path)
            self.close_connection = True
            self._send_error(500, CODE_INTERNAL, "The local gateway failed on this request (a bug).")

    def _route(self, method: str, path: str) -> tuple[str, Callable[[], None], Callable[[], bool]]:
        """(route name for stats and faults, action, authorization check) of a request."""
        token, anyone = self._authorized, lambda: True
        if method == "GET":
            if m := _TASK.match(path):
                return "poll", lambda: self._poll(m["id"]), token
            if m := _SPEC.match(path):
                return "spec", lambda: self._send_json(200, model_spec(m["model"], self.gw.base_url)), anyone
            if m := _FILE.match(path):
                # No token: file names are unguessable (tasks.py, _upload), so a URL is its own capability.
                return "files", lambda: self._file(m["name"]), anyone
        elif path == "/model/v1/generation":
            return "create", self._create, token
        elif path == "/model/v1/generation/precharge":
            return "precharge", self._precharge, token
        elif m := _UPLOAD.match(path):
            # The token, or the secret of `LocalGateway.upload_url` in the path: the upload protocol of an
            # image host (multipart 'file' -> {"url"}) has no header for a key (api/hosting.py sends none).
            secret = m["secret"]
            if secret is None:
                return "upload", self._upload, token
            own = self.gw.upload_secret.encode()
            return "upload", self._upload, lambda: hmac.compare_digest(secret.encode(), own)
        return "unknown", lambda: self._send_error(404, "404", f"No route for {method} {path}."), anyone

    def _foreign(self) -> str | None:
        """Why a request that did not come to this gateway as 127.0.0.1:PORT is refused, else None.

        A web page can make the browser send requests here: under another host name that resolves to
        127.0.0.1 (DNS rebinding: Host is that name), or straight to 127.0.0.1 (Origin is the page's).
        """
        own = {f"127.0.0.1:{self.gw.port}", f"localhost:{self.gw.port}"}
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].strip().lower() not in own:
            shown = ", ".join(repr(h[:80]) for h in hosts) or "none"
            return f"Host header {shown} is not this gateway's address (127.0.0.1:{self.gw.port})."
        origins = self.headers.get_all("Origin") or []
        if any(o.strip().lower() not in {f"http://{h}" for h in own} for o in origins):
            return "Requests from web pages of other origins are refused by the local gateway."
        return None

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.gw.token.encode()
        )

    def _apply(self, fault: Fault, *, read_body: bool) -> bool:
        """Misbehave as programmed; True when the answer has been given (or withheld)."""
        if read_body:
            self._read_body()
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self.close_connection = True
            return True
        if fault.status is None:
            return False
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        body = (
            fault.body
            if fault.body is not None
            else {"error": {"code": str(fault.status), "message": "fault"}}
        )
        if isinstance(body, str):
            self._send(fault.status, body.encode(), "text/plain; charset=utf-8", headers)
        else:
            self._send_json(fault.status, body, headers)
        return True

    # ------------------------------------------------------------------ routes
    def _create(self) -> None:
        body = self._json_body()
        params, image_input = parse_create(body, self.headers.get("X-Model"))
        image = fetch_image(image_input, self.gw.local_file)
        check_image(image)
        answer = self.gw.runner.create(params, image, self.gw.base_url)
        self.gw.stats.count("creates")
        late = self.gw.faults.take("create", after=True)
        if late is not None and self._apply(late, read_body=False):
            return
        self._send_json(200, answer)

    def _poll(self, task_id: str) -> None:
        record = self.gw.runner.get(task_id)
        if record is None:
            self._send_error(404, CODE_STATUS_FAILED, f"Task {task_id} not found.")
            return
        self._send_json(200, self.gw.runner.render(record, self.gw.base_url, poll=True))

    def _precharge(self) -> None:
        parse_create(self._json_body(), self.headers.get("X-Model"))
        data = {"cost": "0", "currency": "USD", "discount": 1, "reason": "LOCAL_ENGINE", "model": MODEL}
        self._send_json(200, {"status": "success", "data": data})

    def _file(self, name: str) -> None:
        path = self.gw.files_dir / name
        try:
            data = path.read_bytes()
        except OSError:  # missing, evicted meanwhile (cap_uploads), or a folder
            self._send_error(404, "404", "No such file (results are kept for a day).")
            return
        self.gw.stats.count("downloads")
        mime = "image/png" if path.suffix == ".png" else "image/jpeg"
        self._send(200, data, mime)

    def _upload(self) -> None:
        data = self._multipart_file()
        check_image(data)
        ext = ".png" if data.startswith(b"\x89PNG") else ".jpg"
        name = f"uploads/{secrets.token_hex(16)}{ext}"
        atomic_write_bytes(self.gw.files_dir / name, data, durable=False)  # a hosted copy, like the results
        self.gw.cap_uploads()
        self._send_json(200, {"url": f"{self.gw.base_url}/files/{name}"})

    # ------------------------------------------------------------------ bodies
    def _read_body(self) -> bytes:
        if self._body is not None:
            return self._body
        if self.headers.get("Transfer-Encoding"):
            raise _Refused(411, "Send the request body with a Content-Length (chunked bodies are refused).")
        values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        text = values.pop() if len(values) == 1 else "0" if not values else "several"
        if not (text.isascii() and text.isdigit()):  # int() would take "-1" (read to EOF), " 1_0", "١٢"
            raise _Refused(400, f"Content-Length must be one whole number of bytes, not {text[:40]!r}.")
        length = int(text)
        if length > MAX_BODY:  # refused unread: do not read 100 MB just to refuse it
            raise _Refused(413, "The request is larger than 12 MB; the image limit is 5 MB.")
        self._body = self.rfile.read(length) if length else b""
        if len(self._body) < length:
            raise ConnectionAbortedError("the client closed the connection before sending the whole body")
        return self._body

    def _json_body(self) -> Any:
        try:
            return json.loads(self._read_body() or b"null")
        except (ValueError, RecursionError) as err:  # RecursionError: arrays nested 200,000 deep
            raise IntakeError(CODE_INVALID_PARAM, "The request body is not valid JSON.") from err

    def _multipart_file(self) -> bytes:
        ctype = self.headers.get("Content-Type", "")
        raw = self._read_body()
        if len(raw) > MAX_IMAGE_BYTES + 64 * 1024:
            raise IntakeError(CODE_INVALID_PARAM, "The upload is larger than 5 MB.")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + raw
        )
        if message.is_multipart():
            for part in message.iter_parts():
                if part.get_param("name", header="content-disposition") == "file":
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        return payload
        raise IntakeError(CODE_NO_IMAGE, "The upload has no multipart field named 'file'.")

    def _drain(self, seconds: float = 1.0, limit: int = MAX_BODY) -> None:
        """Read and drop what the client is still sending, briefly, after a refusal.

        Closing a socket with unread data in it sends a TCP reset, and a reset can destroy the answer before
        the client has read it: it would see "connection reset" instead of why it was refused.
        """
        deadline, seen = time.monotonic() + seconds, 0
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)  # the answer is complete: the client reads it to EOF
            while seen < limit and (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                chunk = self.connection.recv(65536)
                if not chunk:
                    return
                seen += len(chunk)
        except OSError:
            pass  # gone or silent: nothing more to do

    # ------------------------------------------------------------------ answers
    def _send_error(self, status: int, code: str, message: str) -> None:
        # `error_message` too: the official SDKs read only that key (PROTOCOL.md lists both spellings).
        self._send_json(status, {"error": {"code": code, "message": message, "error_message": message}})

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


__all__ = ["MAX_BODY", "Handler"]
