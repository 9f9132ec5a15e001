"""`portrait-studio watch IN_DIR -o OUT_DIR`: retouch each photo that arrives in a folder (api.watch), until
Ctrl+C or SIGTERM.

One line per photo (with --json, one JSON object: the retouch line plus "event"). Photos already done (the
journal, across restarts) are reported and skipped. Stopping lets running photos finish for a few seconds,
then leaves them resumable in the journal; photos not started are taken at the next start.
Exit 0 after a clean stop, 1 when some photos failed, 2 when it could not start.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

from portrait_studio.cli.retouch import open_session, usd_amount
from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import _, format_money

STOP_GRACE = 10.0  # seconds running photos get to finish after Ctrl+C / SIGTERM


def add_parser(subparsers: Any) -> None:
    """Register the `watch` subcommand."""
    p = subparsers.add_parser(
        "watch",
        help=_("retouch each photo that arrives in a folder (tethered or hot-folder shooting)"),
        description=_(
            "Watch IN_DIR and retouch each photo once it has finished arriving, in arrival "
            "order, into OUT_DIR. Photos already done are never done again (the journal decides, "
            "across restarts). Stop with Ctrl+C or SIGTERM."
        ),
    )
    p.add_argument("in_dir", type=Path, metavar="IN_DIR", help=_("the folder photos arrive in"))
    p.add_argument(
        "-o", "--out-dir", type=Path, required=True, metavar="OUT_DIR", help=_("write results here")
    )
    p.add_argument("--preset", help=_("retouch with this preset (see `portrait-studio presets list`)"))
    p.add_argument("--backend", choices=("local", "cloud"), default=None, help=_("default: from Settings"))
    p.add_argument("--base-url", help=_("gateway URL (cloud, or a running `portrait-studio gateway`)"))
    p.add_argument(
        "--max-cost", type=usd_amount, metavar="USD", help=_("skip a photo whose estimate is higher")
    )
    p.add_argument(
        "--settle",
        type=float,
        default=1.0,
        metavar="S",
        help=_("seconds a file must stay unchanged (default 1)"),
    )
    p.add_argument("--json", action="store_true", help=_("one JSON line per photo"))
    p.set_defaults(image_host=None, upload_url=None)  # open_session's cloud options: from Settings


def _line(event: Any, as_json: bool) -> str | None:
    """The line for a watch event, or None for one not worth a line (a photo starting, its progress)."""
    item = event.item
    if event.kind == "item" and item.status not in ("done", "failed"):
        return None
    if as_json:
        body = item.to_json() if item is not None else {"input": str(event.path) if event.path else None}
        if event.kind == "already_done":
            body.update(output=str(event.output), status="already_done")
        return json.dumps({"event": event.kind, **body, "message": event.message}, ensure_ascii=False)
    stamp = time.strftime("%H:%M:%S")
    if event.kind == "item" and item.status == "done":
        r = item.result
        note = (
            _("reused (no charge)")
            if r.reused
            else _("task {task_id}, cost {cost}").format(
                task_id=r.task_id, cost=format_money(r.cost or Decimal(0), None)
            )
        )
        return f"{stamp} {item.path.name} → {r.output_path} ({note})"
    if event.kind == "item":
        return _("{stamp} {name}: failed: {error}").format(stamp=stamp, name=item.path.name, error=item.error)
    if event.kind == "already_done":
        return _("{stamp} {name}: already done → {output}").format(
            stamp=stamp, name=event.path.name, output=event.output
        )
    return f"{stamp} {event.kind}: {event.message}"


def run(args: argparse.Namespace) -> int:
    """Watch until a signal; see the module docstring for the exit codes."""
    from portrait_studio.api.watch import FolderWatcher
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import EditParams, check_local
    from portrait_studio.core.presets import PresetStore
    from portrait_studio.core.settings import load_settings

    if not args.settle >= 0:
        print(_("error: --settle must be 0 or more seconds"), file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    try:
        preset = PresetStore().get(args.preset) if args.preset else None
        params = preset.params if preset else EditParams()
        session, settings = open_session(args)
    except PortraitStudioError as err:
        print(_("error: {message}").format(message=err), file=sys.stderr)
        return 2
    failed = 0
    lock = threading.Lock()

    def on_event(event: Any) -> None:
        nonlocal failed
        with lock:
            if event.kind == "item" and event.item.status == "failed":
                failed += 1
            if (line := _line(event, args.json)) is not None:
                print(line, flush=True)

    with session, Journal() as journal:
        try:
            if session.kind == "local":
                check_local(params)  # a prompt needs the cloud: say so now, not once per photo
            watcher = FolderWatcher.for_session(
                session, params, args.in_dir, args.out_dir, journal=journal,
                cap_source=lambda: load_settings().budget_cap, settle=args.settle, settings=settings,
                max_cost=args.max_cost, preset=preset.name if preset else None,
                size=preset.result_size if preset else "original",  # the preset's result size
            )  # fmt: skip
            watcher.subscribe(on_event)
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
            watcher.start()
        except PortraitStudioError as err:
            print(_("error: {message}").format(message=err), file=sys.stderr)
            return 2
        print(
            _("watching {in_dir} → {out_dir} (Ctrl+C stops)").format(
                in_dir=watcher.in_dir, out_dir=watcher.out_dir
            ),
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
        print(
            _("stopping: running photos get up to {seconds:g} s to finish…").format(seconds=STOP_GRACE),
            file=sys.stderr,
            flush=True,
        )
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C stops at once
        try:
            watcher.stop(grace=STOP_GRACE)
        except KeyboardInterrupt:
            watcher.stop()
        print(_("stopped; paid tasks still running are finished at the next start"), file=sys.stderr)
    return 1 if failed else 0


__all__ = ["add_parser", "run"]
