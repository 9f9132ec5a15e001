"""`portrait-studio gateway`: serve the local gateway standalone until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from portrait_studio.core.i18n import _


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "gateway",
        help=_("serve the local gateway on 127.0.0.1"),
        description=_(
            "Serve the Spark Edit Portrait protocol on 127.0.0.1, backed by the local engine. "
            'Prints one JSON line {"base_url": ..., "token": ..., "upload_url": ...} once it '
            "accepts connections."
        ),
    )
    p.add_argument(
        "--port", type=_port, default=0, help=_("port to listen on, 1-65535 (default: a free one)")
    )
    p.add_argument(
        "--token",
        type=_token,
        default=None,
        help=_("Bearer token clients must send, at least 16 characters (default: a random one)"),
    )
    p.add_argument(
        "--cache-dir", type=Path, default=None, help=_("where results are kept (default: app cache)")
    )
    p.add_argument(
        "--workers", type=_positive, default=None, help=_("tasks run at once (default: 1 per core, 2-8)")
    )
    p.add_argument(
        "--engine",
        choices=("local", "trivial"),
        default="local",
        help=_("'trivial' only resizes (protocol tests); default: the local retouch engine"),
    )
    p.add_argument(
        "--min-task-seconds",
        type=_seconds,
        default=0.0,
        metavar="S",
        help=_("test/dev: every task takes at least S seconds with linear progress"),
    )


# argparse turns a ValueError from a type into "invalid <name> value"; ArgumentTypeError shows its own text.
def _port(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(
            _("{text!r} is not a port number (1-65535, or 0 for a free one)").format(text=text)
        )
    return int(text)


def _token(text: str) -> str:
    from portrait_studio.gateway.server import MIN_TOKEN_LENGTH  # only when --token is given: CLI start-up

    if len(text) < MIN_TOKEN_LENGTH:
        raise argparse.ArgumentTypeError(
            _(
                "the token has {length} characters; it needs at least {minimum} (or leave "
                "--token out to get a random one)"
            ).format(length=len(text), minimum=MIN_TOKEN_LENGTH)
        )
    return text


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(_("{text!r} is not a whole number of at least 1").format(text=text))
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 24 * 3600:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            _("{text!r} is not a number of seconds (0 or more, under a day)").format(text=text)
        )
    return value


def run(args: argparse.Namespace) -> int:
    """Start, print the JSON line, serve until a signal."""
    from portrait_studio.core.errors import PortraitStudioError
    from portrait_studio.core.paths import cache_dir
    from portrait_studio.gateway import LocalGateway, TrivialEngine

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        gateway = LocalGateway(
            TrivialEngine() if args.engine == "trivial" else None,
            cache_dir=args.cache_dir or cache_dir() / "gateway",
            token=args.token,
            port=args.port,
            workers=args.workers,
            min_task_seconds=args.min_task_seconds,
        ).start()
    except OSError as err:
        print(
            _("Could not listen on 127.0.0.1:{port} ({reason}) — choose another --port.").format(
                port=args.port, reason=err.strerror
            ),
            file=sys.stderr,
        )
        return 1
    except PortraitStudioError as err:
        print(str(err), file=sys.stderr)
        return 1
    try:
        line = {"base_url": gateway.base_url, "token": gateway.token, "upload_url": gateway.upload_url}
        print(json.dumps(line), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        gateway.stop()
    return 0
