"""A hostile "cloud" on 127.0.0.1 that echoes the API key it is sent, and traps that record every byte.

    with EchoCloud() as cloud, Trap() as cdn:      # cloud.base_url, cloud.creates, trap.received
        cloud.result_host = cdn.base_url           # results are served from another origin (a CDN)

The cloud speaks just enough of PROTOCOL.md for the client: precharge, create, poll, and results. It puts the
Authorization header it received into everything it can: a failed task's message (prompts containing "fail"),
the jobId, and the error body of a 404 for a task it does not know. A Trap answers every request with a small
JPEG (or 404 for /model/ paths) and keeps the raw bytes, so a test can search what reached a non-cloud port.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image


def small_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (512, 512), (180, 140, 120)).save(buf, "JPEG")
    return buf.getvalue()


class EchoCloud:
    """See the module docstring."""

    def __init__(self) -> None:
        self.creates = 0
        self.tasks: dict[str, dict[str, Any]] = {}
        self.result_host = ""  # where results are served from ("" = this server)
        self._jpeg = small_jpeg()
        self._lock = threading.Lock()
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                echo = self.headers.get("Authorization", "")
                if self.path.endswith("/precharge"):
                    return self._json(200, {"status": "success", "data": {"cost": "0.02"}})
                with cloud._lock:
                    cloud.creates += 1
                    task_id = f"task-{cloud.creates}"
                    params = (payload.get("input") or [{}])[0].get("params", {})
                    cloud.tasks[task_id] = {"echo": echo, "fail": "fail" in (params.get("prompt") or "")}
                return self._json(200, {"id": task_id, "status": "in_progress", "progress": 0})

            def do_GET(self) -> None:
                echo = self.headers.get("Authorization", "")
                if self.path.startswith("/files/"):
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(cloud._jpeg)))
                    self.end_headers()
                    self.wfile.write(cloud._jpeg)
                    return None
                task_id = self.path.rsplit("/", 1)[-1]
                task = cloud.tasks.get(task_id)
                if task is None:
                    return self._json(404, {"code": 404, "message": f"no task {task_id} for {echo}"})
                if task["fail"]:
                    error = {"code": "003010001", "message": f"refused: the key {echo} is not allowed"}
                    return self._json(200, {"id": task_id, "status": "failed", "error": error})
                host = cloud.result_host or cloud.base_url
                content = {"type": "image", "url": f"{host}/files/{task_id}.jpg", "jobId": f"job {echo}"}
                body = {"id": task_id, "status": "completed", "output": [{"content": [content]}]}
                return self._json(200, {**body, "usage": {"cost": "0.02"}})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> EchoCloud:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Trap:
    """A port that answers like a server and records every byte it receives (see the module docstring)."""

    def __init__(self) -> None:
        self.received = bytearray()
        self._jpeg = small_jpeg()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                request = b""
                try:
                    while b"\r\n\r\n" not in request:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        request += chunk
                except OSError:
                    pass
                self.received += request
                found = b"/model/" not in request.split(b"\r\n", 1)[0]
                body = self._jpeg if found else b'{"message": "not found"}'
                head = "200 OK" if found else "404 Not Found"
                kind = "image/jpeg" if found else "application/json"
                answer = f"HTTP/1.1 {head}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                with contextlib.suppress(OSError):
                    conn.sendall(answer.encode() + b"Connection: close\r\n\r\n" + body)

    def __enter__(self) -> Trap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()
