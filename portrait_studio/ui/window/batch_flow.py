"""Batch from the filmstrip: the selected photos through api.batch.BatchQueue, each thumbnail following it.

    flow = BatchFlow(session, journal, backend, settings, show_result, parent)
    plan = flow.plan(indexes, choice, out_dir)     # what would be sent, what is left out and why, the cost
    flow.start(plan)                               # queued; each photo's badge follows its queue item

The one queue is api.batch's (`flow.queue`, also shown in the Batch dock's list). Each photo is sent with the
settings chosen for it when it was queued (its own, the current photo's, or a preset's) into the chosen output
folder; a photo's queue item drives its state in the Session (queued → running with progress → its result
in the output folder, or its error), which the filmstrip, the run panel and the compare view follow. Queue
callbacks come from worker threads: only the item id crosses to the GUI thread (the Bridge), and the newest
snapshot is read there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from portrait_studio.api.batch import BatchItem, BatchQueue, summary
from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import _, ngettext
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui import text
from portrait_studio.ui.jobs.run_job import RunOutcome
from portrait_studio.ui.model.session import BLOCKED, NEEDS_FIX, Photo, Session
from portrait_studio.ui.threads.bridge import Bridge
from portrait_studio.ui.window.docks import batch_queue

OUTPUT_SUB_FOLDER = "retouched"  # the default output folder when Settings has none: beside the photos


@dataclass(frozen=True)
class Choice:
    """Which settings the photos are sent with: each photo's own, or one set for all (current or a preset)."""

    label: str
    params: EditParams | None = None  # None: each photo's own
    preset: str | None = None  # the preset's name (recorded in the journal and the sidecar)

    def params_for(self, photo: Photo) -> EditParams:
        """The parameters `photo` is sent with."""
        return self.params if self.params is not None else photo.params


@dataclass(frozen=True)
class Estimate:
    """What the batch is expected to cost."""

    total: Decimal | None  # None: not known before the first price is asked (cloud, no earlier task)
    per_photo: Decimal | None
    free: bool  # the local engine
    budget_left: Decimal | None  # today's cap minus what is committed today (None: no cap)

    def describe(self, count: int) -> str:
        """The dialog's estimate line."""
        if self.free:
            return _("Estimate: free — the local engine retouches on this computer; nothing is paid.")
        if self.total is not None and self.per_photo is not None:
            line = _(
                "Estimate: about {total} ({count} × {price}, the price the cloud quoted last); each photo's "
                "price is asked before it is sent."
            ).format(total=text.money(self.total), count=count, price=text.money(self.per_photo))
        else:
            line = _("Estimate: not known yet; each photo's price is asked before it is sent.")
        if self.budget_left is not None:
            line += _(" Today's budget has {left} left: the batch pauses at the cap.").format(
                left=text.money(max(self.budget_left, Decimal(0)))
            )
        return line


@dataclass(frozen=True)
class Plan:
    """What Start would do: the photos sent, those left out (index, why), with which settings, where."""

    send: tuple[int, ...]
    left_out: tuple[tuple[int, str], ...]
    choice: Choice
    out_dir: Path
    estimate: Estimate
    params: dict[int, EditParams] = field(default_factory=dict)


