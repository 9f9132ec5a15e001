"""The batch queue (Qt-free): many photos through the one pipeline, with a concurrency limit.

    queue = BatchQueue.for_session(session, params, journal=journal, out_dir=out)   # or BatchQueue(run_one)
    unsubscribe = queue.subscribe(lambda item: ...)  # called from worker threads after each item change
    queue.add(["a.jpg", "shoot/"], recursive=True)   # files and folders, also while it runs
    queue.start(); queue.wait()             # or poll queue.items() / queue.eta()
    queue.retry(item_id); queue.skip(item_id); queue.cancel_all()
    queue.budget_cap = Decimal("5"); queue.resume()       # after a budget pause
    queue.close()

Item states: queued → running → done | failed | cancelled, plus skipped (by the user). A failed item does not
stop the others; `retry` puts it back in the queue (a cancelled item whose task was already paid for finishes
that task instead of paying again: run_edit finds it in the journal). When an item hits the daily budget cap
(BudgetError with `daily`), the queue pauses: running items finish, nothing new starts until `resume()`.
Concurrency (photos in flight) defaults to `default_concurrency(kind)`: 2 for the cloud, three times the
engine's worker processes for the local backend.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from portrait_studio.api import output
from portrait_studio.api._progress import Pace
from portrait_studio.api.pipeline import Backend, BudgetError, EditResult, Progress, run_edit
from portrait_studio.core.errors import CancelledError, PortraitStudioError
from portrait_studio.core.i18n import N_plural, _, ngettext
from portrait_studio.core.images import IMAGE_SUFFIXES
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams

ItemStatus = Literal["queued", "running", "done", "failed", "skipped", "cancelled"]
FINAL: frozenset[str] = frozenset({"done", "failed", "skipped", "cancelled"})
RunOne = Callable[[Path, Callable[[Progress], None], threading.Event], EditResult]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchItem:
    """A snapshot of one photo in the queue."""

    id: int
    path: Path
    status: ItemStatus = "queued"
    progress: float | None = None
    eta: float | None = None
    stage: str = ""
    result: EditResult | None = None
    error: PortraitStudioError | None = None
    attempts: int = 0
    started: float | None = None
    finished: float | None = None
    face: tuple[int, int] | None = None  # a group photo: the face task running, (k, of n)

    def to_json(self) -> dict[str, Any]:
        """The CLI's one-line shape: input, output, status, task_id, cost, reused, error, notes."""
        r, e = self.result, self.error
        return {
            "input": str(self.path),
            "output": str(r.output_path) if r else None,
            "status": "completed" if self.status == "done" else self.status,
            "task_id": r.task_id if r else getattr(e, "task_id", None),
            "cost": str(r.cost) if r and r.cost is not None else None,
            "reused": bool(r and r.reused),
            "error": {"code": e.code, "message": e.message, "fix": e.fix} if e else None,
            "notes": list(r.notes) if r else [],
            **({"faces": list(r.faces)} if r and r.faces else {}),
            **(
                {"faces": list(getattr(e, "faces", None) or [])}
                if not r and getattr(e, "faces", None)
                else {}
            ),
        }


def expand(paths: Iterable[Path | str], *, recursive: bool = False) -> list[Path]:
    """Files as given; folders → `folder_photos(folder, recursive=)`."""
    return [path for path, _sub in expand_tree(paths, recursive=recursive)]


