"""LocalGateway: docs/PROTOCOL.md served on 127.0.0.1 with a per-run token, backed by a local engine."""

from __future__ import annotations

import logging
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from portrait_studio.core.errors import ConfigError
from portrait_studio.gateway.engine import Engine, PacedEngine, engine_name
from portrait_studio.gateway.faults import Faults
from portrait_studio.gateway.processes import default_engine, default_workers
from portrait_studio.gateway.routes import Handler
from portrait_studio.gateway.tasks import MAX_AGE, TaskRunner

log = logging.getLogger(__name__)

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: A token given by the caller must be at least this long (a random one is 32 characters).
MIN_TOKEN_LENGTH = 16
#: What /upload keeps at most; the oldest uploads go first (a task reads its upload when it is created).
MAX_UPLOADS = 200
MAX_UPLOAD_BYTES = 256 * 1024 * 1024


class GatewayStats:
    """Request counters (thread-safe); `creates` counts tasks really created, for duplicate checks."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, name: str) -> None:
        """Add one to a counter."""
        with self._lock:
            self._counts[name] += 1

    def __getattr__(self, name: str) -> int:
        if name.startswith("_"):
            raise AttributeError(name)
        with self._lock:
            return self._counts[name]

    def as_dict(self) -> dict[str, int]:
        """A copy of every counter."""
        with self._lock:
            return dict(self._counts)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client connection must not keep the app from quitting
    # socketserver's default backlog of 5 reset connections when 15 clients created tasks at once
    # (bench/polling.py): a batch at concurrency 8 plus polls must never see that.
    request_queue_size = 128
    gateway: LocalGateway

    def handle_error(self, request: object, client_address: object) -> None:
        # socketserver prints a traceback to stderr for anything a handler raises. A client that resets or
        # abandons its connection is normal life for a server: nothing to report. Anything else is a bug.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        log.error("the local gateway failed serving %s", client_address, exc_info=True)


class LocalGateway:
    """The local gateway; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        cache_dir: Path | str | None = None,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        workers: int | None = None,
        min_task_seconds: float = 0.0,
    ) -> None:
        if host not in _LOOPBACK:
            raise ConfigError(
                f"The local gateway only listens on 127.0.0.1, not {host!r}.",
                "Leave the host at 127.0.0.1 (sharing the gateway on a network is not supported).",
            )
        # stop() closes only an engine it made (its worker processes); one passed in is the caller's.
        self._made_engine = default_engine(workers) if engine is None else None
        engine = engine or self._made_engine
        assert engine is not None
        if min_task_seconds > 0:
            engine = PacedEngine(engine, min_task_seconds)
        self.engine = engine
        self.engine_name = engine_name(engine)
        self.host, self._port = "127.0.0.1" if host == "localhost" else host, port
        if token is not None and len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"The gateway's token has {len(token)} characters; it needs at least {MIN_TOKEN_LENGTH}.",
                "Give a longer token, or none to get a random one.",
            )
        self.token = token or secrets.token_urlsafe(24)
        # The secret of upload_url: an image host's upload protocol has no header for a key (routes.py).
        self.upload_secret = secrets.token_urlsafe(24)
        self._upload_lock = threading.Lock()
        self._own_cache = cache_dir is None
        self.cache_dir = Path(cache_dir) if cache_dir else Path(tempfile.mkdtemp(prefix="ps-gateway-"))
        self.files_dir = self.cache_dir / "files"
        self.faults = Faults()
        self.stats = GatewayStats()
        # One task thread per engine worker process (gateway/processes.py): a core each.
        count = workers or default_workers()
        self.runner = TaskRunner(engine, self.files_dir, self.faults, count)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalGateway:
        """Bind, clean old results, and serve on a background thread; returns self."""
        if self._server is not None:
            return self
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._clean_old_files()
        server = _Server((self.host, self._port), Handler)
        server.gateway = self
        self._server = server
        # 0.1 s: stop() waits up to one poll interval; the default 0.5 s made every test start/stop slow.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.1,), name="local-gateway", daemon=True
        )
        self._thread.start()
        log.info("local gateway listening on %s (engine %s)", self.base_url, self.engine_name)
        return self

    def stop(self) -> None:
        """Stop serving, stop the workers, and remove the cache folder if the gateway made it."""
        server, self._server = self._server, None
        if server is None:
            return
        if isinstance(self.engine, PacedEngine):
            self.engine.close()
        server.shutdown()
        server.server_close()
        self.runner.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        close = getattr(self._made_engine, "close", None)
        if close is not None:
            close()
        if self._own_cache:
            shutil.rmtree(self.cache_dir, ignore_errors=True)

    def __enter__(self) -> LocalGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.base_url if self._server else "stopped"
        return f"LocalGateway({state}, engine={self.engine_name}, token=***)"

    # ------------------------------------------------------------------ facts
    @property
    def port(self) -> int:
        """The port actually bound (the one asked for, or a free one)."""
        if self._server is None:
            raise RuntimeError("the local gateway is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT — what a Client is given."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def upload_url(self) -> str:
        """Where a photo may be POSTed without the token (multipart field 'file'); keep it as secret."""
        return f"{self.base_url}/upload/{self.upload_secret}"

    def cap_uploads(self) -> None:
        """Keep uploads a day, at most MAX_UPLOADS of them and MAX_UPLOAD_BYTES in all; oldest go first."""
        cutoff = int((time.time() - MAX_AGE) * 1e9)
        with self._upload_lock:
            kept = []
            for path in (self.files_dir / "uploads").glob("[!.]*"):  # not ".name.part": still being written
                try:
                    stat = path.stat()
                except OSError:
                    continue  # removed meanwhile (another gateway process on this cache folder)
                kept.append((stat.st_mtime_ns, path.name, stat.st_size, path))
            kept.sort()
            count, total = len(kept), sum(size for _, _, size, _ in kept)
            for mtime, _, size, path in kept:
                if count <= MAX_UPLOADS and total <= MAX_UPLOAD_BYTES and mtime >= cutoff:
                    break
                path.unlink(missing_ok=True)
                count, total = count - 1, total - size

    def task_finished_at(self, task_id: str) -> float | None:
        """When a task finished, as time.monotonic() in this process (for the polling benchmark)."""
        record = self.runner.get(task_id)
        return record.finished_at if record else None

    def local_file(self, url: str) -> bytes | None:
        """The bytes of a URL this gateway serves itself (read from disk, not over HTTP)."""
        try:
            parts = urlsplit(url)
        except ValueError:  # "http://[::1/": not a URL of this gateway (fetch.py says what is wrong)
            return None
        if self._server is None or f"{parts.scheme}://{parts.netloc}" != self.base_url:
            return None
        if not parts.path.startswith("/files/"):
            return None
        path = (self.files_dir / parts.path.removeprefix("/files/")).resolve()
        if not path.is_relative_to(self.files_dir.resolve()) or not path.is_file():
            return None
        return path.read_bytes()

    def _clean_old_files(self) -> None:
        cutoff = time.time() - MAX_AGE
        for path in self.files_dir.rglob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass  # another process may be cleaning too


__all__ = ["MAX_UPLOADS", "MAX_UPLOAD_BYTES", "MIN_TOKEN_LENGTH", "GatewayStats", "LocalGateway"]
