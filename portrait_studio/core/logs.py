"""The app's log file: a rotating file in the data folder, that never holds the API key.

`setup_logging("check")` (the CLI entry) or `setup_logging("window")` (the window's start) starts it once per
process; `current_log()` is then the file, which error messages name so that "report it with the log file"
points at something that exists. Every line goes through `scrub`: the keys the app has handled (registered by
`add_secret`, which api.keys calls whenever it reads or stores one) and anything after "Bearer " are
replaced, in the message, its arguments and any traceback alike.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from portrait_studio.core.paths import data_dir

LOG_NAME = "portrait-studio.log"
MAX_BYTES = 1_000_000  # then portrait-studio.log.1 … .3: a few MB at most, never the disk
BACKUPS = 3
REMOVED = "[secret removed]"
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+")
_MIN_SECRET = 8  # shorter values would blank common words out of every line

_lock = threading.Lock()
_secrets: set[str] = set()
_handler: logging.Handler | None = None
_previous_hooks: tuple[Any, Any] | None = None

log = logging.getLogger("portrait_studio")


def add_secret(value: str | None) -> None:
    """Never write `value` (an API key, a gateway token) to the log."""
    if value and len(value.strip()) >= _MIN_SECRET:
        with _lock:
            _secrets.add(value.strip())


def scrub(text: str) -> str:
    """`text` without any registered secret nor a bearer token."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # a key containing another goes first
    for secret in secrets:
        text = text.replace(secret, REMOVED)
    return _BEARER.sub(lambda m: m.group(1) + REMOVED, text)


class ScrubbingFormatter(logging.Formatter):
    """Formats a record, then scrubs the whole line: message, arguments and traceback text."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def log_path() -> Path:
    """Where the log file is (or would be): `logs/` in the data folder."""
    return data_dir() / "logs" / LOG_NAME


def current_log() -> Path | None:
    """The log file this process writes, or None before `setup_logging` (or when it could not start)."""
    handler = _handler
    return Path(handler.baseFilename) if isinstance(handler, logging.FileHandler) else None


def setup_logging(where: str) -> Path | None:
    """Start the log file (once; `where` says who started it) and log uncaught exceptions into it.

    Returns the file, or None when it cannot be written (a read-only data folder): the app works without it.
    """
    global _handler, _previous_hooks
    if _handler is not None:
        return current_log()
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", errors="backslashreplace"
        )
    except OSError:
        return None
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)  # the libraries' warnings too (root stays at WARNING)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    _handler = handler
    _previous_hooks = (sys.excepthook, threading.excepthook)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    from portrait_studio import __version__

    log.info("Portrait Studio %s started (%s)", __version__, where)
    return path


def stop_logging() -> None:
    """Close the log file and give back the exception hooks (tests; the app simply exits)."""
    global _handler, _previous_hooks
    if _handler is None:
        return
    logging.getLogger().removeHandler(_handler)
    _handler.close()
    _handler = None
    if _previous_hooks is not None:
        sys.excepthook, threading.excepthook = _previous_hooks
        _previous_hooks = None


def _log_uncaught(kind: type[BaseException], err: BaseException, tb: TracebackType | None) -> None:
    if not issubclass(kind, KeyboardInterrupt):
        log.critical("uncaught exception", exc_info=(kind, err, tb))
    if _previous_hooks is not None:
        _previous_hooks[0](kind, err, tb)


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        log.critical("uncaught exception in thread %s", args.thread, exc_info=args.exc_value)
    if _previous_hooks is not None:
        _previous_hooks[1](args)


__all__ = [
    "LOG_NAME",
    "ScrubbingFormatter",
    "add_secret",
    "current_log",
    "log_path",
    "scrub",
    "setup_logging",
    "stop_logging",
]