class BatchFlow(QObject):
    """Retouch selected… and the queue behind it; see the module docstring."""

    message = Signal(str, int)  # status bar text, milliseconds
    summary = Signal(str)  # "Batch: 12 photos: 3 done, 2 running · about 4 min left" ("" when none)
    paused = Signal(str)  # the daily budget cap paused the batch (the reason)
    settled = Signal()  # nothing running and nothing about to start (finished, or paused by the budget)

    def __init__(
        self,
        session: Session,
        journal: Journal,
        backend: Callable[[], Any],
        settings: Callable[[], Settings],
        show_result: Callable[[int], None],
        parent: QObject | None = None,
        *,
        show_params: Callable[[EditParams], None] | None = None,
        **queue_options: Any,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._show_params = show_params  # the sliders, for the photo shown (without a new preview)
        self.journal = journal
        self._backend = backend  # the Run worker's backend session (thread-safe; opened on first use)
        self._settings = settings
        self._show_result = show_result
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[EditParams, Path, str | None]] = {}  # abspath sent → its request
        self._keys: dict[int, Path] = {}  # queue item id → the photo's path (Session.index_of)
        self._applied: dict[int, BatchItem] = {}  # the snapshot each photo shows (a done one counts once)
        self._was_idle = True
        self._was_paused: str | None = None
        self._closed = False
        # The window's one batch queue (docks.batch_queue: the pipeline per photo), each with its request.
        self.queue: BatchQueue = batch_queue(
            journal, lambda p: self._job(p)[0], backend, settings,
            out_dir_for=lambda p: self._job(p)[1], preset_for=lambda p: self._job(p)[2], **queue_options,
        )  # fmt: skip
        bridge = Bridge(self._on_item_id, self)
        self._unsubscribe = self.queue.subscribe(lambda item: bridge.call(item.id))

    # ------------------------------------------------------------------ what Start would do
    def plan(self, indexes: Sequence[int], choice: Choice, out_dir: Path) -> Plan:
        """The photos of `indexes` that can be sent with `choice`, those left out and why, the estimate."""
        local = self._settings().backend == "local"
        send: list[int] = []
        left: list[tuple[int, str]] = []
        params: dict[int, EditParams] = {}
        for i in dict.fromkeys(indexes):
            photo = self.session.photos[i]
            why = _why_not(photo, choice.params_for(photo), local)
            if why:
                left.append((i, why))
            else:
                send.append(i)
                params[i] = choice.params_for(photo)
        return Plan(tuple(send), tuple(left), choice, out_dir, self.estimate(len(send)), params)

    def estimate(self, count: int) -> Estimate:
        """The cost of `count` photos: free locally; in the cloud, the last price it quoted times `count`."""
        settings = self._settings()
        if settings.backend == "local":
            return Estimate(Decimal(0), Decimal(0), True, None)
        price = None
        for row in self.journal.rows(limit=200):  # the newest first: the price the cloud quoted last
            if row.backend == "cloud" and (row.estimate or row.cost) is not None:
                price = row.estimate if row.estimate is not None else row.cost
                break
        cap = settings.budget_cap
        left = Decimal(str(cap)) - self.journal.committed_today() if cap is not None else None
        total = price * count if price is not None else None
        return Estimate(total, price, False, left)

    def default_out_dir(self, indexes: Sequence[int]) -> Path:
        """Settings' output folder, else a "retouched" folder beside the first photo."""
        chosen = self._settings().output_folder()
        if chosen is not None:
            return chosen
        first = self.session.photos[indexes[0]].path if indexes else Path.home() / "Pictures"
        return first.parent / OUTPUT_SUB_FOLDER

    # ------------------------------------------------------------------ start
    def retouch(
        self, indexes: Sequence[int], choice: Choice | None = None, out_dir: Path | None = None
    ) -> list[BatchItem]:
        """Start without the dialog: each photo's own settings and the default folder unless given."""
        folder = out_dir if out_dir is not None else self.default_out_dir(indexes)
        return self.start(self.plan(indexes, choice or Choice(_("Each photo's own settings")), folder))

    def start(self, plan: Plan) -> list[BatchItem]:
        """Queue the plan's photos (the output folder is checked first: a result that cannot be written is
        never paid for); raises PortraitStudioError when it cannot start."""
        from portrait_studio.api import output

        if not plan.send:
            raise PortraitStudioError(_("None of these photos can be sent."), _("See why each is left out."))
        out_dir = output.ready_folder(plan.out_dir.expanduser())
        added: list[BatchItem] = []
        for i in plan.send:
            photo = self.session.photos[i]
            params = plan.params.get(i) or plan.choice.params_for(photo)
            with self._lock:
                self._jobs[os.path.abspath(photo.send_path)] = (params, out_dir, plan.choice.preset)
            items = self.queue.add([photo.send_path])  # (one at a time: each item is this photo's)
            for item in items:
                self._keys[item.id] = photo.path
                added.append(item)
            if items:
                self.session.set_queued(i, params, _("Waiting in the batch…"))
                if i == self.session.current_index and self._show_params is not None:
                    self._show_params(params)  # the sliders show what the photo is sent with
        self.queue.start()
        n = len(added)
        self.message.emit(
            ngettext("Retouching {n} photo into {folder}.", "Retouching {n} photos into {folder}.", n).format(
                n=n, folder=out_dir
            ),
            8000,
        )
        self._update_summary()
        return added

    def _job(self, path: Path) -> tuple[EditParams, Path, str | None]:
        """The request recorded for `path` when it was queued (read on a batch thread)."""
        with self._lock:
            return self._jobs[os.path.abspath(path)]

    # ------------------------------------------------------------------ control
    def cancel(self, indexes: Sequence[int]) -> int:
        """Leave these photos out of the batch (a running one stops being waited for; a paid task stays
        resumable in the journal); returns how many were in it."""
        paths = {self.session.photos[i].path for i in indexes}
        waiting = [k for k, key in list(self._keys.items()) if key in paths and self._waiting(k)]
        for item_id in waiting:
            self.queue.skip(item_id)
        return len(waiting)

    def _waiting(self, item_id: int) -> bool:
        return self.queue.get(item_id).status in ("queued", "running")

    def cancel_current(self) -> bool:
        """Esc / Cancel on a photo of the batch: leave it out; False when the photo shown is not in it."""
        photo = self.session.current
        if photo is None or not self.cancel([self.session.current_index]):
            return False
        self.message.emit(_("{name} was left out of the batch.").format(name=photo.path.name), 6000)
        return True

    def busy(self) -> bool:
        """True while a photo of the batch is queued or running."""
        return not self.queue.idle() or any(i.status == "queued" for i in self.queue.items())

    def close(self) -> None:
        """Cancel what is left and join the batch threads (before the backend closes)."""
        self._closed = True  # (reports still queued for the GUI thread change nothing any more)
        self._unsubscribe()
        self.queue.close()
        for item in self.queue.items():  # the photos as the batch leaves them (cancelled, or done meanwhile)
            self._apply(item)

    # ------------------------------------------------------------------ queue → session
    def _on_item_id(self, item_id: int) -> None:
        if not self._closed:
            self._apply(self.queue.get(item_id))
            self._update_summary()

    def _apply(self, item: BatchItem) -> None:
        item_id = item.id
        if self._applied.get(item_id) is item:
            return  # an older report of a change already shown (snapshots are replaced, never changed)
        self._applied[item_id] = item
        key = self._keys.get(item_id)
        i = self.session.index_of(key) if key is not None else -1
        if i >= 0:
            with self._lock:
                params = self._jobs.get(os.path.abspath(item.path), (None,))[0]
            own = params or self.session.photos[i].params
            apply_item(self.session, i, item, own, self._show_result, self._show_params)

    def _update_summary(self) -> None:
        items = self.queue.items()
        busy = any(i.status in ("queued", "running") for i in items)
        reason = self.queue.paused_reason
        line = (
            _("Batch: {summary}").format(
                summary=summary(items, self.queue.eta() if busy and not reason else None)
            )
            if items
            else ""
        )
        if reason:
            line = _(
                "Batch paused: {reason} Raise the daily budget cap in Settings, then Resume (Batch dock)."
            ).format(reason=reason)
        self.summary.emit(line)
        if reason and reason != self._was_paused:
            self.paused.emit(reason)  # at once (its Resume), not when the photos running have settled
        self._was_paused = reason
        idle = self.queue.idle()
        if idle and not self._was_idle:
            self.settled.emit()
        self._was_idle = idle