def expand_tree(paths: Iterable[Path | str], *, recursive: bool = False) -> list[tuple[Path, Path]]:
    """`expand`, each photo with its sub-folder under the folder it was found in (`Path()` for a file given
    on its own or at a folder's top): where its result goes under the output folder, mirroring the tree."""
    found: list[tuple[Path, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += [(p, p.parent.relative_to(path)) for p in folder_photos(path, recursive=recursive)]
        else:
            found.append((path, Path()))
    return found


def folder_photos(folder: Path, *, recursive: bool = False) -> list[Path]:
    """The photos to retouch in a folder (sorted; sub-folders too when recursive): the one rule for a folder
    dropped on the window, added to a batch or given to `retouch`.

    The app's own results are left out (`x.retouched.jpg` from an edit, `x-retouched.jpg` from Save), or a
    batch over a folder it already did would pay for its results again; so are hidden files and folders
    (macOS `._x.jpg` resource forks, `.thumbnails`), which are not photos, and files of other formats.
    """
    found = folder.glob("**/*" if recursive else "*")
    return sorted(p for p in found if _is_photo_to_do(p, folder))


def _is_photo_to_do(path: Path, folder: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
    result = output.is_result_name(path)
    return not hidden and not result and path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


def duration(seconds: float | None) -> str:
    """ "—", "12 s", "3 min", "1 h 05 min"."""
    if seconds is None:
        return "—"
    s = max(0, round(seconds))
    if s < 60:
        return _("{s} s").format(s=s)
    if s < 3600:
        return _("{m} min").format(m=round(s / 60))
    return _("{h} h {m:02d} min").format(h=s // 3600, m=s % 3600 // 60)


# The states of a batch's photos in the summary line, in its order ("2 done, 1 running").
_COUNTED = {
    "done": N_plural("{n} done", "{n} done"),
    "running": N_plural("{n} running", "{n} running"),
    "queued": N_plural("{n} queued", "{n} queued"),
    "failed": N_plural("{n} failed", "{n} failed"),
    "skipped": N_plural("{n} skipped", "{n} skipped"),
    "cancelled": N_plural("{n} cancelled", "{n} cancelled"),
}


def summary(items: list[BatchItem], eta: float | None) -> str:
    """ "12 photos: 3 done, 2 running, 7 queued · about 4 min left": the batch panel's and the CLI's line."""
    counts = status_counts(items)
    parts = [
        ngettext(*words, counts[s]).format(n=counts[s]) for s, words in _COUNTED.items() if counts.get(s)
    ]
    total = len(items)
    text = ngettext("{n} photo", "{n} photos", total).format(n=total)
    if parts:
        text = _("{photos}: {states}").format(photos=text, states=_(", ").join(parts))
    return text + (_(" · about {eta} left").format(eta=duration(eta)) if eta is not None else "")


def status_counts(items: Iterable[BatchItem]) -> dict[str, int]:
    """How many items are in each state (a state no item is in is left out)."""
    return dict(Counter(i.status for i in items))


def default_concurrency(kind: str) -> int:
    """Photos in flight by default: 2 for the cloud (its rate limit bites); local: 3 × the default number of
    engine workers (gateway.processes.default_workers, what the app's own gateway starts).

    Local: the gateway runs one task per core (gateway/processes.py) and queues the rest, so the photos in
    flight beyond the cores are its queue. A photo also spends time being loaded, sent, noticed as done (a
    batch's first look waits for 0.9 × the typical task time: api._progress), downloaded and saved, and
    while too few wait in the queue a core sits idle. The engine's share of a 50-photo batch (bench/batch.py,
    2 cores): one photo per core ~60 %, two 87–91 %, three 93–95 %.
    """
    if kind == "cloud":
        return 2
    from portrait_studio.gateway.processes import default_workers

    return 3 * default_workers()


class BatchQueue:
    """A thread pool over a list of photos; see the module docstring."""

    def __init__(self, run_one: RunOne, *, concurrency: int = 2) -> None:
        self._run_one = run_one
        self.concurrency = max(1, int(concurrency))
        self._subscribers: list[Callable[[BatchItem], None]] = []
        # The older single callback; kept until cli/retouch.py and tests/api use subscribe() (then removed).
        self.paused_reason: str | None = None
        self.budget_cap: Decimal | None = None  # USD per day, used by for_session's runner
        self.pace = Pace()  # how long its photos' tasks take, shared by its runners (run_edit's `pace`)
        self._items: dict[int, BatchItem] = {}
        self._pending: list[int] = []
        self._cancels: dict[int, threading.Event] = {}
        self._skipping: set[int] = set()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._next_id = 1
        # A photo's sub-folder under the folder it was added with (expand_tree): for_session mirrors the
        # input tree under its out_dir.
        self.subfolders: dict[str, Path] = {}

    @classmethod
    def for_session(
        cls,
        session: Any,
        params: EditParams,
        *,
        journal: Journal,
        concurrency: int | None = None,
        **edit_options: Any,
    ) -> BatchQueue:
        """A queue that runs `run_edit(session, path, params, journal=journal, **edit_options)` per photo.

        With `out_dir`, a photo found in a sub-folder of a folder added recursively goes to the same
        sub-folder under `out_dir` (the input tree is mirrored). `name_template` (`output.render_name`:
        {name}, {preset}, {date}) names each result. `faces=` (all | largest | numbers): a photo with
        several faces is one item, each chosen face its own task (api.group.run_photo); its progress says
        which face runs (`BatchItem.face`).
        """
        backend = Backend.of(session)
        default = default_concurrency(backend.kind)
        cap = edit_options.pop("budget_cap", None)
        out_dir = edit_options.pop("out_dir", None)
        template = edit_options.pop("name_template", None)
        if template:
            output.render_name(template, Path("check.jpg"), edit_options.get("preset"))  # a bad one: now
        if "faces" in edit_options:
            from portrait_studio.api.group import run_photo

            run: Callable[..., EditResult] = run_photo
        else:
            run = run_edit

        def run_one(path: Path, progress: Callable[[Progress], None], cancel: threading.Event) -> EditResult:
            sub = queue.subfolders.get(os.path.abspath(path), Path())
            stem = output.render_name(template, path, edit_options.get("preset")) if template else None
            return run(
                backend,
                path,
                params,
                journal=journal,
                on_progress=progress,
                cancel=cancel,
                budget_cap=queue.budget_cap,  # read per photo: raising the cap and resume() continues
                pace=queue.pace,
                out_dir=Path(out_dir) / sub if out_dir else None,
                stem=stem,
                **edit_options,
            )

        queue = cls(run_one, concurrency=concurrency or default)
        queue.budget_cap = cap
        return queue

    # ------------------------------------------------------------------ control
    def add(self, paths: Iterable[Path | str], *, recursive: bool = False) -> list[BatchItem]:
        """Queue files (and the images of folders); allowed while running.

        A photo already queued or running is not added again (a file dropped on its own and with its folder
        would be paid for twice: both copies would start before either had a result to reuse).
        """
        added = []
        with self._cond:
            waiting = {
                os.path.abspath(i.path) for i in self._items.values() if i.status in ("queued", "running")
            }
            for path, sub in expand_tree(paths, recursive=recursive):
                if os.path.abspath(path) in waiting:
                    continue
                waiting.add(os.path.abspath(path))
                self.subfolders[os.path.abspath(path)] = sub
                item = BatchItem(self._next_id, path)
                self._next_id += 1
                self._items[item.id] = item
                self._pending.append(item.id)
                added.append(item)
            self._cond.notify_all()
        for item in added:
            self._emit(item)
        return added

    def start(self) -> None:
        """Start the worker threads (idempotent)."""
        with self._cond:
            if self._threads:
                return
            self._spawn(self.concurrency)

    def set_concurrency(self, n: int) -> None:
        """Change the limit while running (local ↔ cloud); items already running finish as they are."""
        with self._cond:
            self.concurrency = max(1, int(n))
            if self._threads:
                self._spawn(self.concurrency)
            self._cond.notify_all()

    def _spawn(self, n: int) -> None:
        """Start workers up to `n` in all (called with the lock held); surplus workers idle in `_take`."""
        for index in range(len(self._threads), n):
            t = threading.Thread(target=self._worker, args=(index,), name=f"batch-{index + 1}", daemon=True)
            self._threads.append(t)
            t.start()

    def retry(self, item_id: int) -> BatchItem:
        """Put a failed, cancelled or skipped item back in the queue."""
        return self._requeue(item_id, ("failed", "cancelled", "skipped"))

    def skip(self, item_id: int) -> BatchItem:
        """Leave an item out: queued or failed ones at once, a running one by cancelling its wait."""
        with self._cond:
            item = self._items[item_id]
            if item.status == "running":
                self._skipping.add(item_id)
                self._cancels[item_id].set()
                return item
            if item.status in ("queued", "failed"):
                if item_id in self._pending:
                    self._pending.remove(item_id)
                item = self._set(item_id, status="skipped")
        self._emit(item)
        return item

    def cancel_all(self) -> None:
        """Drop everything queued and stop waiting for running tasks (paid ones stay resumable)."""
        with self._cond:
            dropped = [self._set(i, status="cancelled", finished=time.time()) for i in self._pending]
            self._pending.clear()
            for event in self._cancels.values():
                event.set()
            self._cond.notify_all()
        for item in dropped:
            self._emit(item)

    def resume(self) -> None:
        """Continue after a budget pause (e.g. once the cap was raised)."""
        with self._cond:
            self.paused_reason = None
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or running (True) or the timeout passes (False)."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self.idle():
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left if left is not None else 1.0)
        return True

    def close(self) -> None:
        """Cancel what is left and join the workers."""
        self.cancel_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout=30)

    def __enter__(self) -> BatchQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def items(self) -> list[BatchItem]:
        """Every item, in the order added."""
        with self._cond:
            return [self._items[k] for k in sorted(self._items)]

    def get(self, item_id: int) -> BatchItem:
        """One item by id."""
        with self._cond:
            return self._items[item_id]

    def counts(self) -> dict[str, int]:
        """How many items are in each state."""
        return status_counts(self.items())

    def spent(self) -> Decimal:
        """Money spent by this queue's finished items."""
        return sum((i.result.cost or Decimal(0) for i in self.items() if i.result), Decimal(0))

    def eta(self) -> float | None:
        """Seconds until the queue is empty, from the mean time of finished items; before the first one, from
        the running ones' time so far plus their own estimate of the rest (None while nothing can be said)."""
        items = self.items()
        running = [i for i in items if i.status == "running"]
        # A reused result takes no time: counted, it would make the photos still to run look instant.
        times = [
            i.finished - i.started
            for i in items
            if i.status == "done" and i.started and i.finished and not (i.result and i.result.reused)
        ]
        if not times:  # a cloud task takes 10–60 s: the first photo must not leave the estimate blank so long
            now = time.time()
            times = [now - i.started + i.eta for i in running if i.started and i.eta is not None]
        if not times:
            return None
        mean = sum(times) / len(times)
        queued = sum(1 for i in items if i.status == "queued")
        left = [i.eta if i.eta is not None else mean / 2 for i in running]
        # The work shared over the photos in flight, but never less than the longest running photo's own rest.
        return max([(queued * mean + sum(left)) / self.concurrency, *left])

    def idle(self) -> bool:
        """True when no photo is running and none will start: all done, or paused by the budget."""
        with self._cond:
            running = any(i.status == "running" for i in self._items.values())
            return not running and (not self._pending or self.paused_reason is not None)

    # ------------------------------------------------------------------ internals

    def _set(self, item_id: int, **changes: Any) -> BatchItem:
        item = replace(self._items[item_id], **changes)
        self._items[item_id] = item
        return item

    def subscribe(self, callback: Callable[[BatchItem], None]) -> Callable[[], None]:
        """Call `callback(item)` after each item change (on a worker thread); returns an unsubscriber.

        Like `Journal.subscribe` and `PresetStore.subscribe`."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def _emit(self, item: BatchItem) -> None:
        for callback in list(self._subscribers):
            callback(item)

    def _requeue(self, item_id: int, allowed: tuple[str, ...]) -> BatchItem:
        with self._cond:
            item = self._items[item_id]
            if item.status not in allowed:
                return item
            item = self._set(item_id, status="queued", error=None, progress=None, eta=None, finished=None)
            self._pending.append(item_id)
            self._cond.notify_all()
        self._emit(item)
        return item

    def _take(self, index: int) -> tuple[int, threading.Event] | None:
        with self._cond:
            # Worker `index` works only while it is within the current limit (set_concurrency may lower it).
            while not self._closed and (
                not self._pending or self.paused_reason is not None or index >= self.concurrency
            ):
                self._cond.wait()
            if self._closed:
                return None
            item_id = self._pending.pop(0)
            cancel = threading.Event()
            self._cancels[item_id] = cancel
            attempts = self._items[item_id].attempts + 1
            # error=None: a photo requeued by a budget pause starts clean (the pause is not its result)
            item = self._set(
                item_id, status="running", started=time.time(), attempts=attempts, stage="", error=None
            )
        self._emit(item)
        return item_id, cancel

    def _worker(self, index: int) -> None:
        while (taken := self._take(index)) is not None:
            item_id, cancel = taken
            self._run(item_id, cancel)

    def _run(self, item_id: int, cancel: threading.Event) -> None:
        def progress(p: Progress) -> None:
            with self._cond:
                item = self._set(item_id, progress=p.fraction, eta=p.eta, stage=p.stage, face=p.face)
            self._emit(item)

        path = self._items[item_id].path
        try:
            result = self._run_one(path, progress, cancel)
            final: dict[str, Any] = {"status": "done", "result": result, "progress": 1.0, "eta": 0.0}
        except CancelledError as err:
            final = self._stopped(item_id, err)
        except BudgetError as err:
            if cancel.is_set():  # cancelled (or skipped) while its price was checked: not put back in line
                final = self._stopped(item_id, CancelledError(_("Cancelled before anything was sent.")))
            else:
                final = self._on_budget(item_id, err)
        except PortraitStudioError as err:
            final = {"status": "failed", "error": err}
        except Exception:  # a bug must fail one item, not kill the worker and hang the queue
            log.exception("batch item %s (%r) failed", item_id, path)  # the details, for the report
            wrapped = PortraitStudioError(_("An unexpected problem stopped this photo."))
            final = {"status": "failed", "error": wrapped}
        with self._cond:
            self._cancels.pop(item_id, None)
            self._skipping.discard(item_id)
            finished = None if final["status"] == "queued" else time.time()
            item = self._set(item_id, finished=finished, **final)
            self._cond.notify_all()
        self._emit(item)

    def _stopped(self, item_id: int, err: CancelledError) -> dict[str, Any]:
        return {"status": "skipped" if item_id in self._skipping else "cancelled", "error": err}

    def _on_budget(self, item_id: int, err: BudgetError) -> dict[str, Any]:
        if not err.daily:
            return {"status": "failed", "error": err}
        with self._cond:  # pause and put the item back first in line: nothing was paid for it
            self.paused_reason = err.message
            self._pending.insert(0, item_id)
        return {"status": "queued", "error": err}


__all__ = [
    "FINAL",
    "IMAGE_SUFFIXES",
    "BatchItem",
    "BatchQueue",
    "ItemStatus",
    "duration",
    "expand",
    "folder_photos",
    "status_counts",
    "summary",
]
