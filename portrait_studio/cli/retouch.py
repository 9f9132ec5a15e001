"""`portrait-studio retouch INPUT...`: the same client → gateway path as the GUI, through the batch queue.

Writes `<name>.retouched.jpg` (never over the input) and a `.json` sidecar per photo, in -o DIR, else in
Settings' output folder, else next to each photo. Never prompts.
With --json, one line per input: {"input", "output", "status", "task_id", "cost", "error"}.
Exit 0 all done, 1 some failed, 2 bad usage (or a setting that stops everything, e.g. no API key), 141 when
stdout was closed (`… | head -1`): the run stops as on Ctrl+C, paid tasks left for `portrait-studio resume`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from portrait_studio.core.errors import ParamsError, PortraitStudioError
from portrait_studio.core.i18n import _, format_money
from portrait_studio.core.money import parse_money
from portrait_studio.core.params import (
    ASPECT_PRESETS,
    AUTO,
    GEN_MODES,
    STRENGTH_FIELDS,
    STRENGTH_MEANINGS,
    STRENGTH_NAMES,
    EditParams,
)

EXIT_READER_GONE = 141  # 128 + SIGPIPE: what a shell reports for a program whose reader (`| head`) left
_OVERRIDES = ("gpen", "skin", "skin_unifi", "width", "height", "prompt", "gen_mode", "seed")


def usd_amount(text: str) -> Decimal:
    """--max-cost and the like: a finite amount ≥ 0 (read as core.money reads every amount)."""
    value = parse_money(text)
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(_("not an amount in USD: {text!r}").format(text=text))
    return value


def add_strength_flags(p: argparse.ArgumentParser) -> None:
    """--gpen / --skin / --skin-unifi: the flag is the API's name, the help says the name the window shows
    (retouch and edit share them)."""
    for name in STRENGTH_FIELDS:
        p.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=float,
            metavar="X",
            help=_("{label}: {meaning}, 0–1 in 0.1 steps (API: {name})").format(
                label=_(STRENGTH_NAMES[name]), meaning=_(STRENGTH_MEANINGS[name]), name=name
            ),
        )


def add_parser(subparsers: Any) -> None:
    """Register the `retouch` subcommand."""
    p = subparsers.add_parser(
        "retouch",
        help=_("retouch photos (files or folders) without the window"),
        description=_(
            "Retouch portraits through the local engine (default) or the cloud. Writes "
            "NAME.retouched.jpg and NAME.retouched.json in -o DIR, else in the output folder "
            "chosen in Settings, else next to each photo; never overwrites."
        ),
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help=_("photos or folders"))
    p.add_argument(
        "-o",
        "--out-dir",
        type=Path,
        help=_("write results here (default: Settings' output folder, else next to each photo)"),
    )
    p.add_argument(
        "-r", "--recursive", action="store_true",
        help=_("include sub-folders of folders (with -o, their tree is mirrored under DIR)"),
    )  # fmt: skip
    p.add_argument(
        "--name", metavar="TEMPLATE",
        help=_("result name before .retouched.EXT: {name}, {preset}, {date} (default: {name})"),
    )  # fmt: skip
    p.add_argument("--preset", help=_("start from this preset (see `portrait-studio presets list`)"))
    add_strength_flags(p)
    p.add_argument(
        "--aspect", choices=tuple(ASPECT_PRESETS),
        help=_("the model's output shape: photo (its own aspect at up to 2048 px, the default) or a fixed "
        "size, e.g. 1:1 = 1328×1328 (the model frames that part of the photo around the face)"),
    )  # fmt: skip
    p.add_argument("--width", type=int, help=_("model output width, 512–2048 (with --height)"))
    p.add_argument("--height", type=int, help=_("model output height, 512–2048 (with --width)"))
    p.add_argument("--prompt", help=_("regenerate with this prompt (cloud; switches gen-mode to creative)"))
    p.add_argument("--gen-mode", dest="gen_mode", choices=(AUTO, *GEN_MODES), help=_("default: auto"))
    p.add_argument("--seed", type=int, help=_("-1 = random (default)"))
    p.add_argument("--backend", choices=("local", "cloud"), default=None, help=_("default: from Settings"))
    p.add_argument("--base-url", help=_("gateway URL (cloud, or a running `portrait-studio gateway`)"))
    p.add_argument("--image-host", choices=("inline", "upload"), help=_("how the cloud gets the photo"))
    p.add_argument("--upload-url", help=_("upload endpoint for --image-host upload"))
    p.add_argument(
        "--max-cost", type=usd_amount, metavar="USD", help=_("skip a photo whose estimate is higher")
    )
    p.add_argument("--force", action="store_true", help=_("run again even when an identical result exists"))
    p.add_argument(
        "--size", choices=("original", "model"), default=None,
        help=_("result size: the original's own (the retouch merged onto it; the default) or the model's "
        "(default: the preset's, else original)"),
    )  # fmt: skip
    p.add_argument(
        "--faces", default="all", metavar="all|largest|N,M",
        help=_("a photo with several faces: retouch each chosen face as its own task and merge them into the "
        "full photo (default all: every face but tiny background ones; faces are numbered left to right)"),
    )  # fmt: skip
    p.add_argument(
        "-j", "--jobs", type=int, default=None, help=_("photos at once (default: 2 cloud, cores local)")
    )
    p.add_argument("--json", action="store_true", help=_("one JSON line per input"))


def build_params(args: argparse.Namespace) -> tuple[EditParams, str | None, str]:
    """The preset (if any) with the command line's values on top, its name, and the result size (--size,
    else the preset's, else "original")."""
    from portrait_studio.core.presets import PresetStore

    preset = PresetStore().get(args.preset) if args.preset else None
    base = preset.params.to_dict() if preset else EditParams().to_dict()
    aspect = getattr(args, "aspect", None)
    if aspect is not None:
        if args.width is not None or args.height is not None:
            raise ParamsError(
                "aspect", _("cannot be given with --width/--height"), allowed=_("one or the other")
            )
        pinned = ASPECT_PRESETS[aspect]
        base["width"], base["height"] = pinned if pinned else (AUTO, AUTO)
    base.update({k: getattr(args, k) for k in _OVERRIDES if getattr(args, k) is not None})
    size = getattr(args, "size", None) or (preset.result_size if preset else "original")
    return EditParams.from_dict(base), preset.name if preset else None, size