def apply_item(
    session: Session,
    i: int,
    item: BatchItem,
    params: EditParams,
    show_result: Callable[[int], None],
    show_params: Callable[[EditParams], None] | None = None,
) -> None:
    """Photo `i` follows its queue item (the batch's and the watch folder's); the photo shown's result is
    decoded (`show_result`) and its sliders show what it is sent with (`show_params`)."""
    if item.status in ("queued", "running", "done") and session.photos[i].params != params:
        # (the first report seen may be "running": its queued one can arrive after it, or not be looked at)
        session.set_params(i, params)
        if i == session.current_index and show_params is not None:
            show_params(params)
    if item.status == "queued":
        waiting = (
            _("Waiting (daily budget reached)") if item.error is not None else _("Waiting in the batch…")
        )
        session.set_queued(i, params, waiting)
    elif item.status == "running":
        stage = text.stage(item.stage) if item.stage else _("starting")
        share = f" · {round(item.progress * 100)} %" if item.progress is not None else ""
        session.set_batch_progress(i, item.progress, _("Batch: {summary}").format(summary=f"{stage}{share}"))
    elif item.status == "done" and item.result is not None:
        outcome = outcome_of(session.photos[i].path, item)
        session.set_batch_done(
            i, outcome, text.run_done(outcome) + "\n" + _("Saved as {path}").format(path=outcome.result_path)
        )
        if i == session.current_index:
            show_result(i)
    elif item.status == "failed":
        err = item.error
        message = err.message if err is not None else _("Failed.")
        session.set_batch_ended(i, message.removeprefix(f"{item.path}: "), getattr(err, "fix", None))
    else:  # cancelled or skipped: no result, and no error either
        session.set_batch_ended(i, None, None)


def outcome_of(key: Path, item: BatchItem) -> RunOutcome:
    """A finished queue item as the run panel and the compare view know a result."""
    r = item.result
    assert r is not None
    seconds = (item.finished or 0.0) - (item.started or 0.0) if item.finished and item.started else 0.0
    return RunOutcome(
        key=key,
        result_path=Path(r.output_path),
        task_id=r.task_id,
        cost=r.cost,
        engine=r.engine,
        notes=tuple(r.notes),
        seconds=seconds,
        estimate=r.estimate,
    )


def _why_not(photo: Photo, params: EditParams, local: bool) -> str:
    """Why `photo` cannot be sent now ("" when it can)."""
    if photo.running or photo.queued:
        return _("already being retouched")
    if photo.load_failed:
        return photo.error or _("could not be read")
    if photo.status in (BLOCKED, NEEDS_FIX) and photo.report is not None:
        first = next((p for p in photo.report.problems if p.blocks), None)
        return first.message if first is not None else _("the model would refuse it")
    if local:
        from portrait_studio.core.params import check_local

        try:
            check_local(params)
        except PortraitStudioError:
            return _("its settings use a prompt, which needs the cloud")
    return ""


__all__ = ["OUTPUT_SUB_FOLDER", "BatchFlow", "Choice", "Estimate", "Plan", "apply_item", "outcome_of"]
