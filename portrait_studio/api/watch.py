"""The watch folder (Qt-free): each photo that arrives in a folder is retouched once, in arrival order.

    watcher = FolderWatcher.for_session(session, params, in_dir, out_dir, journal=journal,
                                        cap_source=lambda: load_settings().budget_cap)
    unsubscribe = watcher.subscribe(lambda event: ...)   # WatchEvent, called from the watcher's threads
    watcher.start(); ...; watcher.stop(grace=10)

A file is taken once it has finished arriving (`Arrivals`): closed after its last write (inotify's
close-write, reported by watchdog on Linux) and unchanged for `quiet` seconds, or, where no close is
reported (other platforms, files found by a scan), unchanged in size and mtime for `settle` seconds. A file
still open for writing is never read (a close is waited for, up to `stall` seconds without any change: a
writer that died).
Which files count is api.batch.folder_photos' rule, the one the window and `retouch` use: no partial or
temporary names (`.part`, `.tmp`, `~`, `.crdownload` are not photo suffixes), no hidden files, none of the
app's own results.

Done once, across restarts: a photo is skipped when the journal has a completed row of the same original
(sha256) and request whose result (or a copy of it, by the sidecar's task id) is in OUT_DIR. Everything else
goes through run_edit, whose journal dedupe finishes a paid task instead of paying again.

Events are a safety net's trigger only: a full rescan every `rescan` seconds catches what inotify dropped
(its queue overflows past fs.inotify.max_queued_events on a huge burst, and a folder re-mounted loses its
watch), so no photo is lost when an event is.

The daily cap (Settings.budget_cap) pauses the queue (api.batch); every `budget_check` seconds the cap is read
again (`cap_source`) and the watcher resumes once today's spending plus the waiting photo's estimate fits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue as queues
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler

from portrait_studio.api import output
from portrait_studio.api.batch import FINAL, BatchItem, BatchQueue, folder_photos
from portrait_studio.api.pipeline import Backend, BudgetError
from portrait_studio.core.errors import ConfigError
from portrait_studio.core.i18n import _
from portrait_studio.core.images import photo_size
from portrait_studio.core.journal import Journal
from portrait_studio.core.journal_rows import dedupe_key
from portrait_studio.core.params import EditParams

log = logging.getLogger(__name__)

SETTLE = 1.0  # seconds unchanged before a file no close was seen for is taken
QUIET = 0.2  # seconds unchanged after its close before a file is taken (a writer that reopens at once)
STALL = 30.0  # seconds unchanged while open for writing: the writer died or its close event was lost
RESCAN = 10.0  # seconds between full scans (the safety net for lost events)
BUDGET_CHECK = 60.0  # seconds between looks at the daily cap while paused
TICK = 0.1  # seconds between looks at the files still arriving

Signature = tuple[int, int]  # (size, mtime_ns)
WatchEventKind = Literal["item", "already_done", "paused", "resumed", "error"]


@dataclass(frozen=True)
class WatchEvent:
    """A queue item changed, a photo was found done already, a budget pause or resume, or an error."""

    kind: WatchEventKind
    path: Path | None = None
    item: BatchItem | None = None
    output: Path | None = None
    message: str = ""


def signature(path: Path) -> Signature | None:
    """(size, mtime in ns), or None when the file is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


@dataclass
class _Arriving:
    order: int
    sig: Signature | None = None
    changed: float = 0.0  # monotonic time its signature was last seen to change (or a write was reported)
    writing: bool = False  # a write was reported and no close after it
    closed: bool = False  # closed (or moved in whole) after its last write


