"""Running an edit: checks before sending, the cost question, the run thread's answers, the result's image.

Works on the Session, the run thread and the io thread; the run panel and the compare view follow the
Session. Messages that belong to no photo state ("Not sent: …") leave as `problem`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.i18n import _
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui import text
from portrait_studio.ui.jobs.run_job import RunJob, RunOutcome
from portrait_studio.ui.model.session import AfterPane, Photo, Session
from portrait_studio.ui.threads.run_worker import RunThread
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.open_flow import message_of

#: confirm(estimate, limit) -> True to pay it
Confirm = Callable[[Decimal, Decimal], bool]


class RunController(QObject):
    """Run / Cancel for the current photo and what comes back, for any photo."""

    problem = Signal(str, object)  # (message, fix): shown in the run panel, not kept with a photo
    message = Signal(str, int)  # status bar text, milliseconds
    progress = Signal(float, float, str)  # of the current photo's run: fraction, ETA (-1 unknown), stage
    cancelling = Signal()
    run_progress = Signal(float)
    run_finished = Signal(object)  # RunOutcome, once the result is in the compare view
    run_failed = Signal(str)  # "message — fix"
    run_cancelled = Signal()
    ended = Signal()  # the run thread is idle again (held-back settings may apply now)

    def __init__(
        self,
        session: Session,
        runner: RunThread,
        io: BackgroundRunner,
        settings: Callable[[], Settings],
        params_for_run: Callable[[], EditParams],
        confirm: Confirm,
        parent: QObject | None = None,
        result_size: Callable[[Photo], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.io = io
        self._settings = settings
        self._params_for_run = params_for_run  # draws the seed a Run sends (the controls show it when locked)
        self._confirm = confirm
        self._result_size = result_size or (lambda _photo: "original")  # the Edit panel's Result size
        self._reloading: set[Path] = set()
        # A group photo sent face by face: (chosen face numbers, faces' own params), or None (faces_flow.py).
        self.group_for: Callable[[Photo], tuple[tuple[int, ...], dict[int, EditParams]] | None] = (
            lambda _photo: None
        )
        runner.progress.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)
        session.current_changed.connect(self.show_result)

    # ------------------------------------------------------------------ run
    def run_current(self) -> bool:
        """Ctrl+Enter: send the current photo with its parameters; False when it cannot start."""
        i, photo = self.session.current_index, self.session.current
        if photo is not None and photo.error and photo.report is None:
            self.problem.emit(_("Not sent: {error}").format(error=photo.error), photo.error_fix)
            return False
        if photo is None or (photo.display is None and photo.report is None):
            self.message.emit(_("Open a photo first (Ctrl+O or drop it on the window)."), 8000)
            return False
        if self.runner.busy:
            self.message.emit(_("An edit is already running; wait for it or cancel it (Esc)."), 8000)
            return False
        group = self.group_for(photo)
        faces, face_params = group if group is not None else (None, {})
        blocking = [p for p in photo.report.problems if p.blocks] if photo.report is not None else []
        if faces is not None:  # face by face: several faces are what it is for
            blocking = [p for p in blocking if p.code != "several_faces"]
        if blocking:
            self.problem.emit(_("Not sent: {error}").format(error=blocking[0].message), blocking[0].fix)
            return False
        settings = self._settings()
        if settings.backend == "local" and not self._local_can_run(photo.params):
            return False
        limit = (
            settings.confirm_cost_above if settings.backend == "cloud" else None
        )  # the pipeline stops there
        job = RunJob(
            key=photo.path, path=photo.send_path, params=self._params_for_run(), max_cost=limit, faces=faces,
            face_params=tuple(sorted(face_params.items())), size=self._result_size(photo),
        )  # fmt: skip
        self._send(i, job)
        return True

    def _local_can_run(self, params: EditParams) -> bool:
        """The local engine only retouches: a prompt (creative mode) is refused here, before any upload."""
        from portrait_studio.core.errors import PortraitStudioError
        from portrait_studio.core.params import check_local

        try:
            check_local(params)
        except PortraitStudioError as err:
            self.problem.emit(_("Not sent: {error}").format(error=err.message), err.fix)
            return False
        return True

    def _send(self, i: int, job: RunJob) -> None:
        self.session.set_running(i, job, _("Sending…"))
        self.runner.submit(job)

    def cancel(self) -> None:
        """Esc: stop waiting for the edit in hand."""
        if self.runner.busy:
            self.runner.cancel()
            self.cancelling.emit()

    def _photo(self, key: object) -> tuple[int, Photo | None]:
        i = self.session.index_of(key) if isinstance(key, Path) else -1
        return i, (self.session.photos[i] if i >= 0 else None)

    # ------------------------------------------------------------------ answers of the run thread
    def _on_progress(self, key: object, fraction: float, eta: float, stage: str) -> None:
        i, photo = self._photo(key)
        if photo is not None and i == self.session.current_index:
            self.progress.emit(fraction, eta, stage)
        self.run_progress.emit(fraction)

    def _on_finished(self, outcome: RunOutcome) -> None:
        i, photo = self._photo(outcome.key)
        self.ended.emit()
        if photo is None:
            return
        self.session.set_result(i, outcome, text.run_done(outcome))
        self._load_result(i, outcome.result_path, outcome)

    def _on_failed(self, key: object, err: object) -> None:
        i, photo = self._photo(key)
        if photo is not None and self._retry_if_confirmed(i, photo, err):
            return
        self.ended.emit()
        message, fix = message_of(err)
        if photo is not None:
            self.session.set_failed(i, message, fix)  # (the run panel shows it when the photo is current)
        self.run_failed.emit(text.error(message, fix))

    def _retry_if_confirmed(self, i: int, photo: Photo, err: object) -> bool:
        """A per-edit cost limit was hit: ask, and resend without the limit when the user agrees."""
        from portrait_studio.api.pipeline import BudgetError

        job = photo.job
        if not isinstance(err, BudgetError) or err.daily or job is None or job.max_cost is None:
            return False
        if err.estimate is None or not self._confirm(err.estimate, job.max_cost):
            return False
        self._send(i, dataclasses.replace(job, max_cost=None))
        return True

    def _on_cancelled(self, key: object) -> None:
        i, photo = self._photo(key)
        self.ended.emit()
        if photo is not None:
            self.session.set_stopped(i)
        self.run_cancelled.emit()

    # ------------------------------------------------------------------ the result's screen copy
    def show_result(self, i: int) -> None:
        """Decode photo `i`'s result again when its screen copy was evicted (or a version was restored)."""
        photo = self.session.photos[i]
        if photo.after is AfterPane.RELOAD_RESULT and photo.result_path is not None:
            self._load_result(i, photo.result_path, None)

    def _load_result(self, i: int, path: Path, outcome: RunOutcome | None) -> None:
        """Decode a result on the io thread; `outcome`: a run just finished (run_finished once shown)."""
        from portrait_studio.ui.jobs.results import ShownResult, load_result

        if path in self._reloading:
            return
        self._reloading.add(path)
        photo = self.session.photos[i]
        original = photo.source_size if photo.run_path is None else None  # (a fixed copy has another size)

        def shown(result: ShownResult) -> None:
            self._reloading.discard(path)
            if self.session.photos[i].result_path == path:  # (not a result replaced meanwhile)
                self.session.set_result_image(i, result.image, result)
            if outcome is not None:
                self.run_finished.emit(outcome)

        def failed(err: Exception) -> None:
            self._reloading.discard(path)
            message, fix = message_of(err)
            self.problem.emit(message, fix)
            if outcome is not None:  # the run's result cannot be shown: that run failed for the user
                self.run_failed.emit(message)
            else:
                self.message.emit(
                    _("Could not show the result: {error}").format(error=text.error(message, fix)), 10000
                )

        self.io.submit(lambda: load_result(path, original), shown, failed)


__all__ = ["Confirm", "RunController"]
