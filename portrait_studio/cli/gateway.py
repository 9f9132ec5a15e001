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


def add_parser(subparsers: Any) -> None:
    """Register the subcommand."""
    p = subparsers.add_parser(
        "gateway",
        help="serve the local gateway on 127.0.0.1",
        description="Serve the Spark Edit Portrait protocol on 127.0.0.1, backed by the local engine. "
        'Prints one JSON line {"base_url": ..., "token": ...} once it accepts connections.',
    )
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--token", default=None, help="Bearer token clients must send (default: a random one)")
    p.add_argument("--cache-dir", type=Path, default=None, help="where results are kept (default: app cache)")
    p.add_argument("--workers", type=int, default=None, help="tasks run at once (default: 1 per core, 2-8)")
    p.add_argument(
        "--engine",
        choices=("local", "trivial"),
        default="local",
        help="'trivial' only resizes (protocol tests); default: the local retouch engine",
    )
    p.add_argument(
        "--min-task-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="test/dev: every task takes at least S seconds with linear progress",
    )


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
            f"Could not listen on 127.0.0.1:{args.port} ({err.strerror}) — choose another --port.",
            file=sys.stderr,
        )
        return 1
    except PortraitStudioError as err:
        print(str(err), file=sys.stderr)
        return 1
    try:
        print(json.dumps({"base_url": gateway.base_url, "token": gateway.token}), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        gateway.stop()
    return 0