class Arrivals:
    """Files still arriving, and which have finished (see the module docstring). One thread only."""

    def __init__(
        self, *, settle: float = SETTLE, quiet: float = QUIET, stall: float = STALL, closes: bool = True
    ) -> None:
        self.settle, self.quiet, self.stall = settle, quiet, stall
        self.closes = closes  # whether close-write is reported (inotify); else only stability counts
        self._files: dict[Path, _Arriving] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: Path) -> bool:
        return path in self._files

    def _entry(self, path: Path, now: float) -> _Arriving:
        if path not in self._files:
            self._files[path] = _Arriving(self._next, changed=now)
            self._next += 1
        return self._files[path]

    def seen(self, path: Path, now: float) -> None:
        """Found by a scan (or its attributes changed): taken once stable."""
        self._entry(path, now)

    def written(self, path: Path, now: float) -> None:
        """Created or written to: open for writing until its close is reported."""
        entry = self._entry(path, now)
        entry.changed, entry.closed = now, False
        entry.writing = self.closes

    def closed(self, path: Path, now: float) -> None:
        """Closed after writing, or renamed into place whole."""
        entry = self._entry(path, now)
        entry.changed, entry.closed, entry.writing = now, True, False

    def forget(self, path: Path) -> None:
        """Deleted or moved away."""
        self._files.pop(path, None)

    def ready(self, now: float) -> list[Path]:
        """The files that have finished arriving, in arrival order (no longer tracked)."""
        done = []
        for path, entry in sorted(self._files.items(), key=lambda kv: kv[1].order):
            sig = signature(path)
            if sig is None:
                self.forget(path)
                continue
            if sig != entry.sig:
                entry.sig, entry.changed = sig, now
                continue
            age = now - entry.changed
            finished = not entry.writing and (age >= self.settle or (entry.closed and age >= self.quiet))
            if finished or age >= self.stall:
                done.append(path)
        for path in done:
            self.forget(path)
        return done


def _reports_closes(observer: Any) -> bool:
    try:
        from watchdog.observers.inotify import InotifyObserver
    except Exception:  # not Linux: no close-write events, stability alone decides
        return False
    return isinstance(observer, InotifyObserver)