def open_session(args: argparse.Namespace) -> tuple[Any, Any]:
    """(BackendSession, Settings) for the chosen backend; never asks anything."""
    from portrait_studio.api.backend import BackendSession, open_backend
    from portrait_studio.api.client import Client
    from portrait_studio.api.keys import gateway_token
    from portrait_studio.core.settings import load_settings

    settings = load_settings()
    changes: dict[str, Any] = {"backend": args.backend or settings.backend}
    if args.image_host:
        changes["image_host"] = args.image_host
    if args.upload_url:
        changes["upload_url"] = args.upload_url
    if args.base_url and changes["backend"] == "cloud":
        changes["base_url"] = args.base_url
    settings = settings.replace(**changes)
    if args.base_url and settings.backend == "local":
        # A standalone `portrait-studio gateway`: its token from PORTRAIT_STUDIO_API_KEY, never the keyring's
        # cloud key (that goes only to the cloud).
        return BackendSession(
            Client(args.base_url, gateway_token()), "local", None, "local gateway"
        ), settings
    return open_backend(settings), settings


def _line(item: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(item.to_json(), ensure_ascii=False)
    if item.status == "done":
        r = item.result
        cost = format_money(r.cost or Decimal(0), None)
        if r.reused:
            note = _("already done, reused (no charge)")
        elif r.faces:
            note = _("{count} faces, cost {cost}").format(count=len(r.faces), cost=cost)
        else:
            note = _("task {task_id}, cost {cost}").format(task_id=r.task_id, cost=cost)
        lines = [f"{item.path} → {r.output_path} ({note})", *(_face_line(f) for f in r.faces)]
        notes = ["\n  " + _("note: {message}").format(message=n) for n in r.notes]
        return lines[0] + "".join(notes) + "".join("\n" + x for x in lines[1:])
    err = item.error
    return f"{item.path}: {item.status}: {err}" if err else f"{item.path}: {item.status}"


def _face_line(face: dict[str, Any]) -> str:
    """ "  face 2 (x, y, w×h): task …, cost $…" — or why it was not sent."""
    x, y, w, h = face["box"]
    where = "  " + _("face {n} ({x},{y} {w}×{h})").format(n=face["number"], x=x, y=y, w=w, h=h)
    if face["status"] == "not_isolated":
        return _("{face}: not sent — {why}").format(face=where, why=face["reason"])
    if face["status"] == "failed":
        return _("{face}: failed — {why}").format(face=where, why=(face.get("error") or {}).get("message"))
    if face["status"] == "reused":
        paid = _("reused (no charge)")
    else:
        paid = _("cost {cost}").format(cost=format_money(Decimal(str(face.get("cost") or 0)), None))
    return _("{face}: task {task_id}, {paid}").format(face=where, task_id=face.get("task_id"), paid=paid)


class _StatusLine:
    """One line of progress on a terminal's stderr, redrawn in place; nothing when stderr is a file or pipe.

    A cloud task takes 10–60 s: without it a batch printed nothing until its first photo was done.
    """

    def __init__(self, queue: Any, stream: Any = None) -> None:
        self.queue = queue
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._drawn_at = 0.0
        self._shown = False

    def text(self) -> str:
        """ "3 photos: 1 done, 1 running, 1 queued · 40 % · about 25 s left"."""
        from portrait_studio.api.batch import duration, summary

        items = self.queue.items()
        running = [i for i in items if i.status == "running"]
        line = summary(items, None)
        fractions = [i.progress for i in running if i.progress is not None]
        if fractions:
            line += f" · {round(100 * sum(fractions) / len(fractions))} %"
        faces = [i.face for i in running if i.face is not None]
        if len(running) == 1 and faces:
            line += f" · face {faces[0][0]} of {faces[0][1]}"
        eta = self.queue.eta() if running or any(i.status == "queued" for i in items) else None
        line += _(" · about {eta} left").format(eta=duration(eta)) if eta is not None else ""
        return line

    def draw(self, *, now: bool = False) -> None:
        """Redraw (at most 5 times a second unless `now`)."""
        if not self.live or (not now and time.monotonic() - self._drawn_at < 0.2):
            return
        self._drawn_at = time.monotonic()
        width = max(20, shutil.get_terminal_size().columns - 1)
        self.stream.write("\r\033[K" + self.text()[:width])
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the line (before a result line is printed, and at the end)."""
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False


def _drop_stdout() -> None:
    """After a BrokenPipeError: point stdout at /dev/null, so what is still buffered for the closed pipe is
    dropped silently at exit instead of a second error (the Python docs' advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor behind stdout: nothing is buffered for it
        pass


def _say_crops(paths: list[Path], params: EditParams, size: str) -> None:
    """Before anything is sent: for each photo the request crops (a fixed aspect, a photo longer than 4:1),
    what the model will not see (core.preflight.crop_problem)."""
    from portrait_studio.core.images import photo_size
    from portrait_studio.core.preflight import crop_problem

    for path in paths:
        dims = photo_size(path)
        problem = crop_problem(*dims, params, size) if dims else None
        if problem is not None:
            print(
                _("note: {message}").format(message=f"{path}: {problem.message} {problem.fix}"),
                file=sys.stderr,
            )


def _run_queue(args: argparse.Namespace, params: EditParams, preset: str | None, size: str) -> int:
    from portrait_studio.api.batch import FINAL, BatchQueue
    from portrait_studio.core.journal import Journal

    session, settings = open_session(args)
    if session.kind == "local":
        from portrait_studio.core.params import check_local

        try:
            check_local(params)  # a prompt needs the cloud: say so with the engine's own fix, before any work
        except PortraitStudioError:
            session.close()
            raise
    printed: set[int] = set()
    lock = threading.Lock()
    # Set by a worker thread whose result line met a closed stdout (a worker killed by the BrokenPipeError
    # left the queue waiting for ever); the main thread then says so and ends the run.
    reader_gone = threading.Event()

    def on_change(item: Any) -> None:
        with lock:
            if item.status in FINAL and item.id not in printed:
                printed.add(item.id)
                status.clear()
                if reader_gone.is_set():
                    return
                try:
                    print(_line(item, args.json), flush=True)
                except BrokenPipeError:
                    _drop_stdout()
                    reader_gone.set()
                status.draw(now=True)
            elif item.status not in FINAL:
                status.draw()
        if reader_gone.is_set():
            # At once, on this worker thread (outside the lock: the cancelled items come back here): it would
            # otherwise take, and pay for, the next photo before the main thread has noticed.
            queue.cancel_all()

    with session, Journal() as journal:
        queue = BatchQueue.for_session(
            session, params, journal=journal, concurrency=args.jobs, settings=settings,
            out_dir=args.out_dir or settings.output_folder(),  # Settings' folder, as the window saves
            max_cost=args.max_cost, budget_cap=settings.budget_cap, force=args.force, preset=preset,
            size=size, name_template=args.name, faces=args.faces,
        )  # fmt: skip
        status = _StatusLine(queue)
        queue.subscribe(on_change)
        items = queue.add(args.inputs, recursive=args.recursive)
        if not items:
            print(
                _("error: no photos found in the given folders — give JPEG/PNG/HEIC/TIFF files"),
                file=sys.stderr,
            )
            return 2
        _say_crops([item.path for item in items], params, size)
        queue.start()
        try:
            while not queue.wait(0.5) and not reader_gone.is_set():
                pass
            stopped = _("stopped: stdout was closed") if reader_gone.is_set() else None
        except KeyboardInterrupt:
            stopped = "cancelled"
        if stopped:
            with lock:
                status.clear()
            print(
                _("{stopped}; paid tasks still running are finished by `portrait-studio resume`").format(
                    stopped=stopped
                ),
                file=sys.stderr,
            )
            queue.cancel_all()
            queue.wait(30)
        if queue.paused_reason:
            with lock:
                status.clear()
            print(_("paused: {reason}").format(reason=queue.paused_reason), file=sys.stderr)
        queue.close()  # whatever a budget pause left queued is reported as cancelled
        for item in queue.items():
            on_change(item)
        with lock:
            status.clear()
        if reader_gone.is_set():
            return EXIT_READER_GONE
        return 0 if all(i.status == "done" for i in queue.items()) else 1


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every photo was retouched, 1 when some failed, 2 on bad usage or settings, 141 when stdout
    was closed."""
    if args.jobs is not None and args.jobs < 1:
        print(_("error: --jobs must be 1 or more"), file=sys.stderr)
        return 2
    from portrait_studio.core.group import FacesChoiceError, parse_choice

    try:
        args.faces = parse_choice(args.faces)
    except FacesChoiceError as err:
        print(_("error: {message}").format(message=err), file=sys.stderr)
        return 2
    try:
        params, preset, size = build_params(args)
        if args.name:
            from portrait_studio.api.output import render_name

            render_name(args.name, Path("photo.jpg"), preset)  # a bad template: before a backend starts
        return _run_queue(args, params, preset, size)
    except PortraitStudioError as err:  # bad parameters, unknown preset, no API key, bad base URL…
        if args.json:
            print(json.dumps({"status": "failed", "error": err.to_dict()}, ensure_ascii=False))
        print(_("error: {message}").format(message=err), file=sys.stderr)
        return 2


__all__ = ["add_parser", "build_params", "open_session", "run"]