class FolderWatcher:
    """Watch `in_dir`, retouch what arrives into `out_dir` through a BatchQueue (see the module docstring)."""

    def __init__(
        self,
        queue: BatchQueue,
        backend: Backend,
        params: EditParams,
        in_dir: Path | str,
        out_dir: Path | str,
        *,
        journal: Journal,
        cap_source: Callable[[], Decimal | None] | None = None,
        settle: float = SETTLE,
        rescan: float = RESCAN,
        budget_check: float = BUDGET_CHECK,
        size: str = "original",
    ) -> None:
        self.queue, self.backend, self.params, self.journal = queue, backend, params, journal
        self.size = size  # run_edit's result size: part of the request the journal knows it by
        self.in_dir, self.out_dir = Path(in_dir).absolute(), Path(out_dir).absolute()
        self.cap_source = cap_source
        self.rescan, self.budget_check = rescan, budget_check
        self._settle = settle
        self._subscribers: list[Callable[[WatchEvent], None]] = []
        self._events: queues.SimpleQueue[tuple[str, Path, Path | None]] = queues.SimpleQueue()
        self._handled: dict[Path, Signature | None] = {}  # photo → the version queued or found done
        self._queued: dict[int, tuple[Path, Signature | None]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._paused = False  # by the daily cap
        self._pause_estimate: Decimal | None = None  # the estimate of the photo that met the cap
        self._arrivals = Arrivals(settle=settle)
        self._observer: Any = None
        self._thread: threading.Thread | None = None
        self._unsubscribe = queue.subscribe(self._on_item)

    @classmethod
    def for_session(
        cls,
        session: Any,
        params: EditParams,
        in_dir: Path | str,
        out_dir: Path | str,
        *,
        journal: Journal,
        cap_source: Callable[[], Decimal | None] | None = None,
        concurrency: int | None = None,
        settle: float = SETTLE,
        rescan: float = RESCAN,
        budget_check: float = BUDGET_CHECK,
        **edit_options: Any,
    ) -> FolderWatcher:
        """A watcher whose photos run `run_edit(session, path, params, out_dir=out_dir, **edit_options)`; a
        photo with several faces: one task per face (api.group.run_photo; `faces=` as in the batch)."""
        backend = Backend.of(session)
        cap = cap_source() if cap_source else None
        # A group photo arriving is retouched face by face (api.group), as `retouch` and the batch do.
        edit_options.setdefault("faces", "all")
        queue = BatchQueue.for_session(
            backend, params, journal=journal, concurrency=concurrency, out_dir=Path(out_dir),
            budget_cap=cap, **edit_options,
        )  # fmt: skip
        return cls(
            queue, backend, params, in_dir, out_dir, journal=journal, cap_source=cap_source,
            settle=settle, rescan=rescan, budget_check=budget_check,
            size=edit_options.get("size", "original"),
        )  # fmt: skip

    # ------------------------------------------------------------------ control
    def subscribe(self, callback: Callable[[WatchEvent], None]) -> Callable[[], None]:
        """Call `callback(event)` for each WatchEvent (on the watcher's or a worker thread); returns an
        unsubscriber."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def start(self) -> None:
        """Check the folders, start watching (events first, then the first scan: nothing falls between)."""
        if self._thread is not None:
            return
        if not self.in_dir.is_dir():
            raise ConfigError(
                _("The folder to watch, {folder}, does not exist or is not a folder.").format(
                    folder=self.in_dir
                ),
                _("Create it (or mount the card or share), or give another folder."),
            )
        output.ready_folder(self.out_dir)
        from watchdog.observers import Observer

        self._observer = Observer()
        self._observer.schedule(_Handler(self._events, self._wake), str(self.in_dir), recursive=False)
        self._observer.start()
        self._arrivals = Arrivals(settle=self._settle, closes=_reports_closes(self._observer))
        self.queue.start()
        self._thread = threading.Thread(target=self._loop, name="watch-folder", daemon=True)
        self._thread.start()

    def stop(self, grace: float = 0.0) -> None:
        """Stop watching. Running photos get `grace` seconds to finish; then their waits are cancelled (a paid
        task stays resumable in the journal: the next start or `resume` finishes it, never pays again).
        Photos not started are left for the next start. Idempotent."""
        self._stopping.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.queue.paused_reason = self.queue.paused_reason or "stopping"  # nothing new starts
        if grace > 0:
            self.queue.wait(grace)
        self.queue.close()
        self._unsubscribe()

    @property
    def watching(self) -> bool:
        """True between start() and stop()."""
        return self._thread is not None and not self._stopping.is_set()

    # ------------------------------------------------------------------ the loop
    def _emit(self, event: WatchEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a panel's bug must not stop the watcher
                log.exception("watch subscriber failed")

    def _loop(self) -> None:
        next_scan = next_budget = 0.0
        while not self._stopping.is_set():
            now = time.monotonic()
            self._take_events(now)
            if now >= next_scan:
                self._scan(now)
                next_scan = now + self.rescan
            ready = self._arrivals.ready(now)
            if ready:
                photos = set(folder_photos(self.in_dir))  # the one rule for which files are photos
                for path in ready:
                    if path in photos:
                        self._arrived(path)
            if self._paused and now >= next_budget:
                self._check_budget()
                next_budget = now + self.budget_check
            self._wake.wait(TICK)
            self._wake.clear()

    def _take_events(self, now: float) -> None:
        while True:
            try:
                kind, path, dest = self._events.get_nowait()
            except queues.Empty:
                return
            if kind == "written":
                self._arrivals.written(path, now)
            elif kind == "closed":
                self._arrivals.closed(path, now)
            elif kind == "seen":
                self._arrivals.seen(path, now)
            elif kind == "gone":
                self._arrivals.forget(path)
            elif kind == "moved":
                self._arrivals.forget(path)
                if dest is not None and dest.parent == self.in_dir:
                    self._arrivals.closed(dest, now)  # a rename is whole: `x.jpg.part` → `x.jpg`

    def _scan(self, now: float) -> None:
        try:
            photos = folder_photos(self.in_dir)
        except OSError as err:
            self._emit(
                WatchEvent(
                    "error",
                    self.in_dir,
                    message=_("The watched folder cannot be read ({error}).").format(error=err),
                )
            )
            return
        with self._lock:
            waiting = {p for p, _ in self._queued.values()}
        found = [(sig, p) for p in photos if (sig := signature(p)) is not None]
        for sig, path in sorted(found, key=lambda f: (f[0][1], f[1].name)):  # oldest first: arrival order
            if path not in self._arrivals and path not in waiting and self._handled.get(path) != sig:
                self._arrivals.seen(path, now)

    def _arrived(self, path: Path) -> None:
        sig = signature(path)
        if sig is None or self._handled.get(path) == sig:
            return
        self._handled[path] = sig
        if (earlier := self.done_before(path)) is not None:
            self._emit(WatchEvent("already_done", path, output=earlier, message=_("already done")))
            return
        with self._lock:
            for item in self.queue.add([path]):
                self._queued[item.id] = (path, sig)

    def done_before(self, path: Path) -> Path | None:
        """Its result in OUT_DIR when the journal has this photo (its sha256) done with the same request."""
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None  # run_edit says what is wrong with the file
        kind, url = self.backend.kind, self.backend.client.base_url
        # A full-size result takes the original's format; the model's own image (or a refused merge) is .jpg.
        suffixes = (
            {output.SUFFIX, output.result_suffix(_format_of(path))}
            if self.size == "original"
            else {output.SUFFIX}
        )
        planned = [output.planned_output(path, self.out_dir, suffix) for suffix in sorted(suffixes)]
        photo = photo_size(path)
        if photo is None:
            return None  # run_edit says what is wrong with the file
        params = self.params.for_photo(*photo)  # as run_edit pins it (a fixed size stays as it is)
        size = output.request_size(self.size, photo, params)  # as run_edit journals it
        for row in reversed(self.journal.versions(sha)):
            same = row.dedupe_key == dedupe_key(row.upload_sha256, params, kind, url, size)
            if not (same and row.task_id):
                continue
            for name in planned:
                if (found := output.saved_before(name, row.task_id)) is not None:
                    return found
        return None

    # ------------------------------------------------------------------ queue events
    def _on_item(self, item: BatchItem) -> None:
        err = item.error
        if item.status == "queued" and isinstance(err, BudgetError) and err.daily:
            with self._lock:
                first, self._paused, self._pause_estimate = not self._paused, True, err.estimate
            if first:
                self._emit(
                    WatchEvent("paused", item.path, item, message=self.queue.paused_reason or err.message)
                )
                self._wake.set()
            return
        self._emit(WatchEvent("item", item.path, item))
        if item.status in FINAL:
            with self._lock:
                path, sig = self._queued.pop(item.id, (item.path, None))
            if signature(path) != sig:  # it changed while it ran (re-exported): look at the new version
                self._events.put(("seen", path, None))
                self._wake.set()

    def _check_budget(self) -> None:
        cap = self.cap_source() if self.cap_source else self.queue.budget_cap
        self.queue.budget_cap = cap
        estimate = self._pause_estimate
        fits = cap is None or estimate is None or self.journal.committed_today() + estimate <= cap
        if fits and not self._stopping.is_set():
            with self._lock:
                self._paused = False
            self.queue.resume()
            self._emit(WatchEvent("resumed", message=_("The daily budget allows more: watching goes on.")))


class _Handler(FileSystemEventHandler):
    """watchdog's events → (kind, path, dest) for the loop; runs on watchdog's thread."""

    def __init__(self, events: queues.SimpleQueue[tuple[str, Path, Path | None]], wake: threading.Event):
        super().__init__()
        self.events, self.wake = events, wake

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        kind = {
            "created": "written",
            "modified": "written",
            "closed": "closed",
            "attrib": "seen",
            "deleted": "gone",
            "moved": "moved",
        }.get(event.event_type)
        if kind is None:  # opened, closed_no_write: reads (ours too) change nothing
            return
        dest = getattr(event, "dest_path", "") or None
        self.events.put((kind, Path(os.fsdecode(event.src_path)), Path(os.fsdecode(dest)) if dest else None))
        if kind in ("closed", "moved"):
            self.wake.set()


__all__ = ["Arrivals", "FolderWatcher", "WatchEvent", "signature"]


def _format_of(path: Path) -> str | None:
    """The photo's format from its header (PIL's name: "JPEG", "PNG", "TIFF"…), None when unreadable."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.format
    except Exception:
        return None
